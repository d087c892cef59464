"""CK310 host-namespace-shared: pid, ipc, uts, userns_mode or cgroup set to ``host``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_LABELS = {"pid": "PID", "ipc": "IPC", "uts": "UTS", "userns_mode": "user", "cgroup": "cgroup"}

NAMESPACES: dict[str, str] = {
    "pid": "it sees every host process and, with SYS_PTRACE or as root, can signal or "
           "trace them",
    "ipc": "it shares host shared memory and semaphores with every host process",
    "uts": "it shares the host name and, with SYS_ADMIN, can change it for the host",
    "userns_mode": "it opts out of the daemon's user-namespace remapping, so root in the "
                   "container is root on the host",
    "cgroup": "it sees and, with write access, can change the host's cgroup hierarchy",
}


class HostNamespaceShared(Rule):
    """## What it does
    Flags `pid: host`, `ipc: host`, `uts: host`, `userns_mode: host` and
    `cgroup: host`.

    ## Why is this bad?
    Namespaces are what makes a container a container. Sharing the host's
    PID namespace exposes every host process (and their command lines and
    environments); the IPC namespace, host shared memory; `userns_mode:
    host` undoes user-namespace remapping where the daemon enables it. Each
    one widens what a compromised container can see and touch.

    ## Example
    ```yaml
    services:
      monitor:
        image: acme/monitor:2.0
        pid: host
    ```

    ## Use instead:
    ```yaml
    services:
      monitor:
        image: acme/monitor:2.0
    ```

    ## Known problems
    `network_mode: host` is reported separately (`host-network-mode`,
    CK309). Sharing a namespace with another service (`pid: service:db`) is
    not reported. Not reported under `--target stack`, which ignores these
    keys.

    ## References
    - Covers compose-lint `CL-0010` (host namespace sharing).
    - namespaces(7); https://docs.docker.com/engine/containers/run/#pid-settings---pid
    """

    code = "CK310"
    name = "host-namespace-shared"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for key, why in NAMESPACES.items():
                if svc.get(key) == "host":
                    yield ctx.report(
                        self, service_path(name, key),
                        f"Service '{name}' shares the host's {_LABELS[key]} "
                        f"namespace ({key}: host): {why}",
                        help=f"Remove '{key}: host'")
