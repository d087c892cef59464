"""Lint configuration: discovery, validation (with positions), decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import LatestTag, patch_catalogue, write

from composekit.diagnostics import Severity
from composekit.errors import ConfigError
from composekit.lint.config import (
    ConfigResolver,
    LintConfig,
    Selector,
    build_options,
    find_config_file,
    glob_regex,
    load_config,
    toml_key_positions,
)
from composekit.lint.rule import Runtime


@pytest.fixture(autouse=True)
def _catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_catalogue(monkeypatch)


# --- discovery -----------------------------------------------------------------------------


def test_nearest_configuration_wins_and_yaml_beats_pyproject(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[tool.composekit]\nignore = ['CK891']\n")
    write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'x'\n")  # no table: skipped
    write(tmp_path / "a" / "b" / ".composekit.yaml", "ignore: [CK892]\n")
    write(tmp_path / "a" / "b" / "pyproject.toml", "[tool.composekit]\nignore = ['CK0']\n")
    assert find_config_file(str(tmp_path / "a" / "b" / "compose.yaml")) == str(
        tmp_path / "a" / "b" / ".composekit.yaml")
    assert find_config_file(str(tmp_path / "a" / "compose.yaml")) == str(
        tmp_path / "pyproject.toml")
    assert find_config_file(str(tmp_path / "a")) == str(tmp_path / "pyproject.toml")


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".composekit.yaml", "ignore: [CK891]\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert find_config_file(str(tmp_path / "repo" / "compose.yaml")) is None
    assert find_config_file(str(tmp_path / "other" / "compose.yaml")) == str(
        tmp_path / ".composekit.yaml")


def test_resolver_explicit_isolated_and_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    cfg = write(tmp_path / "custom.toml", "ignore = ['CK891']\n")
    write(tmp_path / ".composekit.yaml", "ignore: [CK892]\n")
    found = ConfigResolver().for_path(str(tmp_path / "compose.yaml"))
    assert not found.is_enabled("CK892") and found.is_enabled("CK891")
    explicit = ConfigResolver(explicit=str(cfg)).for_path(str(tmp_path / "compose.yaml"))
    assert not explicit.is_enabled("CK891") and explicit.is_enabled("CK892")
    isolated = ConfigResolver(isolated=True).for_path(str(tmp_path / "compose.yaml"))
    assert isolated == LintConfig()


# --- the same settings in TOML and YAML ----------------------------------------------------

TOML = """\
[tool.composekit]
select = ["CK", "test-latest-tag"]
ignore = ["CK89"]
target = "stack"
fail-on = "error"

[tool.composekit.severity-overrides]
CK891 = "error"

[tool.composekit.rules.test-latest-tag]
allowed = ["nginx"]
pin = "2"

[[tool.composekit.overrides]]
files = ["deploy/**/*.yaml"]
select = ["CK892"]
"""

YAML = """\
select: [CK, test-latest-tag]
ignore: [CK89]
target: stack
fail-on: error
severity-overrides:
  CK891: error
rules:
  CK891:
    allowed: [nginx]
    pin: "2"
overrides:
  - files: ["deploy/**/*.yaml"]
    select: [CK892]
