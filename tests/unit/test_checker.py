"""The validate and lint pipeline: each file judged by its own format, one finding per problem."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from composekit.catalog.versions import FORMATS
from composekit.checker import (
    COMPOSE_V2_ONLY,
    CheckOptions,
    LintOptions,
    Target,
    check_target,
    drop_echoes,
    for_declared_formats,
)
from composekit.codes import make
from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.lint.rule import Runtime

V2_2 = 'version: "2.2"\nservices:\n  web:\n    image: x\n    cpu_rt_period: 1400us\n'
SPEC = "services:\n  web:\n    image: x\n    cpu_rt_period: 1400us\n"
V2_0_VOLUMES_FROM = ('version: "2"\nservices:\n  db:\n    image: d\n  backup:\n    image: b\n'
                     "    volumes_from:\n      - service:db:ro\n")


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> str:
    (tmp_path / ".git").mkdir(exist_ok=True)  # no configuration above
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def validate(path: str, **environ: str) -> list[Diagnostic]:
    return check_target(Target(files=(path,)), CheckOptions(environ=environ, lint=None)).diagnostics


def lint(path: str, target: Runtime | None = None) -> list[Diagnostic]:
    options = CheckOptions(environ={}, lint=LintOptions(isolated=True, target=target))
    return check_target(Target(files=(path,)), options).diagnostics


def found(diags: list[Diagnostic]) -> list[tuple[str, int, int, Severity]]:
    return [(d.code, d.line, d.column, d.severity) for d in diags]


# --- refusals only Compose v2 makes ---------------------------------------------------------


def test_a_compose_v2_refusal_does_not_decide_a_versioned_files_verdict(tmp_path: Path) -> None:
    diags = validate(write(tmp_path, V2_2))
    assert found(diags) == [("CK026", 5, 20, Severity.WARNING)]
    assert diags[0].message == (
        "services.web.cpu_rt_period: '1400us' is not an integer (Compose v2 casts this value); "
        "Compose v2 refuses this (it ignores `version:`), though file format 2.2 allows it")


def test_in_a_specification_file_it_is_an_error(tmp_path: Path) -> None:
    # the schema reports it (cpu_rt_period is an integer there): once
    assert [(c, ln, s) for c, ln, _col, s in found(validate(write(tmp_path, SPEC)))] == [
        ("CK027", 4, Severity.ERROR)]


def test_lint_for_compose_v2_reports_it_once_as_ck602(tmp_path: Path) -> None:
    diags = [d for d in lint(write(tmp_path, V2_2)) if d.code in ("CK026", "CK602")]
    assert [(d.code, d.line, d.severity) for d in diags] == [("CK602", 5, Severity.ERROR)]


def test_lint_keeps_a_refusal_ck602_does_not_cover(tmp_path: Path) -> None:
    path = write(tmp_path, V2_0_VOLUMES_FROM)
    mine = [d for d in lint(path, Runtime.COMPOSE_V2) if d.origin == COMPOSE_V2_ONLY]
    assert [(d.code, d.line, d.severity) for d in mine] == [("CK027", 8, Severity.ERROR)]
    mine = [d for d in lint(path, Runtime.COMPOSE_V1) if d.origin == COMPOSE_V2_ONLY]
    assert [(d.code, d.line, d.severity) for d in mine] == [("CK027", 8, Severity.WARNING)]
    assert [(d.code, d.severity) for d in validate(path) if d.code != "CK116"] == [
        ("CK027", Severity.WARNING)]


# --- one finding per problem ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    # a v1 file: the schema's paths are $.app..., the loader's $.services.app...
    ("base:\n  image: b\napp:\n  extends:\n    file: common.yml\n",
     [("CK028", 4, 3, Severity.ERROR)]),
    # a top-level volumes list: not every use of a volume reported as undefined too
    ('version: "2"\nservices:\n  db:\n    image: d\n    volumes:\n      - data:/d\n'
     "volumes:\n  - data\n", [("CK026", 8, 3, Severity.ERROR)]),
    # a failed extends: not "neither image nor build" too
    ("services:\n  app:\n    extends:\n      service: base\n",
     [("CK107", 4, 16, Severity.ERROR)]),
    # a literal that does not cast: the schema's finding only
    ("services:\n  web:\n    image: x\n    deploy:\n      replicas: three\n",
     [("CK027", 5, 17, Severity.ERROR)]),
    ('version: "3.7"\nservices:\n  web:\n    image: x\n    deploy:\n      replicas: three\n',
     [("CK026", 6, 17, Severity.ERROR)]),
])
def test_one_finding_per_problem(tmp_path: Path, text: str,
                                 expected: list[tuple[str, int, int, Severity]]) -> None:
    diags = [d for d in validate(write(tmp_path, text)) if d.code != "CK100"]
    assert found(diags) == expected


@pytest.mark.parametrize("version", ['version: "3.7"\n', ""])
def test_a_variable_that_does_not_cast_is_one_finding(tmp_path: Path, version: str) -> None:
    path = write(tmp_path, version + "services:\n  web:\n    image: x\n    deploy:\n"
                 "      replicas: ${REPLICAS}\n")
    diags = validate(path, REPLICAS="three")
    assert [(d.code, d.origin) for d in diags] == [("CK026", "interpolate")]


def test_typed_values_from_variables_follow_the_declared_formats_tools(tmp_path: Path) -> None:
    text = ('version: "3.8"\nservices:\n  web:\n    image: x\n    ports:\n      - target: 80\n'
            "        published: ${PORT:-8080}\n")
    assert validate(write(tmp_path, text)) == []
    # docker stack and docker-compose 1.x cast no interpolated init: a string, refused
    text = 'version: "3.7"\nservices:\n  web:\n    image: x\n    init: ${INIT:-true}\n'
    assert [d.code for d in validate(write(tmp_path, text))] == ["CK026"]
    # Compose v2 casts it
    assert validate(write(tmp_path, text.split("\n", 1)[1])) == []


# --- the functions --------------------------------------------------------------------------


def _diag(origin: str, json_path: str, code: str = "CK026", path: str = "c.yaml",
          severity: Severity | None = None) -> Diagnostic:
    diag = make("invalid-type", path, Span(3, 5), "m; Compose v2 refuses the file",
                json_path=json_path, origin=origin, severity=severity)
    return replace(diag, code=code)


def test_for_declared_formats() -> None:
    fmt = {f.version: f for f in FORMATS}
    v2only = _diag(COMPOSE_V2_ONLY, "$.services.web.x")
    other = _diag("canonical", "$.services.web.x")
    out = for_declared_formats([v2only, other], {"c.yaml": fmt["3.8"]})
    assert [(d.origin, d.severity) for d in out] == [
        (COMPOSE_V2_ONLY, Severity.WARNING), ("canonical", Severity.ERROR)]
    assert out[0].message == ("m; Compose v2 refuses this (it ignores `version:`), though "
                              "file format 3.8 allows it")
    assert for_declared_formats([v2only], {"c.yaml": fmt["spec"]}) == [v2only]
    assert for_declared_formats([v2only], {"c.yaml": None}) == [v2only]
    assert for_declared_formats([v2only], {}) == [v2only]


def test_drop_echoes_compares_v1_files_in_their_own_shape() -> None:
    schema = _diag("schema", "$.app.extends", code="CK028")
    loader = _diag("extends", "$.services.app.extends", code="CK107")
    above = _diag("canonical", "$.services.app", code="CK028")
    assert drop_echoes([schema, loader, above], v1_files={"c.yaml"}) == [schema]
    assert drop_echoes([schema, loader, above]) == [schema, loader, above]


def test_drop_echoes_lets_ck602_speak_for_compose_v2_refusals_only() -> None:
    ck602 = _diag("lint", "$.services.web.x", code="CK602")
    v2only = _diag(COMPOSE_V2_ONLY, "$.services.web.x")
    canonical = _diag("canonical", "$.services.web.x", code="CK027")
    assert drop_echoes([ck602, v2only, canonical]) == [ck602, canonical]
    # a CK602 turned into a warning by the configuration still speaks for it
    quiet = _diag("lint", "$.services.web.x", code="CK602", severity=Severity.WARNING)
    assert drop_echoes([quiet, v2only]) == [quiet]
