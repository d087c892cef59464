"""composekit.yamlio: every malformed input is a positioned finding, never a traceback.

The fixtures in ``fixtures/malformed/`` carry their expected findings on the first line
(``# expect: CK006 4:1``, several separated by commas); the few files that cannot hold a
comment (empty, UTF-16) have theirs in ``NO_HEADER`` below.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.comments import CommentedMap

from composekit import codes, yamlio
from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.yamlio import (
    MAX_ALIAS_NODES,
    MAX_FILE_BYTES,
    MAX_NESTING_DEPTH,
    MAX_TAB_FIXES,
    YamlDocument,
    load_file,
    locate,
    parse_bytes,
    parse_text,
)

MALFORMED = Path(__file__).resolve().parents[3] / "fixtures" / "malformed"

#: Expected findings of fixtures whose first line cannot carry a comment.
NO_HEADER = {
    "empty.yaml": [("CK004", 1, 1)],
    "utf16.yaml": [("CK002", 1, 1)],
    "utf16-no-bom.yaml": [("CK002", 1, 1)],
}
#: Fixtures that still yield a document (the findings do not stop the reading).
DOCUMENT_RETURNED = {
    "byte-order-mark.yaml", "tab-separator.yaml", "duplicate-key.yaml",
    "duplicate-service.yaml", "duplicate-key-quoted.yaml", "duplicate-merge-key.yaml",
    "typographic-quotes.yaml", "typographic-double-quotes.yaml", "multiple-documents.yaml",
    "non-string-key.yaml", "yaml-1.2-directive.yaml",
}
_EXPECT = re.compile(r"#\s*expect:\s*(.+)")


def _expected(path: Path) -> list[tuple[str, int, int]]:
    if path.name in NO_HEADER:
        return NO_HEADER[path.name]
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    m = _EXPECT.search(first)
    assert m, f"{path.name}: first line must be '# expect: CODE LINE:COL[, ...]'"
    out = []
    for item in m.group(1).split(","):
        code, pos = item.split()
        line, col = pos.split(":")
        out.append((code, int(line), int(col)))
    return out


def _found(diags: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in diags]


FIXTURES = sorted(p for p in MALFORMED.iterdir() if p.is_file())


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_malformed_fixture(path: Path) -> None:
    doc, diags = load_file(str(path))
    assert _found(diags) == _expected(path)
    assert (doc is not None) == (path.name in DOCUMENT_RETURNED)
    for diag in diags:
        assert diag.path == str(path)
        assert diag.message and diag.name == codes.CODES[diag.code].name
    if doc is None:
        assert any(d.severity is Severity.ERROR for d in diags)
    else:
        assert doc.diagnostics == diags


def test_fixtures_cover_every_reader_code() -> None:
    seen = {code for path in FIXTURES for code, _, _ in _expected(path)}
    reader_codes = {"CK001", "CK002", "CK003", "CK004", "CK005", "CK006", "CK007", "CK008",
                    "CK009", "CK010", "CK015", "CK040", "CK041"}
    assert reader_codes <= seen  # CK000 and CK011 need the file system: tested below


# --------------------------------------------------------------------------
# Files: missing, directory, unreadable, too large
# --------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    doc, diags = load_file(str(path))
    assert doc is None
    assert _found(diags) == [("CK000", 1, 1)]
    assert diags[0].message == f"no such file: '{path}'"
    assert diags[0].origin == "io"


def test_directory(tmp_path: Path) -> None:
    doc, diags = load_file(tmp_path)  # a PathLike is fine too
    assert doc is None
    assert _found(diags) == [("CK000", 1, 1)]
    assert "is a directory" in diags[0].message
    assert diags[0].path == str(tmp_path)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, who may read anything: simulate the refusal.
    path = tmp_path / "compose.yaml"
    path.write_text("services: {}\n")

    def deny(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(yamlio, "open", deny, raising=False)
    doc, diags = load_file(str(path))
    assert doc is None
    assert _found(diags) == [("CK000", 1, 1)]
    assert diags[0].message == f"permission denied: cannot read '{path}'"


def test_permission_denied_on_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret" / "compose.yaml"
    real_stat = os.stat

    def stat(name: Any, *args: Any, **kwargs: Any) -> Any:
        if str(name) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(name))
        return real_stat(name, *args, **kwargs)

    monkeypatch.setattr(yamlio.os, "stat", stat)
    doc, diags = load_file(str(path))
    assert doc is None and _found(diags) == [("CK000", 1, 1)]
    assert "permission denied" in diags[0].message


def test_other_os_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    doc, diags = load_file(str(loop))
    assert doc is None
    assert _found(diags) == [("CK000", 1, 1)]
    assert "symbolic links" in diags[0].message


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_bytes(b"services: {}\n" + b"#" * MAX_FILE_BYTES)
    doc, diags = load_file(str(path))
    assert doc is None
    assert _found(diags) == [("CK011", 1, 1)]
    assert f"at most {MAX_FILE_BYTES:,} bytes" in diags[0].message


def test_size_limit_applies_to_bytes_and_text() -> None:
    big = "x: 1\n" + "#" * MAX_FILE_BYTES
    assert _found(parse_bytes(big.encode(), "f")[1]) == [("CK011", 1, 1)]
    assert _found(parse_text(big, "f")[1]) == [("CK011", 1, 1)]
    # characters outside ASCII count by their UTF-8 size
    wide = "x: " + "é" * (MAX_FILE_BYTES // 2 + 1)
    assert _found(parse_text(wide, "f")[1]) == [("CK011", 1, 1)]


def test_size_limit_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text("services: {}\n" + "#" * MAX_FILE_BYTES + "\n")
    doc, diags = load_file(path, max_bytes=2 * MAX_FILE_BYTES)
    assert doc is not None and diags == []
    assert _found(parse_text("a: 1\n", "f", max_bytes=3)[1]) == [("CK011", 1, 1)]


# --------------------------------------------------------------------------
# Inline cases: exact code and position, and what the message says
# --------------------------------------------------------------------------

CASES: list[tuple[str, str, list[tuple[str, int, int]], bool]] = [
    # name, text, findings, document returned
    ("clean", "services:\n  web:\n    image: nginx\n", [], True),
    ("crlf line ends", "services:\r\n  web:\r\n\timage: x\r\n", [("CK006", 3, 1)], False),
    ("tab before comment", "a: 1\t# note\n", [("CK006", 1, 5)], True),
    ("tab on blank line", "a: 1\n\t\nb: 2\n", [("CK006", 2, 1)], False),
    ("tab in block scalar is content", "a: |\n  x\n  \ty\n", [], True),
    ("tab in quotes is content", 'a: "x\ty"\n', [], True),
    ("duplicate 1 and '1' (compared as text)", "x-a:\n  1: a\n  '1': b\n",
     [("CK041", 2, 3), ("CK007", 3, 3)], True),
    ("three duplicates", "a: 1\na: 2\na: 3\n", [("CK007", 2, 1), ("CK007", 3, 1)], True),
    ("duplicates in flow mapping", "a: {b: 1, b: 2}\n", [("CK007", 1, 11)], True),
    ("non-string keys", "x:\n  true: a\n  ~: b\n  2001-12-14: c\n  1.5: d\n  !!int 7: e\n",
     [("CK041", 2, 3), ("CK041", 3, 3), ("CK041", 4, 3), ("CK041", 5, 3), ("CK041", 6, 3)],
     True),
    ("string-looking keys are fine", "x:\n  yes: a\n  '1': b\n  0O7x: c\n  on: d\n", [], True),
    ("empty key", "x:\n  : a\n", [("CK041", 2, 3)], True),
    ("list as key", "? [a, b]\n: c\n", [("CK041", 1, 3)], True),
    ("unclosed double quote at end", 'a: "x\n', [("CK001", 1, 4)], False),
    ("undefined alias", "a: *nope\n", [("CK001", 1, 4)], False),
    ("control character", "a: b\x1bc\n", [("CK001", 1, 5)], False),
    ("bad escape", 'a: "\\q"\n', [("CK001", 1, 6)], False),
    ("bad block scalar header", "a: |x\n  b\n", [("CK001", 1, 5)], False),
    ("!!bool that is not one", "a: !!bool maybe\n", [("CK001", 1, 4)], False),
    ("!!float that is not one", "a: !!float pi\n", [("CK001", 1, 4)], False),
    ("!!binary that is not base64", "a: !!binary 'zz z'\n", [("CK001", 1, 4)], False),
    ("%YAML 1.3 (ruamel raises AssertionError)", "%YAML 1.3\n---\na: 1\n",
     [("CK001", 1, 1)], False),
    ("%YAML 1.1 is accepted", "%YAML 1.1\n---\na: 1\n", [], True),
    ("impossible date stays a string", "a: 2002-02-30\n", [], True),
    ("int ruamel cannot build stays a string", "a: 0x_\nb: 0b_\n", [], True),
    ("tagged impossible date", "a: !!timestamp 2002-02-30\n", [("CK001", 1, 4)], False),
    ("merge list of scalars", "a: &a {x: 1}\nb:\n  <<: [*a, 1]\n", [("CK001", 3, 12)], False),
    ("boolean root", "true\n", [("CK005", 1, 1)], False),
    ("set root", "!!set {a, b}\n", [("CK005", 1, 1)], False),
    ("only document marker", "---\n", [("CK004", 1, 1)], False),
    ("whitespace only", "  \n\n", [("CK004", 1, 1)], False),
    ("second document not a mapping", "a: 1\n---\n- x\n", [("CK040", 2, 1), ("CK005", 3, 1)],
     False),
    ("three documents", "a: 1\n---\nb: 2\n---\nc: 3\n", [("CK040", 2, 1)], True),
    ("document end marker then more", "a: 1\n...\nb: 2\n", [("CK040", 3, 1)], True),
    ("redefined anchor is valid", "a: &x 1\nb: &x 2\nc: *x\n", [], True),
    ("typographic quote key", "\u2018image\u2019: nginx\n", [("CK008", 1, 1)], True),
    ("apostrophe inside text is fine", "a: it\u2019s fine\n", [], True),
    ("quoted typographic quotes are intended", "a: '\u201cquoted\u201d'\n", [], True),
]


@pytest.mark.parametrize("text,expected,returned", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_cases(text: str, expected: list[tuple[str, int, int]], returned: bool) -> None:
    doc, diags = parse_text(text, "f.yaml")
    assert _found(diags) == expected
    assert (doc is not None) == returned


def test_not_utf8_column_counts_characters() -> None:
    doc, diags = parse_bytes("a: 1\nb: éé".encode() + b"\xff\n", "f.yaml")
    assert doc is None
    assert _found(diags) == [("CK002", 2, 6)]
    assert diags[0].message.startswith("byte 0xFF at line 2, column 6 is not valid UTF-8")


def test_byte_order_mark_is_a_warning_and_reading_goes_on() -> None:
    doc, diags = parse_bytes(b"\xef\xbb\xbfservices:\n  web:\n    image: x\n", "f.yaml")
    assert doc is not None and doc.data["services"]["web"]["image"] == "x"
    assert _found(diags) == [("CK003", 1, 1)]
    assert diags[0].severity is Severity.WARNING
    # positions on the first line are not shifted by the invisible mark
    doc, diags = parse_bytes(b"\xef\xbb\xbfa: \xe2\x80\x9cx\xe2\x80\x9d\n", "f.yaml")
    assert _found(diags) == [("CK003", 1, 1), ("CK008", 1, 4)]
    _, diags = parse_text("\ufeffa: 1\n", "f.yaml")
    assert _found(diags) == [("CK003", 1, 1)]


def test_tab_indentation_message() -> None:
    _, diags = parse_text("services:\n\tweb: {}\n", "f.yaml")
    assert "YAML forbids tabs for indentation; use spaces" in diags[0].message
    assert diags[0].severity is Severity.ERROR


def test_tab_separator_is_read_as_space() -> None:
    doc, diags = parse_text("a:\tvalue\nb:\t1\t# note\n", "f.yaml")
    assert doc is not None
    assert doc.data == {"a": "value", "b": 1}
    assert doc.text == "a:\tvalue\nb:\t1\t# note\n"  # the text as read
    assert _found(diags) == [("CK006", 1, 3), ("CK006", 2, 3), ("CK006", 2, 5)]
    assert all(d.severity is Severity.WARNING for d in diags)
    assert "Compose v2 accepts it" in diags[0].message


def test_too_many_separator_tabs() -> None:
    text = "".join(f"k{i}:\tv\n" for i in range(MAX_TAB_FIXES + 2))
    doc, diags = parse_text(text, "f.yaml")
    assert doc is None
    assert diags[-1].severity is Severity.ERROR
    assert diags[-1].code == "CK006"
    assert (diags[-1].line, diags[-1].column) == (MAX_TAB_FIXES + 1, len(f"k{MAX_TAB_FIXES}:") + 1)


def test_duplicate_key_names_both_positions() -> None:
    doc, diags = parse_text("services:\n  web:\n    image: a\n    ports: []\n    image: b\n",
                            "f.yaml")
    assert doc is not None
    assert doc.data["services"]["web"]["image"] == "a"  # the first wins
    assert diags[0].message.startswith("key 'image' is already defined at line 3, column 5")
    assert diags[0].json_path == "$.services.web.image"


def test_duplicate_merge_key_uses_the_first() -> None:
    text = "x: &x {a: 1}\ny: &y {b: 2}\nz:\n  <<: *x\n  <<: *y\n"
    doc, diags = parse_text(text, "f.yaml")
    assert doc is not None
    assert dict(doc.data["z"]) == {"a": 1}
    assert _found(diags) == [("CK015", 5, 3)]
    assert "already used in this mapping at line 4, column 3" in diags[0].message
    assert diags[0].help == "merge several anchors with one key: <<: [*first, *second]"


@pytest.mark.parametrize("text,col,quote", [
    ("version: \u20183\u2018\n", 10, "'3'"),
    ("version: \u20183\u2019\n", 10, "'3'"),
    ("image: \u201cnginx\u201d\n", 8, '"nginx"'),
    ("image: \u201enginx\u201c\n", 8, '"nginx"'),
    ("ports: [\u201c80:80\u201d]\n", 9, '"80:80"'),
])
def test_typographic_quotes(text: str, col: int, quote: str) -> None:
    _, diags = parse_text(text, "f.yaml")
    assert _found(diags) == [("CK008", 1, col)]
    assert "typographic quotes" in diags[0].message
    assert diags[0].help == f"replace them with straight quotes: {quote}"


def test_typographic_quote_in_a_syntax_error_line() -> None:
    _, diags = parse_text("command: \u201cecho: hi\u201d\n", "f.yaml")
    assert _found(diags) == [("CK008", 1, 10)]
    assert "does not parse (mapping values are not allowed here)" in diags[0].message


def test_unclosed_quote_points_at_the_opening_quote() -> None:
    text = "services:\n  web:\n    image: 'nginx\n    ports:\n      - '80:80'\n"
    _, diags = parse_text(text, "f.yaml")
    assert _found(diags) == [("CK001", 3, 12)]
    assert "runs on to line 5" in diags[0].message
    assert "closing ' missing" in diags[0].message


@pytest.mark.parametrize("text,kind", [
    ("- a\n", "a list (1 item)"),
    ("hello world\n", "the string 'hello world'"),
    ("3.5\n", "the number 3.5"),
    ("yes\n", "the string 'yes'"),
    ("false\n", "the boolean false"),
    ("null\n", "null"),
    ("2001-12-14\n", "the date 2001-12-14"),
])
def test_root_not_mapping_says_what_it_is(text: str, kind: str) -> None:
    doc, diags = parse_text(text, "f.yaml")
    assert doc is None
    assert diags[0].message.startswith(f"top level is {kind}; a Compose file must be a mapping")


def test_empty_file_messages() -> None:
    assert "file is empty" in parse_text("", "f")[1][0].message
    assert "only comments" in parse_text("# x\n  # y\n", "f")[1][0].message


def test_multiple_documents_are_all_returned() -> None:
    doc, diags = parse_text("services:\n  a: {}\n---\nservices:\n  b: {}\n", "f.yaml")
    assert doc is not None
    assert [list(d["services"]) for d in doc.documents] == [["a"], ["b"]]
    assert doc.data is doc.documents[0]
    assert diags[0].severity is Severity.WARNING
    assert "Compose v2 merges them in order" in diags[0].message


def test_trailing_document_marker_is_refused_like_compose() -> None:
    doc, diags = parse_text("services: {}\n---\n", "f.yaml")
    assert doc is None
    assert "document 2 of this file is empty" in diags[0].message
    assert "top-level object must be a mapping" in diags[0].message


def test_yaml_12_directive_is_refused_like_compose_v2() -> None:
    doc, diags = parse_text("%YAML 1.2\n---\nservices: {}\n", "f.yaml")
    assert doc is not None  # ruamel reads it; Compose v2 does not
    assert "found incompatible YAML document" in diags[0].message


# --------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------


def _alias_text(uses: int) -> str:
    items = ", ".join(["x"] * 999)  # with the list itself: 1,000 nodes per alias
    return f"a: &a [{items}]\nrefs: [{', '.join(['*a'] * uses)}]\n"


def test_alias_expansion_limit_boundary() -> None:
    per_alias = 1000
    at_limit = MAX_ALIAS_NODES // per_alias
    doc, diags = parse_text(_alias_text(at_limit), "f.yaml")
    assert doc is not None and diags == []
    doc, diags = parse_text(_alias_text(at_limit + 1), "f.yaml")
    assert doc is None
    assert _found(diags) == [("CK009", 2, 8)]
    assert f"by {MAX_ALIAS_NODES + per_alias:,} nodes" in diags[0].message
    assert "alias *a here alone stands for 1,000 nodes" in diags[0].message


def test_billion_laughs_is_refused_quickly_in_little_memory() -> None:
    import tracemalloc

    text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        doc, diags = parse_text(text, "f.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2
    assert peak < 16 * 2**20
    assert doc is None and diags[0].code == "CK009"
    assert "billion laughs" in diags[0].message


def test_alias_cycle() -> None:
    doc, diags = parse_text("x: &r\n  a:\n    b: *r\n", "f.yaml")
    assert doc is None
    assert _found(diags) == [("CK009", 3, 8)]
    assert "contain itself" in diags[0].message


def _nested_block(levels: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels - 1)) + "  " * (levels - 1) + \
        "leaf: 1\n"


def test_nesting_limit_boundary() -> None:
    assert parse_text(_nested_block(MAX_NESTING_DEPTH), "f")[0] is not None
    doc, diags = parse_text(_nested_block(MAX_NESTING_DEPTH + 1), "f")
    assert doc is None
    # the 65th mapping starts at its first key, 'leaf'
    assert _found(diags) == [("CK010", MAX_NESTING_DEPTH + 1, 2 * MAX_NESTING_DEPTH + 1)]
    flow = "[" * MAX_NESTING_DEPTH + "]" * MAX_NESTING_DEPTH
    assert parse_text(f"x: {flow[1:-1]}\n", "f")[0] is not None  # 1 mapping + 63 lists
    assert _found(parse_text(f"x: {flow}\n", "f")[1]) == [("CK010", 1, 3 + MAX_NESTING_DEPTH)]


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_deep_flow_nesting_is_refused_quickly(opener: str, closer: str) -> None:
    start = time.perf_counter()
    doc, diags = parse_text("x: " + opener * 10_000 + closer * 10_000 + "\n", "f.yaml")
    assert time.perf_counter() - start < 1
    assert doc is None and diags[0].code == "CK010"
    doc, diags = parse_text("x: " + opener * 10_000 + "\n", "f.yaml")  # never closed
    assert doc is None and diags[0].code == "CK010"


def test_recursion_error_never_escapes() -> None:
    text = _nested_block(MAX_NESTING_DEPTH)
    depth = len(__import__("inspect").stack(0))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 60)
    try:
        doc, diags = parse_text(text, "f.yaml")
    finally:
        sys.setrecursionlimit(old)
    assert doc is None
    assert diags[0].code == "CK010"


def test_any_other_exception_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any, node: Any) -> Any:
        raise OverflowError("something deep inside ruamel.yaml")

    monkeypatch.setattr(yamlio._RecordingConstructor, "construct_yaml_int", broken)
    monkeypatch.setitem(yamlio._RecordingConstructor.yaml_constructors,
                        "tag:yaml.org,2002:int", broken)
    doc, diags = parse_text("a:\n  b: 12\n", "f.yaml")
    assert doc is None
    assert _found(diags) == [("CK001", 2, 6)]
    assert "OverflowError" in diags[0].message or "something deep" in diags[0].message


def test_many_merges_of_one_anchor_stay_linear() -> None:
    # ruamel.yaml compares whole mappings to register merge referents: O(n^2) unpatched.
    text = "x: &x {a: 1, b: 2}\n" + "".join(f"s{i}: {{<<: *x, c: 3}}\n" for i in range(2000))
    start = time.perf_counter()
    doc, diags = parse_text(text, "f.yaml")
    assert time.perf_counter() - start < 5
    assert doc is not None and diags == []
    assert doc.data["s1999"]["b"] == 2


# --------------------------------------------------------------------------
# The document and locate
# --------------------------------------------------------------------------


def test_document_fields() -> None:
    text = "services:\n  web:\n    image: nginx\n"
    doc, diags = parse_text(text, "compose.yaml")
    assert doc is not None and diags == []
    assert doc.path == "compose.yaml" and doc.text == text
    assert isinstance(doc.data, CommentedMap)
    assert doc.documents == [doc.data]
    legacy = YamlDocument("p", "t", {"a": 1})  # built the old way
    assert legacy.documents == [{"a": 1}] and legacy.diagnostics == []


def test_locate() -> None:
    text = "services:\n  web:\n    image: nginx\n    ports:\n      - '80:80'\n      - 443\n"
    doc, _ = parse_text(text, "f.yaml")
    assert doc is not None
    tree = doc.data
    assert locate(tree, ("services", "web", "image")) == Span(3, 12)
    assert locate(tree, ("services", "web", "image"), key=True) == Span(3, 5)
    assert locate(tree, ("services", "web", "ports", 1)) == Span(6, 9)
    # a path that goes missing points at the deepest value found
    assert locate(tree, ("services", "web", "missing")) == Span(3, 5)
    assert locate(tree, ("services", "web", "ports", 7)) == Span(5, 7)
    assert locate(tree, ()) == Span()


def test_typical_file_parses_fast() -> None:
    service = (
        "  web{i}:\n    image: \"nginx:1.25\"\n    restart: unless-stopped\n    ports:\n"
        "      - \"80{i:02d}:80\"\n    environment:\n      DEBUG: \"false\"\n      LEVEL: info\n"
        "    volumes:\n      - ./data{i}:/data:ro\n    depends_on:\n      - db\n"
        "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n"
        "      interval: 30s\n")
    text = ("services:\n" + "".join(service.format(i=i) for i in range(7)))[:4000]
    text = text[: text.rfind("\n  web")] + "\n"
    assert 80 <= text.count("\n") <= 110
    parse_bytes(text.encode(), "f.yaml")  # warm up
    best = min(_timed(text) for _ in range(5))
    assert best < 0.25, f"100-line file took {best * 1000:.1f} ms"


def _timed(text: str) -> float:
    start = time.perf_counter()
    doc, diags = parse_bytes(text.encode(), "f.yaml")
    assert doc is not None and diags == []
    return time.perf_counter() - start
