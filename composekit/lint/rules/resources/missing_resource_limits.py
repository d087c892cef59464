"""CK501 missing-resource-limits: a service runs without a memory (or CPU) limit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import dig, services, size_bytes, svc_path

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


@dataclass(frozen=True)
class MissingResourceLimitsOptions:
    #: Report a service without a memory limit.
    require_memory: bool = True
    #: Report a service without a CPU limit.
    require_cpu: bool = True


def _memory_limited(svc: Mapping[str, Any], target: Runtime) -> bool:
    legacy = (size_bytes(svc.get("mem_limit")) or 0) > 0
    deploy = (size_bytes(dig(svc, "deploy", "resources", "limits", "memory")) or 0) > 0
    if target is Runtime.STACK:
        return deploy
    if target is Runtime.COMPOSE_V1:
        return legacy
    return legacy or deploy


def _positive(value: Any) -> bool:
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return False


def _cpu_limited(svc: Mapping[str, Any], target: Runtime) -> bool:
    deploy = _positive(dig(svc, "deploy", "resources", "limits", "cpus"))
    legacy = (_positive(svc.get("cpus")) or _positive(svc.get("cpu_quota"))
              or bool(svc.get("cpuset")))
    if target is Runtime.STACK:
        return deploy
    if target is Runtime.COMPOSE_V1:
        return legacy
    return legacy or deploy


class MissingResourceLimits(Rule):
    """## What it does
    Flags a service that sets no memory limit, or no CPU limit, for the
    target runtime: `mem_limit` or `deploy.resources.limits.memory`, and
    `cpus`, `cpu_quota`, `cpuset` or `deploy.resources.limits.cpus`.

    ## Why is this bad?
    A container without limits may take all the memory and CPU of the host.
    One leaking or busy service then starves the others, and the kernel's
    OOM killer picks a victim that may not be the culprit (even the Docker
    daemon). Limits make a misbehaving service fail alone, and visibly.

    ## Example
    ```yaml
    services:
      worker:
        image: acme/worker:2.3
    ```

    ## Use instead:
    ```yaml
    services:
      worker:
        image: acme/worker:2.3
        deploy:
          resources:
            limits:
              cpus: "1.5"
              memory: 512M
    ```

    ## Options
    - `require_memory` (boolean, default `true`): report a missing memory limit.
    - `require_cpu` (boolean, default `true`): report a missing CPU limit.

    ## Known problems
    The limits that count depend on the target: `docker-compose` 1.x ignores
    `deploy:` (a 3.x file can only limit resources with `--compatibility`),
    `docker stack deploy` reads only `deploy.resources`, and Compose v2 and
    Kubernetes conversions read both. Informational by default: many
    development stacks run fine without limits.

    ## References
    - Covers compose-lint CL-0026 (no resource limits).
    - https://docs.docker.com/reference/compose-file/deploy/#resources
    - https://docs.docker.com/engine/containers/resource_constraints/
    """

    code = "CK501"
    name = "missing-resource-limits"
    severity = Severity.INFO
    default_enabled = False
    Options = MissingResourceLimitsOptions

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            missing = []
            if self.options.require_memory and not _memory_limited(svc, ctx.target):
                missing.append("memory")
            if self.options.require_cpu and not _cpu_limited(svc, ctx.target):
                missing.append("CPU")
            if not missing:
                continue
            what = " and ".join(missing)
            if ctx.target is Runtime.COMPOSE_V1:
                help = ("Set mem_limit and cpus (2.x files); docker-compose 1.x ignores "
                        "deploy.resources unless run with --compatibility")
            elif ctx.target is Runtime.STACK:
                help = "Set deploy.resources.limits (memory, cpus)"
            else:
                help = "Set deploy.resources.limits (memory, cpus), or mem_limit and cpus"
            yield ctx.report(self, svc_path(name), f"Service '{name}' has no {what} limit",
                             key=True, help=help)
