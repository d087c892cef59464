"""CK511 container-name-on-scaled-service: a fixed container name with several replicas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import compose_scale, services, svc_path

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class ContainerNameOnScaledService(Rule):
    """## What it does
    Flags `container_name` on a service that asks for more than one
    container (`deploy.replicas` or `scale` above 1).

    ## Why is this bad?
    Container names are unique per engine, so only one container can have
    the name. Compose v2 refuses the whole project ("can't set
    container_name and web as container name must be unique"), even for
    `docker compose config`; docker-compose 1.x creates the first container
    and fails on the second ('The container name "/web" is already in
    use').

    ## Example
    ```yaml
    services:
      worker:
        image: acme/worker:2.3
        container_name: worker
        deploy:
          replicas: 3
    ```

    ## Use instead:
    ```yaml
    services:
      worker:
        image: acme/worker:2.3
        deploy:
          replicas: 3
    ```

    ## Known problems
    `docker compose up --scale worker=3` on the command line is not seen.
    docker-compose 1.x ignores `deploy.replicas` (only `scale` counts for
    it); `docker stack deploy` ignores `container_name` (CK603).

    ## References
    - Verified with Compose v2.40 (`config` and `up` refuse the project) and
      docker-compose 1.26.2 (the second container fails) on Docker Engine
      20.10.
    - https://docs.docker.com/reference/compose-file/services/#container_name
    """

    code = "CK511"
    name = "container-name-on-scaled-service"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if not svc.get("container_name"):
                continue
            scale = compose_scale(ctx, name, svc)
            if scale is None:
                continue
            key = ".".join(str(p) for p in scale.parts[2:])
            yield ctx.report(
                self, svc_path(name, "container_name"),
                f"Service '{name}' sets container_name '{svc['container_name']}' but asks for "
                f"{scale.count} containers ({key}); container names must be unique",
                key=True,
                help="Remove container_name, or run a single container")
