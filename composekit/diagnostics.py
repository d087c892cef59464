"""The one value type every stage of composekit reports problems with.

Stages never raise for a problem in the user's input: they return a list of
:class:`Diagnostic` next to their result, so that one run reports everything.
Positions are 1-based, like every editor and ``path:line:col`` consumer.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``ERROR`` compares highest."""

    STYLE = 10
    INFO = 20
    WARNING = 30
    ERROR = 40

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {names}") from None


@functools.total_ordering
@dataclass(frozen=True)
class Span:
    """A 1-based position with an optional end (end column is exclusive).

    Spans sort by start, then end; an unknown end sorts before any known one.
    """

    line: int = 1
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1:
            raise ValueError(f"positions are 1-based, got {self.line}:{self.column}")

    def _key(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.end_line or 0, self.end_column or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self._key() < other._key()

    @classmethod
    def at(cls, line0: int, col0: int) -> Span:
        """Build a span from ruamel's 0-based line and column."""
        return cls(line0 + 1, col0 + 1)


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``span`` of a file's text with ``text`` (for autofix)."""

    span: Span
    text: str


@dataclass(frozen=True, order=True)
class Fix:
    """A set of edits that resolve a finding; ``safe`` fixes never change meaning."""

    title: str
    edits: tuple[Edit, ...] = ()
    safe: bool = True


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: where, what, how bad, and how to act on it.

    Field order is the sort order: path, then position, then code.
    """

    path: str
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    json_path: str = "$"
    help: str | None = None
    fix: Fix | None = field(default=None, compare=True)
    origin: str = "lint"

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view, the shape of ``--format json``."""
        out: dict[str, object] = {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "code": self.code,
            "slug": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "json_path": self.json_path,
            "origin": self.origin,
            "fixable": self.fix is not None,
        }
        if self.help:
            out["help"] = self.help
        return out


def json_path(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a key path as ``$.services.web.ports[0]``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(c.isalnum() or c in "_-" for c in part) and not part[0].isdigit():
            out += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out += f"['{escaped}']"
    return out
