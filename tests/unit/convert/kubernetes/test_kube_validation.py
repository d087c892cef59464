"""Every object of every golden case, in every output format, validates strictly (unknown
fields are errors) against the Kubernetes OpenAPI schemas, offline; the Helm chart is
rendered by Helm's own engine and gives back exactly the plain objects.

The counts are printed at the end of the run (``-s`` or ``-rA`` shows them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import oracles
import pytest
from kube_cases import CASES, convert_case, load_all

from composekit.convert.kubernetes.emit import write_files
from composekit.convert.kubernetes.options import (
    DEFAULT_KUBE_VERSION,
    KUBE_VERSIONS,
    OutputFormat,
)
from composekit.convert.kubernetes.validate import (
    api_rules,
    available,
    schema_errors,
    shipped_versions,
)

COUNTS: dict[str, int] = {"objects": 0, "conversions": 0}


@pytest.fixture(autouse=True)
def _schemas() -> None:
    if not available():
        oracles.unavailable("the Kubernetes schemas (pip install kubernetes-validate)")


def _validate(docs: list[dict[str, Any]], version: str) -> list[str]:
    problems = []
    for doc in docs:
        for p in schema_errors(doc, version) + api_rules(doc):
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {p}")
    COUNTS["objects"] += len(docs)
    return problems


def _key(doc: dict[str, Any]) -> tuple[str, str]:
    return (doc["kind"], doc["metadata"]["name"])


def _docs_of_files(files: dict[str, str]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name, text in sorted(files.items()):
        if name == "kustomization.yaml":
            continue
        docs.extend(load_all(text))
    return docs


def test_the_shipped_schemas_are_the_versions_composekit_offers() -> None:
    assert set(KUBE_VERSIONS) <= set(shipped_versions())
    assert KUBE_VERSIONS[-1] == DEFAULT_KUBE_VERSION


def test_strict_schemas_refuse_an_unknown_field() -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labelz": {}},
            "data": {"a": "b"}}
    errors = schema_errors(body, DEFAULT_KUBE_VERSION)
    assert errors and "labelz" in errors[0]


def test_every_error_is_reported_not_only_the_first() -> None:
    body = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "bogus": 1},
            "spec": {"replicas": "three", "selector": {"matchLabels": {"a": "b"}},
                     "template": {"metadata": {"labels": {"a": "b"}},
                                  "spec": {"containers": [{"name": "c", "image": "i",
                                                           "extra": True}]}}}}
    errors = schema_errors(body, DEFAULT_KUBE_VERSION)
    assert len(errors) == 3, errors


def test_api_rules_catch_what_the_schema_allows() -> None:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "My_Svc"},
            "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 70000,
                                                              "name": "a-very-long-port-name"}]}}
    assert not schema_errors(body, DEFAULT_KUBE_VERSION)
    problems = " ".join(api_rules(body))
    assert "RFC 1035" in problems and "70000" in problems and "IANA" in problems


@pytest.mark.parametrize("fmt", [f for f in OutputFormat if f is not OutputFormat.HELM])
@pytest.mark.parametrize("case", CASES)
def test_every_output_format_validates(case: str, fmt: OutputFormat, tmp_path: Path) -> None:
    result = convert_case(case, output=fmt)
    COUNTS["conversions"] += 1
    assert result.validated == len(result.manifests) > 0
    docs = _docs_of_files(result.files)
    assert sorted(docs, key=_key) == sorted((m.body for m in result.manifests), key=_key)
    assert _validate(docs, result.options.kube_version) == []
    if fmt is OutputFormat.KUSTOMIZE:
        kustomization = load_all(result.files["kustomization.yaml"])[0]
        assert kustomization["kind"] == "Kustomization"
        assert sorted(kustomization["resources"]) == sorted(
            n for n in result.files if n != "kustomization.yaml")
    if fmt is not OutputFormat.MULTI:
        written, _removed = write_files(result.files, str(tmp_path / "out"))
        assert len(written) == len(result.files)


@pytest.mark.parametrize("version", KUBE_VERSIONS)
@pytest.mark.parametrize("case", CASES)
def test_every_case_validates_for_every_kubernetes_version(case: str, version: str) -> None:
    result = convert_case(case, kube_version=version)
    COUNTS["conversions"] += 1
    assert [d.message for d in result.diagnostics if d.code == "CK032"] == []
    assert _validate([m.body for m in result.manifests], version) == []


def _helm() -> Any:
    try:
        import helm_python
    except (ImportError, OSError):
        oracles.unavailable("Helm's engine (pip install helm-python-sdk)")
    return helm_python


@pytest.mark.parametrize("case", CASES)
def test_helm_chart_renders_to_the_plain_objects(case: str, tmp_path: Path) -> None:
    helm = _helm()
    result = convert_case(case, output=OutputFormat.HELM)
    COUNTS["conversions"] += 1
    chart_dir = tmp_path / "chart"
    write_files(result.files, str(chart_dir))
    lint = helm.lint(str(chart_dir))
    assert lint["errors"] == [] and not [m for m in lint["messages"] if m["severity"] > 1], lint
    with helm.Chart.load(str(chart_dir)) as chart:
        rendered = chart.render()
    docs = [d for _name, text in sorted(rendered.items()) for d in load_all(text)]
    plain = [m.body for m in result.manifests]
    assert sorted(docs, key=_key) == sorted(plain, key=_key)
    assert _validate(docs, result.options.kube_version) == []


def test_hitcounter_objects_and_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """The hit counter gives two Deployments and two Services, all valid; the module's
    counts are printed (this test runs last in the module)."""
    result = convert_case("hitcounter")
    assert [(m.kind, m.name) for m in result.manifests] == [
        ("Service", "redis"), ("Service", "web"), ("Deployment", "redis"),
        ("Deployment", "web")]
    assert result.validated == 4 and result.validation_skipped is None
    with capsys.disabled():
        print(f"\n[kubernetes] {len(CASES)} golden cases; {COUNTS['conversions']} conversions; "
              f"{COUNTS['objects']} objects validated strictly against Kubernetes "
              f"{KUBE_VERSIONS[0]}-{KUBE_VERSIONS[-1]} schemas")
