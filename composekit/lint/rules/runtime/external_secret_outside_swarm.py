"""CK606 external-secret-outside-swarm: a service uses an external secret or config
without swarm."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import services, svc_path

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class ExternalSecretOutsideSwarm(Rule):
    """## What it does
    Flags a service that uses a secret (or, for Compose v2, a config)
    declared `external: true`, when the target is Compose.

    ## Why is this bad?
    External secrets and configs live in a swarm's store. Compose runs
    plain containers and mounts secrets from files, so it has nothing to
    mount: Compose v2 fails at `up` ("unsupported external secret db_pass",
    "unsupported external config ..."), and docker-compose 1.x starts the
    container without the secret ('External secrets are not available to
    containers created by docker-compose').

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        secrets:
          - db_pass
    secrets:
      db_pass:
        external: true
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        secrets:
          - db_pass
    secrets:
      db_pass:
        file: ./secrets/db_pass.txt
    ```

    ## Known problems
    `docker compose config` accepts the file: the failure comes at `up`.
    docker-compose 1.x ignores `configs` altogether (CK604).

    ## References
    - Verified with Compose v2.40 on Docker Engine 20.10 (both messages at
      `up`, `config` passes) and docker-compose 1.26.2 (the warning, and the
      container has no /run/secrets entry for it).
    - https://docs.docker.com/compose/how-tos/use-secrets/
    """

    code = "CK606"
    name = "external-secret-outside-swarm"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        kinds = ["secrets"] if ctx.target is Runtime.COMPOSE_V1 else ["secrets", "configs"]
        for kind in kinds:
            declared = ctx.config.get(kind)
            if not isinstance(declared, dict):
                continue
            external = {str(k): str(v.get("name") or k) for k, v in declared.items()
                        if isinstance(v, dict) and v.get("external") is True}
            if not external:
                continue
            what = kind[:-1]
            for name, svc in services(ctx):
                refs = svc.get(kind)
                if not isinstance(refs, list):
                    continue
                for i, ref in enumerate(refs):
                    source = ref.get("source") if isinstance(ref, dict) else ref
                    if source not in external:
                        continue
                    if ctx.target is Runtime.COMPOSE_V1:
                        message = (f"Service '{name}' uses external {what} '{source}', which "
                                   "docker-compose 1.x cannot provide: the container starts "
                                   f"without it")
                    else:
                        message = (f"Service '{name}' uses external {what} '{source}': Compose "
                                   f"fails at 'up' (\"unsupported external {what} "
                                   f"{external[source]}\")")
                    yield ctx.report(
                        self, svc_path(name, kind, i), message,
                        help=f"Declare the {what} with `file:` (or `environment:`) for "
                             "Compose, or deploy with docker stack deploy")
