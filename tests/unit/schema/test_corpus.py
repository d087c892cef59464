"""The schema corpus: composekit's verdicts against the reference validators' recorded ones.

``fixtures/schema/<format>/{valid,invalid}/*.yaml`` holds small real-looking Compose files for
every file-format version. Each invalid file starts with ``# why:`` (the mistake) and one
``# expect: CODE line:col`` line per finding composekit must report. The reference
validators' verdicts (docker-compose 1.26.2, ``docker stack config``, ``docker compose``)
are recorded in ``fixtures/schema/verdicts.json`` by ``scripts/regen-schema-verdicts.py``,
so these tests need none of them; ``tests/integration/test_schema_oracle.py`` re-runs them.

Where composekit and an oracle disagree, composekit must be right for a stated reason:
every such (file, oracle) pair is in :data:`KNOWN_DISAGREEMENTS`, and nothing else may
disagree. ``python scripts/regen-schema-verdicts.py --report`` prints the agreement table;
:func:`agreement_rows` returns it.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]


def _load_oracle_verdicts() -> ModuleType:
    name = "composekit_scripts_oracle_verdicts"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "oracle_verdicts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ov = _load_oracle_verdicts()

#: (corpus file, oracle) -> why composekit's verdict is the right one. Every disagreement
#: between composekit and an oracle must be listed here, and every entry must still be one.
KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = {
    ("v3.0/invalid/version-3-start-period.yaml", "stack"):
        'docker stack reads version "3" as its newest 3.x format (3.13 in docker 28); '
        'docker-compose 1.x and the Compose file reference define "3" as 3.0, which has no '
        "healthcheck.start_period (added in 3.4)",
    ("v3.2/invalid/network-attachable-string.yaml", "dc126"):
        "docker-compose 1.26.2 casts strings at typed paths to booleans before validating (a "
        'feature meant for interpolated values), so attachable: "yes" passes; the 3.2 schema '
        "and docker stack require a boolean",
    ("v3.6/invalid/tmpfs-size-string.yaml", "dc126"):
        "docker-compose 1.26.2 converts tmpfs.size strings such as 100m to bytes before "
        "validating; the 3.6 schema (and docker stack) take an integer number of bytes",
    ("v3.8/invalid/bad-duration.yaml", "dc126"):
        "docker-compose 1.26.2 registers no 'duration' format check, so config accepts "
        "'30 seconds'; docker stack (Does not match format 'duration') and Compose v2 "
        "(unknown unit) reject it",
    ("v2.4/invalid/restart-sometimes.yaml", "dc126"):
        "docker-compose 1.26.2's schema has restart as a free string, but the engine refuses "
        "the container (`up`: invalid restart policy 'sometimes'); composekit reports it "
        "before anything runs",
    ("spec/invalid/restart-sometimes.yaml", "compose"):
        "Compose v2 config does not check restart values, but the engine refuses the "
        "container (invalid restart policy 'sometimes'); composekit reports it before "
        "anything runs",
    ("v3.8/invalid/bad-port.yaml", "dc126"):
        "docker-compose 1.26.2's 'ports' format check lets '80:80:80:80' through; docker "
        "stack rejects it (Does not match format 'ports') and so does Compose v2",
    ("v2.0/invalid/volumes-from-undefined-service.yaml", "dc126"):
        "docker-compose 1.26.2's config does not resolve volumes_from; every command that "
        'builds the project (up, ps, ...) refuses it: Service "backup" mounts volumes from '
        '"archive", which is not the name of a service or container',
    ("v3.8/valid/credential-spec-config.yaml", "dc126"):
        "credential_spec.config is in the 3.8 schema (docker-compose 1.26.2's own), but "
        "1.26.2's service checks predate it and demand file or registry; docker stack "
        "accepts the file",
}

#: Corpus files on which composekit is known to be wrong (reported to the validator's
#: owner): file -> (reason, whether the verdict itself is wrong, not only the findings).
#: Each is an ``xfail(strict=True)``, so a fix makes the test fail until the entry is
#: removed. Keep empty unless there is no other way.
COMPOSEKIT_WRONG: dict[str, tuple[str, bool]] = {}

FILES: list[str] = ov.corpus_files()
RECORDED: dict[str, Any] = ov.load_verdicts()
FORMATS: list[str] = sorted({ov.format_of(rel) for rel in FILES})


def _xfail(rel: str, *, verdict: bool) -> list[Any]:
    """The strict xfail mark for a file listed in :data:`COMPOSEKIT_WRONG`, if it applies."""
    if rel not in COMPOSEKIT_WRONG:
        return []
    reason, verdict_wrong = COMPOSEKIT_WRONG[rel]
    if verdict and not verdict_wrong:
        return []
    return [pytest.mark.xfail(strict=True, reason=reason)]


PAIRS: list[tuple[str, str]] = [
    (rel, oracle) for rel in FILES for oracle in ov.oracles_for(ov.format_of(rel))
]


# --- the corpus itself (no validator needed) ---------------------------------------------


def test_every_format_has_valid_and_invalid_files() -> None:
    assert set(FORMATS) == set(ov.ORACLES_FOR_FORMAT)
    for fmt in FORMATS:
        valid = [f for f in FILES if ov.format_of(f) == fmt and ov.expected_valid(f)]
        invalid = [f for f in FILES if ov.format_of(f) == fmt and not ov.expected_valid(f)]
        if fmt != "unknown-version":
            assert len(valid) >= 3, fmt
        assert len(invalid) >= 3, fmt
    # The formats docker-compose 1.x and the specification cover get the full treatment.
    for fmt in ["v1", *[f"v2.{m}" for m in range(5)], *[f"v3.{m}" for m in range(9)], "spec"]:
        count = sum(1 for f in FILES if ov.format_of(f) == fmt)
        assert count >= 16, (fmt, count)


@pytest.mark.parametrize("rel", FILES)
def test_header(rel: str) -> None:
    text = (ov.CORPUS / rel).read_text(encoding="utf-8")
    whys, expects = ov.read_header(text)
    if ov.expected_valid(rel):
        assert not whys and not expects, "a valid file carries no # why / # expect"
    else:
        assert whys, "an invalid file starts with '# why: <the mistake>'"
        assert expects, "an invalid file says what composekit reports: '# expect: CKnnn L:C'"
        lines = text.splitlines()
        for code, line, col in expects:
            assert 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]) + 1, (
                f"{code} {line}:{col} is outside the file"
            )


def test_verdicts_cover_the_corpus() -> None:
    files = RECORDED["files"]
    assert sorted(files) == FILES, "run scripts/regen-schema-verdicts.py"
    for rel in FILES:
        assert sorted(files[rel]) == sorted(ov.oracles_for(ov.format_of(rel))), rel
    assert set(RECORDED["oracles"]) == set(ov.ORACLES)


def test_known_disagreements_name_recorded_pairs() -> None:
    for rel, oracle in KNOWN_DISAGREEMENTS:
        assert (rel, oracle) in PAIRS, f"{rel} [{oracle}] is not a corpus file judged by {oracle}"
    assert set(COMPOSEKIT_WRONG) <= set(FILES)


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_oracle_verdict_matches_directory(pair: tuple[str, str]) -> None:
    """An oracle agrees with the file's directory (valid/invalid) unless listed as known."""
    rel, oracle = pair
    accepted = RECORDED["files"][rel][oracle]["accept"]
    if pair in KNOWN_DISAGREEMENTS:
        assert accepted != ov.expected_valid(rel), (
            f"{oracle} now agrees on {rel}: remove it from KNOWN_DISAGREEMENTS"
        )
    else:
        verdict = RECORDED["files"][rel][oracle]
        assert accepted == ov.expected_valid(rel), (
            f"{oracle} {'accepts' if accepted else 'rejects'} {rel}: {verdict.get('summary')}"
        )


