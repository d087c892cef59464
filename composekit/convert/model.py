"""An editable view of one Compose file that remembers where each part was written.

The converter does not edit ruamel.yaml's ``CommentedMap`` in place: ruamel keeps the keys a
``<<`` merge pulled in beside the mapping's own keys, orders a key inserted into such a
mapping after the merged ones, and its merge bookkeeping fails (``KeyError`` in
``update_key_value``, ruamel 0.19) when a key is deleted from a merge source, which is exactly
what a conversion does to ``x-defaults: &defaults`` blocks. So the round-trip tree and the
text are read once into this small model: mappings (:class:`Map`) are ordered lists of
:class:`Entry` (a ``<<`` merge key is an entry too), sequences (:class:`Seq`) lists of
:class:`Item`, leaves :class:`Scalar` (the ruamel value, which keeps its quoting style) and
:class:`Alias`.

Every entry and item read from a block collection keeps its :class:`Region`: the lines it
was written on, its leading comment lines, the column of its key or ``-``. The emitter
(:mod:`composekit.convert.emit`) copies the region of everything that was not edited, byte
for byte, and writes new text only where a transform changed something. Edits go through the
methods of :class:`Map` and :class:`Seq`, which mark the collection *dirty*.

How a block collection is cut into entries
------------------------------------------

An entry owns the line its key (or ``-``) is on and the following lines up to the last line
of its value: lines indented deeper than the key (comment lines too: a commented-out item of
the value), and for a mapping also ``-`` lines at the key's own column (a sequence written
flush with its key). Comment lines at exactly the key's column directly above it (no blank
line in between) are its *lead* and travel with it. What lies between two entries and is
neither (blank lines, comments further left) is a *gap*: gaps stay where they are. The
comments above the first key of the file are the file's header, never the lead of that key.

A collection whose layout does not fit this (two entries on one line, a sequence that starts
on the line of its parent's ``-``, a flow collection) is read without regions: it is copied
as written while untouched, and written anew in the file's layout when a transform edits it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib

__all__ = [
    "Alias",
    "Block",
    "Entry",
    "Item",
    "Map",
    "Node",
    "Region",
    "Scalar",
    "Seq",
    "Source",
    "build",
    "deref",
    "new",
    "plain",
]


# --- the text -----------------------------------------------------------------------------


class Source:
    """The file's text cut into lines, each with its line break (YAML breaks at ``\\n``;
    a ``\\r`` before it stays part of the line)."""

    def __init__(self, text: str) -> None:
        self.text = text
        parts = text.split("\n")
        self.lines: list[str] = [p + "\n" for p in parts[:-1]]
        if parts[-1]:
            self.lines.append(parts[-1])
        crlf = sum(1 for ln in self.lines if ln.endswith("\r\n"))
        self.newline = "\r\n" if self.lines and crlf * 2 > len(self.lines) else "\n"

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, index: int) -> str:
        """Line ``index`` without its break (``""`` past the end)."""
        if 0 <= index < len(self.lines):
            return self.lines[index].rstrip("\r\n")
        return ""

    def indent(self, index: int) -> int:
        text = self.line(index)
        return len(text) - len(text.lstrip(" "))

    def blank(self, index: int) -> bool:
        return not self.line(index).strip()

    def comment(self, index: int) -> bool:
        return self.line(index).lstrip(" ").startswith("#")

    def content(self, index: int) -> bool:
        """Neither blank nor a comment line."""
        return not self.blank(index) and not self.comment(index)


# --- regions ------------------------------------------------------------------------------


@dataclass
class Region:
    """Where an entry or item was written: lines ``[lead, end)``, its key or ``-`` at
    ``(line, col)`` (0-based). ``inline``: the first key of a mapping written after a ``-``."""

    lead: int
    line: int
    col: int
    end: int
    inline: bool = False


@dataclass
class Block:
    """Where a block collection was written: keys or dashes at ``col``, its text in lines
    ``[start, end)``; ``regions`` are those of its entries as read, in order."""

    col: int
    start: int
    end: int
    regions: list[Region] = field(default_factory=list)


# --- nodes --------------------------------------------------------------------------------


class Node:
    """A value of the file. ``dirty``: its own structure was edited since it was read;
    ``tag``: a local tag written on it (``!reset``, ``!override``)."""

    anchor: str | None = None
    dirty: bool = False
    tag: str | None = None


class Scalar(Node):
    """A leaf. ``value`` is what ruamel read (a ``ScalarString`` keeps its quoting style);
    ``pos`` is where it was written, when known. ``fresh``: made by a transform (the
    builder makes read scalars with ``fresh=False``)."""

    def __init__(self, value: Any, pos: tuple[int, int] | None = None,
                 anchor: str | None = None, *, fresh: bool = True,
                 text: str | None = None) -> None:
        self.value = value
        self.pos = pos
        self.anchor = anchor
        self.fresh = fresh
        #: for a new scalar: the exact text to write (else ruamel's representer decides)
        self.text = text

    def __repr__(self) -> str:
        return f"Scalar({self.value!r})"


class Alias(Node):
    """``*name``: stands for the anchored node ``target``."""

    def __init__(self, name: str, target: Node | None) -> None:
        self.name = name
        self.target = target

    def __repr__(self) -> str:
        return f"Alias(*{self.name})"


@dataclass(eq=False)
class Entry:
    """One ``key: value`` of a mapping. ``region``, ``home`` and ``written_key`` say where
    and how it was read (``None`` for an entry a transform made); an entry moved to another
    mapping keeps them, so its text and comments move with it."""

    key: str
    value: Node
    region: Region | None = None
    home: Map | None = None
    written_key: str | None = None
    #: the value read with the region: the region's text holds it only while it is there
    original: Node | None = None
    #: lines written right after a new entry (the file header's tail, for ``version:``)
    trailer: list[str] | None = None

    @property
    def written(self) -> bool:
        """Whether the entry still holds the value read from the file."""
        return self.original is not None and self.value is self.original

    @property
    def renamed(self) -> bool:
        return self.written_key is not None and self.written_key != self.key

    @property
    def line(self) -> int | None:
        """The 0-based line of the key as read."""
        return self.region.line if self.region is not None else None


@dataclass(eq=False)
class Item:
    """One item of a sequence, with where it was read from."""

    value: Node
    region: Region | None = None
    home: Seq | None = None
    original: Node | None = None

    @property
    def written(self) -> bool:
        return self.original is not None and self.value is self.original


class Map(Node):
    """A mapping: ordered entries; a ``<<`` merge key is an entry with key ``"<<"``."""

    def __init__(self, entries: list[Entry] | None = None, *, flow: bool = False,
                 block: Block | None = None, anchor: str | None = None,
                 pos: tuple[int, int] | None = None) -> None:
        self.entries: list[Entry] = entries if entries is not None else []
        self.flow = flow
        self.block = block
        self.anchor = anchor
        self.pos = pos
        #: lines written before the first entry instead of those read there (the file's
        #: header comments, when a transform makes another mapping the top level)
        self.preamble: list[str] | None = None
        for e in self.entries:
            if e.home is None and e.region is None:
                e.home = self

    def __repr__(self) -> str:
        return "Map{" + ", ".join(e.key for e in self.entries) + "}"

    # -- reading -------------------------------------------------------------------

    def keys(self) -> list[str]:
        """Own keys, in order, without ``<<``."""
        return [e.key for e in self.entries if e.key != "<<"]

    def __contains__(self, key: object) -> bool:
        return any(e.key == key for e in self.entries if e.key != "<<")

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, key: str) -> Entry | None:
        for e in self.entries:
            if e.key == key and key != "<<":
                return e
        return None

    def get(self, key: str) -> Node | None:
        """The own value of ``key`` (aliases not resolved)."""
        e = self.entry(key)
        return e.value if e is not None else None

    def index(self, key: str) -> int:
        for i, e in enumerate(self.entries):
            if e.key == key:
                return i
        raise KeyError(key)

    def merge_sources(self) -> list[Map]:
        """The mappings ``<<`` merges into this one, in precedence order."""
        out: list[Map] = []
        for e in self.entries:
            if e.key != "<<":
                continue
            value = deref(e.value)
            if isinstance(value, Map):
                out.append(value)
            elif isinstance(value, Seq):
                out.extend(m for it in value.items if isinstance(m := deref(it.value), Map))
        return out

    def owner(self, key: str) -> Map | None:
        """The mapping that holds ``key`` for this one: itself or a merge source."""
        if key in self:
            return self
        for source in self.merge_sources():
            found = source.owner(key)
            if found is not None:
                return found
        return None

    def effective(self) -> Iterator[tuple[str, Entry, Map]]:
        """``(key, entry, owner)`` for every key of this mapping, merged keys included
        (own keys first, then each merge source's; the first one wins)."""
        seen: set[str] = set()
        for e in self.entries:
            if e.key != "<<" and e.key not in seen:
                seen.add(e.key)
                yield e.key, e, self
        for source in self.merge_sources():
            for key, e, owner in source.effective():
                if key not in seen:
                    seen.add(key)
                    yield key, e, owner

    def lookup(self, key: str) -> Node | None:
        """The value of ``key``, merged keys included, aliases resolved."""
        owner = self.owner(key)
        return deref(owner.get(key)) if owner is not None else None

    # -- editing -------------------------------------------------------------------

    def set(self, key: str, value: Node, *, at: int | None = None,
            after: str | None = None) -> Entry:
        """Give ``key`` a new value (keeping its place and comments) or add it: at index
        ``at``, after the entry ``after``, or at the end."""
        self.dirty = True
        e = self.entry(key)
        if e is not None:
            e.value = value
            return e
        e = Entry(key, value, home=self)
        self.insert(e, at=at, after=after)
        return e

    def insert(self, entry: Entry, *, at: int | None = None, after: str | None = None) -> None:
        """Add an entry: a new one, or one taken from a mapping with :meth:`pop` (it keeps
        its text and comments)."""
        self.dirty = True
        if after is not None and after in self:
            at = self.index(after) + 1
        if at is None:
            self.entries.append(entry)
        else:
            self.entries.insert(at, entry)

    def pop(self, key: str) -> Entry:
        """Remove the entry of ``key`` and return it."""
        e = self.entry(key)
        if e is None:
            raise KeyError(key)
        self.remove(e)
        return e

    def remove(self, entry: Entry) -> None:
        self.entries.remove(entry)
        self.dirty = True

    def rename(self, old: str, new_key: str) -> Entry:
        """Rename a key where it is; its value, comments and place stay."""
        e = self.entry(old)
        if e is None:
            raise KeyError(old)
        if e.written_key is None:
            e.written_key = e.key
        e.key = new_key
        self.dirty = True
        return e


class Seq(Node):
    """A sequence."""

    def __init__(self, items: list[Item] | None = None, *, flow: bool = False,
                 block: Block | None = None, anchor: str | None = None,
                 pos: tuple[int, int] | None = None) -> None:
        self.items: list[Item] = items if items is not None else []
        self.flow = flow
        self.block = block
        self.anchor = anchor
        self.pos = pos

    def __repr__(self) -> str:
        return f"Seq[{len(self.items)}]"

    def __len__(self) -> int:
        return len(self.items)

    def values(self) -> list[Node]:
        return [it.value for it in self.items]

    def replace(self, index: int, value: Node) -> None:
        self.items[index].value = value
        self.dirty = True

    def remove(self, index: int) -> Item:
        self.dirty = True
        return self.items.pop(index)

    def append(self, value: Node) -> None:
        self.dirty = True
        self.items.append(Item(value, home=self))


def deref(node: Node | None) -> Node | None:
    """The node an alias stands for (any other node itself)."""
    hops = 0
    while isinstance(node, Alias) and hops < 64:
        node = node.target
        hops += 1
    return node


def plain(node: Node | None) -> Any:
    """The Python value of a node: merges applied, aliases resolved."""
    node = deref(node)
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Map):
        return {k: plain(e.value) for k, e, _owner in node.effective()}
    if isinstance(node, Seq):
        return [plain(it.value) for it in node.items]
    return None


