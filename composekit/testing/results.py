"""The values the harness reports: one :class:`Outcome` per check, and the run's summary.

Every stage of ``composekit test`` (lint, build, each service's readiness, each
published port, each declared assertion, teardown) ends in an :class:`Outcome`;
reporters (text, JUnit XML) only render them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace


class Status(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Outcome:
    """The result of one check.

    ``kind`` is one of ``lint``, ``config``, ``build``, ``up``, ``service``,
    ``port``, ``http``, ``tcp``, ``exec``, ``log``, ``teardown``. ``service``
    names the service the check is about (its logs are shown on failure).
    ``details`` holds extra lines (a health check's output, a response body);
    ``logs`` the last log lines of ``service`` when the check failed.
    """

    kind: str
    name: str
    status: Status
    message: str
    service: str | None = None
    duration: float = 0.0
    details: str = ""
    logs: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not Status.FAIL

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def with_logs(self, logs: str) -> Outcome:
        return replace(self, logs=logs)


def passed(kind: str, name: str, message: str, *, service: str | None = None,
           duration: float = 0.0, details: str = "") -> Outcome:
    return Outcome(kind, name, Status.PASS, message, service, duration, details)


def failed(kind: str, name: str, message: str, *, service: str | None = None,
           duration: float = 0.0, details: str = "") -> Outcome:
    return Outcome(kind, name, Status.FAIL, message, service, duration, details)


def skipped(kind: str, name: str, message: str, *, service: str | None = None,
            duration: float = 0.0, details: str = "") -> Outcome:
    return Outcome(kind, name, Status.SKIP, message, service, duration, details)


@dataclass(frozen=True)
class ExecResult:
    """What a command run in a service container returned."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout followed by stderr."""
        if self.stdout and self.stderr and not self.stdout.endswith("\n"):
            return f"{self.stdout}\n{self.stderr}"
        return self.stdout + self.stderr


@dataclass
class RunReport:
    """Everything one ``composekit test`` run of one project produced."""

    label: str
    project_name: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    duration: float = 0.0
    #: Progress lines written while waiting (for JUnit's system-out).
    progress: list[str] = field(default_factory=list)
    #: True when the run was stopped by Ctrl-C or SIGTERM (after teardown).
    interrupted: bool = False
    #: True when a usage or I/O problem (bad expectations file, ...) stopped the run.
    usage_error: bool = False
    #: Last log lines of every service that failed, was unhealthy or exited, by service.
    extra_logs: dict[str, str] = field(default_factory=dict)
    #: The findings that stopped the run (bad expectations file, unknown services), as text.
    usage_messages: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted and not self.usage_error


def count(outcomes: Sequence[Outcome]) -> dict[Status, int]:
    out = {s: 0 for s in Status}
    for o in outcomes:
        out[o.status] += 1
    return out
