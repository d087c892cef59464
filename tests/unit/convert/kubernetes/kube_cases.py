"""Helpers of the Kubernetes conversion tests: the golden cases and a converter for inline
Compose text (not a test module)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from composekit.convert.kubernetes import KubeOptions, KubeResult, convert_project_files
from composekit.convert.kubernetes.options import OutputFormat, ServiceType

ROOT = Path(__file__).resolve().parents[4]
CASES_DIR = ROOT / "fixtures" / "convert_kube"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "compose.yaml").exists())


def case_config(case: str) -> dict[str, Any]:
    path = CASES_DIR / case / "case.json"
    return json.loads(path.read_text()) if path.exists() else {}


def options_for(case: str, **extra: Any) -> KubeOptions:
    raw = dict(case_config(case).get("options", {}))
    raw.update(extra)
    if "service_type" in raw and isinstance(raw["service_type"], str):
        raw["service_type"] = ServiceType(raw["service_type"])
    if "statefulsets" in raw:
        raw["statefulsets"] = frozenset(raw["statefulsets"])
    if "output" in raw and isinstance(raw["output"], str):
        raw["output"] = OutputFormat(raw["output"])
    return KubeOptions(**raw)


def convert_case(case: str, **extra: Any) -> KubeResult:
    """Convert a golden case from the repository root (paths in the report are relative)."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return convert_project_files([f"fixtures/convert_kube/{case}/compose.yaml"],
                                     options_for(case, **extra),
                                     environ=case_config(case).get("environ", {}))
    finally:
        os.chdir(cwd)


def convert_text(tmp_path: Path, text: str, *, environ: dict[str, str] | None = None,
                 files: dict[str, str] | None = None, **options: Any) -> KubeResult:
    """Write ``text`` as ``compose.yaml`` (and ``files``) under ``tmp_path`` and convert it."""
    for name, content in (files or {}).items():
        (tmp_path / name).write_text(content)
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    if "service_type" in options and isinstance(options["service_type"], str):
        options["service_type"] = ServiceType(options["service_type"])
    if "statefulsets" in options:
        options["statefulsets"] = frozenset(options["statefulsets"])
    return convert_project_files([str(compose)], KubeOptions(**options),
                                 environ=environ or {})


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream, as plain Python (YAML 1.1 rules, as kubectl)."""
    import yaml  # PyYAML: YAML 1.1, the way kubectl and Helm read manifests

    return [d for d in yaml.safe_load_all(text) if d is not None]


def load_all_12(text: str) -> list[Any]:
    """The same with a YAML 1.2 reader (ruamel)."""
    y = YAML(typ="safe", pure=True)
    return [d for d in y.load_all(text) if d is not None]


def find(result: KubeResult, kind: str, name: str) -> dict[str, Any]:
    for m in result.manifests:
        if m.kind == kind and m.name == name:
            return m.body
    raise AssertionError(f"no {kind} {name}: {[(m.kind, m.name) for m in result.manifests]}")


def container(result: KubeResult, name: str, kind: str = "Deployment") -> dict[str, Any]:
    body = find(result, kind, name)
    main: dict[str, Any] = body["spec"]["template"]["spec"]["containers"][0]
    return main


def pod_spec(result: KubeResult, name: str, kind: str = "Deployment") -> dict[str, Any]:
    spec: dict[str, Any] = find(result, kind, name)["spec"]["template"]["spec"]
    return spec


def losses(result: KubeResult) -> list[str]:
    return [e.message for e in result.report.losses]


def rewrites(result: KubeResult) -> list[str]:
    return [e.message for e in result.report.rewrites]
