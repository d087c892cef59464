"""Plain text: one line per finding, ``path:line:col: severity CODE message``."""

from __future__ import annotations

from collections.abc import Sequence

from composekit.diagnostics import Diagnostic, Severity

_COLORS = {
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.INFO: "\033[36m",
    Severity.STYLE: "\033[35m",
}
_BOLD = "\033[1m"
_DIM = "\033[2m"
_RESET = "\033[0m"


def format_line(diag: Diagnostic, *, color: bool = False) -> str:
    """One finding on one line; the hint, if any, follows in brackets."""
    where = f"{diag.path}:{diag.span.line}:{diag.span.column}:"
    sev = diag.severity.label
    text = diag.message
    hint = f" [hint: {diag.help}]" if diag.help else ""
    if not color:
        return f"{where} {sev} {diag.code} {text}{hint}"
    tint = _COLORS[diag.severity]
    hint = f"{_DIM}{hint}{_RESET}" if hint else ""
    return f"{_BOLD}{where}{_RESET} {tint}{sev}{_RESET} {_BOLD}{diag.code}{_RESET} {text}{hint}"


def summary(diags: Sequence[Diagnostic], files: int) -> str:
    """``3 findings (2 errors, 1 warning) in 2 files``."""
    if not diags:
        return f"no findings in {files} file{'s' if files != 1 else ''}"
    counts: dict[Severity, int] = {}
    for d in diags:
        counts[d.severity] = counts.get(d.severity, 0) + 1
    parts = [
        f"{n} {sev.label}{'s' if n != 1 else ''}"
        for sev, n in sorted(counts.items(), key=lambda kv: -kv[0])
    ]
    total = len(diags)
    noun = "finding" if total == 1 else "findings"
    return f"{total} {noun} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''}"


def render_text(diags: Sequence[Diagnostic], *, color: bool = False) -> str:
    return "".join(format_line(d, color=color) + "\n" for d in diags)
