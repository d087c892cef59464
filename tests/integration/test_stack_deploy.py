"""Converted stacks deploy and converge on a single-node swarm.

Each case is converted with ``composekit convert --to stack --publish-mode host`` (the
command line, as a user runs it), then deployed with ``docker stack deploy --resolve-image
never`` through :class:`composekit.testing.SwarmEnv`, which joins the swarm (``docker swarm
init --advertise-addr 127.0.0.1`` when the engine is not in one, left again afterwards when
no other composekit run uses it), waits until every service has its N/N replicas running
(healthy, for a service with a health check), and removes the stack, waiting until its
containers and networks are gone. On top of that the test checks the replica counts that
``docker service ls`` reports, sends an HTTP GET to every published host port, and checks
that nothing labelled with the stack is left.

Only local images (no registry): the seed example and the alias case run the base image
(``python3 -m http.server``); the hit counter runs its web image built from
``fixtures/hitcounter`` on the base image, and Redis from ``composekit/redis:bookworm-1``
(the base image running ``redis-server --protected-mode no``), chosen through the
``REDIS_IMAGE`` variable the converter resolves. The test machines have no IPVS, so no
routing mesh and no virtual IPs: ports are published in host mode and services that talk to
each other are converted with ``--endpoint-mode dnsrr``.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import oracles
import pytest
import yaml

from composekit.testing import SwarmEnv
from composekit.testing.swarm import STACK_LABEL

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
REDIS_IMAGE = "composekit/redis:bookworm-1"
WEB_IMAGE = "composekit/hitcounter-web:1.0"
#: Seconds a stack may take to converge (each case takes well under a minute here).
CONVERGE = 120.0


def docker(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                          check=False, stdin=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def images(base_image: str) -> None:
    """The local images the stacks run: the base image, Redis on it, and the hit counter's
    web image built from fixtures/hitcounter (a swarm does not build)."""
    if not oracles.image_present(REDIS_IMAGE):
        oracles.unavailable(f"the image {REDIS_IMAGE} (built by scripts/setup-docker.sh)")
    build = docker("build", "-q", "-t", WEB_IMAGE, "--build-arg", f"BASE_IMAGE={base_image}",
                   "--build-arg", "INSTALL_DEPS=0", str(ROOT / "fixtures" / "hitcounter"),
                   timeout=300)
    assert build.returncode == 0, build.stderr


def convert(source: Path, out: Path, *options: str,
            env: dict[str, str] | None = None) -> dict[str, object]:
    """``composekit convert SOURCE --to stack --publish-mode host OPTIONS -o OUT``."""
    proc = subprocess.run(
        [sys.executable, "-m", "composekit", "convert", str(source), "--to", "stack",
         "--publish-mode", "host", *options, "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        stdin=subprocess.DEVNULL,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"),
             **(env or {})})
    assert proc.returncode == 0, proc.stderr
    assert "deploy with: docker stack deploy" in proc.stderr
    data = yaml.safe_load(out.read_text())
    assert isinstance(data, dict)
    return data


def replicas(stack: str) -> dict[str, str]:
    """``service -> "running/wanted"`` as ``docker service ls`` reports it."""
    proc = docker("service", "ls", "--filter", f"label={STACK_LABEL}={stack}",
                  "--format", "{{json .}}")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return {str(r["Name"]).removeprefix(f"{stack}_"): str(r["Replicas"]).split(" ")[0]
            for r in rows}


def http_get(url: str, deadline: float) -> tuple[int, str]:
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except OSError as exc:
            last = exc
            time.sleep(0.5)
    raise AssertionError(f"GET {url} did not answer: {last}")


def leftovers(stack: str) -> dict[str, list[str]]:
    out = {}
    for kind, args in (("services", ["service", "ls", "-q"]), ("containers", ["ps", "-aq"]),
                       ("networks", ["network", "ls", "-q"])):
        proc = docker(*args, "--filter", f"label={STACK_LABEL}={stack}")
        out[kind] = proc.stdout.split()
    return out


def another_run_uses_the_swarm() -> bool:
    """Whether another composekit run holds the shared swarm lock (see
    :mod:`composekit.testing.swarm`): then the swarm is theirs to leave."""
    with open(os.path.join(tempfile.gettempdir(), "composekit-swarm.lock"), "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


@pytest.fixture
def swarm_state() -> Iterator[None]:
    """The engine's swarm membership is the same after the test as before it (unless
    another composekit run on this machine is using the swarm meanwhile)."""
    def state() -> str:
        return docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()

    before = state()
    yield
    if not another_run_uses_the_swarm():
        assert state() == before


def deploy_and_check(stack_file: Path, stack: str, expected: dict[str, int],
                     ports: dict[str, int], *, body: dict[str, str] | None = None,
                     during: Callable[[SwarmEnv], None] | None = None) -> None:
    """Deploy ``stack_file`` as ``stack``; check replicas (``expected``), the number of
    published host ports per service (``ports``) and an HTTP GET to each; remove it."""
    started = time.monotonic()
    env = SwarmEnv([stack_file], stack_name=stack, timeout=CONVERGE, lint=True)
    with env:
        assert env.project_name == stack
        assert replicas(stack) == {s: f"{n}/{n}" for s, n in expected.items()}
        for service, count in ports.items():
            published = [p for p in env._published(service) if p[3] == "host"]
            assert len(published) == count, published
            for host, port, _target, _mode in published:
                status, text = http_get(f"http://{host}:{port}/",
                                        time.monotonic() + 30)
                assert status == 200
                if body and service in body:
                    assert body[service] in text, text
        if during is not None:
            during(env)
    teardown = env.teardown_outcome
    assert teardown is not None and not teardown.failed, teardown
    assert leftovers(stack) == {"services": [], "containers": [], "networks": []}
    assert time.monotonic() - started < 150


def test_seed_example_three_replicas(images: None, swarm_state: None, tmp_path: Path) -> None:
    out = tmp_path / "stack.yaml"
    data = convert(ROOT / "fixtures" / "convert_stack" / "seed-replicas" / "compose.yaml", out)
    web = data["services"]["web"]  # type: ignore[index]
    assert web["deploy"]["replicas"] == 3 and web["ports"][0]["mode"] == "host"
    stack = f"ckseed{os.getpid()}"
    deploy_and_check(out, stack, {"web": 3}, {"web": 3},
                     body={"web": "Directory listing"})


def test_hit_counter(images: None, swarm_state: None, tmp_path: Path) -> None:
    out = tmp_path / "stack.yaml"
    port = free_port()
    data = convert(ROOT / "fixtures" / "hitcounter" / "compose.yaml", out,
                   "--endpoint-mode", "dnsrr",
                   env={"REDIS_IMAGE": REDIS_IMAGE, "WEB_PORT": str(port)})
    services = data["services"]  # type: ignore[index]
    assert services["redis"]["image"] == REDIS_IMAGE
    assert services["web"]["ports"] == [
        {"target": 5000, "published": port, "protocol": "tcp", "mode": "host"}]
    stack = f"ckhits{os.getpid()}"
    deploy_and_check(out, stack, {"web": 1, "redis": 1}, {"web": 1},
                     body={"web": "Hello World! I have been seen"})


def test_names_become_network_aliases(images: None, swarm_state: None, tmp_path: Path) -> None:
    """container_name and a link alias are network aliases: the client's health check
    fetches both names, so it only counts as running once they resolve."""
    out = tmp_path / "stack.yaml"
    data = convert(ROOT / "fixtures" / "convert_stack" / "aliases-deploy" / "compose.yaml", out,
                   "--endpoint-mode", "dnsrr")
    server = data["services"]["server"]  # type: ignore[index]
    assert server["networks"] == {"default": {"aliases": ["backend", "legacy-server"]}}

    def resolve(env: SwarmEnv) -> None:
        for name in ("legacy-server", "backend"):
            run = env.exec("client", ["python3", "-c", "import urllib.request as u; print(u."
                                      f"urlopen('http://{name}:8080/', timeout=5).status)"])
            assert (run.exit_code, run.stdout.strip()) == (0, "200"), run

    deploy_and_check(out, f"ckalias{os.getpid()}", {"server": 1, "client": 1}, {},
                     during=resolve)
