"""Validate Compose files against the schema of their own file format, with findings a
person can act on.

* :func:`load_schema` reads a generated schema (``schemas/*.json``, shipped in the wheel as
  ``composekit/_schemas``);
* :func:`validate_document` detects the format, validates, and turns every schema error into
  one :class:`~composekit.diagnostics.Diagnostic` at the right line and column, naming the
  property and how to fix it (``enviroment`` -> did you mean ``environment``?; ``healthcheck``
  in 2.0 -> added in 2.1);
* :func:`engine_findings`, :func:`minimum_requirements` and :func:`versions_table` answer
  which Docker Engine a file needs.

jsonschema is imported lazily, inside the functions that validate, so ``import composekit``
stays cheap; one compiled validator per format is built on first use and kept.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from composekit import codes
from composekit.catalog import KEYS, ROOT, Node, node, root
from composekit.catalog import formats as value_formats
from composekit.catalog.model import Avail, Key, ListOf, MapOf, Obj, OneOf, T, When
from composekit.catalog.versions import (
    FORMATS,
    SPEC_TOP_LEVEL,
    Family,
    FileFormat,
    detect_format,
    family_formats,
)
from composekit.diagnostics import Diagnostic, Span, json_path
from composekit.errors import SchemaError, UsageError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from composekit.yamlio import YamlDocument

__all__ = [
    "Requirement",
    "Requirements",
    "VersionInfo",
    "detect_format",
    "engine_findings",
    "load_schema",
    "minimum_requirements",
    "parse_engine",
    "validate_document",
    "validate_tree",
    "versions_table",
]

Part = str | int

# --- loading -----------------------------------------------------------------------------------


def _source_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "schemas"


@functools.cache
def load_schema(fmt: FileFormat) -> dict[str, Any]:
    """The JSON Schema of ``fmt``, from the installed package or the source tree.

    Wheels carry ``schemas/`` as ``composekit/_schemas``; an editable or source checkout
    falls back to the repository's ``schemas/``. The result is shared: do not modify it.
    Raises :class:`~composekit.errors.SchemaError` when the file is missing or broken.
    """
    name = f"{fmt.schema_name}.json"
    text: str | None = None
    try:
        packaged = resources.files("composekit").joinpath("_schemas").joinpath(name)
        if packaged.is_file():
            text = packaged.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, ModuleNotFoundError):
        text = None
    if text is None:
        candidate = _source_dir() / name
        if not candidate.is_file():
            raise SchemaError(
                f"schema {name} is missing (looked in composekit/_schemas and {candidate.parent});"
                " run `python -m composekit.schemagen`")
        text = candidate.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"schema {name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SchemaError(f"schema {name} is not a JSON object")
    return data


@functools.cache
def _validator(fmt: FileFormat) -> Validator:
    from jsonschema import Draft7Validator

    return Draft7Validator(load_schema(fmt))


@functools.lru_cache(maxsize=4096)
def _key_validator(path: tuple[str, ...], version: str) -> Validator | None:
    """A validator for one catalogue key in one format, for "which formats accept this?"."""
    from jsonschema import Draft7Validator

    from composekit.catalog.versions import BY_VERSION
    from composekit.schemagen import key_schema

    k = _key_by_path().get(path)
    if k is None:
        return None
    schema = key_schema(k, BY_VERSION[version])
    return None if schema is None else Draft7Validator(schema)


@functools.lru_cache(maxsize=1)
def _key_by_path() -> dict[tuple[str, ...], Key]:
    return {k.path: k for k in KEYS}


# --- the tree as plain JSON data ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-like copy: str keys, real bools (ruamel's anchored booleans are ints), dates as
    ISO strings (Compose v2 reads YAML 1.2, where they are strings)."""
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else _key_text(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return bool(value)
    if isinstance(value, (int, float, str)) or value is None:
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _key_text(k: Any) -> str:
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(k)


def _original(tree: Any, parts: Sequence[Part]) -> tuple[list[Any], Any]:
    """The parts as keys of the original tree (whose keys may not be strings) and the node."""
    out: list[Any] = []
    cur = tree
    for part in parts:
        if isinstance(cur, Mapping):
            if part in cur:
                out.append(part)
                cur = cur[part]
                continue
            found = next((k for k in cur if _key_text(k) == part), None)
            if found is None:
                out.append(part)
                return out, None
            out.append(found)
            cur = cur[found]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        else:
            out.append(part)
            return out, None
    return out, cur


def _own_position(node: Any, k: Any, key: bool) -> tuple[int, int] | None:
    """Where key ``k`` of a round-trip mapping is written: in the mapping itself or in a
    mapping merged into it with ``<<:`` (ruamel keeps positions only where text is)."""
    lc = getattr(node, "lc", None)
    data = getattr(lc, "data", None)
    if lc is not None and isinstance(data, dict) and k in data:
        try:
            pos = lc.key(k) if key else lc.value(k)
            return int(pos[0]), int(pos[1])
        except (KeyError, TypeError, AttributeError, IndexError):
            return None
    for source in getattr(node, "merge", None) or ():
        src = source[1] if isinstance(source, tuple) else source
        if isinstance(src, Mapping) and k in src:
            found = _own_position(src, k, key)
            if found is not None:
                return found
    return None


def _position(tree: Any, parts: Sequence[Any], *, key: bool = False) -> Span:
    """The 1-based position of the node (or, with ``key``, of the mapping key) at ``parts``;
    the deepest existing node when the path leaves the tree."""
    span = Span()
    cur = tree
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(cur, Mapping) and part in cur:
            pos = _own_position(cur, part, key and last)
            if pos is None:
                lc = getattr(cur, "lc", None)
                line, col = getattr(lc, "line", None), getattr(lc, "col", None)
                pos = (line, col) if isinstance(line, int) and isinstance(col, int) else None
            if pos is not None:
                span = Span.at(*pos)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            try:
                line, col = cur.lc.item(part)  # type: ignore[attr-defined]
                span = Span.at(int(line), int(col))
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            cur = cur[part]
        else:
            break
    return span


# --- findings ----------------------------------------------------------------------------------

_JSON_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}

