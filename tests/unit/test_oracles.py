"""The reference tools answer, and say what the rest of the suite relies on them saying."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import oracles
import pytest
from oracles import OracleResult

REPO = Path(__file__).resolve().parents[2]

TINY = """\
name: tiny
services:
  web:
    image: composekit/base:bookworm-1
    ports: ["8080:80"]
    environment:
      GREETING: ${GREETING:-hello}
  debug:
    image: composekit/base:bookworm-1
    profiles: [debug]
"""

# start_period in a healthcheck arrived with file format 3.4.
HEALTHCHECK_START_PERIOD = """\
version: "{version}"
services:
  web:
    image: composekit/base:bookworm-1
    healthcheck:
      test: ["CMD", "true"]
      interval: 10s
      start_period: 5s
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _config(
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    env_files: Sequence[Path] = (),
    profiles: Sequence[str] = (),
) -> dict[str, Any]:
    """`docker compose config` of tmp_path/compose.yaml, which must succeed."""
    data = oracles.compose_v2_config_json(
        [tmp_path / "compose.yaml"], cwd=tmp_path, env=env, env_files=env_files, profiles=profiles
    )
    assert not isinstance(data, OracleResult), data.describe()
    return data


# --- helpers that need no tool -----------------------------------------------------------------


def test_clean_env_keeps_only_tool_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "leaked")
    monkeypatch.setenv("GREETING", "leaked")
    env = oracles.clean_env({"GREETING": "passed"})
    assert env["GREETING"] == "passed"
    assert "COMPOSE_PROJECT_NAME" not in env
    assert set(env) <= {*oracles.HOST_VARIABLES, "GREETING"}


def test_missing_tool_is_a_result_not_an_exception(tmp_path: Path) -> None:
    result = oracles.run([str(tmp_path / "no-such-tool"), "version"], cwd=tmp_path)
    assert result.returncode == 127
    assert not result.ok
    assert "not found" in result.stderr


def test_timeout_is_a_result_not_an_exception(tmp_path: Path) -> None:
    result = oracles.run(["sleep", "5"], cwd=tmp_path, timeout=0.2)
    assert result.returncode == 124
    assert "timed out" in result.stderr


def test_unavailable_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the frobnicator"):
        oracles.unavailable("the frobnicator")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        oracles.unavailable("the frobnicator")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI set-up is broken"):
        oracles.unavailable("the frobnicator")


def test_base_image_tag_matches_the_setup_script() -> None:
    script = (REPO / "scripts" / "setup-docker.sh").read_text(encoding="utf-8")
    match = re.search(r'^BASE_IMAGE="([^"]+)"$', script, re.MULTILINE)
    assert match is not None, "BASE_IMAGE=... not found in scripts/setup-docker.sh"
    assert match.group(1) == oracles.BASE_IMAGE


# --- docker compose v2 -------------------------------------------------------------------------


@pytest.mark.oracle
def test_compose_v2_config_json_of_a_tiny_file(tmp_path: Path, compose_v2_available: str) -> None:
    _write(tmp_path, "compose.yaml", TINY)
    data = _config(tmp_path)
    assert data["name"] == "tiny"
    assert data["services"] == {
        "web": {
            "command": None,
            "entrypoint": None,
            "environment": {"GREETING": "hello"},
            "image": "composekit/base:bookworm-1",
            "networks": {"default": None},
            "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}],
        }
    }
    assert data["networks"] == {"default": {"name": "tiny_default", "ipam": {}}}


@pytest.mark.oracle
def test_compose_v2_sees_only_the_environment_it_is_given(
    tmp_path: Path, compose_v2_available: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "compose.yaml", TINY)
    monkeypatch.setenv("GREETING", "from-host")
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "from-host")
    monkeypatch.setenv("COMPOSE_PROFILES", "debug")

    data = _config(tmp_path)
    assert data["name"] == "tiny"
    assert data["services"]["web"]["environment"] == {"GREETING": "hello"}
    assert set(data["services"]) == {"web"}

    data = _config(tmp_path, env={"GREETING": "passed", "COMPOSE_PROJECT_NAME": "given"})
    assert data["services"]["web"]["environment"] == {"GREETING": "passed"}
    assert data["name"] == "given"  # COMPOSE_PROJECT_NAME outranks the file's name:


