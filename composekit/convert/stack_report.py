"""The report of a stack conversion: every rewrite and loss, in the file that wrote it.

A Compose project read for ``composekit convert --to stack`` may come from several files
(``-f`` files, ``extends`` bases, ``include`` projects), so each entry of the version
converter's :class:`~composekit.convert.report.Report` is extended with the file it points
into, the catalogue key it is about, the source line as written, and a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.convert.report import Kind, Report, ReportEntry
from composekit.diagnostics import Diagnostic, Severity, Span

__all__ = ["StackEntry", "StackReport"]


@dataclass(frozen=True)
class StackEntry(ReportEntry):
    """One rewrite or loss of a stack conversion.

    ``file``: the file that wrote the key (``line``/``column`` are in it); ``key``: the
    catalogue key (``services.*.restart``); ``source``: the line as written; ``help``: what
    to do about a loss.
    """

    file: str = ""
    key: str = ""
    source: str = ""
    help: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out.pop("differences", None)
        out.pop("reversible", None)
        out["file"] = self.file
        out["key"] = self.key
        out["source"] = self.source
        if self.help:
            out["help"] = self.help
        return out


@dataclass
class StackReport(Report):
    """All rewrites and losses of one stack conversion, in file and line order."""

    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, entry: ReportEntry) -> None:
        """Record an entry; an identical one at the same place (a key merged into several
        services from one anchor) is kept once."""
        if entry not in self.entries:
            self.entries.append(entry)

    def sorted(self) -> list[ReportEntry]:
        return sorted(self.entries, key=lambda e: (_file(e), e.line, e.column,
                                                   e.kind.value, e.path, e.message))

    def diagnostics(self, *, strict: bool = False) -> list[Diagnostic]:
        """One ``conversion-loss`` (CK030; an error with ``strict``) or ``conversion-rewrite``
        (CK031) finding per entry, in the file that wrote the key."""
        out: list[Diagnostic] = []
        for e in self.sorted():
            help = e.help if isinstance(e, StackEntry) else None
            if e.kind is Kind.LOSS:
                out.append(codes.make(
                    "conversion-loss", _file(e) or self.path, Span(e.line, e.column), e.message,
                    json_path=e.path, origin="convert", help=help,
                    severity=Severity.ERROR if strict else None))
            else:
                out.append(codes.make(
                    "conversion-rewrite", _file(e) or self.path, Span(e.line, e.column),
                    e.message, json_path=e.path, origin="convert", help=help))
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
        return "\n".join(
            f"{_file(e) or self.path}:{e.line}:{e.column}: {e.kind.value}: {e.message} "
            f"[{e.transform}]" for e in self.sorted())


def _file(entry: ReportEntry) -> str:
    return entry.file if isinstance(entry, StackEntry) else ""
