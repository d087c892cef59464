"""Host paths a service mounts, and what is dangerous about them (not a rule module).

The canonical view has every ``volumes`` entry in long form with an absolute
``source``. A host path reaches a container in three ways:

* a ``bind`` mount (short ``/host:/ctr`` syntax or long syntax);
* a named ``volume`` whose top-level definition uses the ``local`` driver with
  ``o: bind`` and a ``device`` (the host path), optionally with a ``subpath``;
* an ``npipe`` mount (Windows named pipes; the Docker Engine listens on one).

A bind mount resolves symbolic links on the host, so ``/var/run`` (a link to
``/run`` on current distributions) is compared as ``/run``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HostMount:
    """One host path mounted into a service."""

    index: int
    #: The host path as the config has it (``/var/run/docker.sock``).
    source: str
    #: The host path normalised for comparison (``/run/docker.sock``).
    normalized: str
    read_only: bool
    #: ``bind``, ``volume`` (local driver bind) or ``npipe``.
    kind: str
    #: The named volume that carries the bind, when ``kind == "volume"``.
    volume: str | None = None

    @property
    def what(self) -> str:
        if self.volume is not None:
            return f"volume '{self.volume}' (a bind of '{self.source}')"
        return f"'{self.source}'"


def normalize(path: str) -> str:
    """A host path made comparable: normalised, ``/var/run`` read as ``/run``."""
    if not path.startswith("/"):
        return path
    out = posixpath.normpath(path)
    if out.startswith("//"):
        out = "/" + out.lstrip("/")
    if out == "/var/run" or out.startswith("/var/run/"):
        out = "/run" + out[len("/var/run"):]
    return out


def _volume_device(volumes: Mapping[str, Any], name: str) -> str | None:
    spec = volumes.get(name)
    if not isinstance(spec, Mapping) or spec.get("external"):
        return None
    if spec.get("driver") not in (None, "local"):
        return None
    opts = spec.get("driver_opts")
    if not isinstance(opts, Mapping):
        return None
    options = str(opts.get("o", "")).split(",")
    device = opts.get("device")
    if "bind" not in options and "rbind" not in options:
        return None
    return device if isinstance(device, str) and device.startswith("/") else None


def host_mounts(service: Mapping[str, Any], config: Mapping[str, Any]) -> Iterator[HostMount]:
    """Every host path ``service`` mounts (see the module docstring)."""
    volumes = service.get("volumes")
    if not isinstance(volumes, list):
        return
    top = config.get("volumes")
    top_volumes: Mapping[str, Any] = top if isinstance(top, Mapping) else {}
    for i, vol in enumerate(volumes):
        if not isinstance(vol, Mapping):
            continue
        kind = vol.get("type")
        source = vol.get("source")
        read_only = vol.get("read_only") is True
        if not isinstance(source, str) or not source:
            continue
        if kind == "bind" and source.startswith("/"):
            yield HostMount(i, source, normalize(source), read_only, "bind")
        elif kind == "npipe":
            yield HostMount(i, source, source.replace("/", "\\").lower(), read_only, "npipe")
        elif kind == "volume":
            device = _volume_device(top_volumes, source)
            if device is None:
                continue
            sub = vol.get("volume", {}).get("subpath") if isinstance(vol.get("volume"),
                                                                       Mapping) else None
            path = posixpath.join(device, sub) if isinstance(sub, str) and sub else device
            yield HostMount(i, path, normalize(path), read_only, "volume", source)


def is_ancestor(parent: str, child: str) -> bool:
    """Whether ``parent`` is ``child`` or a directory above it."""
    if parent == child:
        return True
    if parent == "/":
        return child.startswith("/")
    return child.startswith(parent + "/")


# --------------------------------------------------------------------------
# control sockets
# --------------------------------------------------------------------------

#: Sockets (paths with ``/var/run`` read as ``/run``) that control the host.
SOCKETS: dict[str, str] = {
    "/run/docker.sock": "the Docker Engine API socket",
    "/run/docker/containerd/containerd.sock": "the containerd socket of dockerd",
    "/run/containerd/containerd.sock": "the containerd socket",
    "/run/containerd/containerd.sock.ttrpc": "the containerd socket",
    "/run/k3s/containerd/containerd.sock": "the k3s containerd socket",
    "/run/crio/crio.sock": "the CRI-O socket",
    "/run/cri-dockerd.sock": "the cri-dockerd socket",
    "/run/podman/podman.sock": "the Podman API socket",
    "/run/buildkit/buildkitd.sock": "the BuildKit daemon socket",
    "/run/systemd/private": "the systemd manager socket",
    "/run/dbus/system_bus_socket": "the D-Bus system bus socket (controls systemd and more)",
    "/run/snapd.socket": "the snapd socket",
}
#: Sockets under a user's runtime directory (rootless engines).
_USER_SOCKETS = re.compile(r"^/run/user/[^/]+/(docker\.sock|podman/podman\.sock)$")
#: Windows named pipes of the Docker Engine.
PIPES = {"\\\\.\\pipe\\docker_engine": "the Docker Engine named pipe",
         "\\\\.\\pipe\\docker_engine_linux": "the Docker Engine named pipe"}


def control_socket(mount: HostMount) -> str | None:
    """What control socket ``mount`` exposes: the socket itself or a directory holding it."""
    if mount.kind == "npipe":
        return PIPES.get(mount.normalized)
    path = mount.normalized
    if path == "/":
        return None  # reported as a root-equivalent or sensitive host path
    if path in SOCKETS:
        return SOCKETS[path]
    if _USER_SOCKETS.match(path):
        return "a rootless container engine's API socket"
    for sock, what in SOCKETS.items():
        if is_ancestor(path, sock):
            return f"a directory that holds {what} ({sock})"
    if path == "/run/user" or re.match(r"^/run/user/[^/]+$", path):
        return "a directory that holds rootless container engine sockets"
    return None


# --------------------------------------------------------------------------
# root-equivalent paths (writable) and sensitive paths (any mode)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class PathClass:
    path: str
    reason: str
    #: Whether paths below ``path`` count as well.
    subtree: bool = False


def _classes(*items: tuple[str, str, bool]) -> tuple[PathClass, ...]:
    return tuple(PathClass(p, r, s) for p, r, s in items)


#: Host paths whose write access gives root on the host.
ROOT_EQUIVALENT = _classes(
    ("/etc", "host configuration: users, passwords, sudoers, cron, services", False),
    ("/etc/passwd", "host user accounts", False),
    ("/etc/shadow", "host password hashes", False),
    ("/etc/group", "host groups (sudo, docker)", False),
    ("/etc/gshadow", "host group passwords", False),
    ("/etc/sudoers", "host sudo rules", False),
    ("/etc/sudoers.d", "host sudo rules", True),
    ("/etc/crontab", "the host crontab", False),
    ("/etc/cron.d", "host cron jobs", True),
    ("/etc/cron.hourly", "host cron jobs", True),
    ("/etc/cron.daily", "host cron jobs", True),
    ("/etc/cron.weekly", "host cron jobs", True),
    ("/etc/cron.monthly", "host cron jobs", True),
    ("/etc/systemd", "host systemd units", True),
    ("/etc/init.d", "host init scripts", True),
    ("/etc/ld.so.preload", "libraries preloaded into every host process", False),
    ("/etc/ld.so.conf", "the host's library search path", False),
    ("/etc/ld.so.conf.d", "the host's library search path", True),
    ("/etc/profile", "host login shell start-up", False),
    ("/etc/profile.d", "host login shell start-up", True),
    ("/etc/bash.bashrc", "host shell start-up", False),
    ("/etc/environment", "the host's login environment", False),
    ("/etc/pam.d", "host authentication (PAM)", True),
    ("/etc/security", "host authentication policy", True),
    ("/etc/ssh", "the host SSH daemon and its keys", True),
    ("/etc/docker", "the Docker daemon configuration", True),
    ("/etc/containerd", "the containerd configuration", True),
    ("/etc/kubernetes", "Kubernetes node configuration and credentials", True),
    ("/etc/modprobe.d", "host kernel module loading", True),
    ("/etc/modules-load.d", "host kernel module loading", True),
    ("/etc/udev", "host device event handlers", True),
    ("/etc/polkit-1", "host privilege rules (polkit)", True),
    ("/root", "root's home directory", False),
    ("/root/.ssh", "root's SSH keys and authorized_keys", True),
    ("/root/.bashrc", "root's shell start-up", False),
    ("/root/.profile", "root's shell start-up", False),
    ("/boot", "the host kernel and boot loader", True),
    ("/proc", "the host /proc (kernel.core_pattern, sysrq, process memory)", True),
    ("/sys", "the host /sys (kernel and device controls)", True),
    ("/usr", "host programs and libraries", False),
    ("/usr/bin", "host programs", True),
    ("/usr/sbin", "host programs", True),
    ("/usr/lib", "host libraries", True),
    ("/usr/lib64", "host libraries", True),
    ("/usr/libexec", "host helper programs", True),
    ("/usr/local/bin", "host programs", True),
    ("/usr/local/sbin", "host programs", True),
    ("/bin", "host programs", True),
    ("/sbin", "host programs", True),
    ("/lib", "host libraries", True),
    ("/lib32", "host libraries", True),
    ("/lib64", "host libraries", True),
    ("/libx32", "host libraries", True),
    ("/var/lib/docker", "Docker's storage (every container's files and volumes)", True),
    ("/var/lib/containerd", "containerd's storage", True),
    ("/var/lib/containers", "Podman/CRI-O storage", True),
    ("/var/lib/kubelet", "kubelet state and pod secrets", True),
    ("/var/spool/cron", "host cron tables", True),
)

#: Host paths that disclose secrets or host state even read-only.
SENSITIVE = _classes(
    ("/etc", "host configuration, password hashes (/etc/shadow) and private keys", False),
    ("/etc/shadow", "host password hashes", False),
    ("/etc/gshadow", "host group password hashes", False),
    ("/etc/ssh", "the host's SSH private keys", True),
    ("/etc/ssl/private", "the host's TLS private keys", True),
    ("/etc/docker", "the Docker daemon's TLS keys and configuration", True),
    ("/etc/kubernetes", "Kubernetes node credentials", True),
    ("/root", "root's home directory", False),
    ("/root/.ssh", "root's SSH keys", True),
    ("/root/.docker", "root's registry credentials", True),
    ("/root/.kube", "root's Kubernetes credentials", True),
    ("/root/.aws", "root's cloud credentials", True),
    ("/root/.gnupg", "root's GnuPG keys", True),
    ("/home", "every user's home directory", False),
    ("/Users", "every user's home directory", False),
    ("/proc", "the host process table, command lines and environments", False),
    ("/sys", "kernel and hardware state of the host", False),
    ("/dev", "every host device node", False),
    ("/boot", "the host kernel and boot configuration", False),
    ("/var/lib/docker", "every container's files, volumes and secrets", True),
    ("/var/lib/containerd", "every container's files", True),
    ("/var/lib/containers", "every container's files", True),
    ("/var/lib/kubelet", "pod volumes and secrets", True),
)

_HOME = re.compile(r"^/(home|Users)/[^/]+$")
_HOME_SECRETS = re.compile(
    r"^/(home|Users)/[^/]+/(\.ssh|\.aws|\.kube|\.docker|\.gnupg|\.azure|\.config/gcloud)(/|$)")


def _match(path: str, classes: tuple[PathClass, ...]) -> PathClass | None:
    for cls in classes:
        if is_ancestor(path, cls.path) or (cls.subtree and is_ancestor(cls.path, path)):
            return cls
    return None


def root_equivalent(mount: HostMount) -> str | None:
    """Why write access to ``mount`` gives root on the host; ``None`` when it does not."""
    if mount.kind == "npipe" or mount.read_only:
        return None
    if mount.normalized == "/":
        return "the host's whole file system"
    found = _match(mount.normalized, ROOT_EQUIVALENT)
    return found.reason if found is not None else None


def sensitive(mount: HostMount) -> str | None:
    """What ``mount`` discloses of the host; ``None`` when it is not a sensitive path."""
    if mount.kind == "npipe":
        return None
    path = mount.normalized
    if path == "/":
        return "the host's whole file system (password hashes, keys, the Docker socket)"
    found = _match(path, SENSITIVE)
    if found is not None:
        return found.reason
    if _HOME.match(path):
        return "a user's home directory (SSH keys, shell start-up files, credentials)"
    if _HOME_SECRETS.match(path):
        return "a user's credentials directory"
    return None
