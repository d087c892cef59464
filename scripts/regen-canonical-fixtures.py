#!/usr/bin/env python3
"""Regenerate the oracle outputs under fixtures/canonical/ and fixtures/crossref/.

Each case is a directory holding ``compose.yaml`` (plus any env or label files
it uses) and an optional ``case.json``::

    {"env": {"NAME": "value"}, "profiles": ["debug"]}

For ``fixtures/canonical/<case>/`` the script runs
``docker compose -p canon config --format json`` in a clean environment (only
PATH, HOME=/home/canon, DOCKER_CONFIG and what the case sets) and writes
``expected.config.json`` with the case directory replaced by ``@PROJECT_DIR@``,
its parent by ``@PARENT_DIR@`` and the home directory by ``@HOME@``.

For ``fixtures/crossref/<case>/`` it records whether Compose refuses the file
and what it says, in ``expected.oracle.json``.

Usage: scripts/regen-canonical-fixtures.py [--check] [CASE ...]
  --check   compare instead of writing; exit 1 when a committed file is stale.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CANONICAL = ROOT / "fixtures" / "canonical"
CROSSREF = ROOT / "fixtures" / "crossref"
PROJECT = "canon"
FAKE_HOME = "/home/canon"


def docker_config_dir() -> str:
    return os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")


def case_meta(case: Path) -> dict[str, Any]:
    meta = case / "case.json"
    data = json.loads(meta.read_text()) if meta.exists() else {}
    return data if isinstance(data, dict) else {}


def run_oracle(case: Path) -> tuple[int, str, str, Path, Path]:
    """Run compose on a copy of ``case``; returns rc, stdout, stderr, copy dir, parent."""
    meta = case_meta(case)
    parent = Path(tempfile.mkdtemp(prefix="ck-canon-"))
    work = parent / case.name
    shutil.copytree(case, work, ignore=shutil.ignore_patterns("expected.*"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": FAKE_HOME,
        "DOCKER_CONFIG": docker_config_dir(),
    }
    env.update({str(k): str(v) for k, v in dict(meta.get("env") or {}).items()})
    cmd = ["docker", "compose", "-p", PROJECT]
    for profile in list(meta.get("profiles") or []):
        cmd += ["--profile", str(profile)]
    cmd += ["config", "--format", "json"]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr, work, parent


def placeholders(text: str, work: Path, parent: Path) -> str:
    return (
        text.replace(str(work), "@PROJECT_DIR@")
        .replace(str(parent), "@PARENT_DIR@")
        .replace(FAKE_HOME, "@HOME@")
    )


def canonical_case(case: Path) -> tuple[Path, str]:
    rc, out, err, work, parent = run_oracle(case)
    try:
        if rc != 0:
            raise SystemExit(f"{case.name}: compose refused the file: {err.strip()}")
        text = placeholders(out, work, parent)
        if not text.endswith("\n"):
            text += "\n"
        return case / "expected.config.json", text
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def crossref_case(case: Path) -> tuple[Path, str]:
    rc, _out, err, work, parent = run_oracle(case)
    try:
        lines = [
            line
            for line in placeholders(err, work, parent).strip().splitlines()
            if "level=warning" not in line
        ]
        warnings = [
            line.split('msg="', 1)[1].rstrip('"')
            for line in placeholders(err, work, parent).splitlines()
            if "level=warning" in line and 'msg="' in line
        ]
        record = {"refuses": rc != 0, "message": "\n".join(lines) if rc else "",
                  "warnings": warnings}
        return case / "expected.oracle.json", json.dumps(record, indent=2) + "\n"
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args(argv)
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode:
        print("docker compose is not available", file=sys.stderr)
        return 2
    jobs = [(c, canonical_case) for c in sorted(CANONICAL.iterdir()) if c.is_dir()]
    jobs += [(c, crossref_case) for c in sorted(CROSSREF.iterdir()) if c.is_dir()]
    if args.cases:
        jobs = [(c, f) for c, f in jobs if c.name in args.cases]
    stale = 0
    failed = 0
    for case, func in jobs:
        try:
            target, text = func(case)
        except SystemExit as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        if args.check:
            if not target.exists() or target.read_text() != text:
                print(f"stale: {target.relative_to(ROOT)}")
                stale += 1
        else:
            target.write_text(text)
    print(f"{len(jobs)} cases, {stale} stale" if args.check else f"wrote {len(jobs)} cases")
    return 1 if stale or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
