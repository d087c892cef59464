"""CK508 healthy-dependency-healthcheck-disabled: waiting for health that is switched off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import (
    dependencies,
    healthcheck_state,
    services,
    svc_path,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HealthyDependencyHealthcheckDisabled(Rule):
    """## What it does
    Flags `depends_on` with `condition: service_healthy` on a service whose
    healthcheck is switched off (`healthcheck: {disable: true}` or
    `test: ["NONE"]`).

    ## Why is this bad?
    Switching the healthcheck off also removes any `HEALTHCHECK` of the
    image, so the dependency can never become healthy and `docker compose
    up` always fails: "dependency failed to start: container ... has no
    healthcheck configured".

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:1.4
        depends_on:
          cache:
            condition: service_healthy
      cache:
        image: redis:7.2
        healthcheck:
          disable: true
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:1.4
        depends_on:
          cache:
            condition: service_healthy
      cache:
        image: redis:7.2
        healthcheck:
          test: ["CMD", "redis-cli", "ping"]
    ```

    ## Known problems
    A dependency marked `required: false` is skipped (Compose only warns).
    The healthcheck may be switched off by an override file on purpose;
    then the condition there should change too.

    ## References
    - Verified with Compose v2.40 on Docker Engine 20.10, for both
      `disable: true` and `test: ["NONE"]`.
    - https://docs.docker.com/reference/compose-file/services/#healthcheck
    """

    code = "CK508"
    name = "healthy-dependency-healthcheck-disabled"
    severity = Severity.ERROR
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
                if healthcheck_state(target) != "disabled":
                    continue
                yield ctx.report(
                    self, svc_path(name, "depends_on", dep, "condition"),
                    f"Service '{name}' waits for '{dep}' to be healthy, but the healthcheck "
                    f"of '{dep}' is disabled; 'docker compose up' always fails",
                    help=f"Enable a healthcheck on '{dep}', or wait with "
                         "condition: service_started")
