"""CK309 host-network-mode: ``network_mode: host``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HostNetworkMode(Rule):
    """## What it does
    Flags `network_mode: host`.

    ## Why is this bad?
    The container shares the host's network stack: every port it listens on
    is open on every host interface (no `ports` mapping, no Docker firewall
    rules), it can reach services bound to the host's `localhost` (admin
    interfaces, cloud metadata proxies, the Docker API on TCP), and with
    `NET_ADMIN` it can reconfigure the host's interfaces and firewall.
    Network isolation between this service and everything else is gone.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27.2
        network_mode: host
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27.2
        ports:
          - "127.0.0.1:8080:80"
    ```

    ## Known problems
    Some workloads need it (DHCP or mDNS servers, very high packet rates);
    keep it with an inline ignore and a reason. Not reported under
    `--target stack`, which ignores `network_mode`.

    ## References
    - Covers compose-lint `CL-0008` (host network mode).
    - https://docs.docker.com/engine/network/drivers/host/
    """

    code = "CK309"
    name = "host-network-mode"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if svc.get("network_mode") == "host":
                yield ctx.report(
                    self, service_path(name, "network_mode"),
                    f"Service '{name}' uses the host's network stack: it is not isolated "
                    "from the host network",
                    help="Use a bridge network and publish only the ports needed")
