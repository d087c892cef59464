"""Reporters: how findings are shown. They only format; they never decide.

Each reporter takes the findings of one run and a :class:`ReportOptions` and
returns the text to write. ``REPORTERS`` maps the ``--format`` names to them:

* ``text``: ``path:line:col: severity CODE message [hint: ...]``, one per line;
* ``json``: a list of objects with the fields of ``Diagnostic.as_dict``;
* ``sarif``: SARIF 2.1.0 with the rule catalogue (GitHub code scanning);
* ``github``: GitHub Actions workflow commands (``::error file=...::``);
* ``junit``: JUnit XML, one test case per file, a failure per finding at or
  above the failure threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from composekit.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class ReportOptions:
    """What a reporter may need besides the findings."""

    color: bool = False
    #: Every file checked, findings or not (JUnit lists each).
    files: tuple[str, ...] = ()
    #: The failure threshold of the run (JUnit failures, SARIF invocation).
    fail_on: Severity = Severity.WARNING


Reporter = Callable[[Sequence[Diagnostic], ReportOptions], str]


def _text(diags: Sequence[Diagnostic], opts: ReportOptions) -> str:
    from composekit.report.text import render_text

    return render_text(diags, color=opts.color)


def _json(diags: Sequence[Diagnostic], opts: ReportOptions) -> str:
    from composekit.report.json import render_json

    return render_json(diags)


def _sarif(diags: Sequence[Diagnostic], opts: ReportOptions) -> str:
    from composekit.report.sarif import render_sarif

    return render_sarif(diags, opts)


def _github(diags: Sequence[Diagnostic], opts: ReportOptions) -> str:
    from composekit.report.github import render_github

    return render_github(diags)


def _junit(diags: Sequence[Diagnostic], opts: ReportOptions) -> str:
    from composekit.report.junit import render_junit

    return render_junit(diags, opts)


REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "junit": _junit,
}

__all__ = ["REPORTERS", "ReportOptions", "Reporter"]
