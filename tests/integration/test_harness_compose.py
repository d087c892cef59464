"""ComposeEnv against the Docker engine: accessors, checks, one-shot services, failures, Ctrl-C.

Every test here checks that it leaves no container, network or volume behind.
"""

from __future__ import annotations

import re
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import oracles
import pytest

from composekit.errors import HarnessError
from composekit.testing import ComposeEnv, EndpointError, StackNotReady
from composekit.testing.checks import ExecCheck, HttpCheck, LogCheck
from composekit.testing.resources import leaked, snapshot
from composekit.testing.results import Status
from composekit.testing.wait import ProgressEvent

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "fixtures" / "harness"
REDIS_IMAGE = "composekit/redis:bookworm-1"


@pytest.fixture(autouse=True)
def no_leaks(base_image: str) -> Iterator[None]:
    """Count containers, networks and volumes before and after: nothing may be left."""
    if not oracles.image_present(REDIS_IMAGE):
        oracles.unavailable(f"the image {REDIS_IMAGE} (built by scripts/setup-docker.sh)")
    before = snapshot()
    yield
    # Strict in CI; locally only the harness's own objects (others may share the engine).
    assert leaked(before, snapshot(), harness_only=not oracles.in_ci()) == {}


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def project_objects(name: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "-aq", "--filter",
                          f"label=com.docker.compose.project={name}"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def test_accessors_and_failing_checks_with_logs() -> None:
    # The hit counter itself is checked through the CLI and the pytest plugin; here the
    # quickest stack, for the API around it.
    events: list[ProgressEvent] = []
    with ComposeEnv([HARNESS / "tiny" / "compose.yaml"], on_progress=events.append) as env:
        assert re.fullmatch(r"tiny-ck\d+-[0-9a-f]{6}", env.project_name)
        port = env.host_port("app", 8080)
        assert [(o.name, o.status) for o in env.outcomes] == [
            ("lint", Status.PASS), ("service app", Status.PASS),
            (f"port app {port}->8080/tcp", Status.PASS)]
        url = env.service_url("app", 8080, "/hostname")
        assert url == f"http://127.0.0.1:{port}/hostname"
        hostname = get(url).strip()
        result = env.exec("app", "cat /etc/hostname")
        assert (result.exit_code, result.stdout.strip()) == (0, hostname)
        assert env.exec("app", ["sh", "-c", "echo oops >&2; exit 3"]).exit_code == 3
        assert env.exec("app", "sh -c 'echo oops >&2'").stderr == "oops\n"
        assert "GET /hostname HTTP/1.1" in env.logs("app")
        assert [(c.service, c.state, c.health) for c in env.containers()] == [
            ("app", "running", "healthy")]
        with pytest.raises(EndpointError, match="container port 9999/tcp of service app is "
                                                "not published"):
            env.endpoint("app", 9999)
        with pytest.raises(EndpointError, match="service nope has no running container"):
            env.endpoint("nope", 80)
        env.wait_healthy(timeout=10)

        outcomes = env.run_checks([
            HttpCheck("app", 8080, "/hostname", status=201, within=0),
            ExecCheck("app", ("cat", "/etc/hostname"), output_contains=("not-the-host",)),
            LogCheck("app", contains=("no such line",), within=0),
            HttpCheck("app", 8080, "/hostname", body_contains=(hostname,)),
        ])
        assert [o.status for o in outcomes] == [Status.FAIL] * 3 + [Status.PASS]
        assert outcomes[0].message.endswith("/hostname -> 200 OK, expected 201")
        assert outcomes[1].message == "exited 0 but the output lacks 'not-the-host'"
        assert outcomes[2].message == "no log line contains 'no such line' (1 lines read)" or \
            outcomes[2].message.startswith("no log line contains 'no such line'")
        # A failed check shows the last log lines of its service.
        assert all("GET /hostname HTTP/1.1" in o.logs for o in outcomes[:3])
        assert outcomes[3].logs == ""
        name = env.project_name
    assert project_objects(name) == []
    assert env.teardown_outcome is not None and env.teardown_outcome.status is Status.PASS
    assert env.teardown_outcome.message.startswith("removed 1 container, 1 network, 0 volumes")
    texts = [e.text for e in events if e.service == "app" and e.stage == "wait"]
    assert texts[-1] == "healthy"
    assert [e.stage for e in events if e.service is None][:2] == ["lint", "up"]


def test_one_shot_services_and_container_name() -> None:
    suffix = uuid.uuid4().hex[:8]
    with ComposeEnv([HARNESS / "oneshot" / "compose.yaml"], env={"CK_SUFFIX": suffix},
                    one_shot=["seed"]) as env:
        by_name = {o.name: o for o in env.outcomes}
        assert by_name["service migrate"].message.startswith("completed (exit 0) after")
        assert by_name["service seed"].message.startswith("completed (exit 0) after")
        assert by_name["service app"].message.startswith("healthy after")
        names = {c.service: c.name for c in env.containers()}
        assert names["app"] == f"ck-oneshot-app-{suffix}"
        assert env.exec("app", "cat /etc/hostname").exit_code == 0
        assert "migrated: 3 tables" in env.logs("migrate")
        for service in ("migrate", "nope"):
            with pytest.raises(HarnessError, match=f"service {service} has no running "
                                                   "container to exec in"):
                env.exec(service, "true")
    assert project_objects(env.project_name) == []


def test_selected_services_start_with_their_dependencies_only() -> None:
    with ComposeEnv([HARNESS / "oneshot" / "compose.yaml"], services=["app"],
                    env={"CK_SUFFIX": uuid.uuid4().hex[:8]}) as env:
        assert env.expected == ["app", "migrate"]
        assert [o.name for o in env.outcomes if o.kind == "service"] == ["service app",
                                                                         "service migrate"]
        assert sorted(c.service for c in env.containers()) == ["app", "migrate"]
    assert project_objects(env.project_name) == []


def test_failed_start_raises_with_the_logs_and_tears_down() -> None:
    env = ComposeEnv([HARNESS / "oneshot-fail" / "compose.yaml"], timeout=60)
    with pytest.raises(StackNotReady) as info:
        env.start()
    text = str(info.value)
    assert "FAIL service migrate: one-shot service exited with code 1" in text
    assert "FAIL service app: not started: it depends on migrate, which failed" in text
    assert 'error: relation "users" already exists' in text
    assert info.value.outcomes[-1].name == "teardown"
    assert info.value.outcomes[-1].status is Status.PASS
    assert project_objects(env.project_name) == []


def test_keyboard_interrupt_while_waiting_tears_down() -> None:
    def interrupt(event: ProgressEvent) -> None:
        if event.service == "sleeper" and event.text.startswith("running"):
            raise KeyboardInterrupt

    env = ComposeEnv([HARNESS / "slow" / "compose.yaml"], timeout=60, on_progress=interrupt)
    with pytest.raises(KeyboardInterrupt), env:
        pytest.fail("the stack cannot become ready")
    assert env.teardown_outcome is not None and env.teardown_outcome.status is Status.PASS
    assert env.teardown_outcome.message.startswith("removed 1 container, 1 network")
    assert project_objects(env.project_name) == []


def test_timeout_is_bounded_and_names_the_service() -> None:
    env = ComposeEnv([HARNESS / "slow" / "compose.yaml"], timeout=3)
    outcomes = env.up()
    try:
        sleeper = next(o for o in outcomes if o.name == "service sleeper")
        assert sleeper.status is Status.FAIL
        assert sleeper.message == "not ready after 3s (timeout): running, health: starting"
        assert sleeper.logs == "warming up caches"
        assert 3 <= sleeper.duration < 8
    finally:
        assert env.close().status is Status.PASS