_INTERPOLATION = re.compile(r"\$(\{|[A-Za-z_])")
_YAML11_BOOL = re.compile(r"(?i)y|yes|n|no|true|false|on|off")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def _describe_value(value: Any) -> str:
    kind = _json_type(value)
    if kind == "null":
        return "empty (null)"
    if kind == "boolean":
        return f"the boolean {str(value).lower()}"
    if kind in ("integer", "number"):
        return f"the number {value}"
    if kind == "string":
        return f"the string {_short(value)!r}"
    return _JSON_NAMES[kind]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expected(types: Iterable[str]) -> str:
    names: list[str] = []
    seen = set(types)
    for t in ("object", "array", "string", "integer", "number", "boolean", "null"):
        if t in seen and not (t == "integer" and "number" in seen):
            names.append(_JSON_NAMES[t])
    if not names:
        return "a valid value"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _schema_types(schema: Mapping[str, Any]) -> list[str]:
    if "type" in schema:
        t = schema["type"]
        return [t] if isinstance(t, str) else list(t)
    out: list[str] = []
    for sub in schema.get("anyOf", ()):
        out.extend(_schema_types(sub))
    return out


def _matches_type(value: Any, types: Sequence[str]) -> bool:
    kind = _json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def _describe_formats(formats: Iterable[FileFormat]) -> str:
    """``"2.3-2.4, 3.4-3.14 and the Compose Specification"``; a whole family is ``3.x``."""
    chosen = sorted(set(formats))
    parts: list[str] = []
    for fam in Family:
        members = [f for f in chosen if f.family is fam]
        if not members:
            continue
        if fam is Family.SPEC:
            parts.append("the Compose Specification")
            continue
        if fam is Family.V1:
            parts.append("legacy v1")
            continue
        every = family_formats(fam)
        # contiguous runs
        runs: list[list[FileFormat]] = []
        for f in members:
            if runs and every.index(f) == every.index(runs[-1][-1]) + 1:
                runs[-1].append(f)
            else:
                runs.append([f])
        for run in runs:
            if run == list(every):
                parts.append(f"{fam.value}.x")
            elif len(run) == 1:
                parts.append(run[0].version)
            else:
                parts.append(f"{run[0].version}-{run[-1].version}")
    if not parts:
        return "no format"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass
class _Verdict:
    slug: str
    message: str
    help: str


def _classify(avail: Sequence[FileFormat], fmt: FileFormat, thing: str,
              *, instead: str = "") -> _Verdict | None:
    """Why ``thing`` (available in ``avail``) is not allowed in ``fmt``: too new or removed."""
    if not avail:
        return None
    where = _describe_formats(avail)
    same = [g for g in avail if g.family is fmt.family]
    later = [g for g in same if g > fmt]
    earlier = [g for g in same if g < fmt]
    if later:
        first = min(later)
        note = ""
        if fmt.compose_v1 and not first.compose_v1:
            note = "; only `docker stack deploy` reads 3.9 and later"
        return _Verdict(
            "key-too-new",
            f"{thing} needs file format {first.version} or later; this file is {fmt.version}",
            f"added in {first.version}: raise `version:` to \"{first.version}\" or later"
            f"{note}",
        )
    if earlier:
        every = family_formats(fmt.family)
        removed_at = every[every.index(max(earlier)) + 1]
        return _Verdict(
            "key-removed",
            f"{thing} was removed in {removed_at.version}; this file is {fmt.version}",
            f"use `{instead}` instead; {thing} exists in {where}" if instead
            else f"it exists in {where}",
        )
    older = [g for g in avail if g.family.rank < fmt.family.rank]
    family_name = ("the Compose Specification" if fmt.family is Family.SPEC
                   else f"{fmt.family.title} files")
    if older:
        if fmt.family is Family.SPEC:
            message = f"{thing} is not part of the Compose Specification; it exists in {where}"
        else:
            first_of_family = family_formats(fmt.family)[0]
            message = (f"{thing} was removed in {first_of_family.version}; this file is "
                       f"{fmt.version}")
        hint = f"it exists in {where}"
        if instead:
            hint = f"use `{instead}` instead; {thing} exists in {where}"
        return _Verdict("key-removed", message, hint)
    if fmt.family is Family.V1:
        first = min(avail)
        return _Verdict(
            "key-too-new",
            f"{thing} needs file format {first.version} or later; a file without `version:` "
            "whose services are at the top level is legacy v1",
            "put the services under `services:` (and add `version:` for a 2.x/3.x file, or "
            "leave it out for the Compose Specification)",
        )
    return _Verdict(
        "key-too-new",
        f"{thing} is not part of {family_name} (this file is {fmt.version})",
        f"it exists in {where} only",
    )


def _type_candidates(cat: Sequence[str]) -> list[T]:
    """The catalogue types that may sit at a catalogue path (``services.*.ports.[]``)."""
    current: list[T] = [ROOT]
    for i, part in enumerate(cat):
        nxt: list[T] = []
        for t in _flatten(current):
            if part == "*" and isinstance(t, MapOf):
                nxt.append(t.value)
            elif part == "[]" and isinstance(t, ListOf):
                nxt.append(t.item)
            elif isinstance(t, Obj):
                k = _key_by_path().get((*cat[:i], part))
                if k is not None:
                    nxt.append(k.type)
        current = nxt
    return list(_flatten(current))


def _flatten(types: Iterable[T]) -> Iterator[T]:
    for t in types:
        if isinstance(t, OneOf):
            yield from _flatten(t.alts)
        elif isinstance(t, When):
            yield from _flatten([t.type])
        else:
            yield t


