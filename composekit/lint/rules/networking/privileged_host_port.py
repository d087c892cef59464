"""CK403 privileged-host-port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.networking._ports import bindings, written_once

#: Host ports below this are privileged on Linux (``net.ipv4.ip_unprivileged_port_start``).
PRIVILEGED_BELOW = 1024


@dataclass(frozen=True)
class Options:
    """``allow``: host ports below 1024 that are fine to publish (e.g. ``[80, 443]``)."""

    allow: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.allow, str | int) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in self.allow):
            raise ValueError("allow must be a list of port numbers")


class PrivilegedHostPort(Rule):
    """
    ## What it does
    Checks for ports published on a host port below 1024.

    ## Why is this bad?
    Ports below 1024 are privileged on Linux. Rootless Docker and rootless
    Podman cannot bind them unless the host lowers
    `net.ipv4.ip_unprivileged_port_start` or grants `CAP_NET_BIND_SERVICE`
    to rootlesskit, so the stack fails to start there; on a shared host they
    are also the ports system services (sshd, a web server, DNS) already
    hold. Publishing a high port and letting a proxy or the load balancer map
    80/443 to it avoids both.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "127.0.0.1:80:80"
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "127.0.0.1:8080:80"
    ```

    ## Options
    - `allow` (list of ports, default `[]`): privileged host ports that are
      meant to be published, such as `[80, 443]` for a reverse proxy.

    ## Known problems
    Rootful Docker binds these ports without trouble: the finding is
    informational. A host port range is reported when it starts below 1024.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Docker docs, "Run the Docker daemon as a non-root user (Rootless mode)":
      exposing privileged ports.
    """

    code = "CK403"
    name = "privileged-host-port"
    severity = Severity.INFO
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.STACK})
    Options = Options

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        allow = set(self.options.allow)
        for b in written_once(bindings(ctx)):
            if b.first is None or b.first >= PRIVILEGED_BELOW or b.first in allow:
                continue
            if b.first == 0:
                continue
            yield ctx.report(
                self, b.parts,
                f"Host port {b.published_text()}/{b.protocol} of service '{b.service}' is a "
                "privileged port (below 1024)",
                help="Publish a port of 1024 or above (rootless Docker cannot bind lower "
                     "ones), or add it to the rule's allow option")
