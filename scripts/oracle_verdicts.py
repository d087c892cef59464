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
from typing import Any

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
    # ``version:`` values no format has; Compose v2 ignores ``version:`` and is no judge here.
    "unknown-version": ("dc126", "stack"),
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
    for i, line in enumerate(lines):
        if _WARNING_LINE.match(line) or _INVALID_HEADER.match(line):
            continue
        if line.endswith(":") and i + 1 < len(lines):  # "decoding failed ...:" + the reason
            return f"{line} {lines[i + 1]}"
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
        env=clean_env(),
        stdin=subprocess.DEVNULL,
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


#: Host variables an oracle sees (as in tests/oracles.py); a stray ``COMPOSE_*`` or
#: interpolation variable on the host must not change a verdict.
HOST_VARIABLES = ("PATH", "HOME", "DOCKER_CONFIG")


def clean_env() -> dict[str, str]:
    env = {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
    env.setdefault("PATH", os.defpath)
    return env


def _run_cli(oracle: str, file: str, cwd: str) -> dict[str, object]:
    docker = _docker() or "docker"
    if oracle == "stack":
        argv = [docker, "stack", "config", "-c", file]
    else:
        argv = [docker, "compose", "-f", file, "config", "-q"]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=clean_env(),
                          stdin=subprocess.DEVNULL, check=False)
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


# --- the corpus under fixtures/schema ----------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "fixtures" / "schema"
VERDICTS = CORPUS / "verdicts.json"

_EXPECT = re.compile(r"^#\s*expect:\s*(CK\d{3})\s+(\d+):(\d+)\s*$")
_WHY = re.compile(r"^#\s*why:\s*(\S.*)$")


def corpus_files(root: Path = CORPUS) -> list[str]:
    """Every corpus file as ``<format>/<valid|invalid>/<name>.yaml``, sorted."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.glob("*/*/*.yaml")
        if p.parent.name in ("valid", "invalid")
    )


def format_of(rel: str) -> str:
    """The format directory of a corpus path (``v3.4``, ``spec``, ``unknown-version``)."""
    return rel.split("/")[0]


def expected_valid(rel: str) -> bool:
    return rel.split("/")[1] == "valid"


def read_header(text: str) -> tuple[list[str], list[tuple[str, int, int]]]:
    """The ``# why:`` reasons and ``# expect: CODE line:col`` findings of a corpus file.

    Only the leading comment block counts.
    """
    whys: list[str] = []
    expects: list[tuple[str, int, int]] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _EXPECT.match(line)
        if m:
            expects.append((m.group(1), int(m.group(2)), int(m.group(3))))
            continue
        w = _WHY.match(line)
        if w:
            whys.append(w.group(1))
    return whys, expects


def load_verdicts(path: Path = VERDICTS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def composekit_findings(path: Path) -> list[Any]:
    """The ERROR-severity findings of ``composekit validate FILE``: the verdict's reasons.

    The same pipeline as the command (load the one-file project, with interpolation,
    merge and cross-reference checks, then validate the file against its own format),
    with an empty environment, as the oracles run. Imports composekit lazily, so the
    oracle modes of this file need only the stdlib.
    """
    from composekit import checker, diagnostics

    result = checker.check_target(
        checker.Target(files=(str(path),)), checker.CheckOptions(environ={}, lint=None))
    return [d for d in result.diagnostics if d.severity >= diagnostics.Severity.ERROR]


def composekit_verdicts(files: Sequence[str], root: Path = CORPUS) -> dict[str, bool]:
    """``{rel: accepted}``: a file is accepted when composekit reports no ERROR."""
    return {rel: not composekit_findings(root / rel) for rel in files}


def agreement_table(
    recorded: dict[str, dict[str, dict[str, Any]]],
    composekit: dict[str, bool],
    known: Iterable[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """One row per (format, oracle): files judged, agreements, known and other disagreements.

    ``recorded`` is the ``files`` section of verdicts.json; ``known`` the (file, oracle) pairs
    listed as disagreements where composekit is right. ``unexpected`` (the "wrong" column)
    counts the other disagreements: composekit is wrong there.
    """
    known_set = set(known)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for rel, by_oracle in recorded.items():
        if rel not in composekit:
            continue
        for oracle, verdict in by_oracle.items():
            row = rows.setdefault((format_of(rel), oracle), {
                "format": format_of(rel), "oracle": oracle, "files": 0, "agree": 0,
                "known": 0, "unexpected": 0,
            })
            row["files"] += 1
            if verdict["accept"] == composekit[rel]:
                row["agree"] += 1
            elif (rel, oracle) in known_set:
                row["known"] += 1
            else:
                row["unexpected"] += 1

    def order(key: tuple[str, str]) -> tuple[int, float, str]:
        fmt, oracle = key
        if fmt == "v1":
            return (0, 0.0, oracle)
        if fmt.startswith("v"):
            major, minor = fmt[1:].split(".")
            return (int(major), int(minor) / 100, oracle)
        return (9 if fmt == "spec" else 10, 0.0, oracle)

    return [rows[k] for k in sorted(rows, key=order)]


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The agreement table as fixed-width text (and a total line)."""
    head = (f"{'format':<16}{'oracle':<9}{'files':>6}{'agree':>7}{'known':>7}{'wrong':>7}"
            f"{'agree%':>8}")
    lines = [head, "-" * len(head)]
    total = {"files": 0, "agree": 0, "known": 0, "unexpected": 0}
    for r in rows:
        pct = 100.0 * r["agree"] / r["files"] if r["files"] else 100.0
        lines.append(f"{r['format']:<16}{r['oracle']:<9}{r['files']:>6}{r['agree']:>7}"
                     f"{r['known']:>7}{r['unexpected']:>7}{pct:>7.1f}%")
        for k in total:
            total[k] += r[k]
    pct = 100.0 * total["agree"] / total["files"] if total["files"] else 100.0
    lines.append("-" * len(head))
    lines.append(f"{'all':<16}{'':<9}{total['files']:>6}{total['agree']:>7}"
                 f"{total['known']:>7}{total['unexpected']:>7}{pct:>7.1f}%")
    return "\n".join(lines)


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
