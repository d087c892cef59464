"""``extends``: chains, other files, rebased paths, cycles and errors (Compose v2's rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.loader import load_project
from composekit.loader.extends import absolute_path, resolve_relative_paths
from composekit.loader.merge import from_plain

ENV = {"HOME": "/home/me"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(path: Path, *more: Path) -> tuple[Any, list[Diagnostic]]:
    project, diags = load_project([str(path), *map(str, more)], environ=ENV)
    assert project is not None
    return project, diags


def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity >= Severity.ERROR]


def test_chain_in_one_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  base:
    image: base
    environment: {A: "1", B: "1"}
  mid:
    extends: base
    environment: {B: "2"}
  top:
    extends: {service: mid}
    environment: {C: "3"}
""")
    project, diags = load(f)
    assert errors(diags) == []
    top = project.config["services"]["top"]
    assert top["image"] == "base"
    assert top["environment"] == {"A": "1", "B": "2", "C": "3"}
    assert "extends" not in top


def test_inherited_values_point_into_the_base(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  base:
    image: base
  child:
    extends: base
    restart: always
""")
    project, _ = load(f)
    assert project.origin(("services", "child", "image")).span.line == 3
    assert project.origin(("services", "child", "restart")).span.line == 6
    assert project.origin(("services", "child")).key.line == 4


def test_depends_on_and_volumes_from_are_inherited(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  db: {image: db}
  base:
    image: base
    depends_on: [db]
    volumes_from: [db]
  child:
    extends: base
""")
    project, diags = load(f)
    assert errors(diags) == []
    child = project.config["services"]["child"]
    assert set(child["depends_on"]) == {"db"}
    assert child["volumes_from"] == ["db"]


def test_other_file_paths_are_rebased_on_that_file(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "base.yaml", """\
services:
  tmpl:
    build: ./ctx
    volumes: ["./data:/data", "named:/named"]
    env_file: vars.env
""")
    write(tmp_path / "lib" / "vars.env", "FROM_FILE=1\n")
    f = write(tmp_path / "compose.yaml", """\
services:
  app:
    extends: {file: lib/base.yaml, service: tmpl}
volumes:
  named: {}
""")
    project, diags = load(f)
    assert errors(diags) == []
    app = project.config["services"]["app"]
    assert app["build"]["context"] == str(tmp_path / "lib" / "ctx")
    assert app["volumes"][0]["source"] == str(tmp_path / "lib" / "data")
    assert app["volumes"][1]["source"] == "named"
    assert app["environment"] == {"FROM_FILE": "1"}
    assert project.files == [str(f), str(tmp_path / "lib" / "base.yaml")]
    origin = project.origin(("services", "app", "build", "context"))
    assert origin.path == str(tmp_path / "lib" / "base.yaml")
    assert origin.span.line == 3


def test_file_is_relative_to_the_project_directory_even_in_an_override(tmp_path: Path) -> None:
    write(tmp_path / "shared.yaml", "services:\n  tmpl:\n    image: from-root\n")
    write(tmp_path / "sub" / "shared.yaml", "services:\n  tmpl:\n    image: from-sub\n")
    base = write(tmp_path / "compose.yaml", "services:\n  a:\n    image: a\n")
    over = write(tmp_path / "sub" / "over.yaml",
                 "services:\n  b:\n    extends: {file: shared.yaml, service: tmpl}\n")
    project, diags = load(base, over)
    assert errors(diags) == []
    assert project.config["services"]["b"]["image"] == "from-root"


def test_extended_file_is_interpolated_with_the_project_variables(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "services:\n  t:\n    image: img:${TAG}\n")
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    extends: {file: base.yaml, service: t}\n")
    write(tmp_path / ".env", "TAG=7\n")
    project, _ = load(f)
    assert project.config["services"]["a"]["image"] == "img:7"


def test_reset_in_the_extending_service(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  base:
    image: base
    ports: ["80:80"]
    labels: {a: "1"}
  child:
    extends: base
    ports: !reset []
    labels: !override {b: "2"}
""")
    project, _ = load(f)
    child = project.config["services"]["child"]
    assert "ports" not in child
    assert child["labels"] == {"b": "2"}


def test_cycle_is_reported_where_it_closes(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  a:
    image: a
    extends: b
  b:
    extends: a
""")
    _, diags = load(f)
    cycles = [d for d in diags if d.code == "CK106"]
    assert len(cycles) == 1
    assert cycles[0].path == str(f)
    assert cycles[0].line in (4, 6)
    assert "a in compose.yaml" in cycles[0].message


