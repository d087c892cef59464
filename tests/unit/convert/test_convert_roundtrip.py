"""Up and back down: where a conversion loses nothing and its rewrites are undone by the
opposite direction (``Report.reversible``), converting back gives the input byte for byte."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from composekit.convert import TARGETS, convert_file, convert_text
from composekit.convert.api import ConversionResult
from composekit.yamlio import parse_text

REPO = Path(__file__).resolve().parents[3]
CASES = sorted((REPO / "fixtures" / "convert").glob("*/compose.yaml"))
PAIRS = [(case, target.version) for case in CASES for target in TARGETS]


@functools.cache
def _forward(case: Path, target: str) -> ConversionResult:
    return convert_file(str(case), target)


def _spelling(text: str) -> str | None:
    """The ``version:`` as written, when it is the short ``2`` or ``3``."""
    doc, _ = parse_text(text, "x.yaml")
    assert doc is not None
    value = doc.data.get("version")
    return value if value in ("2", "3") else None


@pytest.mark.parametrize(("case", "target"), PAIRS,
                         ids=[f"{c.parent.name}-{t}" for c, t in PAIRS])
def test_reversible_conversions_come_back_byte_for_byte(case: Path, target: str) -> None:
    original = case.read_text("utf-8")
    forward = _forward(case, target)
    assert forward.ok and forward.text is not None and forward.source is not None
    if forward.source.version == target or not forward.report.reversible:
        pytest.skip("same format, or a loss or one-way rewrite on the way")
    back = convert_text(forward.text, str(case), _spelling(original) or forward.source)
    assert back.ok and not back.report.losses, back.report.text()
    assert back.text == original


def test_enough_pairs_are_reversible() -> None:
    """The corpus keeps exercising the round trip (51 pairs when this was written)."""
    count = 0
    for case, target in PAIRS:
        forward = _forward(case, target)
        if forward.source is not None and forward.source.version != target and \
                forward.report.reversible:
            count += 1
    assert count >= 45