@dataclass
class _Context:
    path: str
    tree: Any
    data: Any
    fmt: FileFormat
    out: list[Diagnostic] = field(default_factory=list)
    seen: set[tuple[str, int, int, str]] = field(default_factory=set)
    #: concrete paths under which nothing more is reported (already explained)
    muted: list[tuple[Part, ...]] = field(default_factory=list)
    #: the ``version:`` text when it is a bare major ("2" or "3")
    alias: str | None = None

    # -- positions and names --

    def span(self, parts: Sequence[Part], *, key: bool = False) -> Span:
        original, value = _original(self.tree, parts)
        if value is None and parts and not isinstance(parts[-1], int):
            key = True  # an empty value has no position of its own: point at its key
        span = _position(self.tree, original, key=key)
        if key and parts:
            name = _key_text(original[-1]) if original else ""
            return Span(span.line, span.column, span.line, span.column + len(name))
        return span

    def display(self, parts: Sequence[Part]) -> str:
        text = json_path(tuple(parts))
        return "the top level" if text == "$" else text[2:] if text.startswith("$.") else text

    def add(self, slug: str, parts: Sequence[Part], message: str, *, key: bool = False,
            help: str | None = None) -> None:
        tup = tuple(parts)
        if any(tup[: len(m)] == m for m in self.muted):
            return
        span = self.span(parts, key=key)
        # one finding per place: a mistake in a `<<:` merged mapping shows in every user
        sig = (slug, span.line, span.column, "")
        if sig in self.seen:
            return
        self.seen.add(sig)
        if slug == "key-too-new" and self.alias == "3" and help and help.startswith("added in 3"):
            help += ("; `version: \"3\"` means 3.0 to docker-compose 1.x, while docker stack "
                     "23.0+ reads it as the newest 3.x")
        self.out.append(codes.make(
            slug, self.path, span, message, json_path=json_path(tup), help=help,
            origin="schema"))

    def mute(self, parts: Sequence[Part]) -> None:
        self.muted.append(tuple(parts))

    def original_value(self, parts: Sequence[Part]) -> Any:
        return _original(self.tree, parts)[1]

    def catalogue_node(self, parts: Sequence[Part]) -> Node | None:
        return node(parts, self.fmt)

    def catalogue_parts(self, parts: Sequence[Part]) -> tuple[str, ...] | None:
        n = self.catalogue_node(parts)
        return None if n is None else n.path


def _translate(err: ValidationError, ctx: _Context) -> None:
    parts = tuple(err.absolute_path)
    instance = err.instance
    if isinstance(instance, str) and _INTERPOLATION.search(instance):
        return  # not interpolated yet: the value cannot be judged
    kw = err.validator
    wanted: Any = err.validator_value
    schema: Any = err.schema
    if kw == "additionalProperties":
        _extra_keys(err, parts, ctx)
    elif kw in ("anyOf", "oneOf"):
        _alternatives(err, parts, ctx)
    elif kw == "type":
        _bad_type(parts, instance, _schema_types(schema), ctx, schema)
    elif kw == "enum":
        _bad_enum(parts, instance, list(wanted), ctx)
    elif kw == "pattern":
        _bad_pattern(parts, instance, str(wanted), ctx)
    elif kw == "required":
        for name in wanted:
            if isinstance(instance, Mapping) and name not in instance:
                _missing(parts, name, ctx)
    elif kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        _out_of_range(parts, instance, str(kw), wanted, ctx)
    elif kw == "uniqueItems":
        _duplicates(parts, instance, ctx)
    elif kw == "dependencies":
        for name, needs in dict(wanted).items():
            if isinstance(instance, Mapping) and name in instance:
                for need in needs:
                    if need not in instance:
                        ctx.add("missing-required-key", (*parts, name),
                                f"`{ctx.display((*parts, name))}` needs `{need}` in the same "
                                "mapping", key=True,
                                help=f"add `{need}`, or remove `{name}`")
    elif (kw == "not" and len(err.relative_schema_path) >= 3
          and err.relative_schema_path[-3] == "dependencies"):
        _conflict(parts, str(err.relative_schema_path[-2]), wanted, ctx)
    else:
        ctx.add("schema-violation", parts,
                f"`{ctx.display(parts)}`: {_short(err.message, 160)}")


def _conflict(parts: tuple[Part, ...], name: str, refused: Any, ctx: _Context) -> None:
    """``name`` is present with keys the format refuses next to it."""
    instance = ctx.data
    for part in parts:
        instance = instance[part]
    names = [r for alt in refused.get("anyOf", []) for r in alt.get("required", [])]
    here = ctx.catalogue_node(parts)
    child = here.children.get(name) if here is not None else None
    k = child.key if child is not None else None
    for other in names:
        if other not in instance:
            continue
        help_text = f"remove `{other}` or `{name}`"
        if k is not None:
            fine = [g for g in k.avail.formats()
                    if other not in k.conflicts_in(g) and "*" not in k.conflicts_in(g)]
            later = [g for g in fine if g.family is ctx.fmt.family and g > ctx.fmt]
            if later:
                help_text += (f"; {min(later).version} and later accept both: raise `version:`"
                              f" to \"{min(later).version}\"")
        ctx.add("conflicting-keys", (*parts, other),
                f"`{ctx.display((*parts, other))}` cannot be used together with `{name}` "
                f"in {ctx.fmt.label}",
                key=True, help=help_text)


def _extra_keys(err: ValidationError, parts: tuple[Part, ...], ctx: _Context) -> None:
    instance = err.instance
    if not isinstance(instance, Mapping):
        return
    schema: Any = err.schema
    props = schema.get("properties", {})
    patterns = [p for p in schema.get("patternProperties", {})]
    extras = [k for k in instance
              if k not in props and not any(re.search(p, k) for p in patterns)]
    name_map = not props and any(p != "^x-" for p in patterns)
    for extra in extras:
        if name_map:
            _bad_name(parts, extra, ctx)
        else:
            _unknown_key(parts, extra, instance[extra], ctx)


