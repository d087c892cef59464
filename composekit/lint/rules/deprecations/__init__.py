"""Lint rules of the deprecations family (CK9xx)."""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.deprecations.legacy_links import LegacyLinks
from composekit.lint.rules.deprecations.obsolete_version_key import ObsoleteVersionKey

RULES: tuple[type[Rule], ...] = (
    ObsoleteVersionKey,
    LegacyLinks,
)
