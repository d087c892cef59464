"""`composekit test --swarm`: the hit counter in stack form, a crash loop, a missing image.

Each test leaves the engine as it found it: no container, network or volume
left, and the swarm in the state it was in (a swarm composekit initialised is
left again, with the docker_gwbridge network it created).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import oracles
import pytest

from composekit.testing.resources import leaked, snapshot

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
REDIS_IMAGE = "composekit/redis:bookworm-1"
WEB_IMAGE = "composekit/hitcounter-web:1.0"
OFFLINE_ENV = {"BASE_IMAGE": oracles.BASE_IMAGE, "INSTALL_DEPS": "0", "WEB_IMAGE": WEB_IMAGE}


def swarm_state() -> str:
    return subprocess.run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def web_image(base_image: str) -> str:
    """The hit counter's web image (a swarm cannot build), built from the offline base."""
    if not oracles.image_present(REDIS_IMAGE):
        oracles.unavailable(f"the image {REDIS_IMAGE} (built by scripts/setup-docker.sh)")
    subprocess.run(["docker", "compose", "-f", "fixtures/hitcounter/compose.yaml", "build",
                    "web"], cwd=ROOT, env={**os.environ, **OFFLINE_ENV}, check=True,
                   capture_output=True)
    return WEB_IMAGE


@pytest.fixture(autouse=True)
def untouched_engine(web_image: str) -> Iterator[None]:
    state = swarm_state()
    # A swarm another composekit run initialised (its owner file exists) is left by the
    # last run that uses it, which may be this one.
    composekit_swarm = os.path.exists(os.path.join(tempfile.gettempdir(),
                                                   "composekit-swarm.owner"))
    before = snapshot()
    yield
    assert leaked(before, snapshot(), harness_only=not oracles.in_ci()) == {}
    after = swarm_state()
    if state == "active" and composekit_swarm:
        assert after in ("active", "inactive")
    else:
        assert after == state


def composekit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "composekit", "test", "--swarm", *args],
                          cwd=ROOT, env={**os.environ, **OFFLINE_ENV, "NO_COLOR": "1"},
                          capture_output=True, text=True, timeout=300, check=False,
                          stdin=subprocess.DEVNULL)


def test_hitcounter_stack() -> None:
    proc = composekit("fixtures/harness/swarm/stack.yaml", "--image-map",
                      f"redis:7-alpine={REDIS_IMAGE}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"^PASS  service redis: 1/1 replicas running after [\d.]+s$", out, re.M)
    assert re.search(r"^PASS  service web: 1/1 replicas running after [\d.]+s$", out, re.M)
    assert re.search(r"^PASS  port web \d+->5000/tcp \(host\): 127\.0\.0\.1:\d+ accepts "
                     r"connections$", out, re.M)
    assert re.search(r"^PASS  http GET web:5000/: GET http://127\.0\.0\.1:\d+/ -> 200 OK; "
                     r"body matches", out, re.M)
    assert re.search(r"^PASS  exec redis: redis-cli ping: exited 0, output contains 'PONG'$",
                     out, re.M)
    assert re.search(r"^PASS  teardown: removed the stack", out, re.M)
    assert "replicas running (starting)" in proc.stderr or "replicas running" in proc.stderr


def test_crash_loop_names_the_service_and_shows_its_logs() -> None:
    proc = composekit("fixtures/harness/swarm-crash/stack.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"^FAIL  service worker: crash loop: \d+ tasks failed, last: task: "
                     r"non-zero exit \(1\)$", proc.stdout, re.M)
    assert "--- last log lines of worker ---" in proc.stdout
    assert "fatal: QUEUE_URL is not set" in proc.stdout
    assert "PASS  teardown: removed the stack" in proc.stdout


def test_missing_image_fails_before_deploying() -> None:
    proc = composekit("fixtures/harness/swarm/stack.yaml", "--image-map",
                      "redis:7-alpine=composekit/no-such-image:1")
    assert proc.returncode == 1
    assert ("FAIL  stack config: service redis: image composekit/no-such-image:1 is not on this "
            "machine") in proc.stdout
    assert "swarm: " not in proc.stderr
    assert "PASS  teardown: nothing was deployed" in proc.stdout
