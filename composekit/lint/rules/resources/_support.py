"""Shared reading of the resources and lifecycle rules (not a rule module).

Everything here reads the merged, canonical configuration (``ctx.services``),
where durations are Go duration strings (``"1m30s"``), byte sizes are strings
of digits, ``depends_on`` is a mapping with a ``condition`` per dependency and
``ports`` are long-syntax mappings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from composekit.lint.rule import Runtime

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

PathPart = str | int
KeyPath = tuple[PathPart, ...]

#: The smallest memory limit or reservation the Docker Engine accepts (6 MiB).
ENGINE_MIN_MEMORY = 6 * 1024 * 1024
#: The smallest non-zero healthcheck duration the Docker Engine accepts (1 ms).
ENGINE_MIN_PROBE_NS = 1_000_000


def services(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(name, canonical mapping)`` of every enabled service, in file order."""
    for name, svc in ctx.services.items():
        if isinstance(svc, dict):
            yield str(name), svc


def svc_path(name: str, *rest: PathPart) -> KeyPath:
    return ("services", name, *rest)


def dig(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...`` or ``None`` where a level is missing or not a mapping."""
    cur = mapping
    for k in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def duration_ns(value: Any) -> int | None:
    """A canonical duration in nanoseconds; ``None`` when absent or unreadable."""
    if value is None:
        return None
    from composekit.loader.canonical import CanonicalError, parse_duration

    try:
        return parse_duration(value)
    except (CanonicalError, ValueError, TypeError):
        return None


def size_bytes(value: Any) -> int | None:
    """A canonical byte size as an integer; ``None`` when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    from composekit.loader.canonical import CanonicalError, parse_bytes

    try:
        return parse_bytes(value)
    except (CanonicalError, ValueError, TypeError):
        return None


def human_bytes(n: int) -> str:
    """``67108864`` -> ``"64 MiB"``; exact units only, else bytes."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def human_ns(ns: int) -> str:
    """A duration in Go's notation (``1m30s``), as Compose prints it."""
    from composekit.loader.canonical import format_duration

    return format_duration(ns)


def deploy_applies(target: Runtime) -> bool:
    """Whether the target runtime reads ``deploy:`` at all (docker-compose 1.x does not)."""
    return target is not Runtime.COMPOSE_V1


@dataclass(frozen=True)
class Scale:
    """How many containers Compose starts for a service, and which key says so."""

    count: int
    parts: KeyPath


def compose_scale(ctx: LintContext, name: str, svc: Mapping[str, Any]) -> Scale | None:
    """The number of containers ``docker compose up`` / ``docker-compose up`` starts
    for ``svc`` when the file asks for more than one; ``None`` otherwise.

    Compose v2 reads ``deploy.replicas`` and ``scale`` (the loader already reports
    them when they differ); docker-compose 1.x reads ``scale`` and ignores
    ``deploy``.
    """
    if deploy_applies(ctx.target):
        replicas = dig(svc, "deploy", "replicas")
        if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas > 1:
            mode = dig(svc, "deploy", "mode")
            if mode in (None, "replicated"):
                return Scale(replicas, svc_path(name, "deploy", "replicas"))
    scale = svc.get("scale")
    if isinstance(scale, int) and not isinstance(scale, bool) and scale > 1:
        return Scale(scale, svc_path(name, "scale"))
    return None


def healthcheck_state(svc: Mapping[str, Any]) -> str:
    """``"defined"``, ``"disabled"`` (``disable: true`` or ``test: [NONE]``) or ``"absent"``
    (no ``healthcheck`` key, or one without a ``test``, which keeps the image's)."""
    hc = svc.get("healthcheck")
    if not isinstance(hc, Mapping):
        return "absent"
    if hc.get("disable") is True:
        return "disabled"
    test = hc.get("test")
    if isinstance(test, list) and test and test[0] == "NONE":
        return "disabled"
    if isinstance(test, list) and test:
        return "defined"
    return "absent"


def dependencies(svc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(dependency, condition)`` of each ``depends_on`` entry."""
    deps = svc.get("depends_on")
    if not isinstance(deps, Mapping):
        return
    for dep, cfg in deps.items():
        cond = cfg.get("condition") if isinstance(cfg, Mapping) else None
        yield str(dep), str(cond or "service_started")


def written_depends_on(ctx: LintContext, name: str, dep: str) -> bool:
    """Whether ``depends_on.<dep>`` of service ``name`` was written in a file (rather than
    implied by ``links``, ``volumes_from`` or a ``service:`` namespace)."""
    found = ctx.project.origins.get(("services", name, "depends_on", dep))
    return found is not None


def dockerfile_healthcheck(svc: Mapping[str, Any]) -> bool | None:
    """Whether the service's own Dockerfile declares a ``HEALTHCHECK`` (other than
    ``HEALTHCHECK NONE``): ``True``/``False`` when the Dockerfile could be read (a local
    build context or ``dockerfile_inline``), ``None`` when there is none to read."""
    import os
    import re

    build = svc.get("build")
    if not isinstance(build, Mapping):
        return None
    text: str | None = None
    inline = build.get("dockerfile_inline")
    if isinstance(inline, str):
        text = inline
    else:
        context = build.get("context")
        if not isinstance(context, str) or "://" in context or context.startswith("git@"):
            return None
        dockerfile = build.get("dockerfile") or "Dockerfile"
        path = dockerfile if os.path.isabs(dockerfile) else os.path.join(context, dockerfile)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(1_000_000)
        except OSError:
            return None
    pattern = re.compile(r"^\s*HEALTHCHECK\s+(?!NONE\s*$)\S", re.IGNORECASE | re.MULTILINE)
    return pattern.search(text) is not None