# --- composekit against the corpus -------------------------------------------------------


@functools.cache
def _findings(rel: str) -> tuple[tuple[str, int, int, str], ...]:
    return tuple(
        (d.code, d.line, d.column, d.message) for d in ov.composekit_findings(ov.CORPUS / rel)
    )


@pytest.mark.parametrize(
    "rel", [pytest.param(rel, marks=_xfail(rel, verdict=False), id=rel) for rel in FILES]
)
def test_composekit_findings(rel: str) -> None:
    """Valid files give no error; invalid ones give exactly the ``# expect:`` findings."""
    found = _findings(rel)
    shown = "\n".join(f"  {c} {ln}:{col} {msg}" for c, ln, col, msg in found)
    if ov.expected_valid(rel):
        assert not found, f"composekit reports errors on a valid file:\n{shown}"
        return
    _whys, expects = ov.read_header((ov.CORPUS / rel).read_text(encoding="utf-8"))
    got = sorted({(c, ln, col) for c, ln, col, _msg in found})
    assert got == sorted(set(expects)), f"expected {sorted(expects)}, composekit says:\n{shown}"


@pytest.mark.parametrize(
    "pair",
    [pytest.param(p, marks=_xfail(p[0], verdict=True), id="-".join(p)) for p in PAIRS],
)
def test_composekit_agrees_with_recorded_oracle(pair: tuple[str, str]) -> None:
    rel, oracle = pair
    recorded = RECORDED["files"][rel][oracle]
    ours = not _findings(rel)
    if pair in KNOWN_DISAGREEMENTS:
        assert ours != recorded["accept"], (
            f"composekit now agrees with {oracle} on {rel}: remove the KNOWN_DISAGREEMENTS entry"
        )
    else:
        assert ours == recorded["accept"], (
            f"{oracle} {'accepts' if recorded['accept'] else 'rejects'} {rel} "
            f"({recorded.get('summary', '')}); composekit says {_findings(rel)}"
        )


def agreement_rows() -> list[dict[str, Any]]:
    """Agreement of composekit with each recorded oracle, per format (needs the validator)."""
    mine = {rel: not _findings(rel) for rel in FILES}
    rows: list[dict[str, Any]] = ov.agreement_table(
        RECORDED["files"], mine, KNOWN_DISAGREEMENTS
    )
    return rows


def test_agreement_table() -> None:
    rows = agreement_rows()
    print("\n" + ov.format_table(rows))
    assert sum(r["files"] for r in rows) == len(PAIRS)
    stray = [
        (rel, oracle) for rel, oracle in PAIRS
        if (not _findings(rel)) != RECORDED["files"][rel][oracle]["accept"]
        and (rel, oracle) not in KNOWN_DISAGREEMENTS
        and not (rel in COMPOSEKIT_WRONG and COMPOSEKIT_WRONG[rel][1])
    ]
    assert stray == [], "disagreements not listed in KNOWN_DISAGREEMENTS"
