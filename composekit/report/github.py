"""GitHub Actions annotations: one workflow command per finding.

``::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE slug::MESSAGE``.
Errors are ``error``, warnings ``warning``, info and style findings ``notice``.
Values are escaped as the Actions runner expects: in the message ``%``, CR and
LF; in properties also ``:`` and ``,``.
"""

from __future__ import annotations

from collections.abc import Sequence

from composekit.diagnostics import Diagnostic, Severity

_COMMAND = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diag: Diagnostic) -> str:
    props = [f"file={escape_property(diag.path)}", f"line={diag.span.line}",
             f"col={diag.span.column}"]
    if diag.span.end_line is not None:
        props.append(f"endLine={diag.span.end_line}")
        if diag.span.end_column is not None:
            props.append(f"endColumn={diag.span.end_column}")
    props.append(f"title={escape_property(f'{diag.code} {diag.name}')}")
    message = diag.message + (f" (hint: {diag.help})" if diag.help else "")
    return f"::{_COMMAND[diag.severity]} {','.join(props)}::{escape_data(message)}"


def render_github(diags: Sequence[Diagnostic]) -> str:
    return "".join(annotation(d) + "\n" for d in diags)
