"""The Helm chart's values really carry images, tags, replicas, resources and environment:
changing a value changes what Helm renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import oracles
import pytest
from kube_cases import convert_case, load_all

from composekit.convert.kubernetes.emit import write_files
from composekit.convert.kubernetes.options import OutputFormat


def test_values_carry_image_tag_replicas_resources_env() -> None:
    r = convert_case("nginx-replicas", output=OutputFormat.HELM)
    values = load_all(r.files["values.yaml"])[0]
    nginx = values["services"]["nginx"]
    assert nginx["image"] == {"repository": "nginx", "tag": "1.27-alpine"}
    assert nginx["replicas"] == 3
    assert nginx["resources"] == {"limits": {"cpu": "500m", "memory": "128Mi"},
                                  "requests": {"cpu": "100m", "memory": "64Mi"}}
    hc = load_all(convert_case("hitcounter", output=OutputFormat.HELM).files["values.yaml"])[0]
    assert hc["services"]["web"]["env"] == {"REDIS_HOST": "redis"}
    assert hc["waitImage"] == {"repository": "busybox", "tag": "1.36"}
    chart = load_all(r.files["Chart.yaml"])[0]
    assert chart["apiVersion"] == "v2" and chart["name"] == "nginx-replicas"


def test_templates_read_the_values() -> None:
    r = convert_case("hitcounter", output=OutputFormat.HELM)
    template = r.files["templates/web-deployment.yaml"]
    assert '(index .Values.services "web").replicas' in template
    assert 'include "hitcounter.image" (index .Values.services "web").image' in template
    assert '{{- with (index .Values.services "web").resources }}' in template
    assert '{{- range $name, $value := . }}' in template


def _render(files: dict[str, str], tmp_path: Path, values: dict[str, Any]) -> list[Any]:
    try:
        import helm_python
    except (ImportError, OSError):
        oracles.unavailable("Helm's engine (pip install helm-python-sdk)")
    write_files(files, str(tmp_path / "chart"))
    with helm_python.Chart.load(str(tmp_path / "chart")) as chart:
        rendered = chart.render(values=values)
    return [d for _n, text in sorted(rendered.items()) for d in load_all(text)]


@pytest.mark.parametrize("digest", [False, True])
def test_overriding_values_changes_the_rendered_objects(tmp_path: Path, digest: bool) -> None:
    r = convert_case("hitcounter", output=OutputFormat.HELM)
    image: dict[str, Any] = {"repository": "registry.example:5000/web", "tag": "2.0"}
    if digest:
        image["digest"] = "sha256:" + "a" * 64
    docs = _render(r.files, tmp_path, {"services": {"web": {
        "image": image, "replicas": 5,
        "resources": {"limits": {"memory": "1Gi"}},
        "env": {"REDIS_HOST": "cache", "EXTRA": "$(not-expanded)"}}},
        "waitImage": {"tag": "1.37"}})
    web = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "web")
    spec = web["spec"]
    main = spec["template"]["spec"]["containers"][0]
    expected = "registry.example:5000/web:2.0" + ("@sha256:" + "a" * 64 if digest else "")
    assert main["image"] == expected
    assert spec["replicas"] == 5
    assert main["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert main["env"] == [{"name": "EXTRA", "value": "$$(not-expanded)"},
                           {"name": "REDIS_HOST", "value": "cache"}]
    assert spec["template"]["spec"]["initContainers"][0]["image"] == "busybox:1.37"
