"""Swarm readiness from task lists (no engine needed)."""

from __future__ import annotations

import pytest

from composekit.testing.swarm import SwarmEnv, Task, _unique_stack_name
from composekit.testing.wait import Phase


def env(services: dict[str, dict[str, object]], one_shot: tuple[str, ...] = ()) -> SwarmEnv:
    e = SwarmEnv(["stack.yaml"], one_shot=one_shot)
    e.config = {"services": services}
    e.one_shot = frozenset(one_shot)
    return e


def t(service: str, current: str, desired: str = "Running", error: str = "",
      slot: str = "1") -> Task:
    return Task(service=service, slot=slot, current=current, desired=desired, error=error)


@pytest.mark.parametrize(
    ("spec", "tasks", "expected"),
    [
        ({}, [], (Phase.WAITING, "0/1 replicas running (no task yet)")),
        ({}, [t("web", "Starting 1 second ago")],
         (Phase.WAITING, "0/1 replicas running (starting)")),
        ({}, [t("web", "Running 2 seconds ago")], (Phase.READY, "1/1 replicas running")),
        ({"deploy": {"replicas": 2}}, [t("web", "Running 1 second ago")],
         (Phase.WAITING, "1/2 replicas running (running)")),
        ({"deploy": {"replicas": 2}},
         [t("web", "Running 1 second ago"), t("web", "Running 1 second ago", slot="2")],
         (Phase.READY, "2/2 replicas running")),
        ({"deploy": {"mode": "global"}}, [t("web", "Running now")],
         (Phase.READY, "1/1 replicas running")),
        ({"deploy": {"replicas": 0}}, [], (Phase.READY, "scaled to 0")),
        ({}, [t("web", "Preparing now"),
              t("web", "Failed 1 second ago", "Shutdown", "task: non-zero exit (1)"),
              t("web", "Failed 3 seconds ago", "Shutdown", "task: non-zero exit (1)")],
         (Phase.WAITING, "0/1 replicas running (preparing)")),
        ({}, [t("web", "Failed 1 second ago", "Shutdown", "task: non-zero exit (2)")] * 3,
         (Phase.FAILED, "crash loop: 3 tasks failed, last: task: non-zero exit (2)")),
        ({}, [t("web", "Rejected now", "Shutdown", "No such image: app:1")],
         (Phase.FAILED, "task rejected: No such image: app:1")),
    ],
)
def test_service_phase(spec: dict[str, object], tasks: list[Task],
                       expected: tuple[Phase, str]) -> None:
    assert env({"web": spec})._service_phase("web", tasks) == expected


def test_one_shot_service_completes_or_fails() -> None:
    e = env({"migrate": {}}, one_shot=("migrate",))
    assert e._service_phase("migrate", [t("migrate", "Complete 1 second ago", "Shutdown")]) == (
        Phase.READY, "completed")
    assert e._service_phase("migrate", [t("migrate", "Running now")])[0] is Phase.WAITING
    failed = e._service_phase("migrate", [t("migrate", "Failed now", "Shutdown", "exit (3)")])
    assert failed == (Phase.FAILED, "one-shot task failed: exit (3)")


def test_task_state_and_stack_names() -> None:
    assert t("web", "Running 5 seconds ago").state == "Running"
    assert t("web", "").state == ""
    name = _unique_stack_name("My Stack!")
    assert name.startswith("mystack-ck") and len(name.split("-")[-1]) == 6
    assert _unique_stack_name("---").startswith("stack-ck")
