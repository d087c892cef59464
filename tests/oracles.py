"""Run the reference tools ("oracles") that composekit's behaviour is checked against.

Three oracles, each installed by the set-up scripts (``bash scripts/test.sh`` runs both):

``compose_v2``
    ``docker compose`` v2 (the Compose Specification; ``version:`` is ignored). Its ``config``
    command needs no engine and is the reference for interpolation, merging and normalisation.
    From ``scripts/setup-docker.sh``.
``compose_v126``
    docker-compose 1.26.2 at ``/opt/composekit/dc126/bin/docker-compose`` (override the venv
    with ``COMPOSEKIT_DC126``): the last release that validates each file against the JSON
    schema of its declared ``version:`` (v1, 2.0-2.4, 3.0-3.8) and reads YAML 1.1.
    From ``scripts/setup-oracles.sh``.
``stack_config``
    ``docker stack config -c FILE``: the docker CLI's own loader for 3.x files (no engine).

Every oracle runs in a clean environment: only ``PATH``, ``HOME``, ``DOCKER_CONFIG`` and
``DOCKER_HOST`` are taken from the host (to find the tools and the engine), plus what the
caller passes in ``env``; so a stray ``COMPOSE_*`` or interpolation variable on the host cannot
change what an oracle says. The runners never raise: a missing tool gives return code 127 and a
timeout 124, each with the reason on ``stderr``.

Tests use the availability fixtures of ``tests/conftest.py`` (``compose_v2_available``, ...)
rather than the ``which_*`` probes, so that a missing tool is a skip locally and a failure in CI;
:func:`unavailable` gives the same behaviour to any other requirement a test checks itself.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

#: The locally built base image (Debian bookworm with python3-flask, python3-redis and
#: redis-server); must match BASE_IMAGE in scripts/setup-docker.sh.
BASE_IMAGE = "composekit/base:bookworm-1"

DC126_HOME = Path(os.environ.get("COMPOSEKIT_DC126", "/opt/composekit/dc126"))
#: The docker-compose 1.26.2 executable.
DC126 = DC126_HOME / "bin" / "docker-compose"

#: Seconds before an oracle run is abandoned (return code 124).
DEFAULT_TIMEOUT = 120.0

#: Host variables an oracle sees; everything else must be passed explicitly.
HOST_VARIABLES = ("PATH", "HOME", "DOCKER_CONFIG", "DOCKER_HOST")

PathLike = str | os.PathLike[str]

SETUP_HINT = "run `bash scripts/test.sh`, or scripts/setup-docker.sh and scripts/setup-oracles.sh"


def in_ci() -> bool:
    """True when the ``CI`` variable is set to anything but an explicit no (CI sets CI=true)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(what: str) -> NoReturn:
    """Skip the current test because ``what`` is missing; under CI fail it instead.

    CI runs after the set-up scripts installed everything, so there a skip would hide a broken
    set-up.
    """
    if in_ci():
        pytest.fail(
            f"{what} is not available and CI is set, so the CI set-up is broken ({SETUP_HINT})",
            pytrace=False,
        )
    pytest.skip(f"{what} is not available ({SETUP_HINT})")


