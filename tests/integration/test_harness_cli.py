"""`composekit test` end to end: the hit counter, broken variants, flags, --keep, Ctrl-C.

Every test here checks that it leaves no container, network or volume behind,
the failing and timed-out runs included.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import oracles
import pytest

from composekit.testing.resources import leaked, snapshot

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
REDIS_IMAGE = "composekit/redis:bookworm-1"
OFFLINE_ENV = {"BASE_IMAGE": oracles.BASE_IMAGE, "INSTALL_DEPS": "0", "WEB_PORT": "0"}
REDIS_MAP = f"redis:7-alpine={REDIS_IMAGE}"


@pytest.fixture(autouse=True)
def no_leaks(base_image: str) -> Iterator[None]:
    if not oracles.image_present(REDIS_IMAGE):
        oracles.unavailable(f"the image {REDIS_IMAGE} (built by scripts/setup-docker.sh)")
    before = snapshot()
    yield
    # Strict in CI; locally only the harness's own objects (others may share the engine).
    assert leaked(before, snapshot(), harness_only=not oracles.in_ci()) == {}


def composekit_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **OFFLINE_ENV, "NO_COLOR": "1", **extra}


def composekit(*args: str, timeout: float = 300,
               **extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "composekit", "test", *args], cwd=ROOT,
                          env=composekit_env(**extra), capture_output=True, text=True,
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - started


def lines_starting(text: str, prefix: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith(prefix)]


def test_hitcounter(tmp_path: Path) -> None:
    junit = tmp_path / "results.xml"
    proc, _ = composekit("fixtures/hitcounter", "--image-map", REDIS_MAP, "--junit", str(junit))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = [re.sub(r"\d+->", "N->", ln.split(":")[0]) for ln in lines_starting(proc.stdout,
                                                                                "PASS  ")]
    assert names == [
        "PASS  lint", "PASS  build web", "PASS  service redis", "PASS  service web",
        "PASS  port web N->5000/tcp", "PASS  http GET web", "PASS  http GET web",
        "PASS  http GET web", "PASS  exec redis", "PASS  log redis contains 'Ready to accept "
        "connections'", "PASS  teardown"]
    assert lines_starting(proc.stdout, "FAIL") == []
    assert re.search(r"^fixtures/hitcounter \(project hitcounter-ck\d+-[0-9a-f]{6}\): ok, "
                     r"11 checks: 11 passed, 0 failed in [\d.]+s$", proc.stdout, re.MULTILINE)
    # A readable progress line per service while waiting.
    assert re.search(r"\] redis: running, health: starting$", proc.stderr, re.MULTILINE)
    assert re.search(r"\] web: healthy$", proc.stderr, re.MULTILINE)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("11", "0")


@pytest.mark.parametrize(
    ("fixture", "args", "expected", "logs", "limit"),
    [
        ("hitcounter-wrong-port", [],
         [r"FAIL  port web \d+->5001/tcp: 127\.0\.0\.1:\d+ does not accept connections: the "
          r"connection is closed at once"],
         '"GET /health HTTP/1.1" 200', 60),
        ("hitcounter-crash", [],
         [r"FAIL  service web: crash loop: restarted \d+ times, last exit code 1"],
         "fatal: SECRET_KEY is not set", 60),
        ("hitcounter-unhealthy", [],
         [r"FAIL  service redis: unhealthy",
          r"      hitcounter-unhealthy-ck\d+-\w+-redis-1: last health check exited 1: Could not "
          r"connect to Redis at 127\.0\.0\.1:6390: Connection refused",
          r"FAIL  service web: not started: it depends on redis, which failed"],
         "Ready to accept connections", 60),
        ("slow", ["--timeout", "4"],
         [r"FAIL  service sleeper: not ready after 4s \(timeout\): running, health: starting"],
         "warming up caches", 40),
        ("oneshot-fail", [],
         [r"FAIL  service migrate: one-shot service exited with code 1",
          r"FAIL  service app: not started: it depends on migrate, which failed"],
         'error: relation "users" already exists', 60),
    ],
)
def test_broken_variants_fail_naming_the_service_with_its_logs(
        fixture: str, args: list[str], expected: list[str], logs: str, limit: float) -> None:
    proc, took = composekit(f"fixtures/harness/{fixture}", "--image-map", REDIS_MAP, *args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for pattern in expected:
        assert re.search(f"^{pattern}", proc.stdout, re.MULTILINE), (pattern, proc.stdout)
    failing_service = re.search(r"^FAIL  \w+ (\w+)", proc.stdout, re.MULTILINE)
    assert failing_service is not None
    block = proc.stdout.split("--- last log lines of ", 1)
    assert len(block) == 2 and logs in block[1], proc.stdout
    assert "PASS  teardown: removed" in proc.stdout
    assert took < limit


def test_flags_multiple_projects_and_one_shot(tmp_path: Path) -> None:
    proc, _ = composekit(
        "fixtures/harness/tiny", "fixtures/harness/oneshot",
        "--http", "app:8080/hostname", "--tcp", "app:8080",
        "--exec", "app: cat /etc/hostname", "--log", "app: GET /hostname",
        "--check", "{http: 'app:8080/missing', status: 404, name: missing page is a 404}",
        CK_SUFFIX=os.urandom(4).hex())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Twice from the flag, once from oneshot's own composekit-test.yaml.
    assert len(lines_starting(proc.stdout, "PASS  http GET app:8080/hostname")) == 3
    assert len(lines_starting(proc.stdout, "PASS  missing page is a 404: GET http://")) == 2
    assert lines_starting(proc.stdout, "PASS  service migrate: completed (exit 0)")
    assert lines_starting(proc.stdout, "PASS  service seed: completed (exit 0)")
    assert len(re.findall(r": ok, \d+ checks", proc.stdout)) == 2


def test_unknown_service_in_a_flag_is_a_usage_error_before_anything_starts() -> None:
    proc, _ = composekit("fixtures/harness/tiny", "--http", "ap:8080/")
    assert proc.returncode == 2
    assert ("command line:1:1: error CK704 http GET ap:8080/: no service 'ap' in the project "
            "[hint: did you mean 'app'?]") in proc.stdout
    assert "docker compose up" not in proc.stderr


def test_keep_leaves_the_stack_running_and_says_how_to_remove_it() -> None:
    proc, _ = composekit("fixtures/harness/tiny", "--keep")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kept = lines_starting(proc.stdout, "SKIP  teardown: kept running (--keep): project ")
    assert len(kept) == 1
    command = kept[0].split("remove it with ", 1)[1]
    name = kept[0].split("project ", 1)[1].split(";")[0]
    running = subprocess.run(["docker", "ps", "-q", "--filter",
                              f"label=com.docker.compose.project={name}"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert len(running) == 1
    subprocess.run(shlex.split(command), cwd=ROOT, check=True, capture_output=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_tears_down_and_exits_130(sig: signal.Signals, tmp_path: Path) -> None:
    junit = tmp_path / "results.xml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "composekit", "test", "fixtures/harness/slow", "--timeout", "60",
         "--junit", str(junit)],
        cwd=ROOT, env=composekit_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, stdin=subprocess.DEVNULL)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "sleeper: running, health: starting" in line:
            break
    else:
        pytest.fail("no progress line: " + "".join(seen))
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "composekit test: interrupted; the stack was torn down" in err
    assert "PASS  teardown: removed 1 container, 1 network" in out
    assert "INTERRUPTED" in out
    error = ET.parse(junit).getroot().find("testsuite/testcase/error")
    assert error is not None and error.get("type") == "interrupted"