"""


@pytest.mark.parametrize("name,text", [("pyproject.toml", TOML), (".composekit.yaml", YAML)])
def test_settings(tmp_path: Path, name: str, text: str) -> None:
    cfg = load_config(str(write(tmp_path / name, text)))
    assert cfg.target is Runtime.STACK and cfg.fail_on is Severity.ERROR
    # The slug (specificity of a full code) beats the CK89 prefix: CK891 on, CK892 off.
    assert cfg.is_enabled("CK891") and not cfg.is_enabled("CK892")
    assert cfg.is_enabled("CK001")
    assert cfg.severity_for("CK891") is Severity.ERROR and cfg.severity_for("CK892") is None
    opts = cfg.options_for(LatestTag)
    assert opts == LatestTag.Options(allowed=("nginx",), pin="2")
    # Per-path override turns CK892 back on under deploy/.
    assert cfg.is_enabled("CK892", str(tmp_path / "deploy" / "x" / "compose.yaml"))
    assert not cfg.is_enabled("CK892", str(tmp_path / "compose.yaml"))
    assert cfg.may_enable("CK892")


def test_empty_yaml_and_comment_only_are_the_defaults(tmp_path: Path) -> None:
    assert load_config(str(write(tmp_path / ".composekit.yaml", ""))) .select is None
    assert load_config(str(write(tmp_path / "c.yaml", "# nothing\n"))).ignore == ()


# --- errors with positions ------------------------------------------------------------------


@pytest.mark.parametrize("name,text,where,words", [
    ("pyproject.toml", "[tool.composekit]\nselect = ['CK']\nignored = ['CK1']\n",
     ":3:1:", ["unknown setting 'ignored'"]),
    (".composekit.yaml", "select: [CK]\nfail_on: error\n", ":2:1:",
     ["unknown setting 'fail_on'", "did you mean 'fail-on'"]),
    ("pyproject.toml", "[tool.composekit.rules.CK891]\ncolour = 'red'\n", ":2:1:",
     ["unknown option 'colour'", "CK891", "test-latest-tag", "allowed, pin"]),
    (".composekit.yaml", "rules:\n  test-latest-tag:\n    allowed: nginx\n", ":3:5:",
     ["option 'allowed'", "must be a list"]),
    (".composekit.yaml", "rules:\n  CK001: {x: 1}\n", ":2:3:", ["built-in check"]),
    (".composekit.yaml", "rules:\n  nope: {}\n", ":2:3:", ["unknown rule 'nope'"]),
    (".composekit.yaml", "ignore: [CK7]\n", ":1:", ["no code starts with 'CK7'"]),
    (".composekit.yaml", "ignore: CK891\n", ":1:1:", ["must be a list"]),
    (".composekit.yaml", "severity-overrides:\n  CK891: fatal\n", ":2:3:",
     ["unknown severity 'fatal'"]),
    (".composekit.yaml", "target: swarm\n", ":1:1:", ["unknown target 'swarm'"]),
    (".composekit.yaml", "overrides:\n  - select: [CK891]\n", ":2:", ["needs 'files'"]),
    (".composekit.yaml", "overrides:\n  - files: [a]\n    colour: x\n", ":3:5:",
     ["unknown setting 'colour'"]),
    ("pyproject.toml", "[tool.composekit]\nselect = [\n", ":3:1:", ["not valid TOML"]),
    (".composekit.yaml", "select: [CK\n", ":", ["composekit.yaml:"]),
    (".composekit.yaml", "- CK1\n", ":1:1:", ["must be a table of settings"]),
])
def test_errors_name_file_line_and_column(tmp_path: Path, name: str, text: str, where: str,
                                          words: list[str]) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    message = str(info.value)
    assert message.startswith(str(path) + where), message
    for w in words:
        assert w in message, message


def test_pyproject_without_table_is_an_error_when_named(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"no \[tool\.composekit\] table"):
        load_config(str(path))


# --- decisions ------------------------------------------------------------------------------


def _sel(*items: str) -> tuple[Selector, ...]:
    return tuple(Selector.parse(i, "test") for i in items)


@pytest.mark.parametrize("select,ignore,code,enabled", [
    (None, (), "CK891", True),
    (None, ("CK8",), "CK891", False),
    (("CK8",), ("CK891",), "CK891", False),   # more specific ignore wins
    (("CK891",), ("CK8",), "CK891", True),    # more specific select wins
    (("CK89",), ("CK89",), "CK891", False),   # a tie goes to ignore
    (("ALL",), (), "CK001", True),
    (("CK891",), (), "CK892", False),
    (("CK891",), (), "CK001", True),          # unignorable: yaml-syntax always shows
    ((), ("ALL",), "CK119", True),            # rule-error always shows
])
def test_selection(select: tuple[str, ...] | None, ignore: tuple[str, ...], code: str,
                   enabled: bool) -> None:
    cfg = LintConfig(select=_sel(*select) if select is not None else None, ignore=_sel(*ignore))
    assert cfg.is_enabled(code) is enabled


def test_command_line_on_top() -> None:
    cfg = LintConfig(select=_sel("CK892"), ignore=_sel("CK0"))
    cli = cfg.with_overrides(select=["CK891,CK892"], ignore=["test-version-key"])
    assert cli.is_enabled("CK891") and not cli.is_enabled("CK892")
    assert not cli.is_enabled("CK018")
    more = cfg.with_overrides(extend_select=["CK891"], target=Runtime.KUBERNETES,
                              fail_on=Severity.INFO)
    assert more.is_enabled("CK891") and more.is_enabled("CK892")
    assert more.target is Runtime.KUBERNETES and more.fail_on is Severity.INFO
    with pytest.raises(ConfigError, match="--select: unknown rule 'bogus'"):
        cfg.with_overrides(select=["bogus"])


@pytest.mark.parametrize("select,extend,code,enabled", [
    (None, (), "CK501", False),          # opt-in: not in the default selection
    (None, ("CK501",), "CK501", True),   # named by --extend-select
    (("CK5",), (), "CK501", True),       # a prefix names it
    (("ALL",), (), "CK501", True),
    (None, (), "CK502", True),           # the family's other rules are on by default
])
def test_opt_in_rules_run_only_when_selected(select: tuple[str, ...] | None,
                                             extend: tuple[str, ...], code: str,
                                             enabled: bool) -> None:
    from composekit.lint.config import opt_in_codes
    from composekit.lint.rules import BY_CODE

    assert not BY_CODE["CK501"].default_enabled and "CK501" in opt_in_codes()
    cfg = LintConfig(select=_sel(*select) if select is not None else None)
    if extend:
        cfg = cfg.with_overrides(extend_select=list(extend))
    assert cfg.is_enabled(code) is enabled


def test_per_path_layers_and_severities(tmp_path: Path) -> None:
    text = """\
