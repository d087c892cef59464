"""CK505 healthcheck-zero-value: `0s` or `retries: 0` in a healthcheck mean "the default"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.resources._support import (
    duration_ns,
    healthcheck_state,
    services,
    svc_path,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

#: What a zero turns into: the engine's default (when the image sets nothing).
_DEFAULTS = {
    "interval": "30s",
    "timeout": "30s",
    "start_interval": "5s",
    "retries": "3",
}


class HealthcheckZeroValue(Rule):
    """## What it does
    Flags `interval: 0s`, `timeout: 0s`, `start_interval: 0s` or
    `retries: 0` in a healthcheck.

    ## Why is this bad?
    For the Docker Engine, zero in these fields means "not set": the value
    comes from the image's `HEALTHCHECK`, else the engine's default
    (interval and timeout 30s, start interval 5s, 3 retries). So
    `retries: 0` does not mark the container unhealthy at the first
    failure, and `timeout: 0s` does not disable the timeout: the file says
    one thing and the engine does another.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        healthcheck:
          test: ["CMD", "pg_isready", "-U", "postgres"]
          interval: 5s
          retries: 0
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        healthcheck:
          test: ["CMD", "pg_isready", "-U", "postgres"]
          interval: 5s
          retries: 1
    ```

    ## Known problems
    `start_period: 0s` is not reported: zero is its default and means no
    start period. Checked for the Docker runtimes (Compose and `docker stack
    deploy`), not for a Kubernetes conversion, where probes have their own
    defaults.

    ## References
    - Verified with Compose v2.40 and Docker Engine 20.10: `retries: 0`
      and `interval: 0s` leave the fields out of the container's
      configuration, and a failing check with `retries: 0` still needs
      three failures to turn the container unhealthy.
    - Docker Engine API, `HealthConfig`: "0 means inherit".
    """

    code = "CK505"
    name = "healthcheck-zero-value"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if healthcheck_state(svc) == "disabled":
                continue
            hc = svc.get("healthcheck") or {}
            for key in ("interval", "timeout", "start_interval", "retries"):
                if key not in hc or hc[key] is None:
                    continue
                if key == "retries":
                    zero = hc[key] == 0 and not isinstance(hc[key], bool)
                else:
                    zero = duration_ns(hc[key]) == 0
                if not zero:
                    continue
                yield ctx.report(
                    self, svc_path(name, "healthcheck", key),
                    f"Healthcheck {key} of service '{name}' is 0, which the engine reads as "
                    f"unset: the image's value or the default ({_DEFAULTS[key]}) applies",
                    help=f"Set the {key} you want, or remove the line to use the default")
