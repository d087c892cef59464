"""composekit test without a Docker engine: refusals, usage errors, and what it imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HARNESS = ROOT / "fixtures" / "harness"


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``composekit ARGS`` with no docker command on PATH (any docker call would fail)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "composekit", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_lint_errors_refuse_to_start(tmp_path: Path) -> None:
    proc = run("test", "fixtures/harness/lint-error", "--junit", str(tmp_path / "j.xml"),
               tmp_path=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == ("FAIL  lint: 1 error(s) in the Compose files; refusing to start them")
    assert any("compose.yaml:9:16: error CK102" in ln for ln in lines)
    assert "PASS  teardown: nothing was started" in lines
    assert lines[-1].startswith("fixtures/harness/lint-error: FAILED, 2 checks: 1 passed, "
                                "1 failed")
    assert "docker compose up" not in proc.stderr
    assert 'failures="1"' in (tmp_path / "j.xml").read_text()


def test_missing_file_is_an_io_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    proc = run("test", missing, tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{missing}:1:1: error CK000 no such file" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith(f"{missing}: NOT RUN")
    assert "Traceback" not in proc.stderr


def test_bad_expectations_file_is_a_positioned_usage_error(tmp_path: Path) -> None:
    proc = run("test", "fixtures/harness/bad-expectations", tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    path = "fixtures/harness/bad-expectations/composekit-test.yaml"
    found = [ln.split(" ", 3)[:3] for ln in proc.stdout.splitlines() if ln.startswith(path)]
    assert [f[0].removeprefix(path) for f in found] == [":1:10:", ":3:11:", ":5:5:", ":6:5:",
                                                        ":8:14:"]
    assert "NOT RUN" in proc.stdout
    assert "lint" not in proc.stdout.split("NOT RUN")[0].split("\n")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--http", "web"], "--http 'web': expected SERVICE:PORT[/PATH]"),
        (["--exec", "redis"], "--exec 'redis': expected 'SERVICE: COMMAND ARGS...'"),
        (["--image-map", "redis"], "bad image map 'redis': expected FROM=TO"),
        (["--expectations", "nope.yaml"], "no such expectations file: nope.yaml"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run("test", "fixtures/harness/tiny", *args, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stdout == ""


def test_bad_check_flag_is_positioned(tmp_path: Path) -> None:
    proc = run("test", "fixtures/harness/tiny", "--check", "{tcp: 'app:8080', witin: 3}",
               tmp_path=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout.startswith("--check[1]:1:19: error CK701 unknown key 'witin' in a tcp "
                                  "check")


def test_no_docker_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    proc = run("test", "fixtures/harness/tiny", "--junit", str(tmp_path / "j.xml"),
               tmp_path=tmp_path)
    assert (tmp_path / "j.xml").exists()
    assert proc.returncode == 2
    assert "composekit test: error: the docker command is not on PATH" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("module", ["composekit.cli", "composekit.pytest_plugin",
                                    "composekit.testing"])
def test_light_imports(module: str) -> None:
    code = (f"import sys, {module}; "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('testcontainers', 'docker', 'requests', 'urllib3')); print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip() == "[]"
