"""CK305 writable-root-equivalent-mount: a writable bind of a host path that gives root."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._paths import control_socket, host_mounts, root_equivalent
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class WritableRootEquivalentMount(Rule):
    """## What it does
    Flags a writable mount (no `:ro`, no `read_only: true`) of a host path
    whose write access gives root on the host: `/` itself, `/etc` (or files
    such as `/etc/passwd`, `/etc/shadow`, `/etc/sudoers`, cron, systemd, SSH,
    PAM, ld.so configuration), `/root` and root's SSH keys and shell
    start-up files, `/boot`, `/proc`, `/sys`, `/usr` and the host's program
    and library directories, and the storage of the container engines
    (`/var/lib/docker`, `/var/lib/containerd`, `/var/lib/containers`,
    `/var/lib/kubelet`), or any directory above one of them (`/var`).
    Named volumes that bind a host directory count too.

    ## Why is this bad?
    A process in the container that can write there can add a user, a cron
    job, a systemd unit, an SSH key or a preloaded library on the host, or
    rewrite another container's files: root on the host, no exploit needed.

    ## Example
    ```yaml
    services:
      backup:
        image: acme/backup:4.0
        volumes:
          - /etc:/host/etc
    ```

    ## Use instead:
    ```yaml
    services:
      backup:
        image: acme/backup:4.0
        volumes:
          - /etc/acme:/host/etc/acme:ro
    ```

    ## Known problems
    Paths are compared as written after normalisation (`/var/run` is read as
    `/run`); other symbolic links on the host are not followed. Read-only
    mounts of these paths are reported by `sensitive-host-path-mount`
    (CK306) where they disclose secrets.

    ## References
    - Covers compose-lint `CL-0025` (root-equivalent host path mounted writable).
    - https://docs.docker.com/engine/storage/bind-mounts/#considerations-and-constraints
    """

    code = "CK305"
    name = "writable-root-equivalent-mount"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for mount in host_mounts(svc, ctx.config):
                if control_socket(mount) is not None:
                    continue  # host-control-socket-mount
                why = root_equivalent(mount)
                if why is None:
                    continue
                yield ctx.report(
                    self, service_path(name, "volumes", mount.index, "source"),
                    f"Service '{name}' mounts {mount.what} writable: {why} — write access "
                    "there is root on the host",
                    help="Mount only the files the service needs, read-only (':ro')")
