"""CK406 ports-on-internal-network."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime


class PortsOnInternalNetwork(Rule):
    """
    ## What it does
    Checks for services that publish `ports` while every network they are
    attached to is `internal: true`.

    ## Why is this bad?
    An internal network has no route to the outside, and the Engine does not
    set up port publishing for a container that is only on internal networks:
    the container starts, `docker compose ps` shows no published port, and
    nothing answers on the host port, without any error or warning.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:2.1
        networks: [backend]
        ports:
          - "127.0.0.1:8080:8080"
    networks:
      backend:
        internal: true
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: example/api:2.1
        networks: [backend, frontend]
        ports:
          - "127.0.0.1:8080:8080"
    networks:
      backend:
        internal: true
      frontend: {}
    ```

    ## Known problems
    Measured with Compose v2.40 on Engine 20.10: a service on an internal
    network and a normal one gets its ports published; one on internal
    networks only does not. Swarm publishes through its ingress network
    instead, so the rule does not run for `--target stack`.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    """

    code = "CK406"
    name = "ports-on-internal-network"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        declared = ctx.config.get("networks")
        if not isinstance(declared, Mapping):
            return
        for service, svc in ctx.services.items():
            if not isinstance(svc, dict) or svc.get("network_mode") or not svc.get("ports"):
                continue
            networks = svc.get("networks")
            names = list(networks) if isinstance(networks, Mapping) else ["default"]
            if not names:
                continue
            internal = []
            for name in names:
                net = declared.get(name)
                if not isinstance(net, Mapping) or net.get("internal") is not True:
                    break
                internal.append(str(name))
            else:
                listed = ", ".join(f"'{n}'" for n in internal)
                yield ctx.report(
                    self, ("services", service, "ports"),
                    f"Ports of service '{service}' are not published: its only "
                    f"network{'s are' if len(internal) > 1 else ' is'} internal ({listed})",
                    key=True,
                    help="Attach the service to a network that is not internal as well, or "
                         "drop the ports")
