"""Golden outputs: ``fixtures/convert/<case>/expected.<version>.yaml`` is what converting
``compose.yaml`` to that version writes, and ``expected.<version>.report.txt`` its report
(``line:column kind [transform] message``). Regenerate after a reviewed change with
``COMPOSEKIT_REGEN_GOLDEN=1 pytest tests/unit/convert/test_convert_golden.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from composekit.convert import convert_file
from composekit.convert.api import ConversionResult

REPO = Path(__file__).resolve().parents[3]
GOLDEN = sorted((REPO / "fixtures" / "convert").glob("*/expected.*.yaml"))
REGEN = bool(os.environ.get("COMPOSEKIT_REGEN_GOLDEN"))


def _version(path: Path) -> str:
    return path.name[len("expected."):-len(".yaml")]


def report_text(result: ConversionResult) -> str:
    return "".join(f"{e.line}:{e.column} {e.kind.value} [{e.transform}] {e.message}\n"
                   for e in result.report.sorted())


def test_there_are_golden_files() -> None:
    assert len(GOLDEN) >= 30


@pytest.mark.parametrize("expected", GOLDEN,
                         ids=[f"{p.parent.name}-{_version(p)}" for p in GOLDEN])
def test_golden(expected: Path) -> None:
    result = convert_file(str(expected.parent / "compose.yaml"), _version(expected))
    assert result.ok and result.text is not None
    report = expected.with_name(f"expected.{_version(expected)}.report.txt")
    if REGEN:
        expected.write_text(result.text, "utf-8")
        report.write_text(report_text(result), "utf-8")
    assert result.text == expected.read_text("utf-8")
    assert report_text(result) == report.read_text("utf-8")
