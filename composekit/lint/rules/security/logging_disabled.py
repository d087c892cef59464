"""CK319 logging-disabled: ``logging.driver: none``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruamel.yaml.comments import CommentedMap

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.security._support import (
    delete_lines,
    key_block_lines,
    node_of,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class LoggingDisabled(Rule):
    """## What it does
    Flags a service whose logging driver is `none`.

    ## Why is this bad?
    With the `none` driver the container's output is thrown away:
    `docker logs` shows nothing and no log shipper receives anything. After
    an incident there is no record of what the service did, and attackers
    like nothing better than a service with no audit trail.

    ## Example
    ```yaml
    services:
      worker:
        image: acme/worker:1.0
        logging:
          driver: none
    ```

    ## Use instead:
    ```yaml
    services:
      worker:
        image: acme/worker:1.0
        logging:
          driver: local
          options:
            max-size: 10m
    ```

    ## Fix safety
    The fix deletes the service's `logging` section, so the daemon's default
    driver applies. It is **unsafe**: logs start being written (with
    `json-file`, the usual default, without a size limit unless the daemon
    sets one), which uses disk space. It is offered when the section is
    written in block style in the service itself (not through an anchor
    shared with other services).

    ## Known problems
    Noisy services are sometimes silenced on purpose; a size-limited `local`
    driver is the better answer. Low risk on its own, so the finding is
    `info`.

    ## References
    - Covers compose-lint `CL-0014` (logging driver disabled).
    - https://docs.docker.com/engine/logging/configure/
    """

    code = "CK319"
    name = "logging-disabled"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            logging = svc.get("logging")
            if not isinstance(logging, dict) or logging.get("driver") != "none":
                continue
            parts = service_path(name, "logging", "driver")
            yield ctx.report(
                self, parts, f"Service '{name}' discards its logs (logging driver 'none')",
                help="Use a logging driver with a size limit (local, json-file with max-size)",
                fix=self._fix(ctx, name))

    @staticmethod
    def _fix(ctx: LintContext, name: str) -> Fix | None:
        driver = ctx.project.origins.get(service_path(name, "logging", "driver"))
        held = node_of(ctx, service_path(name, "logging"))
        if driver is None or held is None or held[0] != driver.path:
            return None
        path, mapping, key = held
        section = mapping.get(key)
        if not isinstance(section, CommentedMap) or section.get("driver") != "none":
            return None
        try:
            if tuple(section.lc.value("driver")) != (driver.span.line - 1, driver.span.column - 1):
                return None
        except (KeyError, TypeError, AttributeError):
            return None
        if not _is_service_mapping(ctx, path, mapping):
            return None
        text = ctx.documents[path].text
        block = key_block_lines(text, mapping, key)
        if block is None:
            return None
        return Fix("Remove the 'logging' section", (delete_lines(text, *block),), safe=False)


def _is_service_mapping(ctx: LintContext, path: str, mapping: CommentedMap) -> bool:
    """Whether ``mapping`` is a service of file ``path`` (not an ``x-`` anchor or defaults)."""
    return any(p == path and svc is mapping for p, _, svc in ctx.raw_services())
