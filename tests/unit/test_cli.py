"""The command line: exit codes, formats, colours, configuration errors, fixes, catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from composekit.cli import app

CLEAN = "name: shop\nservices:\n  web:\n    image: nginx:1.27.2\n"
WARNS = CLEAN + "    environment:\n      A: ${COMPOSEKIT_TEST_UNSET_VAR}\n"
INVALID = "services:\n  web:\n    image: nginx:1.27.2\n    restart: sometimes\n"


def _run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the configuration search stops here
    for name, text in (("clean.yaml", CLEAN), ("warns.yaml", WARNS), ("invalid.yaml", INVALID)):
        (tmp_path / name).write_text(text)
    return tmp_path


def test_exit_codes(files: Path) -> None:
    # Only the built-in checks, so the verdicts do not depend on the rule catalogue.
    sel = ("--select", "CK0")
    assert _run("lint", *sel, str(files / "clean.yaml")).exit_code == 0
    assert _run("lint", *sel, str(files / "warns.yaml")).exit_code == 1
    assert _run("lint", *sel, "--fail-on", "error", str(files / "warns.yaml")).exit_code == 0
    assert _run("lint", *sel, str(files / "invalid.yaml")).exit_code == 1
    assert _run("lint", *sel, str(files / "missing.yaml")).exit_code == 2
    assert _run("lint", "--format", "nope", str(files / "clean.yaml")).exit_code == 2
    assert _run("lint", "--target", "swarm", str(files / "clean.yaml")).exit_code == 2
    assert _run("lint", "--select", "bogus", str(files / "clean.yaml")).exit_code == 2
    assert _run("lint", "--config", str(files / "nope.toml"), str(files)).exit_code == 2
    assert _run("validate", str(files / "warns.yaml")).exit_code == 0
    assert _run("validate", str(files / "invalid.yaml")).exit_code == 1


def test_bad_configuration_is_exit_2_with_position(files: Path) -> None:
    (files / ".composekit.yaml").write_text("select: [CK0]\nrules:\n  CK201:\n    colour: 1\n")
    result = _run("lint", str(files / "clean.yaml"))
    assert result.exit_code == 2
    assert f"{files / '.composekit.yaml'}:4:5: unknown option 'colour'" in result.stderr
    # validate never reads the lint configuration.
    assert _run("validate", str(files / "clean.yaml")).exit_code == 0


def test_configuration_is_found_and_applied(files: Path) -> None:
    (files / "pyproject.toml").write_text(
        "[tool.composekit]\nselect = ['CK0']\nfail-on = 'error'\n"
        "[tool.composekit.severity-overrides]\nCK018 = 'info'\n")
    result = _run("lint", "--format", "json", str(files / "warns.yaml"))
    assert result.exit_code == 0
    assert [(d["code"], d["severity"]) for d in json.loads(result.stdout)] == [
        ("CK018", "info")]
    assert _run("lint", "--isolated", "--select", "CK0",
                str(files / "warns.yaml")).exit_code == 1


def test_json_fields(files: Path) -> None:
    result = _run("lint", "--select", "CK0", "--format", "json", str(files / "warns.yaml"))
    data = json.loads(result.stdout)
    assert len(data) == 1
    item = data[0]
    assert {k: item[k] for k in ("path", "line", "column", "code", "slug", "severity",
                                 "fixable")} == {
        "path": str(files / "warns.yaml"), "line": 6, "column": 10, "code": "CK018",
        "slug": "unset-variable", "severity": "warning", "fixable": False}
    assert "COMPOSEKIT_TEST_UNSET_VAR" in item["message"]


@pytest.mark.parametrize("fmt,marker", [("sarif", '"version": "2.1.0"'),
                                        ("github", "::warning file="),
                                        ("junit", "<testsuites")])
def test_other_formats(files: Path, fmt: str, marker: str) -> None:
    result = _run("lint", "--select", "CK0", "--format", fmt, str(files / "warns.yaml"))
    assert result.exit_code == 1 and marker in result.stdout


def test_output_file(files: Path) -> None:
    out = files / "report.sarif"
    result = _run("lint", "--select", "CK0", "--format", "sarif", "-o", str(out),
                  str(files / "warns.yaml"))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text())["runs"][0]["results"][0]["ruleId"] == "CK018"


def test_colour_only_when_asked(files: Path) -> None:
    target = str(files / "warns.yaml")
    assert "\033[" not in _run("lint", "--select", "CK0", target).stdout
    assert "\033[" in _run("lint", "--select", "CK0", "--color", "always", target).stdout
    assert "\033[" not in _run("lint", "--select", "CK0", "--color", "never", target).stdout


def test_quiet_shows_errors_only_and_no_summary(files: Path) -> None:
    both = str(files / "warns.yaml"), str(files / "invalid.yaml")
    loud = _run("lint", "--select", "CK0", *both)
    assert "CK018" in loud.stdout and "findings" in loud.stderr
    quiet = _run("lint", "--select", "CK0", "-q", *both)
    assert "CK018" not in quiet.stdout and "CK027" in quiet.stdout
    assert quiet.stderr == "" and quiet.exit_code == 1


def test_select_ignore_and_target(files: Path) -> None:
    target = str(files / "warns.yaml")
    assert _run("lint", "--select", "CK0", "--ignore", "unset-variable", target).exit_code == 0
    assert _run("lint", "--select", "CK0,CK1", "--ignore", "CK1", "--ignore", "CK018",
                target).exit_code == 0
    assert _run("lint", "--select", "CK0", "--target", "stack", target).exit_code == 1


def test_fix_and_diff(files: Path) -> None:
    path = files / "compose.yaml"
    text = CLEAN.replace("1.27.2\n", "1.27.2  # composekit: disable=CK018\n")
    path.write_text(text)
    diff = _run("lint", "--select", "CK0,CK117", "--diff", str(path))
    assert diff.exit_code == 1
    assert diff.stdout.startswith(f"--- a/{path}\n+++ b/{path}\n")
    assert "-    image: nginx:1.27.2  # composekit: disable=CK018\n" in diff.stdout
    assert path.read_text() == text
    fixed = _run("lint", "--select", "CK0,CK117", "--fix", str(path))
    assert fixed.exit_code == 0, fixed.stdout + fixed.stderr
    assert path.read_text() == CLEAN
    assert "fixed 1 finding in 1 file" in fixed.stderr
    assert _run("lint", "--select", "CK0,CK117", "--diff", str(path)).exit_code == 0


def test_rules_and_explain() -> None:
    result = _run("rules", "--format", "json")
    assert result.exit_code == 0
    catalogue = json.loads(result.stdout)
    by_code = {r["code"]: r for r in catalogue}
    assert by_code["CK117"]["slug"] == "unused-suppression" and by_code["CK117"]["builtin"]
    for entry in catalogue:
        assert {"code", "slug", "severity", "fixable", "summary", "documentation",
                "options", "targets", "family"} <= set(entry)
        if not entry["builtin"]:
            assert "## What it does" in entry["documentation"]
    text = _run("rules")
    assert text.exit_code == 0 and "CK117  unused-suppression" in text.stdout
    explained = _run("explain", "ck117")
    assert explained.exit_code == 0
    assert explained.stdout.startswith("CK117 unused-suppression (built-in check")
    unknown = _run("explain", "unused-supression")
    assert unknown.exit_code == 2 and "did you mean unused-suppression" in unknown.stderr
    markdown = _run("rules", "--format", "markdown")
    assert markdown.stdout.startswith("# composekit rules\n")
    assert "| CK117 | `unused-suppression` |" in markdown.stdout


def test_explain_prints_a_rules_docstring() -> None:
    catalogue = json.loads(_run("rules", "--format", "json").stdout)
    rules = [r for r in catalogue if not r["builtin"]]
    if not rules:
        pytest.skip("no lint rules registered")
    first = rules[0]
    for ident in (first["code"], first["slug"]):
        out = _run("explain", ident).stdout
        assert out.startswith(f"{first['code']} {first['slug']} (")
        assert "## What it does" in out and "## Why is this bad?" in out


@pytest.mark.parametrize("args,stdin", [
    (["lint", "{tmp}"], None),                          # a directory without a Compose file
    (["lint", "{tmp}/binary.yaml"], None),
    (["lint", "--config", "{tmp}/broken.toml", "{tmp}/binary.yaml"], None),
    (["lint", "-"], "services: [\n"),
    (["lint", "--fix", "{tmp}/deep.yaml"], None),
    (["explain"], None),
    (["lint", "--engine", "banana", "{tmp}/deep.yaml"], None),
])
def test_no_traceback_ever(tmp_path: Path, args: list[str], stdin: str | None) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "binary.yaml").write_bytes(b"\x00\xff\xfe garbage \x80")
    (tmp_path / "broken.toml").write_text("[tool.composekit\n")
    (tmp_path / "deep.yaml").write_text("services:\n  a:\n" + "    x:\n" * 3 + "  b: [[[[\n")
    env = {k: v for k, v in os.environ.items() if k != "COMPOSEKIT_DEBUG"}
    done = subprocess.run([sys.executable, "-m", "composekit",
                           *(a.format(tmp=tmp_path) for a in args)],
                          input=stdin, capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode in (1, 2), done.stderr
    if "broken.toml" in " ".join(args):
        assert done.returncode == 2 and "broken.toml:1:17: not valid TOML" in done.stderr
