"""What the Kubernetes transformer reads: the loaded project, in target-neutral terms.

The loader gives the merged canonical configuration (the shape of ``docker compose config
--format json``) and an origin for every part a file wrote. :class:`ProjectView` wraps it
with what a converter asks of a project: the enabled services in order, the top-level
resources, whether a key was *written* (the canonical form adds some, such as
``networks: {default: null}``), and where. The small value types below (ports, a health
check, a dependency, a mount) are parsed from the canonical form once, in Compose's terms:
nothing here knows about Kubernetes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from composekit.diagnostics import Span
from composekit.loader.project import Project

__all__ = [
    "Dependency",
    "Health",
    "Mount",
    "Port",
    "ProjectView",
    "dependencies",
    "duration_seconds",
    "exposed_ports",
    "health",
    "mounts",
    "published_ports",
]

PathPart = str | int
KeyPath = tuple[PathPart, ...]


def _sub(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``mapping[key]`` when it is a mapping, else an empty one."""
    value = mapping.get(key)
    return value if isinstance(value, Mapping) else {}


def duration_seconds(value: Any) -> float | None:
    """A canonical duration (``"1m30s"``) in seconds; ``None`` when absent or unreadable."""
    if value is None:
        return None
    from composekit.loader.canonical import CanonicalError, parse_duration

    try:
        return parse_duration(value) / 1_000_000_000
    except (CanonicalError, TypeError):
        return None


def whole_seconds(seconds: float) -> int:
    """Seconds rounded up to a whole number (Kubernetes takes whole seconds)."""
    return math.ceil(seconds - 1e-9)


