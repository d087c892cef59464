"""The rule engine: which rules run, targets, crashes, configuration and suppression."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from engine_support import (
    TEST_RULES,
    Crashes,
    LatestTag,
    ObsoleteVersion,
    StackOnly,
    codes_of,
    lint_file,
    patch_catalogue,
    write,
)

from composekit.checker import CheckOptions, Target, check_target
from composekit.diagnostics import Severity
from composekit.lint.config import LintConfig, Selector
from composekit.lint.engine import default_target, lint_project, run_rules
from composekit.lint.rule import Runtime
from composekit.loader import load_project
from composekit.schema import validate_document

COMPOSE = """\
version: "3.8"
services:
  web:
    image: nginx:latest
    container_name: web
  db:
    image: postgres:16
"""


@pytest.fixture(autouse=True)
def _catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_catalogue(monkeypatch)


def _project(path: Path):  # type: ignore[no-untyped-def]
    project, diags = load_project([str(path)], environ={})
    assert project is not None, diags
    formats = {p: validate_document(doc)[0] for p, doc in project.documents.items()}
    return project, formats, diags


def test_rules_run_on_the_project_and_point_into_the_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    project, formats, _ = _project(f)
    diags = run_rules(project, formats, rules=(LatestTag, ObsoleteVersion))
    found = {(d.code, d.span.line, d.span.column) for d in diags}
    assert found == {("CK891", 4, 12), ("CK892", 1, 1)}
    assert all(d.path == str(f) for d in diags)


def test_target_selects_runtime_rules(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    project, formats, _ = _project(f)
    assert default_target(formats, project.main_file) is Runtime.COMPOSE_V2
    assert run_rules(project, formats, rules=(StackOnly,)) == []
    stack = run_rules(project, formats, rules=(StackOnly,), target=Runtime.STACK)
    assert [(d.code, d.span.line) for d in stack] == [("CK893", 5)]
    # The configuration's target is used when none is given.
    cfg = LintConfig(target=Runtime.STACK)
    assert codes_of(run_rules(project, formats, rules=(StackOnly,), config=cfg)) == ["CK893"]


def test_default_target_of_a_v1_file_is_compose_v1(tmp_path: Path) -> None:
    f = write(tmp_path / "docker-compose.yml", "web:\n  image: nginx:1.25\n")
    project, formats, _ = _project(f)
    assert formats[project.main_file].version == "1"
    assert default_target(formats, project.main_file) is Runtime.COMPOSE_V1
    spec = write(tmp_path / "spec" / "compose.yaml", "services:\n  a:\n    image: x:1\n")
    project, formats, _ = _project(spec)
    assert default_target(formats, project.main_file) is Runtime.COMPOSE_V2


def test_a_crashing_rule_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    project, formats, _ = _project(f)
    diags = run_rules(project, formats, rules=(Crashes, LatestTag))
    errors = [d for d in diags if d.code == "CK119"]
    assert len(errors) == 1
    assert errors[0].severity is Severity.ERROR
    assert "CK894 (test-crashes)" in errors[0].message
    assert "KeyError" in errors[0].message and "engine_support.py" in errors[0].message
    # Findings from before the crash are kept, and the other rules still ran.
    assert codes_of(diags).count("CK894") == 2
    assert "CK891" in codes_of(diags)


def test_rule_error_cannot_be_ignored(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    diags = lint_file(f, rules=(Crashes,), ignore=("CK1",))
    assert "CK119" in codes_of(diags)


def test_select_ignore_and_severity_apply_to_rules_and_builtin_codes(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE + "    environment:\n      A: ${UNSET}\n")
    base = codes_of(lint_file(f, rules=TEST_RULES[:2]))
    assert {"CK891", "CK892", "CK018"} <= set(base)
    assert codes_of(lint_file(f, rules=TEST_RULES[:2], select=("CK891",))) == ["CK891"]
    assert "CK018" not in codes_of(lint_file(f, rules=TEST_RULES[:2], ignore=("CK0",)))
    assert "CK891" not in codes_of(lint_file(f, rules=TEST_RULES[:2],
                                             ignore=("test-latest-tag",)))


def test_unignorable_codes_survive_any_selection(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "services:\n  web: [\n")
    diags = lint_file(f, select=("CK891",))
    assert codes_of(diags) == ["CK001"]


def test_severity_overrides_and_per_path(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    project, formats, _ = _project(f)
    cfg = LintConfig(severities=((Selector("CK89", "CK89"), Severity.ERROR),))
    diags = run_rules(project, formats, rules=(LatestTag, ObsoleteVersion), config=cfg)
    assert {d.severity for d in diags} == {Severity.ERROR}


def test_suppression_comments_in_the_pipeline(tmp_path: Path) -> None:
    text = (
        "# composekit: disable-file=CK892\n"
        'version: "3.8"\n'
        "services:\n"
        "  web:\n"
        "    image: nginx:latest  # composekit: disable=test-latest-tag\n"
        "  db:\n"
        "    # composekit: disable=CK891,CK018\n"
        "    image: postgres:latest\n"
        "  cache:\n"
        "    image: redis:latest  # composekit: disable=CK893\n"
    )
    f = write(tmp_path / "compose.yaml", text)
    diags = lint_file(f, rules=(LatestTag, ObsoleteVersion, StackOnly))
    found = [(d.code, d.span.line, d.span.column) for d in diags]
    # web and db are suppressed; CK018 in db's comment is unused (reported); the stack rule
    # did not run for compose-v2, so its suppression is not called unused.
    assert ("CK891", 10, 12) in found
    assert ("CK117", 7, 33) in found
    assert not any(c == "CK891" and line in (5, 8) for c, line, _ in found)
    assert not any(c == "CK892" for c, _, _ in found)
    assert not any(c == "CK117" and line == 10 for c, line, _ in found)
    # Under --target stack the stack rule runs: its suppression is now checked and unused.
    stack = lint_file(f, rules=(LatestTag, ObsoleteVersion, StackOnly), target=Runtime.STACK)
    assert ("CK117", 10, 48) in [(d.code, d.span.line, d.span.column) for d in stack]


def test_unused_suppression_of_an_ignored_code_is_not_reported(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  web:\n    image: nginx:1  # composekit: disable=CK891\n")
    assert "CK117" in codes_of(lint_file(f, rules=(LatestTag,)))
    assert "CK117" not in codes_of(lint_file(f, rules=(LatestTag,), ignore=("CK891",)))


def test_unused_and_invalid_suppressions_can_be_disabled_for_the_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "# composekit: disable-file=CK117,CK118\n"
              "services:\n  web:\n    image: nginx:1  # composekit: disable=CK891,CK999\n")
    diags = lint_file(f, rules=(LatestTag,))
    assert not {"CK117", "CK118"} & set(codes_of(diags))


def test_unignorable_findings_cannot_be_suppressed(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "# composekit: disable-file\nservices:\n  web: [\n")
    assert codes_of(lint_file(f)) == ["CK001"]


def test_validate_verdict_ignores_lint_configuration(tmp_path: Path) -> None:
    write(tmp_path / ".composekit.yaml", "ignore: [CK0, CK1]\n")
    f = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: 42\n    bogus: 1\n")
    linted = check_target(Target(files=(str(f),)),
                          CheckOptions(environ={}, lint=_lint_defaults()))
    assert not [d for d in linted.diagnostics if d.code.startswith("CK02")]
    verdict = check_target(Target(files=(str(f),)), CheckOptions(environ={}))
    assert {"CK022", "CK026"} <= set(codes_of(verdict.diagnostics))
    assert verdict.failed and verdict.fail_on is Severity.ERROR


def _lint_defaults():  # type: ignore[no-untyped-def]
    from composekit.checker import LintOptions

    return LintOptions(rules=())


def test_lint_project_reports_target_and_rules_run(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", COMPOSE)
    project, formats, diags = _project(f)
    result = lint_project(project, formats, diags, rules=TEST_RULES[:3],
                          config=LintConfig(ignore=(Selector("CK892", "CK892"),)))
    assert result.target is Runtime.COMPOSE_V2
    assert result.rules_run == ("CK891",)
    assert codes_of(result.diagnostics) == ["CK891"]


def test_fail_on_from_configuration(tmp_path: Path) -> None:
    write(tmp_path / ".composekit.yaml", "fail-on: error\n")
    f = write(tmp_path / "compose.yaml", COMPOSE)
    from composekit.checker import LintOptions

    result = check_target(Target(files=(str(f),)),
                          CheckOptions(environ=dict(os.environ),
                                       lint=LintOptions(rules=(LatestTag,))))
    assert codes_of(result.diagnostics) == ["CK891"]
    assert result.fail_on is Severity.ERROR and not result.failed
    stricter = check_target(Target(files=(str(f),)),
                            CheckOptions(environ={}, lint=LintOptions(rules=(LatestTag,),
                                                                      fail_on=Severity.INFO)))
    assert stricter.failed
