"""ComposeEnv against the Docker engine: the hit counter, one-shot services, failures, Ctrl-C.

Every test here checks that it leaves no container, network or volume behind.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import oracles
import pytest

from composekit.testing import ComposeEnv, EndpointError, StackNotReady
from composekit.testing.checks import ExecCheck, HttpCheck, LogCheck
from composekit.testing.resources import leaked, snapshot
from composekit.testing.results import Status
from composekit.testing.wait import ProgressEvent

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
HITCOUNTER = ROOT / "fixtures" / "hitcounter" / "compose.yaml"
HARNESS = ROOT / "fixtures" / "harness"
REDIS_IMAGE = "composekit/redis:bookworm-1"
#: The hit counter offline: web built FROM the local base, Redis from the local image.
OFFLINE_ENV = {"BASE_IMAGE": oracles.BASE_IMAGE, "INSTALL_DEPS": "0", "WEB_PORT": "0"}
REDIS_MAP = {"redis:7-alpine": REDIS_IMAGE}


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


def test_hitcounter_counts_and_redis_is_healthy() -> None:
    events: list[ProgressEvent] = []
    with ComposeEnv([HITCOUNTER], env=OFFLINE_ENV, image_map=REDIS_MAP,
                    on_progress=events.append) as env:
        assert re.fullmatch(r"hitcounter-ck\d+-[0-9a-f]{6}", env.project_name)
        assert [(o.name, o.status) for o in env.outcomes] == [
            ("lint", Status.PASS), ("build web", Status.PASS),
            ("service redis", Status.PASS), ("service web", Status.PASS),
            (f"port web {env.host_port('web', 5000)}->5000/tcp", Status.PASS)]
        url = env.service_url("web", 5000)
        assert url == f"http://127.0.0.1:{env.host_port('web', 5000)}"
        first = int(re.findall(r"seen (\d+) times", get(url + "/"))[0])
        second = int(re.findall(r"seen (\d+) times", get(url + "/"))[0])
        assert second == first + 1
        assert json.loads(get(url + "/stats")) == {"hits": second}
        states = {c.service: (c.state, c.health) for c in env.containers()}
        assert states == {"redis": ("running", "healthy"), "web": ("running", "healthy")}
        ping = env.exec("redis", "redis-cli ping")
        assert (ping.exit_code, ping.output.strip()) == (0, "PONG")
        assert env.exec("redis", ["redis-cli", "get", "hits"]).stdout.strip() == str(second)
        assert "Ready to accept connections" in env.logs("redis")
        assert env.exec("web", "false").exit_code == 1
        with pytest.raises(EndpointError, match="container port 6379/tcp of service redis is "
                                                "not published"):
            env.endpoint("redis", 6379)
        env.wait_healthy(timeout=10)

        outcomes = env.run_checks([
            HttpCheck("web", 5000, "/", status=201, within=0),
            ExecCheck("redis", ("redis-cli", "ping"), output_contains=("PANG",)),
            LogCheck("web", contains=("no such line",), within=0),
        ])
        assert [o.status for o in outcomes] == [Status.FAIL] * 3
        assert outcomes[0].message.endswith("-> 200 OK, expected 201")
        assert outcomes[1].message == "exited 0 but the output lacks 'PANG'"
        # A failed check shows the last log lines of its service.
        assert "GET / HTTP/1.1" in outcomes[0].logs
        assert "Ready to accept connections" in outcomes[1].logs
        name = env.project_name
    assert project_objects(name) == []
    assert env.teardown_outcome is not None and env.teardown_outcome.status is Status.PASS
    assert env.teardown_outcome.message.startswith("removed 2 containers, 1 network, 0 volumes")
    texts = [e.text for e in events if e.service == "redis"]
    assert texts[-1] == "healthy"
    assert any(e.stage == "build" for e in events)


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