@pytest.mark.oracle
def test_compose_v2_env_files_and_profiles(tmp_path: Path, compose_v2_available: str) -> None:
    _write(tmp_path, "compose.yaml", TINY)
    _write(tmp_path, ".env", "GREETING=from-dot-env\n")
    _write(tmp_path, "other.env", "GREETING=from-other\n")

    data = _config(tmp_path)
    assert data["services"]["web"]["environment"] == {"GREETING": "from-dot-env"}

    data = _config(tmp_path, env_files=[tmp_path / "other.env"], profiles=["debug"])
    assert data["services"]["web"]["environment"] == {"GREETING": "from-other"}
    assert set(data["services"]) == {"web", "debug"}


@pytest.mark.oracle
def test_compose_v2_config_json_failure_is_a_result(
    tmp_path: Path, compose_v2_available: str
) -> None:
    _write(tmp_path, "compose.yaml", "services:\n  web:\n    image: [not, a, string]\n")
    result = oracles.compose_v2_config_json([tmp_path / "compose.yaml"], cwd=tmp_path)
    assert isinstance(result, OracleResult)
    assert result.returncode != 0
    assert "services.web.image" in result.stderr


# --- the start_period fact: per-version schemas (1.26.2, stack) versus the Compose Spec (v2) ---


@pytest.mark.oracle
def test_compose_v126_rejects_start_period_before_3_4(
    tmp_path: Path, compose_v126_available: str
) -> None:
    _write(tmp_path, "v33.yml", HEALTHCHECK_START_PERIOD.format(version="3.3"))
    _write(tmp_path, "v34.yml", HEALTHCHECK_START_PERIOD.format(version="3.4"))

    rejected = oracles.compose_v126(["-f", "v33.yml", "config"], cwd=tmp_path)
    assert rejected.returncode == 1, rejected.describe()
    assert "The Compose file './v33.yml' is invalid because:" in rejected.stderr
    assert "services.web.healthcheck" in rejected.stderr
    assert "'start_period' was unexpected" in rejected.stderr

    accepted = oracles.compose_v126(["-f", "v34.yml", "config"], cwd=tmp_path)
    assert accepted.ok, accepted.describe()
    assert "start_period: 5s" in accepted.stdout


@pytest.mark.oracle
def test_compose_v2_accepts_start_period_under_3_3(
    tmp_path: Path, compose_v2_available: str
) -> None:
    _write(tmp_path, "compose.yaml", HEALTHCHECK_START_PERIOD.format(version="3.3"))
    result = oracles.compose_v2(["config", "--format", "json"], cwd=tmp_path)
    assert result.ok, result.describe()
    assert "the attribute `version` is obsolete" in result.stderr
    data = _config(tmp_path)
    assert data["services"]["web"]["healthcheck"] == {
        "test": ["CMD", "true"],
        "interval": "10s",
        "start_period": "5s",
    }


@pytest.mark.oracle
def test_stack_config_checks_the_declared_version(tmp_path: Path, stack_available: str) -> None:
    _write(tmp_path, "v33.yml", HEALTHCHECK_START_PERIOD.format(version="3.3"))
    _write(tmp_path, "v34.yml", HEALTHCHECK_START_PERIOD.format(version="3.4"))

    rejected = oracles.stack_config("v33.yml", cwd=tmp_path)
    assert rejected.returncode != 0, rejected.describe()
    assert "services.web.healthcheck Additional property start_period is not allowed" in (
        rejected.stderr
    )

    accepted = oracles.stack_config("v34.yml", cwd=tmp_path)
    assert accepted.ok, accepted.describe()
    assert accepted.stdout.startswith('version: "3.4"\n')
    assert "start_period: 5s" in accepted.stdout


# --- the engine and the base image -------------------------------------------------------------


@pytest.mark.docker
def test_base_image_runs_flask_redis_and_redis_server(base_image: str) -> None:
    imports = oracles.run(
        ["docker", "run", "--rm", base_image, "python3", "-c", "import flask, redis; print('ok')"],
        cwd=".",
    )
    assert imports.ok, imports.describe()
    assert imports.stdout.strip() == "ok"

    server = oracles.run(
        ["docker", "run", "--rm", base_image, "redis-server", "--version"], cwd="."
    )
    assert server.ok, server.describe()
    assert server.stdout.startswith("Redis server v=")
