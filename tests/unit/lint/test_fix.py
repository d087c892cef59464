"""Autofix: edits, passes, refusals, atomic writes, and the whole fixtures corpus."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_support import (
    BreaksFile,
    LatestTag,
    ObsoleteVersion,
    Reorder,
    patch_catalogue,
    write,
)

from composekit.checker import (
    CheckOptions,
    LintOptions,
    Target,
    _supports_sources,
    check_target,
    fix_target,
)
from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from composekit.lint.context import LintContext
from composekit.lint.fix import (
    EditError,
    StaleFileError,
    apply_edits,
    delete_entry,
    fix_text,
    replace_scalar,
    scalar_span,
    unified_diff,
    write_atomic,
)
from composekit.lint.rule import FixAvailability, Rule
from composekit.yamlio import parse_text

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_catalogue(monkeypatch, (LatestTag, ObsoleteVersion, Reorder, BreaksFile, SchemaBreaker))


class SchemaBreaker(Rule):
    """## What it does
    Offers a fix that makes ``image`` a number, which the schema refuses (test rule).

    ## Why is this bad?
    It is a test.

    ## Example
    ```yaml
    image: a
    ```

    ## Use instead:
    ```yaml
    image: a
    ```
    """

    code = "CK897"
    name = "test-schema-breaking-fix"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, name, _svc in ctx.raw_services():
            doc = ctx.documents[path]
            edit = replace_scalar(doc.text, doc.data, ("services", name, "image"), "42")
            if edit is not None:
                yield ctx.report(self, ("services", name, "image"), "numbers", path=path,
                                 fix=Fix("Make it a number", (edit,)))


def _options(*rules: type[Rule]) -> CheckOptions:
    return CheckOptions(environ={}, lint=LintOptions(rules=rules, isolated=True))


# --- edits ----------------------------------------------------------------------------------


def test_apply_edits() -> None:
    text = "ab\ncd\r\nef"
    assert apply_edits(text, [Edit(Span(1, 2, 1, 3), "X")]) == "aX\ncd\r\nef"
    assert apply_edits(text, [Edit(Span(2, 1), ">")]) == "ab\n>cd\r\nef"  # insertion
    assert apply_edits(text, [Edit(Span(1, 2, 3, 2), "")]) == "af"
    assert apply_edits(text, [Edit(Span(3, 3), "!"), Edit(Span(1, 1), "^")]) == "^ab\ncd\r\nef!"
    with pytest.raises(EditError, match="overlap"):
        apply_edits(text, [Edit(Span(1, 1, 1, 3), ""), Edit(Span(1, 2, 2, 1), "")])
    with pytest.raises(EditError, match="past the end"):
        apply_edits(text, [Edit(Span(9, 1), "x")])
    with pytest.raises(EditError, match="past the end of line"):
        apply_edits(text, [Edit(Span(1, 9), "x")])


def test_scalar_helpers() -> None:
    text = ('version: "3.8"  # old\n'
            "services:\n"
            "  web:\n"
            "    image: 'nginx:latest'   # pinned later\n"
            "    ports: [\"80:80\", 8080]\n"
            "    command: |\n"
            "      run\n")
    doc, _ = parse_text(text, "f.yaml")
    assert doc is not None
    assert scalar_span(text, doc.data, ("version",)) == Span(1, 10, 1, 15)
    assert scalar_span(text, doc.data, ("version",), key=True) == Span(1, 1, 1, 8)
    assert scalar_span(text, doc.data, ("services", "web", "image")) == Span(4, 12, 4, 26)
    assert scalar_span(text, doc.data, ("services", "web", "ports", 1)) == Span(5, 22, 5, 26)
    assert scalar_span(text, doc.data, ("services", "web", "command")) is None
    assert scalar_span(text, doc.data, ("services", "nope")) is None
    edit = replace_scalar(text, doc.data, ("services", "web", "image"), "nginx:1.25")
    assert edit is not None
    assert apply_edits(text, [edit]).splitlines()[3] == "    image: nginx:1.25   # pinned later"
    gone = delete_entry(text, doc.data, ("version",))
    assert gone is not None and apply_edits(text, [gone]).startswith("services:\n")
    cmd = delete_entry(text, doc.data, ("services", "web", "command"))
    assert cmd is not None
    assert apply_edits(text, [cmd]).endswith('ports: ["80:80", 8080]\n')
    assert delete_entry(text, doc.data, ("services", "web", "ports", 0)) is None


# --- one pass on one file -------------------------------------------------------------------


def _finding(code: str, line: int, edits: tuple[Edit, ...], safe: bool = True) -> Diagnostic:
    return Diagnostic("f.yaml", Span(line, 1), code, "x", Severity.WARNING, "m",
                      fix=Fix("t", edits, safe=safe))


def test_fix_text_applies_non_overlapping_safe_fixes() -> None:
    text = "services:\n  web:\n    image: a\n    user: b\n"
    a = _finding("CK891", 3, (Edit(Span(3, 12, 3, 13), "aa"),))
    b = _finding("CK892", 3, (Edit(Span(3, 12, 3, 13), "zz"),))          # overlaps a
    c = _finding("CK893", 4, (Edit(Span(4, 11, 4, 12), "bb"),), safe=False)
    other_file = Diagnostic("g.yaml", Span(1, 1), "CK891", "x", Severity.WARNING, "m",
                            fix=Fix("t", (Edit(Span(1, 1), "x"),)))
    new, applied, refused = fix_text(text, "f.yaml", [a, b, c, other_file])
    assert new == "services:\n  web:\n    image: aa\n    user: b\n"
    assert applied == [a] and refused == []
    new, applied, _ = fix_text(text, "f.yaml", [c], unsafe=True)
    assert new.endswith("user: bb\n") and applied == [c]


def test_fix_text_refuses_fixes_that_break_the_file() -> None:
    text = "services:\n  web:\n    image: a\n    user: b\n"
    good = _finding("CK891", 4, (Edit(Span(4, 11, 4, 12), "bb"),))
    broken = _finding("CK892", 3, (Edit(Span(3, 12, 3, 13), '"open'),))
    schema = _finding("CK893", 3, (Edit(Span(3, 5, 3, 10), "imagex"),))
    new, applied, refused = fix_text(text, "f.yaml", [good, broken])
    assert new.endswith("user: bb\n") and "image: a\n" in new
    assert applied == [good] and [d for d, _ in refused] == [broken]
    new, applied, refused = fix_text(text, "f.yaml", [schema])
    assert new == text and applied == [] and refused[0][1].startswith("applying it would")
    bad_span = _finding("CK894", 9, (Edit(Span(9, 1), "x"),))
    assert fix_text(text, "f.yaml", [bad_span])[2][0][1].startswith("its edit does not fit")


# --- writing ----------------------------------------------------------------------------------


def test_write_atomic_keeps_mode_and_bom_and_refuses_stale(tmp_path: Path) -> None:
    f = tmp_path / "compose.yaml"
    f.write_bytes(b"\xef\xbb\xbfa: 1\r\n")
    f.chmod(0o640)
    write_atomic(str(f), "a: 1\r\n", "a: 2\r\n")
    assert f.read_bytes() == b"\xef\xbb\xbfa: 2\r\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    with pytest.raises(StaleFileError):
        write_atomic(str(f), "a: 1\r\n", "a: 3\r\n")
    assert f.read_bytes() == b"\xef\xbb\xbfa: 2\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["compose.yaml"]


def test_unified_diff() -> None:
    diff = unified_diff("c.yaml", "a: 1\nb: 2", "a: 1\nb: 3")
    assert diff.splitlines()[:2] == ["--- a/c.yaml", "+++ b/c.yaml"]
    assert "-b: 2\n\\ No newline at end of file\n+b: 3\n" in diff


# --- whole projects -------------------------------------------------------------------------

COMPOSE = """\
# the project
version: "3.8"   # obsolete
services:
  web:
    image: 'nginx:latest'  # keep this comment
    ports:
      - "8080:80"
