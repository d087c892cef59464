"""What exists on the Docker engine: containers, networks and volumes, for leak checks.

    before = snapshot()
    ...  # bring stacks up and down
    assert not leaked(before, snapshot())

Only objects that appeared are reported (objects removed meanwhile, by anyone,
are not a leak). The engine's default networks are part of every snapshot, so
they never count.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from composekit.errors import HarnessError


@dataclass(frozen=True)
class Snapshot:
    """IDs and names of the engine's containers, networks and volumes at one moment."""

    containers: frozenset[str]
    networks: frozenset[str]
    volumes: frozenset[str]


def _list(args: list[str]) -> frozenset[str]:
    try:
        result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60,
                                check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessError(f"docker {' '.join(args)}: {exc}") from None
    if result.returncode != 0:
        raise HarnessError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return frozenset(line.strip() for line in result.stdout.splitlines() if line.strip())


def snapshot() -> Snapshot:
    """The engine's containers (all states), networks and volumes now."""
    return Snapshot(
        containers=_list(["ps", "-a", "--format", "{{.ID}} {{.Names}}"]),
        networks=_list(["network", "ls", "--format", "{{.ID}} {{.Name}}"]),
        volumes=_list(["volume", "ls", "--format", "{{.Name}}"]),
    )


def leaked(before: Snapshot, after: Snapshot) -> dict[str, list[str]]:
    """What ``after`` has that ``before`` had not, by kind (empty when nothing leaked)."""
    out: dict[str, list[str]] = {}
    for kind in ("containers", "networks", "volumes"):
        new = sorted(getattr(after, kind) - getattr(before, kind))
        if new:
            out[kind] = new
    return out
