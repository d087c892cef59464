"""Merging Compose files with Compose v2's own rules, keeping every origin.

The configuration is handled as a tree of :class:`Node` values; each node
carries the :class:`~composekit.loader.project.Origin` (file, line, column) it
was read from, so the origin travels with the value through merges, ``extends``
and ``include``, and :func:`flatten` turns the result into plain Python plus an
``origins`` side table keyed by key path.

The rules are those of Compose v2 (compose-go's ``override`` and ``transform``
packages as used by ``docker compose`` 2.40, checked by experiment). For each
file, in order:

1. ``!reset`` and ``!override`` tags: a ``!reset`` node is dropped from the
   file and the same path is deleted from what was merged so far; an
   ``!override`` node is kept and the same path is deleted before merging, so
   it replaces instead of merging.
2. The file is merged into what came before (:func:`merge_nodes`): mappings
   merge key by key, sequences append, scalars replace, a ``null`` override
   keeps the base; with these exceptions per key:

   ================================================ ==========================
   ``command``, ``entrypoint``, ``healthcheck.test`` replaced
   ``environment``, ``labels``, ``annotations``,     merged by variable/label
   ``sysctls``, ``build.args``, ``build.labels``,    name (list or mapping form,
   ``build.additional_contexts``, ``deploy.labels``, the override wins)
   network/volume ``labels``
   ``depends_on``, ``networks`` (of a service)       merged by name (list form
                                                     read as a mapping)
   ``build``                                         a string is
                                                     ``{context: ...}``, then
                                                     merged
   ``logging``                                       merged when the drivers
                                                     agree, else replaced
   ``ulimits.<name>``                                replaced
   ``extra_hosts``                                   appended, exact duplicates
                                                     dropped
   ``dns``, ``dns_opt``, ``dns_search``, ``tmpfs``,   appended (a string is a
   ``env_file``, ``label_file``                       one-item list)
   ``networks.<n>.ipam.config``                       merged by ``subnet``
   ================================================ ==========================

3. Sequences whose items must be unique are de-duplicated, the later item
   replacing the earlier one in its place: ``ports`` (host IP, published
   port, target port, protocol), ``volumes`` and ``devices`` (by target),
   ``secrets`` and ``configs`` (by target, ``/run/secrets/<name>`` for a
   secret without one), ``expose``, ``env_file`` (by path), and ``cap_add``,
   ``cap_drop``, ``dns*``, ``tmpfs``, ``links``, ``profiles``, network
   ``aliases`` and ``link_local_ips`` (by value).
4. Short syntax is rewritten in long form as Compose does between files
   (:func:`canonical_step`): ports (ranges expanded), volumes, ``depends_on``,
   service ``networks``, key=value lists, ``build``, ``env_file``; then
   uniqueness is enforced again, since long forms reveal more duplicates.
"""

from __future__ import annotations

import importlib
import posixpath
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

from composekit import codes
from composekit.diagnostics import Diagnostic, Span, json_path
from composekit.loader.project import KeyPath, Origin, PathPart, relative_to_file
from composekit.yaml_dialects import go_format_float

_UNSET: Any = object()
_MISSING: Any = object()

RESET = "!reset"
OVERRIDE = "!override"
#: Marks a ``KEY`` written without ``=`` in a list (``environment: [KEY]``):
#: Compose gives only those a value from an included project's variables.
BARE = "bare"


class Node:
    """A value of the configuration and where it was written.

    ``value`` is a ``dict[str, Node]``, a ``list[Node]`` or a plain scalar.
    """

    __slots__ = ("origin", "tag", "value")

    def __init__(self, value: Any, origin: Origin | None = None, tag: str | None = None) -> None:
        self.value = value
        self.origin = origin
        self.tag = tag

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node({self.value!r})"

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    def get(self, key: str) -> Node | None:
        if isinstance(self.value, dict):
            found: Node | None = self.value.get(key)
            return found
        return None

    def plain(self) -> Any:
        """The value as plain Python (no origins)."""
        return to_plain(self)

    def clone(self) -> Node:
        """A deep copy: merges mutate nodes, bases are shared."""
        if isinstance(self.value, dict):
            return Node({k: v.clone() for k, v in self.value.items()}, self.origin, self.tag)
        if isinstance(self.value, list):
            return Node([v.clone() for v in self.value], self.origin, self.tag)
        return Node(self.value, self.origin, self.tag)


