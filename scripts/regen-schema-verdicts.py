#!/usr/bin/env python3
"""Record the reference validators' verdicts on the schema corpus, or report agreement.

    python scripts/regen-schema-verdicts.py            # run the oracles, write verdicts.json
    python scripts/regen-schema-verdicts.py --check    # run them, compare, write nothing
    python scripts/regen-schema-verdicts.py --report   # agreement of composekit per format
                                                       # and oracle (no oracle is run)

The corpus is ``fixtures/schema/<format>/{valid,invalid}/*.yaml``; which oracles judge which
format is ``ORACLES_FOR_FORMAT`` in ``scripts/oracle_verdicts.py``. The recorded file,
``fixtures/schema/verdicts.json``, lets the unit tests compare composekit with the oracles
on machines that have none of them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TEST_CORPUS = REPO / "tests" / "unit" / "schema" / "test_corpus.py"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ov = _load("oracle_verdicts", HERE / "oracle_verdicts.py")


def run_oracles(
    files: list[str], oracles: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Run each oracle on the corpus files it judges; ``(verdicts by file, seconds by oracle)``."""
    verdicts: dict[str, dict[str, Any]] = {rel: {} for rel in files}
    timings: dict[str, float] = {}
    prefix = ov.CORPUS.relative_to(REPO).as_posix() + "/"
    for oracle in oracles:
        mine = [rel for rel in files if oracle in ov.oracles_for(ov.format_of(rel))]
        if not mine:
            continue
        if not ov.available(oracle):
            raise SystemExit(f"oracle {oracle} is not available (run scripts/test.sh set-up)")
        start = time.perf_counter()
        records = ov.run(oracle, [prefix + rel for rel in mine], cwd=REPO)
        timings[oracle] = time.perf_counter() - start
        for rec in records:
            rel = str(rec["file"])[len(prefix):]
            entry: dict[str, Any] = {"accept": rec["accept"]}
            if not rec["accept"]:
                entry["summary"] = rec["summary"]
            verdicts[rel][oracle] = entry
    return verdicts, timings


def write(verdicts: dict[str, dict[str, Any]], oracles: list[str]) -> None:
    data = {
        "comment": "Verdicts of the reference validators on fixtures/schema; written by "
                   "scripts/regen-schema-verdicts.py, do not edit by hand.",
        "oracles": {o: ov.version(o) for o in oracles},
        "oracles_for_format": {k: list(v) for k, v in ov.ORACLES_FOR_FORMAT.items()},
        "files": {rel: verdicts[rel] for rel in sorted(verdicts)},
    }
    ov.VERDICTS.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def check(verdicts: dict[str, dict[str, Any]]) -> int:
    recorded = ov.load_verdicts()["files"]
    diffs = 0
    for rel, by_oracle in sorted(verdicts.items()):
        for oracle, verdict in by_oracle.items():
            old = recorded.get(rel, {}).get(oracle)
            if old is None or old["accept"] != verdict["accept"]:
                diffs += 1
                print(f"{rel} [{oracle}]: recorded {old}, now {verdict}")
    stale = sorted(set(recorded) - set(verdicts))
    for rel in stale:
        diffs += 1
        print(f"{rel}: recorded but no longer in the corpus")
    print(f"{diffs} difference(s)")
    return 1 if diffs else 0


def report() -> int:
    """Print the agreement table and every disagreement (known ones with their reason)."""
    tests = _load("schema_test_corpus", TEST_CORPUS)
    known: dict[tuple[str, str], str] = tests.KNOWN_DISAGREEMENTS
    wrong: dict[str, tuple[str, bool]] = tests.COMPOSEKIT_WRONG
    recorded = ov.load_verdicts()
    files = ov.corpus_files()
    start = time.perf_counter()
    mine = ov.composekit_verdicts(files)
    elapsed = time.perf_counter() - start
    print("Oracles: " + "; ".join(f"{k} = {v}" for k, v in recorded["oracles"].items()))
    print(f"composekit judged {len(files)} files in {elapsed:.2f}s\n")
    rows = ov.agreement_table(recorded["files"], mine, known)
    print(ov.format_table(rows))
    print("\nDisagreements (file, oracle: oracle's verdict / composekit's):")
    unexpected = 0
    for rel in files:
        for oracle, verdict in recorded["files"].get(rel, {}).items():
            if verdict["accept"] == mine[rel]:
                continue
            ours = "accept" if mine[rel] else "reject"
            theirs = "accept" if verdict["accept"] else "reject"
            reason = known.get((rel, oracle))
            if reason is None and rel in wrong and wrong[rel][1]:
                reason = f"composekit is wrong (xfail): {wrong[rel][0]}"
            elif reason is None:
                unexpected += 1
                reason = "NOT LISTED in KNOWN_DISAGREEMENTS"
            print(f"  {rel} [{oracle}]: {theirs} / {ours} -- {reason}")
    return 1 if unexpected else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--oracle", action="append", choices=ov.ORACLES,
                        help="run only this oracle (repeatable); default: all")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare with verdicts.json")
    mode.add_argument("--report", action="store_true",
                      help="print composekit's agreement with the recorded verdicts")
    args = parser.parse_args(argv)
    if args.report:
        return report()
    oracles = args.oracle or list(ov.ORACLES)
    files = ov.corpus_files()
    verdicts, timings = run_oracles(files, oracles)
    for oracle, seconds in timings.items():
        n = sum(1 for v in verdicts.values() if oracle in v)
        print(f"{oracle}: {n} files in {seconds:.2f}s", file=sys.stderr)
    if args.check:
        return check(verdicts)
    if args.oracle:  # partial run: keep the other oracles' recorded verdicts
        old = ov.load_verdicts()["files"] if ov.VERDICTS.exists() else {}
        for rel, by_oracle in verdicts.items():
            merged = {k: v for k, v in old.get(rel, {}).items() if k not in oracles}
            merged.update(by_oracle)
            verdicts[rel] = merged
    write(verdicts, list(ov.ORACLES))
    print(f"wrote {ov.VERDICTS.relative_to(REPO)} ({len(files)} files)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
