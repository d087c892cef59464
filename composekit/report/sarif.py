"""SARIF 2.1.0, the format GitHub code scanning uploads.

One run, tool ``composekit`` with the whole catalogue as rule metadata (lint
rules and built-in checks: short and full description, help text and
Markdown from the rule's docstring, default level, family tags); one result
per finding with its rule, level, message, location (1-based lines and
columns, counted in Unicode code points) and, when the finding has a fix,
the fix as replacements.

Paths are written relative to ``%SRCROOT%``, the directory composekit ran in,
which ``originalUriBaseIds`` records; absolute paths outside it become
``file://`` URIs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from composekit import __version__
from composekit.diagnostics import Diagnostic, Severity, Span

if TYPE_CHECKING:
    from composekit.lint.docs import RuleDoc
    from composekit.report import ReportOptions

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
SRCROOT = "%SRCROOT%"

_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}
#: GitHub's security-severity scale (0-10) for security rules.
_SECURITY_SEVERITY = {
    Severity.ERROR: "8.0",
    Severity.WARNING: "5.5",
    Severity.INFO: "3.0",
    Severity.STYLE: "1.0",
}


def _artifact(path: str, cwd: str) -> dict[str, str]:
    if path in ("-", "<stdin>"):
        return {"uri": "stdin"}
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, cwd)
    if not relative.startswith(".."):
        return {"uri": quote(Path(relative).as_posix()), "uriBaseId": SRCROOT}
    return {"uri": Path(absolute).as_uri()}


def _region(span: Span) -> dict[str, int]:
    region = {"startLine": span.line, "startColumn": span.column}
    if span.end_line is not None:
        region["endLine"] = span.end_line
        if span.end_column is not None:
            region["endColumn"] = span.end_column
    elif span.end_column is not None:
        region["endColumn"] = span.end_column
    return region


def _descriptor(doc: RuleDoc) -> dict[str, Any]:
    what = doc.sections.get("What it does") or doc.summary
    text = doc.body.strip() if doc.body else doc.summary
    tags = ["builtin" if doc.builtin else doc.family]
    props: dict[str, Any] = {"tags": tags, "fixable": doc.fix.value}
    if doc.family == "security":
        props["security-severity"] = _SECURITY_SEVERITY[doc.severity]
    out: dict[str, Any] = {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary or doc.name},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": text, "markdown": doc.help_markdown()},
        "defaultConfiguration": {"level": _LEVEL[doc.severity]},
        "properties": props,
    }
    return out


def _fix(diag: Diagnostic, cwd: str) -> list[dict[str, Any]]:
    if diag.fix is None or not diag.fix.edits:
        return []
    replacements = []
    for edit in diag.fix.edits:
        span = edit.span
        region = {"startLine": span.line, "startColumn": span.column,
                  "endLine": span.end_line or span.line,
                  "endColumn": span.end_column or span.column}
        replacements.append({"deletedRegion": region, "insertedContent": {"text": edit.text}})
    return [{
        "description": {"text": diag.fix.title + ("" if diag.fix.safe else " (unsafe)")},
        "artifactChanges": [{"artifactLocation": _artifact(diag.path, cwd),
                             "replacements": replacements}],
    }]


def sarif_log(diags: Sequence[Diagnostic], opts: ReportOptions | None = None,
              *, cwd: str | None = None, docs: Sequence[RuleDoc] | None = None
              ) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    from composekit.lint.docs import all_docs

    cwd = os.path.abspath(cwd or os.getcwd())
    catalogue = list(docs) if docs is not None else all_docs()
    index = {d.code: i for i, d in enumerate(catalogue)}
    results = []
    for d in diags:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": _LEVEL[d.severity],
            "message": {"text": d.message + (f" (hint: {d.help})" if d.help else "")},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(d.path, cwd),
                                                "region": _region(d.span)}}],
            "properties": {"severity": d.severity.label, "slug": d.name,
                           "jsonPath": d.json_path, "origin": d.origin},
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        fixes = _fix(d, cwd)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    root_uri = Path(cwd).as_uri()
    if not root_uri.endswith("/"):
        root_uri += "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "composekit",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(doc) for doc in catalogue],
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render_sarif(diags: Sequence[Diagnostic], opts: ReportOptions | None = None) -> str:
    return json.dumps(sarif_log(diags, opts), indent=2, ensure_ascii=False) + "\n"
