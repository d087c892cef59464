"""CK404 ports-with-host-network."""

from __future__ import annotations

from collections.abc import Iterator

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime


class PortsWithHostNetwork(Rule):
    """
    ## What it does
    Checks for services that publish `ports` while using
    `network_mode: host`.

    ## Why is this bad?
    A container on the host network uses the host's own network stack: the
    ports its processes listen on are already the host's ports, and there is
    nothing to map. The Engine discards the published ports (Compose v2 prints
    `Published ports are discarded when using host network mode` and goes on);
    docker-compose 1.28 and later refuse the service (`"host" network_mode is
    incompatible with port_bindings`). The `ports` list suggests a mapping
    (`"8080:80"`) that does not happen: the service answers on port 80.

    ## Example
    ```yaml
    services:
      exporter:
        image: prom/node-exporter:v1.8.2
        network_mode: host
        ports:
          - "9100:9100"
    ```

    ## Use instead:
    ```yaml
    services:
      exporter:
        image: prom/node-exporter:v1.8.2
        network_mode: host
    ```

    ## Known problems
    Measured with Compose v2.40 on Engine 20.10. `docker stack deploy`
    ignores `network_mode` (and publishes the ports), so the rule does not run
    for `--target stack`.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - docker/compose#8308 (the warning), docker/compose#8326 (docker-compose
      1.28 refusing the combination).
    """

    code = "CK404"
    name = "ports-with-host-network"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for service, svc in ctx.services.items():
            if not isinstance(svc, dict) or svc.get("network_mode") != "host":
                continue
            if not svc.get("ports"):
                continue
            yield ctx.report(
                self, ("services", service, "ports"),
                f"Ports of service '{service}' are discarded: it uses the host's network "
                "(network_mode: host)",
                key=True,
                help="Remove the ports (the service listens on the host's ports directly), or "
                     "drop network_mode: host")
