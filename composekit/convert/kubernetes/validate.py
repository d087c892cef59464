"""Offline validation of the manifests against the Kubernetes OpenAPI schemas.

The schemas are the ones the ``kubernetes-validate`` package ships (JSON Schema made from
each Kubernetes release's OpenAPI document), in their *strict* form: an unknown field is
an error, as ``kubectl apply --validate=strict`` makes it. Every error of a manifest is
reported, not only the first.

The schemas do not encode the rules the API server checks in code (names, label syntax,
port names, a selector that matches the Pod template), so :func:`api_rules` checks those
that a conversion could get wrong.

``jsonschema`` and ``kubernetes_validate`` are imported when a validation runs, never at
import time.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from composekit.convert.kubernetes.names import (
    DNS1035_LABEL,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    is_label_key,
    is_label_value,
    is_port_name,
)

__all__ = ["SchemaUnavailable", "api_rules", "available", "schema_errors", "shipped_versions"]


class SchemaUnavailable(Exception):
    """``kubernetes-validate`` is not installed, or has no schema for a version or kind."""


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("kubernetes_validate") is not None


def _root() -> Any:
    from importlib.resources import files

    try:
        return files("kubernetes_validate").joinpath("kubernetes-json-schema")
    except ModuleNotFoundError as exc:
        raise SchemaUnavailable("the Kubernetes schemas need the package kubernetes-validate "
                                "(pip install 'composekit[kubernetes]')") from exc


def shipped_versions() -> list[str]:
    """The Kubernetes minor versions whose strict schemas are installed (``"1.37"``)."""
    out = set()
    for entry in _root().iterdir():
        match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", entry.name)
        if match:
            out.add(f"{match.group(1)}.{match.group(2)}")
    return sorted(out, key=lambda v: tuple(int(x) for x in v.split(".")))


@functools.cache
def _definitions(version: str) -> Any:
    directory = _root().joinpath(f"v{version}.0-local-strict")
    try:
        return json.loads(directory.joinpath("_definitions.json").read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SchemaUnavailable(f"no Kubernetes {version} schemas installed") from exc


@functools.cache
def _validator(version: str, kind: str, api_version: str) -> Any:
    import jsonschema
    from referencing import Registry, Resource

    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    name = f"{kind.lower()}-{group}.json"
    directory = _root().joinpath(f"v{version}.0-local-strict")
    try:
        schema = json.loads(directory.joinpath(name).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SchemaUnavailable(f"no schema for {api_version} {kind} in Kubernetes "
                                f"{version}") from exc
    registry: Registry[Any] = Registry().with_resources([
        (schema["$id"], Resource.from_contents(schema)),
        (_definitions(version)["$id"], Resource.from_contents(_definitions(version))),
    ])
    return jsonschema.Draft202012Validator(schema, registry=registry)


def schema_errors(body: Mapping[str, Any], version: str) -> list[str]:
    """Every schema error of one object for Kubernetes ``version`` (``"1.37"``), as
    ``path: message`` lines; raises :class:`SchemaUnavailable` without schemas."""
    validator = _validator(version, str(body.get("kind")), str(body.get("apiVersion")))
    out = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path))):
        where = ".".join(str(p) for p in error.absolute_path) or "(root)"
        out.append(f"{where}: {error.message}")
    return out


# ---------------------------------------------------------------------------
# rules the API server checks in code
# ---------------------------------------------------------------------------

_NAME_RULES = {
    "Service": (DNS1035_LABEL, 63, "an RFC 1035 label"),
    "Deployment": (DNS1123_SUBDOMAIN, 253, "a DNS subdomain"),
    "DaemonSet": (DNS1123_SUBDOMAIN, 253, "a DNS subdomain"),
    "StatefulSet": (DNS1123_LABEL, 52, "a DNS label of at most 52 characters"),
    "ConfigMap": (DNS1123_SUBDOMAIN, 253, "a DNS subdomain"),
    "Secret": (DNS1123_SUBDOMAIN, 253, "a DNS subdomain"),
    "PersistentVolumeClaim": (DNS1123_SUBDOMAIN, 253, "a DNS subdomain"),
    "NetworkPolicy": (DNS1123_SUBDOMAIN, 253, "a DNS subdomain"),
}
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def api_rules(body: Mapping[str, Any]) -> list[str]:
    """What the API server would refuse although the schema allows it."""
    return list(_api_rules(body))


def _api_rules(body: Mapping[str, Any]) -> Iterator[str]:
    kind = str(body.get("kind"))
    meta = body.get("metadata") or {}
    name = str(meta.get("name", ""))
    rule = _NAME_RULES.get(kind)
    if rule and (len(name) > rule[1] or not rule[0].match(name)):
        yield f"metadata.name: {name!r} is not {rule[2]}"
    yield from _labels(meta, "metadata")
    spec = body.get("spec") or {}
    if kind in ("ConfigMap", "Secret"):
        for section in ("data", "binaryData", "stringData"):
            for key in body.get(section) or {}:
                if not _DATA_KEY.match(str(key)) or len(str(key)) > 253:
                    yield f"{section}: key {key!r} is not a valid data key"
    if kind == "Service":
        names = [p.get("name") for p in spec.get("ports") or []]
        if len(names) > 1 and (None in names or len(set(names)) != len(names)):
            yield "spec.ports: every port of a Service with several needs a unique name"
        for i, p in enumerate(spec.get("ports") or []):
            yield from _port(p, f"spec.ports[{i}]", service=True)
            node = p.get("nodePort")
            if node is not None and not 30000 <= node <= 32767:
                yield f"spec.ports[{i}].nodePort: {node} is outside 30000-32767"
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        template = spec.get("template") or {}
        tlabels = (template.get("metadata") or {}).get("labels") or {}
        yield from _labels(template.get("metadata") or {}, "spec.template.metadata")
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        if not selector or any(tlabels.get(k) != v for k, v in selector.items()):
            yield "spec.selector: does not match the Pod template's labels"
        claims = [str((t.get("metadata") or {}).get("name"))
                  for t in spec.get("volumeClaimTemplates") or []]
        yield from _pod(template.get("spec") or {}, "spec.template.spec", claims)
    if kind == "PersistentVolumeClaim":
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        if not storage:
            yield "spec.resources.requests.storage: required"


def _labels(meta: Mapping[str, Any], where: str) -> Iterator[str]:
    for key, value in (meta.get("labels") or {}).items():
        if not is_label_key(str(key)):
            yield f"{where}.labels: {key!r} is not a valid label key"
        if not isinstance(value, str) or not is_label_value(value):
            yield f"{where}.labels: {value!r} is not a valid label value"
    for key in meta.get("annotations") or {}:
        if not is_label_key(str(key)):
            yield f"{where}.annotations: {key!r} is not a valid annotation key"


def _port(p: Mapping[str, Any], where: str, *, service: bool = False) -> Iterator[str]:
    port = p.get("port" if service else "containerPort")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        yield f"{where}: port {port!r} is not in 1-65535"
    name = p.get("name")
    if name is not None and not is_port_name(str(name)):
        yield f"{where}.name: {name!r} is not an IANA service name"
    if p.get("protocol") not in (None, "TCP", "UDP", "SCTP"):
        yield f"{where}.protocol: {p.get('protocol')!r} is not TCP, UDP or SCTP"


def _pod(spec: Mapping[str, Any], where: str, claims: list[str]) -> Iterator[str]:
    volumes = [v.get("name") for v in spec.get("volumes") or []]
    if len(set(volumes)) != len(volumes):
        yield f"{where}.volumes: names are not unique"
    for v in volumes:
        if not isinstance(v, str) or not DNS1123_LABEL.match(v) or len(v) > 63:
            yield f"{where}.volumes: {v!r} is not a DNS label"
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    cnames = [c.get("name") for c in containers]
    if len(set(cnames)) != len(cnames):
        yield f"{where}: container names are not unique"
    for c in containers:
        cw = f"{where}.containers[{c.get('name')}]"
        if not isinstance(c.get("name"), str) or not DNS1123_LABEL.match(c["name"]):
            yield f"{cw}.name: not a DNS label"
        if not c.get("image"):
            yield f"{cw}.image: required"
        for e in c.get("env") or []:
            if not _ENV_NAME.match(str(e.get("name"))):
                yield f"{cw}.env: {e.get('name')!r} is not a valid variable name"
        for j, p in enumerate(c.get("ports") or []):
            yield from _port(p, f"{cw}.ports[{j}]")
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in volumes and m.get("name") not in claims:
                yield f"{cw}.volumeMounts: {m.get('name')!r} names no volume"
