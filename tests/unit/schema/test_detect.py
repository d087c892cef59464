"""Which file format a file declares, and ``unknown-version`` (CK020) for a bad ``version:``.

The verdicts follow docker-compose 1.26.2 (checked with the oracle): no ``version:`` is v1,
``"2"``/``"3"`` are 2.0/3.0, a number (``version: 3.3`` unquoted) is refused ("it should be a
string"), ``"1"`` is refused, and a mapping makes ``version`` a service of a v1 file.
"""

from __future__ import annotations

import pytest

from composekit.catalog.versions import (
    BY_VERSION,
    LATEST_V3,
    SPEC,
    V1,
    detect_format,
    get,
    known_versions_text,
    parse_version,
)
from composekit.diagnostics import Severity
from composekit.schema import validate_document
from composekit.yamlio import parse_text


def detect(text: str) -> tuple[str | None, list[tuple[str, int, int, str, str | None]]]:
    doc, diags = parse_text(text, "compose.yaml")
    assert doc is not None, diags
    fmt, found = detect_format(doc.data, "compose.yaml")
    return (fmt.version if fmt else None,
            [(d.code, d.line, d.column, d.message, d.help) for d in found])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("services:\n  web:\n    image: nginx\n", "spec"),
        ("web:\n  image: nginx\ndb:\n  image: redis\n", "1"),
        ("networks:\n  front: {}\n", "spec"),  # an override fragment, not a v1 service
        ("x-base: &b {image: a}\nservices:\n  web: *b\n", "spec"),
        ("version: \"2\"\nservices: {}\n", "2.0"),
        ("version: '3'\nservices: {}\n", "3.0"),
        ("version: \"2.4\"\nservices: {}\n", "2.4"),
        ("version: \"3.8\"\nservices: {}\n", "3.8"),
        ("version: \"3.13\"\nservices: {}\n", "3.13"),
        ("version: \"3.14\"\nservices: {}\n", "3.14"),
    ],
)
def test_clean_detection(text: str, expected: str) -> None:
    assert detect(text) == (expected, [])


def test_unquoted_number_is_refused_but_understood() -> None:
    fmt, found = detect("services: {}\nversion: 3.3\n")
    assert fmt == "3.3"
    [(code, line, col, message, help)] = found
    assert (code, line, col) == ("CK020", 2, 10)
    assert message.startswith("`version` must be a string")
    assert help == 'write version: "3.3"'


def test_unquoted_3_10_is_read_as_3_1_by_yaml() -> None:
    fmt, [(code, _, _, message, help)] = detect("version: 3.10\nservices: {}\n")
    assert fmt == "3.10" and code == "CK020"
    assert "YAML reads 3.10 as 3.1" in message
    assert help == 'write version: "3.10"'


def test_unquoted_integer() -> None:
    assert detect("version: 2\nservices: {}\n")[0] == "2.0"
    fmt, [(code, line, col, message, _)] = detect("version: 1\nservices: {}\n")
    assert fmt is None and (code, line, col) == ("CK020", 1, 10)
    assert "1 is not a known version" in message


def test_version_1_string() -> None:
    fmt, [(code, _, _, message, help)] = detect("version: \"1\"\nweb:\n  image: x\n")
    assert fmt is None and code == "CK020"
    assert "legacy v1 files have no `version` key" in message
    assert help is not None and "remove `version:`" in help


def test_typographic_quotes() -> None:
    # The reader reports the quotes (CK008); detection reads the version inside them
    # and adds nothing, so the user sees one finding for one mistake.
    fmt, found = detect("version: \u20183\u2018\nservices: {}\n")
    assert fmt == "3.0"
    assert found == []
    fmt, [(code, line, col, message, _help)] = detect("version: \u20184\u2018\nservices: {}\n")
    assert fmt is None
    assert (code, line, col) == ("CK020", 1, 10)
    assert "typographic quotes" in message and "not a known version" in message


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ('"4"', "unknown Compose file version '4'"),
        ('"2.5"', "the 2.x line ends at 2.4"),
        ('"3.15"', "the 3.x line ends at 3.14"),
        ('"3.8.1"', "unknown Compose file version '3.8.1'"),
        ('"latest"', "unknown Compose file version 'latest'"),
    ],
)
def test_unknown_versions_list_the_known_ones(value: str, needle: str) -> None:
    fmt, [(code, line, col, message, _)] = detect(f"version: {value}\nservices: {{}}\n")
    assert fmt is None
    assert (code, line, col) == ("CK020", 1, 10)
    assert needle in message
    assert known_versions_text() in message


def test_v_prefix_and_blanks() -> None:
    assert detect('version: "v3.8"\nservices: {}\n')[0] == "3.8"
    fmt, [(_, _, _, message, _)] = detect('version: " 3.8"\nservices: {}\n')
    assert fmt == "3.8" and "blanks" in message


def test_null_and_list() -> None:
    fmt, [(code, _, _, message, _)] = detect("version:\nservices: {}\n")
    assert fmt is None and code == "CK020" and "not null" in message
    assert detect("version: [3]\nservices: {}\n")[0] is None


def test_mapping_version_is_a_v1_service() -> None:
    doc, _ = parse_text("version:\n  image: busybox\n", "c.yml")
    assert doc is not None
    fmt, [d] = detect_format(doc.data, "c.yml")
    assert fmt is V1
    assert d.code == "CK020" and d.severity is Severity.WARNING


def test_unknown_version_stops_validation() -> None:
    doc, _ = parse_text('version: "4"\nservices:\n  web:\n    enviroment: {}\n', "c.yml")
    assert doc is not None
    fmt, diags = validate_document(doc)
    assert fmt is None
    assert [d.code for d in diags] == ["CK020"]


def test_number_version_is_reported_once() -> None:
    doc, _ = parse_text("version: 3.8\nservices:\n  web:\n    image: x\n", "c.yml")
    assert doc is not None
    fmt, diags = validate_document(doc)
    assert fmt is BY_VERSION["3.8"]
    assert [d.code for d in diags] == ["CK020"]


def test_explicit_format_skips_detection() -> None:
    doc, _ = parse_text("services:\n  web:\n    image: x\n    init: true\n", "c.yml")
    assert doc is not None
    fmt, diags = validate_document(doc, fmt=get("3.6"))
    assert fmt is get("3.6")
    # 3.0-3.9 require `version`; `init` arrived in 3.7
    assert [(d.code, d.line, d.column) for d in diags] == [("CK028", 1, 1), ("CK023", 4, 5)]


def test_parse_version_and_get() -> None:
    assert parse_version("3") is get("3.0")
    assert parse_version("1") is None
    assert parse_version("spec") is None
    assert get("compose-spec") is SPEC
    assert LATEST_V3.version == "3.14"
    with pytest.raises(KeyError):
        get("4.0")
