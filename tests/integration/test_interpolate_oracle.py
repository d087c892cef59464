"""Differential tests of interpolation and env files against Compose v2.

Each ``fixtures/interpolation/<case>/`` holds a ``compose.yaml``, ``env.json`` (the process
environment to run with), optional env files (``.env``, ...) and an optional ``case.json``
(``env_files``: the ``--env-file`` options; ``fails``: whether Compose refuses the case).
``expected.json`` records what ``docker compose config --format json`` gave, run in the case
directory with only ``PATH``/``HOME`` plus ``env.json``:

* ``values``: the value at every place of ``compose.yaml`` whose text holds a ``$`` (keyed by
  JSON path; Compose's ``$$`` re-escaping of its output undone);
* ``unset``: the variables Compose warned about ("The X variable is not set");
* ``ok``/``error``/``required``: whether it accepted the case, its first error line, and the
  variable named by a "required variable X is missing a value" error.

``test_case_matches_expectation`` (no tool needed) runs composekit's own
``resolve_environment`` + ``interpolate_tree`` on each case and compares with ``expected.json``;
``test_expectation_is_current`` (``oracle``) reruns Compose and compares with the committed
file, so a Compose upgrade that changes behaviour is noticed. Regenerate with
``python tests/integration/test_interpolate_oracle.py`` (needs ``docker compose``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from composekit.diagnostics import Diagnostic, Severity, json_path
from composekit.loader.envfile import resolve_environment
from composekit.loader.interpolate import interpolate_tree
from composekit.yamlio import load_file

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "fixtures" / "interpolation"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "compose.yaml").exists())

Parts = tuple[str | int, ...]

_UNSET_RE = re.compile(r'The \\?"(.+?)\\?" variable is not set')
_REQUIRED_RE = re.compile(r"required variable (\S+) is missing a value")
_OUR_UNSET_RE = re.compile(r"the '(.+?)' variable is not set")


def case_meta(case_dir: Path) -> dict[str, Any]:
    meta = case_dir / "case.json"
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}


def case_env(case_dir: Path) -> dict[str, str]:
    data = json.loads((case_dir / "env.json").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


@contextmanager
def _chdir(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _sites(node: Any, parts: Parts = ()) -> Iterator[Parts]:
    """Paths of every string value holding a ``$`` (keys are never interpolated)."""
    if isinstance(node, dict):
        for key in node:
            yield from _sites(node[key], (*parts, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _sites(item, (*parts, index))
    elif isinstance(node, str) and "$" in node:
        yield parts


def _get(node: Any, parts: Parts) -> Any:
    for part in parts:
        in_map = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_map or in_list):
            raise KeyError(part)
        node = node[part]
    return node


def _plain(value: Any) -> Any:
    """ruamel's string subclasses as plain ``str`` (for JSON and comparisons)."""
    return str(value) if isinstance(value, str) else value


