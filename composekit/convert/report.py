"""The loss report: what a conversion rewrote and what it could not carry.

Every transform that changes the file records one :class:`ReportEntry` per change, at the
line and column of the key in the *input* file:

* ``rewrite``: the key was written another way that means the same (``net: host`` became
  ``network_mode: host``; ``mem_limit`` moved to ``deploy.resources.limits.memory``);
* ``loss``: the target format cannot say it, so it was dropped or weakened (``cpu_shares`` in
  3.x, a ``depends_on`` condition in 3.x).

Each entry also declares, as data, how it changes the project as Compose reads it
(:class:`Difference`): which path of the original's configuration is gone or moved, and where
it is in the converted file's. The differential tests remove exactly these paths from the two
``docker compose config`` readings before comparing them, so a change that no entry declares
fails the test.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.catalog.versions import FileFormat
from composekit.diagnostics import Diagnostic, Severity, Span

__all__ = ["Difference", "Kind", "Report", "ReportEntry"]

Path = tuple[str | int, ...]


class Kind(str, enum.Enum):
    REWRITE = "rewrite"
    LOSS = "loss"


@dataclass(frozen=True)
class Difference:
    """How an entry changes the configuration Compose reads (``docker compose config``).

    ``before``: a path of the original's configuration; ``after``: a path of the converted
    file's. With ``same``, the value at ``before`` is now at ``after``, unchanged (a move);
    without it, whatever is at ``before`` (in the original) and at ``after`` (in the
    conversion) differs, and the comparison leaves both out. Either path may be ``None``:
    a value only the original has (dropped) or only the conversion has (added).
    """

    before: Path | None = None
    after: Path | None = None
    same: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": list(self.before) if self.before is not None else None,
            "after": list(self.after) if self.after is not None else None,
            "same": self.same,
        }


@dataclass(frozen=True)
class ReportEntry:
    """One rewrite or loss, where the input file says it."""

    kind: Kind
    transform: str
    path: str
    line: int
    column: int
    message: str
    differences: tuple[Difference, ...] = ()
    #: a rewrite that converting back to the original format undoes exactly (losses never)
    reversible: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "reversible": self.reversible,
            "transform": self.transform,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "differences": [d.as_dict() for d in self.differences],
        }


@dataclass
class Report:
    """All rewrites and losses of one conversion, in file order."""

    path: str
    source: FileFormat | None
    target: FileFormat
    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, entry: ReportEntry) -> None:
        """Record an entry; one that repeats another at the same place (the text of an
        inlined ``extends`` base is converted once per service that gets it) adds its
        differences to the first."""
        for i, e in enumerate(self.entries):
            if (e.kind, e.transform, e.line, e.column, e.message) == (
                    entry.kind, entry.transform, entry.line, entry.column, entry.message):
                merged = e.differences + tuple(d for d in entry.differences
                                               if d not in e.differences)
                self.entries[i] = ReportEntry(e.kind, e.transform, e.path, e.line, e.column,
                                              e.message, merged,
                                              e.reversible and entry.reversible)
                return
        self.entries.append(entry)

    def sorted(self) -> list[ReportEntry]:
        return sorted(self.entries, key=lambda e: (e.line, e.column, e.kind.value, e.path))

    @property
    def rewrites(self) -> list[ReportEntry]:
        return [e for e in self.sorted() if e.kind is Kind.REWRITE]

    @property
    def losses(self) -> list[ReportEntry]:
        return [e for e in self.sorted() if e.kind is Kind.LOSS]

    @property
    def reversible(self) -> bool:
        """True when converting the result back gives the input byte for byte: no loss,
        and only rewrites that the opposite direction undoes."""
        return all(e.reversible for e in self.entries)

    def differences(self) -> Iterator[Difference]:
        for entry in self.entries:
            yield from entry.differences

    def diagnostics(self, *, strict: bool = False) -> list[Diagnostic]:
        """One ``conversion-loss`` (CK030, an error with ``strict``) or
        ``conversion-rewrite`` (CK031) finding per entry."""
        out: list[Diagnostic] = []
        for e in self.sorted():
            if e.kind is Kind.LOSS:
                out.append(codes.make(
                    "conversion-loss", self.path, Span(e.line, e.column), e.message,
                    json_path=e.path, origin="convert",
                    severity=Severity.ERROR if strict else None))
            else:
                out.append(codes.make(
                    "conversion-rewrite", self.path, Span(e.line, e.column), e.message,
                    json_path=e.path, origin="convert"))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "from": self.source.version if self.source is not None else None,
            "to": self.target.version,
            "rewrites": len(self.rewrites),
            "losses": len(self.losses),
            "entries": [e.as_dict() for e in self.sorted()],
        }

    def text(self) -> str:
        """``file:line:col: loss|rewrite: message [transform]`` lines."""
        lines = []
        for e in self.sorted():
            lines.append(f"{self.path}:{e.line}:{e.column}: {e.kind.value}: {e.message} "
                         f"[{e.transform}]")
        return "\n".join(lines)
