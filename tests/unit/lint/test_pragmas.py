"""Suppression comments: syntax, scope, problems, and the fix for unused ones."""

from __future__ import annotations

import pytest
from engine_support import patch_catalogue

from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.lint.fix import apply_edits
from composekit.lint.pragmas import parse_pragmas


@pytest.fixture(autouse=True)
def _catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_catalogue(monkeypatch)


def _diag(code: str, line: int, column: int = 5) -> Diagnostic:
    return Diagnostic("f.yaml", Span(line, column), code, "x", Severity.WARNING, "m")


def _entries(text: str) -> list[tuple[str | None, int | None]]:
    return [(e.code, e.scope) for e in parse_pragmas(text, "f.yaml").entries]


def test_trailing_comment_covers_its_line() -> None:
    text = "services:\n  web:\n    privileged: true  # composekit: disable=CK891, CK892\n"
    assert _entries(text) == [("CK891", 3), ("CK892", 3)]


def test_own_line_comment_covers_the_next_yaml_line() -> None:
    text = ("services:\n"
            "  # composekit: disable=CK891\n"
            "\n"
            "  # an ordinary comment\n"
            "  web:\n")
    assert _entries(text) == [("CK891", 5)]


def test_slugs_spaces_case_and_reasons() -> None:
    text = "a: 1  #composekit:disable = test-latest-tag ,ck892   reviewed by ops\n"
    assert _entries(text) == [("CK891", 1), ("CK892", 1)]
    text = "a: 1  # note # composekit: disable=CK891\n"
    assert _entries(text) == [("CK891", 1)]


def test_blanket_disable() -> None:
    assert _entries("a: 1  # composekit: disable\n") == [(None, 1)]
    assert _entries("a: 1  # composekit: disable because\n") == [(None, 1)]


def test_disable_file_in_the_top_comment_block() -> None:
    text = ("#!header\n\n---\n# composekit: disable-file=CK891\n"
            "# composekit: disable-file\nservices: {}\n")
    assert _entries(text) == [("CK891", None), (None, None)]


def test_disable_file_elsewhere_is_reported_and_ignored() -> None:
    text = "services: {}\n# composekit: disable-file=CK891\nx: 1 # composekit: disable-file\n"
    found = parse_pragmas(text, "f.yaml")
    assert found.entries == []
    assert [(d.code, d.span.line, d.span.column) for d in found.problems] == [
        ("CK118", 2, 15), ("CK118", 3, 20)]
    assert "top of the file" in found.problems[0].message


@pytest.mark.parametrize("comment,message,column", [
    ("# composekit: disable=CK999", "unknown code 'CK999'", 28),
    ("# composekit: disable=nonsense", "unknown code 'nonsense'", 28),
    ("# composekit: ignore=CK891", "unknown suppression directive 'ignore'", 20),
    ("# composekit: disable=", "without codes", 27),
    ("# composekit:", "without a directive", 19),
    ("# composekit: disable=CK891;CK892", "unknown code 'CK891;CK892'", 28),
    ("# composekit: disabled", "unknown suppression directive 'disabled'", 20),
])
def test_problems(comment: str, message: str, column: int) -> None:
    found = parse_pragmas(f"a: 1 {comment}\n", "f.yaml")
    assert [d.code for d in found.problems] == ["CK118"]
    assert message in found.problems[0].message
    assert found.problems[0].span.line == 1 and found.problems[0].span.column == column


def test_hash_inside_scalars_is_not_a_comment() -> None:
    text = ('a: "x # composekit: disable=CK891"\n'
            "b: 'y # composekit: disable=CK891'\n"
            "c: |\n"
            "  echo # composekit: disable=CK891\n"
            "  # composekit: disable=CK892\n"
            "d: x#composekit: disable=CK891\n"
            "e: [p, q] # composekit: disable=CK892\n")
    assert _entries(text) == [("CK892", 7)]


def test_own_line_comment_with_nothing_after_it() -> None:
    found = parse_pragmas("a: 1\n# composekit: disable=CK891\n", "f.yaml")
    assert found.entries == []
    assert "no line of YAML after it" in found.problems[0].message


def test_matching_and_unused() -> None:
    text = ("# composekit: disable-file=CK892\n"
            "a: 1  # composekit: disable=CK891,CK893\n"
            "b: 2  # composekit: disable\n")
    found = parse_pragmas(text, "f.yaml")
    assert found.match(_diag("CK891", 2)) is not None
    assert found.match(_diag("CK891", 3)) is not None      # blanket on line 3
    assert found.match(_diag("CK891", 4)) is None
    assert found.match(_diag("CK892", 9)) is not None      # file-wide
    unused = found.unused(lambda code: True)
    assert [(d.code, d.span.line, d.span.column) for d in unused] == [("CK117", 2, 35)]
    assert "CK893" in unused[0].message
    assert found.unused(lambda code: code != "CK893") == []


def _fixed(text: str, checked: str = "ALL") -> str:
    found = parse_pragmas(text, "f.yaml")
    unused = found.unused(lambda code: True)
    edits = [e for d in unused if d.fix for e in d.fix.edits]
    # Apply the non-overlapping ones, as one fix pass would.
    chosen: list = []
    for e in edits:
        if all(e.span.end_column is None or o.span.line != e.span.line
               or e.span.end_column <= o.span.column or o.span.end_column <= e.span.column
               for o in chosen):
            chosen.append(e)
    return apply_edits(text, chosen)


@pytest.mark.parametrize("before,after", [
    ("a: 1  # composekit: disable=CK891\n", "a: 1\n"),
    ("a: 1  # composekit: disable=CK891,CK892\n", "a: 1\n"),
    ("# composekit: disable=CK891\na: 1\n", "a: 1\n"),
    ("# composekit: disable-file=CK891\na: 1\n", "a: 1\n"),
    ("a: 1\t# note # composekit: disable=CK891\n", "a: 1\t# note\n"),
])
def test_unused_fix_removes_the_comment(before: str, after: str) -> None:
    assert _fixed(before) == after


def test_unused_fix_removes_one_code_and_keeps_the_used_one() -> None:
    text = "a: 1  # composekit: disable=CK891, CK892 ,CK893\n"
    found = parse_pragmas(text, "f.yaml")
    assert found.match(_diag("CK892", 1)) is not None
    unused = found.unused(lambda code: True)
    assert [d.message.split()[2] for d in unused] == ["CK891", "CK893"]
    first = apply_edits(text, unused[0].fix.edits)  # type: ignore[union-attr]
    assert first == "a: 1  # composekit: disable=CK892 ,CK893\n"
    last = apply_edits(text, unused[1].fix.edits)  # type: ignore[union-attr]
    assert last == "a: 1  # composekit: disable=CK891, CK892\n"
