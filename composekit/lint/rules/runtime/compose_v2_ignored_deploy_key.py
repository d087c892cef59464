"""CK605 compose-v2-ignored-deploy-key: swarm-only `deploy` settings under Compose v2."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import dig, services, svc_path, written

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

#: ``deploy`` sub-keys Compose v2 does not apply, with what they would have done.
IGNORED_DEPLOY_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("placement",), "placement constraints and preferences need a swarm"),
    (("update_config",), "Compose recreates containers its own way (stop, then start)"),
    (("rollback_config",), "Compose has no rollback"),
    (("endpoint_mode",), "Compose has no service VIP: the service name resolves to the "
                         "containers"),
    (("labels",), "these are service labels, not container labels; use `labels:` for "
                  "the containers"),
    (("restart_policy", "delay"), "the engine's restart policy has no delay"),
    (("restart_policy", "window"), "the engine's restart policy has no window"),
    (("resources", "reservations", "cpus"), "the engine has no CPU reservation"),
)


class ComposeV2IgnoredDeployKey(Rule):
    """## What it does
    Flags `deploy` settings that `docker compose up` does not apply:
    `placement`, `update_config`, `rollback_config`, `endpoint_mode`,
    `labels`, `restart_policy.delay`, `restart_policy.window` and
    `resources.reservations.cpus`.

    ## Why is this bad?
    Compose v2 honours part of `deploy:` (`replicas`, `resources.limits`,
    memory and device reservations, `restart_policy.condition` and
    `max_attempts`), so it is easy to believe the rest works too. It does
    not: `update_config: {order: start-first}` gives no zero-downtime
    update, placement constraints constrain nothing, and `deploy.labels`
    never reach the containers.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
        deploy:
          replicas: 2
          update_config:
            order: start-first
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        deploy:
          replicas: 2
    ```

    ## Known problems
    A file shared with `docker stack deploy` keeps these keys for swarm on
    purpose: lint it with `--target stack`, or silence the rule. `mode:
    global` is not reported: on one engine it runs one container, which is
    what global means there.

    ## References
    - Verified with Compose v2.40 on Docker Engine 20.10: with every key
      above set, the containers get the memory and CPU limits, the memory
      reservation, the pids limit, two replicas and an `on-failure` restart
      policy with 3 attempts, and none of the `deploy.labels`; recreating a
      service with `update_config.order: start-first` stops the old container
      before the new one starts, exactly as without it.
    - https://docs.docker.com/reference/compose-file/deploy/
    """

    code = "CK605"
    name = "compose-v2-ignored-deploy-key"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            deploy = svc.get("deploy")
            if not isinstance(deploy, dict):
                continue
            for keys, why in IGNORED_DEPLOY_KEYS:
                value = dig(deploy, *keys)
                if value is None or value == {} or value == []:
                    continue
                parts = svc_path(name, "deploy", *keys)
                if not written(ctx, parts):
                    continue
                dotted = "deploy." + ".".join(keys)
                yield ctx.report(
                    self, parts,
                    f"Compose v2 ignores `{dotted}` (service '{name}'): {why}",
                    key=True,
                    help="Remove it, or lint with --target stack if the file is for "
                         "docker stack deploy")
