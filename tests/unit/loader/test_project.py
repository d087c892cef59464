"""``load_project``: the API, the project's name and directory, origins, and findings
that point into the right file of a merged project."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.loader import find_compose_files, load_project
from composekit.loader.project import Origin, Project

ENV = {"HOME": "/home/me"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity >= Severity.ERROR]


def at(diag: Diagnostic) -> tuple[str, str, int, int]:
    return diag.code, Path(diag.path).name, diag.line, diag.column


def test_the_project_holds_files_documents_config_and_environment(tmp_path: Path) -> None:
    base = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: web:${TAG}\n")
    over = write(tmp_path / "compose.override.yaml", "services:\n  web:\n    restart: always\n")
    write(tmp_path / ".env", "TAG=3\n")
    project, diags = load_project(project_dir=str(tmp_path), environ=ENV)
    assert diags == []
    assert project is not None
    assert project.name == tmp_path.name.lower().replace(".", "")
    assert project.working_dir == str(tmp_path)
    assert project.files == [str(base), str(over)]
    assert list(project.documents) == [str(base), str(over)]
    assert project.documents[str(base)].data["services"]["web"]["image"] == "web:3"
    assert project.config["services"]["web"]["image"] == "web:3"
    assert project.config["services"]["web"]["restart"] == "always"
    assert project.config["name"] == project.name
    assert project.environment["TAG"] == "3"
    assert project.environment["COMPOSE_PROJECT_NAME"] == project.name
    assert project.profiles == []


def test_find_compose_files_is_exported(tmp_path: Path) -> None:
    base = write(tmp_path / "docker-compose.yml", "services:\n  s:\n    image: s\n")
    assert find_compose_files(str(tmp_path)) == [str(base)]


def test_no_file_found_is_an_io_error_and_no_project(tmp_path: Path) -> None:
    project, diags = load_project(project_dir=str(tmp_path / "empty"), environ=ENV)
    assert project is None
    assert [d.code for d in diags] == ["CK000"]
    assert "compose.yaml" in diags[0].message


def test_a_file_that_cannot_be_parsed_leaves_no_project(tmp_path: Path) -> None:
    bad = write(tmp_path / "compose.yaml", "services:\n  web: [\n")
    project, diags = load_project([str(bad)], environ=ENV)
    assert project is None
    assert [d.code for d in diags] == ["CK001"]


def test_a_broken_override_still_gives_the_rest(tmp_path: Path) -> None:
    base = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: web\n")
    bad = write(tmp_path / "o.yaml", "services: [\n")
    project, diags = load_project([str(base), str(bad)], environ=ENV)
    assert project is not None
    assert project.config["services"]["web"]["image"] == "web"
    assert [(d.code, d.path) for d in diags] == [("CK001", str(bad))]


def test_findings_in_an_override_point_into_the_override(tmp_path: Path) -> None:
    base = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: web\n")
    over = write(tmp_path / "override.yaml", """\
services:
  web:
    networks:
      - backend
    depends_on:
      - cache
    ports:
      - "${PORT:?set PORT}:80"
