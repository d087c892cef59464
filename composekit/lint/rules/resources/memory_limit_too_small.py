"""CK503 memory-limit-too-small: a memory limit or reservation under the engine's 6 MiB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import (
    ENGINE_MIN_MEMORY,
    deploy_applies,
    dig,
    human_bytes,
    services,
    size_bytes,
    svc_path,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_KEYS: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("mem_limit",), "memory limit", False),
    (("mem_reservation",), "memory reservation", False),
    (("deploy", "resources", "limits", "memory"), "memory limit", True),
    (("deploy", "resources", "reservations", "memory"), "memory reservation", True),
)


class MemoryLimitTooSmall(Rule):
    """## What it does
    Flags a memory limit or reservation (`mem_limit`, `mem_reservation`,
    `deploy.resources.limits.memory`, `deploy.resources.reservations.memory`)
    that is not zero but smaller than 6 MiB.

    ## Why is this bad?
    The Docker Engine refuses to create the container ("Minimum memory
    limit allowed is 6MB"), so `docker compose up` fails. Such a value is
    nearly always a missing unit: `mem_limit: 512` means 512 *bytes*, not
    512 megabytes.

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:1.4
        mem_limit: 512
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:1.4
        mem_limit: 512m
    ```

    ## Known problems
    For `docker-compose` 1.x only `mem_limit` and `mem_reservation` are
    checked (its `up` ignores `deploy:`). Not checked for `docker stack
    deploy` or Kubernetes, whose minimums differ.

    ## References
    - Verified with Docker Engine 20.10: "Minimum memory limit allowed is
      6MB" and "Minimum memory reservation allowed is 6MB" for 5 MiB, 4 MiB
      and 512 bytes; 6 MiB is accepted.
    - https://docs.docker.com/engine/containers/resource_constraints/#limit-a-containers-access-to-memory
    """

    code = "CK503"
    name = "memory-limit-too-small"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for keys, what, deploy in _KEYS:
                if deploy and not deploy_applies(ctx.target):
                    continue
                value = size_bytes(dig(svc, *keys))
                if value is None or value <= 0 or value >= ENGINE_MIN_MEMORY:
                    continue
                yield ctx.report(
                    self, svc_path(name, *keys),
                    f"Service '{name}' has a {what} of {human_bytes(value)}; the engine "
                    "refuses anything under 6 MiB",
                    help="Give the size a unit (for example 512m or 1g)")
