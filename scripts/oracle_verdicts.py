#!/usr/bin/env python3
"""Ask the reference validators whether Compose files are valid, many files per run.

Three oracles, each the reference for some file-format versions:

``dc126``
    docker-compose 1.26.2, the last release with one JSON schema per file-format
    version (v1, 2.0-2.4, 3.0-3.8). Running its CLI costs about half a second a
    file, so this module validates files in-process through docker-compose's own
    Python API: ``compose.config.config.find`` + ``load``, exactly what
    ``docker-compose -f FILE config -q`` calls. That mode must run under the
    dc126 virtualenv's Python::

        /opt/composekit/dc126/bin/python scripts/oracle_verdicts.py dc126 FILE...

``stack``
    ``docker stack config -c FILE`` (the docker CLI's own per-version 3.x schemas;
    no daemon needed), one process per file.

``compose``
    ``docker compose -f FILE config -q`` (Compose v2, the Compose Specification),
    one process per file.

Each run prints one JSON object per line: ``{"file", "oracle", "accept", "error",
"summary", "kind"}``. ``error`` is the oracle's whole message (paths made relative
to the current directory), ``summary`` its first informative line.

The ``stack`` and ``compose`` modes and the helpers below use only the standard
library, so the test-suite and ``regen-schema-verdicts.py`` can import this file
from any Python.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DC126_HOME = Path(os.environ.get("COMPOSEKIT_DC126", "/opt/composekit/dc126"))
DC126_PYTHON = DC126_HOME / "bin" / "python"

ORACLES = ("dc126", "stack", "compose")

#: Which oracles are the reference for which corpus format directory.
#: docker-compose 1.26.2 knows v1, 2.0-2.4 and 3.0-3.8; the docker CLI's stack
#: loader knows 3.0-3.13 (docker 28.x); Compose v2 ignores ``version:`` and is the
#: reference only for Compose Specification files.
ORACLES_FOR_FORMAT: dict[str, tuple[str, ...]] = {
    "v1": ("dc126",),
    **{f"v2.{m}": ("dc126",) for m in range(5)},
    **{f"v3.{m}": ("dc126", "stack") for m in range(9)},
    **{f"v3.{m}": ("stack",) for m in range(9, 14)},
    "spec": ("compose",),
}

_WARNING_LINE = re.compile(r'^time="[^"]*" level=warning ')
_INVALID_HEADER = re.compile(r"^The Compose file '.*' is invalid because:$")


def oracles_for(fmt: str) -> tuple[str, ...]:
    """The oracles that judge files of corpus format directory ``fmt``."""
    return ORACLES_FOR_FORMAT[fmt]


def _relativize(text: str, cwd: str) -> str:
    """Strip the absolute working directory from messages, so records are portable."""
    prefix = cwd.rstrip("/") + "/"
    return text.replace(prefix, "")


def summarize(error: str) -> str:
    """The first line of an oracle's message that says what is wrong."""
    lines = [ln.strip() for ln in error.splitlines() if ln.strip()]
    for line in lines:
        if _WARNING_LINE.match(line) or _INVALID_HEADER.match(line):
            continue
        return line
    return lines[0] if lines else ""


def _record(file: str, oracle: str, accept: bool, error: str, kind: str) -> dict[str, object]:
    return {
        "file": file,
        "oracle": oracle,
        "accept": accept,
        "error": error if not accept else "",
        "summary": summarize(error) if not accept else "",
        "kind": kind,
    }


# --- docker-compose 1.26.2, in process ------------------------------------------


def validate_dc126(files: Sequence[str]) -> list[dict[str, object]]:
    """Validate ``files`` the way ``docker-compose -f FILE config -q`` does.

    Must run inside the dc126 virtualenv (imports ``compose``). Mirrors
    ``compose.cli.command.get_config_from_options``: the environment comes from
    ``os.environ`` plus ``./.env``, base directory ``.``, compatibility mode off.
    """
    import logging

    from compose.config import config as dc_config  # type: ignore[import-not-found]
    from compose.config.environment import Environment  # type: ignore[import-not-found]
    from compose.config.errors import ConfigurationError  # type: ignore[import-not-found]

    # The CLI prints warnings (swarm-only keys, unset variables) to stderr and
    # still exits 0; they are not part of the verdict.
    logging.disable(logging.CRITICAL)
    cwd = os.getcwd()
    out: list[dict[str, object]] = []
    for file in files:
        environment = Environment.from_env_file(".")
        try:
            details = dc_config.find(".", [file], environment, None)
            dc_config.load(details, False, True)
        except ConfigurationError as exc:
            out.append(_record(file, "dc126", False, _relativize(exc.msg, cwd), "error"))
        except Exception as exc:  # the CLI dies with a traceback: still a rejection
            message = f"{type(exc).__name__}: {exc}"
            out.append(_record(file, "dc126", False, _relativize(message, cwd), "crash"))
        else:
            out.append(_record(file, "dc126", True, "", "ok"))
    return out


