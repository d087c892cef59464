"""Reporters: how findings are shown. They only format; they never decide.

Each reporter takes the findings of one run and returns the text to write.
``REPORTERS`` maps the ``--format`` names to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from composekit.diagnostics import Diagnostic
from composekit.report.json import render_json
from composekit.report.text import render_text

Reporter = Callable[..., str]

REPORTERS: dict[str, Callable[[Sequence[Diagnostic], bool], str]] = {
    "text": lambda diags, color: render_text(diags, color=color),
    "json": lambda diags, color: render_json(diags),
}

__all__ = ["REPORTERS", "render_json", "render_text"]
