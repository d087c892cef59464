"""Differential check of the key catalogue against the reference validators.

For every catalogue key, a tiny file uses the key with a valid sample value, in the formats
around the key's boundaries (the first format that has it and the one before, the first
without it after a removal, the other families). composekit's verdict on each file must
match the reference validator of that format: docker-compose 1.26.2 for v1, 2.x and 3.0-3.8,
``docker stack config`` for 3.9-3.13, ``docker compose config`` for the Compose
Specification. The few differences are listed in :data:`EXPECTED_DIFFERENCES`, with why.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from composekit.catalog import KEYS, Key
from composekit.catalog import formats as value_formats
from composekit.catalog.versions import Family, FileFormat, family_formats, get
from composekit.diagnostics import Severity
from composekit.schema import validate_document
from composekit.schemagen import key_schema
from composekit.yamlio import load_file

REPO = Path(__file__).resolve().parents[3]

#: the formats each oracle knows
ORACLE_FORMATS = {
    "dc126": ["1", "2.0", "2.1", "2.2", "2.3", "2.4"] + [f"3.{m}" for m in range(9)],
    "stack": [f"3.{m}" for m in range(9, 14)],
    "compose": ["spec"],
}

#: Values that satisfy the tools' checks beyond the schema (existing names and files).
SAMPLES: dict[str, Any] = {
    "services.*.network_mode": "host", "services.*.pid": "host", "services.*.ipc": "host",
    "services.*.extends": "db", "services.*.extends.service": "db",
    "services.*.links": ["db"],
    "services.*.volumes_from": ["db"], "services.*.external_links": ["other_container"],
    "services.*.depends_on": ["db"], "services.*.volumes": ["/srv:/srv"],
    "services.*.ports": ["8080:80"], "services.*.devices": ["/dev/null:/dev/null"],
    "services.*.env_file": "app.env", "services.*.env_file[].path": "app.env",
    "services.*.label_file": "app.env",
    "services.*.build": ".", "services.*.build.context": ".",
    "services.*.logging.driver": "json-file", "services.*.log_driver": "json-file",
    "services.*.isolation": "default", "services.*.build.isolation": "default",
    "services.*.secrets": ["s1"], "services.*.configs": ["c1"],
    "services.*.secrets[].source": "s1", "services.*.configs[].source": "c1",
    "services.*.build.secrets": ["s1"], "services.*.build.secrets[].source": "s1",
    "services.*.networks": ["net1"], "services.*.net": "host",
    "services.*.credential_spec.config": "c1", "services.*.credential_spec.file": "spec.json",
    "services.*.volumes[].source": "/srv", "services.*.volumes[].type": "bind",
    "services.*.ulimits": {"nofile": 1024}, "services.*.security_opt": ["no-new-privileges:true"],
    "services.*.healthcheck.test": ["CMD", "true"], "services.*.storage_opt": {"size": "1G"},
    "services.*.blkio_config.weight_device[].path": "/dev/sda",
    "services.*.blkio_config.device_read_bps[].path": "/dev/sda",
    "services.*.blkio_config.device_read_iops[].path": "/dev/sda",
    "services.*.blkio_config.device_write_bps[].path": "/dev/sda",
    "services.*.blkio_config.device_write_iops[].path": "/dev/sda",
    "services.*.models": ["m1"], "include[].path": "other.yml", "include": ["other.yml"],
    "include[].env_file": "app.env",
}

#: (key, format, oracle) -> why composekit's verdict differs from the oracle's, by design
EXPECTED_DIFFERENCES: dict[tuple[str, str, str], str] = {
    ("services.*.credential_spec.config", "3.8", "dc126"):
        "1.26.2's service checks predate credential_spec.config and demand file or registry; "
        "the 3.8 schema (its own) and docker stack accept it",
    ("secrets.*.driver", "3.9", "stack"):
        "the sample secret has a file; docker stack refuses driver next to file (semantic)",
}

#: where the sample has to name something that exists
NAMES = {("services",): "web", ("networks",): "net1", ("volumes",): "vol1",
         ("secrets",): "s1", ("configs",): "c1", ("models",): "m1",
         ("services", "*", "depends_on"): "db", ("services", "*", "networks"): "net1",
         ("services", "*", "ulimits"): "nofile", ("services", "*", "build", "ulimits"): "nofile",
         ("services", "*", "models"): "m1"}


def _sample(schema: Any) -> Any:
    if schema is None:
        return None
    if "anyOf" in schema:
        return _sample(schema["anyOf"][0])
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if "enum" in schema:
        return schema["enum"][0]
    if "pattern" in schema and "string" in types:
        fmt = value_formats.BY_PATTERN.get(schema["pattern"])
        if fmt is value_formats.BOOL_STRING:
            return True
        if fmt is value_formats.INT_STRING:
            return 1
        return fmt.example if fmt else "x"
    for kind in ("object", "array", "string", "integer", "number", "boolean", "null"):
        if kind in types:
            break
    else:
        return {}
    if kind == "object":
        out = {r: _sample(schema["properties"][r]) for r in schema.get("required", [])}
        named = [(p, s) for p, s in schema.get("patternProperties", {}).items() if p != "^x-"]
        if not out and not schema.get("properties") and named:
            out["nofile" if named[0][0] == "^[a-z]+$" else "a"] = _sample(named[0][1])
        return out
    if kind == "array":
        return [_sample(schema.get("items", {}))]
    return {"string": "x", "integer": max(1, schema.get("minimum", 1)), "number": 1,
            "boolean": True, "null": None}[kind]


def _value(k: Key, fmt: FileFormat) -> Any:
    if k.dotted == "services.*.extends.file":
        return f"base-{fmt.version}.yml"  # written by the test, in the same format
    if k.dotted in SAMPLES:
        return copy.deepcopy(SAMPLES[k.dotted])
    home = ([f for f in k.avail.formats() if f.family is fmt.family]
            or list(k.avail.formats()))[0]
    return _sample(key_schema(k, home))


def _document(k: Key, fmt: FileFormat) -> dict[str, Any] | None:
    """A file that uses ``k`` (at the names in :data:`NAMES`) in format ``fmt``."""
    node: Any = _value(k, fmt)
    path = k.path
    for i in range(len(path) - 2, -1, -1):
        below = path[i + 1]
        if below == "[]":
            node = [node]
        elif below == "*":
            node = {NAMES.get(tuple(path[: i + 1]), "a"): node}
        else:
            node = {below: node}
    top = {path[0]: node}
    if fmt.family is Family.V1:
        if path[0] != "services":
            return None
        services = top["services"]
        doc: dict[str, Any] = dict(services)
        svc = doc.setdefault("web", {})
        if "build" not in svc and "dockerfile" not in svc:
            svc.setdefault("image", "nginx")
        doc.setdefault("db", {"image": "redis"})
    else:
        doc = {} if fmt.family is Family.SPEC else {"version": fmt.version}
        doc["services"] = {"web": {"image": "nginx"}, "db": {"image": "redis"}}
        for name, value in top.items():
            if name == "services":
                for svc_name, svc_value in value.items():
                    doc["services"].setdefault(svc_name, {}).update(svc_value)
            else:
                doc[name] = value
        svc = doc["services"]["web"]
        if svc.get("networks") or k.path[0] == "networks":
            doc.setdefault("networks", {}).setdefault("net1", {})
        if "secrets" in svc or (isinstance(svc.get("build"), dict) and "secrets" in svc["build"]):
            doc.setdefault("secrets", {}).setdefault("s1", {"file": "./app.env"})
        if "configs" in svc or k.dotted == "services.*.credential_spec.config":
            doc.setdefault("configs", {}).setdefault("c1", {"file": "./app.env"})
        if "models" in svc:
            doc.setdefault("models", {}).setdefault("m1", {"model": "ai/smollm2"})
    _complete(svc)
    return doc


def _complete(svc: dict[str, Any]) -> None:
    """Add what the tools demand next to the sampled key."""
    volumes = svc.get("volumes")
    if isinstance(volumes, list) and volumes and isinstance(volumes[0], dict):
        volumes[0].setdefault("type", "bind")
        volumes[0].setdefault("source", "/srv")
        volumes[0].setdefault("target", "/srv")
    ulimits = svc.get("ulimits")
    if isinstance(ulimits, dict):
        for limit in ulimits.values():
            if isinstance(limit, dict):
                limit.setdefault("soft", 1)
                limit.setdefault("hard", 2)
    dependencies = svc.get("depends_on")
    if isinstance(dependencies, dict):
        for dep in dependencies.values():
            if isinstance(dep, dict):
                dep.setdefault("condition", "service_started")
    if isinstance(svc.get("extends"), dict):
        svc["extends"].setdefault("service", "db")
    if "dockerfile" in svc:
        svc.setdefault("build", ".")
    if "memswap_limit" in svc:
        svc.setdefault("mem_limit", "1g")
    check = svc.get("healthcheck")
    if isinstance(check, dict) and "disable" not in check:
        check.setdefault("test", ["CMD", "true"])
    spec = svc.get("credential_spec")
    if isinstance(spec, dict) and not {"file", "registry", "config"} & set(spec):
        spec["file"] = "spec.json"
    build = svc.get("build")
    if isinstance(build, dict):
        build.setdefault("context", ".")
    ports = svc.get("ports")
    if isinstance(ports, list) and ports and isinstance(ports[0], dict):
        ports[0].setdefault("target", 80)


def _probes(k: Key) -> list[FileFormat]:
    """The formats worth asking about for ``k``: around its boundaries, per family."""
    out: set[FileFormat] = set()
    for family in (Family.V1, Family.V2, Family.V3):
        known = [f for f in family_formats(family)
                 if any(f.version in v for v in ORACLE_FORMATS.values())]
        inside = [f for f in known if f in k.avail]
        if not inside:
            out.add(known[-1])
            continue
        first, last = known.index(inside[0]), known.index(inside[-1])
        out.update({known[first], known[last]})
        if first > 0:
            out.add(known[first - 1])
        if last + 1 < len(known):
            out.add(known[last + 1])
    out.add(get("spec"))
    return sorted(out)


def _oracle_verdicts() -> ModuleType:
    name = "composekit_scripts_oracle_verdicts"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "oracle_verdicts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.oracle
@pytest.mark.slow
def test_catalogue_agrees_with_the_reference_validators(
    tmp_path: Path, compose_v126_available: str, stack_available: str,
    compose_v2_available: str,
) -> None:
    ov = _oracle_verdicts()
    (tmp_path / "app.env").write_text("A=1\n", encoding="utf-8")
    (tmp_path / "spec.json").write_text("{}\n", encoding="utf-8")
    for fmt in {f for versions in ORACLE_FORMATS.values() for f in map(get, versions)}:
        base = ("db:\n  image: redis\n" if fmt.family is Family.V1 else
                ("" if fmt.family is Family.SPEC else f'version: "{fmt.version}"\n')
                + "services:\n  db:\n    image: redis\n")
        (tmp_path / f"base-{fmt.version}.yml").write_text(base, encoding="utf-8")
    (tmp_path / "other.yml").write_text("services:\n  other:\n    image: redis\n",
                                        encoding="utf-8")
    by_oracle: dict[str, list[str]] = {o: [] for o in ORACLE_FORMATS}
    meta: dict[str, tuple[Key, FileFormat, str]] = {}
    for k in KEYS:
        if k.dotted in ("version", "services"):
            continue
        for fmt in _probes(k):
            oracle = next(o for o, v in ORACLE_FORMATS.items() if fmt.version in v)
            doc = _document(k, fmt)
            if doc is None:
                continue
            name = f"{k.dotted.replace('*', 'S').replace('[]', 'I')}__{fmt.version}.yml"
            (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
            by_oracle[oracle].append(name)
            meta[name] = (k, fmt, oracle)
    disagreements = []
    for oracle, files in by_oracle.items():
        for record in ov.run(oracle, files, cwd=tmp_path):
            name = Path(str(record["file"])).name
            k, fmt, _ = meta[name]
            doc, diags = load_file(str(tmp_path / name))
            assert doc is not None, diags
            _, found = validate_document(doc)
            ours = not any(d.severity >= Severity.ERROR for d in found)
            if ours != record["accept"] and (k.dotted, fmt.version, oracle) not in (
                    EXPECTED_DIFFERENCES):
                disagreements.append(
                    f"{k.dotted} in {fmt.version}: composekit "
                    f"{'accepts' if ours else 'refuses'} "
                    f"({'; '.join(d.message for d in found)[:200]}), {oracle} "
                    f"{'accepts' if record['accept'] else 'refuses'} "
                    f"({str(record.get('summary', ''))[:200]})")
    assert not disagreements, "\n".join(disagreements)
