"""Generate the JSON Schemas in ``schemas/`` from the key catalogue.

Run ``python -m composekit.schemagen`` to (re)write ``schemas/compose-v1.json``,
``compose-v2.0.json`` ... ``compose-v3.14.json`` and ``compose-spec.json``;
``python -m composekit.schemagen --check`` exits 1 when the files on disk differ.
The schemas are draft-07 and self-contained (no ``$ref``), one per file format.

:func:`type_schema` also serves validation: when a value fails in one format, the validator
asks which other formats accept it (``ports`` long syntax "needs 3.2").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from composekit.catalog import Node, root
from composekit.catalog import formats as vf
from composekit.catalog.keys import ROOT, SERVICE
from composekit.catalog.model import (
    AnyMap,
    AnyValue,
    Avail,
    Bool,
    Int,
    Key,
    ListOf,
    MapOf,
    Null,
    Num,
    Obj,
    OneOf,
    Str,
    T,
    When,
)
from composekit.catalog.versions import FORMATS, Family, FileFormat, family_formats

Schema = dict[str, Any]

DRAFT = "http://json-schema.org/draft-07/schema#"

#: Keywords and the JSON types they constrain (``None``: every type).
_KEYWORD_TYPES: dict[str, frozenset[str] | None] = {
    "pattern": frozenset({"string"}),
    "minimum": frozenset({"integer", "number"}),
    "maximum": frozenset({"integer", "number"}),
    "properties": frozenset({"object"}),
    "patternProperties": frozenset({"object"}),
    "additionalProperties": frozenset({"object"}),
    "required": frozenset({"object"}),
    "dependencies": frozenset({"object"}),
    "items": frozenset({"array"}),
    "uniqueItems": frozenset({"array"}),
    "enum": None,
    "anyOf": None,
}

_AVAIL_CACHE: dict[str, Avail] = {}


def _avail(text: str) -> Avail:
    found = _AVAIL_CACHE.get(text)
    if found is None:
        found = _AVAIL_CACHE[text] = Avail.parse(text)
    return found


def _in(text: str | None, fmt: FileFormat) -> bool:
    return text is not None and (text == "all" or fmt in _avail(text))


def _types(schema: Schema) -> list[str]:
    t = schema.get("type")
    if t is None:
        return []
    return [t] if isinstance(t, str) else list(t)


def _plain(schema: Schema) -> bool:
    return set(schema) == {"type"}


def _merge(alts: list[Schema]) -> Schema:
    """One schema for alternatives: plain ``{"type": ...}`` ones fold into a type list, and
    into the single other alternative when none of its keywords constrain those types."""
    plain = [a for a in alts if _plain(a)]
    rich = [a for a in alts if not _plain(a)]
    plain_types: list[str] = []
    for a in plain:
        for t in _types(a):
            if t not in plain_types:
                plain_types.append(t)
    if not rich:
        return {"type": plain_types[0] if len(plain_types) == 1 else plain_types}
    if len(rich) == 1 and plain_types and _types(rich[0]):
        target = rich[0]
        ok = True
        for kw in target:
            if kw in ("type", "description"):
                continue
            applies = _KEYWORD_TYPES.get(kw)
            if applies is None or any(t in applies for t in plain_types):
                ok = False
                break
        if ok:
            merged = dict(target)
            types = _types(target) + [t for t in plain_types if t not in _types(target)]
            merged["type"] = types[0] if len(types) == 1 else types
            return merged
    out = list(rich)
    if plain_types:
        out.insert(0, {"type": plain_types[0] if len(plain_types) == 1 else plain_types})
    return {"anyOf": out}


def _description(k: Key) -> str:
    since = []
    for lo, hi in k.avail.ranges:
        if lo.family is Family.SPEC:
            since.append("spec")
        elif lo.family is Family.V1:
            since.append("v1")
        elif hi == family_formats(lo.family)[-1]:
            since.append(f"{lo.version}+")
        else:
            since.append(f"{lo.version}-{hi.version}")
    text = k.doc or k.name
    return f"{text} [{', '.join(since)}]"


def _child_node(path: tuple[str, ...]) -> Node | None:
    cur: Node | None = root()
    for part in path:
        if cur is None:
            return None
        cur = cur.children.get(part)
    return cur


def type_schema(t: T, path: tuple[str, ...], fmt: FileFormat,
                *, str_union: bool = False) -> Schema | None:
    """The schema of type ``t`` at catalogue ``path`` in ``fmt``; ``None`` when the type has
    no form in ``fmt`` (a long syntax with no keys yet, a :class:`When` outside its range)."""
    spec = fmt.family is Family.SPEC
    if isinstance(t, Str):
        s: Schema = {"type": "string"}
        if t.enum:
            s["enum"] = list(t.enum_values(fmt))
        if t.fmt is not None and (t.fmt_in is None or _in(t.fmt_in, fmt)):
            s["pattern"] = t.fmt.json_pattern
        return s
    if isinstance(t, Bool):
        if spec and t.spec_str and not str_union:
            return {"type": ["boolean", "string"], "pattern": vf.BOOL_STRING.json_pattern}
        return {"type": "boolean"}
    if isinstance(t, (Int, Num)):
        base = "integer" if isinstance(t, Int) else "number"
        s = {"type": base}
        if t.minimum is not None:
            s["minimum"] = t.minimum
        if t.maximum is not None:
            s["maximum"] = t.maximum
        if spec and t.spec_str and not str_union:
            s["type"] = [base, "string"]
            s["pattern"] = (vf.INT_STRING if base == "integer" else vf.NUMBER_STRING).json_pattern
        return s
    if isinstance(t, Null):
        return {"type": "null"}
    if isinstance(t, AnyValue):
        return {}
    if isinstance(t, AnyMap):
        return {"type": "object"}
    if isinstance(t, ListOf):
        item = type_schema(t.item, (*path, "[]"), fmt)
        if item is None:
            return None
        s = {"type": "array", "items": item}
        if _in(t.unique, fmt):
            s["uniqueItems"] = True
        return s
    if isinstance(t, MapOf):
        value = type_schema(t.value, (*path, "*"), fmt)
        if value is None:
            return None
        s = {"type": "object", "patternProperties": {t.keys: value}}
        if t.closed:
            s["additionalProperties"] = False
        return s
    if isinstance(t, Obj):
        return _object_schema(t, path, fmt)
    if isinstance(t, When):
        return type_schema(t.type, path, fmt, str_union=str_union) if fmt in _avail(
            t.avail) else None
    if isinstance(t, OneOf):
        has_str = any(isinstance(a, Str) and not a.enum and a.fmt is None for a in t.alts)
        alts = [sub for a in t.alts
                if (sub := type_schema(a, path, fmt, str_union=has_str)) is not None]
        if not alts:
            return None
        if len(alts) == 1:
            return alts[0]
        return _merge(alts)
    raise TypeError(f"unknown catalogue type {t!r}")


def _object_schema(t: Obj, path: tuple[str, ...], fmt: FileFormat) -> Schema | None:
    node = _child_node(path)
    keys = node.keys_in(fmt) if node is not None else []
    props: Schema = {}
    required: list[str] = []
    dependencies: dict[str, Any] = {}
    for k in sorted(keys, key=lambda k: k.name):
        sub = type_schema(k.type, k.path, fmt)
        if sub is None:
            continue
        props[k.name] = {"description": _description(k), **sub}
        if k.is_required(fmt):
            required.append(k.name)
        if k.needs and k.needs_in is not None and fmt in k.needs_in:
            dependencies[k.name] = list(k.needs)
    if not props:
        return None
    for k in keys:
        refused = k.conflicts_in(fmt)
        if not refused or k.name not in props:
            continue
        names = [n for n in props if n != k.name] if "*" in refused else [
            n for n in refused if n in props]
        if names:
            if k.name in dependencies:
                raise ValueError(f"{k.dotted}: both needs and conflicts")
            dependencies[k.name] = {"not": {"anyOf": [{"required": [n]} for n in names]}}
    s: Schema = {"type": "object", "properties": props}
    if required:
        s["required"] = required
    if dependencies:
        s["dependencies"] = dependencies
    if t.one_of is not None and fmt in _avail(t.one_of[1]):
        s["anyOf"] = [{"required": [n]} for n in t.one_of[0] if n in props]
    if t.ext is not None and fmt in _avail(t.ext):
        s["patternProperties"] = {"^x-": {}}
    if not _in(t.open, fmt):
        s["additionalProperties"] = False
    return s


def key_schema(k: Key, fmt: FileFormat) -> Schema | None:
    """The schema of catalogue entry ``k`` in ``fmt`` (``None`` where it does not exist)."""
    if fmt not in k.avail:
        return None
    return type_schema(k.type, k.path, fmt)


def build_schema(fmt: FileFormat) -> Schema:
    """The complete JSON Schema of one file format."""
    if fmt.family is Family.V1:
        body = type_schema(MapOf(SERVICE, keys=r"^[a-zA-Z0-9._-]+$", what="service name"),
                           ("services",), fmt)
        title = "Compose file format 1 (legacy: services at the top level, no version key)"
    else:
        body = type_schema(ROOT, (), fmt)
        title = ("Compose Specification" if fmt.family is Family.SPEC
                 else f"Compose file format {fmt.version}")
    assert body is not None
    out: Schema = {
        "$schema": DRAFT,
        "$id": f"urn:composekit:schema:{fmt.schema_name}",
        "title": title,
        "description": ("Generated by `python -m composekit.schemagen` from the composekit key "
                        "catalogue; do not edit."),
    }
    out.update(body)
    return out


def render(fmt: FileFormat) -> str:
    return json.dumps(build_schema(fmt), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def default_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "schemas"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m composekit.schemagen",
        description="Write the JSON Schemas generated from the key catalogue.")
    parser.add_argument("--out", type=Path, default=default_dir(),
                        help="directory to write to (default: the repository's schemas/)")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when a file differs from the generator")
    args = parser.parse_args(argv)
    out: Path = args.out
    stale: list[str] = []
    if not args.check:
        out.mkdir(parents=True, exist_ok=True)
    for fmt in FORMATS:
        target = out / f"{fmt.schema_name}.json"
        text = render(fmt)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(target.name)
            if not args.check:
                target.write_text(text, encoding="utf-8")
    if args.check:
        if stale:
            sys.stderr.write("out of date: " + ", ".join(stale)
                             + "\nrun: python -m composekit.schemagen\n")
            return 1
        return 0
    sys.stdout.write(f"wrote {len(stale)} of {len(FORMATS)} schemas to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
