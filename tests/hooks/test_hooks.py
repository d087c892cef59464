"""The pre-commit hooks: the manifest, its ``files`` pattern, and the real pre-commit tool.

The end-to-end test copies this repository's files (tracked and untracked, not ignored)
into a fresh git repository, uses it as the hook source (``repo:`` + ``rev:`` as a user
would), installs the hooks in a temporary project and commits through them: a bad Compose
file fails the commit, a good one passes, and ``composekit-fix`` rewrites a fixable file.
pre-commit installs composekit into its own virtualenv from the copy; its dependencies come
from PyPI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import oracles
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> dict[str, dict[str, object]]:
    data = YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))
    return {h["id"]: h for h in data}


def test_manifest_declares_both_hooks_with_known_keys() -> None:
    hooks = _hooks()
    assert set(hooks) == {"composekit-lint", "composekit-fix"}
    allowed = {"id", "name", "entry", "language", "files", "exclude", "types", "types_or",
               "exclude_types", "additional_dependencies", "args", "always_run",
               "fail_fast", "pass_filenames", "description", "language_version",
               "log_file", "require_serial", "stages", "verbose",
               "minimum_pre_commit_version"}
    for hook in hooks.values():
        assert set(hook) <= allowed
        assert hook["language"] == "python"
        assert str(hook["entry"]).startswith("composekit lint")
    assert "--fix" in str(hooks["composekit-fix"]["entry"])
    assert hooks["composekit-lint"]["files"] == hooks["composekit-fix"]["files"]


GOOD_NAMES = [
    "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
    "compose.override.yaml", "docker-compose.override.yml", "docker-compose.prod.yml",
    "docker-compose-dev.yaml", "deploy/stack/compose.yaml", "a/b/docker-compose.ci.yml",
    "Docker-Compose.YML",
]
BAD_NAMES = [
    "composer.yml", "mycompose.yaml", "decompose.yml", "compose.json", "compose.yaml.bak",
    "docker-compose.yml.orig", "compose/values.yaml", "compose.yamlx", "kompose.yaml",
    ".github/workflows/ci.yml", "docker-compose", "compose.",
]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_files_pattern_matches_compose_file_names(name: str) -> None:
    for hook in _hooks().values():
        assert re.search(str(hook["files"]), name), name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_files_pattern_rejects_other_names(name: str) -> None:
    for hook in _hooks().values():
        assert not re.search(str(hook["files"]), name), name


# --- the real pre-commit --------------------------------------------------------------------


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=True,
                          timeout=900, stdin=subprocess.DEVNULL, check=False)


def _git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update({
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "composekit tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "composekit tests",
        "GIT_COMMITTER_EMAIL": "tests@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "NO_COLOR": "1",
    })
    return env


def _hook_source(dest: Path, env: dict[str, str]) -> str:
    """A git repository holding this working tree's files; returns its HEAD commit."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if not name or not (ROOT / name).is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", "hook source"]):
        done = _run(cmd, dest, env)
        assert done.returncode == 0, done.stderr
    return _run(["git", "rev-parse", "HEAD"], dest, env).stdout.strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if shutil.which("pre-commit") is None or shutil.which("git") is None:
        oracles.unavailable("pre-commit and git (pip install pre-commit)")
    base = tmp_path_factory.mktemp("precommit")
    env = _git_env(base / "cache")
    source = base / "composekit"
    source.mkdir()
    rev = _hook_source(source, env)
    repo = base / "project"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {source}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: composekit-lint\n"
        "        args: [--isolated]\n"
        "      - id: composekit-fix\n"
        "        args: [--isolated]\n"
        "        stages: [manual]\n")
    for cmd in (["git", "init", "-q"], ["pre-commit", "install"]):
        done = _run(cmd, repo, env)
        assert done.returncode == 0, done.stdout + done.stderr
    _run(["git", "add", ".pre-commit-config.yaml"], repo, env)
    return repo, env


GOOD = "services:\n  web:\n    image: nginx:1.27.2\n    restart: unless-stopped\n"
BAD = "services:\n  web:\n    image: nginx:1.27.2\n    restart: sometimes\n"


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return _run(["git", "commit", "-m", message], repo, env)


@pytest.mark.slow
def test_a_bad_compose_file_fails_the_commit_and_a_good_one_passes(
        project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    (repo / "compose.yaml").write_text(BAD)
    _run(["git", "add", "compose.yaml"], repo, env)
    failed = _commit(repo, env, "bad")
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    assert "composekit lint" in output and "Failed" in output, output
    assert "CK027" in output and "compose.yaml:4:14" in output, output
    assert _run(["git", "rev-parse", "--verify", "HEAD"], repo, env).returncode != 0

    (repo / "compose.yaml").write_text(GOOD)
    _run(["git", "add", "compose.yaml"], repo, env)
    passed = _commit(repo, env, "good")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "composekit lint" in passed.stderr + passed.stdout
    assert "Passed" in passed.stderr + passed.stdout

    # A YAML file that is not a Compose file is not checked.
    (repo / "values.yaml").write_text("not: [a compose file\n")
    _run(["git", "add", "values.yaml"], repo, env)
    skipped = _commit(repo, env, "other yaml")
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr


@pytest.mark.slow
def test_the_fix_hook_rewrites_a_fixable_file(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    path = repo / "docker-compose.fix.yml"
    path.write_text("services:\n  web:\n    image: nginx:1.27.2  # composekit: disable=CK018\n")
    _run(["git", "add", path.name], repo, env)
    ran = _run(["pre-commit", "run", "composekit-fix", "--hook-stage", "manual",
                "--files", path.name], repo, env)
    output = ran.stdout + ran.stderr
    assert ran.returncode == 1 and "files were modified by this hook" in output, output
    assert path.read_text() == "services:\n  web:\n    image: nginx:1.27.2\n"
    again = _run(["pre-commit", "run", "composekit-fix", "--hook-stage", "manual",
                  "--files", path.name], repo, env)
    assert again.returncode == 0, again.stdout + again.stderr
