"""What exists on the Docker engine: containers, networks and volumes, for leak checks.

    before = snapshot()
    ...  # bring stacks up and down
    assert not leaked(before, snapshot())

Only objects that appeared are reported (objects removed meanwhile, by anyone,
are not a leak). Each object is recorded as ``ID NAME PROJECT``, where PROJECT
is its Compose project or swarm stack label. ``harness_only=True`` keeps the
objects a composekit harness run can create: those of a project or stack named
by :func:`~composekit.testing.harness.unique_project_name` (``...-ck<pid>-<hex>``)
and the networks a swarm initialisation adds (``ingress``, ``docker_gwbridge``),
so that other users of a shared engine do not count as leaks.
"""

from __future__ import annotations

import re
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


# PROJECT column: compose project (only with compose's own oneoff label: an image built by
# compose passes its project label on to any container made from it), or stack namespace.
_PROJECT = ('{{if .Label "com.docker.compose.oneoff"}}{{.Label "com.docker.compose.project"}}'
            '{{else}}{{.Label "com.docker.stack.namespace"}}{{end}}')
_NETWORK_PROJECT = ('{{.Label "com.docker.compose.project"}}'
                    '{{.Label "com.docker.stack.namespace"}}')
_HARNESS_NAME = re.compile(r"-ck\d+-[0-9a-f]{6}(?:$|[_-])")
_SWARM_NETWORKS = frozenset({"ingress", "docker_gwbridge"})


def snapshot() -> Snapshot:
    """The engine's containers (all states), networks and volumes now."""
    return Snapshot(
        containers=_list(["ps", "-a", "--format", "{{.ID}} {{.Names}} " + _PROJECT]),
        networks=_list(["network", "ls", "--format", "{{.ID}} {{.Name}} " + _NETWORK_PROJECT]),
        volumes=_list(["volume", "ls", "--format", "{{.Name}} {{.Name}} " + _NETWORK_PROJECT]),
    )


def _from_harness(entry: str) -> bool:
    parts = entry.split()
    name = parts[1] if len(parts) > 1 else ""
    project = parts[2] if len(parts) > 2 else ""
    return bool(_HARNESS_NAME.search(project) or _HARNESS_NAME.search(name)
                or name in _SWARM_NETWORKS)


def leaked(before: Snapshot, after: Snapshot, *,
           harness_only: bool = False) -> dict[str, list[str]]:
    """What ``after`` has that ``before`` had not, by kind (empty when nothing leaked)."""
    out: dict[str, list[str]] = {}
    for kind in ("containers", "networks", "volumes"):
        new = sorted(e for e in getattr(after, kind) - getattr(before, kind)
                     if not harness_only or _from_harness(e))
        if new:
            out[kind] = new
    return out
