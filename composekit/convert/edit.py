"""Small editing helpers the transforms share: new scalars, nested mappings, moves."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from composekit.convert.model import Alias, Entry, Item, Map, Node, Scalar, Seq, deref

__all__ = [
    "clone",
    "copy_entry",
    "ensure_map",
    "has_anchor",
    "materialise",
    "move",
    "prune",
    "quoted",
    "restyle",
    "scalar",
    "text_of",
    "verbatim",
]


def scalar(value: Any) -> Scalar:
    """A new scalar (written by ruamel's representer: quoted only when YAML needs it)."""
    return Scalar(value)


def quoted(value: str, like: Any = None) -> Scalar:
    """A new quoted string, in the quote style of ``like`` when it was quoted."""
    if isinstance(like, SingleQuotedScalarString):
        return Scalar(SingleQuotedScalarString(value))
    return Scalar(DoubleQuotedScalarString(value))


def restyle(old: Node | None, text: str) -> Scalar:
    """A new string scalar ``text``, quoted the way the scalar ``old`` was (plain stays
    plain unless YAML needs quotes)."""
    value = getattr(deref(old), "value", None)
    if isinstance(value, (SingleQuotedScalarString, DoubleQuotedScalarString)):
        return quoted(text, value)
    return Scalar(text)


def verbatim(value: Any, text: str) -> Scalar:
    """A new scalar written exactly as ``text`` (``value`` is what it reads as)."""
    return Scalar(value, text=text)


def text_of(node: Node | None) -> str | None:
    """The string value of a scalar node (``None`` for anything else)."""
    node = deref(node)
    if isinstance(node, Scalar) and isinstance(node.value, str):
        return str(node.value)
    return None


def materialise(owner: Map, key: str) -> Node | None:
    """The value of ``key`` in ``owner``, first made the entry's own when it is an alias:
    editing it then does not change the anchored node that other keys share."""
    e = owner.entry(key)
    if e is None:
        return None
    if isinstance(e.value, Alias):
        target = deref(e.value)
        if target is None:
            return None
        owner.set(key, clone(target, keep_text=False))
    return e.value


def ensure_map(parent: Map, key: str, *, at: int | None = None) -> Map:
    """The mapping under ``key`` in ``parent`` (its own, see :func:`materialise`), made (at
    index ``at``) when missing."""
    node = deref(materialise(parent, key))
    if isinstance(node, Map):
        return node
    made = Map()
    parent.set(key, made, at=at)
    return made


def move(src: Map, key: str, dst: Map, new_key: str, *, at: int | None = None) -> Entry:
    """Move the entry ``key`` of ``src`` to ``dst`` as ``new_key``; its text and comments
    go with it."""
    entry = src.pop(key)
    if entry.written_key is None:
        entry.written_key = entry.key
    entry.key = new_key
    dst.insert(entry, at=at)
    return entry


def prune(parent: Map, *keys: str) -> None:
    """Remove ``parent[keys[0]][keys[1]]...`` mappings that became empty, deepest first."""
    if not keys:
        return
    child = deref(parent.get(keys[0]))
    if isinstance(child, Map) and len(keys) > 1:
        prune(child, *keys[1:])
    child = deref(parent.get(keys[0]))
    if isinstance(child, Map) and not child.entries:
        parent.pop(keys[0])


def has_anchor(node: Node | None) -> bool:
    """Whether an anchor is defined in ``node`` or below it."""
    if node is None or isinstance(node, Alias):
        return False
    if node.anchor:
        return True
    if isinstance(node, Map):
        return any(has_anchor(e.value) for e in node.entries)
    if isinstance(node, Seq):
        return any(has_anchor(it.value) for it in node.items)
    return False


def clone(node: Node | None, *, keep_text: bool = True) -> Node:
    """A copy of ``node`` that shares nothing mutable with it. With ``keep_text`` (and no
    anchor inside) the copy keeps the original's regions, so the emitter copies the same
    text, comments included; otherwise it is written anew and anchors are left out."""
    if keep_text and has_anchor(node):
        keep_text = False
    if isinstance(node, Alias):
        return Alias(node.name, node.target)
    if isinstance(node, Scalar):
        if keep_text:
            return Scalar(node.value, node.pos, fresh=node.fresh, text=node.text)
        return Scalar(node.value, None, text=node.text)
    if isinstance(node, Map):
        m = Map(flow=node.flow, block=node.block if keep_text else None, pos=node.pos)
        for e in node.entries:
            value = clone(e.value, keep_text=keep_text)
            if keep_text:
                m.entries.append(Entry(e.key, value, e.region, m, e.written_key,
                                       original=value if e.written else None))
            else:
                m.entries.append(Entry(e.key, value, home=m))
        m.dirty = node.dirty or not keep_text
        return m
    if isinstance(node, Seq):
        s = Seq(flow=node.flow, block=node.block if keep_text else None, pos=node.pos)
        for it in node.items:
            value = clone(it.value, keep_text=keep_text)
            if keep_text:
                s.items.append(Item(value, it.region, s, original=value if it.written else None))
            else:
                s.items.append(Item(value, home=s))
        s.dirty = node.dirty or not keep_text
        return s
    return Scalar(None)


def copy_entry(entry: Entry, *, same_file: bool = True) -> Entry:
    """A copy of an entry for another mapping, sharing nothing mutable with it: its text
    and comments are reused when they can be (same file, no anchor inside); an anchored
    value becomes an alias of it."""
    value = entry.value
    if same_file and value.anchor:
        return Entry(entry.key, Alias(value.anchor, value))
    keep = same_file and entry.region is not None and entry.written and not has_anchor(value)
    copied = clone(value, keep_text=keep)
    if keep:
        return Entry(entry.key, copied, entry.region, entry.home, entry.written_key,
                     original=copied)
    return Entry(entry.key, copied)
