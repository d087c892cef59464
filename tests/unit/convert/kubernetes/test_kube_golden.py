"""Golden files: each case of fixtures/convert_kube converts to exactly its
expected.k8s.yaml, with exactly its expected.report.txt.

Regenerate after an intended change with ``COMPOSEKIT_REGEN=1 pytest
tests/unit/convert/kubernetes/test_kube_golden.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import os

import pytest
from kube_cases import CASES, CASES_DIR, convert_case, load_all

REGEN = os.environ.get("COMPOSEKIT_REGEN") == "1"


def _compare(path: os.PathLike[str], actual: str) -> None:
    if REGEN:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(actual)
        return
    with open(path, encoding="utf-8") as fh:
        expected = fh.read()
    if expected != actual:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "expected", "actual"))
        pytest.fail(f"{path} differs (COMPOSEKIT_REGEN=1 rewrites it):\n{diff}")


def test_the_cases_are_there() -> None:
    assert len(CASES) >= 12
    assert "hitcounter" in CASES and "nginx-replicas" in CASES


@pytest.mark.parametrize("case", CASES)
def test_golden_manifests(case: str) -> None:
    result = convert_case(case)
    assert result.manifests, result.diagnostics
    assert not [d for d in result.diagnostics if d.code == "CK032"], result.diagnostics
    text = next(iter(result.files.values()))
    _compare(CASES_DIR / case / "expected.k8s.yaml", text)
    # the golden stream reads back as the objects, with YAML 1.1 rules (kubectl, Helm)
    assert load_all(text) == [m.body for m in result.manifests]


@pytest.mark.parametrize("case", CASES)
def test_golden_report(case: str) -> None:
    result = convert_case(case)
    text = result.report.text() + "\n"
    _compare(CASES_DIR / case / "expected.report.txt", text)
