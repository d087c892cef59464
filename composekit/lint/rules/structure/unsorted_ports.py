"""CK124 unsorted-ports."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import (
    first_out_of_order,
    sequence_fix,
    service_parts,
    sorted_order,
    written_scalar,
)
from composekit.lint.rules.structure._yamltext import lines_of

PortKey = tuple[int, int, int, str, str]

_RANGE_START = re.compile(r"^(\d+)(?:-\d+)?$")


def _start(text: str) -> int | None:
    m = _RANGE_START.match(text.strip())
    return int(m.group(1)) if m else None


def port_sort_key(written: str) -> PortKey:
    """Sort key of a port entry as written in short syntax.

    Entries holding a variable come first (their value depends on the
    environment), then entries by host port (the container port when no host
    port is given), container port, protocol; unreadable ones last.
    """
    text = written.strip()
    if "$" in text:
        return (0, 0, 0, "", text)
    spec, _, proto = text.partition("/")
    parts = spec.rsplit(":", 2)
    container = parts[-1]
    host = parts[-2] if len(parts) >= 2 else ""
    target = _start(container)
    if target is None:
        return (2, 0, 0, proto, text)
    published = _start(host) if host else target
    if published is None:
        return (2, 0, 0, proto, text)
    return (1, published, target, proto or "tcp", text)


def _long_key(text_lines: Sequence[str], item: CommentedMap) -> PortKey:
    published = written_scalar(text_lines, item, "published", item["published"]) \
        if item.get("published") is not None else ""
    target = written_scalar(text_lines, item, "target", item.get("target", ""))
    protocol = str(item.get("protocol") or "tcp")
    spec = f"{published}:{target}" if published else target
    return port_sort_key(f"{spec}/{protocol}")


def ports_keys(text: str, ports: CommentedSeq) -> list[PortKey] | None:
    """The sort key of each entry of a ``ports`` list, or ``None`` for odd entries."""
    text_lines = lines_of(text)
    keys: list[PortKey] = []
    for i, item in enumerate(ports):
        if isinstance(item, CommentedMap):
            if "target" not in item:
                return None
            keys.append(_long_key(text_lines, item))
        elif isinstance(item, str | int) and not isinstance(item, bool):
            keys.append(port_sort_key(written_scalar(text_lines, ports, i, item)))
        else:
            return None
    return keys


def _describe(key: PortKey, fallback: Any) -> str:
    return key[4] or str(fallback)


class UnsortedPorts(Rule):
    """
    ## What it does
    Checks that the entries of each service's `ports` list are in order of
    host port (the container port when no host port is given), then container
    port, then protocol. Entries holding a variable come first.

    ## Why is this bad?
    A sorted port list shows at a glance which host ports a service takes,
    and makes two entries for the same port stand next to each other. Compose
    does not care about the order.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8443:443"
          - "8080:80"
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080:80"
          - "8443:443"
    ```

    ## Fix safety
    The fix moves each entry as whole lines with the comments directly above
    it (or reorders a one-line flow list) and is safe: the order of ports has
    no meaning. No fix is offered when an entry does not start its own line.

    ## Known problems
    Ports are compared as numbers, as written in the file (before
    interpolation); the host IP is not part of the order. A long-syntax entry
    is placed by its `published` and `target` ports like a short one.

    ## References
    - dclint `service-ports-alphabetical-order`
    """

    code = "CK124"
    name = "unsorted-ports"
    severity = Severity.STYLE
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, service, svc in ctx.raw_services():
            ports = svc.get("ports")
            if not isinstance(ports, CommentedSeq) or len(ports) < 2:
                continue
            text = ctx.documents[path].text
            keys = ports_keys(text, ports)
            if keys is None:
                continue
            order_keys = [k[:4] for k in keys]
            found = first_out_of_order(order_keys)
            if found is None:
                continue
            i, j = found
            edit = sequence_fix(text, ports, sorted_order(order_keys))
            fix = Fix("Sort the ports", (edit,)) if edit else None
            yield ctx.report(
                self, (*service_parts(ctx, path, service), "ports", i),
                f"Port '{_describe(keys[i], ports[i])}' of service '{service}' is out of order: "
                f"it should come before '{_describe(keys[j], ports[j])}'",
                path=path, help="Sort the ports by host port, then container port", fix=fix)