def new(value: Any) -> Node:
    """A new node for a plain Python value (dicts, lists, scalars; nodes pass through)."""
    if isinstance(value, Node):
        return value
    if isinstance(value, dict):
        return Map([Entry(str(k), new(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        s = Seq()
        s.items = [Item(new(v), home=s) for v in value]
        return s
    return Scalar(value)


# --- reading ------------------------------------------------------------------------------

_MERGE = re.compile(r"<<\s*:(\s|$)")
_ALIAS = re.compile(r"\*([^\s,\[\]{}]+)")
_DOC_LINE = re.compile(r"^(---|\.\.\.|%)")


def _anchor_of(rt: Any) -> str | None:
    anchor = getattr(rt, "anchor", None)
    value = getattr(anchor, "value", None) if anchor is not None else None
    return str(value) if value else None


def _tag_of(rt: Any) -> str | None:
    tag = getattr(rt, "tag", None)
    value = getattr(tag, "value", None) if tag is not None else None
    return str(value) if isinstance(value, str) and value.startswith("!") and not \
        value.startswith("!!") else None


def _merge_list(rt: Any) -> list[Any]:
    sources = getattr(rt, merge_attrib, None) or []
    # ruamel < 0.18.7 stored (position, map) pairs, later versions the maps themselves
    return [s[1] if isinstance(s, tuple) else s for s in sources]


class _Builder:
    def __init__(self, source: Source) -> None:
        self.src = source
        self.anchors: dict[str, Node] = {}
        self.by_id: dict[int, Node] = {}

    # -- text helpers --------------------------------------------------------------------

    def after_key(self, line: int, col: int) -> str:
        """The text after ``key:`` on the key's line."""
        text = self.src.line(line)
        i = col
        if i < len(text) and text[i] in "'\"":
            quote = text[i]
            i += 1
            while i < len(text):
                if text[i] == quote:
                    if quote == "'" and text[i + 1:i + 2] == "'":
                        i += 2
                        continue
                    break
                i += 2 if (quote == '"' and text[i] == "\\") else 1
            i += 1
        while i < len(text):
            if text[i] == ":" and (i + 1 == len(text) or text[i + 1] in " \t"):
                return text[i + 1:].lstrip(" \t")
            i += 1
        return ""

    def first_content(self, start: int, limit: int) -> int | None:
        for i in range(max(start, 0), limit):
            if self.src.content(i) and not _DOC_LINE.match(self.src.line(i)):
                return i
        return None

    def body_end(self, first: int, limit: int, col: int, *, mapping: bool) -> int:
        """Exclusive end of an entry whose key or dash is on line ``first`` at ``col``."""
        end = first + 1
        for i in range(first + 1, limit):
            if self.src.blank(i):
                continue
            ind = self.src.indent(i)
            if ind > col or (mapping and ind == col and _is_dash(self.src.line(i), col)):
                end = i + 1
        return end

    def lead(self, lo: int, line: int, col: int) -> int:
        start = line
        while (start - 1 >= lo and self.src.comment(start - 1)
               and self.src.indent(start - 1) == col):
            start -= 1
        return start

    # -- values --------------------------------------------------------------------------

    def value(self, rt: Any, header: int, limit: int, *, rest: str | None,
              pos: tuple[int, int] | None, inline: bool = False) -> Node:
        """The node for ruamel value ``rt``. ``header``: the line of its key or dash;
        ``rest``: the text after the key's colon or the dash, when on that line."""
        if rest is not None and rest.startswith("*"):
            m = _ALIAS.match(rest)
            if m:
                return Alias(m.group(1), self.anchors.get(m.group(1)))
        if isinstance(rt, (CommentedMap, CommentedSeq)) and id(rt) in self.by_id:
            target = self.by_id[id(rt)]
            return Alias(target.anchor or "", target)
        node: Node
        if isinstance(rt, CommentedMap):
            node = self.mapping(rt, header, limit, inline=inline)
        elif isinstance(rt, CommentedSeq):
            node = self.sequence(rt, header, limit, inline=inline)
        else:
            node = Scalar(rt, pos, _anchor_of(rt), fresh=False)
        node.tag = _tag_of(rt)
        if node.anchor:
            self.anchors[node.anchor] = node
        return node

    def opaque(self, rt: Any, pos: tuple[int, int] | None = None) -> Node:
        """A node read without regions (a flow collection, or an unusual layout)."""
        if isinstance(rt, (CommentedMap, CommentedSeq)) and id(rt) in self.by_id:
            target = self.by_id[id(rt)]
            return Alias(target.anchor or "", target)
        anchor = _anchor_of(rt)
        node: Node
        if isinstance(rt, CommentedMap):
            m = Map(flow=bool(rt.fa.flow_style()), anchor=anchor, pos=(rt.lc.line, rt.lc.col))
            self.by_id[id(rt)] = m
            for source in _merge_list(rt):
                m.entries.append(_read_entry("<<", self.opaque(source), None, m))
            for k in rt:
                if k in rt._ok:
                    try:
                        vpos: tuple[int, int] | None = tuple(rt.lc.value(k))
                    except (KeyError, TypeError):
                        vpos = None
                    m.entries.append(_read_entry(str(k), self.opaque(rt[k], vpos), None, m))
            node = m
        elif isinstance(rt, CommentedSeq):
            s = Seq(flow=bool(rt.fa.flow_style()), anchor=anchor, pos=(rt.lc.line, rt.lc.col))
            self.by_id[id(rt)] = s
            for i, v in enumerate(rt):
                try:
                    ipos: tuple[int, int] | None = tuple(rt.lc.item(i))
                except (KeyError, TypeError):
                    ipos = None
                s.items.append(_read_item(self.opaque(v, ipos), None, s))
            node = s
        else:
            node = Scalar(rt, pos, anchor, fresh=False)
        node.tag = _tag_of(rt)
        if anchor:
            self.anchors[anchor] = node
        return node

    # -- block mappings ------------------------------------------------------------------

    def mapping(self, rt: CommentedMap, header: int, limit: int, *, inline: bool,
                root: bool = False) -> Map:
        if rt.fa.flow_style():
            node = self.opaque(rt)
            assert isinstance(node, Map)
            return node
        anchor = _anchor_of(rt)
        start = header if inline else header + 1
        own = [k for k in rt if k in rt._ok]
        # the column of the keys
        if inline:
            col = self._inline_col(header)
        else:
            first = self.first_content(start, limit)
            col = self.src.indent(first) if first is not None else None
        if col is None:
            return self._opaque_map(rt)
        key_lines: dict[int, str | None] = {}
        for k in own:
            try:
                kl, kc = rt.lc.key(k)
            except (KeyError, TypeError):
                return self._opaque_map(rt)
            if int(kc) != col or int(kl) in key_lines:
                return self._opaque_map(rt)
            key_lines[int(kl)] = str(k)
        merges = _merge_list(rt)
        if merges:
            merge_lines = [i for i in range(start, limit)
                           if self._at(i, col, inline and i == header)
                           and _MERGE.match(self.src.line(i)[col:])]
            if len(merge_lines) != 1 or merge_lines[0] in key_lines:
                return self._opaque_map(rt)
            key_lines[merge_lines[0]] = None
        # every other content line at the key column must be a dash of a flush sequence
        for i in range(start, limit):
            if i in key_lines or not self.src.content(i):
                continue
            if root and _DOC_LINE.match(self.src.line(i)):
                continue
            if self.src.indent(i) == col and not _is_dash(self.src.line(i), col) and not (
                    inline and i == header):
                return self._opaque_map(rt)
        ordered = sorted(key_lines)
        if not ordered:
            m = Map(anchor=anchor, pos=(header, col))
            self.by_id[id(rt)] = m
            return m
        block = Block(col, start, limit)
        m = Map(block=block, anchor=anchor, pos=(ordered[0], col))
        self.by_id[id(rt)] = m
        if anchor:
            self.anchors[anchor] = m
        for i, kl in enumerate(ordered):
            nxt = ordered[i + 1] if i + 1 < len(ordered) else limit
            end = self.body_end(kl, nxt, col, mapping=True)
            is_inline = inline and kl == header
            if i == 0 and (is_inline or root):
                lead = kl
            else:
                lo = block.regions[-1].end if block.regions else start
                lead = self.lead(lo, kl, col)
            region = Region(lead, kl, col, end, is_inline)
            block.regions.append(region)
            k = key_lines[kl]
            if k is None:
                m.entries.append(_read_entry("<<", self._merge_value(rt, kl, col, end),
                                             region, m))
                continue
            rest = self.after_key(kl, col)
            try:
                vpos: tuple[int, int] | None = tuple(rt.lc.value(k))
            except (KeyError, TypeError):
                vpos = None
            child = rt[k]
            if isinstance(child, (CommentedMap, CommentedSeq)) and rest and not (
                    rest.startswith("&") or rest.startswith("#") or rest.startswith("!")
                    or rest.startswith("*")):
                value = self.opaque(child, vpos)  # flow collection on the key's line
            else:
                value = self.value(child, kl, end, rest=rest or None, pos=vpos)
            m.entries.append(_read_entry(k, value, region, m))
        return m

    def _inline_col(self, line: int) -> int | None:
        text = self.src.line(line)
        stripped = text.lstrip(" ")
        if not stripped.startswith("-"):
            return None
        i = len(text) - len(stripped) + 1
        while i < len(text) and text[i] == " ":
            i += 1
        return i if i < len(text) else None

    def _at(self, line: int, col: int, inline: bool) -> bool:
        return inline or (self.src.indent(line) == col and self.src.content(line))

    def _merge_value(self, rt: CommentedMap, line: int, col: int, end: int) -> Node:
        rest = self.after_key(line, col)
        nodes: list[Node] = []
        for source in _merge_list(rt):
            known = self.by_id.get(id(source))
            nodes.append(Alias(known.anchor or "", known) if known is not None
                         else self.opaque(source))
        if rest.startswith("["):
            s = Seq(flow=True)
            s.items = [_read_item(n, None, s) for n in nodes]
            return s
        if len(nodes) == 1:
            return nodes[0]
        s = Seq()
        s.items = [_read_item(n, None, s) for n in nodes]
        return s

    def _opaque_map(self, rt: CommentedMap) -> Map:
        node = self.opaque(rt)
        assert isinstance(node, Map)
        return node

    # -- block sequences -----------------------------------------------------------------

    def sequence(self, rt: CommentedSeq, header: int, limit: int, *, inline: bool) -> Seq:
        if rt.fa.flow_style() or inline:
            node = self.opaque(rt)
            assert isinstance(node, Seq)
            return node
        anchor = _anchor_of(rt)
        start = header + 1
        first = self.first_content(start, limit)
        if first is None or not len(rt):
            return self._opaque_seq(rt)
        col = self.src.indent(first)
        dashes = [i for i in range(start, limit)
                  if self.src.content(i) and self.src.indent(i) == col
                  and _is_dash(self.src.line(i), col)]
        others = [i for i in range(start, limit)
                  if self.src.content(i) and self.src.indent(i) <= col and i not in dashes]
        if len(dashes) != len(rt) or others:
            return self._opaque_seq(rt)
        block = Block(col, start, limit)
        s = Seq(block=block, anchor=anchor, pos=(dashes[0], col))
        self.by_id[id(rt)] = s
        if anchor:
            self.anchors[anchor] = s
        for i, dl in enumerate(dashes):
            nxt = dashes[i + 1] if i + 1 < len(dashes) else limit
            end = self.body_end(dl, nxt, col, mapping=False)
            lo = block.regions[-1].end if block.regions else start
            lead = self.lead(lo, dl, col)
            region = Region(lead, dl, col, end)
            block.regions.append(region)
            text = self.src.line(dl)
            rest = text[col + 1:].lstrip(" ")
            child = rt[i]
            try:
                ipos: tuple[int, int] | None = tuple(rt.lc.item(i))
            except (KeyError, TypeError):
                ipos = None
            if rest.startswith("*") or not isinstance(child, (CommentedMap, CommentedSeq)):
                value = self.value(child, dl, end, rest=rest or None, pos=ipos)
            elif rest and rest[0] in "[{":
                value = self.opaque(child, ipos)
            elif rest and not rest.startswith(("#", "&", "!")):
                # a mapping (or a sequence) that starts on the dash's line
                value = self.value(child, dl, end, rest=None, pos=ipos, inline=True)
            else:
                value = self.value(child, dl, end, rest=None, pos=ipos)
            s.items.append(_read_item(value, region, s))
        return s

    def _opaque_seq(self, rt: CommentedSeq) -> Seq:
        node = self.opaque(rt)
        assert isinstance(node, Seq)
        return node


def _read_entry(key: str, value: Node, region: Region | None, home: Map) -> Entry:
    return Entry(key, value, region, home, key, original=value)


def _read_item(value: Node, region: Region | None, home: Seq) -> Item:
    return Item(value, region, home, original=value)


def _is_dash(text: str, col: int) -> bool:
    return text[col:col + 1] == "-" and (len(text) == col + 1 or text[col + 1] in " \t")


def build(tree: CommentedMap, text: str) -> tuple[Map, Source]:
    """Read a round-trip tree and the text it was parsed from into the editable model."""
    source = Source(text)
    builder = _Builder(source)
    root = builder.mapping(tree, -1, len(source), inline=False, root=True)
    return root, source