ignore: [CK891]
severity-overrides: {CK8: info}
overrides:
  - files: ["*.prod.yaml"]
    select: [CK891]
    severity-overrides: {CK891: error}
  - files: ["legacy/"]
    ignore: [ALL]
"""
    cfg = load_config(str(write(tmp_path / ".composekit.yaml", text)))
    prod = str(tmp_path / "sub" / "compose.prod.yaml")
    assert cfg.is_enabled("CK891", prod) and cfg.severity_for("CK891", prod) is Severity.ERROR
    assert not cfg.is_enabled("CK891", str(tmp_path / "compose.yaml"))
    assert cfg.severity_for("CK892", str(tmp_path / "compose.yaml")) is Severity.INFO
    assert not cfg.is_enabled("CK018", str(tmp_path / "legacy" / "a" / "compose.yaml"))
    assert cfg.is_enabled("CK001", str(tmp_path / "legacy" / "compose.yaml"))
    # Outside the configuration's directory only basename patterns apply.
    assert cfg.is_enabled("CK891", str(tmp_path.parent / "x.prod.yaml"))
    assert cfg.is_enabled("CK018", str(tmp_path.parent / "legacy" / "compose.yaml"))


@pytest.mark.parametrize("pattern,path,matches", [
    ("**/*.yaml", "a/b/c.yaml", True),
    ("**/*.yaml", "c.yaml", True),
    ("deploy/*.yaml", "deploy/a/c.yaml", False),
    ("deploy/**", "deploy/a/c.yaml", True),
    ("compose.[ab].yaml", "compose.a.yaml", True),
    ("compose.[!ab].yaml", "compose.a.yaml", False),
    ("./x/?.yml", "x/1.yml", True),
    ("x/", "x/y/z", True),
])
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).match(path)) is matches


def test_options_coercion_and_errors() -> None:
    opts = build_options(LatestTag, {"allowed": ["a", "b"], "pin": "3"})
    assert opts == LatestTag.Options(allowed=("a", "b"), pin="3")
    with pytest.raises(ConfigError, match=r"option 'pin' of CK891 .* must be a string, got a "
                                          r"number"):
        build_options(LatestTag, {"pin": 3})
    with pytest.raises(ConfigError, match="must be a list"):
        build_options(LatestTag, {"allowed": "a"})


def test_toml_key_positions() -> None:
    text = ('[tool.composekit]\nselect = ["CK"]\n\n[tool.composekit."rules".CK891]\n'
            '  pin = "1"\n[[tool.composekit.overrides]]\nfiles = ["a"]\n'
            '[[tool.composekit.overrides]]\nignore = ["b"]\n')
    pos = toml_key_positions(text)
    assert pos[("tool", "composekit", "select")] == (2, 1)
    assert pos[("tool", "composekit", "rules", "CK891", "pin")] == (5, 3)
    assert pos[("tool", "composekit", "overrides", 0, "files")] == (7, 1)
    assert pos[("tool", "composekit", "overrides", 1, "ignore")] == (9, 1)
