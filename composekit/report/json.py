"""JSON: a list of findings, each with the fields of ``Diagnostic.as_dict``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from composekit.diagnostics import Diagnostic


def render_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in diags], indent=2, ensure_ascii=False) + "\n"
