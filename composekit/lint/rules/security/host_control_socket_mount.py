"""CK301 host-control-socket-mount: a container engine (or systemd) socket mounted in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._paths import control_socket, host_mounts
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HostControlSocketMount(Rule):
    """## What it does
    Flags a volume that mounts a host control socket into a container: the
    Docker Engine socket (`/var/run/docker.sock`, `/run/docker.sock`, a
    rootless engine's `/run/user/<uid>/docker.sock`, the Windows
    `\\\\.\\pipe\\docker_engine` pipe), the containerd, CRI-O, Podman and
    BuildKit sockets, systemd's private socket and the D-Bus system bus, or
    a directory that holds one of them (`/run`, `/var/run`,
    `/run/containerd`, ...). Named volumes that bind a host directory
    (`driver_opts: {o: bind, device: ...}`) count too.

    ## Why is this bad?
    Whoever can talk to the engine API can start a privileged container with
    the host's root file system mounted: access to the socket is root on the
    host, for the container and for anything that compromises it. Mounting
    the socket read-only (`:ro`) changes nothing: connecting to a socket is
    not a write to the file.

    ## Example
    ```yaml
    services:
      agent:
        image: acme/agent:2.1
        volumes:
          - /var/run/docker.sock:/var/run/docker.sock:ro
    ```

    ## Use instead:
    ```yaml
    services:
      agent:
        image: acme/agent:2.1
        environment:
          # a proxy that exposes only the API calls the agent needs, reviewed once
          DOCKER_HOST: tcp://socket-proxy:2375
    ```

    ## Known problems
    A bind of the whole root file system (`/:/host`) also exposes the
    socket; it is reported by `writable-root-equivalent-mount` (CK305) or
    `sensitive-host-path-mount` (CK306) instead, not twice. A remote engine
    reached over TCP (`DOCKER_HOST`) is not detected.

    ## References
    - Covers compose-lint `CL-0001` (host control socket exposed).
    - https://docs.docker.com/engine/security/#docker-daemon-attack-surface
    - OWASP Docker Security Cheat Sheet, rule #1 (do not expose the Docker daemon socket).
    """

    code = "CK301"
    name = "host-control-socket-mount"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for mount in host_mounts(svc, ctx.config):
                what = control_socket(mount)
                if what is None:
                    continue
                yield ctx.report(
                    self, service_path(name, "volumes", mount.index, "source"),
                    f"Service '{name}' mounts {mount.what}, {what}: the container can "
                    "control the host",
                    help="Do not mount engine sockets; if a tool needs the API, put a "
                         "filtering proxy in front of it")
