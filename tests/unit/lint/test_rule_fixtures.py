"""Every rule over its fixtures: ``fixtures/lint/<CODE>/{pass,fail}/*.yaml``.

Directives are comment lines at the top of a fixture:

* ``# expect: CK201 3:12`` — one per expected finding (code, line, column). In a
  ``fail`` file, the findings of every code named in an ``expect`` line must be
  exactly those (at least one of the directory's code); other codes are not checked.
* ``# target: stack`` — lint for this runtime (default: what the file implies).

A ``pass`` file must give no finding of the directory's code. For a rule that can
fix, its fixes are applied to each ``fail`` file (unsafe ones too, on a copy): the
result must parse, keep its errors, and have no fixable finding of that code left;
at least one ``fail`` file must exercise the fix.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from composekit.checker import CheckOptions, LintOptions, Target, check_target, fix_target
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import FixAvailability, Runtime
from composekit.lint.rules import BY_CODE

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "lint"
_EXPECT = re.compile(r"^#\s*expect:\s*(CK\d{3})\s+(\d+):(\d+)\s*$")
_TARGET = re.compile(r"^#\s*target:\s*(\S+)\s*$")


def _cases(kind: str) -> list[tuple[str, Path]]:
    if not FIXTURES.is_dir():
        return []
    out = []
    for code_dir in sorted(FIXTURES.iterdir()):
        for p in sorted((code_dir / kind).glob("*.y*ml")):
            if not p.name.endswith((".fixed.yaml", ".fixed.yml")):
                out.append((code_dir.name, p))
    return out


def _ids(cases: list[tuple[str, Path]]) -> list[str]:
    return [f"{code}/{p.parent.name}/{p.name}" for code, p in cases]


def _directives(path: Path) -> tuple[Counter[tuple[str, int, int]], Runtime | None]:
    expected: Counter[tuple[str, int, int]] = Counter()
    target = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _EXPECT.match(line.strip())
        if m:
            expected[(m.group(1), int(m.group(2)), int(m.group(3)))] += 1
        t = _TARGET.match(line.strip())
        if t:
            target = Runtime(t.group(1))
    return expected, target


def _options(target: Runtime | None, codes: tuple[str, ...]) -> CheckOptions:
    # The fixture's own codes are selected explicitly, so opt-in rules run too.
    return CheckOptions(environ={}, lint=LintOptions(isolated=True, target=target,
                                                     extend_select=codes))


def _lint(path: Path, target: Runtime | None, codes: tuple[str, ...]) -> list[Diagnostic]:
    return check_target(Target(files=(str(path),)), _options(target, codes)).diagnostics


def _show(diags: list[Diagnostic]) -> list[str]:
    return [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in diags]


FAIL = _cases("fail")
PASS = _cases("pass")


@pytest.mark.parametrize("code,path", FAIL, ids=_ids(FAIL))
def test_fail_fixture(code: str, path: Path) -> None:
    assert code in BY_CODE, f"fixtures/lint/{code} names no registered rule"
    expected, target = _directives(path)
    assert any(c == code for c, _, _ in expected), f"{path.name}: no '# expect: {code} L:C'"
    checked = {c for c, _, _ in expected}
    diags = _lint(path, target, tuple(sorted(checked)))
    actual = Counter((d.code, d.span.line, d.span.column) for d in diags if d.code in checked)
    assert actual == expected, _show([d for d in diags if d.code in checked])


@pytest.mark.parametrize("code,path", PASS, ids=_ids(PASS))
def test_pass_fixture(code: str, path: Path) -> None:
    assert code in BY_CODE, f"fixtures/lint/{code} names no registered rule"
    _, target = _directives(path)
    diags = [d for d in _lint(path, target, (code,)) if d.code == code]
    assert diags == [], _show(diags)


FIXABLE = sorted(c for c, r in BY_CODE.items()
                 if r.fix_availability is not FixAvailability.NONE and (FIXTURES / c).is_dir())


@pytest.mark.parametrize("code", FIXABLE)
def test_fix_is_exercised(code: str, tmp_path: Path) -> None:
    exercised = 0
    for i, (_, path) in enumerate(c for c in FAIL if c[0] == code):
        _, target = _directives(path)
        copy_dir = tmp_path / f"case{i}"
        shutil.copytree(path.parent, copy_dir)
        copy = copy_dir / path.name
        before = _lint(copy, target, (code,))
        fixable = [d for d in before if d.code == code and d.fix is not None]
        if not fixable:
            continue
        exercised += 1
        outcome = fix_target(Target(files=(str(copy),)), _options(target, (code,)), write=True,
                             unsafe=True)
        assert not outcome.errors, outcome.errors
        refused = [f"{d.code} {d.span.line}:{d.span.column}: {why}"
                   for d, why in outcome.refused if d.code == code]
        assert refused == [], f"{path.name}: the engine refused {code}'s fix: {refused}"
        after = _lint(copy, target, (code,))
        left = [d for d in after if d.code == code and d.fix is not None]
        assert left == [], f"{path.name}: fixable {code} findings left: {_show(left)}"
        errors_before = Counter(d.code for d in before if d.severity >= Severity.ERROR)
        errors_after = Counter(d.code for d in after if d.severity >= Severity.ERROR)
        assert not errors_after - errors_before, f"{path.name}: the fix added errors"
        assert "CK001" not in errors_after
    assert exercised, f"{code} can fix, but no fail fixture of it gets a fix"