"""


def test_fix_target_writes_safe_fixes_and_reports_the_rest(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    outcome = fix_target(Target(files=(str(f),)), _options(LatestTag, ObsoleteVersion),
                         write=True)
    assert f.read_text() == COMPOSE.replace('version: "3.8"   # obsolete\n', "")
    assert [d.code for d in outcome.check.diagnostics] == ["CK891"]  # unsafe: left
    assert outcome.applied == 1 and len(outcome.files) == 1
    outcome = fix_target(Target(files=(str(f),)), _options(LatestTag, ObsoleteVersion),
                         write=True, unsafe=True)
    assert "    image: nginx:1.0  # keep this comment\n" in f.read_text()
    assert outcome.check.diagnostics == []


def test_diff_mode_writes_nothing(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    outcome = fix_target(Target(files=(str(f),)), _options(ObsoleteVersion), write=False)
    assert f.read_text() == COMPOSE
    assert outcome.files[0].fixed == COMPOSE.replace('version: "3.8"   # obsolete\n', "")


def test_overlapping_fixes_take_several_passes(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: a\n")
    outcome = fix_target(Target(files=(str(f),)), _options(Reorder), write=True)
    assert f.read_text() == "services:\n  web:\n    image: IMG-IMG-a\n"
    assert outcome.passes >= 2 and outcome.check.diagnostics == []
    g = write(tmp_path / "g" / "compose.yaml", "services:\n  web:\n    image: a\n")
    shown = fix_target(Target(files=(str(g),)), _options(Reorder), write=False)
    assert g.read_text() == "services:\n  web:\n    image: a\n"
    if _supports_sources():
        assert shown.files[0].fixed.endswith("image: IMG-IMG-a\n") and not shown.incomplete
    else:  # the loader cannot re-read fixed texts from memory: one pass, said so
        assert shown.files[0].fixed.endswith("image: IMG-a\n") and shown.incomplete


def test_breaking_fixes_are_refused_and_the_file_kept(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    for rule in (BreaksFile, SchemaBreaker):
        outcome = fix_target(Target(files=(str(f),)), _options(rule), write=True)
        assert f.read_text() == COMPOSE
        assert [d.code for d, _ in outcome.refused] == [rule.code]
        assert outcome.files == []


def test_a_file_that_does_not_parse_is_never_written(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: nginx:latest\n  bad: [\n"
    f = write(tmp_path / "compose.yaml", text)
    outcome = fix_target(Target(files=(str(f),)), _options(LatestTag, ObsoleteVersion),
                         write=True, unsafe=True)
    assert f.read_text() == text
    assert [d.code for d in outcome.check.diagnostics] == ["CK001"]


def test_a_file_changed_meanwhile_is_not_overwritten(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    import composekit.lint.fix as fix_module

    real = fix_module.write_atomic

    def racing(path: str, original: str, fixed: str) -> None:
        Path(path).write_text(original + "# edited by someone else\n")
        real(path, original, fixed)

    monkeypatch.setattr(fix_module, "write_atomic", racing)
    outcome = fix_target(Target(files=(str(f),)), _options(ObsoleteVersion), write=True)
    assert "changed on disk" in outcome.errors[0]
    assert f.read_text().endswith("# edited by someone else\n")


# --- the fixtures corpus --------------------------------------------------------------------


def _corpus(root: Path) -> list[Path]:
    out = []
    for p in sorted((root / "fixtures").rglob("*")):
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith("expected.") \
                and "k8s" not in p.parts:
            out.append(p)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fix_then_lint_on_the_corpus(tmp_path: Path, unsafe: bool) -> None:
    """Every registered rule's fixes over every fixture: files with nothing to fix are
    unchanged byte for byte; afterwards no fixable finding is left."""
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    files = _corpus(tmp_path)
    assert len(files) > 100
    before = {p: p.read_bytes() for p in files}
    options = CheckOptions(environ={}, lint=LintOptions(isolated=True))
    changed: set[Path] = set()
    refused: list[str] = []
    for p in files:
        outcome = fix_target(Target(files=(str(p),)), options, write=True, unsafe=unsafe)
        assert not outcome.errors, outcome.errors
        changed.update(Path(f.path).resolve() for f in outcome.files)
        refused += [f"{d.path}:{d.span.line}:{d.span.column} {d.code} {d.name}: {why}"
                    for d, why in outcome.refused]
    for p in files:
        if p.resolve() not in changed:
            assert p.read_bytes() == before[p], f"{p} changed without a fix"
    left = []
    for p in files:
        diags = check_target(Target(files=(str(p),)), options).diagnostics
        left += [d for d in diags if d.fix is not None and (d.fix.safe or unsafe)]
    # A fix the engine refused (it would make the file invalid) is a rule offering a fix
    # where it must not: named here so the rule can be corrected.
    assert left == [], ([f"{d.path}:{d.span.line}:{d.span.column} {d.code}" for d in left],
                        refused)


@pytest.mark.slow
def test_nothing_to_fix_means_no_change_in_diff_mode() -> None:
    """On the repository's own fixtures (not a copy): diff mode never writes, and a file
    whose findings have no fix gets no diff."""
    options = CheckOptions(environ={}, lint=LintOptions(isolated=True))
    for p in _corpus(ROOT):
        before = p.read_bytes()
        outcome = fix_target(Target(files=(str(p),)), options, write=False, unsafe=True)
        assert p.read_bytes() == before
        for f in outcome.files:
            assert f.applied, f"{f.path} changed without an applied fix"
    assert os.path.isdir(ROOT / "fixtures")
