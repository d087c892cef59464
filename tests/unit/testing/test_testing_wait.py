"""Readiness: container states to service phases, and the tracker across polls."""

from __future__ import annotations

import pytest

from composekit.testing.wait import (
    ContainerState,
    Phase,
    ReadinessTracker,
    classify_container,
)


def c(service: str, state: str, health: str = "", exit_code: int | None = 0,
      restarts: int = 0, cid: str | None = None) -> ContainerState:
    return ContainerState(id=cid or f"{service}-1", name=f"p-{service}-1", service=service,
                          state=state, health=health, exit_code=exit_code,
                          restart_count=restarts)


@pytest.mark.parametrize(
    ("container", "one_shot", "has_hc", "running_for", "expected"),
    [
        (c("web", "running", "healthy"), False, True, 0, (Phase.READY, "healthy")),
        (c("web", "running", "starting"), False, True, 5, (Phase.WAITING,
                                                           "running, health: starting")),
        (c("web", "running", ""), False, True, 5, (Phase.WAITING, "running, health: starting")),
        (c("web", "running", "unhealthy"), False, True, 5, (Phase.FAILED, "unhealthy")),
        (c("web", "running"), False, False, 0.2, (Phase.WAITING, "running (settling)")),
        (c("web", "running"), False, False, 1.0, (Phase.READY, "running")),
        (c("web", "running", "healthy"), False, False, 0, (Phase.READY, "healthy")),
        (c("web", "created"), False, False, 0, (Phase.WAITING, "created, not started yet")),
        (c("web", "exited", exit_code=1), False, False, 0, (Phase.FAILED,
                                                            "exited with code 1")),
        (c("web", "exited", exit_code=0), False, False, 0,
         (Phase.FAILED, "exited with code 0 (if it is a one-shot service, declare it: "
                        "one_shot: [web])")),
        (c("web", "restarting", exit_code=1, restarts=1), False, False, 0,
         (Phase.WAITING, "restarting (1 restarts)")),
        (c("web", "restarting", exit_code=1, restarts=4), False, False, 0,
         (Phase.WAITING, "restarting (4 restarts)")),
        (c("web", "restarting", exit_code=1, restarts=5), False, False, 0,
         (Phase.FAILED, "crash loop: restarted 5 times, last exit code 1")),
        (c("web", "running", exit_code=1, restarts=6), False, False, 0.2,
         (Phase.FAILED, "crash loop: restarted 6 times, last exit code 1")),
        (c("web", "running", "starting", exit_code=1, restarts=5), False, True, 0.2,
         (Phase.FAILED, "crash loop: restarted 5 times, last exit code 1")),
        (c("web", "running", "healthy", exit_code=1, restarts=5), False, True, 0.2,
         (Phase.READY, "healthy")),
        (c("web", "running", exit_code=1, restarts=7), False, False, 1.0,
         (Phase.READY, "running")),
        (c("web", "dead"), False, False, 0, (Phase.FAILED,
                                             "dead (the engine could not stop or remove it)")),
        (c("web", "paused"), False, False, 0, (Phase.FAILED, "paused")),
        (c("m", "exited", exit_code=0), True, False, 0, (Phase.READY, "completed (exit 0)")),
        (c("m", "exited", exit_code=3), True, False, 0, (Phase.FAILED,
                                                         "one-shot service exited with code 3")),
        (c("m", "running"), True, False, 9, (Phase.WAITING,
                                             "running (one-shot: waiting for it to exit 0)")),
    ],
)
def test_classify(container: ContainerState, one_shot: bool, has_hc: bool, running_for: float,
                  expected: tuple[Phase, str]) -> None:
    assert classify_container(container, one_shot=one_shot, has_healthcheck=has_hc,
                              running_for=running_for, settle=1.0) == expected


def test_tracker_reports_changes_only_and_readiness_times() -> None:
    t = ReadinessTracker(["redis", "web"], healthchecks=frozenset({"redis", "web"}))
    first = t.update([], 0.0)
    assert [(e.service, e.text) for e in first] == [("redis", "no container yet"),
                                                   ("web", "no container yet")]
    assert t.update([], 0.5) == []
    events = t.update([c("redis", "running", "starting"), c("web", "created")], 1.0)
    assert [(e.service, e.phase, e.text) for e in events] == [
        ("redis", Phase.WAITING, "running, health: starting"),
        ("web", Phase.WAITING, "created, not started yet")]
    t.update([c("redis", "running", "healthy"), c("web", "created")], 3.0)
    assert t.ready_after("redis") == 3.0 and not t.all_ready
    t.update([c("redis", "running", "healthy"), c("web", "running", "healthy")], 7.5)
    assert t.all_ready and t.ready_after("web") == 7.5 and not t.failed
    assert [e.line() for e in t.update([c("redis", "running", "unhealthy"),
                                        c("web", "running", "healthy")], 8.0)] == [
        "[  8.0s] redis: unhealthy"]
    assert [s.service for s in t.failed] == ["redis"] and t.ready_after("redis") is None


def test_tracker_settle_needs_continuous_running() -> None:
    t = ReadinessTracker(["app"], settle=1.0)
    t.update([c("app", "running")], 0.0)
    t.update([c("app", "restarting", restarts=1)], 0.6)
    t.update([c("app", "running")], 1.2)
    assert not t.all_ready
    t.update([c("app", "running")], 2.3)
    assert t.all_ready


def test_tracker_sees_a_restart_between_two_polls() -> None:
    t = ReadinessTracker(["app"], settle=1.0)
    t.update([c("app", "running", restarts=0)], 0.0)
    t.update([c("app", "running", restarts=1)], 1.5)
    assert not t.all_ready and t.states["app"].text == "running (settling)"
    t.update([c("app", "running", restarts=1)], 2.6)
    assert t.all_ready


def test_tracker_one_shot_and_scale_and_unknown_containers() -> None:
    t = ReadinessTracker(["app", "migrate"], one_shot=frozenset({"migrate"}),
                         scale={"app": 2}, settle=0.0)
    t.update([c("migrate", "exited", exit_code=0), c("app", "running", cid="a1"),
              c("other", "running")], 0.0)
    assert t.states["app"].text == "1 of 2 containers" and not t.all_ready
    t.update([c("migrate", "exited", exit_code=0), c("app", "running", cid="a1"),
              c("app", "running", cid="a2")], 1.0)
    assert t.all_ready
    assert t.states["app"].text == "running (2 containers)"
    t.update([c("migrate", "exited", exit_code=0), c("app", "running", cid="a1"),
              c("app", "exited", exit_code=2, cid="a2")], 2.0)
    assert t.states["app"].phase is Phase.FAILED
    assert t.states["app"].text == "exited with code 2 (one of 2 containers)"


def test_tracker_scaled_to_zero_and_summary() -> None:
    t = ReadinessTracker(["a", "b"], scale={"a": 0})
    t.update([], 0.0)
    assert t.states["a"].phase is Phase.READY
    summary = t.summary(12.0)
    assert summary.service is None
    assert summary.line() == "[ 12.0s] still waiting for b no container yet"
