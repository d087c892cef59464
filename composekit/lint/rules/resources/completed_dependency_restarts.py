"""CK509 completed-dependency-restarts: a one-shot service that is restarted when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import dependencies, dig, services, svc_path

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class CompletedDependencyRestarts(Rule):
    """## What it does
    Flags a service that other services wait for with `condition:
    service_completed_successfully` while its restart policy restarts it
    after a successful exit: `restart: always` or `unless-stopped`, or
    `deploy.restart_policy.condition: any` without `restart`.

    ## Why is this bad?
    `service_completed_successfully` waits for the container to exit with
    status 0. With such a restart policy the engine starts it again at
    once, so Compose never sees it exited: `docker compose up` waits
    forever, the dependent services are never started, and the one-shot job
    (a migration, a seeder) runs again and again.

    ## Example
    ```yaml
    services:
      migrate:
        image: acme/api:1.4
        command: ["./manage.py", "migrate"]
        restart: unless-stopped
      api:
        image: acme/api:1.4
        depends_on:
          migrate:
            condition: service_completed_successfully
    ```

    ## Use instead:
    ```yaml
    services:
      migrate:
        image: acme/api:1.4
        command: ["./manage.py", "migrate"]
        restart: on-failure
      api:
        image: acme/api:1.4
        depends_on:
          migrate:
            condition: service_completed_successfully
    ```

    ## Known problems
    `restart: on-failure` and `"no"` are fine: neither restarts a container
    that exited with status 0.

    ## References
    - Verified with Compose v2.40 on Docker Engine 20.10: with `restart:
      unless-stopped` on the awaited service, `docker compose up` did not
      return within 60 seconds (the container restarted 9 times) and the
      dependent container stayed "Created". `deploy.restart_policy.condition:
      any` becomes the engine's `always` policy.
    - https://docs.docker.com/reference/compose-file/services/#depends_on
    """

    code = "CK509"
    name = "completed-dependency-restarts"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        all_services = dict(services(ctx))
        waiters: dict[str, list[str]] = {}
        for name, svc in all_services.items():
            for dep, condition in dependencies(svc):
                if condition == "service_completed_successfully" and dep in all_services:
                    waiters.setdefault(dep, []).append(name)
        for dep, names in waiters.items():
            svc = all_services[dep]
            restart = svc.get("restart")
            if restart in ("always", "unless-stopped"):
                parts = svc_path(dep, "restart")
                policy = f"restart: {restart}"
            elif restart is None and dig(svc, "deploy", "restart_policy", "condition") == "any":
                parts = svc_path(dep, "deploy", "restart_policy", "condition")
                policy = "deploy.restart_policy.condition: any"
            else:
                continue
            who = ", ".join(f"'{n}'" for n in sorted(names))
            verb = "waits" if len(names) == 1 else "wait"
            yield ctx.report(
                self, parts,
                f"Service '{dep}' has {policy}, but {who} {verb} for it to complete: it is "
                "restarted after it exits, so 'docker compose up' waits forever",
                help="Use restart: on-failure (or no restart policy) for a one-shot service")