def _undouble_dollars(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {_undouble_dollars(k): _undouble_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_undouble_dollars(v) for v in value]
    return value


class ProjectView:
    """A loaded project as the converter reads it."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.name: str = project.name
        #: The configuration with each ``$$`` back to ``$``: the canonical form, like
        #: ``docker compose config``, doubles every dollar so that it can be read again.
        self.config: dict[str, Any] = _undouble_dollars(project.config)
        self.environment: dict[str, str] = project.environment

    # -- sections -----------------------------------------------------------------

    def section(self, key: str) -> dict[str, dict[str, Any]]:
        value = self.config.get(key)
        if not isinstance(value, dict):
            return {}
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in value.items()}

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """Enabled services, by name, in file order."""
        return self.section("services")

    @property
    def volumes(self) -> dict[str, dict[str, Any]]:
        return self.section("volumes")

    @property
    def configs(self) -> dict[str, dict[str, Any]]:
        return self.section("configs")

    @property
    def secrets(self) -> dict[str, dict[str, Any]]:
        return self.section("secrets")

    @property
    def networks(self) -> dict[str, dict[str, Any]]:
        return self.section("networks")

    # -- origins -------------------------------------------------------------------

    def written(self, parts: Sequence[PathPart]) -> bool:
        """Whether a file wrote the node at ``parts`` (not only the canonical form)."""
        return tuple(parts) in self.project.origins

    def source(self, parts: Sequence[PathPart]) -> tuple[str, Span]:
        """The file and position of the key at ``parts`` (or of its nearest written
        ancestor; the project's first file when nothing is known)."""
        found = self.project.origin(parts)
        if found is None:
            return self.project.main_file or self.project.working_dir, Span()
        return found.path, found.key_or_value

    def read_file(self, path: str) -> bytes | None:
        """The bytes of a file a config or secret names (``None`` when unreadable)."""
        full = path if os.path.isabs(path) else os.path.join(self.project.working_dir, path)
        try:
            with open(full, "rb") as fh:
                return fh.read()
        except OSError:
            return None


# ---------------------------------------------------------------------------
# ports
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    """A container port a service declares: from ``ports`` (``published`` set when the
    host publishes it) or from ``expose``."""

    target: int
    protocol: str = "tcp"
    published: int | None = None
    host_ip: str | None = None
    mode: str = "ingress"
    name: str | None = None
    app_protocol: str | None = None
    path: KeyPath = ()
    exposed_only: bool = False


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def published_ports(name: str, svc: Mapping[str, Any]) -> list[Port]:
    out: list[Port] = []
    for i, p in enumerate(svc.get("ports") or []):
        if not isinstance(p, Mapping):
            continue
        target = _int(p.get("target"))
        if target is None:
            continue
        published = p.get("published")
        pub: int | None = None
        if published not in (None, ""):
            text = str(published)
            pub = _int(text.split("-", 1)[0])
        out.append(Port(
            target=target,
            protocol=str(p.get("protocol") or "tcp").lower(),
            published=pub,
            host_ip=str(p["host_ip"]) if p.get("host_ip") else None,
            mode=str(p.get("mode") or "ingress"),
            name=str(p["name"]) if p.get("name") else None,
            app_protocol=str(p["app_protocol"]) if p.get("app_protocol") else None,
            path=("services", name, "ports", i),
        ))
    return out


def exposed_ports(name: str, svc: Mapping[str, Any]) -> tuple[list[Port], list[KeyPath]]:
    """The ``expose`` ports (ranges expanded) and the paths of entries that are unreadable."""
    out: list[Port] = []
    bad: list[KeyPath] = []
    for i, raw in enumerate(svc.get("expose") or []):
        path: KeyPath = ("services", name, "expose", i)
        text, _, proto = str(raw).partition("/")
        lo_text, _, hi_text = text.partition("-")
        lo, hi = _int(lo_text), _int(hi_text or lo_text)
        if lo is None or hi is None or not 0 < lo <= hi <= 65535:
            bad.append(path)
            continue
        for port in range(lo, hi + 1):
            out.append(Port(target=port, protocol=(proto or "tcp").lower(), path=path,
                            exposed_only=True))
    return out, bad


# ---------------------------------------------------------------------------
# health checks and dependencies
# ---------------------------------------------------------------------------

#: Compose's health-check defaults (seconds, count).
HEALTH_DEFAULTS = {"interval": 30.0, "timeout": 30.0, "retries": 3, "start_period": 0.0,
                   "start_interval": 5.0}


@dataclass(frozen=True)
class Health:
    """A service's health check; ``command`` is ``None`` when the check is disabled
    (``disable: true`` or ``test: [NONE]``) or only inherited from the image."""

    command: tuple[str, ...] | None
    shell: bool
    interval: float
    timeout: float
    retries: int
    start_period: float
    start_interval: float


def health(svc: Mapping[str, Any]) -> Health | None:
    """The service's health check as written; ``None`` when it has none."""
    hc = svc.get("healthcheck")
    if not isinstance(hc, Mapping):
        return None
    test = hc.get("test")
    command: tuple[str, ...] | None = None
    shell = False
    if hc.get("disable") is True:
        command = None
    elif isinstance(test, list) and test:
        head = str(test[0])
        if head == "CMD":
            command = tuple(str(t) for t in test[1:])
        elif head == "CMD-SHELL":
            command, shell = (" ".join(str(t) for t in test[1:]),), True
    elif isinstance(test, str) and test:
        command, shell = (test,), True

    def dur(key: str) -> float:
        found = duration_seconds(hc.get(key))
        return float(HEALTH_DEFAULTS[key]) if found is None else found

    retries = hc.get("retries")
    return Health(
        command=command if command else None,
        shell=shell,
        interval=dur("interval") or HEALTH_DEFAULTS["interval"],
        timeout=dur("timeout") or HEALTH_DEFAULTS["timeout"],
        retries=int(retries) if isinstance(retries, int) and retries > 0 else 3,
        start_period=dur("start_period"),
        start_interval=dur("start_interval") or HEALTH_DEFAULTS["start_interval"],
    )


@dataclass(frozen=True)
class Dependency:
    service: str
    condition: str
    required: bool
    path: KeyPath


def dependencies(name: str, svc: Mapping[str, Any]) -> list[Dependency]:
    deps = svc.get("depends_on")
    if not isinstance(deps, Mapping):
        return []
    out = []
    for dep, spec in deps.items():
        spec = spec if isinstance(spec, Mapping) else {}
        out.append(Dependency(
            service=str(dep),
            condition=str(spec.get("condition") or "service_started"),
            required=spec.get("required") is not False,
            path=("services", name, "depends_on", str(dep)),
        ))
    return out


# ---------------------------------------------------------------------------
# mounts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mount:
    """One ``volumes`` entry (long form)."""

    type: str
    source: str | None
    target: str
    read_only: bool
    subpath: str | None
    tmpfs_size: int | None
    path: KeyPath
    raw: Mapping[str, Any]


def mounts(name: str, svc: Mapping[str, Any]) -> list[Mount]:
    out = []
    for i, m in enumerate(svc.get("volumes") or []):
        if not isinstance(m, Mapping) or not m.get("target"):
            continue
        volume = _sub(m, "volume")
        tmpfs = _sub(m, "tmpfs")
        size = _int(tmpfs.get("size")) if tmpfs.get("size") is not None else None
        out.append(Mount(
            type=str(m.get("type") or "volume"),
            source=str(m["source"]) if m.get("source") else None,
            target=str(m["target"]),
            read_only=m.get("read_only") is True,
            subpath=str(volume["subpath"]) if volume.get("subpath") else None,
            tmpfs_size=size,
            path=("services", name, "volumes", i),
            raw=m,
        ))
    return out
