"""Published ports as the networking rules see them.

Rules read the canonical configuration (``ctx.services``: long syntax, short
syntax expanded, ranges of equal length expanded to one entry per port,
identical entries merged) and report at the entry as written: several
canonical entries that come from one written entry (``"3000-3002:3000-3002"``)
share its origin and give one finding.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from composekit.diagnostics import Span
from composekit.lint.context import LintContext


@dataclass(frozen=True)
class Binding:
    """One canonical ``ports`` entry of a service."""

    service: str
    #: Index in the canonical ``ports`` list.
    index: int
    #: ``""`` when no host IP is given.
    host_ip: str
    #: First and last host port; ``None`` when Compose picks an ephemeral port.
    #: ``first < last`` for ``"8080-8081:80"``: the Engine takes one free port of the range.
    first: int | None
    last: int | None
    target: int
    protocol: str
    #: Where the entry was written: ``(path, span)``.
    where: tuple[str, Span]

    @property
    def parts(self) -> tuple[str | int, ...]:
        return ("services", self.service, "ports", self.index)

    @property
    def dynamic(self) -> bool:
        """A host port range for one container port: one port of it is used."""
        return self.first is not None and self.last is not None and self.last > self.first

    @property
    def all_interfaces(self) -> bool:
        return self.host_ip in ("", "0.0.0.0", "::", "[::]")

    def published_text(self) -> str:
        if self.first is None:
            return "an ephemeral port"
        if self.dynamic:
            return f"{self.first}-{self.last}"
        return str(self.first)


def _range(published: Any) -> tuple[int, int] | None:
    text = str(published).strip()
    start, sep, end = text.partition("-")
    if not start.isdigit() or (sep and not end.isdigit()):
        return None
    first = int(start)
    last = int(end) if sep else first
    if last < first:
        return None
    return first, last


def bindings(ctx: LintContext, *, with_network_mode: bool = False) -> Iterator[Binding]:
    """The ports of every enabled service, skipping services with a ``network_mode``
    (their ports are discarded or refused, see the rules about them) unless asked."""
    for service, svc in ctx.services.items():
        if not isinstance(svc, dict):
            continue
        if svc.get("network_mode") and not with_network_mode:
            continue
        for index, port in enumerate(svc.get("ports") or []):
            if not isinstance(port, dict):
                continue
            try:
                target = int(port.get("target"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            published = port.get("published")
            first: int | None = None
            last: int | None = None
            if published not in (None, "", "0"):
                found = _range(published)
                if found is None:
                    continue
                first, last = found
            host_ip = str(port.get("host_ip") or "")
            parts = ("services", service, "ports", index)
            yield Binding(service, index, host_ip, first, last, target,
                          str(port.get("protocol") or "tcp").lower(), ctx.position(parts))


def written_once(found: Iterator[Binding]) -> Iterator[Binding]:
    """The first binding of each written entry (an expanded range gives several)."""
    seen: set[tuple[str, str, Span]] = set()
    for b in found:
        key = (b.service, *b.where)
        if key in seen:
            continue
        seen.add(key)
        yield b


def _family(ip: str) -> int | None:
    try:
        return ipaddress.ip_address(ip.strip("[]")).version
    except ValueError:
        return None


def interfaces_overlap(a: str, b: str) -> bool:
    """Whether two host IPs of published ports can clash.

    No IP binds every interface (IPv4 and IPv6); ``0.0.0.0`` every IPv4
    address, ``::`` every IPv6 address; otherwise only the same address clashes.
    """
    if not a or not b:
        return True
    a, b = a.strip("[]"), b.strip("[]")
    if a == b:
        return True
    fa, fb = _family(a), _family(b)
    if fa is None or fb is None:
        return False
    if fa != fb:
        return False
    wildcard = "0.0.0.0" if fa == 4 else "::"
    try:
        return ipaddress.ip_address(wildcard) in (ipaddress.ip_address(a),
                                                  ipaddress.ip_address(b))
    except ValueError:  # pragma: no cover - checked above
        return False


def raw_ports(ctx: LintContext) -> dict[tuple[str, int, int], tuple[Any, int]]:
    """Each written ``ports`` entry by ``(path, line, column)``: its list and index."""
    from ruamel.yaml.comments import CommentedSeq

    out: dict[tuple[str, int, int], tuple[Any, int]] = {}
    for path, _, svc in ctx.raw_services():
        ports = svc.get("ports")
        if not isinstance(ports, CommentedSeq):
            continue
        for i in range(len(ports)):
            try:
                line0, col0 = ports.lc.item(i)
            except (KeyError, TypeError, AttributeError):
                continue
            out.setdefault((path, int(line0) + 1, int(col0) + 1), (ports, i))
    return out