def dc126_available() -> bool:
    return DC126_PYTHON.exists()


def run_dc126(
    files: Sequence[str], cwd: str | os.PathLike[str] | None = None
) -> list[dict[str, object]]:
    """Run :func:`validate_dc126` in the dc126 virtualenv (one process for all files)."""
    if not files:
        return []
    proc = subprocess.run(
        [str(DC126_PYTHON), str(Path(__file__).resolve()), "dc126", *files],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dc126 oracle failed (exit {proc.returncode}):\n{proc.stderr}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def dc126_version() -> str:
    proc = subprocess.run(
        [str(DC126_HOME / "bin" / "docker-compose"), "version", "--short"],
        capture_output=True, text=True, check=False,
    )
    return f"docker-compose {proc.stdout.strip()}"


# --- docker CLI: stack config and compose v2 ---------------------------------------


def _docker() -> str | None:
    return shutil.which("docker")


def stack_available() -> bool:
    docker = _docker()
    if docker is None:
        return False
    proc = subprocess.run([docker, "stack", "config", "--help"], capture_output=True, check=False)
    return proc.returncode == 0


def compose_available() -> bool:
    docker = _docker()
    if docker is None:
        return False
    proc = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    return proc.returncode == 0


def docker_cli_version() -> str:
    docker = _docker() or "docker"
    proc = subprocess.run([docker, "version", "--format", "{{.Client.Version}}"],
                          capture_output=True, text=True, check=False)
    return f"docker CLI {proc.stdout.strip()}"


def compose_version() -> str:
    docker = _docker() or "docker"
    proc = subprocess.run([docker, "compose", "version", "--short"],
                          capture_output=True, text=True, check=False)
    return f"docker compose {proc.stdout.strip()}"


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    # Keep the verdict about the file alone: no project/profile/file overrides.
    for var in ("COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "DOCKER_HOST",
                "COMPOSE_ENV_FILES"):
        env.pop(var, None)
    return env


def _run_cli(oracle: str, file: str, cwd: str) -> dict[str, object]:
    docker = _docker() or "docker"
    if oracle == "stack":
        argv = [docker, "stack", "config", "-c", file]
    else:
        argv = [docker, "compose", "-f", file, "config", "-q"]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=_cli_env(),
                          check=False)
    if proc.returncode == 0:
        return _record(file, oracle, True, "", "ok")
    lines = [ln for ln in proc.stderr.splitlines() if not _WARNING_LINE.match(ln)]
    return _record(file, oracle, False, _relativize("\n".join(lines).strip(), cwd), "error")


def run_cli(oracle: str, files: Sequence[str], cwd: str | os.PathLike[str] | None = None,
            jobs: int = 4) -> list[dict[str, object]]:
    """Validate ``files`` with ``docker stack config`` or ``docker compose config``."""
    if oracle not in ("stack", "compose"):
        raise ValueError(f"not a CLI oracle: {oracle}")
    workdir = os.path.abspath(cwd or os.getcwd())
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda f: _run_cli(oracle, f, workdir), files))


def run(oracle: str, files: Sequence[str], cwd: str | os.PathLike[str] | None = None
        ) -> list[dict[str, object]]:
    """Validate ``files`` (paths relative to ``cwd``) with one oracle."""
    if oracle == "dc126":
        return run_dc126(files, cwd)
    return run_cli(oracle, files, cwd)


def available(oracle: str) -> bool:
    return {"dc126": dc126_available, "stack": stack_available,
            "compose": compose_available}[oracle]()


def version(oracle: str) -> str:
    return {"dc126": dc126_version, "stack": docker_cli_version,
            "compose": compose_version}[oracle]()


def _emit(records: Iterable[dict[str, object]]) -> None:
    for rec in records:
        sys.stdout.write(json.dumps(rec, sort_keys=True) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("oracle", choices=ORACLES)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--time", action="store_true", help="print the elapsed time to stderr")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.oracle == "dc126":
        _emit(validate_dc126(args.files))
    else:
        _emit(run_cli(args.oracle, args.files))
    if args.time:
        elapsed = time.perf_counter() - start
        print(f"{args.oracle}: {len(args.files)} files in {elapsed:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
