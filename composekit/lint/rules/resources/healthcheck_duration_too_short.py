"""CK506 healthcheck-duration-too-short: a healthcheck duration under 1ms (or negative)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
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

_KEYS = ("interval", "timeout", "start_period", "start_interval")
#: How the engine names the fields in its error message.
_ENGINE_NAMES = {"interval": "Interval", "timeout": "Timeout", "start_period": "StartPeriod",
                 "start_interval": "StartInterval"}


class HealthcheckDurationTooShort(Rule):
    """## What it does
    Flags a healthcheck `interval`, `timeout`, `start_period` or
    `start_interval` that is negative or shorter than one millisecond (but
    not zero).

    ## Why is this bad?
    Compose accepts the value, but the Docker Engine refuses to create the
    container ("Interval in Healthcheck cannot be less than 1ms"), so
    `docker compose up` fails. A value like `500us` is usually a typo for
    `500ms`.

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:1.4
        healthcheck:
          test: ["CMD", "/healthcheck"]
          interval: 500us
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:1.4
        healthcheck:
          test: ["CMD", "/healthcheck"]
          interval: 500ms
    ```

    ## Known problems
    Durations that do not parse at all are reported by the schema check
    (CK027); zero values by CK505. Checked for the Docker runtimes (Compose
    and `docker stack deploy`, whose tasks are created by the same engine),
    not for a Kubernetes conversion, where probes count in seconds.

    ## References
    - Verified with Compose v2.40 and Docker Engine 20.10: `interval: 500us`,
      `timeout: -1s` and `start_period: 100us` pass `docker compose config`
      and fail `docker compose up` with "... in Healthcheck cannot be less
      than 1ms"; `interval: 1ms` is accepted.
    """

    code = "CK506"
    name = "healthcheck-duration-too-short"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if healthcheck_state(svc) == "disabled":
                continue
            hc = svc.get("healthcheck") or {}
            for key in _KEYS:
                ns = duration_ns(hc.get(key))
                if ns is None or ns == 0 or ns >= ENGINE_MIN_PROBE_NS:
                    continue
                yield ctx.report(
                    self, svc_path(name, "healthcheck", key),
                    f"Healthcheck {key} of service '{name}' is {human_ns(ns)}; the engine "
                    f"refuses it ({_ENGINE_NAMES[key]} in Healthcheck cannot be less than 1ms)",
                    help="Use a duration of at least 1ms (were ms meant?)")