""")
    _, diags = load_project([str(base), str(over)], environ=ENV)
    found = {at(d) for d in errors(diags)}
    assert ("CK102", "override.yaml", 4, 9) in found  # undefined network
    assert ("CK101", "override.yaml", 6, 9) in found  # undefined service
    assert any(c == "CK017" and f == "override.yaml" and line == 8 for c, f, line, _ in found)
    assert all(f == "override.yaml" for _, f, _, _ in found)


def test_origin_falls_back_to_the_nearest_known_ancestor(tmp_path: Path) -> None:
    base = write(tmp_path / "compose.yaml",
                 "services:\n  web:\n    image: web\n    command: echo hello\n")
    project, _ = load_project([str(base)], environ=ENV)
    assert project is not None
    assert project.config["services"]["web"]["command"] == ["echo", "hello"]
    command = project.origin(("services", "web", "command"))
    assert command == Origin(str(base), Span(4, 14), Span(4, 5))
    assert project.origin(("services", "web", "command", 1)) == command
    default = project.origin(("services", "web", "networks", "default"))
    assert default is not None and default.key == Span(2, 3)
    assert project.origin(("nothing", "here")) == Origin(str(base), Span(1, 1))


def test_origin_of_an_empty_project_is_none() -> None:
    assert Project(name="p", working_dir="/p").origin(("services",)) is None


@pytest.mark.parametrize(
    ("kwargs", "environ", "expected"),
    [
        ({"project_name": "explicit"}, {"COMPOSE_PROJECT_NAME": "fromenv"}, "explicit"),
        ({}, {"COMPOSE_PROJECT_NAME": "fromenv"}, "fromenv"),
        ({}, {}, "from_file"),
    ],
)
def test_project_name_precedence(tmp_path: Path, kwargs: dict[str, Any],
                                 environ: dict[str, str], expected: str) -> None:
    f = write(tmp_path / "dir" / "compose.yaml",
              "name: From_File\nservices:\n  s:\n    image: s\n")
    project, diags = load_project([str(f)], environ={**ENV, **environ}, **kwargs)
    assert diags == []
    assert project is not None and project.name == expected


def test_project_name_from_the_directory_is_normalised(tmp_path: Path) -> None:
    f = write(tmp_path / "My.App Dir" / "compose.yaml", "services:\n  s:\n    image: s\n")
    project, _ = load_project([str(f)], environ=ENV)
    assert project is not None and project.name == "myappdir"


def test_name_may_use_variables(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "name: app-${STAGE}\nservices:\n  s:\n    image: s\n")
    project, _ = load_project([str(f)], environ={**ENV, "STAGE": "Prod"})
    assert project is not None and project.name == "app-prod"


def test_an_invalid_explicit_name_is_reported(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "services:\n  s:\n    image: s\n")
    project, diags = load_project([str(f)], environ=ENV, project_name="My Project")
    assert project is not None and project.name == "myproject"
    assert [d.code for d in diags] == ["CK113"]
    assert "My Project" in diags[0].message


def test_profiles_from_the_argument_or_compose_profiles(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  web: {image: web}
  debug: {image: debug, profiles: [debug]}
""")
    project, _ = load_project([str(f)], environ=ENV)
    assert project is not None
    assert set(project.config["services"]) == {"web"}
    assert set(project.disabled_services) == {"debug"}
    project, _ = load_project([str(f)], environ={**ENV, "COMPOSE_PROFILES": "debug"})
    assert project is not None
    assert set(project.config["services"]) == {"web", "debug"}
    assert project.profiles == ["debug"]
    project, _ = load_project([str(f)], environ={**ENV, "COMPOSE_PROFILES": "x"},
                              profiles=["debug"])
    assert project is not None and project.profiles == ["debug"]


