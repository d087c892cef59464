"""CK502 conflicting-memory-limits: memory settings the Docker Engine refuses together."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import (
    KeyPath,
    deploy_applies,
    dig,
    human_bytes,
    services,
    size_bytes,
    svc_path,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


def _first(svc: Mapping[str, Any], name: str, candidates: list[tuple[str, ...]]
           ) -> tuple[int, KeyPath] | None:
    """The first candidate key with a positive size: ``(bytes, key path)``."""
    for keys in candidates:
        value = size_bytes(dig(svc, *keys))
        if value is not None and value > 0:
            return value, svc_path(name, *keys)
    return None


def _schema_requires_limit(ctx: LintContext, name: str) -> bool:
    from composekit.catalog import Family

    where, _ = ctx.position(svc_path(name, "memswap_limit"))
    fmt = ctx.format_of(where)
    return fmt is not None and fmt.family in (Family.V1, Family.V2)


class ConflictingMemoryLimits(Rule):
    """## What it does
    Flags memory settings that contradict each other: a memory reservation
    above the memory limit, a `memswap_limit` below the memory limit, or a
    `memswap_limit` without any memory limit.

    ## Why is this bad?
    The file loads, but the Docker Engine refuses to create the container,
    so `docker compose up` fails for that service:
    "Minimum memory limit can not be less than memory reservation limit",
    "Minimum memoryswap limit should be larger than memory limit" and "You
    should always set the Memory limit when using Memoryswap limit".
    Kubernetes likewise refuses a memory request above the limit.

    ## Example
    ```yaml
    services:
      cache:
        image: redis:7.2
        deploy:
          resources:
            limits:
              memory: 256M
            reservations:
              memory: 512M
    ```

    ## Use instead:
    ```yaml
    services:
      cache:
        image: redis:7.2
        deploy:
          resources:
            limits:
              memory: 512M
            reservations:
              memory: 256M
    ```

    ## Known problems
    The limit is `deploy.resources.limits.memory` or `mem_limit`, the
    reservation `deploy.resources.reservations.memory` or `mem_reservation`
    (Compose v2 refuses a file where `mem_limit` and the deploy limit
    differ: CK115). For `docker-compose` 1.x, whose `up` ignores `deploy:`,
    only `mem_limit`, `mem_reservation` and `memswap_limit` count.
    `memswap_limit: -1` (unlimited swap) is fine. Not checked for
    `docker stack deploy`.

    ## References
    - Verified with Docker Engine 20.10 (`docker compose up` and
      `docker-compose` 1.26.2): the three engine messages above.
    - Kubernetes API validation: a request "must be less than or equal to
      memory limit" (kubernetes/kubernetes#115434 documents it).
    - https://docs.docker.com/engine/containers/resource_constraints/#memory
    """

    code = "CK502"
    name = "conflicting-memory-limits"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        use_deploy = deploy_applies(ctx.target)
        limit_keys: list[tuple[str, ...]] = [("mem_limit",)]
        res_keys: list[tuple[str, ...]] = [("mem_reservation",)]
        if use_deploy:
            limit_keys.insert(0, ("deploy", "resources", "limits", "memory"))
            res_keys.insert(0, ("deploy", "resources", "reservations", "memory"))
        for name, svc in services(ctx):
            limit = _first(svc, name, limit_keys)
            reservation = _first(svc, name, res_keys)
            if limit and reservation and reservation[0] > limit[0]:
                yield ctx.report(
                    self, reservation[1],
                    f"Service '{name}' reserves {human_bytes(reservation[0])} of memory, more "
                    f"than its limit of {human_bytes(limit[0])}; the engine refuses to create "
                    "the container",
                    help="Lower the reservation to at most the limit, or raise the limit")
            if ctx.target is Runtime.KUBERNETES:
                continue
            swap = size_bytes(svc.get("memswap_limit"))
            if swap is None or swap <= 0:
                continue
            if limit is None:
                if _schema_requires_limit(ctx, name):
                    continue  # the 1/2.x schemas already say so (CK028)
                yield ctx.report(
                    self, svc_path(name, "memswap_limit"),
                    f"Service '{name}' sets memswap_limit without a memory limit; the engine "
                    "refuses to create the container",
                    key=True, help="Set a memory limit (mem_limit or "
                                   "deploy.resources.limits.memory), or remove memswap_limit")
            elif swap < limit[0]:
                yield ctx.report(
                    self, svc_path(name, "memswap_limit"),
                    f"Service '{name}' has memswap_limit {human_bytes(swap)}, below its memory "
                    f"limit of {human_bytes(limit[0])}; the engine refuses to create the "
                    "container",
                    help="memswap_limit is memory plus swap: set it to at least the memory "
                         "limit (equal means no swap)")
