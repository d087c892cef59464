"""docs/convert-kubernetes.md is generated from the mapping rows; the rows, the builders
and the key catalogue agree."""

from __future__ import annotations

from kube_cases import ROOT

from composekit import catalog
from composekit.convert.kubernetes import transform
from composekit.convert.kubernetes.docs import main, render_markdown
from composekit.convert.kubernetes.mapping import MAPPINGS, Fate, table
from composekit.lint.rules.runtime.kubernetes_unsupported_key import KUBERNETES_UNSUPPORTED

PAGE = ROOT / "docs" / "convert-kubernetes.md"


def test_docs_page_is_generated_from_the_code() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_markdown(), (
        "docs/convert-kubernetes.md is stale: run "
        "`python -m composekit.convert.kubernetes.docs > docs/convert-kubernetes.md`")
    assert main(["--check", str(PAGE)]) == 0


def test_every_service_key_a_builder_reads_has_a_row_and_back() -> None:
    rows = {m.key.split(".")[2] for m in MAPPINGS
            if m.key.startswith("services.*.") and m.key.count(".") == 2}
    sub_rows = {m.key.split(".")[2] for m in MAPPINGS if m.key.startswith("services.*.")}
    assert rows <= transform.HANDLED_KEYS
    assert sub_rows >= transform.HANDLED_KEYS


def test_every_catalogue_service_key_has_exactly_one_row() -> None:
    keys = [r.key for r in table()]
    assert len(keys) == len(set(keys))
    service_keys = {".".join(k.path) for k in catalog.KEYS
                    if k.path[:2] == ("services", "*") and len(k.path) == 3}
    covered = {k for k in service_keys if k in keys or any(r.startswith(k + ".") for r in keys)}
    assert covered == service_keys


def test_lint_table_rows_keep_the_lint_rules_reason() -> None:
    rows = {r.key: r for r in table()}
    for key, reason in KUBERNETES_UNSUPPORTED.items():
        row = rows[f"services.*.{key}"]
        if row.fate is Fate.LOST and key not in ("depends_on", "shm_size"):
            assert row.note == reason
