"""The rule registry: every rule, listed explicitly, family by family.

Each family package lists its rules in ``RULES``; this module joins them.
``get(code_or_name)`` finds one rule class.
"""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules import (
    deprecations,
    images,
    networking,
    resources,
    runtime,
    security,
    structure,
)

ALL_RULES: tuple[type[Rule], ...] = (
    *structure.RULES,
    *images.RULES,
    *security.RULES,
    *networking.RULES,
    *resources.RULES,
    *runtime.RULES,
    *deprecations.RULES,
)

BY_CODE: dict[str, type[Rule]] = {r.code: r for r in ALL_RULES}
BY_NAME: dict[str, type[Rule]] = {r.name: r for r in ALL_RULES}


def get(ident: str) -> type[Rule]:
    """The rule with this code (``CK201``) or slug (``image-latest-tag``)."""
    found = BY_CODE.get(ident.upper()) or BY_NAME.get(ident)
    if found is None:
        raise KeyError(f"no such rule: {ident}")
    return found
