"""Shared plumbing of the runtime-compatibility rules (not a rule module).

* service keys as merged and as written (a key counts only when a file wrote
  it: the canonical form adds some, such as ``networks: {default: ...}``);
* the key catalogue's record of what a runtime does with a key;
* re-labelling a schema finding as the finding of a rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic

if TYPE_CHECKING:
    from composekit.catalog.model import Key
    from composekit.lint.context import LintContext
    from composekit.lint.rule import Rule

PathPart = str | int
KeyPath = tuple[PathPart, ...]


def services(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(name, canonical mapping)`` of every enabled service."""
    for name, svc in ctx.services.items():
        if isinstance(svc, dict):
            yield str(name), svc


def svc_path(name: str, *rest: PathPart) -> KeyPath:
    return ("services", name, *rest)


def written(ctx: LintContext, parts: KeyPath) -> bool:
    """Whether the node at ``parts`` of the merged config was written in a file."""
    return ctx.project.origins.get(tuple(parts)) is not None


def written_service_keys(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any], str]]:
    """``(service, canonical mapping, key)`` for each top-level service key a file wrote."""
    for name, svc in services(ctx):
        for key in svc:
            if isinstance(key, str) and written(ctx, svc_path(name, key)):
                yield name, svc, key


def service_key(key: str) -> Key | None:
    """The catalogue entry ``services.*.<key>``, or ``None`` for an unknown key."""
    from composekit import catalog

    try:
        return catalog.key(f"services.*.{key}")
    except KeyError:
        return None


def dig(mapping: Any, *keys: str) -> Any:
    cur = mapping
    for k in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def relabel(ctx: LintContext, rule: Rule, diag: Diagnostic, message: str) -> Diagnostic:
    """``diag`` (a schema finding) reported as a finding of ``rule`` with ``message``."""
    return dataclasses.replace(
        diag,
        code=rule.code,
        name=rule.name,
        severity=ctx.severities.get(rule.code, rule.severity),
        message=message,
        fix=None,
        origin="lint",
    )


def first_key_span_parts(data: Any) -> KeyPath:
    """Where to report about a whole file: its ``version`` key, else its first key."""
    if isinstance(data, Mapping) and data:
        if "version" in data:
            return ("version",)
        return (next(iter(data)),)
    return ()
