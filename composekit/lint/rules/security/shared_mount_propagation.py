"""CK317 shared-mount-propagation: a bind mount with ``shared`` or ``rshared`` propagation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

SHARED = frozenset({"shared", "rshared"})


class SharedMountPropagation(Rule):
    """## What it does
    Flags bind mounts with `shared` or `rshared` propagation (short syntax
    `/src:/dst:rshared`, or `bind.propagation` in long syntax).

    ## Why is this bad?
    With shared propagation, mounts made inside the container under that
    path appear on the host too (and the other way round). A container that
    can mount (with `SYS_ADMIN`, or through a FUSE helper) can then shadow
    host directories, which is how several escapes hide or replace host
    files. `slave`/`rslave` (host to container only) or the default
    `rprivate` suffice for almost every use.

    ## Example
    ```yaml
    services:
      csi:
        image: acme/csi-driver:1.9
        volumes:
          - /mnt/data:/mnt/data:rshared
    ```

    ## Use instead:
    ```yaml
    services:
      csi:
        image: acme/csi-driver:1.9
        volumes:
          - /mnt/data:/mnt/data:rslave
    ```

    ## Known problems
    Storage drivers and some agents need `rshared` to publish mounts to the
    host; keep it with an inline ignore there. Low risk on its own, so the
    finding is `info`.

    ## References
    - Covers compose-lint `CL-0017` (shared mount propagation).
    - https://docs.docker.com/engine/storage/bind-mounts/#configure-bind-propagation
    """

    code = "CK317"
    name = "shared-mount-propagation"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            volumes = svc.get("volumes")
            if not isinstance(volumes, list):
                continue
            for i, vol in enumerate(volumes):
                bind = vol.get("bind") if isinstance(vol, dict) else None
                propagation = bind.get("propagation") if isinstance(bind, dict) else None
                if propagation in SHARED:
                    yield ctx.report(
                        self, service_path(name, "volumes", i, "bind", "propagation"),
                        f"Service '{name}' mounts '{vol.get('source')}' with '{propagation}' "
                        "propagation: mounts made in the container reach the host",
                        help="Use 'rslave' (host to container only) or the default 'rprivate'")
