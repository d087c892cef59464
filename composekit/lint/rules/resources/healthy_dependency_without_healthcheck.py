"""CK507 healthy-dependency-without-healthcheck: waiting for a health status nobody reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import (
    dependencies,
    dockerfile_healthcheck,
    healthcheck_state,
    services,
    svc_path,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HealthyDependencyWithoutHealthcheck(Rule):
    """## What it does
    Flags `depends_on` with `condition: service_healthy` on a service that
    defines no `healthcheck` in the Compose files, and whose own Dockerfile
    (when the linter can read it) has no `HEALTHCHECK` either.

    ## Why is this bad?
    Compose waits for the dependency to report *healthy*. A container with
    no healthcheck never does: Compose v2 fails with "dependency failed to
    start: container ... has no healthcheck configured", docker-compose 1.x
    with 'Service "db" is missing a healthcheck configuration'.

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:1.4
        depends_on:
          db:
            condition: service_healthy
      db:
        image: postgres:16
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:1.4
        depends_on:
          db:
            condition: service_healthy
      db:
        image: postgres:16
        healthcheck:
          test: ["CMD", "pg_isready", "-U", "postgres"]
          interval: 5s
    ```

    ## Known problems
    An image may bring its own `HEALTHCHECK`, which satisfies the condition;
    the linter reads the Dockerfile of a local build context (or
    `dockerfile_inline`) but not images from a registry, hence a warning.
    A dependency marked `required: false` is skipped (Compose only warns).
    A healthcheck that is switched off is CK508.

    ## References
    - Verified with Compose v2.40 and docker-compose 1.26.2 on Docker Engine
      20.10 (both messages above); with an image whose Dockerfile has a
      `HEALTHCHECK`, `up` succeeds.
    - https://docs.docker.com/compose/how-tos/startup-order/
    """

    code = "CK507"
    name = "healthy-dependency-without-healthcheck"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        all_services = dict(services(ctx))
        for name, svc in all_services.items():
            for dep, condition in dependencies(svc):
                target = all_services.get(dep)
                if condition != "service_healthy" or target is None:
                    continue
                if (svc.get("depends_on") or {}).get(dep, {}).get("required") is False:
                    continue
                if healthcheck_state(target) != "absent":
                    continue
                if dockerfile_healthcheck(target):
                    continue
                yield ctx.report(
                    self, svc_path(name, "depends_on", dep, "condition"),
                    f"Service '{name}' waits for '{dep}' to be healthy, but '{dep}' defines "
                    "no healthcheck; Compose fails unless its image has one",
                    help=f"Add a healthcheck to '{dep}', or wait with "
                         "condition: service_started")
