"""CK512 fixed-host-port-on-scaled-service: one host port for several containers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import compose_scale, services, svc_path

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


def _host_ports(published: object) -> int | None:
    """How many host ports a ``published`` value offers; ``None`` for an ephemeral port."""
    if published is None or published == "" or published == "0" or published == 0:
        return None
    text = str(published)
    if "-" in text:
        lo, _, hi = text.partition("-")
        if lo.isdigit() and hi.isdigit() and int(hi) >= int(lo):
            return int(hi) - int(lo) + 1
        return None
    return 1 if text.isdigit() else None


class FixedHostPortOnScaledService(Rule):
    """## What it does
    Flags a published host port (or a host port range with fewer ports than
    containers) on a service that asks for more than one container
    (`deploy.replicas` or `scale` above 1).

    ## Why is this bad?
    A host port can be bound by one container only. The first replica gets
    it and the others fail to start: "Bind for 0.0.0.0:8080 failed: port is
    already allocated", and `docker compose up` exits with an error.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080:80"
        deploy:
          replicas: 2
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080-8081:80"
        deploy:
          replicas: 2
    ```

    ## Known problems
    Only for Compose: `docker stack deploy` publishes ports through the
    routing mesh, where replicas share a published port. An ephemeral port
    (`"80"`, `"127.0.0.1::80"`) is fine. `--scale` on the command line is not
    seen; docker-compose 1.x ignores `deploy.replicas`.

    ## References
    - Verified with Compose v2.40 on Docker Engine 20.10: with two replicas,
      `"127.0.0.1:18081:80"` fails the second container ("port is already
      allocated"), while a two-port range and ephemeral ports work.
    - https://docs.docker.com/reference/compose-file/services/#ports
    """

    code = "CK512"
    name = "fixed-host-port-on-scaled-service"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            ports = svc.get("ports")
            if not isinstance(ports, list) or not ports:
                continue
            scale = compose_scale(ctx, name, svc)
            if scale is None:
                continue
            key = ".".join(str(p) for p in scale.parts[2:])
            for i, port in enumerate(ports):
                if not isinstance(port, dict):
                    continue
                offered = _host_ports(port.get("published"))
                if offered is None or offered >= scale.count:
                    continue
                published = port.get("published")
                what = (f"host port {published}" if offered == 1
                        else f"host port range {published} ({offered} ports)")
                yield ctx.report(
                    self, svc_path(name, "ports", i),
                    f"Service '{name}' publishes {what} but asks for {scale.count} "
                    f"containers ({key}); only {offered} can bind it",
                    help="Publish a range with one port per container, let the engine pick "
                         "the host port (\"80\"), or run a single container")