def _bad_name(parts: tuple[Part, ...], name: str, ctx: _Context) -> None:
    what = "name"
    cat = ctx.catalogue_parts(parts)
    if cat is not None:
        for t in _type_candidates(cat):
            if isinstance(t, MapOf):
                what = t.what
                break
    slug = "invalid-service-name" if what in (
        "service name", "network name", "volume name") else "invalid-value"
    ctx.add(slug, (*parts, name),
            f"{what} {name!r} in {ctx.display(parts)} has characters Compose rejects",
            key=True, help="use only letters, digits, '.', '_' and '-'")


def _unknown_key(parts: tuple[Part, ...], name: str, value: Any, ctx: _Context) -> None:
    fmt = ctx.fmt
    here = ctx.catalogue_node(parts)
    full = (*parts, name)
    display = ctx.display(full)
    if name.startswith("x-"):
        _extension_not_allowed(parts, name, here, ctx)
        return
    child = here.children.get(name) if here is not None else None
    if child is not None and child.key is not None:
        k = child.key
        verdict = _classify(k.avail.formats(), fmt, f"`{display}`", instead=k.instead)
        if verdict is not None:
            ctx.add(verdict.slug, full, verdict.message, key=True, help=verdict.help)
            ctx.mute(full)
            return
    help_text = _suggest(name, value, here, parts, ctx)
    where = ctx.display(parts)
    ctx.add("unknown-key", full, f"unknown key `{name}` in {where}", key=True, help=help_text)
    ctx.mute(full)


def _suggest(name: str, value: Any, here: Node | None, parts: tuple[Part, ...],
             ctx: _Context) -> str | None:
    fmt = ctx.fmt
    if here is None:
        return None
    valid = [k.name for k in here.keys_in(fmt)]
    others = [k.name for k in here.entries() if k.name not in valid]
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.75)
    if not close:
        close = difflib.get_close_matches(name.lower().replace("-", "_"), valid, n=1,
                                          cutoff=0.75)
    if close:
        return f"did you mean `{close[0]}`?"
    close = difflib.get_close_matches(name, others, n=1, cutoff=0.8)
    if close:
        k = next(k for k in here.entries() if k.name == close[0])
        verdict = _classify(k.avail.formats(), fmt, f"`{close[0]}`")
        tail = f" ({verdict.message})" if verdict else ""
        return f"did you mean `{close[0]}`?{tail}"
    # the same key name deeper down: `resources` belongs under `deploy`
    below = _elsewhere(name, here, fmt)
    if below:
        return f"`{name}` belongs under `{below}`"
    if (not parts and isinstance(value, Mapping)
            and ("image" in value or "build" in value) and fmt.family is not Family.V1):
        return "services go under the top-level `services:` key"
    if len(valid) <= 12 and valid:
        return "valid keys here: " + ", ".join(sorted(valid))
    return None


def _elsewhere(name: str, here: Node, fmt: FileFormat) -> str | None:
    """A dotted path below ``here`` where a key called ``name`` exists in ``fmt``."""
    best: tuple[int, str] | None = None
    depth = len(here.path)
    for k in KEYS:
        if k.name != name or fmt not in k.avail:
            continue
        if k.path[:depth] != here.path or len(k.path) <= depth + 1:
            continue
        rel = k.path[depth:-1]
        if "[]" in rel or "*" in rel:
            continue
        cand = ".".join(rel)
        if best is None or len(rel) < best[0]:
            best = (len(rel), cand)
    return best[1] if best else None


def _extension_not_allowed(parts: tuple[Part, ...], name: str, here: Node | None,
                           ctx: _Context) -> None:
    fmt = ctx.fmt
    full = (*parts, name)
    exts: set[FileFormat] = set()
    if here is not None:
        for t in _type_candidates(here.path):
            if isinstance(t, Obj) and t.ext:
                exts |= set(Avail.parse(t.ext).formats())
    where = ctx.display(parts)
    verdict = _classify(sorted(exts), fmt, f"an extension key (`{name}`) in {where}")
    if verdict is not None:
        ctx.add(verdict.slug, full, verdict.message, key=True, help=verdict.help)
    else:
        ctx.add("unknown-key", full, f"extension keys such as `{name}` are not allowed in "
                f"{where}", key=True, help="move it to the top level, or into a service")
    ctx.mute(full)


def _alternatives(err: ValidationError, parts: tuple[Part, ...], ctx: _Context) -> None:
    wanted: Any = err.validator_value
    branches: list[Mapping[str, Any]] = list(wanted)
    instance = err.instance
    if branches and all(set(b) == {"required"} for b in branches):
        names = [n for b in branches for n in b["required"]]
        listed = ", ".join(f"`{n}`" for n in names[:-1]) + f" or `{names[-1]}`"
        ctx.add("missing-required-key", parts,
                f"`{ctx.display(parts)}` needs one of {listed}",
                key=bool(parts) and not isinstance(parts[-1], int),
                help=f"add `{names[0]}:`" if names else None)
        return
    matching = [i for i, b in enumerate(branches)
                if "type" not in b or _matches_type(instance, _schema_types(b))]
    if not matching:
        types: list[str] = []
        for b in branches:
            types.extend(_schema_types(b))
        _bad_type(parts, instance, types, ctx)
        return
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in err.context or ():
        idx = sub.relative_schema_path[0] if sub.relative_schema_path else None
        if isinstance(idx, int):
            by_branch.setdefault(idx, []).append(sub)

    def rank(i: int) -> tuple[int, int]:
        subs = by_branch.get(i, [])
        depth = max((len(e.absolute_path) for e in subs), default=0)
        return (-depth, len(subs))

    best = min(matching, key=rank)
    subs = by_branch.get(best, [])
    if not subs:
        ctx.add("schema-violation", parts, f"`{ctx.display(parts)}` is not valid here")
        return
    for sub in subs:
        _translate(sub, ctx)


