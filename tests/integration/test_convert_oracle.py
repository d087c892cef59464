"""Differential test of ``composekit convert`` against the reference tools.

For every fixture under ``fixtures/convert/<case>/compose.yaml`` and every target version
(1, 2.0-2.4, 3.0-3.8, spec):

1. the conversion succeeds (it validated its own output against the target's schema);
2. the reference tool for the target accepts the converted file: docker-compose 1.26.2
   (``config -q``, in process) for 1, 2.x and 3.0-3.8, ``docker stack config`` for 3.x and
   ``docker compose config`` for the Compose Specification;
3. the converted file means the same as the original, as the reference tools read them,
   apart from what the loss report declares. The report's declared differences
   (:class:`composekit.convert.report.Difference`, data on each entry) are removed from the
   two readings, and the rest must be equal.

Which reading proves the meaning (decided per pair, and counted):

``compose-v2``
    ``docker compose config --format json`` of both files, when Compose v2 reads both (every
    2.x/3.x/spec original and non-v1 target, unless the original uses a key Compose v2
    refuses, such as ``volume_driver``).
``dc126``
    docker-compose 1.26.2's own reading (``config``'s resolved configuration, taken in
    process from ``compose.config.serialize.denormalize_config``) of both files, when it
    reads both: v1 originals (Compose v2 refuses v1) and v1 targets.
``dc126-as-2.4``
    a Compose Specification output of a v1/2.x/3.x original, read by docker-compose 1.26.2
    with ``version: "2.4"`` put in front (the output then only uses keys 2.4 has), against
    the original's docker-compose 1.26.2 reading.
``chain``
    no tool reads both (a Compose Specification original converted to v1): the conversion
    must equal converting to 2.4 first and then to v1, and both of those pairs are checked.

The environment is empty except for PATH and HOME; each fixture directory's ``.env`` sets
what it needs. Compose v2 reads with every profile enabled (``--profile '*'``), so a service
whose ``profiles`` a conversion drops is compared too (the dropped key itself is declared).
The count of pairs checked, per reading, is printed at the end (run with ``-s``) and
asserted.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import oracles
import pytest

from composekit.catalog.versions import Family, FileFormat
from composekit.convert.api import ConversionResult, convert_file, convert_text
from composekit.convert.ladder import TARGETS

pytestmark = pytest.mark.oracle

REPO = Path(__file__).resolve().parents[2]
CASES_DIR = REPO / "fixtures" / "convert"
CASES = sorted(p.parent.name for p in CASES_DIR.glob("*/compose.yaml"))
VERSIONS = [t.version for t in TARGETS]

#: run in docker-compose 1.26.2's virtualenv: read each file as ``docker-compose config``
#: does (the file's directory as project directory, its .env) and print the resolved
#: configuration, or the error.
DC126_READER = r"""
import json, logging, os, sys
logging.disable(logging.CRITICAL)
from compose.config import config as dc_config
from compose.config.environment import Environment
from compose.config.errors import ConfigurationError
from compose.config.serialize import denormalize_config

