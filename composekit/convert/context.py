"""What a transform works on: the file's model, the formats, and the report.

Transforms change the model through :class:`~composekit.convert.model.Map` and
:class:`~composekit.convert.model.Seq` and record each change with :meth:`Context.rewrite`
or :meth:`Context.loss`. Keys are looked up *effectively*: a service that takes ``mem_limit``
from ``<<: *defaults`` has it too, and the transform edits the mapping that holds it (the
anchored one), once for all the services that merge it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from composekit.catalog import key as catalogue_key
from composekit.catalog.versions import FileFormat
from composekit.convert.model import Entry, Item, Map, Node, Source, deref
from composekit.convert.report import Difference, Kind, Report, ReportEntry
from composekit.diagnostics import json_path

__all__ = ["IRREVERSIBLE", "Context", "Use"]

Path = tuple[str | int, ...]


#: transforms whose rewrites keep the meaning but that converting back does not undo
#: (a list stays a list, a short port stays short, an inlined ``extends`` stays inlined)
IRREVERSIBLE = frozenset({
    "cpus-to-cpu-quota", "depends-on-conditions", "env-file-long", "extends-inline",
    "external-name", "long-ports", "long-volumes", "reset-override-tags", "restart-policy",
    "value-forms", "volume-driver",
})


@dataclass
class Use:
    """A key as the services see it: the entry, the mapping that holds it, and the names
    of the services that have it (several when it comes from a shared ``<<`` merge)."""

    key: str
    entry: Entry
    owner: Map
    services: list[str]


@dataclass
class Context:
    """The state of one conversion."""

    root: Map
    src: Source
    path: str
    base_dir: str
    source: FileFormat
    target: FileFormat
    stack: bool = False
    report: Report = field(init=False)
    #: the tree holds services at the top level (a v1 file, or after the v1 step down)
    v1: bool = False
    #: which owners each transform already handled
    handled: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.report = Report(self.path, self.source, self.target)

    # -- the catalogue -------------------------------------------------------------------

    def has(self, dotted: str) -> bool:
        """Whether the target format has the catalogue key ``dotted``. A key the catalogue
        does not know (a typo in the input) counts as present: it is left where it is, for
        the self-check to report."""
        try:
            return self.target in catalogue_key(dotted).avail
        except KeyError:
            return True

    # -- the tree ------------------------------------------------------------------------

    def services_map(self) -> Map | None:
        if self.v1:
            return self.root
        node = deref(self.root.get("services"))
        return node if isinstance(node, Map) else None

    def services(self) -> list[tuple[str, Map]]:
        """``(name, mapping)`` of each service, a mapping shared by aliases listed once."""
        out: list[tuple[str, Map]] = []
        seen: set[int] = set()
        section = self.services_map()
        if section is None:
            return out
        for e in section.entries:
            if e.key == "<<" or (e.key.startswith("x-") and self.v1):
                continue
            svc = deref(e.value)
            if isinstance(svc, Map) and id(svc) not in seen:
                seen.add(id(svc))
                out.append((e.key, svc))
        return out

    def service_names(self) -> set[str]:
        section = self.services_map()
        if section is None:
            return set()
        return {k for k in list(section.keys()) if not (self.v1 and k.startswith("x-"))}

    def uses(self, key: str) -> list[Use]:
        """Every mapping that gives services ``key`` (own or merged), once each."""
        by_owner: dict[int, Use] = {}
        for name, svc in self.services():
            owner = svc.owner(key)
            if owner is None:
                continue
            e = owner.entry(key)
            assert e is not None
            use = by_owner.get(id(owner))
            if use is None:
                by_owner[id(owner)] = Use(key, e, owner, [name])
            else:
                use.services.append(name)
        return list(by_owner.values())

    def top(self, key: str) -> Map | None:
        """A top-level section (``volumes``, ``networks``...) as a mapping."""
        if self.v1:
            return None
        node = deref(self.root.get(key))
        return node if isinstance(node, Map) else None

    def ensure_top(self, key: str) -> Map:
        """The top-level section ``key``, added after ``services`` when missing."""
        node = self.top(key)
        if node is not None:
            return node
        section = Map()
        order = ["services", "networks", "volumes", "secrets", "configs"]
        after = None
        for name in order[: order.index(key) if key in order else len(order)]:
            if name in self.root:
                after = name
        self.root.set(key, section, after=after)
        return section

    # -- positions and paths -------------------------------------------------------------

    @staticmethod
    def position(at: Entry | Item | Node | None) -> tuple[int, int]:
        """1-based line and column of an entry's key, an item's ``-`` or a node."""
        if isinstance(at, (Entry, Item)) and at.region is not None:
            return at.region.line + 1, at.region.col + 1
        if isinstance(at, (Entry, Item)):
            at = at.value
        pos = getattr(at, "pos", None)
        if pos is not None:
            return int(pos[0]) + 1, int(pos[1]) + 1
        return 1, 1

    def shown(self, parts: Path) -> str:
        """The JSON path of ``parts`` (a path in the 2.x+ layout) in the input file."""
        if self.source.family.value == "1" and parts[:1] == ("services",):
            parts = parts[1:]
        return json_path(parts)

    # -- recording -----------------------------------------------------------------------

    def rewrite(self, transform: str, at: Entry | Item | Node | None, parts: Path, message: str,
                *differences: Difference, reversible: bool | None = None) -> None:
        """Record a rewrite; ``reversible`` (default: by transform, see
        :data:`IRREVERSIBLE`) says whether the opposite conversion undoes it exactly."""
        if reversible is None:
            reversible = transform not in IRREVERSIBLE
        self._record(Kind.REWRITE, transform, at, parts, message, differences, reversible)

    def loss(self, transform: str, at: Entry | Item | Node | None, parts: Path, message: str,
             *differences: Difference) -> None:
        self._record(Kind.LOSS, transform, at, parts, message, differences, False)

    def _record(self, kind: Kind, transform: str, at: Entry | Item | Node | None, parts: Path,
                message: str, differences: tuple[Difference, ...], reversible: bool) -> None:
        line, col = self.position(at)
        self.report.add(ReportEntry(kind, transform, self.shown(parts), line, col, message,
                                    tuple(differences), reversible))

    def once(self, transform: str, node: Node) -> bool:
        """True the first time ``transform`` asks about ``node``."""
        marker = (transform, id(node))
        if marker in self.handled:
            return False
        self.handled.add(marker)
        return True
