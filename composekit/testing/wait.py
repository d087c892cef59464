"""Readiness: when is a service of a started stack ready, failed, or still coming up.

A long-running service is ready when every one of its containers is running
and, where the service has a health check, healthy. A one-shot service
(migrations, seeders) is ready when its container has exited with code 0.
A service has failed when a container exited (a long-running one), exited
non-zero (a one-shot), turned unhealthy, or keeps restarting (crash loop).

Containers without a health check must stay running for ``settle`` seconds
before they count as ready, so that a process that crashes right after its
start is not taken for a running service.

:class:`ReadinessTracker` is pure: it is fed the containers seen at each poll
(``docker compose ps -a``) and says what changed; the harness does the polling.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: A container restarted this many times without becoming ready is in a crash loop. Docker
#: doubles the pause between restarts from 100 ms, so five restarts take a few seconds; an
#: app that restarts a few times while its database starts still gets through.
CRASH_LOOP_RESTARTS = 5
#: Seconds a container without a health check must stay running to count as ready.
DEFAULT_SETTLE = 1.0


class Phase(enum.Enum):
    WAITING = "waiting"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True)
class ContainerState:
    """One container as ``docker compose ps -a`` (plus ``inspect`` when needed) shows it."""

    id: str
    name: str
    service: str
    state: str
    health: str = ""
    exit_code: int | None = None
    restart_count: int = 0


@dataclass(frozen=True)
class ServiceState:
    service: str
    phase: Phase
    text: str
    containers: tuple[ContainerState, ...] = ()


@dataclass(frozen=True)
class ProgressEvent:
    """Something happened while a stack was brought up, checked or torn down.

    ``stage`` is ``wait`` when ``service`` changed state (or, with no service, a
    periodic summary), else the step that started: ``lint``, ``config``,
    ``build``, ``up``, ``check``, ``teardown``.
    """

    service: str | None
    phase: Phase
    text: str
    elapsed: float
    stage: str = "wait"

    def line(self) -> str:
        """One readable line, e.g. ``[  3.1s] redis: healthy``."""
        if self.stage == "wait" and self.service is not None:
            what = f"{self.service}: {self.text}"
        else:
            what = self.text
        return f"[{self.elapsed:5.1f}s] {what}"


def classify_container(c: ContainerState, *, one_shot: bool, has_healthcheck: bool,
                       running_for: float, settle: float) -> tuple[Phase, str]:
    """The phase of one container and a short text for it."""
    state = c.state.lower()
    health = c.health.lower()
    if state == "exited":
        code = c.exit_code if c.exit_code is not None else "?"
        if one_shot:
            if c.exit_code == 0:
                return Phase.READY, "completed (exit 0)"
            return Phase.FAILED, f"one-shot service exited with code {code}"
        hint = (" (if it is a one-shot service, declare it: one_shot: [" + c.service + "])"
                if c.exit_code == 0 else "")
        return Phase.FAILED, f"exited with code {code}{hint}"
    if state == "dead":
        return Phase.FAILED, "dead (the engine could not stop or remove it)"
    crash_loop = (Phase.FAILED, f"crash loop: restarted {c.restart_count} times, last exit "
                                f"code {c.exit_code if c.exit_code is not None else '?'}")
    if state == "restarting":
        if c.restart_count >= CRASH_LOOP_RESTARTS:
            return crash_loop
        return Phase.WAITING, f"restarting ({c.restart_count} restarts)"
    if state == "created":
        return Phase.WAITING, "created, not started yet"
    if state == "paused":
        return Phase.FAILED, "paused"
    if state == "removing":
        return Phase.FAILED, "being removed"
    if state != "running":
        return Phase.WAITING, state or "unknown state"
    if one_shot:
        return Phase.WAITING, "running (one-shot: waiting for it to exit 0)"
    if has_healthcheck or health:
        if health == "healthy":
            return Phase.READY, "healthy"
        if health == "unhealthy":
            return Phase.FAILED, "unhealthy"
        if c.restart_count >= CRASH_LOOP_RESTARTS:
            return crash_loop
        return Phase.WAITING, f"running, health: {health or 'starting'}"
    if running_for >= settle:
        return Phase.READY, "running"
    if c.restart_count >= CRASH_LOOP_RESTARTS:
        return crash_loop
    return Phase.WAITING, "running (settling)"


@dataclass
class ReadinessTracker:
    """Follows the services of one stack across polls."""

    services: Sequence[str]
    one_shot: frozenset[str] = frozenset()
    healthchecks: frozenset[str] = frozenset()
    scale: Mapping[str, int] = field(default_factory=dict)
    settle: float = DEFAULT_SETTLE
    states: dict[str, ServiceState] = field(default_factory=dict)
    _running_since: dict[str, float] = field(default_factory=dict)
    _restarts: dict[str, int] = field(default_factory=dict)
    _ready_at: dict[str, float] = field(default_factory=dict)

    def update(self, containers: Iterable[ContainerState], now: float) -> list[ProgressEvent]:
        """Take one poll's containers (``now`` = seconds since the start); return changes."""
        by_service: dict[str, list[ContainerState]] = {s: [] for s in self.services}
        for c in containers:
            if c.service in by_service:
                by_service[c.service].append(c)
        events: list[ProgressEvent] = []
        for service in self.services:
            state = self._service_state(service, by_service[service], now)
            previous = self.states.get(service)
            self.states[service] = state
            if state.phase is Phase.READY and service not in self._ready_at:
                self._ready_at[service] = now
            elif state.phase is not Phase.READY:
                self._ready_at.pop(service, None)
            if previous is None or (previous.phase, previous.text) != (state.phase, state.text):
                events.append(ProgressEvent(service, state.phase, state.text, now))
        return events

    def _service_state(self, service: str, containers: list[ContainerState],
                       now: float) -> ServiceState:
        one_shot = service in self.one_shot
        wanted = max(0, self.scale.get(service, 1))
        if not containers:
            if wanted == 0:
                return ServiceState(service, Phase.READY, "scaled to 0")
            return ServiceState(service, Phase.WAITING, "no container yet")
        phases: list[tuple[Phase, str]] = []
        for c in sorted(containers, key=lambda c: c.name):
            restarted = self._restarts.get(c.id, c.restart_count) != c.restart_count
            self._restarts[c.id] = c.restart_count
            if c.state.lower() == "running" and not restarted:
                self._running_since.setdefault(c.id, now)
            elif c.state.lower() == "running":
                self._running_since[c.id] = now  # restarted between two polls
            else:
                self._running_since.pop(c.id, None)
            running_for = now - self._running_since.get(c.id, now)
            phases.append(classify_container(
                c, one_shot=one_shot, has_healthcheck=service in self.healthchecks,
                running_for=running_for, settle=self.settle))
        frozen = tuple(containers)
        for phase, text in phases:
            if phase is Phase.FAILED:
                return ServiceState(service, Phase.FAILED, _prefix(text, phases), frozen)
        for phase, text in phases:
            if phase is Phase.WAITING:
                return ServiceState(service, Phase.WAITING, _prefix(text, phases), frozen)
        if len(containers) < wanted:
            return ServiceState(service, Phase.WAITING,
                                f"{len(containers)} of {wanted} containers", frozen)
        return ServiceState(service, Phase.READY, phases[0][1] if len(phases) == 1
                            else f"{phases[0][1]} ({len(phases)} containers)", frozen)

    @property
    def all_ready(self) -> bool:
        return bool(self.states) and all(
            self.states.get(s) is not None and self.states[s].phase is Phase.READY
            for s in self.services)

    @property
    def failed(self) -> list[ServiceState]:
        return [s for s in self.states.values() if s.phase is Phase.FAILED]

    @property
    def waiting(self) -> list[ServiceState]:
        return [self.states.get(s, ServiceState(s, Phase.WAITING, "no container yet"))
                for s in self.services
                if self.states.get(s) is None or self.states[s].phase is Phase.WAITING]

    def ready_after(self, service: str) -> float | None:
        """Seconds from the start until ``service`` became ready (None if it is not)."""
        return self._ready_at.get(service)

    def summary(self, now: float) -> ProgressEvent:
        waiting = ", ".join(f"{s.service} {s.text}" for s in self.waiting) or "nothing"
        return ProgressEvent(None, Phase.WAITING, f"still waiting for {waiting}", now)


def _prefix(text: str, phases: Sequence[tuple[Phase, str]]) -> str:
    return text if len(phases) == 1 else f"{text} (one of {len(phases)} containers)"
