"""CK401 host-port-conflict."""

from __future__ import annotations

from collections.abc import Iterator

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.networking._ports import Binding, bindings, interfaces_overlap
from composekit.loader.project import relative_to_file


class HostPortConflict(Rule):
    """
    ## What it does
    Checks that no two published ports of the enabled services claim the same
    host port, for the same protocol, on interfaces that overlap: within one
    service or across services, with port ranges expanded.

    ## Why is this bad?
    Only one socket can listen on a host port. The file loads fine, but
    `docker compose up` fails for the second container with
    `Bind for 0.0.0.0:8080 failed: port is already allocated` (or `address
    already in use`), after the first ones have started.

    Two ports clash when they have the same protocol and their host IPs
    overlap: no IP (every interface) overlaps everything, `0.0.0.0` overlaps
    every IPv4 address and `::` every IPv6 address; `127.0.0.1:8080` and
    `127.0.0.2:8080` do not clash, nor do `8080/tcp` and `8080/udp`.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080:80"
      admin:
        image: example/admin:1.4
        ports:
          - "8080:8080"
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080:80"
      admin:
        image: example/admin:1.4
        ports:
          - "8081:8080"
    ```

    ## Known problems
    Only services enabled by the active profiles are compared. A host port
    range for one container port (`"8080-8085:80"`, where the Engine picks one
    free port of the range) is reported only when fixed ports take the whole
    range. Ports of services with a `network_mode` are not compared: with
    `host` they are discarded, with `service:`/`container:` they are refused
    (see `ports-with-host-network` and `ports-with-shared-network-namespace`).
    A service with several replicas publishing a fixed port clashes with
    itself; that is another rule's finding. Under `--target stack` host IPs
    are ignored, as swarm publishes on every node's interfaces.

    ## References
    - dclint `no-duplicate-exported-ports` (ranges included)
    """

    code = "CK401"
    name = "host-port-conflict"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        stack = ctx.target is Runtime.STACK
        files = {p: i for i, p in enumerate(ctx.project.files)}
        found = sorted(bindings(ctx), key=lambda b: (files.get(b.where[0], len(files)),
                                                     b.where[1], b.index))
        fixed = [b for b in found if b.first is not None and not b.dynamic]
        reported: set[tuple[str, str, object]] = set()

        def clash(a: Binding, b: Binding) -> bool:
            if a.protocol != b.protocol:
                return False
            if a.service == b.service and a.where == b.where:
                return False  # one written entry (an expanded range)
            if a.service == b.service and (a.host_ip, a.first, a.target) == (
                    b.host_ip, b.first, b.target):
                return False  # the same binding twice: Compose merges them
            return stack or interfaces_overlap(a.host_ip, b.host_ip)

        by_port: dict[tuple[int | None, str], list[Binding]] = {}
        for b in fixed:
            entry = (b.service, *b.where)
            earlier = by_port.setdefault((b.first, b.protocol), [])
            other = next((c for c in earlier if clash(b, c)), None)
            earlier.append(b)
            if other is None or entry in reported:
                continue
            reported.add(entry)
            yield self._finding(ctx, b, other, b.first)
        for b in found:
            if not b.dynamic or b.first is None or b.last is None:
                continue
            takers = []
            for port in range(b.first, b.last + 1):
                taker = next((c for c in by_port.get((port, b.protocol), ()) if clash(b, c)),
                             None)
                if taker is None:
                    break
                takers.append(taker)
            else:
                yield self._finding(ctx, b, takers[0], None)

    def _finding(self, ctx: LintContext, b: Binding, other: Binding,
                 port: int | None) -> Diagnostic:
        path, span = other.where
        where = f"{relative_to_file(path, b.where[0])}:{span.line}"
        by = "another entry of the same service" if other.service == b.service \
            else f"service '{other.service}'"
        on = f" on {b.host_ip}" if b.host_ip and ctx.target is not Runtime.STACK else ""
        if port is not None:
            message = (f"Host port {port}/{b.protocol}{on} of service '{b.service}' is already "
                       f"published by {by} ({where})")
        else:
            message = (f"Every host port of the range {b.first}-{b.last}/{b.protocol}{on} of "
                       f"service '{b.service}' is already published (first by {by}, {where})")
        return ctx.report(self, b.parts, message,
                          help="Publish a different host port, or bind the two to different "
                               "host IPs")