def to_plain(node: Node) -> Any:
    if isinstance(node.value, dict):
        return {k: to_plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [to_plain(v) for v in node.value]
    return node.value


def from_plain(value: Any, origin: Origin | None = None) -> Node:
    """Wrap plain Python as nodes, all with ``origin``."""
    if isinstance(value, dict):
        return Node({str(k): from_plain(v, origin) for k, v in value.items()}, origin)
    if isinstance(value, list):
        return Node([from_plain(v, origin) for v in value], origin)
    return Node(value, origin)


def flatten(node: Node) -> tuple[Any, dict[KeyPath, Origin]]:
    """Plain Python and the ``origins`` table of a node tree."""
    origins: dict[KeyPath, Origin] = {}

    def walk(n: Node, path: KeyPath) -> Any:
        if n.origin is not None:
            origins[path] = n.origin
        if isinstance(n.value, dict):
            return {k: walk(v, (*path, k)) for k, v in n.value.items()}
        if isinstance(n.value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(n.value)]
        return n.value

    return walk(node, ()), origins


# --------------------------------------------------------------------------
# Reading a ruamel round-trip tree
# --------------------------------------------------------------------------

def _default_scalar(value: Any) -> Any:
    """Plain Python for a ruamel scalar, as ruamel read it (YAML 1.2 core types)."""
    from ruamel.yaml.scalarbool import ScalarBoolean

    if isinstance(value, ScalarBoolean):
        return bool(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, TaggedScalar):
        # A custom tag (``!override 8080``) leaves the scalar a string, as in Go's yaml.
        return str(value.value) if value.value is not None else None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return value


def _default_plain(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _default_plain(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_default_plain(v) for v in tree]
    return _default_scalar(tree)


def compose_plain(tree: Any) -> Any:
    """Plain Python for a round-trip tree, scalars read as Compose v2 reads them.

    Uses :func:`composekit.yaml_dialects.to_plain` (``0755`` is 493 there, as
    in Go's YAML reader); ruamel's YAML 1.2 reading without it.
    """
    try:
        dialects = importlib.import_module("composekit.yaml_dialects")
        fn = dialects.to_plain
    except (ImportError, AttributeError):
        return _default_plain(tree)
    try:
        return fn(tree, dialect="compose-v2")
    except (ValueError, TypeError, RecursionError):
        return _default_plain(tree)


def _tag_of(value: Any) -> str | None:
    tag = getattr(value, "tag", None)
    text = getattr(tag, "value", None)
    if isinstance(text, str) and text in (RESET, OVERRIDE):
        return text
    return None


def from_yaml(tree: Any, path: str, *, plain: Any = _UNSET) -> Node:
    """Nodes, with origins, for a ruamel round-trip tree read from ``path``.

    ``plain`` is the same tree as plain Python (:func:`compose_plain` by
    default): the values come from it, the positions and tags from ``tree``.
    """
    values = compose_plain(tree) if plain is _UNSET else plain

    def build(value: Any, shadow: Any, origin: Origin) -> Node:
        tag = _tag_of(value)
        if isinstance(value, CommentedMap):
            out: dict[str, Node] = {}
            shadows = _aligned(value, shadow)
            for (k, v), sv in zip(value.items(), shadows, strict=True):
                out[str(k)] = build(v, sv, _child_origin(value, k, path))
            return Node(out, origin, tag)
        if isinstance(value, CommentedSeq):
            shadows = list(shadow) if isinstance(shadow, list) and len(shadow) == len(value) \
                else [_MISSING] * len(value)
            return Node([build(v, sv, _item_origin(value, i, path))
                         for i, (v, sv) in enumerate(zip(value, shadows, strict=True))],
                        origin, tag)
        if isinstance(value, dict):  # plain dicts (already converted data)
            return Node({str(k): build(v, _MISSING, origin) for k, v in value.items()},
                        origin, tag)
        if isinstance(value, list):
            return Node([build(v, _MISSING, origin) for v in value], origin, tag)
        if shadow is _MISSING or isinstance(shadow, dict | list):
            return Node(_default_scalar(value), origin, tag)
        return Node(shadow, origin, tag)

    return build(tree, values, Origin(path, Span()))


def _aligned(mapping: CommentedMap, shadow: Any) -> list[Any]:
    """The plain values of ``mapping``'s entries, in its order."""
    if isinstance(shadow, dict) and len(shadow) == len(mapping):
        return list(shadow.values())
    return [_MISSING] * len(mapping)


def _child_origin(mapping: CommentedMap, key: Any, path: str) -> Origin:
    lc = mapping.lc
    key_span: Span | None
    try:
        kl, kc = lc.key(key)
        key_span = Span.at(kl, kc)
    except (KeyError, TypeError, AttributeError):
        # A key brought in by a '<<' merge: point at the mapping itself.
        key_span = Span.at(lc.line, lc.col) if lc.line is not None else None
    value = mapping[key]
    span = key_span
    if value is not None and not _is_empty_tagged(value):
        try:
            vl, vc = lc.value(key)
            span = Span.at(vl, vc)
        except (KeyError, TypeError, AttributeError):
            pass
    return Origin(path, span or Span(), key_span)


def _is_empty_tagged(value: Any) -> bool:
    return isinstance(value, TaggedScalar) and not value.value


def _item_origin(seq: CommentedSeq, index: int, path: str) -> Origin:
    try:
        line, col = seq.lc.item(index)
        return Origin(path, Span.at(line, col))
    except (KeyError, TypeError, AttributeError):
        if seq.lc.line is not None:
            return Origin(path, Span.at(seq.lc.line, seq.lc.col))
        return Origin(path, Span())


# --------------------------------------------------------------------------
# !reset and !override
# --------------------------------------------------------------------------


def take_resets(node: Node, prefix: KeyPath = ()) -> list[KeyPath]:
    """Remove ``!reset`` nodes from ``node`` and list the paths of every tag.

    As Compose does when it reads a file: a ``!reset`` node disappears from
    the file, an ``!override`` node stays (untagged); both paths are then
    deleted from the configuration the file is merged into
    (:func:`apply_resets`).
    """
    paths: list[KeyPath] = []

    def walk(n: Node, path: KeyPath) -> bool:
        """Returns False when ``n`` is to be dropped."""
        if n.tag == RESET:
            paths.append(path)
            return False
        if n.tag == OVERRIDE:
            paths.append(path)
            n.tag = None
            return True
        if isinstance(n.value, dict):
            for k in list(n.value):
                if not walk(n.value[k], (*path, k)):
                    del n.value[k]
        elif isinstance(n.value, list):
            n.value = [v for i, v in enumerate(n.value) if walk(v, (*path, i))]
        return True

    walk(node, prefix)
    return paths


def apply_resets(node: Node, paths: Sequence[KeyPath]) -> None:
    """Delete the mapping entries at ``paths`` (sequence items are kept, as in Compose)."""
    for path in paths:
        if not path:
            continue
        parent: Node | None = node
        for part in path[:-1]:
            if parent is None:
                break
            if isinstance(parent.value, dict) and isinstance(part, str):
                parent = parent.value.get(part)
            else:
                parent = None
        last = path[-1]
        if parent is not None and isinstance(parent.value, dict) and isinstance(last, str):
            parent.value.pop(last, None)


# --------------------------------------------------------------------------
# Merging
# --------------------------------------------------------------------------

Pattern = tuple[str, ...]


def matches(path: Sequence[PathPart], pattern: Pattern) -> bool:
    """``services.*.ports`` style matching; ``*`` matches any key or index."""
    if len(path) != len(pattern):
        return False
    pairs = zip(path, pattern, strict=True)
    return all(p == "*" or (isinstance(x, str) and x == p) for x, p in pairs)


class MergeContext:
    """Collects findings made while merging."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def conflict(self, base: Node, over: Node, path: KeyPath) -> None:
        origin = over.origin or base.origin
        where = origin.path if origin else "<unknown>"
        span = origin.key_or_value if origin else Span()
        self.diagnostics.append(codes.make(
            "merge-conflict", where, span,
            f"cannot override {json_path(path)[2:] or 'the top level'}: a {_kind(over)} "
            f"here, a {_kind(base)} in the base; Compose refuses the project",
            json_path=json_path(path),
            help="write the override with the same shape as the base (both mappings "
                 "or both lists), or tag it !override to replace the base",
            origin="merge",
        ))


def _kind(node: Node) -> str:
    if isinstance(node.value, dict):
        return "mapping"
    if isinstance(node.value, list):
        return "sequence"
    return "scalar"


Merger = Callable[[Node, Node, KeyPath, MergeContext], Node]


def merge_nodes(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    """Merge ``over`` into ``base`` at ``path`` (``base`` may be modified)."""
    for pattern, merger in _SPECIALS:
        if matches(path, pattern):
            return merger(base, over, path, ctx)
    if over.value is None:
        return base
    if isinstance(base.value, dict):
        if not isinstance(over.value, dict):
            ctx.conflict(base, over, path)
            return base
        return _merge_mappings(base, over, path, ctx)
    if isinstance(base.value, list):
        if not isinstance(over.value, list):
            ctx.conflict(base, over, path)
            return base
        base.value = base.value + over.value
        return base
    return over


def _merge_mappings(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    assert isinstance(base.value, dict) and isinstance(over.value, dict)
    for key, value in over.value.items():
        if key not in base.value:
            base.value[key] = value
            continue
        base.value[key] = merge_nodes(base.value[key], value, (*path, key), ctx)
    return base


def _override(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    return over


def _merge_logging(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    if over.value is None:
        return base
    if not isinstance(base.value, dict) or not isinstance(over.value, dict):
        if base.value is None:
            return over
        ctx.conflict(base, over, path)
        return base
    bd, od = base.value.get("driver"), over.value.get("driver")
    if bd is None or od is None or bd.value == od.value:
        return _merge_mappings(base, over, path, ctx)
    return over


def _as_mapping(node: Node, default: Callable[[Node], Node] | None) -> Node | None:
    """A list of names as a mapping (``[a, b]`` -> ``{a: default, b: default}``)."""
    if isinstance(node.value, dict):
        return node
    if isinstance(node.value, list):
        out: dict[str, Node] = {}
        for item in node.value:
            name = item.value if isinstance(item.value, str) else str(item.value)
            out[name] = default(item) if default else Node(None, item.origin)
        return Node(out, node.origin)
    return None


def _depends_default(item: Node) -> Node:
    return Node({"condition": Node("service_started", item.origin),
                 "required": Node(True, item.origin)}, item.origin)


def _merge_by_name(default: Callable[[Node], Node] | None) -> Merger:
    def merger(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
        b = _as_mapping(base, default)
        o = _as_mapping(over, default)
        if o is None:
            return b if b is not None else over
        if b is None:
            return o
        return _merge_mappings(b, o, path, ctx)

    return merger


def _merge_build(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    def as_build(n: Node) -> Node | None:
        if isinstance(n.value, str):
            return Node({"context": Node(n.value, n.origin)}, n.origin)
        if isinstance(n.value, dict):
            return n
        return None

    b, o = as_build(base), as_build(over)
    if o is None:
        return b if b is not None else over
    if b is None:
        return o
    return _merge_mappings(b, o, path, ctx)


def _kv_entries(node: Node) -> Iterator[tuple[str, Node]]:
    """``KEY=value`` items of a list or mapping, as (key, value node)."""
    if isinstance(node.value, dict):
        yield from node.value.items()
    elif isinstance(node.value, list):
        for item in node.value:
            if isinstance(item.value, str):
                key, sep, val = item.value.partition("=")
                yield key, Node(val, item.origin) if sep else Node(None, item.origin, BARE)
            elif item.value is not None:
                yield str(item.value), Node(None, item.origin, BARE)
    elif isinstance(node.value, str):
        key, sep, val = node.value.partition("=")
        yield key, Node(val, node.origin) if sep else Node(None, node.origin, BARE)


def as_kv_mapping(node: Node) -> Node:
    """A key=value list (or a mapping) as a mapping; later duplicates win."""
    if isinstance(node.value, dict):
        return node
    out: dict[str, Node] = {}
    for key, value in _kv_entries(node):
        out[key] = value
    return Node(out, node.origin)


def _merge_kv(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    if over.value is None:
        return base
    if base.value is None:
        return as_kv_mapping(over)
    merged = as_kv_mapping(base)
    assert isinstance(merged.value, dict)
    for key, value in _kv_entries(over):
        merged.value[key] = value
    for value in merged.value.values():
        if value.value is None:
            value.tag = BARE  # Compose merged them as a list of KEY[=value] strings
    return merged


def _as_sequence(node: Node) -> list[Node]:
    if isinstance(node.value, list):
        return node.value
    if isinstance(node.value, dict):
        items = []
        for k, v in node.value.items():
            if v.value is None:
                items.append(Node(k, v.origin))
            elif isinstance(v.value, list):
                items.extend(Node(f"{k}={go_format(x.value)}", x.origin) for x in v.value)
            else:
                items.append(Node(f"{k}={go_format(v.value)}", v.origin))
        items.sort(key=lambda n: str(n.value))
        return items
    if node.value is None:
        return []
    return [node]


def _merge_to_sequence(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    if over.value is None and base.value is not None:
        return base
    return Node(_as_sequence(base) + _as_sequence(over), base.origin or over.origin)


def _merge_extra_hosts(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    right = _as_sequence(base)
    seen = [n.value for n in right]
    left = [n for n in _as_sequence(over) if n.value not in seen]
    return Node(right + left, base.origin or over.origin)


def _merge_ulimit(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    return over


def _merge_ipam_config(base: Node, over: Node, path: KeyPath, ctx: MergeContext) -> Node:
    if not isinstance(base.value, list) or not isinstance(over.value, list):
        if over.value is None:
            return base
        ctx.conflict(base, over, path)
        return over

    def subnet(n: Node) -> Any:
        s = n.get("subnet")
        return s.value if s is not None else None

    configs: list[Node] = []
    for original in base.value:
        for item in over.value:
            if subnet(item) != subnet(original) and not any(
                    subnet(c) == subnet(item) for c in configs):
                configs.append(item)
                continue
            # Compose merges into the base entry itself (a Go map), so a base
            # entry can take several overrides' values in turn; kept as is.
            merged = (_merge_mappings(original, item, path, ctx)
                      if isinstance(original.value, dict) and isinstance(item.value, dict)
                      else item)
            index = next((i for i, c in enumerate(configs) if subnet(c) == subnet(merged)), -1)
            if index >= 0:
                configs[index] = merged
            else:
                configs.append(merged)
    return Node(configs, base.origin)


KV_PATHS: tuple[Pattern, ...] = (
    ("services", "*", "environment"),
    ("services", "*", "labels"),
    ("services", "*", "annotations"),
    ("services", "*", "sysctls"),
    ("services", "*", "build", "args"),
    ("services", "*", "build", "labels"),
    ("services", "*", "build", "additional_contexts"),
    ("services", "*", "deploy", "labels"),
    ("services", "*", "volumes", "*", "volume", "labels"),
    ("networks", "*", "labels"),
    ("volumes", "*", "labels"),
)

_SPECIALS: tuple[tuple[Pattern, Merger], ...] = (
    *((p, _merge_kv) for p in KV_PATHS),
    (("networks", "*", "ipam", "config"), _merge_ipam_config),
    (("services", "*", "build"), _merge_build),
    (("services", "*", "build", "extra_hosts"), _merge_extra_hosts),
    (("services", "*", "command"), _override),
    (("services", "*", "entrypoint"), _override),
    (("services", "*", "healthcheck", "test"), _override),
    (("services", "*", "depends_on"), _merge_by_name(_depends_default)),
    (("services", "*", "dns"), _merge_to_sequence),
    (("services", "*", "dns_opt"), _merge_to_sequence),
    (("services", "*", "dns_search"), _merge_to_sequence),
    (("services", "*", "env_file"), _merge_to_sequence),
    (("services", "*", "label_file"), _merge_to_sequence),
    (("services", "*", "tmpfs"), _merge_to_sequence),
    (("services", "*", "extra_hosts"), _merge_extra_hosts),
    (("services", "*", "logging"), _merge_logging),
    (("services", "*", "models"), _merge_by_name(None)),
    (("services", "*", "networks"), _merge_by_name(None)),
    (("services", "*", "ulimits", "*"), _merge_ulimit),
)


def go_format(value: Any) -> str:
    """``fmt.Sprintf("%v", value)`` for the scalars YAML produces."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float):
        # Go's %v of a float64 is strconv.FormatFloat(v, 'g', -1, 64): one implementation.
        return go_format_float(value)
    return str(value)


# --------------------------------------------------------------------------
# Uniqueness
# --------------------------------------------------------------------------

Indexer = Callable[[Node], str]


def _go_s(value: Any) -> str:
    """``%s`` of a Go value decoded from YAML."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, bool):
        return f"%!s(bool={go_format(value)})"
    if isinstance(value, int):
        return f"%!s(int={value})"
    if isinstance(value, float):
        return f"%!s(float64={go_format(value)})"
    return str(value)


def _go_d(value: Any) -> str:
    """``%d`` of a Go value decoded from YAML."""
    if isinstance(value, bool):
        return f"%!d(bool={go_format(value)})"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return f"%!d(string={value})"
    if value is None:
        return "%!d(<nil>)"
    return str(value)


def _key_value_index(node: Node) -> str:
    v = node.value
    if isinstance(v, str):
        return v.partition("=")[0]
    return go_format(v)


def _volume_index(node: Node) -> str:
    v = node.value
    if isinstance(v, dict):
        t = v.get("target")
        return str(t.value) if t is not None else ""
    if isinstance(v, str):
        parsed = parse_volume(v)
        return parsed.get("target", "") if parsed is not None else v
    return ""


def _device_index(node: Node) -> str:
    v = node.value
    if isinstance(v, dict):
        t = v.get("target")
        return str(t.value) if t is not None else ""
    if isinstance(v, str):
        parts = v.split(":")
        return parts[0] if len(parts) == 1 else parts[1]
    return ""


def _expose_index(node: Node) -> str:
    return go_format(node.value)


def _mount_index(default: str) -> Indexer:
    def index(node: Node) -> str:
        v = node.value
        if isinstance(v, str):
            return f"{default}/{v}"
        if isinstance(v, dict):
            t = v.get("target")
            if t is not None:
                return str(t.value)
            s = v.get("source")
            return f"{default}/{s.value if s is not None else '<nil>'}"
        return go_format(v)

    return index


def _port_index(node: Node) -> str:
    v = node.value
    if isinstance(v, bool):
        return ""
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        def field(name: str) -> Any:
            n = v.get(name)
            return n.value if n is not None else None

        host = field("host_ip") if "host_ip" in v else "0.0.0.0"
        protocol = field("protocol") if "protocol" in v else "tcp"
        published, target = field("published"), field("target")
        return f"{_go_s(host)}:{_go_s(published)}:{_go_d(target)}/{_go_s(protocol)}"
    if isinstance(v, str):
        return v
    return ""


def _env_file_index(node: Node) -> str:
    v = node.value
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        p = v.get("path")
        return go_format(p.value) if p is not None else ""
    return ""


_UNIQUE: tuple[tuple[Pattern, Indexer], ...] = (
    (("networks", "*", "labels"), _key_value_index),
    (("networks", "*", "ipam", "options"), _key_value_index),
    (("services", "*", "annotations"), _key_value_index),
    (("services", "*", "build", "args"), _key_value_index),
    (("services", "*", "build", "additional_contexts"), _key_value_index),
    (("services", "*", "build", "platform"), _key_value_index),
    (("services", "*", "build", "tags"), _key_value_index),
    (("services", "*", "build", "labels"), _key_value_index),
    (("services", "*", "cap_add"), _key_value_index),
    (("services", "*", "cap_drop"), _key_value_index),
    (("services", "*", "configs"), _mount_index("")),
    (("services", "*", "deploy", "labels"), _key_value_index),
    (("services", "*", "dns"), _key_value_index),
    (("services", "*", "dns_opt"), _key_value_index),
    (("services", "*", "dns_search"), _key_value_index),
    (("services", "*", "environment"), _key_value_index),
    (("services", "*", "env_file"), _env_file_index),
    (("services", "*", "expose"), _expose_index),
    (("services", "*", "labels"), _key_value_index),
    (("services", "*", "links"), _key_value_index),
    (("services", "*", "networks", "*", "aliases"), _key_value_index),
    (("services", "*", "networks", "*", "link_local_ips"), _key_value_index),
    (("services", "*", "ports"), _port_index),
    (("services", "*", "profiles"), _key_value_index),
    (("services", "*", "secrets"), _mount_index("/run/secrets")),
    (("services", "*", "sysctls"), _key_value_index),
    (("services", "*", "tmpfs"), _key_value_index),
    (("services", "*", "volumes"), _volume_index),
    (("services", "*", "devices"), _device_index),
)


def enforce_unicity(node: Node, path: KeyPath = ()) -> None:
    """De-duplicate the sequences whose items Compose keeps unique, in place."""
    if isinstance(node.value, dict):
        for k, v in node.value.items():
            enforce_unicity(v, (*path, k))
        return
    if not isinstance(node.value, list):
        return
    for pattern, indexer in _UNIQUE:
        if matches(path, pattern):
            seq: list[Node] = []
            keys: dict[str, int] = {}
            for item in node.value:
                key = indexer(item)
                if key in keys:
                    seq[keys[key]] = item
                else:
                    keys[key] = len(seq)
                    seq.append(item)
            node.value = seq
            return
    for i, item in enumerate(node.value):
        enforce_unicity(item, (*path, i))


# --------------------------------------------------------------------------
# Short syntax in long form, as Compose rewrites it between files
# --------------------------------------------------------------------------


def parse_volume(spec: str) -> dict[str, Any] | None:
    """A short volume spec in the long form Compose gives it between files.

    ``./data:/data/:ro`` -> ``{type: bind, source: ./data, target: /data,
    read_only: true, bind: {create_host_path: true}}`` (target cleaned,
    relative source kept). None when the spec is malformed (the schema and
    canonical checks report it).
    """
    from composekit.loader.canonical import CanonicalError
    from composekit.loader.canonical import parse_volume as parse

    try:
        volume = parse(spec)
    except (CanonicalError, ValueError):
        return None
    target = volume.get("target")
    if isinstance(target, str) and target:
        volume["target"] = clean_path(target)
    return volume


def clean_path(path: str) -> str:
    """Go's ``path.Clean``: POSIX normalisation without the ``//`` exception."""
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def parse_port(spec: str) -> list[dict[str, Any]] | None:
    """A short port spec as Compose's long-form entries (ranges expanded); None when bad."""
    from composekit.loader.canonical import CanonicalError
    from composekit.loader.canonical import parse_port as parse

    try:
        return parse(spec)
    except (CanonicalError, ValueError):
        return None


def _canon_ports(node: Node) -> None:
    if not isinstance(node.value, list):
        return
    out: list[Node] = []
    for item in node.value:
        v = item.value
        if isinstance(v, bool):
            out.append(item)
        elif isinstance(v, int):
            out.append(Node({"target": Node(v, item.origin)}, item.origin))
        elif isinstance(v, str):
            parsed = parse_port(v)
            if parsed is None:
                out.append(item)  # the schema check reports it
            else:
                out.extend(from_plain(p, item.origin) for p in parsed)
        else:
            out.append(item)
    node.value = out


def _canon_volumes(node: Node) -> None:
    if not isinstance(node.value, list):
        return
    for i, item in enumerate(node.value):
        if isinstance(item.value, str):
            parsed = parse_volume(item.value)
            if parsed is not None:
                node.value[i] = from_plain(parsed, item.origin)


def _canon_depends_on(node: Node) -> Node:
    if isinstance(node.value, list):
        mapped = _as_mapping(node, _depends_default)
        return mapped if mapped is not None else node
    if isinstance(node.value, dict):
        for entry in node.value.values():
            if isinstance(entry.value, dict):
                if "condition" not in entry.value:
                    entry.value["condition"] = Node("service_started", entry.origin)
                if "required" not in entry.value:
                    entry.value["required"] = Node(True, entry.origin)
    return node


def _canon_env_file(node: Node) -> Node:
    items = [node] if isinstance(node.value, str) else node.value
    if not isinstance(items, list):
        return node
    out: list[Node] = []
    for item in items:
        if isinstance(item.value, str):
            out.append(Node({"path": Node(item.value, item.origin),
                             "required": Node(True, item.origin)}, item.origin))
        elif isinstance(item.value, dict):
            if "required" not in item.value:
                item.value["required"] = Node(True, item.origin)
            out.append(item)
        else:
            out.append(item)
    return Node(out, node.origin)


def _string_to_list(node: Node) -> Node:
    if isinstance(node.value, str):
        return Node([Node(node.value, node.origin)], node.origin)
    return node


def _canon_service(svc: Node) -> None:
    s = svc.value
    if not isinstance(s, dict):
        return
    for key in ("environment", "labels", "annotations", "sysctls"):
        if key in s and isinstance(s[key].value, list):
            s[key] = as_kv_mapping(s[key])
    build = s.get("build")
    if build is not None:
        if isinstance(build.value, str):
            s["build"] = build = Node({"context": Node(build.value, build.origin)}, build.origin)
        if isinstance(build.value, dict):
            for key in ("args", "labels", "additional_contexts"):
                if key in build.value and isinstance(build.value[key].value, list):
                    build.value[key] = as_kv_mapping(build.value[key])
    deploy = s.get("deploy")
    if deploy is not None and isinstance(deploy.value, dict):
        labels = deploy.value.get("labels")
        if labels is not None and isinstance(labels.value, list):
            deploy.value["labels"] = as_kv_mapping(labels)
    if "depends_on" in s:
        s["depends_on"] = _canon_depends_on(s["depends_on"])
    if "networks" in s and isinstance(s["networks"].value, list):
        mapped = _as_mapping(s["networks"], None)
        if mapped is not None:
            s["networks"] = mapped
    if "env_file" in s:
        s["env_file"] = _canon_env_file(s["env_file"])
    for key in ("dns", "label_file"):
        if key in s:
            s[key] = _string_to_list(s[key])
    dns = s.get("dns")
    if dns is not None and isinstance(dns.value, list):
        dns.value = [d for d in dns.value if d.value not in (None, "")]
    if "ports" in s:
        _canon_ports(s["ports"])
    if "volumes" in s:
        _canon_volumes(s["volumes"])
        vols = s["volumes"]
        if isinstance(vols.value, list):
            for item in vols.value:
                vol = item.get("volume")
                if vol is not None and isinstance(vol.value, dict):
                    labels = vol.value.get("labels")
                    if labels is not None and isinstance(labels.value, list):
                        vol.value["labels"] = as_kv_mapping(labels)
    ext = s.get("extends")
    if ext is not None and isinstance(ext.value, str):
        s["extends"] = Node({"service": Node(ext.value, ext.origin)}, ext.origin)


def canonical_step(root: Node) -> None:
    """Rewrite short syntax in long form, in place, as Compose does per file."""
    if not isinstance(root.value, dict):
        return
    services = root.value.get("services")
    if services is not None and isinstance(services.value, dict):
        for svc in services.value.values():
            _canon_service(svc)
    for top in ("networks", "volumes"):
        section = root.value.get(top)
        if section is not None and isinstance(section.value, dict):
            for res in section.value.values():
                if isinstance(res.value, dict):
                    labels = res.value.get("labels")
                    if labels is not None and isinstance(labels.value, list):
                        res.value["labels"] = as_kv_mapping(labels)


def merge_file(acc: Node | None, cfg: Node, resets: Sequence[KeyPath],
               ctx: MergeContext) -> Node:
    """Merge one file's tree into the configuration so far, as Compose does."""
    if acc is None:
        acc = Node({}, cfg.origin)
    apply_resets(acc, resets)
    merged = merge_nodes(acc, cfg, (), ctx)
    enforce_unicity(merged)
    check_merged_duplicates(merged, ctx)
    canonical_step(merged)
    enforce_unicity(merged)
    return merged


#: Sequences the Compose schema wants without duplicates and that merging
#: appends to without de-duplicating them (Compose validates the merged
#: result, so an override repeating a base item is refused).
UNIQUE_ITEMS: tuple[Pattern, ...] = (
    ("services", "*", "security_opt"),
    ("services", "*", "group_add"),
    ("services", "*", "external_links"),
    ("services", "*", "volumes_from"),
    ("services", "*", "device_cgroup_rules"),
    ("services", "*", "build", "cache_from"),
    ("services", "*", "build", "cache_to"),
    ("services", "*", "build", "platforms"),
)


def check_merged_duplicates(root: Node, ctx: MergeContext) -> None:
    """Report items repeated across files in sequences that must stay unique."""
    services = root.get("services")
    if services is None or not isinstance(services.value, dict):
        return
    for name, svc in services.value.items():
        for pattern in UNIQUE_ITEMS:
            node: Node | None = svc
            for part in pattern[2:]:
                node = node.get(part) if node is not None else None
            if node is None or not isinstance(node.value, list):
                continue
            seen: dict[str, tuple[int, Node]] = {}
            for index, item in enumerate(node.value):
                key = repr(to_plain(item))
                if key not in seen:
                    seen[key] = (index, item)
                    continue
                first, earlier = seen[key]
                if earlier.origin is None or item.origin is None \
                        or earlier.origin.path == item.origin.path:
                    continue  # within one file: the file's own schema check reports it
                path = ("services", name, *pattern[2:])
                dotted = ".".join(str(p) for p in path)
                ctx.diagnostics.append(codes.make(
                    "schema-violation", item.origin.path, item.origin.span,
                    f"{dotted} items at {first} and {index} are equal once merged with "
                    f"{relative_to_file(earlier.origin.path, item.origin.path)}:"
                    f"{earlier.origin.span.line}; Compose refuses the project",
                    json_path=json_path((*path, index)),
                    help="drop the item from the override: the merged list keeps the base's",
                    origin="merge"))
