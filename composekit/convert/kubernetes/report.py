"""The Kubernetes conversion's report: every Compose key not carried (or carried another way).

The entries are the version converter's :class:`~composekit.convert.report.ReportEntry`
(``kind`` loss or rewrite, the transform that made it, the JSON path, line, column,
message), with the file each key was written in, since a project is read from several
files (``-f`` overrides, ``extends``, ``include``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.convert.report import Kind, ReportEntry
from composekit.diagnostics import Diagnostic, Severity, Span

__all__ = ["KubeEntry", "KubeReport"]


@dataclass(frozen=True)
class KubeEntry(ReportEntry):
    """A :class:`ReportEntry` with the file it points into and the Compose key it is about
    (``services.*.ulimits``: the row of the mapping table)."""

    file: str = ""
    key: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out.pop("differences", None)
        out["file"] = self.file
        out["key"] = self.key
        return out


@dataclass
class KubeReport:
    """All losses and rewrites of one conversion to Kubernetes, in file order."""

    entries: list[KubeEntry] = field(default_factory=list)

    def add(self, entry: KubeEntry) -> None:
        if entry not in self.entries:
            self.entries.append(entry)

    def sorted(self) -> list[KubeEntry]:
        return sorted(self.entries, key=lambda e: (e.file, e.line, e.column, e.kind.value,
                                                   e.path, e.message))

    @property
    def losses(self) -> list[KubeEntry]:
        return [e for e in self.sorted() if e.kind is Kind.LOSS]

    @property
    def rewrites(self) -> list[KubeEntry]:
        return [e for e in self.sorted() if e.kind is Kind.REWRITE]

    def diagnostics(self, *, strict: bool = False) -> list[Diagnostic]:
        """One CK030 ``conversion-loss`` (an error with ``strict``) or CK031
        ``conversion-rewrite`` finding per entry."""
        out: list[Diagnostic] = []
        for e in self.sorted():
            span = Span(max(e.line, 1), max(e.column, 1))
            if e.kind is Kind.LOSS:
                out.append(codes.make(
                    "conversion-loss", e.file, span, e.message, json_path=e.path,
                    origin="convert", severity=Severity.ERROR if strict else None))
            else:
                out.append(codes.make(
                    "conversion-rewrite", e.file, span, e.message, json_path=e.path,
                    origin="convert"))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "to": "kubernetes",
            "rewrites": len(self.rewrites),
            "losses": len(self.losses),
            "entries": [e.as_dict() for e in self.sorted()],
        }

    def text(self, *, relative_to: str | None = None) -> str:
        """``file:line:col: loss|rewrite: message [transform]`` lines."""
        import os

        lines = []
        for e in self.sorted():
            path = os.path.relpath(e.file, relative_to) if relative_to else e.file
            lines.append(f"{path}:{e.line}:{e.column}: {e.kind.value}: {e.message} "
                         f"[{e.transform}]")
        return "\n".join(lines)
