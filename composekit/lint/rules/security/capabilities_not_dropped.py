"""CK315 capabilities-not-dropped: a service keeps Docker's default capability set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._capabilities import drops_all
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class CapabilitiesNotDropped(Rule):
    """## What it does
    Flags a service without `cap_drop: [ALL]`.

    ## Why is this bad?
    Docker gives every container fourteen capabilities by default
    (`CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW`,
    `MKNOD`, ...). Most services need none or one of them; the rest is
    attack surface (`NET_RAW` allows ARP and DNS spoofing on the bridge
    network, `DAC_OVERRIDE` ignores file permissions). Dropping all and
    adding back what is needed is the least-privilege baseline.

    This is hardening that most Compose files do not have, so the finding
    is `info`: it does not fail the default `--fail-on warning`. Raise it
    to `warning` where least privilege is policy.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27.2
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27.2
        cap_drop:
          - ALL
        cap_add:
          - CHOWN
          - SETGID
          - SETUID
          - NET_BIND_SERVICE
    ```

    ## Known problems
    There is no automatic fix: which capabilities a service needs depends on
    the image. Privileged services are left to `privileged-container`
    (CK302), which already grants everything. Under `--target stack` only
    Docker 20.10+ honours `cap_drop`.

    ## References
    - Covers compose-lint `CL-0006` (no capability restrictions).
    - https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities
    """

    code = "CK315"
    name = "capabilities-not-dropped"
    severity = Severity.INFO
    default_enabled = False

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if svc.get("privileged") is True or drops_all(svc):
                continue
            if "cap_drop" in svc:
                yield ctx.report(
                    self, service_path(name, "cap_drop"),
                    f"Service '{name}' drops only some capabilities and keeps the rest of "
                    "Docker's default set",
                    key=True, help="Use 'cap_drop: [ALL]' and add back what is needed")
            else:
                yield ctx.report(
                    self, service_path(name),
                    f"Service '{name}' keeps Docker's default capabilities",
                    key=True, help="Add 'cap_drop: [ALL]' and add back what is needed")