def _unescape(value: Any) -> Any:
    """Undo ``docker compose config``'s escaping of ``$`` as ``$$`` (keys included)."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {_unescape(k): _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return value


def ours(case_dir: Path) -> dict[str, Any]:
    """What composekit makes of a case, in the shape of ``expected.json``."""
    meta = case_meta(case_dir)
    environ = case_env(case_dir)
    diagnostics: list[Diagnostic] = []
    with _chdir(case_dir):  # --env-file and COMPOSE_ENV_FILES are relative to the cwd
        variables, found = resolve_environment(
            str(case_dir), env_files=[str(f) for f in meta.get("env_files", [])],
            environ=environ)
    diagnostics += found
    doc, found = load_file(str(case_dir / "compose.yaml"))
    diagnostics += found
    assert doc is not None, found
    sites = list(_sites(doc.data))
    diagnostics += interpolate_tree(doc.data, variables, path="compose.yaml", source=doc.text)
    errors = [d for d in diagnostics if d.severity >= Severity.ERROR]
    values = {json_path(parts): _plain(_get(doc.data, parts)) for parts in sites}
    unset = sorted({m.group(1) for d in diagnostics if d.code == "CK018"
                    for m in [_OUR_UNSET_RE.search(d.message)] if m})
    return {"ok": not errors, "values": values, "unset": unset, "diagnostics": diagnostics}


def run_compose(case_dir: Path) -> subprocess.CompletedProcess[str]:
    meta = case_meta(case_dir)
    argv = ["docker", "compose"]
    for env_file in meta.get("env_files", []):
        argv += ["--env-file", env_file]
    argv += ["config", "--format", "json"]
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", "/root")}
    if os.environ.get("DOCKER_CONFIG"):
        env["DOCKER_CONFIG"] = os.environ["DOCKER_CONFIG"]
    env.update(case_env(case_dir))
    return subprocess.run(argv, cwd=case_dir, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def oracle_expectation(case_dir: Path) -> dict[str, Any]:
    """Run Compose on a case and condense its answer into the ``expected.json`` shape."""
    proc = run_compose(case_dir)
    unset = sorted(set(_UNSET_RE.findall(proc.stderr)))
    if proc.returncode != 0:
        error = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
        error = error.replace(str(case_dir), "@CASE_DIR@")
        required = _REQUIRED_RE.search(proc.stderr)
        return {"ok": False, "error": error, "required": required.group(1) if required else None,
                "unset": unset, "values": {}}
    config = _unescape(json.loads(proc.stdout))
    doc, _ = load_file(str(case_dir / "compose.yaml"))
    assert doc is not None
    values: dict[str, Any] = {}
    absent: list[str] = []
    for parts in _sites(doc.data):
        try:
            values[json_path(parts)] = _get(config, parts)
        except KeyError:
            absent.append(json_path(parts))
    out: dict[str, Any] = {"ok": True, "values": values, "unset": unset}
    if absent:
        out["absent"] = absent
    return out


def expected(case_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
    return data


def compare(case_dir: Path, want: dict[str, Any]) -> list[str]:
    """The differences between composekit and an expectation (empty when they agree)."""
    got = ours(case_dir)
    problems: list[str] = []
    if got["ok"] != want["ok"]:
        problems.append(f"Compose {'accepts' if want['ok'] else 'refuses'} the case "
                        f"({want.get('error', '')}); composekit found "
                        f"{[str(d.message) for d in got['diagnostics']]}")
        return problems
    if not want["ok"]:
        name = want.get("required")
        if name is not None and not any(
                d.code == "CK017" and f"required variable {name} " in d.message
                for d in got["diagnostics"]):
            problems.append(f"no required-variable finding names {name}: {got['diagnostics']}")
        return problems
    for path, value in want["values"].items():
        mine = got["values"].get(path, "<missing>")
        if mine != value or type(mine) is not type(value):
            problems.append(f"{path}: Compose {value!r}, composekit {mine!r}")
    for path in set(got["values"]) - set(want["values"]) - set(want.get("absent", [])):
        problems.append(f"{path}: not in the expectation")
    if got["unset"] != want["unset"]:
        problems.append(f"unset variables: Compose {want['unset']}, composekit {got['unset']}")
    return problems


def test_enough_cases() -> None:
    assert len(CASES) >= 25
    failing = [c for c in CASES if case_meta(CASES_DIR / c).get("fails")]
    assert len(failing) >= 10


@pytest.mark.parametrize("case", CASES)
def test_case_matches_expectation(case: str) -> None:
    case_dir = CASES_DIR / case
    want = expected(case_dir)
    assert want["ok"] == (not case_meta(case_dir).get("fails", False)), want
    assert compare(case_dir, want) == []


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_expectation_is_current(case: str, compose_v2_available: str) -> None:
    case_dir = CASES_DIR / case
    live = oracle_expectation(case_dir)
    assert live == expected(case_dir)
    assert compare(case_dir, live) == []


def _regenerate() -> int:  # pragma: no cover - a maintenance entry point
    agree = 0
    for case in CASES:
        case_dir = CASES_DIR / case
        data = oracle_expectation(case_dir)
        (case_dir / "expected.json").write_text(
            json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8")
        diff = compare(case_dir, data)
        agree += not diff
        status = "agree" if not diff else "DIFFER: " + "; ".join(diff)
        print(f"{case:40} {'ok ' if data['ok'] else 'err'} {status}")
    print(f"{agree}/{len(CASES)} cases agree")
    return 0 if agree == len(CASES) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_regenerate())
