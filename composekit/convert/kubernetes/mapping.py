"""The mapping table as data: each Compose key, what the Kubernetes conversion does with it.

Every builder in :mod:`composekit.convert.kubernetes.transform` declares the keys it reads
with :func:`maps`; the keys the Kubernetes Pod API cannot express come from the lint rule
CK607's table (``KUBERNETES_UNSUPPORTED`` in
:mod:`composekit.lint.rules.runtime.kubernetes_unsupported_key`), so the lint rule and the
converter give the same reason. :func:`table` joins both with the key catalogue, so that
every Compose key has a row, and :mod:`.docs` renders it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["MAPPINGS", "Fate", "Mapping", "maps", "row_for", "table"]


class Fate(str, enum.Enum):
    CARRIED = "carried"            # the same meaning in Kubernetes
    REWRITTEN = "rewritten"        # carried another way (reported as a rewrite)
    PARTIAL = "partly carried"     # carried for some values; the others are reported
    LOST = "not carried"           # always reported as a loss
    CONSUMED = "read by composekit"  # decides the conversion; nothing to carry


@dataclass(frozen=True)
class Mapping:
    """One row: the Compose key (``services.*.healthcheck.interval``), the Kubernetes
    field(s) it becomes, its fate and a note."""

    key: str
    target: str
    fate: Fate
    note: str = ""


#: Every declared row, in declaration order (the order of the builders).
MAPPINGS: list[Mapping] = []

F = TypeVar("F", bound=Callable[..., Any])


def maps(*rows: tuple[str, str, Fate, str] | tuple[str, str, Fate]) -> Callable[[F], F]:
    """Declare the rows a builder implements: ``(key, target, fate[, note])``."""

    def deco(fn: F) -> F:
        for row in rows:
            key, target, fate = row[0], row[1], row[2]
            note = row[3] if len(row) > 3 else ""
            MAPPINGS.append(Mapping(key, target, fate, note))
        return fn

    return deco


def declared_keys() -> set[str]:
    return {m.key for m in MAPPINGS}


def row_for(key: str) -> Mapping | None:
    for m in MAPPINGS:
        if m.key == key:
            return m
    return None


#: Keys that the lint table lists as unsupported but the converter carries another way.
CARRIED_DESPITE_LINT = frozenset({"depends_on", "shm_size"})


def table() -> Iterator[Mapping]:
    """Every row: the declared mappings, the lint rule's unsupported keys, and a "not
    converted" row for each other key of the catalogue (services, volumes, networks,
    configs, secrets, top level)."""
    from composekit import catalog
    from composekit.convert.kubernetes import transform  # noqa: F401  (registers MAPPINGS)
    from composekit.lint.rules.runtime.kubernetes_unsupported_key import (
        KUBERNETES_UNSUPPORTED,
    )

    seen: set[str] = set()
    for m in MAPPINGS:
        seen.add(m.key)
        yield m
    for key, reason in sorted(KUBERNETES_UNSUPPORTED.items()):
        full = f"services.*.{key}"
        if full not in seen and key not in CARRIED_DESPITE_LINT:
            seen.add(full)
            yield Mapping(full, "", Fate.LOST, reason)
    for entry in catalog.KEYS:
        path = entry.path
        if "[]" in path or any(p == "*" for p in path[2:]):
            continue
        dotted = ".".join(path)
        if len(path) not in (1, 3) or dotted in seen or _covered(dotted, seen):
            continue
        if any(k.startswith(dotted + ".") for k in seen):
            continue  # its parts have rows of their own
        seen.add(dotted)
        yield Mapping(dotted, "", Fate.LOST, UNCONVERTED)


UNCONVERTED = "composekit does not convert it to Kubernetes"


def _covered(dotted: str, seen: set[str]) -> bool:
    """A key whose parent row covers all of it (``services.*.deploy`` has its own rows)."""
    parts = dotted.split(".")
    return any(".".join(parts[:i]) in seen and ".".join(parts[:i]) in _WHOLE
               for i in range(1, len(parts)))


#: Rows that cover every key below them.
_WHOLE = frozenset({
    "services.*.build", "services.*.healthcheck", "services.*.logging",
    "services.*.blkio_config", "services.*.ulimits", "services.*.develop",
    "services.*.extends", "include", "configs.*", "secrets.*", "models",
})
