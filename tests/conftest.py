"""Project-wide test set-up: availability of the Docker engine and the reference tools.

- Tests marked ``docker`` need an engine that answers ``docker info``.
- Tests marked ``oracle`` request one of the availability fixtures below.
- Tests that request an availability fixture get the matching marker added automatically, so
  ``-m "not docker"`` and ``-m "not oracle"`` deselect them even if a marker was forgotten.

A missing engine or tool skips the test locally. When ``CI`` is set (CI runs with ``CI=true``,
after ``scripts/test.sh`` has installed everything), it fails the test instead: there a skip
would hide a broken set-up. ``oracles.unavailable(what)`` does this for any other requirement.

The helpers that run the tools are in ``tests/oracles.py`` (``import oracles``; this directory
is on ``sys.path`` because this conftest lives here).
"""

from __future__ import annotations

import os

import oracles
import pytest

# testcontainers' reaper (Ryuk) is an image from a registry, which cannot be reached here.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

#: fixture name -> marker that a test using it must carry
_FIXTURE_MARKERS = {
    "compose_v2_available": "oracle",
    "compose_v126_available": "oracle",
    "stack_available": "oracle",
    "docker_engine": "docker",
    "base_image": "docker",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixturenames = getattr(item, "fixturenames", ())
        for fixture, marker in _FIXTURE_MARKERS.items():
            if fixture in fixturenames and item.get_closest_marker(marker) is None:
                item.add_marker(marker)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") is not None and oracles.which_docker_engine() is None:
        oracles.unavailable("a Docker engine (`docker info` does not answer)")


@pytest.fixture(scope="session")
def compose_v2_available() -> str:
    """Compose v2's version; the test is skipped (failed under CI) without ``docker compose``."""
    version = oracles.which_compose_v2()
    if version is None:
        oracles.unavailable("`docker compose` (Compose v2)")
    return version


@pytest.fixture(scope="session")
def compose_v126_available() -> str:
    """``"1.26.2"``; the test is skipped (failed under CI) without docker-compose 1.26.2."""
    version = oracles.which_compose_v126()
    if version is None:
        oracles.unavailable(f"docker-compose 1.26.2 ({oracles.DC126})")
    return version


@pytest.fixture(scope="session")
def stack_available() -> str:
    """The docker client's version line; skipped (failed under CI) without `docker stack`."""
    version = oracles.which_stack()
    if version is None:
        oracles.unavailable("`docker stack config` (docker CLI)")
    return version


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The engine's server version; skipped (failed under CI) when `docker info` fails."""
    version = oracles.which_docker_engine()
    if version is None:
        oracles.unavailable("a Docker engine (`docker info` does not answer)")
    return version


@pytest.fixture(scope="session")
def base_image(docker_engine: str) -> str:
    """The tag of the locally built base image (``oracles.BASE_IMAGE``), once it is present."""
    if not oracles.image_present(oracles.BASE_IMAGE):
        oracles.unavailable(f"the image {oracles.BASE_IMAGE} (built by scripts/setup-docker.sh)")
    return oracles.BASE_IMAGE
