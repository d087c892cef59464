"""Which files make a project, and its directory and name (Compose v2's rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from composekit.diagnostics import Severity
from composekit.loader.files import (
    DEFAULT_FILE_NAMES,
    DEFAULT_OVERRIDE_FILE_NAMES,
    FileReader,
    discover_compose_files,
    find_compose_files,
    is_valid_project_name,
    normalize_project_name,
    select_files,
    split_compose_file_env,
)

SERVICE = "services:\n  s:\n    image: s\n"


def write(path: Path, text: str = SERVICE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_names_in_compose_order() -> None:
    assert DEFAULT_FILE_NAMES == (
        "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
    assert DEFAULT_OVERRIDE_FILE_NAMES == (
        "compose.override.yml", "compose.override.yaml",
        "docker-compose.override.yml", "docker-compose.override.yaml")


def test_finds_the_file_and_its_override(tmp_path: Path) -> None:
    base = write(tmp_path / "compose.yaml")
    override = write(tmp_path / "compose.override.yaml")
    assert find_compose_files(str(tmp_path)) == [str(base), str(override)]


def test_override_file_need_not_match_the_base_name(tmp_path: Path) -> None:
    base = write(tmp_path / "compose.yaml")
    override = write(tmp_path / "docker-compose.override.yml")
    assert find_compose_files(str(tmp_path)) == [str(base), str(override)]


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        (["compose.yaml", "compose.yml"], "compose.yaml"),
        (["compose.yml", "docker-compose.yaml"], "compose.yml"),
        (["docker-compose.yaml", "docker-compose.yml"], "docker-compose.yml"),
    ],
)
def test_several_candidates_warn_and_the_first_wins(
    tmp_path: Path, present: list[str], winner: str
) -> None:
    for name in present:
        write(tmp_path / name)
    files, diags = discover_compose_files(str(tmp_path))
    assert files == [str(tmp_path / winner)]
    assert [d.code for d in diags] == ["CK111"]
    assert diags[0].severity == Severity.WARNING
    assert diags[0].path == str(tmp_path / winner)
    assert "ignoring" in diags[0].message


def test_several_override_files_warn(tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml")
    write(tmp_path / "compose.override.yml")
    write(tmp_path / "compose.override.yaml")
    files, diags = discover_compose_files(str(tmp_path))
    assert files[1] == str(tmp_path / "compose.override.yml")
    assert [d.code for d in diags] == ["CK111"]


def test_walks_up_to_the_nearest_directory_with_a_file(tmp_path: Path) -> None:
    top = write(tmp_path / "compose.yaml")
    nearer = write(tmp_path / "a" / "docker-compose.yml")
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert find_compose_files(str(deep)) == [str(nearer)]
    assert find_compose_files(str(tmp_path / "a" / "b"), walk_up=False) == []
    assert find_compose_files(str(tmp_path)) == [str(top)]


def test_an_override_without_a_base_is_not_a_project(tmp_path: Path) -> None:
    write(tmp_path / "compose.override.yaml")
    sub = tmp_path / "sub"
    sub.mkdir()
    assert find_compose_files(str(sub), walk_up=False) == []
    assert find_compose_files(str(tmp_path), walk_up=False) == []


def test_named_files_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    sel = select_files(["a/one.yaml", "two.yaml"], project_dir=None, environ={},
                       cwd=str(tmp_path))
    assert sel.files == [str(tmp_path / "a" / "one.yaml"), str(tmp_path / "two.yaml")]
    assert sel.project_dir == str(tmp_path / "a")
    assert not sel.discovered


def test_project_directory_option_wins_over_the_first_file(tmp_path: Path) -> None:
    sel = select_files(["conf/c.yaml"], project_dir="proj", environ={}, cwd=str(tmp_path))
    assert sel.project_dir == str(tmp_path / "proj")
    assert sel.files == [str(tmp_path / "conf" / "c.yaml")]


def test_compose_file_variable_with_its_separator(tmp_path: Path) -> None:
    env = {"COMPOSE_FILE": "one.yaml;sub/two.yaml", "COMPOSE_PATH_SEPARATOR": ";"}
    sel = select_files([], project_dir=None, environ=env, cwd=str(tmp_path))
    assert sel.files == [str(tmp_path / "one.yaml"), str(tmp_path / "sub" / "two.yaml")]
    assert sel.project_dir == str(tmp_path)


def test_compose_file_default_separator_is_the_os_one() -> None:
    assert split_compose_file_env("a.yaml:b.yaml", {}) == ["a.yaml", "b.yaml"]
    assert split_compose_file_env("a.yaml,b.yaml", {"COMPOSE_PATH_SEPARATOR": ","}) == [
        "a.yaml", "b.yaml"]


def test_named_files_beat_compose_file(tmp_path: Path) -> None:
    sel = select_files(["x.yaml"], project_dir=None, environ={"COMPOSE_FILE": "y.yaml"},
                       cwd=str(tmp_path))
    assert sel.files == [str(tmp_path / "x.yaml")]


def test_discovery_starts_at_the_project_directory(tmp_path: Path) -> None:
    base = write(tmp_path / "proj" / "compose.yml")
    sel = select_files([], project_dir="proj", environ={}, cwd=str(tmp_path))
    assert sel.files == [str(base)]
    assert sel.discovered


def test_stdin_keeps_the_current_directory_as_project_directory(tmp_path: Path) -> None:
    sel = select_files(["-"], project_dir=None, environ={}, cwd=str(tmp_path))
    assert sel.files == ["-"]
    assert sel.project_dir == str(tmp_path)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("My.Dir X", "mydirx"),
        ("__hidden-app", "hidden-app"),
        ("Proj_1", "proj_1"),
        ("émile", "mile"),
        ("...", ""),
    ],
)
def test_project_name_normalisation(raw: str, normal: str) -> None:
    assert normalize_project_name(raw) == normal


@pytest.mark.parametrize(
    ("name", "valid"),
    [("app", True), ("app-1_x", True), ("1app", True), ("App", False), ("-app", False),
     ("my app", False), ("", False)],
)
def test_explicit_project_names_must_be_valid(name: str, valid: bool) -> None:
    assert is_valid_project_name(name) is valid


def test_reader_parses_once_and_interpolates_each_read(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", "services:\n  s:\n    image: img:${TAG}\n")
    reader = FileReader()
    first = reader.read(str(path), {"TAG": "1"})
    second = reader.read(str(path), {"TAG": "2"})
    assert first is not None and second is not None
    assert first.node.plain()["services"]["s"]["image"] == "img:1"
    assert second.node.plain()["services"]["s"]["image"] == "img:2"
    assert reader.files == [str(path)]
    assert list(reader.documents) == [str(path)]
    assert reader.documents[str(path)].data["services"]["s"]["image"] == "img:1"


def test_reader_reports_a_missing_file_once(tmp_path: Path) -> None:
    reader = FileReader()
    missing = str(tmp_path / "nope.yaml")
    assert reader.read(missing, {}) is None
    assert reader.read(missing, {}) is None
    assert [d.code for d in reader.diagnostics] == ["CK000"]
    assert reader.files == [missing]


def test_reader_without_interpolation_keeps_variables(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", "services:\n  s:\n    image: img:${TAG}\n")
    parsed = FileReader(interpolate=False).read(str(path), {"TAG": "1"})
    assert parsed is not None
    assert parsed.node.plain()["services"]["s"]["image"] == "img:${TAG}"


def test_reader_reads_stdin_text() -> None:
    reader = FileReader(stdin=SERVICE)
    parsed = reader.read("-", {})
    assert parsed is not None
    assert parsed.node.plain() == {"services": {"s": {"image": "s"}}}
    assert parsed.node.value["services"].origin.path == "-"
