"""Top-level ``include``: forms, directories, variables, conflicts and cycles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.loader import load_project

ENV = {"HOME": "/home/me"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(path: Path, *more: Path, environ: dict[str, str] | None = None
         ) -> tuple[Any, list[Diagnostic]]:
    project, diags = load_project([str(path), *map(str, more)], environ=environ or ENV)
    assert project is not None
    return project, diags


def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity >= Severity.ERROR]


def test_short_form_imports_services_and_resources(tmp_path: Path) -> None:
    write(tmp_path / "db" / "compose.yaml", """\
services:
  db:
    image: postgres
    volumes: ["./init:/init", "data:/data"]
volumes:
  data: {}
""")
    f = write(tmp_path / "compose.yaml",
              "include:\n  - db/compose.yaml\nservices:\n  app:\n    image: app\n")
    project, diags = load(f)
    assert errors(diags) == []
    assert set(project.config["services"]) == {"app", "db"}
    assert "data" in project.config["volumes"]
    db = project.config["services"]["db"]
    assert db["volumes"][0]["source"] == str(tmp_path / "db" / "init")
    assert project.files == [str(f), str(tmp_path / "db" / "compose.yaml")]
    origin = project.origin(("services", "db", "image"))
    assert (origin.path, origin.span.line) == (str(tmp_path / "db" / "compose.yaml"), 3)


def test_included_dotenv_completes_but_never_overrides(tmp_path: Path) -> None:
    write(tmp_path / "inc" / "compose.yaml",
          "services:\n  s:\n    image: s:${TAG}\n    labels: [\"only=${ONLY}\"]\n")
    write(tmp_path / "inc" / ".env", "TAG=from-included\nONLY=included-only\n")
    write(tmp_path / ".env", "TAG=from-parent\n")
    f = write(tmp_path / "compose.yaml", "include: [inc/compose.yaml]\n")
    project, _ = load(f)
    s = project.config["services"]["s"]
    assert s["image"] == "s:from-parent"
    assert s["labels"] == {"only": "included-only"}


def test_included_environment_entries_take_the_included_variables(tmp_path: Path) -> None:
    write(tmp_path / "inc" / "compose.yaml",
          "services:\n  s:\n    image: s\n    environment: [SECRET_LEVEL]\n")
    write(tmp_path / "inc" / ".env", "SECRET_LEVEL=3\n")
    f = write(tmp_path / "compose.yaml", "include: [inc/compose.yaml]\n")
    project, _ = load(f)
    assert project.config["services"]["s"]["environment"] == {"SECRET_LEVEL": "3"}


def test_long_form_with_several_files_project_directory_and_env_file(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "a.yaml", "services:\n  s:\n    image: s:${V}\n    build: .\n")
    write(tmp_path / "lib" / "b.yaml", "services:\n  s:\n    labels: [layer=b]\n")
    write(tmp_path / "vars.env", "V=9\n")
    f = write(tmp_path / "compose.yaml", """\
include:
  - path: [lib/a.yaml, lib/b.yaml]
    project_directory: other
    env_file: vars.env
""")
    (tmp_path / "other").mkdir()
    project, diags = load(f)
    assert errors(diags) == []
    s = project.config["services"]["s"]
    assert s["image"] == "s:9"
    assert s["labels"] == {"layer": "b"}
    assert s["build"]["context"] == str(tmp_path / "other")


def test_conflict_with_the_including_file_points_at_its_definition(tmp_path: Path) -> None:
    write(tmp_path / "other.yaml", "services:\n  web:\n    image: theirs\n")
    f = write(tmp_path / "compose.yaml",
              "include:\n  - other.yaml\nservices:\n  web:\n    image: mine\n")
    _, diags = load(f)
    [found] = errors(diags)
    assert (found.code, found.path, found.line, found.column) == ("CK108", str(f), 4, 3)
    assert "other.yaml:2" in found.message


def test_identical_definitions_do_not_conflict(tmp_path: Path) -> None:
    write(tmp_path / "other.yaml", "services:\n  s:\n    image: x\nnetworks:\n  shared: {}\n")
    f = write(tmp_path / "compose.yaml",
              "include:\n  - other.yaml\nservices:\n  t:\n    image: t\n    networks: [shared]\n"
              "networks:\n  shared: {}\n")
    _, diags = load(f)
    assert errors(diags) == []


def test_a_later_file_may_override_an_included_service(tmp_path: Path) -> None:
    write(tmp_path / "inc.yaml", "services:\n  s:\n    image: s:1\n")
    f = write(tmp_path / "compose.yaml", "include: [inc.yaml]\n")
    over = write(tmp_path / "over.yaml", "services:\n  s:\n    image: s:2\n")
    project, diags = load(f, over)
    assert errors(diags) == []
    assert project.config["services"]["s"]["image"] == "s:2"
    assert project.origin(("services", "s", "image")).path == str(over)


def test_missing_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "include:\n  - nothere.yaml\nservices:\n  s:\n    image: s\n")
    _, diags = load(f)
    [found] = errors(diags)
    assert (found.code, found.line, found.column) == ("CK108", 2, 5)
    assert "nothere.yaml" in found.message


def test_cycle(tmp_path: Path) -> None:
    write(tmp_path / "b.yaml", "include: [compose.yaml]\nservices:\n  b:\n    image: b\n")
    f = write(tmp_path / "compose.yaml", "include: [b.yaml]\nservices:\n  a:\n    image: a\n")
    _, diags = load(f)
    cycles = [d for d in diags if d.code == "CK108" and "cycle" in d.message]
    assert len(cycles) == 1
    assert cycles[0].path == str(tmp_path / "b.yaml")


def test_include_must_be_a_list(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "include: other.yaml\nservices:\n  s:\n    image: s\n")
    _, diags = load(f)
    assert any(d.code == "CK108" and "must be a list" in d.message for d in diags)


def test_missing_env_file(tmp_path: Path) -> None:
    write(tmp_path / "inc.yaml", "services:\n  s:\n    image: s\n")
    f = write(tmp_path / "compose.yaml",
              "include:\n  - path: inc.yaml\n    env_file: nope.env\n")
    _, diags = load(f)
    assert any(d.code == "CK108" and "nope.env" in d.message for d in diags)
