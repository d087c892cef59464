"""JSON: a list of findings, each with the fields of ``Diagnostic.as_dict``.

A finding with a fix also carries ``fix``: its title, whether it is safe, and its
edits (1-based ``line``/``column`` to ``end_line``/``end_column``, end exclusive,
and the replacement text), so that editors can apply it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from composekit.diagnostics import Diagnostic


def finding(d: Diagnostic) -> dict[str, Any]:
    out = dict(d.as_dict())
    if d.fix is not None:
        out["fix"] = {
            "title": d.fix.title,
            "safe": d.fix.safe,
            "edits": [{"line": e.span.line, "column": e.span.column,
                       "end_line": e.span.end_line, "end_column": e.span.end_column,
                       "text": e.text} for e in d.fix.edits],
        }
    return out


def render_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps([finding(d) for d in diags], indent=2, ensure_ascii=False) + "\n"
