"""CK306 sensitive-host-path-mount: a bind of a host path that discloses secrets or host state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._paths import (
    control_socket,
    host_mounts,
    root_equivalent,
    sensitive,
)
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class SensitiveHostPathMount(Rule):
    """## What it does
    Flags a mount, read-only or not, of a host path that exposes secrets or
    host state: `/` read-only, `/etc`, `/etc/shadow`, the host's SSH and TLS
    private keys, Docker and Kubernetes credentials, `/root`, `/home` or a
    user's home directory (and its `.ssh`, `.aws`, `.kube`, `.docker`,
    `.gnupg` directories), `/proc`, `/sys`, `/dev`, `/boot`, and the storage
    of the container engines, or a directory above one of them.

    ## Why is this bad?
    Read-only is not harmless: `/etc/shadow` gives password hashes to crack
    offline, `/proc` shows every host process's command line and
    environment (often with credentials), a home directory holds SSH and
    cloud keys, `/var/lib/docker` holds every other container's files and
    secrets. A compromised container leaks all of it.

    ## Example
    ```yaml
    services:
      app:
        image: acme/app:3.1
        volumes:
          - /home/deploy:/config:ro
    ```

    ## Use instead:
    ```yaml
    services:
      app:
        image: acme/app:3.1
        volumes:
          - /home/deploy/app-config:/config:ro
    ```
    Monitoring agents (node-exporter, cAdvisor) need `/proc`, `/sys` or `/`
    read-only: keep the mount and record the decision with
    `# composekit: ignore=CK306` on its line.

    ## Known problems
    Writable mounts that are root-equivalent are reported once, by
    `writable-root-equivalent-mount` (CK305); control sockets and the
    directories that hold them by `host-control-socket-mount` (CK301).
    Files below `/etc` that are commonly shared (`/etc/localtime`,
    `/etc/hosts`, `/etc/ssl/certs`) are not reported.

    ## References
    - Covers compose-lint `CL-0013` (sensitive host path exposed).
    - https://docs.docker.com/engine/storage/bind-mounts/
    """

    code = "CK306"
    name = "sensitive-host-path-mount"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for mount in host_mounts(svc, ctx.config):
                if control_socket(mount) is not None or root_equivalent(mount) is not None:
                    continue
                why = sensitive(mount)
                if why is None:
                    continue
                mode = "read-only" if mount.read_only else "writable"
                yield ctx.report(
                    self, service_path(name, "volumes", mount.index, "source"),
                    f"Service '{name}' mounts {mount.what} ({mode}), exposing {why}",
                    help="Mount only the specific files the service needs")
