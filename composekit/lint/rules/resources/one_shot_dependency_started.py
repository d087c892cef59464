"""CK510 one-shot-dependency-started: only waiting for a one-shot service to start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import (
    dependencies,
    services,
    svc_path,
    written_depends_on,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class OneShotDependencyStarted(Rule):
    """## What it does
    Flags `depends_on` entries that wait only for a service to *start*
    (`condition: service_started`, or the short list form) when other
    services wait for that same service to *complete* (`condition:
    service_completed_successfully`), which marks it as a one-shot job.

    ## Why is this bad?
    A one-shot job (a migration, a seeder, a bucket creator) is useful to
    its dependents only once it has finished. `service_started` lets the
    dependent start while the job still runs, so on a fast machine it works
    and on a slow one it races: the application starts against a schema
    that is not migrated yet. The other dependents show the intent.

    ## Example
    ```yaml
    services:
      migrate:
        image: acme/api:1.4
        command: ["./manage.py", "migrate"]
      api:
        image: acme/api:1.4
        depends_on:
          migrate:
            condition: service_completed_successfully
      worker:
        image: acme/api:1.4
        command: ["./manage.py", "worker"]
        depends_on:
          - migrate
    ```

    ## Use instead:
    ```yaml
    services:
      migrate:
        image: acme/api:1.4
        command: ["./manage.py", "migrate"]
      api:
        image: acme/api:1.4
        depends_on:
          migrate:
            condition: service_completed_successfully
      worker:
        image: acme/api:1.4
        command: ["./manage.py", "worker"]
        depends_on:
          migrate:
            condition: service_completed_successfully
    ```

    ## Known problems
    A one-shot service is recognised only through a
    `service_completed_successfully` dependency: what a command does is not
    visible in the file. For the same reason the linter cannot tell that
    `docker compose up --wait` will fail on a one-shot service nobody waits
    to complete (Compose v2.40 fails with "container ... exited (0)"; it
    accepts the exit when a dependent waits for completion).

    ## References
    - Verified with Compose v2.40 on Docker Engine 20.10: `up --wait`
      returns 0 when a dependent waits with `service_completed_successfully`,
      and 1 ("exited (0)") when the job is only waited on with
      `service_started` or not at all.
    - https://docs.docker.com/compose/how-tos/startup-order/
    """

    code = "CK510"
    name = "one-shot-dependency-started"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        all_services = dict(services(ctx))
        one_shot: dict[str, str] = {}
        for name, svc in all_services.items():
            for dep, condition in dependencies(svc):
                if condition == "service_completed_successfully":
                    one_shot.setdefault(dep, name)
        for name, svc in all_services.items():
            for dep, condition in dependencies(svc):
                if dep not in one_shot or condition != "service_started":
                    continue
                if not written_depends_on(ctx, name, dep):
                    continue  # implied by links, volumes_from or a service: namespace
                parts = svc_path(name, "depends_on", dep)
                if ctx.project.origins.get((*parts, "condition")) is not None:
                    where = ctx.position((*parts, "condition"))
                    if where != ctx.position(parts):
                        parts = (*parts, "condition")
                yield ctx.report(
                    self, parts,
                    f"Service '{name}' waits only for '{dep}' to start, but '{dep}' is a "
                    f"one-shot service ('{one_shot[dep]}' waits for it to complete)",
                    help="Use condition: service_completed_successfully")