def test_a_dependency_on_a_disabled_service_is_refused(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", """\
services:
  web:
    image: web
    depends_on: [debug]
  debug: {image: debug, profiles: [debug]}
""")
    _, diags = load_project([str(f)], environ=ENV)
    assert [at(d) for d in errors(diags)] == [("CK114", "compose.yaml", 4, 18)]


def test_legacy_v1_file_services_are_at_the_top_level(tmp_path: Path) -> None:
    f = write(tmp_path / "docker-compose.yml", """\
web:
  image: nginx
  links: [db]
db:
  image: postgres
""")
    project, diags = load_project([str(f)], environ=ENV)
    assert errors(diags) == []
    assert [at(d) for d in diags] == [("CK100", "docker-compose.yml", 1, 1)]
    assert project is not None
    assert set(project.config["services"]) == {"web", "db"}
    db, image = project.origin(("services", "db")), project.origin(("services", "web", "image"))
    assert db is not None and db.key == Span(4, 1)
    assert image is not None and image.span == Span(2, 10)


def test_version_2_and_3_files_lose_their_version(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "version: '3.8'\nservices:\n  s:\n    image: s\n")
    project, _ = load_project([str(f)], environ=ENV)
    assert project is not None and "version" not in project.config


def test_without_interpolation_variables_stay(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "services:\n  s:\n    image: s:${TAG}\n")
    project, _ = load_project([str(f)], environ={**ENV, "TAG": "1"}, interpolate=False)
    assert project is not None
    assert project.documents[str(f)].data["services"]["s"]["image"] == "s:${TAG}"


def test_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("services:\n  s:\n    image: from-stdin\n"))
    monkeypatch.chdir(tmp_path)
    project, diags = load_project(["-"], environ=ENV)
    assert diags == []
    assert project is not None
    assert project.config["services"]["s"]["image"] == "from-stdin"
    assert project.files == ["-"]
    assert project.working_dir == str(tmp_path)


def test_env_files_replace_the_dotenv(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "services:\n  s:\n    image: s:${V}\n")
    write(tmp_path / ".env", "V=dotenv\n")
    custom = write(tmp_path / "custom.env", "V=custom\n")
    project, _ = load_project([str(f)], environ=ENV, env_files=[str(custom)])
    assert project is not None and project.config["services"]["s"]["image"] == "s:custom"


def test_import_stays_light() -> None:
    code = ("import sys, composekit.loader; "
            "bad = [m for m in ('jsonschema', 'testcontainers', 'docker') if m in sys.modules]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == "[]"


MALFORMED = [
    "services: []\n", "services: x\n", "services:\n  web: x\n", "services:\n  web:\n",
    "services:\n  web:\n    image: a\n    ports: [[1]]\n",
    "services:\n  web:\n    image: a\n    environment: [[a]]\n",
    "services:\n  web:\n    image: a\n    depends_on: {db: 1}\n",
    "services:\n  web:\n    image: a\n    networks: [1, {a: b}]\n",
    "services:\n  web:\n    image: a\n    volumes: [1, ':', {target: 3}]\n",
    "services:\n  web:\n    image: a\n    extends: {service: [x]}\n",
    "services:\n  web:\n    image: a\n    extends: {file: /, service: a}\n",
    "include: [1, {path: 3}, {path: [x]}, {}]\nservices:\n  a: {image: a}\n",
    "services:\n  web:\n    image: a\n    logging: x\n    ulimits: [1]\n",
    "networks:\n  n:\n    ipam:\n      config: x\n", "networks: [a]\nvolumes: 3\n",
    "services:\n  web:\n    image: a\n    env_file: [{path: 3}]\n",
    "name: [x]\nservices:\n  a: {image: a}\n", "services: !reset\n",
    "services:\n  web: !override\n    image: x\n", "a: [1]\n",
]


@pytest.mark.parametrize("override", MALFORMED[:8])
@pytest.mark.parametrize("base", MALFORMED)
def test_malformed_projects_never_raise(tmp_path: Path, base: str, override: str) -> None:
    a = write(tmp_path / "compose.yaml", base)
    b = write(tmp_path / "o.yaml", override)
    for files in ([a], [a, b]):
        project, diags = load_project([str(f) for f in files], environ=ENV)
        assert project is None or isinstance(project.config, dict)
        assert all(isinstance(d, Diagnostic) for d in diags)


def test_files_are_named_as_the_user_wrote_them(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "lib" / "base.yaml", "services:\n  t:\n    image: t\n    ports: [x]\n")
    write(tmp_path / "compose.yaml",
          "services:\n  s:\n    extends: {file: lib/base.yaml, service: t}\n")
    monkeypatch.chdir(tmp_path)
    project, diags = load_project(["./compose.yaml"], environ=ENV)
    assert project is not None
    assert project.files == ["./compose.yaml", "lib/base.yaml"]
    assert list(project.documents) == project.files
    assert project.documents["lib/base.yaml"].path == "lib/base.yaml"
    image = project.origin(("services", "s", "image"))
    assert image is not None and image.path == "lib/base.yaml"
    assert {d.path for d in diags} <= {"./compose.yaml", "lib/base.yaml"}
    project, _ = load_project([str(tmp_path / "compose.yaml")], environ=ENV)
    assert project is not None
    assert project.files == [str(tmp_path / "compose.yaml"), str(tmp_path / "lib" / "base.yaml")]
    project, _ = load_project(environ=ENV)
    assert project is not None
    assert project.files == ["compose.yaml", "lib/base.yaml"]


def test_a_misspelt_services_key_is_not_a_v1_file(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml", "servics:\n  web:\n    image: nginx\n")
    project, _ = load_project([str(f)], environ=ENV)
    assert project is not None
    assert "services" not in project.config or project.config["services"] == {}


# --- what each stage sees: the file's document, and Compose v2's model ------------------------


def test_documents_keep_literal_strings_and_the_model_casts_them(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              'services:\n  web:\n    image: x\n    init: "true"\n    tty: ${TTY:-true}\n')
    project, diags = load_project([str(f)], environ=ENV)
    assert project is not None and diags == []
    web_doc = project.documents[str(f)].data["services"]["web"]
    assert web_doc["init"] == "true"  # as written: schema validation judges the string
    assert web_doc["tty"] is True  # what a variable gave is cast, as every tool does
    web = project.config["services"]["web"]
    assert web["init"] is True and web["tty"] is True  # Compose v2 casts both


def test_a_literal_compose_v2_cannot_cast_is_one_compose_v2_finding(tmp_path: Path) -> None:
    f = write(tmp_path / "compose.yaml",
              'version: "2.2"\nservices:\n  web:\n    image: x\n    cpu_rt_period: 1400us\n')
    project, diags = load_project([str(f)], environ=ENV)
    assert project is not None
    assert [(d.code, d.line, d.column, d.origin) for d in diags] == [
        ("CK026", 5, 20, "compose-v2")]
    assert "cpu_rt_period" not in project.config["services"]["web"]
    assert project.documents[str(f)].data["services"]["web"]["cpu_rt_period"] == "1400us"


@pytest.mark.parametrize("version", ['version: "3.8"\n', ""])
def test_a_variable_that_does_not_cast_is_one_finding(tmp_path: Path, version: str) -> None:
    f = write(tmp_path / "compose.yaml",
              version + "services:\n  web:\n    image: x\n    deploy:\n      replicas: ${N}\n")
    project, diags = load_project([str(f)], environ={**ENV, "N": "three"})
    assert project is not None
    assert [(d.code, d.origin) for d in diags] == [("CK026", "interpolate")]
    assert project.documents[str(f)].data["services"]["web"]["deploy"]["replicas"] == "${N}"
    assert "replicas" not in project.config["services"]["web"].get("deploy", {})


def test_document_casts_follow_the_declared_format(tmp_path: Path) -> None:
    text = ("services:\n  web:\n    image: x\n    init: ${I:-true}\n    ports:\n"
            "      - target: 80\n        published: ${P:-8080}\n")
    v3 = write(tmp_path / "v3.yaml", 'version: "3.8"\n' + text)
    spec = write(tmp_path / "spec.yaml", text)
    for f, init, published in ((v3, "true", 8080), (spec, True, "8080")):
        project, diags = load_project([str(f)], environ=ENV)
        assert project is not None and diags == []
        web = project.documents[str(f)].data["services"]["web"]
        assert (web["init"], web["ports"][0]["published"]) == (init, published), f.name
        # the model is Compose v2's either way
        assert project.config["services"]["web"]["init"] is True
        assert project.config["services"]["web"]["ports"][0]["published"] == "8080"


def test_v1_volumes_from_a_name_that_is_no_service_is_a_container(tmp_path: Path) -> None:
    f = write(tmp_path / "docker-compose.yml",
              "app:\n  image: a\n  volumes_from:\n    - datastore:ro\n    - db\n"
              "db:\n  image: d\n")
    project, diags = load_project([str(f)], environ=ENV)
    assert project is not None and errors(diags) == []
    assert project.config["services"]["app"]["volumes_from"] == ["container:datastore:ro", "db"]
    assert set(project.config["services"]["app"]["depends_on"]) == {"db"}


@pytest.mark.parametrize(("text", "family"), [
    ("services: {}\n", "spec"),
    ("name: x\n", "spec"),
    ("web:\n  image: x\n", "1"),
    ('version: "2.4"\nservices: {}\n', "2"),
    ("version: 3.8\nservices: {}\n", "3"),
    ('version: "3"\nservices: {}\n', "3"),
    ('version: "4"\nservices: {}\n', "spec"),
    ("version:\n  image: x\n", "1"),
])
def test_declared_family(text: str, family: str) -> None:
    from composekit.loader.files import declared_family
    from composekit.yamlio import parse_text

    doc, _ = parse_text(text, "c.yaml")
    assert doc is not None
    assert declared_family(doc.data) == family