def _key_ancestor(parts: tuple[Part, ...], ctx: _Context) -> tuple[tuple[Part, ...], Key] | None:
    """The nearest enclosing catalogue key of a concrete path, with its concrete path."""
    best: tuple[tuple[Part, ...], Key] | None = None
    for i in range(len(parts), 0, -1):
        n = ctx.catalogue_node(parts[:i])
        if n is not None and n.key is not None:
            best = (parts[:i], n.key)
            break
    return best


def _accepting(parts: tuple[Part, ...], ctx: _Context) -> tuple[
        tuple[Part, ...], list[FileFormat]] | None:
    """The formats that accept the value of the key enclosing ``parts`` as it is."""
    found = _key_ancestor(parts, ctx)
    if found is None:
        return None
    kparts, k = found
    value = _plain(ctx.original_value(kparts))
    accepting = []
    for g in FORMATS:
        if g == ctx.fmt or g not in k.avail:
            continue
        validator = _key_validator(k.path, g.version)
        if validator is not None and validator.is_valid(value):
            accepting.append(g)
    return (kparts, accepting) if accepting else None


def _navigate(schema: Any, rel: Sequence[Part], value: Any) -> list[Any]:
    """The sub-schemas that apply to ``rel`` below ``schema`` (following ``anyOf``)."""
    current = [schema]
    for part in rel:
        nxt: list[Any] = []
        for s in current:
            for branch in s.get("anyOf", [s]):
                if isinstance(part, int):
                    if isinstance(branch.get("items"), dict):
                        nxt.append(branch["items"])
                else:
                    if part in branch.get("properties", {}):
                        nxt.append(branch["properties"][part])
                        continue
                    for pat, sub in branch.get("patternProperties", {}).items():
                        if re.search(pat, part):
                            nxt.append(sub)
        current = nxt
    return current


def _shape_formats(parts: tuple[Part, ...], kparts: tuple[Part, ...], k: Key,
                   ctx: _Context) -> list[FileFormat]:
    """The formats where a value of this JSON type may stand at ``parts`` at all."""
    from composekit.schemagen import key_schema

    inner = _plain(ctx.original_value(parts))
    rel = parts[len(kparts):]
    out = []
    for g in FORMATS:
        if g == ctx.fmt or g not in k.avail:
            continue
        schema = key_schema(k, g)
        if schema is None:
            continue
        for sub in _navigate(schema, rel, inner):
            branches = sub.get("anyOf", [sub])
            if any(_matches_type(inner, _schema_types(b)) for b in branches):
                out.append(g)
                break
    return out


def _other_forms(parts: tuple[Part, ...], ctx: _Context) -> _Verdict | None:
    """Why a value of the wrong shape is valid in other formats: ``ports`` long syntax needs
    3.2, ``depends_on`` as a mapping is not in 3.x."""
    found = _key_ancestor(parts, ctx)
    if found is None:
        return None
    kparts, k = found
    inner = ctx.original_value(parts)
    accepted = _accepting(parts, ctx)
    formats = accepted[1] if accepted is not None else _shape_formats(parts, kparts, k, ctx)
    if not isinstance(inner, (Mapping, list)):
        # a scalar of another type: only a later format of the same family is worth naming
        formats = [g for g in formats if g.family is ctx.fmt.family]
    if not formats:
        return None
    if isinstance(inner, Mapping) and parts != kparts:
        thing = f"the long syntax of `{ctx.display(kparts)}` entries"
    elif isinstance(inner, Mapping):
        thing = f"`{ctx.display(kparts)}` as a mapping"
    else:
        thing = f"`{ctx.display(parts)}` as {_JSON_NAMES.get(_json_type(_plain(inner)))}"
    return _classify(formats, ctx.fmt, thing)


def _bad_type(parts: tuple[Part, ...], instance: Any, types: Sequence[str],
              ctx: _Context, schema: Any = None) -> None:
    original = ctx.original_value(parts)
    if ("boolean" in types and ctx.fmt.family is not Family.SPEC and type(original) is str
            and _YAML11_BOOL.fullmatch(original)):
        return  # an unquoted yes/on/off: a boolean for the YAML 1.1 readers of these formats
    if isinstance(instance, str) and _INTERPOLATION.search(instance):
        return
    verdict = _other_forms(parts, ctx)
    if verdict is not None:
        hint = verdict.help
        if "string" in types and _json_type(instance) in ("integer", "number"):
            hint += f"; or quote the value: \"{instance}\""
        ctx.add(verdict.slug, parts, verdict.message, help=hint)
        ctx.mute(parts)
        return
    expected = _expected(types)
    got = _describe_value(instance)
    help_text: str | None = None
    kind = _json_type(instance)
    pattern = schema.get("pattern") if isinstance(schema, Mapping) else None
    known = value_formats.BY_PATTERN.get(pattern) if isinstance(pattern, str) else None
    if known is value_formats.DURATION and kind in ("integer", "number"):
        help_text = f"write a duration with a unit, e.g. \"{instance}s\""
    elif known is not None and known is not value_formats.CPUS and kind == "boolean":
        help_text = f"write {known.describe}, e.g. {known.example}"
    elif "string" in types and kind in ("integer", "number", "boolean"):
        shown = str(instance).lower() if kind == "boolean" else str(instance)
        help_text = f"quote the value: \"{shown}\""
    elif "boolean" in types and kind == "string":
        help_text = "write true or false without quotes"
    elif "array" in types and kind == "string":
        help_text = f"write a list: - {_short(str(instance), 40)}"
    elif "object" in types and "array" in types and kind == "string":
        help_text = "write a mapping (KEY: value) or a list (- KEY=value)"
    elif kind == "null":
        help_text = "give it a value, or remove the key"
    ctx.add("invalid-type", parts,
            f"`{ctx.display(parts)}` must be {expected}, not {got}", help=help_text)
    ctx.mute(parts)


