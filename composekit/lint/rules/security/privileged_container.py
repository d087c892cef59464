"""CK302 privileged-container: ``privileged: true`` (or a privileged build)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class PrivilegedContainer(Rule):
    """## What it does
    Flags `privileged: true` on a service, and on its `build` (`build.privileged`
    or the `security.insecure` entitlement).

    ## Why is this bad?
    A privileged container has every capability, every host device, no
    seccomp or AppArmor/SELinux confinement and writable `/sys`: escaping to
    the host is a matter of mounting the host disk. A privileged build gives
    the same power to every `RUN` step of the Dockerfile.

    ## Example
    ```yaml
    services:
      vpn:
        image: acme/vpn:3.2
        privileged: true
    ```

    ## Use instead:
    ```yaml
    services:
      vpn:
        image: acme/vpn:3.2
        cap_add:
          - NET_ADMIN
        devices:
          - /dev/net/tun
    ```

    ## Known problems
    Not reported under `--target stack`, which ignores `privileged` (the
    runtime rules report the ignored key).

    ## References
    - Covers compose-lint `CL-0002` (privileged mode enabled).
    - https://docs.docker.com/reference/cli/docker/container/run/#privileged
    """

    code = "CK302"
    name = "privileged-container"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if svc.get("privileged") is True:
                yield ctx.report(
                    self, service_path(name, "privileged"),
                    f"Service '{name}' runs privileged: it has full access to the host",
                    help="Remove 'privileged' and add only the capabilities and devices "
                         "the service needs")
            build = svc.get("build")
            if not isinstance(build, dict):
                continue
            if build.get("privileged") is True:
                yield ctx.report(
                    self, service_path(name, "build", "privileged"),
                    f"Service '{name}' is built privileged: every RUN step has full access "
                    "to the build host",
                    help="Remove 'build.privileged'")
            entitlements = build.get("entitlements")
            if isinstance(entitlements, list):
                for i, ent in enumerate(entitlements):
                    if ent == "security.insecure":
                        yield ctx.report(
                            self, service_path(name, "build", "entitlements", i),
                            f"Service '{name}' grants its build the 'security.insecure' "
                            "entitlement (privileged RUN steps)",
                            help="Remove the entitlement")
