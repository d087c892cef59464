"""One ``composekit test`` run of one project: expectations, bring-up, checks, teardown.

:func:`run_target` is what the CLI calls for each project it was given. It
never prints: progress goes to ``on_progress`` and each batch of outcomes to
``on_outcomes`` as soon as it exists, so the caller can show them live. The
stack is always torn down (unless ``keep``), also when a step fails, the
timeout runs out, or Ctrl-C / SIGTERM arrives (``report.interrupted``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from composekit.checker import Target
from composekit.diagnostics import Diagnostic
from composekit.testing.checks import Check
from composekit.testing.expectations import (
    Expectations,
    check_service_names,
    find_expectations_file,
    load_expectations,
)
from composekit.testing.results import Outcome, RunReport
from composekit.testing.wait import ProgressEvent

#: Readiness timeout when neither --timeout nor the expectations file sets one.
DEFAULT_TIMEOUT = 120.0
DEFAULT_LOG_LINES = 30


class StackEnv(Protocol):
    """What the runner needs from a Compose project or a swarm stack."""

    project_name: str
    failure_logs: dict[str, str]
    lint_diagnostics: list[Diagnostic]

    def prepare(self) -> list[Outcome]: ...
    def launch(self) -> list[Outcome]: ...
    def service_names(self) -> list[str]: ...
    def run_checks(self, checks: Sequence[Check]) -> list[Outcome]: ...
    def close(self) -> Outcome: ...


@dataclass(frozen=True)
class RunOptions:
    """The settings of a run that do not come from the expectations file."""

    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    timeout: float | None = None
    build: bool = True
    build_timeout: float = 900.0
    keep: bool = False
    swarm: bool = False
    #: Settings and checks given as flags; they override / extend the file's.
    flags: Expectations = field(default_factory=Expectations)
    #: An explicit expectations file (instead of the one beside the Compose file).
    expectations_file: str | None = None
    #: False to ignore any expectations file.
    use_expectations_file: bool = True


def expectations_for(target: Target, options: RunOptions
                     ) -> tuple[Expectations | None, list[Diagnostic]]:
    """The file's expectations (if any) merged with the flags'."""
    path = options.expectations_file
    if path is None and options.use_expectations_file:
        from composekit.loader.files import select_files

        selection = select_files(target.files, project_dir=target.project_dir,
                                 environ=dict(os.environ))
        path = find_expectations_file(selection.files, target.project_dir)
        if path is not None:
            relative = os.path.relpath(path)
            path = path if relative.startswith("..") else relative
    if path is None:
        return options.flags, []
    loaded, diags = load_expectations(path)
    if loaded is None:
        return None, diags
    return loaded.merged(options.flags), []


def run_target(
    target: Target,
    options: RunOptions,
    *,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    on_outcomes: Callable[[list[Outcome]], None] | None = None,
) -> tuple[RunReport, list[Diagnostic]]:
    """Test one project; the report, and the findings that stopped it (bad expectations)."""
    started = time.monotonic()
    report = RunReport(label=target.label)

    def progress(event: ProgressEvent) -> None:
        report.progress.append(event.line())
        if on_progress is not None:
            on_progress(event)

    def record(outcomes: list[Outcome]) -> None:
        report.outcomes.extend(outcomes)
        if on_outcomes is not None and outcomes:
            on_outcomes(outcomes)

    expectations, diags = expectations_for(target, options)
    if expectations is None:
        report.usage_error = True
        report.usage_messages = _messages(diags)
        return report, diags
    env = _make_env(target, options, expectations, progress)
    try:
        try:
            outcomes = env.prepare()
            record(outcomes)
            if any(d.origin == "io" for d in env.lint_diagnostics):
                # A file that cannot be read is an I/O error (exit 2), like `composekit lint`.
                report.usage_error = True
            if not any(o.failed for o in outcomes):
                report.project_name = env.project_name
                diags = check_service_names(expectations, env.service_names())
                if diags:
                    report.usage_error = True
                    report.usage_messages = _messages(diags)
                else:
                    before = len(outcomes)
                    outcomes = env.launch()
                    record(outcomes[before:])
                    if not any(o.failed for o in outcomes):
                        record(env.run_checks(expectations.checks))
        finally:
            teardown = env.close()
            report.project_name = env.project_name
            record(_with_failure_logs(report, env, teardown))
    except KeyboardInterrupt:
        report.interrupted = True
    report.duration = time.monotonic() - started
    return report, diags


def _messages(diags: Sequence[Diagnostic]) -> list[str]:
    from composekit.report.text import render_text

    return render_text(list(diags)).splitlines()


def _with_failure_logs(report: RunReport, env: StackEnv, teardown: Outcome) -> list[Outcome]:
    # Outcomes reported before the logs were read get them now (for JUnit).
    report.extra_logs = dict(env.failure_logs)
    report.outcomes = [
        o.with_logs(env.failure_logs.get(o.service, "")) if o.failed and o.service and not o.logs
        else o for o in report.outcomes
    ]
    return [teardown]


def _make_env(target: Target, options: RunOptions, expectations: Expectations,
              progress: Callable[[ProgressEvent], None]) -> StackEnv:
    timeout = options.timeout or expectations.timeout or DEFAULT_TIMEOUT
    log_lines = (expectations.log_lines if expectations.log_lines is not None
                 else DEFAULT_LOG_LINES)
    check_ports = expectations.check_ports if expectations.check_ports is not None else True
    if options.swarm:
        from composekit.testing.swarm import SwarmEnv

        return SwarmEnv(
            target.files, project_dir=target.project_dir, env=expectations.env,
            env_files=options.env_files, image_map=expectations.image_map,
            services=expectations.services, one_shot=expectations.one_shot, timeout=timeout,
            keep=options.keep, log_lines=log_lines, check_ports=check_ports,
            on_progress=progress,
        )
    from composekit.testing.harness import ComposeEnv

    return ComposeEnv(
        target.files, project_dir=target.project_dir, services=expectations.services,
        env_files=options.env_files, profiles=options.profiles, env=expectations.env,
        image_map=expectations.image_map, one_shot=expectations.one_shot, timeout=timeout,
        build=options.build, build_timeout=options.build_timeout, keep=options.keep,
        log_lines=log_lines, check_ports=check_ports, on_progress=progress,
    )
