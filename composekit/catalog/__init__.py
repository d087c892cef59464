"""The Compose key catalogue: formats, keys, and lookups over them.

* :mod:`composekit.catalog.versions`: file formats, minimum engines, ``detect_format``;
* :mod:`composekit.catalog.keys`: one entry per Compose key (:data:`KEYS`);
* :mod:`composekit.catalog.model`: the notation of the entries.

:func:`node` finds the catalogue entry for a concrete place in a file
(``("services", "web", "ports", 0)``), which is how findings name keys and derive hints.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from composekit.catalog.keys import KEYS, ROOT, SERVICE
from composekit.catalog.model import Avail, Key
from composekit.catalog.versions import (
    FORMATS,
    SPEC,
    V1,
    Family,
    FileFormat,
    detect_format,
)

__all__ = [
    "FORMATS",
    "KEYS",
    "ROOT",
    "SERVICE",
    "SPEC",
    "V1",
    "Avail",
    "Family",
    "FileFormat",
    "Key",
    "Node",
    "detect_format",
    "key",
    "node",
    "root",
]


@dataclass
class Node:
    """A place in the catalogue tree: a key, a ``*`` (any name) or a ``[]`` (list item)."""

    path: tuple[str, ...]
    key: Key | None = None
    children: dict[str, Node] = field(default_factory=dict)

    def child(self, part: str) -> Node:
        return self.children.setdefault(part, Node((*self.path, part)))

    def entries(self) -> Iterator[Key]:
        """The catalogue entries one level below (literal names only)."""
        for name, child in self.children.items():
            if name not in ("*", "[]") and child.key is not None:
                yield child.key

    def keys_in(self, fmt: FileFormat) -> list[Key]:
        return [k for k in self.entries() if fmt in k.avail]

    def step(self, part: str | int) -> Node | None:
        """The node for ``part`` of a concrete path: a list index or a user name match
        ``[]`` or ``*``; a known key name wins over ``*``."""
        if isinstance(part, int):
            return self.children.get("[]")
        if part in self.children and part not in ("*", "[]"):
            return self.children[part]
        return self.children.get("*")

    @property
    def dotted(self) -> str:
        return ".".join(self.path).replace(".[]", "[]")


def _build() -> Node:
    top = Node(())
    for entry in KEYS:
        cur = top
        for part in entry.path:
            cur = cur.child(part)
        if cur.key is not None:
            raise ValueError(f"duplicate catalogue entry {entry.dotted}")
        cur.key = entry
    return top


@functools.lru_cache(maxsize=1)
def root() -> Node:
    """The root of the catalogue tree (top-level keys of a 2.x/3.x/spec file)."""
    return _build()


def key(path: str) -> Key:
    """The catalogue entry for a dotted path such as ``"services.*.healthcheck"``."""
    from composekit.catalog.model import split_path

    cur: Node | None = root()
    for part in split_path(path):
        cur = cur.children.get(part) if cur is not None else None
    if cur is None or cur.key is None:
        raise KeyError(path)
    return cur.key


def node(parts: Sequence[str | int], fmt: FileFormat) -> Node | None:
    """The catalogue node for a concrete path in a file of format ``fmt``.

    In a v1 file the top level holds services, so ``("web", "image")`` is
    ``services.*.image``. ``None`` when the path leaves the catalogue (inside free-form
    values, or under an unknown key).
    """
    cur: Node | None = root()
    seq = list(parts)
    if fmt.family is Family.V1:
        cur = root().children["services"]
        if not seq:
            return cur
    for part in seq:
        if cur is None:
            return None
        cur = cur.step(part)
    return cur
