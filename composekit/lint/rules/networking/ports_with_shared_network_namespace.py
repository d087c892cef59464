"""CK405 ports-with-shared-network-namespace."""

from __future__ import annotations

from collections.abc import Iterator

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime


class PortsWithSharedNetworkNamespace(Rule):
    """
    ## What it does
    Checks for services that set `ports` or `expose` while joining another
    container's network stack with `network_mode: service:<name>` or
    `network_mode: container:<name>`.

    ## Why is this bad?
    Such a container has no network of its own: it shares the other
    container's interfaces and ports. The Engine refuses to create it, and
    `docker compose up` fails with `conflicting options: port publishing and
    the container type network mode` (for `ports`) or `... port exposing and
    the container type network mode` (for `expose`). Ports must be published
    on the service that owns the network stack.

    ## Example
    ```yaml
    services:
      vpn:
        image: example/vpn:1.0
      app:
        image: example/app:2.0
        network_mode: service:vpn
        ports:
          - "127.0.0.1:8080:8080"
    ```

    ## Use instead:
    ```yaml
    services:
      vpn:
        image: example/vpn:1.0
        ports:
          - "127.0.0.1:8080:8080"
      app:
        image: example/app:2.0
        network_mode: service:vpn
    ```

    ## Known problems
    Measured with Compose v2.40 on Engine 20.10, which refuse both keys.
    `docker stack deploy` ignores `network_mode`, so the rule does not run for
    `--target stack`.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - moby `runconfig` errors `ErrConflictNetworkPublishPorts` and
      `ErrConflictNetworkExposePorts`.
    """

    code = "CK405"
    name = "ports-with-shared-network-namespace"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for service, svc in ctx.services.items():
            if not isinstance(svc, dict):
                continue
            mode = svc.get("network_mode")
            if not isinstance(mode, str) or not mode.startswith(("service:", "container:")):
                continue
            owner = mode.partition(":")[2]
            for key, verb in (("ports", "publish"), ("expose", "expose")):
                if not svc.get(key):
                    continue
                yield ctx.report(
                    self, ("services", service, key),
                    f"Service '{service}' cannot {verb} ports: it shares the network stack of "
                    f"{mode.partition(':')[0]} '{owner}' (network_mode: {mode}); the Engine "
                    "refuses to create it",
                    key=True,
                    help=f"Move the {key} entries to the service that owns the network stack")
