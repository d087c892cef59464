"""``composekit convert``: outputs, in-place writes, --check, --strict, JSON, exit codes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from composekit.cli import app

V24 = 'version: "2.4"\nservices:\n  web:\n    image: nginx  # pinned below\n    mem_limit: 1g\n'
V38 = ('version: "3.8"\nservices:\n  web:\n    image: nginx  # pinned below\n    deploy:\n'
       "      resources:\n        limits:\n          memory: 1g\n")
LOSSY = 'version: "2.4"\nservices:\n  web:\n    image: nginx\n    cpu_shares: 512\n'


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def compose(tmp_path: Path) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(V24)
    return path


def test_stdout_and_report(compose: Path) -> None:
    result = run("convert", str(compose), "--to", "3.8")
    assert result.exit_code == 0, result.output
    assert result.stdout == V38
    assert "info CK031" in result.stderr and "2.4 -> 3.8: 2 rewrites, 0 losses" in result.stderr
    assert compose.read_text() == V24


def test_quiet_hides_rewrites(compose: Path) -> None:
    result = run("convert", str(compose), "--to", "3.8", "-q")
    assert result.exit_code == 0 and result.stdout == V38 and result.stderr == ""


def test_output_file(compose: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "compose.v3.yaml"
    out.parent.mkdir()
    result = run("convert", str(compose), "--to", "3.8", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text() == V38


def test_in_place_keeps_the_mode_and_leaves_no_temporary_file(compose: Path) -> None:
    os.chmod(compose, 0o640)
    result = run("convert", str(compose), "--to", "3.8", "--in-place")
    assert result.exit_code == 0, result.output
    assert compose.read_text() == V38
    assert stat.S_IMODE(compose.stat().st_mode) == 0o640
    assert sorted(p.name for p in compose.parent.iterdir()) == ["compose.yaml"]


def test_in_place_is_refused_when_the_input_has_errors(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    text = 'version: "3.0"\nservices:\n  web:\n    image: x\n    healthcheck:\n' \
           '      test: [CMD, "true"]\n      start_period: 5s\n'
    path.write_text(text)
    result = run("convert", str(path), "--to", "3.4", "--in-place")
    assert result.exit_code == 1
    assert "error CK023" in result.stderr and "not converted in place" in result.stderr
    assert path.read_text() == text
    # to standard output the conversion still runs (it fixes the error)
    assert run("convert", str(path), "--to", "3.4").exit_code == 0


def test_check(compose: Path, tmp_path: Path) -> None:
    result = run("convert", str(compose), "--to", "3.8", "--check")
    assert result.exit_code == 1 and result.stdout == ""
    assert "would convert" in result.stderr
    done = tmp_path / "v38.yaml"
    done.write_text(V38)
    result = run("convert", str(done), "--to", "3.8", "--check")
    assert result.exit_code == 0 and "already in 3.8 form" in result.stderr


def test_strict(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(LOSSY)
    out = tmp_path / "out.yaml"
    result = run("convert", str(path), "--to", "3.8", "--strict", "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "error CK030" in result.stderr and "compose.yaml:5:5:" in result.stderr
    result = run("convert", str(path), "--to", "3.8", "--strict")
    assert result.exit_code == 1 and result.stdout == ""
    assert run("convert", str(path), "--to", "3.8").exit_code == 0


def test_json(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(LOSSY)
    result = run("convert", str(path), "--to", "3.8", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["from"], data["to"], data["ok"], data["changed"]) == ("2.4", "3.8", True, True)
    assert (data["rewrites"], data["losses"]) == (1, 1)
    loss = next(e for e in data["entries"] if e["kind"] == "loss")
    assert (loss["line"], loss["column"], loss["transform"]) == (5, 5, "sweep")
    assert data["output"] == 'version: "3.8"\nservices:\n  web:\n    image: nginx\n'
    written = run("convert", str(path), "--to", "3.8", "--format", "json",
                  "-o", str(tmp_path / "o.yaml"))
    data = json.loads(written.stdout)
    assert data["output"] is None and data["written"] == str(tmp_path / "o.yaml")


def test_bad_input_gets_a_positioned_finding(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  web:\n    image: [nginx\n")
    result = run("convert", str(path), "--to", "3.8")
    assert result.exit_code == 1 and result.stdout == ""
    assert "compose.yaml:4:1: error CK001" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_output_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    text = 'version: "2.4"\nservices:\n  web:\n    imgae: nginx\n'
    path.write_text(text)
    result = run("convert", str(path), "--to", "3.8", "--in-place")
    assert result.exit_code == 1 and "CK032" in result.stderr
    assert path.read_text() == text


@pytest.mark.parametrize("args", [
    ("--to", "9.9"), ("--to", "3.9"), ("--to", "3.8", "-o", "x.yaml", "--in-place"),
    ("--to", "3.8", "--check", "--in-place"),
])
def test_usage_errors(compose: Path, args: tuple[str, ...]) -> None:
    result = run("convert", str(compose), *args)
    assert result.exit_code == 2 and "composekit: error:" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run("convert", str(tmp_path / "nope.yaml"), "--to", "3.8")
    assert result.exit_code == 2 and "CK000" in result.stderr


def test_unwritable_output(compose: Path, tmp_path: Path) -> None:
    result = run("convert", str(compose), "--to", "3.8", "-o", str(tmp_path / "no" / "x.yaml"))
    assert result.exit_code == 2 and "cannot write" in result.stderr
