"""Re-run the reference validators on the whole schema corpus.

Each oracle must still give the verdicts recorded in ``fixtures/schema/verdicts.json``
(regenerate with ``python scripts/regen-schema-verdicts.py`` after an intended change), and
composekit must agree with what the oracle says now, except for the pairs listed, with the
reason composekit is right, in ``KNOWN_DISAGREEMENTS`` of ``tests/unit/schema/test_corpus.py``
(the one list of disagreements).

composekit's verdict is that of ``composekit validate FILE`` (the whole pipeline: loader,
cross-reference checks and schema validation; ``scripts/oracle_verdicts.py:
composekit_findings``).

docker-compose 1.26.2 runs in one process for all its files through its own Python API
(``scripts/oracle_verdicts.py``), which gives the same verdicts and messages as its CLI.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

#: oracle -> the availability fixture of tests/conftest.py
FIXTURE = {
    "dc126": "compose_v126_available",
    "stack": "stack_available",
    "compose": "compose_v2_available",
}


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load(
    "composekit_tests_schema_corpus", REPO / "tests" / "unit" / "schema" / "test_corpus.py"
)
ov = corpus.ov
KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = corpus.KNOWN_DISAGREEMENTS
COMPOSEKIT_WRONG: dict[str, tuple[str, bool]] = corpus.COMPOSEKIT_WRONG


@functools.cache
def live(oracle: str) -> tuple[dict[str, dict[str, Any]], float]:
    """``({rel: record}, seconds)`` for one oracle run over every corpus file it judges."""
    prefix = ov.CORPUS.relative_to(REPO).as_posix() + "/"
    files = [rel for rel in corpus.FILES if oracle in ov.oracles_for(ov.format_of(rel))]
    start = time.perf_counter()
    records = ov.run(oracle, [prefix + rel for rel in files], cwd=REPO)
    elapsed = time.perf_counter() - start
    return {str(r["file"])[len(prefix):]: r for r in records}, elapsed


@pytest.mark.oracle
@pytest.mark.slow
@pytest.mark.parametrize("oracle", ov.ORACLES)
def test_oracle_gives_recorded_verdicts(oracle: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(FIXTURE[oracle])
    verdicts, elapsed = live(oracle)
    print(f"\n{oracle}: {len(verdicts)} files in {elapsed:.2f}s")
    recorded = corpus.RECORDED["files"]
    changed = [
        f"{rel}: recorded {'accept' if recorded[rel][oracle]['accept'] else 'reject'}, "
        f"now {'accept' if rec['accept'] else 'reject'} {rec['summary']}"
        for rel, rec in sorted(verdicts.items())
        if rec["accept"] != recorded[rel][oracle]["accept"]
    ]
    assert not changed, "oracle verdicts changed (regen-schema-verdicts.py?):\n" + "\n".join(
        changed
    )
    assert len(verdicts) == sum(1 for rel, o in corpus.PAIRS if o == oracle)


@pytest.mark.oracle
@pytest.mark.slow
@pytest.mark.parametrize("oracle", ov.ORACLES)
def test_composekit_agrees_with_live_oracle(oracle: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(FIXTURE[oracle])
    verdicts, _elapsed = live(oracle)
    mine = {rel: not corpus._findings(rel) for rel in verdicts}
    stray, stale = [], []
    for rel, rec in sorted(verdicts.items()):
        listed = (rel, oracle) in KNOWN_DISAGREEMENTS
        if rel in COMPOSEKIT_WRONG and COMPOSEKIT_WRONG[rel][1]:
            continue  # a known composekit bug, xfailed in the unit tests
        if mine[rel] != rec["accept"] and not listed:
            ours = "accepts" if mine[rel] else "rejects"
            stray.append(f"{rel}: {oracle} {'accepts' if rec['accept'] else 'rejects'} "
                         f"({rec['summary']}), composekit {ours}")
        elif mine[rel] == rec["accept"] and listed:
            stale.append(rel)
    assert not stray, "unlisted disagreements:\n" + "\n".join(stray)
    assert not stale, f"listed disagreements that no longer are: {stale}"
    rows = ov.agreement_table(
        {rel: {oracle: rec} for rel, rec in verdicts.items()}, mine, KNOWN_DISAGREEMENTS
    )
    print("\n" + ov.format_table(rows))
