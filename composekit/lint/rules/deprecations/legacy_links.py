"""CK902 legacy-links: `links` and `external_links`, Docker's legacy container links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_HELP = {
    "links": "Remove it: services on a shared network reach each other by service name; "
             "use depends_on for start-up order and networks.<net>.aliases for other names",
    "external_links": "Attach the service to the other container's network (declared "
                      "external) and use its name",
}


class LegacyLinks(Rule):
    """## What it does
    Flags `links` and `external_links` on a service.

    ## Why is this bad?
    They are Docker's legacy container links, which Docker documents as
    a legacy feature that may eventually be removed. In a Compose project
    every service already reaches the others by service name on the
    project network; `links` only adds an implicit start-up dependency and
    an alias, both better said with `depends_on` and network `aliases`.
    `external_links` works only if the outside container shares a network
    with the service, which is exactly what an external network states
    directly. `docker stack deploy` ignores both (CK603).

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:1.4
        links:
          - db:database
      db:
        image: postgres:16
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:1.4
        depends_on:
          - db
      db:
        image: postgres:16
        networks:
          default:
            aliases:
              - database
    ```

    ## Known problems
    Informational: links still work in Compose v2 and docker-compose 1.x.
    On the default bridge network (`network_mode: bridge`) and in legacy v1
    files (no networks) links are the only way to resolve names; the rule
    stays quiet there.

    ## References
    - https://docs.docker.com/engine/network/links/ ("a legacy feature")
    - https://docs.docker.com/reference/compose-file/services/#links
    """

    code = "CK902"
    name = "legacy-links"
    severity = Severity.INFO
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in ctx.services.items():
            if not isinstance(svc, dict) or svc.get("network_mode") == "bridge":
                continue
            for key in ("links", "external_links"):
                parts = ("services", name, key)
                if not svc.get(key) or ctx.project.origins.get(parts) is None:
                    continue
                fmt = ctx.format_of(ctx.position(parts)[0])
                if fmt is not None and fmt.version == "1":
                    continue  # legacy v1 files have no networks: links are how names resolve
                yield ctx.report(
                    self, parts,
                    f"Service '{name}' uses `{key}`, Docker's legacy container links",
                    key=True, help=_HELP[key])
