"""The library entry points: what a conversion returns for good and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from composekit.convert import convert_file, convert_text, parse_target
from composekit.diagnostics import Severity
from composekit.errors import UsageError

SIMPLE = 'version: "2.4"\nservices:\n  web:\n    image: nginx\n    cpu_shares: 512\n'


def test_result_fields() -> None:
    result = convert_text(SIMPLE, "c.yaml", "3.8")
    assert result.ok and result.changed
    assert result.source is not None and result.source.version == "2.4"
    assert result.target.version == "3.8"
    assert result.text == 'version: "3.8"\nservices:\n  web:\n    image: nginx\n'
    codes = [(d.code, d.severity, d.line, d.column) for d in result.diagnostics]
    assert codes == [("CK031", Severity.INFO, 1, 1), ("CK030", Severity.WARNING, 5, 5)]
    data = result.report.as_dict()
    assert (data["from"], data["to"], data["rewrites"], data["losses"]) == ("2.4", "3.8", 1, 1)
    loss = data["entries"][1]
    assert loss["kind"] == "loss" and loss["path"] == "$.services.web.cpu_shares"
    assert loss["differences"] == [{"before": ["services", "web", "cpu_shares"],
                                    "after": ["services", "web", "cpu_shares"], "same": False}]


def test_strict_makes_losses_errors_but_keeps_the_text() -> None:
    result = convert_text(SIMPLE, "c.yaml", "3.8", strict=True)
    assert not result.ok and result.text is not None
    assert [d.severity for d in result.diagnostics if d.code == "CK030"] == [Severity.ERROR]


@pytest.mark.parametrize(("text", "code"), [
    ("services:\n  web:\n    image: [nginx\n", "CK001"),
    ('version: "4.0"\nservices:\n  web:\n    image: x\n', "CK020"),
    ("services:\n  web:\n    image: x\n---\nservices:\n  db:\n    image: y\n", "CK040"),
    ("services:\n  web:\n    image: x\n    image: y\n", "CK007"),
])
def test_input_that_cannot_be_converted(text: str, code: str) -> None:
    result = convert_text(text, "c.yaml", "3.8")
    assert result.text is None and not result.ok
    assert code in [d.code for d in result.diagnostics if d.severity >= Severity.ERROR]


def test_invalid_output_is_refused_with_the_reason() -> None:
    text = 'version: "2.4"\nservices:\n  web:\n    imgae: nginx\n'
    result = convert_text(text, "c.yaml", "3.8")
    assert result.text is None
    (problem,) = [d for d in result.diagnostics if d.code == "CK032"]
    assert problem.severity is Severity.ERROR
    assert "line 4" in problem.message and "imgae" in problem.message
    # the input's own problems are reported apart
    assert [d.code for d in result.input_errors] == ["CK022"]


def test_errors_of_the_input_do_not_stop_a_conversion_that_fixes_them() -> None:
    text = 'version: "3.0"\nservices:\n  web:\n    image: x\n    healthcheck:\n' \
           "      test: [CMD, \"true\"]\n      start_period: 5s\n"
    result = convert_text(text, "c.yaml", "3.4")
    assert result.ok and [d.code for d in result.input_errors] == ["CK023"]


def test_bytes_are_kept_bom_crlf_and_missing_final_newline() -> None:
    crlf = 'version: "2.4"\r\nservices:\r\n  web:\r\n    image: x  # c\r\n    cpus: 0.5'
    result = convert_text("\ufeff" + crlf, "c.yaml", "3.8")
    assert result.text == ('\ufeffversion: "3.8"\r\nservices:\r\n  web:\r\n    image: x  # c\r\n'
                           '    deploy:\r\n      resources:\r\n        limits:\r\n'
                           '          cpus: "0.5"')


def test_file_bom_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SIMPLE.encode())
    result = convert_file(str(path), "3.8")
    assert result.text is not None and result.text.startswith("\ufeffversion: \"3.8\"")


def test_unreadable_file(tmp_path: Path) -> None:
    result = convert_file(str(tmp_path / "missing.yaml"), "3.8")
    assert result.text is None and [d.code for d in result.diagnostics] == ["CK000"]


def test_short_version_spelling() -> None:
    assert convert_text(SIMPLE.replace("cpu_shares: 512", "mem_limit: 1g"), "c.yaml", "2").text \
        == 'version: "2"\nservices:\n  web:\n    image: nginx\n    mem_limit: 1g\n'


@pytest.mark.parametrize(("text", "message"), [
    ("3.9", "only docker stack reads"), ("4", "unknown version"), ("stack", "not available yet"),
    ("kubernetes", "not available yet"), ("", "unknown version"),
])
def test_bad_targets(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_target(text)


@pytest.mark.parametrize(("text", "version"), [
    ("1", "1"), ("v1", "1"), ("2", "2.0"), ("2.3", "2.3"), ("3", "3.0"), ("3.8", "3.8"),
    ("spec", "spec"), ("Compose-Spec", "spec"),
])
def test_targets(text: str, version: str) -> None:
    assert parse_target(text).version == version


def test_comments_quotes_anchors_and_extension_fields_survive() -> None:
    text = """\
# header comment
version: '3.4'   # the version

x-base: &base
  restart: "always"   # quoted
  labels: {a: 'b'}

services:
  # the web service
  web:
    <<: *base
    image: 'nginx:${TAG:-1.25}'
    healthcheck:
      test: ["CMD", "true"]
      start_period: 5s
"""
    result = convert_text(text, "c.yaml", "3.8")
    assert result.text == text.replace("'3.4'", "'3.8'")
    back = convert_text(result.text or "", "c.yaml", "3.4")
    assert back.text == text
