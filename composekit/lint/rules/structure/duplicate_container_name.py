"""CK128 duplicate-container-name."""

from __future__ import annotations

from collections.abc import Iterator

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime


class DuplicateContainerName(Rule):
    """
    ## What it does
    Checks that no two enabled services of a project set the same
    `container_name`.

    ## Why is this bad?
    A container name is unique on a Docker host. Compose v2 refuses the
    project outright (`container name "x" is already in use by service ...`);
    docker-compose 1.x accepts the file and fails when it creates the second
    container.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:2.1
        container_name: backend
      worker:
        image: example/api:2.1
        container_name: backend
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: example/api:2.1
        container_name: backend-api
      worker:
        image: example/api:2.1
        container_name: backend-worker
    ```

    ## Known problems
    Only the services enabled by the active profiles are compared, as Compose
    does: two services in profiles that are never enabled together may share
    a name. Names are compared after interpolation.

    ## References
    - dclint `no-duplicate-container-names`
    """

    code = "CK128"
    name = "duplicate-container-name"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        named = []
        for service, svc in ctx.services.items():
            if not isinstance(svc, dict):
                continue
            value = svc.get("container_name")
            if not isinstance(value, str) or not value:
                continue
            path, span = ctx.position(("services", service, "container_name"))
            named.append(((ctx.project.files.index(path) if path in ctx.project.files
                           else len(ctx.project.files), span), service, value))
        named.sort(key=lambda item: item[0])
        first: dict[str, str] = {}
        for _, service, value in named:
            owner = first.setdefault(value, service)
            if owner == service:
                continue
            yield ctx.report(
                self, ("services", service, "container_name"),
                f"Container name '{value}' of service '{service}' is already used by "
                f"service '{owner}'",
                help="Give each service its own container_name, or drop container_name and "
                     "let Compose name the containers")