def _bad_enum(parts: tuple[Part, ...], instance: Any, allowed: list[Any],
              ctx: _Context) -> None:
    found = _accepting(parts, ctx)
    if found is not None:
        verdict = _classify(found[1], ctx.fmt,
                            f"the value {instance!r} of `{ctx.display(parts)}`")
        if verdict is not None:
            ctx.add(verdict.slug, parts, verdict.message, help=verdict.help)
            return
    choices = ", ".join(str(a) for a in allowed)
    help_text = None
    if isinstance(instance, str):
        close = difflib.get_close_matches(instance, [str(a) for a in allowed], n=1, cutoff=0.6)
        if close:
            help_text = f"did you mean {close[0]!r}?"
    ctx.add("invalid-value", parts,
            f"`{ctx.display(parts)}` must be one of {choices}; got {_describe_value(instance)}",
            help=help_text)


def _bad_pattern(parts: tuple[Part, ...], instance: Any, pattern: str, ctx: _Context) -> None:
    fmt = value_formats.BY_PATTERN.get(pattern)
    shown = _short(str(instance))
    if fmt is None:
        ctx.add("invalid-value", parts,
                f"`{ctx.display(parts)}`: {shown!r} does not match {pattern}")
        return
    if fmt is value_formats.RESTART:
        close = difflib.get_close_matches(
            str(instance), ["no", "always", "on-failure", "unless-stopped"], n=1, cutoff=0.6)
        help_text = f"did you mean {close[0]!r}?" if close else f"for example {fmt.example}"
    elif fmt is value_formats.DURATION and re.fullmatch(r"[0-9.]+", str(instance)):
        help_text = f"add a unit: \"{instance}s\""
    elif fmt is value_formats.PORT:
        help_text = f"for example \"{fmt.example}\""
        numbers = [int(n) for n in re.findall(r"\d+", str(instance)) if len(n) < 9]
        if any(n > 65535 for n in numbers) and not re.search(r"\d+\.\d+\.\d+\.\d+",
                                                             str(instance)):
            help_text = "port numbers go up to 65535"
    else:
        help_text = f"for example {fmt.example}"
    ctx.add("invalid-value", parts,
            f"`{ctx.display(parts)}`: {shown!r} is not {fmt.describe}", help=help_text)


def _missing(parts: tuple[Part, ...], name: str, ctx: _Context) -> None:
    help_text = f"add `{name}:`"
    if name == "type" and ctx.catalogue_parts(parts) == ("services", "*", "volumes", "[]"):
        help_text = "add `type: bind`, `type: volume` or `type: tmpfs`"
    where = ctx.display(parts)
    if parts:
        ctx.add("missing-required-key", parts, f"`{where}` is missing the key `{name}`",
                key=not isinstance(parts[-1], int), help=help_text)
    else:
        ctx.add("missing-required-key", parts, f"the key `{name}` is missing at the top level",
                help=help_text)


def _out_of_range(parts: tuple[Part, ...], instance: Any, kw: str, bound: Any,
                  ctx: _Context) -> None:
    word = "at least" if "inimum" in kw else "at most"
    ctx.add("invalid-value", parts,
            f"`{ctx.display(parts)}` must be {word} {bound}; got {instance}")


def _duplicates(parts: tuple[Part, ...], instance: Any, ctx: _Context) -> None:
    if not isinstance(instance, list):
        return
    seen: list[Any] = []
    for i, item in enumerate(instance):
        if item in seen:
            ctx.add("invalid-value", (*parts, i),
                    f"`{ctx.display(parts)}` lists {_short(json.dumps(item))} more than once",
                    help="remove the duplicate entry")
        else:
            seen.append(item)


def _v1_top_level(data: Mapping[str, Any], ctx: _Context) -> None:
    """In a v1 file every top-level key is a service: a 2.x+ section there is a mistake."""
    for name in data:
        if name in SPEC_TOP_LEVEL:
            ctx.add("key-too-new", (name,),
                    f"top-level `{name}` needs a 2.x/3.x file or the Compose Specification; "
                    "without `version:` and `services:` the file is read as legacy v1, where "
                    "every top-level key is a service",
                    key=True,
                    help="put the services under `services:` (Compose Specification), and "
                         "add `version:` only for a 2.x/3.x file")
            ctx.mute((name,))


# --- public API --------------------------------------------------------------------------------


