"""CK504 healthcheck-timeout-exceeds-interval: a check may run longer than its period."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.resources._support import (
    ENGINE_MIN_PROBE_NS,
    duration_ns,
    healthcheck_state,
    human_ns,
    services,
    svc_path,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HealthcheckTimeoutExceedsInterval(Rule):
    """## What it does
    Flags a healthcheck whose `timeout` is longer than its `interval`, when
    both are set.

    ## Why is this bad?
    The engine runs one check at a time and starts the next `interval`
    after the previous one ended, so a check that hangs holds the next one
    back for up to `timeout`: the service is checked far less often than
    `interval` says, and a hung service takes up to `retries` x (`interval`
    + `timeout`) to be marked unhealthy. Values like `interval: 5s,
    timeout: 30s` are usually swapped.

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:1.4
        healthcheck:
          test: ["CMD", "curl", "-fsS", "http://localhost:8080/health"]
          interval: 5s
          timeout: 30s
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:1.4
        healthcheck:
          test: ["CMD", "curl", "-fsS", "http://localhost:8080/health"]
          interval: 30s
          timeout: 5s
    ```

    ## Known problems
    Only values written in the Compose files are compared: an `interval` or
    `timeout` left out comes from the image's `HEALTHCHECK` or the engine's
    default (30s each), which the linter does not see. Equal values are
    accepted (that is the engine's default).

    ## References
    - https://docs.docker.com/reference/dockerfile/#healthcheck
    - https://docs.docker.com/reference/compose-file/services/#healthcheck
    """

    code = "CK504"
    name = "healthcheck-timeout-exceeds-interval"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if healthcheck_state(svc) == "disabled":
                continue
            hc = svc.get("healthcheck") or {}
            interval = duration_ns(hc.get("interval"))
            timeout = duration_ns(hc.get("timeout"))
            if interval is None or timeout is None:
                continue
            # zero means "the default" and sub-millisecond values are refused: CK505/CK506
            if interval < ENGINE_MIN_PROBE_NS or timeout < ENGINE_MIN_PROBE_NS:
                continue
            if timeout > interval:
                yield ctx.report(
                    self, svc_path(name, "healthcheck", "timeout"),
                    f"Healthcheck timeout of service '{name}' ({human_ns(timeout)}) is longer "
                    f"than its interval ({human_ns(interval)})",
                    help="Make the timeout shorter than the interval (were they swapped?)")
