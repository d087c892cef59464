"""What the unused-resource rules share: which resources are declared, which are used.

*Declared* comes from the files as written: the top-level ``networks``,
``volumes``, ``secrets`` and ``configs`` of the project's files and of the
projects they ``include`` (the merged model's origins table lists each one
with its position), not from the canonical configuration, which drops the
unused ones as ``docker compose config`` does. Resources of a file that is
only an ``extends`` base are not part of the project and are not listed.

*Used* comes from every service, enabled or not: a resource used only by a
service of an inactive profile is still used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule

KINDS = ("networks", "volumes", "secrets", "configs")


def declared(ctx: LintContext, kind: str) -> list[str]:
    """Names of the resources of ``kind`` declared in the project, in file order."""
    seen: dict[str, None] = {}
    for parts in ctx.project.origins:
        if len(parts) == 2 and parts[0] == kind and isinstance(parts[1], str):
            seen.setdefault(parts[1], None)
    return list(seen)


def _names(entries: Any) -> Iterator[str]:
    """Names in a short/long list (``[a, {source: b}]``) or a mapping's keys."""
    if isinstance(entries, Mapping):
        yield from (str(k) for k in entries)
    elif isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, str):
                yield entry
            elif isinstance(entry, Mapping) and entry.get("source") is not None:
                yield str(entry["source"])


def _volume_source(entry: Any) -> str | None:
    if isinstance(entry, Mapping):
        if entry.get("type", "volume") != "volume":
            return None
        source = entry.get("source")
        return str(source) if source else None
    if not isinstance(entry, str):
        return None
    parts = entry.split(":")
    if len(parts) < 2:
        return None
    source = parts[0]
    if not source or source[0] in "./~\\$":
        return None
    if len(source) == 1 and source.isalpha() and parts[1][:1] in ("\\", "/"):
        return None  # a Windows path such as C:\data
    return source


def used_by(svc: Mapping[str, Any], kind: str) -> set[str]:
    """The resources of ``kind`` that one service (canonical or as merged) uses."""
    out: set[str] = set()
    if kind == "networks":
        networks = svc.get("networks")
        if networks:
            out.update(_names(networks))
        elif not svc.get("network_mode"):
            out.add("default")
    elif kind == "volumes":
        for entry in svc.get("volumes") or []:
            source = _volume_source(entry)
            if source:
                out.add(source)
    elif kind == "secrets":
        out.update(_names(svc.get("secrets")))
        build = svc.get("build")
        if isinstance(build, Mapping):
            out.update(_names(build.get("secrets")))
    elif kind == "configs":
        out.update(_names(svc.get("configs")))
    return out


def used(ctx: LintContext, kind: str) -> set[str]:
    """The resources of ``kind`` used by any service, enabled or disabled by profiles."""
    out: set[str] = set()
    for group in (ctx.services, ctx.project.disabled_services):
        for svc in group.values():
            if isinstance(svc, Mapping):
                out |= used_by(svc, kind)
    return out


def is_external(ctx: LintContext, kind: str, name: str) -> bool:
    """Whether the declaration is ``external`` (as merged; origins keep the key)."""
    return (kind, name, "external") in ctx.project.origins


_WHAT = {"networks": "Network", "volumes": "Volume", "secrets": "Secret", "configs": "Config"}
_HOW = {
    "networks": "attach a service to it (services.<name>.networks)",
    "volumes": "mount it in a service (services.<name>.volumes: - {name}:/path)",
    "secrets": "grant it to a service (services.<name>.secrets)",
    "configs": "grant it to a service (services.<name>.configs)",
}


class UnusedResourceRule(Rule):
    """Base of the four unused-resource rules; subclasses set ``kind``."""

    kind: str = ""
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        names = declared(ctx, self.kind)
        if not names:
            return
        in_use = used(ctx, self.kind)
        for name in names:
            if name in in_use:
                continue
            external = "External " + _WHAT[self.kind].lower() if is_external(
                ctx, self.kind, name) else _WHAT[self.kind]
            yield ctx.report(
                self, (self.kind, name),
                f"{external} '{name}' is declared but no service uses it",
                key=True,
                help=f"Remove the declaration, or {_HOW[self.kind].format(name=name)}")
