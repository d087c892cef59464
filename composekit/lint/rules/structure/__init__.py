"""Lint rules of the structure family."""

from __future__ import annotations

from composekit.lint.rule import Rule

RULES: tuple[type[Rule], ...] = ()
