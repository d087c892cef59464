"""CK316 writable-root-filesystem: the container's root file system is writable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.security._support import (
    insert_service_key,
    scalar_token,
    service_block,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_FALSE_WORDS = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})


class WritableRootFilesystem(Rule):
    """## What it does
    Flags a service without `read_only: true`.

    ## Why is this bad?
    With a writable root file system, anyone who gets code execution in the
    container can replace its binaries and libraries, drop tools and
    persist until the container is re-created. A read-only root, with
    `tmpfs` or volumes for the few directories the service writes to, makes
    the container immutable at run time and the writable places explicit.

    This is hardening that most Compose files do not have, so the finding
    is `info`: it does not fail the default `--fail-on warning`.

    ## Example
    ```yaml
    services:
      api:
        image: acme/api:2.4
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: acme/api:2.4
        read_only: true
        tmpfs:
          - /tmp
    ```

    ## Fix safety
    The fix sets `read_only: true` (adds the key as the service's first key,
    or rewrites `read_only: false`). It is **unsafe**: a service that
    writes to its file system (`/tmp`, caches, pid files) fails until those
    paths get a `tmpfs` or a volume.

    ## Known problems
    Whether a service can run read-only depends on the image; test it.
    Privileged services are left to `privileged-container` (CK302): they can
    remount their root file system anyway.

    ## References
    - Covers compose-lint `CL-0007` (filesystem not read-only).
    - https://docs.docker.com/reference/compose-file/services/#read_only
    """

    code = "CK316"
    name = "writable-root-filesystem"
    severity = Severity.INFO
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        help = "Set 'read_only: true' and give the paths the service writes a tmpfs or a volume"
        for name, svc in services(ctx):
            value = svc.get("read_only")
            if value is True or svc.get("privileged") is True:
                continue
            parts = service_path(name, "read_only")
            # the canonical view drops 'read_only: false'; the origins table still has it
            if "read_only" in svc or parts in ctx.project.origins:
                yield ctx.report(self, parts,
                                 f"Service '{name}' sets 'read_only: false': its root file "
                                 "system is writable", help=help, fix=self._rewrite(ctx, parts))
            else:
                yield ctx.report(self, service_path(name),
                                 f"Service '{name}' has a writable root file system",
                                 key=True, help=help, fix=self._add(ctx, name))

    @staticmethod
    def _rewrite(ctx: LintContext, parts: tuple[str | int, ...]) -> Fix | None:
        origin = ctx.project.origins.get(parts)
        if origin is None:
            return None
        token = scalar_token(ctx.documents[origin.path].text, origin.span)
        # a quoted "false" is a string, not a boolean: left to the schema
        if token is None or token[0] not in _FALSE_WORDS:
            return None
        return Fix("Set 'read_only: true'", (Edit(token[1], "true"),), safe=False)

    @staticmethod
    def _add(ctx: LintContext, name: str) -> Fix | None:
        block = service_block(ctx, name)
        if block is None:
            return None
        return Fix("Add 'read_only: true'", (insert_service_key(ctx, block, "read_only: true"),),
                   safe=False)