def plain(o):
    if hasattr(o, "repr"):
        return plain(o.repr())
    if isinstance(o, dict):
        return {str(k): plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [plain(v) for v in o]
    return o

out = []
for f in sys.argv[1:]:
    d, b = os.path.split(os.path.abspath(f))
    os.chdir(d)
    try:
        env = Environment.from_env_file(".")
        details = dc_config.find(".", [b], env, None)
        cfg = dc_config.load(details, False, True)
        out.append({"file": f, "accept": True, "config": plain(denormalize_config(cfg))})
    except ConfigurationError as e:
        out.append({"file": f, "accept": False, "error": e.msg})
    except Exception as e:
        out.append({"file": f, "accept": False, "error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))
"""


@dataclass
class Pair:
    case: str
    target: str
    result: ConversionResult
    path: Path | None = None
    #: how the meaning was checked
    method: str = ""


@dataclass
class Workspace:
    root: Path
    pairs: dict[tuple[str, str], Pair] = field(default_factory=dict)
    originals: dict[str, Path] = field(default_factory=dict)
    formats: dict[str, FileFormat] = field(default_factory=dict)
    dc126: dict[str, dict[str, Any]] = field(default_factory=dict)
    compose: dict[str, dict[str, Any]] = field(default_factory=dict)
    stack: dict[str, oracles.OracleResult] = field(default_factory=dict)
    chains: dict[tuple[str, str], tuple[ConversionResult, ConversionResult]] = field(
        default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)


def _read_dc126(files: list[Path]) -> dict[str, dict[str, Any]]:
    if not files:
        return {}
    proc = subprocess.run(
        [str(oracles.DC126_HOME / "bin" / "python"), "-c", DC126_READER, *map(str, files)],
        capture_output=True, text=True, env=oracles.clean_env(), stdin=subprocess.DEVNULL,
        timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    return {rec["file"]: rec for rec in json.loads(proc.stdout)}


def _read_compose(files: list[Path]) -> dict[str, dict[str, Any]]:
    def one(path: Path) -> tuple[str, dict[str, Any]]:
        got = oracles.compose_v2_config_json([path.name], cwd=path.parent, profiles=["*"])
        if isinstance(got, dict):
            return str(path), {"accept": True, "config": got}
        return str(path), {"accept": False, "error": got.stderr}

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, files))


def _read_stack(files: list[Path]) -> dict[str, oracles.OracleResult]:
    def one(path: Path) -> tuple[str, oracles.OracleResult]:
        return str(path), oracles.stack_config(path.name, cwd=path.parent)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, files))


def _relabelled(path: Path) -> Path:
    """A copy of a Compose Specification file with ``version: "2.4"`` in front."""
    copy_path = path.with_name(path.stem + ".as-2.4.yaml")
    copy_path.write_text('version: "2.4"\n' + path.read_text("utf-8"), "utf-8")
    return copy_path


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, compose_v2_available: str,
       compose_v126_available: str, stack_available: str) -> Workspace:
    root = tmp_path_factory.mktemp("convert-oracle")
    w = Workspace(root)
    for case in CASES:
        shutil.copytree(CASES_DIR / case, root / case)
        original = root / case / "compose.yaml"
        w.originals[case] = original
        for version in VERSIONS:
            result = convert_file(str(original), version)
            pair = Pair(case, version, result)
            if result.ok and result.text is not None:
                pair.path = root / case / f"converted-{version}.yaml"
                pair.path.write_text(result.text, "utf-8")
            w.pairs[(case, version)] = pair
        source = w.pairs[(case, VERSIONS[0])].result.source
        assert source is not None, case
        w.formats[case] = source
        # Compose Specification originals to v1: the chain through 2.4
        if source.family is Family.SPEC or (source.family is Family.V3 and
                                            not source.compose_v1):
            mid = w.pairs[(case, "2.4")].result
            if mid.text is not None:
                again = convert_text(mid.text, str(original), "1")
                w.chains[(case, "1")] = (mid, again)
    pairs = [p for p in w.pairs.values() if p.path is not None]
    dc_files = [w.originals[c] for c in CASES if w.formats[c].compose_v1]
    dc_files += [p.path for p in pairs if p.path is not None and p.target != "spec"]
    dc_files += [_relabelled(p.path) for p in pairs
                 if p.path is not None and p.target == "spec" and w.formats[p.case].compose_v1]
    w.dc126 = _read_dc126(dc_files)
    compose_files = [w.originals[c] for c in CASES if w.formats[c].family is not Family.V1]
    compose_files += [p.path for p in pairs if p.path is not None and p.target != "1"]
    w.compose = _read_compose(compose_files)
    w.stack = _read_stack([p.path for p in pairs if p.path is not None
                           and p.target.startswith("3.")])
    return w


# --- declared differences --------------------------------------------------------------

_MISSING: Any = object()


def _pop(data: Any, path: list[Any]) -> Any:
    node = data
    for part in path[:-1]:
        found = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not found:
            return _MISSING
        node = node[part]
    last = path[-1] if path else None
    if isinstance(node, dict) and last in node:
        return node.pop(last)
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        value = node[last]
        node[last] = None  # keep the positions of the other items
        return value
    return _MISSING


def _put(data: Any, path: list[Any], value: Any) -> None:
    node = data
    for part in path[:-1]:
        if not isinstance(node, dict):
            return
        node = node.setdefault(part, {})
    if isinstance(node, dict):
        node[path[-1]] = value


def _prune(data: Any) -> Any:
    """Drop empty mappings (what removing a declared difference leaves, and Compose's
    ``placement: {}``-style defaults), recursively."""
    if isinstance(data, dict):
        out = {k: _prune(v) for k, v in data.items()}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(data, list):
        return [_prune(v) for v in data]
    return data


def without_declared(original: dict[str, Any], converted: dict[str, Any],
                     differences: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The two readings with every declared difference taken out (see the module
    docstring); a move (``same``) puts the converted value back at the original's path."""
    a, b = copy.deepcopy(original), copy.deepcopy(converted)
    for d in differences:
        before, after = d["before"], d["after"]
        if d["same"] and before is not None and after is not None:
            value = _pop(b, after)
            if value is not _MISSING:
                _put(b, before, value)
            continue
        if before is not None:
            _pop(a, before)
        if after is not None:
            _pop(b, after)
    for reading in (a, b):
        if isinstance(reading, dict):
            reading.pop("version", None)
    return _prune(a), _prune(b)


def _diff(a: Any, b: Any, path: str = "$") -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                yield f"{path}.{k}: only in the converted file: {json.dumps(b[k])[:200]}"
            elif k not in b:
                yield f"{path}.{k}: only in the original: {json.dumps(a[k])[:200]}"
            else:
                yield from _diff(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"


def _differences(result: ConversionResult) -> list[dict[str, Any]]:
    return [d.as_dict() for d in result.report.differences()]


def _same_meaning(original: dict[str, Any], converted: dict[str, Any],
                  result: ConversionResult, what: str) -> None:
    a, b = without_declared(original, converted, _differences(result))
    problems = list(_diff(a, b))
    assert not problems, (
        f"{what}: the readings differ beyond the declared losses and rewrites:\n  "
        + "\n  ".join(problems) + "\n--- report ---\n" + result.report.text()
        + "\n--- converted ---\n" + (result.text or ""))


# --- the tests -------------------------------------------------------------------------

PAIRS = [(c, v) for c in CASES for v in VERSIONS]


@pytest.mark.parametrize("case", CASES)
def test_original_accepted(ws: Workspace, case: str) -> None:
    """Each fixture is valid for its own version, as its reference tool says."""
    fmt = ws.formats[case]
    original = ws.originals[case]
    if fmt.compose_v1:
        rec = ws.dc126[str(original)]
        assert rec["accept"], f"docker-compose 1.26.2 refuses {case}: {rec.get('error')}"
    else:
        rec = ws.compose[str(original)]
        assert rec["accept"], f"docker compose refuses {case}: {rec.get('error')}"


@pytest.mark.parametrize(("case", "target"), PAIRS)
def test_conversion_succeeds(ws: Workspace, case: str, target: str) -> None:
    pair = ws.pairs[(case, target)]
    errors = [f"{d.line}:{d.column} {d.code} {d.message}" for d in pair.result.diagnostics
              if d.severity.label == "error"]
    assert pair.result.ok, f"{case} -> {target}:\n" + "\n".join(errors)


@pytest.mark.parametrize(("case", "target"), PAIRS)
def test_reference_accepts(ws: Workspace, case: str, target: str) -> None:
    pair = ws.pairs[(case, target)]
    if pair.path is None:
        pytest.fail(f"{case} -> {target} did not convert")
    fmt = next(t for t in TARGETS if t.version == target)
    if fmt.compose_v1:
        rec = ws.dc126[str(pair.path)]
        assert rec["accept"], f"docker-compose 1.26.2 refuses {case} -> {target}: " \
                              f"{rec.get('error')}\n{pair.result.text}"
    if fmt.family is Family.V3:
        res = ws.stack[str(pair.path)]
        assert res.ok, f"docker stack config refuses {case} -> {target}:\n" + res.describe()
    if fmt.family is Family.SPEC:
        rec = ws.compose[str(pair.path)]
        assert rec["accept"], f"docker compose refuses {case} -> spec: {rec.get('error')}"


def _reading(table: dict[str, dict[str, Any]], path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    rec = table.get(str(path))
    return rec["config"] if rec is not None and rec["accept"] else None


def _dc126(table: dict[str, dict[str, Any]], path: Path | None) -> dict[str, Any] | None:
    """docker-compose 1.26.2's reading, with what it writes differently per file version
    made the same (the reading of one file in two versions differs in form only):

    * ports: ``"8000:8000/tcp"`` (before 3.2) and ``{target, published}`` (3.2+) -> one form;
    * ``depends_on``: a list (before 2.1) and ``{name: {condition: service_started}}``;
    * a service's ``networks``: ``{name: {}}`` (2.0) and ``{name: null}`` -> ``{}``;
    * ``deploy.resources`` CPU counts (passed through unread): ``"0.5"`` -> ``0.5``.
    """
    config = _reading(table, path)
    if config is None:
        return None
    config = copy.deepcopy(config)
    for svc in (config.get("services") or {}).values():
        if not isinstance(svc, dict):
            continue
        if isinstance(svc.get("ports"), list):
            svc["ports"] = [_port(p) for p in svc["ports"]]
        if isinstance(svc.get("volumes"), list):
            svc["volumes"] = [_mount(v) for v in svc["volumes"]]
        deps = svc.get("depends_on")
        if isinstance(deps, list):
            svc["depends_on"] = {d: {"condition": "service_started"} for d in deps}
        nets = svc.get("networks")
        if isinstance(nets, dict):
            svc["networks"] = {k: (v or {}) for k, v in nets.items()}
        elif isinstance(nets, list):
            svc["networks"] = {k: {} for k in nets}
        resources = (svc.get("deploy") or {}).get("resources") or {}
        for part in resources.values():
            if isinstance(part, dict) and isinstance(part.get("cpus"), str):
                with contextlib.suppress(ValueError):
                    part["cpus"] = float(part["cpus"])
    return config


def _mount(spec: Any) -> Any:
    """A mount in docker-compose 1.26.2's long form (it writes short ones as strings)."""
    if isinstance(spec, dict):
        out = dict(spec)
        if out.get("read_only") is False:
            out.pop("read_only")
        return out
    if not isinstance(spec, str):
        return spec
    parts = spec.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0]}
    source, target = parts[0], parts[1]
    options = parts[2].split(",") if len(parts) > 2 else []
    out: dict[str, Any] = {"type": "bind" if source.startswith(("/", ".", "~")) else "volume",
                           "source": source, "target": target}
    if "ro" in options:
        out["read_only"] = True
    if "nocopy" in options:
        out["volume"] = {"nocopy": True}
    propagation = [o for o in options if o in ("rprivate", "private", "rshared", "shared",
                                                 "rslave", "slave")]
    if propagation:
        out["bind"] = {"propagation": propagation[0]}
    return out


def _port(spec: Any) -> Any:
    if isinstance(spec, dict):
        out = {k: v for k, v in spec.items() if not (k == "mode" and v == "ingress")
               and not (k == "protocol" and v == "tcp")}
        for k in ("target", "published"):
            if isinstance(out.get(k), str) and out[k].isdigit():
                out[k] = int(out[k])
        return out
    if not isinstance(spec, str):
        return spec
    text, _, protocol = spec.partition("/")
    parts = text.rsplit(":", 2)
    out: dict[str, Any] = {"target": int(parts[-1]) if parts[-1].isdigit() else parts[-1]}
    if len(parts) >= 2 and parts[-2]:
        out["published"] = int(parts[-2]) if parts[-2].isdigit() else parts[-2]
    if len(parts) == 3 and parts[0]:
        out["host_ip"] = parts[0]
    if protocol and protocol != "tcp":
        out["protocol"] = protocol
    return out


@pytest.mark.parametrize(("case", "target"), PAIRS)
def test_same_meaning(ws: Workspace, case: str, target: str) -> None:
    pair = ws.pairs[(case, target)]
    if pair.path is None:
        pytest.fail(f"{case} -> {target} did not convert")
    original = ws.originals[case]
    what = f"{case} -> {target}"
    v2_orig, v2_conv = _reading(ws.compose, original), _reading(ws.compose, pair.path)
    dc_orig, dc_conv = _dc126(ws.dc126, original), _dc126(ws.dc126, pair.path)
    if v2_orig is not None and v2_conv is not None:
        _same_meaning(v2_orig, v2_conv, pair.result, what + " (docker compose config)")
        method = "compose-v2"
    elif dc_orig is not None and dc_conv is not None:
        _same_meaning(dc_orig, dc_conv, pair.result, what + " (docker-compose 1.26.2)")
        method = "dc126"
    elif target == "spec" and dc_orig is not None:
        relabelled = pair.path.with_name(pair.path.stem + ".as-2.4.yaml")
        dc_spec = _dc126(ws.dc126, relabelled)
        assert dc_spec is not None, (
            f"{what}: docker-compose 1.26.2 cannot read the output as 2.4: "
            f"{ws.dc126.get(str(relabelled), {}).get('error')}")
        _same_meaning(dc_orig, dc_spec, pair.result, what + " (docker-compose 1.26.2, as 2.4)")
        method = "dc126-as-2.4"
    elif (case, target) in ws.chains:
        _mid, again = ws.chains[(case, target)]
        assert again.text == pair.result.text, (
            f"{what}: converting directly differs from converting through 2.4:\n"
            f"--- direct ---\n{pair.result.text}\n--- through 2.4 ---\n{again.text}")
        mid_path = ws.pairs[(case, "2.4")].path
        dc_mid = _dc126(ws.dc126, mid_path)
        assert dc_mid is not None and dc_conv is not None
        _same_meaning(dc_mid, dc_conv, again, what + " (2.4 -> 1, docker-compose 1.26.2)")
        method = "chain"
    else:
        pytest.fail(f"{what}: no reference tool reads both files; original: "
                    f"{ws.compose.get(str(original), ws.dc126.get(str(original)))}")
    pair.method = method
    ws.methods[method] = ws.methods.get(method, 0) + 1


def test_pair_count(ws: Workspace) -> None:
    """Runs last (pytest keeps file order): every pair was checked one way or another."""
    checked = sum(ws.methods.values())
    lines = [f"(file, target) pairs: {len(PAIRS)} ({len(CASES)} fixtures x {len(VERSIONS)} "
             f"targets); meaning checked: {checked}"]
    lines += [f"  {m}: {n}" for m, n in sorted(ws.methods.items())]
    losses = sum(len(p.result.report.losses) for p in ws.pairs.values())
    rewrites = sum(len(p.result.report.rewrites) for p in ws.pairs.values())
    lines.append(f"  report entries: {rewrites} rewrites, {losses} losses")
    sys.stdout.write("\n" + "\n".join(lines) + "\n")
    if os.environ.get("COMPOSEKIT_CONVERT_SUMMARY"):
        Path(os.environ["COMPOSEKIT_CONVERT_SUMMARY"]).write_text("\n".join(lines) + "\n")
    assert checked == len(PAIRS)
