"""JUnit XML: one test case per checked file, one ``<failure>`` per finding at or above
the failure threshold; findings below it are listed in the test case's ``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic

if TYPE_CHECKING:
    from composekit.report import ReportOptions

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _line(d: Diagnostic) -> str:
    hint = f" [hint: {d.help}]" if d.help else ""
    return _clean(f"{d.path}:{d.span.line}:{d.span.column}: {d.severity.label} {d.code} "
                  f"{d.message}{hint}")


def render_junit(diags: Sequence[Diagnostic], opts: ReportOptions) -> str:
    files = list(opts.files)
    for d in diags:
        if d.path not in files:
            files.append(d.path)
    by_file: dict[str, list[Diagnostic]] = {f: [] for f in files}
    for d in diags:
        by_file[d.path].append(d)
    failing_cases = sum(1 for f in files if any(d.severity >= opts.fail_on for d in by_file[f]))
    root = ET.Element("testsuites", name="composekit", tests=str(len(files)),
                      failures=str(failing_cases), errors="0")
    suite = ET.SubElement(root, "testsuite", name="composekit lint", tests=str(len(files)),
                          failures=str(failing_cases), errors="0", skipped="0")
    for f in files:
        case = ET.SubElement(suite, "testcase", classname="composekit", name=_clean(f),
                             file=_clean(f))
        below: list[str] = []
        for d in by_file[f]:
            if d.severity >= opts.fail_on:
                failure = ET.SubElement(
                    case, "failure", type=f"{d.code} {d.name}",
                    message=_clean(f"{d.span.line}:{d.span.column}: {d.message}"))
                failure.text = _line(d)
            else:
                below.append(_line(d))
        if below:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(below)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
