#!/usr/bin/env python3
"""Regenerate the oracle outputs under fixtures/loader/.

Each case is a directory holding Compose files (and any ``.env``, env files,
included or extended files) plus an optional ``args.json`` that says how
Compose is run::

    {
      "files": ["compose.yaml", "o.yaml"],   # -f files; absent: Compose searches
      "cwd": "sub",                           # where Compose runs (default: the case)
      "project_dir": ".",                     # --project-directory
      "env_files": ["custom.env"],            # --env-file
      "profiles": ["debug"],                  # --profile
      "project_name": "name",                 # -p
      "env": {"NAME": "value"},               # process environment
      "expect": {"codes": ["CK108"], "at": ["compose.yaml:4:3"]}   # only for refusals
    }

The script copies the case to a temporary directory (so the project name is
still the case's name), runs ``docker compose [options] config --format
json`` there in a clean environment (PATH, HOME=/home/loader, DOCKER_CONFIG and
the case's ``env``), and writes either ``expected.config.json`` (Compose
accepted the project; the case directory replaced by ``@CASE_DIR@``, its parent
by ``@PARENT_DIR@``, the home directory by ``@HOME@``) or
``expected.error.json`` (Compose refused it: its message).

Usage: scripts/regen-loader-fixtures.py [--check] [CASE ...]
  --check   compare instead of writing; exit 1 when a committed file is stale.
            A refusal is compared by its first line: Compose names a cycle
            from whichever of its services it meets first, which varies
            between runs (Go's map order), so the later lines do too.
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
FIXTURES = ROOT / "fixtures" / "loader"
FAKE_HOME = "/home/loader"


def case_args(case: Path) -> dict[str, Any]:
    path = case / "args.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    return data if isinstance(data, dict) else {}


def compose_argv(args: dict[str, Any]) -> list[str]:
    argv = ["docker", "compose"]
    if args.get("project_dir"):
        argv += ["--project-directory", str(args["project_dir"])]
    if args.get("project_name"):
        argv += ["-p", str(args["project_name"])]
    for path in args.get("files") or []:
        argv += ["-f", str(path)]
    for path in args.get("env_files") or []:
        argv += ["--env-file", str(path)]
    for profile in args.get("profiles") or []:
        argv += ["--profile", str(profile)]
    return [*argv, "config", "--format", "json"]


def oracle_env(args: dict[str, Any]) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": FAKE_HOME,
        "DOCKER_CONFIG": os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker"),
    }
    env.update({str(k): str(v) for k, v in dict(args.get("env") or {}).items()})
    return env


def run_case(case: Path) -> tuple[str, str]:
    """Run Compose on a copy of ``case``; returns (file name, text to write)."""
    args = case_args(case)
    parent = Path(tempfile.mkdtemp(prefix="ck-loader-"))
    try:
        work = parent / case.name
        shutil.copytree(case, work, ignore=shutil.ignore_patterns("expected.*"))
        proc = subprocess.run(
            compose_argv(args),
            cwd=work / str(args.get("cwd") or "."),
            env=oracle_env(args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

        def placeholders(text: str) -> str:
            return (text.replace(str(work), "@CASE_DIR@")
                    .replace(str(parent), "@PARENT_DIR@")
                    .replace(FAKE_HOME, "@HOME@"))

        if proc.returncode == 0:
            data = json.loads(placeholders(proc.stdout))
            return "expected.config.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        message = placeholders(proc.stderr.strip())
        lines = [ln for ln in message.splitlines() if "level=warning" not in ln]
        verdict = {"refuses": True, "message": "\n".join(lines)}
        return "expected.error.json", json.dumps(verdict, indent=2) + "\n"
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def same(filename: str, committed: str, fresh: str) -> bool:
    """Whether a fresh output matches the committed one (a refusal by its first line)."""
    if filename != "expected.error.json":
        return committed == fresh
    old, new = json.loads(committed), json.loads(fresh)
    return bool(old.get("refuses") == new.get("refuses")
                and str(old.get("message")).splitlines()[:1]
                == str(new.get("message")).splitlines()[:1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("cases", nargs="*")
    opts = parser.parse_args(argv)
    if shutil.which("docker") is None:
        print("docker is not installed (run scripts/setup-docker.sh)", file=sys.stderr)
        return 2
    names = opts.cases or sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    stale = 0
    for name in names:
        case = FIXTURES / name
        filename, text = run_case(case)
        target = case / filename
        other = case / ("expected.error.json" if filename == "expected.config.json"
                        else "expected.config.json")
        if opts.check:
            if not target.exists() or not same(filename, target.read_text(), text) \
                    or other.exists():
                print(f"stale: {name}/{filename}")
                stale += 1
            continue
        target.write_text(text)
        if other.exists():
            other.unlink()
        print(f"{name}: {filename}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