@dataclass(frozen=True)
class OracleResult:
    """What one run of a reference tool returned."""

    returncode: int
    stdout: str
    stderr: str
    argv: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the tool exited 0 (it accepted the input)."""
        return self.returncode == 0

    def describe(self) -> str:
        """A multi-line account of the run, for assertion messages."""
        return (
            f"$ {' '.join(self.argv)}\n"
            f"exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n"
            f"--- stderr ---\n{self.stderr}"
        )


def clean_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment an oracle runs with: a few host variables plus ``env``."""
    result = {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
    result.setdefault("PATH", os.defpath)
    if env:
        result.update(env)
    return result


def run(
    argv: Sequence[str],
    *,
    cwd: PathLike,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> OracleResult:
    """Run ``argv`` in ``cwd`` with :func:`clean_env` and no stdin; never raises."""
    args = tuple(str(a) for a in argv)
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=clean_env(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        return OracleResult(127, "", f"{args[0]}: not found ({exc})", args)
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout  # bytes even in text mode, or None
        out = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
        return OracleResult(124, out, f"timed out after {timeout:g}s", args)
    return OracleResult(proc.returncode, proc.stdout, proc.stderr, args)


def compose_v2(
    args: Sequence[str],
    *,
    cwd: PathLike,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> OracleResult:
    """Run ``docker compose ARGS...`` (Compose v2)."""
    return run(["docker", "compose", *args], cwd=cwd, env=env, timeout=timeout)


def compose_v2_config_json(
    files: Sequence[PathLike],
    *,
    cwd: PathLike,
    env: Mapping[str, str] | None = None,
    env_files: Sequence[PathLike] = (),
    profiles: Sequence[str] = (),
) -> dict[str, Any] | OracleResult:
    """The project as ``docker compose -f F... config --format json`` renders it.

    Returns the parsed JSON object when compose accepts the files, otherwise the failed
    :class:`OracleResult` (check with ``isinstance``). Without ``env_files`` compose reads
    ``.env`` from the project directory (that of the first file), as it does for users; the
    project name comes from ``name:``, ``COMPOSE_PROJECT_NAME`` in ``env``, or that directory.
    """
    argv: list[str] = []
    for path in files:
        argv += ["-f", str(path)]
    for env_file in env_files:
        argv += ["--env-file", str(env_file)]
    for profile in profiles:
        argv += ["--profile", profile]
    result = compose_v2([*argv, "config", "--format", "json"], cwd=cwd, env=env)
    if not result.ok:
        return result
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        return OracleResult(
            result.returncode, result.stdout, f"{result.stderr}\n{exc}", result.argv
        )
    if not isinstance(data, dict):
        return OracleResult(1, result.stdout, "config output is not a JSON object", result.argv)
    return data


def compose_v126(
    args: Sequence[str],
    *,
    cwd: PathLike,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> OracleResult:
    """Run ``docker-compose ARGS...`` of docker-compose 1.26.2."""
    return run([str(DC126), *args], cwd=cwd, env=env, timeout=timeout)


def stack_config(
    file: PathLike,
    *,
    cwd: PathLike,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> OracleResult:
    """Run ``docker stack config -c FILE``; on success ``stdout`` is the merged YAML."""
    return run(["docker", "stack", "config", "-c", str(file)], cwd=cwd, env=env, timeout=timeout)


def _first_line(result: OracleResult) -> str | None:
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if result.ok and lines else None


@functools.cache
def which_compose_v2() -> str | None:
    """Compose v2's version (e.g. ``"2.40.3"``), or None when ``docker compose`` is missing."""
    return _first_line(compose_v2(["version", "--short"], cwd=".", timeout=30))


@functools.cache
def which_compose_v126() -> str | None:
    """``"1.26.2"`` when docker-compose 1.26.2 answers, else None."""
    version = _first_line(compose_v126(["version", "--short"], cwd=".", timeout=30))
    return version if version == "1.26.2" else None


@functools.cache
def which_stack() -> str | None:
    """The docker client's version line when ``docker stack config`` works, else None.

    Probed on a real file: older clients (Debian's docker.io 20.10 at /usr/bin/docker) have
    ``docker stack`` without ``config``, and their ``docker stack config --help`` still exits 0.
    """
    with tempfile.TemporaryDirectory(prefix="composekit-stack-probe-") as tmp:
        probe = Path(tmp, "stack.yml")
        probe.write_text('version: "3.8"\nservices:\n  probe:\n    image: probe\n', "utf-8")
        if not stack_config(probe, cwd=tmp, timeout=30).ok:
            return None
    return _first_line(run(["docker", "--version"], cwd=".", timeout=30))


@functools.cache
def which_docker_engine() -> str | None:
    """The engine's version when ``docker info`` answers, else None."""
    result = run(["docker", "info", "--format", "{{.ServerVersion}}"], cwd=".", timeout=30)
    return _first_line(result)


def image_present(image: str = BASE_IMAGE) -> bool:
    """Whether the engine has ``image`` locally (no registry can be reached to pull it)."""
    return run(["docker", "image", "inspect", image], cwd=".", timeout=30).ok
