"""The report: every key not carried, with the file, line and column it was written at;
--strict makes losses errors; the JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

from kube_cases import convert_case, convert_text

from composekit.convert.kubernetes import convert_project_files
from composekit.convert.kubernetes.options import KubeOptions
from composekit.diagnostics import Severity


def test_losses_point_at_the_key_that_was_written(tmp_path: Path) -> None:
    text = ("services:\n"
            "  app:\n"
            "    image: x\n"
            "    ulimits:\n"
            "      nofile: 1024\n"
            "    devices: ['/dev/fuse:/dev/fuse']\n")
    r = convert_text(tmp_path, text)
    found = {(e.key, e.line, e.column) for e in r.report.losses}
    assert found == {("services.*.ulimits", 4, 5), ("services.*.devices", 6, 5)}
    assert all(e.file.endswith("compose.yaml") for e in r.report.losses)
    diags = [d for d in r.diagnostics if d.code == "CK030"]
    assert [(d.line, d.column, d.severity) for d in diags] == [(4, 5, Severity.WARNING),
                                                             (6, 5, Severity.WARNING)]
    assert diags[0].json_path == "$.services.app.ulimits"


def test_losses_in_an_override_file_point_into_that_file(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: x\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  app:\n    stop_signal: SIGINT\n")
    r = convert_project_files([str(tmp_path / "compose.yaml"),
                               str(tmp_path / "compose.override.yaml")], environ={})
    (entry,) = r.report.losses
    assert entry.file.endswith("compose.override.yaml") and (entry.line, entry.column) == (3, 5)


def test_canonical_additions_are_not_reported(tmp_path: Path) -> None:
    # the canonical form adds networks: {default: null}, command: null, ... to every service
    r = convert_text(tmp_path, "services:\n  app:\n    image: x\n")
    assert r.report.entries == [] and r.ok


def test_strict_makes_losses_errors(tmp_path: Path) -> None:
    text = "services:\n  app:\n    image: x\n    ulimits: {nofile: 1024}\n"
    assert convert_text(tmp_path, text).ok
    r = convert_text(tmp_path, text, strict=True)
    assert not r.ok
    assert [d.severity for d in r.diagnostics if d.code == "CK030"] == [Severity.ERROR]


def test_strict_passes_a_project_without_losses() -> None:
    r = convert_case("kube-1.29", strict=True)
    assert r.ok and r.report.losses == []


def test_json_shape() -> None:
    r = convert_case("names-and-losses")
    data = json.loads(json.dumps(r.as_dict()))
    assert data["to"] == "kubernetes" and data["kube_version"] == "1.37"
    assert data["losses"] == len(r.report.losses) > 10
    entry = data["entries"][0]
    assert set(entry) >= {"kind", "key", "file", "line", "column", "message", "path",
                          "transform"}
    assert data["validated"] == len(data["objects"])


def test_bad_input_is_a_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    r = convert_text(tmp_path, "services:\n  app:\n    image: [not, a, string\n")
    assert not r.ok and not r.manifests
    assert r.diagnostics and r.diagnostics[0].line >= 1


def test_missing_file_is_an_io_error(tmp_path: Path) -> None:
    r = convert_project_files([str(tmp_path / "nope.yaml")], KubeOptions())
    assert not r.ok and any(d.code == "CK000" for d in r.diagnostics)
