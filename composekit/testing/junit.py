"""JUnit XML for ``composekit test --junit FILE``: one test suite per project, one case per check.

The layout CI systems read (Jenkins, GitLab, GitHub test reporters): a
``<testsuites>`` root, a ``<testsuite>`` per tested project with counts and
time, and a ``<testcase>`` per outcome whose ``<failure>`` holds the message,
the details and the last log lines of the failing service. Progress lines go
to the suite's ``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from composekit.testing.results import RunReport, Status, count

# XML 1.0 cannot hold most control characters, which container logs may contain.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render_junit(reports: Sequence[RunReport]) -> str:
    """The JUnit XML document for ``reports``, as text (UTF-8 declaration included)."""
    root = ET.Element("testsuites", name="composekit test")
    total = {s: 0 for s in Status}
    total_time = 0.0
    for report in reports:
        counts = count(report.outcomes)
        for status, n in counts.items():
            total[status] += n
        total_time += report.duration
        suite = ET.SubElement(root, "testsuite", {
            "name": _clean(report.label),
            "tests": str(len(report.outcomes)),
            "failures": str(counts[Status.FAIL]),
            "errors": "1" if report.interrupted or report.usage_error else "0",
            "skipped": str(counts[Status.SKIP]),
            "time": f"{report.duration:.3f}",
        })
        if report.project_name:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="project", value=report.project_name)
        classname = f"composekit.test.{_classname(report.label)}"
        for outcome in report.outcomes:
            case = ET.SubElement(suite, "testcase", {
                "classname": classname,
                "name": _clean(outcome.name),
                "time": f"{outcome.duration:.3f}",
            })
            if outcome.status is Status.FAIL:
                failure = ET.SubElement(case, "failure", message=_clean(outcome.message),
                                        type=outcome.kind)
                body = [outcome.message]
                if outcome.details:
                    body += ["", outcome.details]
                if outcome.logs:
                    body += ["", f"--- last log lines of {outcome.service} ---", outcome.logs]
                failure.text = _clean("\n".join(body))
            elif outcome.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=_clean(outcome.message))
            else:
                out = ET.SubElement(case, "system-out")
                out.text = _clean(outcome.message)
        if report.usage_error:
            case = ET.SubElement(suite, "testcase", classname=classname, name="expectations")
            error = ET.SubElement(case, "error", type="usage",
                                  message="the checks could not be read or name unknown "
                                          "services; nothing was tested")
            error.text = _clean("\n".join(report.usage_messages))
        if report.interrupted:
            case = ET.SubElement(suite, "testcase", classname=classname, name="run")
            ET.SubElement(case, "error", message="interrupted (Ctrl-C or SIGTERM)",
                          type="interrupted")
        if report.progress:
            system_out = ET.SubElement(suite, "system-out")
            system_out.text = _clean("\n".join(report.progress))
    root.set("tests", str(sum(total.values())))
    root.set("failures", str(total[Status.FAIL]))
    root.set("skipped", str(total[Status.SKIP]))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _classname(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", label).strip("_") or "project"