def validate_tree(tree: Any, path: str, fmt: FileFormat,
                  *, skip: Iterable[Sequence[Part]] = ()) -> list[Diagnostic]:
    """Validate a round-trip tree against the schema of ``fmt``; every problem, one finding
    each, sorted by position. Nothing is reported at or below the paths in ``skip``."""
    data = _plain(tree)
    ctx = _Context(path=path, tree=tree, data=data, fmt=fmt)
    if isinstance(data, Mapping) and data.get("version") in ("2", "3"):
        ctx.alias = str(data["version"])
    for parts in skip:
        ctx.mute(parts)
    if fmt.family is Family.V1 and isinstance(data, Mapping):
        _v1_top_level(data, ctx)
    validator = _validator(fmt)
    errors = sorted(validator.iter_errors(data),
                    key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    for err in errors:
        _translate(err, ctx)
    return sorted(ctx.out)


def validate_document(
    doc: YamlDocument, *, fmt: FileFormat | None = None
) -> tuple[FileFormat | None, list[Diagnostic]]:
    """Detect the file format of ``doc`` (unless ``fmt`` is given) and validate it.

    Returns the format (``None`` when ``version:`` is unknown: then nothing else is checked)
    and the findings: ``unknown-version`` (CK020), ``unknown-key`` (CK022), ``key-too-new``
    (CK023), ``key-removed`` (CK024), ``invalid-type`` (CK026), ``invalid-value`` (CK027),
    ``missing-required-key`` (CK028), ``invalid-service-name`` (CK110) and the fallback
    ``schema-violation`` (CK021). ``doc.data`` may be interpolated in place; values that still
    hold ``${...}`` are not judged.
    """
    diags: list[Diagnostic] = []
    if fmt is None:
        fmt, diags = detect_format(doc.data, doc.path)
    if fmt is None:
        return None, diags
    if not isinstance(doc.data, Mapping):
        return fmt, diags
    skip = [("version",)] if any(d.json_path == "$.version" for d in diags) else []
    return fmt, sorted(diags + validate_tree(doc.data, doc.path, fmt, skip=skip))


# --- engines -----------------------------------------------------------------------------------

_ENGINE = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+~][0-9A-Za-z.+~-]*)?$")


def parse_engine(text: str) -> tuple[int, int, int]:
    """``"17.06.0-ce"`` -> ``(17, 6, 0)``; raises :class:`UsageError` for anything else."""
    m = _ENGINE.match(text.strip())
    if m is None:
        raise UsageError(
            f"invalid Docker Engine version {text!r}: expected a release such as 20.10.24 "
            "or 24.0")
    return (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))


def _newest_for(engine: tuple[int, int, int], family: Family) -> FileFormat | None:
    ok = [f for f in family_formats(family)
          if f.min_engine is not None and parse_engine(f.min_engine) <= engine]
    return max(ok) if ok else None


def engine_findings(fmt: FileFormat, engine: str, path: str, span: Span) -> list[Diagnostic]:
    """``engine-too-old`` (CK025) when ``fmt`` needs a newer Docker Engine than ``engine``.

    ``span`` is where to report (the ``version:`` value). Raises
    :class:`~composekit.errors.UsageError` for a malformed ``engine``.
    """
    target = parse_engine(engine)
    if fmt.min_engine is None or parse_engine(fmt.min_engine) <= target:
        return []
    newest = _newest_for(target, fmt.family)
    if newest is not None:
        hint = (f"Engine {engine} supports {fmt.family.title} up to {newest.version}: lower "
                f"`version:` to \"{newest.version}\" (if the file's keys allow it), or upgrade "
                "the engine")
    else:
        hint = f"upgrade the engine to {fmt.min_engine} or later"
    note = f" ({fmt.engine_note})" if fmt.engine_note and not fmt.engine_note.startswith(
        "Compose file reference") else ""
    return [codes.make(
        "engine-too-old", path, span,
        f"file format {fmt.version} needs Docker Engine {fmt.min_engine} or later{note}; "
        f"the target engine is {engine}",
        json_path="$.version", help=hint, origin="schema")]


@dataclass(frozen=True)
class Requirement:
    """One key a file uses, and the oldest format (and engine) of its family that has it."""

    path: str  # where in the file: "volumes.data.name"
    key: str  # the catalogue entry: "volumes.*.name"
    format: FileFormat
    engine: str | None

    def describe(self) -> str:
        engine = f" / Engine {self.engine}" if self.engine else ""
        return f"`{self.path}` needs {self.format.version}{engine}"


@dataclass(frozen=True)
class Requirements:
    """What a file really needs, within the family of the format it declares."""

    declared: FileFormat
    minimum_format: FileFormat
    minimum_engine: str | None
    #: the keys that force ``minimum_format`` (empty when the family's first format will do)
    forced_by: tuple[Requirement, ...]
    #: every versioned key the file uses, newest requirement first
    uses: tuple[Requirement, ...]

    def describe(self) -> str:
        if not self.forced_by:
            return (f"{self.minimum_format.version} is enough"
                    + (f" / Engine {self.minimum_engine}" if self.minimum_engine else ""))
        return "; ".join(r.describe() for r in self.forced_by)


def _ext_since(cat: Node, family: Family) -> FileFormat | None:
    """Where ``x-`` keys became allowed in the mapping at catalogue node ``cat``."""
    firsts = []
    for t in _type_candidates(cat.path):
        if isinstance(t, Obj) and t.ext:
            since = Avail.parse(t.ext).since(family)
            if since is not None:
                firsts.append(since)
    return min(firsts) if firsts else None


def _walk_used(data: Any, cat: Node, parts: tuple[Part, ...], family: Family) -> Iterator[
        tuple[tuple[Part, ...], str, FileFormat]]:
    if isinstance(data, Mapping):
        for name, value in data.items():
            here = (*parts, name)
            if isinstance(name, str) and name.startswith("x-") and "*" not in cat.children:
                since = _ext_since(cat, family)
                if since is not None:
                    where = cat.dotted or "the top level"
                    yield here, f"x- extension keys in {where}", since
                continue
            n = cat.step(name) if isinstance(name, str) else None
            if n is None:
                continue
            if n.key is not None and name in cat.children:
                since = n.key.avail.since(family)
                if since is not None:
                    yield here, n.key.dotted, since
            yield from _walk_used(value, n, here, family)
    elif isinstance(data, list):
        n = cat.children.get("[]")
        if n is not None:
            for i, item in enumerate(data):
                yield from _walk_used(item, n, (*parts, i), family)


