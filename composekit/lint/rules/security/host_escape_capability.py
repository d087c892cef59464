"""CK303 host-escape-capability: cap_add of ALL, SYS_ADMIN, SYS_MODULE or SYS_RAWIO."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._capabilities import HOST_ESCAPE, added
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HostEscapeCapability(Rule):
    """## What it does
    Flags `cap_add` entries that hand the container a way out to the host:
    `ALL`, `SYS_ADMIN`, `SYS_MODULE` and `SYS_RAWIO` (with or without the
    `CAP_` prefix, in any case, as Docker accepts them).

    ## Why is this bad?
    `SYS_ADMIN` allows mounting file systems and the cgroup `release_agent`
    escape; `SYS_MODULE` loads code into the host kernel; `SYS_RAWIO` reads
    and writes host memory and I/O ports; `ALL` is all of them. Each one
    turns a compromise of the container into a compromise of the host.

    ## Example
    ```yaml
    services:
      fuse:
        image: acme/sshfs:1.0
        cap_add:
          - SYS_ADMIN
    ```

    ## Use instead:
    ```yaml
    services:
      fuse:
        image: acme/sshfs:1.0
        volumes:
          - /mnt/remote:/data:ro  # mounted on the host, bound in
    ```

    ## Known problems
    Under `--target stack` only Docker 20.10+ honours `cap_add`; the finding
    stays, as the file is meant to grant it.

    ## References
    - Covers compose-lint `CL-0024` (host-code-execution capability added).
    - capabilities(7); https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities
    """

    code = "CK303"
    name = "host-escape-capability"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for index, cap, written in added(svc):
                why = HOST_ESCAPE.get(cap)
                if why is None:
                    continue
                yield ctx.report(
                    self, service_path(name, "cap_add", index),
                    f"Service '{name}' adds capability {written}: {why}",
                    help="Remove it; grant the narrow capability or device the service "
                         "really needs")
