"""CK402 port-on-all-interfaces."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules.networking._ports import Binding, bindings, raw_ports, written_once
from composekit.lint.rules.structure._yamltext import (
    has_merge,
    is_flow,
    lines_of,
    mapping_entries,
    scalar_extent,
)

LOOPBACK_V4 = "127.0.0.1"
LOOPBACK_V6 = "::1"


class PortOnAllInterfaces(Rule):
    """
    ## What it does
    Checks for published ports that do not name a host IP (or name `0.0.0.0`
    or `::`), which the Engine binds on every network interface of the host.

    ## Why is this bad?
    `"5432:5432"` puts the database on every address of the machine, the
    public one included. Docker writes its own iptables rules for published
    ports, ahead of the host firewall's: ufw and firewalld rules do not stop
    the traffic. A port meant for the developer's machine or for a reverse
    proxy on the same host should be bound to `127.0.0.1`.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        ports:
          - "5432:5432"
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        ports:
          - "127.0.0.1:5432:5432"
    ```

    ## Fix safety
    The fix binds the port to the loopback address (`127.0.0.1`, or `::1`
    for a port written on `::`): in the short syntax it adds the address in
    front (`"127.0.0.1:5432:5432"`, `"127.0.0.1::80"` for an ephemeral host
    port), in the long syntax it sets `host_ip`. It is unsafe: clients on
    other machines can no longer connect, which is the point but may not be
    what the service is for. No fix is offered for entries holding a
    variable, multi-line or flow-style long entries, nor for long entries in
    files whose declared format has no `host_ip` there (2.x and 3.x: only the
    Compose Specification has it).

    ## Known problems
    Services with a `network_mode` are skipped (their ports are discarded or
    refused). Ports meant to be public (a reverse proxy's 80 and 443) are
    reported too: suppress the finding on those lines. Swarm (`--target
    stack`) cannot bind a published port to one address, so the rule does
    not run for that target.

    ## References
    - dclint `no-unbound-port-interfaces`
    - compose-lint `CL-0005` (ports bound to all interfaces)
    """

    code = "CK402"
    name = "port-on-all-interfaces"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        written: dict[tuple[str, int, int], tuple[Any, int]] | None = None
        for b in written_once(bindings(ctx)):
            if not b.all_interfaces:
                continue
            if b.first is None:
                message = (f"Container port {b.target}/{b.protocol} of service '{b.service}' is "
                           "published on an ephemeral host port on all network interfaces")
            else:
                message = (f"Host port {b.published_text()}/{b.protocol} of service "
                           f"'{b.service}' is published on all network interfaces")
            if written is None:
                written = raw_ports(ctx)
            yield ctx.report(
                self, b.parts, message,
                help="Bind it to one address, e.g. \"127.0.0.1:8080:80\" (host_ip in the long "
                     "syntax)",
                fix=_fix(ctx, b, written))


def _fix(ctx: LintContext, b: Binding,
         written: dict[tuple[str, int, int], tuple[Any, int]]) -> Fix | None:
    path, span = b.where
    found = written.get((path, span.line, span.column))
    if found is None:
        return None
    ports, index = found
    text = ctx.documents[b.where[0]].text
    lines = lines_of(text)
    item = ports[index]
    if isinstance(item, CommentedMap):
        if not _long_host_ip_allowed(ctx.format_of(path)):
            # `host_ip` in the long syntax exists only in the Compose Specification; in a
            # 3.x file the edit would add a key the file's own format refuses.
            return None
        edit = _long_edit(lines, item)
    else:
        line0, col0 = (int(v) for v in ports.lc.item(index))
        edit = _short_edit(lines, line0, col0, flow=is_flow(ports))
    if edit is None:
        return None
    return Fix("Bind the port to the loopback address", (edit,), safe=False)


def _long_host_ip_allowed(fmt: Any) -> bool:
    """Whether the file's declared format has ``host_ip`` in long-syntax ports."""
    if fmt is None:
        return True
    from composekit import catalog

    return fmt in catalog.key("services.*.ports[].host_ip").avail


def _short_edit(lines: Sequence[str], line0: int, col0: int, *, flow: bool) -> Edit | None:
    found = scalar_extent(lines, line0, col0, flow=flow)
    value = found.value() if found is not None else None
    if found is None or value is None or "$" in value:
        return None
    spec = value.strip()
    parts = spec.rsplit(":", 2)
    loopback = LOOPBACK_V4
    if len(parts) == 3:
        ip = parts[0].strip("[]")
        if ip not in ("0.0.0.0", "::", ""):
            return None
        if ip == "::":
            loopback = f"[{LOOPBACK_V6}]"
        rest = f"{parts[1]}:{parts[2]}"
    elif len(parts) == 2:
        rest = spec
    else:
        rest = f":{spec}"
    quote = found.quote or '"'
    return Edit(found.span(), f"{quote}{loopback}:{rest}{quote}")


def _long_edit(lines: Sequence[str], item: CommentedMap) -> Edit | None:
    if is_flow(item) or has_merge(item):
        return None
    if "host_ip" in item:
        try:
            line0, col0 = (int(v) for v in item.lc.value("host_ip"))
        except (KeyError, TypeError, AttributeError):
            return None
        found = scalar_extent(lines, line0, col0)
        value = found.value() if found is not None else None
        if found is None or value is None or "$" in value:
            return None
        loopback = LOOPBACK_V6 if value.strip("[]") == "::" else LOOPBACK_V4
        return Edit(found.span(), f"{found.quote}{loopback}{found.quote}")
    entries = mapping_entries(item)
    if not entries:
        return None
    col = entries[0][2]
    if len(entries) >= 2:
        _, line0, col0 = entries[1]
        if col0 != col or lines[line0][:col0].strip():
            return None
        return Edit(Span(line0 + 1, 1, line0 + 1, 1), " " * col + f"host_ip: {LOOPBACK_V4}\n")
    key, line0, _ = entries[0]
    only: Any = item.get(key)
    nxt = line0 + 1
    if isinstance(only, dict | list) or nxt >= len(lines) or not lines[line0].endswith("\n"):
        return None
    return Edit(Span(nxt + 1, 1, nxt + 1, 1), " " * col + f"host_ip: {LOOPBACK_V4}\n")
