"""Lint rules of the resources family."""

from __future__ import annotations

from composekit.lint.rule import Rule

RULES: tuple[type[Rule], ...] = ()