def test_self_extension_is_a_cycle(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "services:\n  a:\n    image: a\n    extends: a\n")
    _, diags = load(f)
    assert [(d.code, d.line, d.column) for d in errors(diags)] == [("CK106", 4, 5)]


def test_missing_service_in_the_same_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    image: a\n    extends:\n      service: nope\n")
    _, diags = load(f)
    found = [d for d in diags if d.code == "CK107"]
    assert [(d.path, d.line, d.column) for d in found] == [(str(f), 5, 16)]
    assert "'nope' not found" in found[0].message


def test_missing_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    image: a\n    extends: {file: gone.yaml, service: x}\n")
    _, diags = load(f)
    found = [d for d in diags if d.code == "CK107"]
    assert len(found) == 1 and found[0].line == 4
    assert "gone.yaml" in found[0].message


def test_missing_service_in_the_other_file_lists_what_is_there(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "services:\n  one: {image: x}\n  two: {image: y}\n")
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    image: a\n    extends:\n      file: base.yaml\n"
              "      service: three\n")
    _, diags = load(f)
    [found] = [d for d in diags if d.code == "CK107"]
    assert (found.line, found.column) == (6, 16)
    assert found.help is not None and "one, two" in found.help


def test_extends_without_service_name(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    image: a\n    extends: {file: x.yaml}\n")
    _, diags = load(f)
    assert any(d.code == "CK107" and "service is required" in d.message for d in diags)


def test_absolute_path_rules() -> None:
    env = {"HOME": "/home/me"}
    assert absolute_path("./a/../b", "/proj", env) == "/proj/b"
    assert absolute_path("/abs", "/proj", env) == "/abs"
    assert absolute_path("~/x", "/proj", env) == "/home/me/x"
    assert absolute_path("C:\\data", "/proj", env) == "C:\\data"


def test_resolve_relative_paths_leaves_remote_contexts_and_named_volumes() -> None:
    model = from_plain({
        "services": {"s": {
            "build": {"context": "https://github.com/x/y.git",
                      "additional_contexts": {"a": "./a", "b": "docker-image://img"}},
            "volumes": [{"type": "volume", "source": "named", "target": "/n"},
                        {"type": "bind", "source": "./b", "target": "/b"}],
            "env_file": [{"path": "e.env", "required": True}],
        }},
        "secrets": {"s": {"file": "./s.txt"}},
        "volumes": {"v": {"driver": "local", "driver_opts": {"o": "bind", "device": "./d"}}},
    })
    resolve_relative_paths(model, "/base", {"HOME": "/h"})
    plain = model.plain()
    svc = plain["services"]["s"]
    assert svc["build"]["context"] == "https://github.com/x/y.git"
    assert svc["build"]["additional_contexts"] == {"a": "/base/a", "b": "docker-image://img"}
    assert svc["volumes"][0]["source"] == "named"
    assert svc["volumes"][1]["source"] == "/base/b"
    assert svc["env_file"][0]["path"] == "/base/e.env"
    assert plain["secrets"]["s"]["file"] == "/base/s.txt"
    assert plain["volumes"]["v"]["driver_opts"]["device"] == "/base/d"


# --- a failed extends: reported once, and nothing reported that the base would give -----------


def test_a_failed_extends_stays_unresolved_without_cascading(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    extends:\n      service: nope\n    ports: ['80:80']\n"
              "  b:\n    extends: a\n")
    project, diags = load(f)
    # one finding: not "a has neither an image nor a build", not a second one for b
    assert [(d.code, d.line) for d in diags] == [("CK107", 4)]
    assert project.config["services"]["a"]["extends"] == {"service": "nope"}
    assert project.config["services"]["b"]["extends"] == {"service": "a"}


def test_a_cycle_is_reported_once_and_leaves_the_services_unresolved(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: a\n")
    project, diags = load(f)
    assert [d.code for d in diags] == ["CK106"]
    assert set(project.config["services"]) == {"a", "b", "c"}
    assert all("extends" in svc for svc in project.config["services"].values())


def test_a_remote_base_is_a_warning_and_no_missing_image(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              "services:\n  a:\n    extends:\n      file: https://example.com/base.yaml\n"
              "      service: web\n")
    _, diags = load(f)
    assert [(d.code, d.severity) for d in diags] == [("CK107", Severity.WARNING)]
