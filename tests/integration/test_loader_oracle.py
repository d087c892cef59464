"""Differential tests of the project loader against ``docker compose config``.

``fixtures/loader/<case>/`` holds a small project (several files, ``.env``,
``extends``, ``include``, profiles, ...) and ``args.json`` saying how Compose
is run (see ``scripts/regen-loader-fixtures.py``). The script ran ``docker
compose [options] config --format json`` on a copy of the case and committed:

* ``expected.config.json`` when Compose accepted the project (paths written
  as ``@CASE_DIR@``, ``@PARENT_DIR@``, ``@HOME@``), or
* ``expected.error.json`` when Compose refused it.

``test_loader_matches_compose`` (no tool needed) asserts that
:func:`composekit.loader.load_project` gives exactly the committed
configuration, with no error finding, or, for a refused project, an error
finding with the code and position that ``args.json`` names.
``test_committed_output_is_current`` (``oracle``) reruns Compose live.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from composekit.diagnostics import Severity
from composekit.loader import load_project
from composekit.loader.canonical import to_json

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "loader"
FAKE_HOME = "/home/loader"

CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
ACCEPTED = [c for c in CASES if (FIXTURES / c / "expected.config.json").exists()]
REFUSED = [c for c in CASES if (FIXTURES / c / "expected.error.json").exists()]


def case_args(case_dir: Path) -> dict[str, Any]:
    path = case_dir / "args.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    assert isinstance(data, dict)
    return data


def expected_text(case_dir: Path) -> str:
    text = (case_dir / "expected.config.json").read_text()
    return (text.replace("@CASE_DIR@", str(case_dir))
            .replace("@PARENT_DIR@", str(case_dir.parent))
            .replace("@HOME@", FAKE_HOME))


def expected_config(case_dir: Path) -> dict[str, Any]:
    data = json.loads(expected_text(case_dir))
    assert isinstance(data, dict)
    return data


def load_case(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any]]:
    args = case_args(case_dir)
    monkeypatch.chdir(case_dir / str(args.get("cwd") or "."))
    environ = {"HOME": FAKE_HOME, **{str(k): str(v) for k, v in (args.get("env") or {}).items()}}
    return load_project(
        list(args.get("files") or []),
        project_dir=args.get("project_dir"),
        env_files=list(args.get("env_files") or []),
        environ=environ,
        profiles=list(args.get("profiles") or []),
        project_name=args.get("project_name"),
    )


def test_enough_cases() -> None:
    assert len(ACCEPTED) >= 25
    assert len(REFUSED) >= 5


@pytest.mark.parametrize("case", ACCEPTED)
def test_loader_matches_compose(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case_dir = FIXTURES / case
    project, diagnostics = load_case(case_dir, monkeypatch)
    assert project is not None
    assert project.config == expected_config(case_dir)
    # byte for byte too: key order, number formatting, escapes
    assert to_json(project.config) + "\n" == expected_text(case_dir)
    assert [d for d in diagnostics if d.severity >= Severity.ERROR] == []


@pytest.mark.parametrize("case", REFUSED)
def test_loader_refuses_what_compose_refuses(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case_dir = FIXTURES / case
    expect = case_args(case_dir).get("expect") or {}
    _, diagnostics = load_case(case_dir, monkeypatch)
    errors = [d for d in diagnostics if d.severity >= Severity.ERROR]
    assert errors, "Compose refuses this project; composekit must report an error"
    found = {(d.code, f"{os.path.relpath(d.path, case_dir)}:{d.line}:{d.column}")
             for d in errors}
    codes = list(expect.get("codes") or [])
    places = list(expect.get("at") or [])
    assert codes and len(codes) == len(places), "args.json must say which finding is expected"
    for code, place in zip(codes, places, strict=True):
        assert (code, place) in found, sorted(found)


def _oracle_env(args: dict[str, Any]) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": FAKE_HOME,
        "DOCKER_CONFIG": os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker"),
    }
    env.update({str(k): str(v) for k, v in (args.get("env") or {}).items()})
    return env


def _compose_argv(args: dict[str, Any]) -> list[str]:
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


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_committed_output_is_current(case: str, compose_v2_available: str,
                                     tmp_path: Path) -> None:
    case_dir = FIXTURES / case
    args = case_args(case_dir)
    work = tmp_path / case
    shutil.copytree(case_dir, work, ignore=shutil.ignore_patterns("expected.*"))
    proc = subprocess.run(
        _compose_argv(args), cwd=work / str(args.get("cwd") or "."), env=_oracle_env(args),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
    if (case_dir / "expected.error.json").exists():
        assert proc.returncode != 0, proc.stdout
        verdict = json.loads((case_dir / "expected.error.json").read_text())
        first = verdict["message"].splitlines()[0].split("@CASE_DIR@")[0]
        assert first in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    out = (proc.stdout.replace(str(work), "@CASE_DIR@").replace(str(tmp_path), "@PARENT_DIR@")
           .replace(FAKE_HOME, "@HOME@"))
    assert json.loads(out) == json.loads((case_dir / "expected.config.json").read_text())


@pytest.mark.oracle
@pytest.mark.parametrize("case", ACCEPTED)
def test_loader_matches_live_compose(case: str, compose_v2_available: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The same comparison against a fresh run, in a fresh copy (catches stale fixtures)."""
    case_dir = FIXTURES / case
    args = case_args(case_dir)
    work = tmp_path / case
    shutil.copytree(case_dir, work, ignore=shutil.ignore_patterns("expected.*"))
    proc = subprocess.run(
        _compose_argv(args), cwd=work / str(args.get("cwd") or "."), env=_oracle_env(args),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    project, _ = load_case(work, monkeypatch)
    assert project is not None
    assert project.config == json.loads(proc.stdout)
