"""The pytest plugin with real stacks: the hit counter as a user's test suite would check it,
scopes, a stack that fails to start, and --compose-keep. Nothing may be left behind."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import oracles
import pytest

from composekit.testing.resources import leaked, snapshot

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
REDIS_IMAGE = "composekit/redis:bookworm-1"
#: pytester points HOME at a temporary directory; the docker CLI finds its compose
#: plugin through the real one.
DOCKER_CONFIG = os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")
INI = f"""[pytest]
compose_env =
    BASE_IMAGE={oracles.BASE_IMAGE}
    INSTALL_DEPS=0
    WEB_PORT=0
compose_image_map =
    redis:7-alpine={REDIS_IMAGE}
"""


@pytest.fixture(autouse=True)
def no_leaks(base_image: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DOCKER_CONFIG", DOCKER_CONFIG)
    if not oracles.image_present(REDIS_IMAGE):
        oracles.unavailable(f"the image {REDIS_IMAGE} (built by scripts/setup-docker.sh)")
    before = snapshot()
    yield
    assert leaked(before, snapshot(), harness_only=not oracles.in_ci()) == {}


def test_hitcounter_like_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_hitcounter=f"""
        import json, re, urllib.request
        import pytest

        HITCOUNTER = {str(ROOT / "fixtures" / "hitcounter" / "compose.yaml")!r}
        NAMES = []
        pytestmark = pytest.mark.compose(HITCOUNTER, scope="module")

        def get(url):
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode()

        def count(url):
            return int(re.search(r"seen (\\d+) times", get(url)).group(1))

        def test_count_goes_up_by_one(compose_env):
            NAMES.append(compose_env.project_name)
            url = compose_env.service_url("web", 5000, "/")
            first = count(url)
            assert count(url) == first + 1
            assert json.loads(get(compose_env.service_url("web", 5000, "/stats"))) == {{
                "hits": first + 1}}

        def test_redis_is_healthy(compose_env):
            NAMES.append(compose_env.project_name)
            health = {{c.service: c.health for c in compose_env.containers()}}
            assert health == {{"redis": "healthy", "web": "healthy"}}
            assert compose_env.exec("redis", "redis-cli ping").output.strip() == "PONG"
            assert isinstance(compose_env.host_port("web", 5000), int)

        def test_logs_and_wait_healthy(compose_env):
            NAMES.append(compose_env.project_name)
            assert "Ready to accept connections" in compose_env.logs("redis")
            compose_env.wait_healthy(timeout=10)

        def test_one_stack_for_the_module():
            assert len(NAMES) == 3 and len(set(NAMES)) == 1
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_scopes_and_the_factory(pytester: pytest.Pytester, tmp_path: Path) -> None:
    tiny = str(ROOT / "fixtures" / "harness" / "tiny" / "compose.yaml")
    names = tmp_path / "names.jsonl"
    common = f"""
        import json, pytest
        TINY = {tiny!r}

        def record(kind, env):
            with open({str(names)!r}, "a") as fh:
                fh.write(json.dumps([kind, env.project_name]) + "\\n")
    """
    pytester.makepyfile(
        test_one=common + """
        @pytest.mark.compose(TINY, scope="function")
        def test_f1(compose_env): record("function", compose_env)

        @pytest.mark.compose(TINY, scope="function")
        def test_f2(compose_env): record("function", compose_env)

        @pytest.mark.compose(TINY, scope="session")
        def test_s1(compose_env): record("session", compose_env)

        def test_factory(compose_project):
            env = compose_project(TINY)
            record("factory", env)
            assert compose_project(TINY) is env
            assert env.exec("app", ["cat", "/etc/hostname"]).exit_code == 0
    """,
        test_two=common + """
        @pytest.mark.compose(TINY, scope="session")
        def test_s2(compose_env): record("session", compose_env)
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    seen = [json.loads(line) for line in names.read_text().splitlines()]
    by_kind: dict[str, list[str]] = {}
    for kind, name in seen:
        by_kind.setdefault(kind, []).append(name)
    assert len(set(by_kind["function"])) == 2
    assert len(by_kind["session"]) == 2 and len(set(by_kind["session"])) == 1
    assert set(by_kind["factory"]).isdisjoint(by_kind["session"] + by_kind["function"])


def test_a_stack_that_does_not_come_up_fails_with_the_service_and_its_logs(
        pytester: pytest.Pytester) -> None:
    broken = str(ROOT / "fixtures" / "harness" / "oneshot-fail" / "compose.yaml")
    pytester.makepyfile(f"""
        import pytest
        pytestmark = pytest.mark.compose({broken!r}, scope="module", timeout=60)

        def test_a(compose_env): pass

        def test_b(compose_env): pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "*the stack * did not come up (project oneshot-fail-ck*",
        "*FAIL service migrate: one-shot service exited with code 1",
        "*error: relation \"users\" already exists",
    ])
    # The second test reuses the recorded failure instead of starting the stack again.
    projects = re.findall(r"did not come up \(project (\S+)\)", result.stdout.str())
    assert len(projects) == 2 and len(set(projects)) == 1


def test_keep_leaves_the_stack_and_lists_it(pytester: pytest.Pytester) -> None:
    tiny = str(ROOT / "fixtures" / "harness" / "tiny" / "compose.yaml")
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.compose({tiny!r})
        def test_x(compose_env): pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--compose-keep")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*composekit: stacks left running (--compose-keep)*",
                                 "kept running (--keep): project tiny-ck*"])
    line = next(ln for ln in result.stdout.lines if ln.startswith("kept running"))
    command = line.split("remove it with ", 1)[1]
    name = line.split("project ", 1)[1].split(";")[0]
    running = subprocess.run(["docker", "ps", "-q", "--filter",
                              f"label=com.docker.compose.project={name}"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert len(running) == 1
    subprocess.run(shlex.split(command), check=True, capture_output=True)