def minimum_requirements(tree: Any, fmt: FileFormat) -> Requirements:
    """The oldest format of ``fmt``'s family, and the oldest engine, that the keys ``tree``
    really uses need, with the keys that force them (``volumes.data.name`` needs 3.4 /
    Engine 17.09.0). Keys the family does not have are left to :func:`validate_document`."""
    family = family_formats(fmt.family)
    start: Node = root()
    if fmt.family is Family.V1:
        start = root().children["services"]
    uses: list[Requirement] = []
    data = _plain(tree)
    for parts, what, since in _walk_used(data, start, (), fmt.family):
        display = json_path(parts)
        display = display[2:] if display.startswith("$.") else display
        uses.append(Requirement(display, what, since, since.min_engine))
    minimum = max([family[0], *(u.format for u in uses)])
    forced = tuple(sorted((u for u in uses if u.format == minimum and minimum != family[0]),
                          key=lambda u: u.path))
    uses.sort(key=lambda u: (u.format, u.path), reverse=True)
    return Requirements(fmt, minimum, minimum.min_engine, forced, tuple(uses))


@dataclass(frozen=True)
class VersionInfo:
    """One row of ``composekit versions``."""

    format: FileFormat
    min_engine: str | None
    engine_note: str
    compose_v1: bool
    stack: bool
    #: keys (catalogue paths) first available in this format, compared with the previous one
    added: tuple[str, ...]
    removed: tuple[str, ...]


def _changes(prev: FileFormat, cur: FileFormat) -> tuple[list[str], list[str]]:
    def present(f: FileFormat) -> set[tuple[str, ...]]:
        return {k.path for k in KEYS if f in k.avail}

    before, after = present(prev), present(cur)

    def top_only(paths: set[tuple[str, ...]], other: set[tuple[str, ...]]) -> list[str]:
        out: list[str] = []
        for p in sorted(paths - other):
            parent = _parent_key(p)
            if parent is not None and parent in paths and parent not in other:
                continue
            out.append(_key_by_path()[p].dotted)
        return _group_long_syntax(out)

    added, removed = top_only(after, before), top_only(before, after)
    if cur.family is not Family.SPEC:
        added.extend(_structural(prev, cur))
    return added, removed


def _objects_in(t: T, where: str, path: tuple[str, ...]) -> Iterator[
        tuple[str, tuple[str, ...], Obj]]:
    if isinstance(t, Obj):
        yield where, path, t
    elif isinstance(t, ListOf):
        yield from _objects_in(t.item, where + "[]", (*path, "[]"))
    elif isinstance(t, MapOf):
        yield from _objects_in(t.value, where + ".*", (*path, "*"))
    elif isinstance(t, OneOf):
        for alt in t.alts:
            yield from _objects_in(alt, where, path)
    elif isinstance(t, When):
        yield from _objects_in(t.type, where, path)


def _structural(prev: FileFormat, cur: FileFormat) -> list[str]:
    """Changes that are not keys, from ``prev`` to ``cur``: where ``x-`` keys became
    allowed, mappings that stopped checking their keys, keys that stopped being required."""
    from composekit.schemagen import type_schema

    out: list[str] = []
    places: list[tuple[str, tuple[str, ...], Obj]] = [("the top level", (), ROOT)]
    for k in KEYS:
        if cur in k.avail and prev in k.avail:
            places.extend(_objects_in(k.type, k.dotted, k.path))
    for where, path, obj in places:
        if path and (type_schema(obj, path, prev) is None or type_schema(obj, path, cur) is None):
            continue  # the mapping itself is new (or gone): its keys are what changed
        changes = []
        if obj.ext and cur in Avail.parse(obj.ext) and prev not in Avail.parse(obj.ext):
            changes.append(f"x- extension keys in {where}")
        if obj.open and cur in Avail.parse(obj.open) and prev not in Avail.parse(obj.open):
            changes.append(f"any key in {where} (no longer checked)")
        out.extend(c for c in changes if c not in out)
    for k in KEYS:
        if (k.required is not None and prev in k.required and cur not in k.required
                and cur in k.avail and prev in k.avail):
            out.append(f"{k.dotted} (now optional)")
    return out


def _parent_key(p: tuple[str, ...]) -> tuple[str, ...] | None:
    for i in range(len(p) - 1, 0, -1):
        if p[:i] in _key_by_path():
            return p[:i]
    return None


def _group_long_syntax(paths: list[str]) -> list[str]:
    """``services.*.ports[].mode``, ``...[].target`` -> ``services.*.ports[] (long syntax)``
    when every child of the list item arrives at once."""
    groups: dict[str, list[str]] = {}
    for p in paths:
        if "[]." in p:
            item, rest = p.rsplit("[].", 1)
            if "." not in rest:
                groups.setdefault(item + "[]", []).append(p)
    out: list[str] = []
    done: set[str] = set()
    for p in paths:
        head: str | None = p.rsplit("[].", 1)[0] + "[]" if "[]." in p else None
        if head is not None and len(groups.get(head, [])) >= 3:
            if head not in done:
                out.append(f"{head} (long syntax)")
                done.add(head)
            continue
        out.append(p)
    return out


def versions_table() -> list[VersionInfo]:
    """Every format with its minimum engine and what it added and removed, derived from the
    catalogue (2.0 and 3.0 compare with the format before them: v1 and 2.4; the Compose
    Specification with 3.14)."""
    return list(_versions_table())


@functools.lru_cache(maxsize=1)
def _versions_table() -> tuple[VersionInfo, ...]:
    rows: list[VersionInfo] = []
    for i, fmt in enumerate(FORMATS):
        added: list[str] = []
        removed: list[str] = []
        if i > 0:
            added, removed = _changes(FORMATS[i - 1], fmt)
        elif fmt.family is Family.V1:
            added = [k.dotted for k in KEYS if fmt in k.avail
                     and not ((p := _parent_key(k.path)) is not None and p != ("services",)
                              and fmt in _key_by_path()[p].avail)]
            added.sort()
        rows.append(VersionInfo(fmt, fmt.min_engine, fmt.engine_note, fmt.compose_v1,
                                fmt.stack, tuple(added), tuple(removed)))
    return tuple(rows)
