"""CK311 root-user: ``user: root`` or ``user: 0`` written explicitly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


def is_root(user: str) -> bool:
    """Whether a ``user`` value (``name|uid[:group|gid]``) names the root user."""
    name = user.strip().partition(":")[0]
    return name == "root" or (name.isdigit() and int(name) == 0)


class RootUser(Rule):
    """## What it does
    Flags a service whose `user` is set to root explicitly: `root`, `0`,
    `0:0`, `root:root`, `0:1000`...

    ## Why is this bad?
    Without user-namespace remapping, root in the container is uid 0 on the
    host: one kernel bug, one writable host mount or one dangerous
    capability away from root on the host. Writing `user: root` often
    overrides an image that was built to run unprivileged.

    ## Example
    ```yaml
    services:
      app:
        image: acme/app:3.1
        user: root
    ```

    ## Use instead:
    ```yaml
    services:
      app:
        image: acme/app:3.1
        user: "10001:10001"
    ```

    ## Known problems
    Only an explicit `user` is checked: an image that runs as root by
    default is not visible in the Compose file. A root *group* with a
    non-root user (`1000:0`) is not reported.

    ## References
    - Covers compose-lint `CL-0018` (explicit root user).
    - https://docs.docker.com/engine/security/userns-remap/
    """

    code = "CK311"
    name = "root-user"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            user = svc.get("user")
            if isinstance(user, int) and not isinstance(user, bool):
                user = str(user)
            if isinstance(user, str) and is_root(user):
                yield ctx.report(
                    self, service_path(name, "user"),
                    f"Service '{name}' runs as root (user: {user})",
                    help="Run as an unprivileged uid:gid; fix file ownership in the image "
                         "instead")
