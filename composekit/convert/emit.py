"""Write the edited model back as text: what was not touched is copied byte for byte.

ruamel.yaml's round-trip dump does not keep a file byte-identical, even with its
indentation set to the file's (measured on the repository's fixtures: 808 of 822 unmodified
files come back identical). Of the others, some change meaning: an anchor on a merge value
(``<<: &env``) or on a key's own line is dropped, leaving the aliases to it dangling; a float
loses digits (``12345678901234567890.0``); a multi-line plain scalar is joined; ``\\u``
escapes are decoded; ``V: `` becomes ``V: null``. It also writes one indentation for the
whole file and re-spaces flow collections. So the converter splices instead (see
:mod:`composekit.convert.model` for how a file is cut into entries):

* the file as a whole, an entry or an item that no transform touched is copied from the
  source lines (shifted left or right as a block when it moved to another depth, as the
  services of a v1 file do when they go under ``services:``);
* a mapping or sequence that a transform edited is written entry by entry: untouched entries
  are copied with their comments, the blank lines and comments between entries stay where
  they were, and only new or changed entries are written anew;
* new text follows the file's own layout (:class:`Style`, measured on the file: how far
  nested mappings are indented, where the ``-`` of a sequence sits under its key), and new
  scalars are written by ruamel.yaml's representer, so a string that YAML would read as
  something else (``"1.0"``, ``"yes"``, ``"*.conf"``) is quoted.
"""

from __future__ import annotations

import functools
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from composekit.convert.model import (
    Alias,
    Entry,
    Item,
    Map,
    Node,
    Region,
    Scalar,
    Seq,
    Source,
)

__all__ = ["Emitter", "Style", "detect_style", "emit", "render_scalar"]


@dataclass(frozen=True)
class Style:
    """The layout new text follows.

    ``map_indent``: columns a nested mapping is indented under its key; ``seq_indent``:
    columns the ``-`` of a sequence is indented under its key (0: flush); ``seq_gap``: columns
    from a ``-`` to the item's text."""

    map_indent: int = 2
    seq_indent: int = 2
    seq_gap: int = 2


def _most_common(values: Iterable[int], default: int) -> int:
    counts = Counter(values)
    if not counts:
        return default
    best = max(counts.values())
    # ties: prefer the usual layout
    for preferred in (default, 2, 4, 0):
        if counts.get(preferred) == best:
            return preferred
    return counts.most_common(1)[0][0]


def detect_style(root: Map, source: Source) -> Style:
    """Measure the layout of a file from the collections read with regions."""
    maps: list[int] = []
    seqs: list[int] = []
    gaps: list[int] = []

    def walk(node: Node, col: int | None) -> None:
        if isinstance(node, Map):
            if node.block is not None and col is not None and node.block.regions:
                first = node.block.regions[0]
                if not first.inline:
                    maps.append(node.block.col - col)
            for e in node.entries:
                walk(e.value, e.region.col if e.region is not None else None)
        elif isinstance(node, Seq):
            if node.block is not None and col is not None:
                seqs.append(node.block.col - col)
            for it in node.items:
                if it.region is not None:
                    text = source.line(it.region.line)
                    rest = text[it.region.col + 1:]
                    stripped = rest.lstrip(" ")
                    if stripped and not stripped.startswith("#"):
                        gaps.append(len(rest) - len(stripped) + 1)
                walk(it.value, None)

    walk(root, None)
    map_indent = _most_common((v for v in maps if v > 0), 2)
    return Style(
        map_indent=map_indent,
        seq_indent=_most_common((v for v in seqs if v >= 0), map_indent),
        seq_gap=_most_common((v for v in gaps if v > 0), 2),
    )


# --- scalars ------------------------------------------------------------------------------

_YAML: Any = None


def _dumper() -> Any:
    global _YAML
    if _YAML is None:
        from ruamel.yaml import YAML

        yaml = YAML(typ="rt")
        yaml.width = 1 << 20
        yaml.indent(mapping=2, sequence=2, offset=0)
        _YAML = yaml
    return _YAML


def render_scalar(value: Any) -> list[str]:
    """A scalar as YAML text: the text after ``key: `` and, for a block scalar, the lines
    after it (indented by two columns relative to the key). ``[""]`` for null.

    A string is quoted when ruamel would write it plain but docker-compose 1.x (YAML 1.1:
    ``yes``, ``0755``, ``1:30``) or Compose v2 would read that as something else."""
    if (isinstance(value, str) and type(value) is str) or type(value).__name__ == \
            "PlainScalarString":
        lines = _render(value)
        if len(lines) == 1 and lines[0] and lines[0][0] not in "'\"|>" and not _reads_as(
                lines[0], str(value)):
            from ruamel.yaml.scalarstring import DoubleQuotedScalarString

            return _render(DoubleQuotedScalarString(str(value)))
        return lines
    return _render(value)


def _reads_as(text: str, value: str) -> bool:
    """Whether both Compose readers take the plain scalar ``text`` for the string ``value``."""
    from composekit.yaml_dialects import read_plain

    return all(read_plain(text, dialect) == value for dialect in ("compose-v1", "compose-v2"))


def _render(value: Any) -> list[str]:
    try:
        return list(_render_cached(type(value).__qualname__, value))
    except TypeError:  # not hashable
        return _render_now(value)


@functools.lru_cache(maxsize=4096)
def _render_cached(_kind: str, value: Any) -> tuple[str, ...]:
    return tuple(_render_now(value))


def _render_now(value: Any) -> list[str]:
    buf = io.StringIO()
    _dumper().dump({"k": value}, buf)
    text = buf.getvalue()
    assert text.startswith("k:"), text
    lines = text[2:].split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines[0].strip() == "..." or (len(lines) > 1 and lines[-1].strip() == "..."):
        lines = [ln for ln in lines if ln.strip() != "..."]
    first = lines[0].lstrip(" ")
    return [first, *lines[1:]]


def _scalar_end(text: str, col: int, flow: bool) -> int | None:
    """End (exclusive) of the one-line scalar starting at ``col``; ``None`` when it does not
    end on this line."""
    if col >= len(text):
        return None
    ch = text[col]
    if ch in "'\"":
        i = col + 1
        while i < len(text):
            if text[i] == "\\" and ch == '"':
                i += 2
                continue
            if text[i] == ch:
                if ch == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    if ch in "|>":
        return None
    i = col
    end = len(text)
    while i < len(text):
        c = text[i]
        if c == "#" and i > col and text[i - 1] in " \t":
            end = i
            break
        if flow and c in ",]}":
            end = i
            break
        if c == ":" and (i + 1 == len(text) or text[i + 1] in " \t" or (
                flow and text[i + 1] in ",]}")):
            end = i
            break
        i += 1
    while end > col and text[end - 1] in " \t":
        end -= 1
    return end if end > col else None


def _flow_end(text: str, col: int) -> int | None:
    """End (exclusive) of the flow collection starting at ``col``, on this line."""
    depth = 0
    quote: str | None = None
    i = col
    while i < len(text):
        c = text[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                quote = None
        elif c in "'\"" and (i == col or text[i - 1] in " ,[{:"):
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def comment_of(text: str, start: int) -> str | None:
    """The ``# comment`` at the end of ``text`` (searched from ``start``), with the blanks
    before it; ``None`` when the line has none."""
    quote: str | None = None
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                quote = None
        elif c in "'\"" and (i == start or text[i - 1] in " \t,[{:-"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            j = i
            while j > start and text[j - 1] in " \t":
                j -= 1
            return text[j:]
        i += 1
    return None


# --- the emitter --------------------------------------------------------------------------


class Emitter:
    """Writes a model back to text; see the module docstring."""

    def __init__(self, source: Source, style: Style) -> None:
        self.src = source
        self.style = style
        self.nl = source.newline
        self._clean: dict[int, bool] = {}

    # -- cleanliness ---------------------------------------------------------------------

    def clean(self, node: Node) -> bool:
        """Whether ``node`` is exactly as read: copying its text reproduces it."""
        key = id(node)
        if key in self._clean:
            return self._clean[key]
        result: bool
        if isinstance(node, Scalar):
            result = not node.fresh
        elif isinstance(node, Alias):
            result = True
        elif isinstance(node, Map):
            result = not node.dirty and all(
                not e.renamed and e.home is node and e.written and self.clean(e.value)
                for e in node.entries)
        elif isinstance(node, Seq):
            result = not node.dirty and all(
                it.home is node and it.written and self.clean(it.value) for it in node.items)
        else:
            result = False
        self._clean[key] = result
        return result

    # -- text helpers --------------------------------------------------------------------

    def _line(self, index: int) -> str:
        """Line ``index`` with a line break (the file's last line may lack one)."""
        text = self.src.lines[index]
        return text if text.endswith("\n") else text + self.nl

    def shift(self, lines: Iterable[str], delta: int) -> list[str]:
        out: list[str] = []
        for line in lines:
            if not line.strip() or delta == 0:
                out.append(line)
            elif delta > 0:
                out.append(" " * delta + line)
            else:
                indent = len(line) - len(line.lstrip(" "))
                out.append(line[min(indent, -delta):])
        return out

    def copy(self, region: Region, col: int, *, rename: str | None = None,
             written: str | None = None) -> list[str]:
        """The lines of an entry or item as written, moved to column ``col``."""
        delta = col - region.col
        lead = self.shift((self._line(i) for i in range(region.lead, region.line)), delta)
        first = self._line(region.line)[region.col:]
        if rename is not None and written is not None:
            first = _rename_key(first, rename)
        rest = self.shift((self._line(i) for i in range(region.line + 1, region.end)), delta)
        return [*lead, " " * col + first, *rest]

    def _gap(self, lo: int, hi: int, delta: int) -> list[str]:
        return self.shift((self._line(i) for i in range(lo, hi)), delta)

    # -- documents -----------------------------------------------------------------------

    def document(self, root: Map) -> str:
        if self.clean(root) and root.block is not None and root.preamble is None:
            return self.src.text
        lines = self.block_map(root, 0)
        text = "".join(lines)
        if self.src.text and not self.src.text.endswith("\n") and text.endswith("\n"):
            # keep a missing final line break missing
            text = text[: -len(self.nl)] if text.endswith(self.nl) else text[:-1]
        return text

    # -- mappings ------------------------------------------------------------------------

    def block_map(self, m: Map, col: int) -> list[str]:
        """A block mapping whose keys go at column ``col``."""
        preamble = m.preamble
        block = m.block
        if block is None or not block.regions:
            fresh = list(preamble or [])
            for e in m.entries:
                fresh.extend(self.entry(e, col))
            return fresh
        delta = col - block.col
        regions = block.regions
        index = {id(r): i for i, r in enumerate(regions)}

        def gap(i: int) -> list[str]:
            lo = regions[i - 1].end if i > 0 else block.start
            return self._gap(lo, regions[i].lead, delta)

        present = {index[id(e.region)] for e in m.entries
                   if e.region is not None and e.home is m and id(e.region) in index}
        out: list[str] = list(preamble) if preamble is not None else gap(0)
        done = {0}
        for e in m.entries:
            i = index.get(id(e.region)) if (e.region is not None and e.home is m) else None
            if i is not None:
                for j in range(1, i + 1):
                    if j in done:
                        continue
                    if j == i or j not in present:
                        g = gap(j)
                        if j - 1 not in present and (not out or not out[-1].strip()):
                            # an entry above was removed: no blank lines piled up
                            while g and not g[0].strip():
                                g = g[1:]
                        if j == i or any(line.strip() for line in g):
                            out.extend(g)
                        done.add(j)
            out.extend(self.entry(e, col))
        for j in range(1, len(regions)):
            if j not in done:
                g = gap(j)
                if any(line.strip() for line in g):
                    out.extend(g)
        out.extend(self._gap(regions[-1].end, block.end, delta))
        return out

    def entry(self, e: Entry, col: int) -> list[str]:
        lines = self._entry(e, col)
        if e.trailer:
            lines.extend(self.shift(e.trailer, col))
        return lines

    def _entry(self, e: Entry, col: int) -> list[str]:
        value = e.value
        region = e.region
        if e.written and region is not None and self.clean(value):
            return self.copy(region, col, rename=e.key if e.renamed else None,
                             written=e.written_key)
        lead: list[str] = []
        comment: str | None = None
        head_line: str | None = None
        if region is not None:
            delta = col - region.col
            lead = self._gap(region.lead, region.line, delta)
            key_line = self.src.line(region.line)[region.col:]
            if e.renamed:
                key_line = _rename_key(key_line, e.key)
            rest = _after_colon(key_line)
            comment = comment_of(key_line, len(key_line) - len(rest)) if rest is not None else None
            head_line = key_line
        key = _key_text(e.key)
        if head_line is not None and not e.renamed:
            key = head_line[:_key_end(head_line)]
        # block collections
        if isinstance(value, Map) and not value.flow and len(value.entries):
            head = self._head(key, value, head_line, comment, block_value=value.block is not None
                              and region is not None and value.block.start > region.line)
            child = self._child_col(col, value, region, self.style.map_indent)
            return [*lead, " " * col + head + self.nl, *self.block_map(value, child)]
        if isinstance(value, Seq) and not value.flow and len(value.items):
            head = self._head(key, value, head_line, comment, block_value=value.block is not None
                              and region is not None and value.block.start > region.line)
            child = self._child_col(col, value, region, self.style.seq_indent)
            return [*lead, " " * col + head + self.nl, *self.block_seq(value, child)]
        first, more = self.inline(value, col + self.style.map_indent)
        text = key + ":" + (" " + first if first else "")
        if comment and not more:
            text += comment
        return [*lead, " " * col + text + self.nl, *more]

    def _head(self, key: str, value: Node, head_line: str | None, comment: str | None,
              *, block_value: bool) -> str:
        if head_line is not None and block_value:
            return head_line if not head_line.endswith("\r") else head_line[:-1]
        text = key + ":"
        if value.anchor:
            text += " &" + value.anchor
        if comment:
            text += comment
        return text

    def _child_col(self, col: int, value: Map | Seq, region: Region | None, default: int) -> int:
        if value.block is not None and region is not None and value.block.start > region.line:
            return col + (value.block.col - region.col)
        return col + default

    # -- sequences -----------------------------------------------------------------------

    def block_seq(self, s: Seq, col: int) -> list[str]:
        """A block sequence whose dashes go at column ``col``."""
        block = s.block
        if block is None or not block.regions:
            fresh: list[str] = []
            for it in s.items:
                fresh.extend(self.item(it, col))
            return fresh
        delta = col - block.col
        regions = block.regions
        index = {id(r): i for i, r in enumerate(regions)}

        def gap(i: int) -> list[str]:
            lo = regions[i - 1].end if i > 0 else block.start
            return self._gap(lo, regions[i].lead, delta)

        present = {index[id(it.region)] for it in s.items
                   if it.region is not None and it.home is s and id(it.region) in index}
        out = gap(0)
        done = {0}
        for it in s.items:
            i = index.get(id(it.region)) if (it.region is not None and it.home is s) else None
            if i is not None:
                for j in range(1, i + 1):
                    if j in done:
                        continue
                    if j == i or j not in present:
                        g = gap(j)
                        if j == i or any(line.strip() for line in g):
                            out.extend(g)
                        done.add(j)
            out.extend(self.item(it, col))
        for j in range(1, len(regions)):
            if j not in done:
                g = gap(j)
                if any(line.strip() for line in g):
                    out.extend(g)
        out.extend(self._gap(regions[-1].end, block.end, delta))
        return out

    def item(self, it: Item, col: int) -> list[str]:
        value = it.value
        region = it.region
        if it.written and region is not None and self.clean(value):
            return self.copy(region, col)
        lead: list[str] = []
        comment: str | None = None
        gap = self.style.seq_gap
        if region is not None:
            lead = self._gap(region.lead, region.line, col - region.col)
            text = self.src.line(region.line)
            after = text[region.col + 1:]
            stripped = after.lstrip(" ")
            if stripped and not stripped.startswith("#"):
                gap = len(after) - len(stripped) + 1
            comment = comment_of(text, region.col + 1)
        dash = " " * col + "-" + " " * (gap - 1)
        if isinstance(value, Map) and not value.flow and len(value.entries):
            lines = self.block_map(value, col + gap)
            # the first key goes on the dash's line
            for n, line in enumerate(lines):
                if line.strip() and not line.lstrip(" ").startswith("#"):
                    lines[n] = dash + line[col + gap:]
                    break
            return [*lead, *lines]
        if isinstance(value, Seq) and not value.flow and len(value.items):
            return [*lead, " " * col + "-" + self.nl, *self.block_seq(value, col + gap)]
        first, more = self.inline(value, col + gap)
        line = dash + first
        if comment and not more:
            line += comment
        return [*lead, line.rstrip(" ") + self.nl if not first else line + self.nl, *more]

    # -- inline values -------------------------------------------------------------------

    def inline(self, node: Node, col: int) -> tuple[str, list[str]]:
        """A value written after ``key:`` or ``-``: its text on that line, and any lines
        after it (block scalars), indented for column ``col``."""
        if isinstance(node, Alias):
            return "*" + node.name, []
        if isinstance(node, Scalar):
            if node.text is not None:
                return node.text, []
            if node.pos is not None and not node.fresh:
                text = self._source_scalar(node.pos)
                if text is not None:
                    return text, []
            rendered = render_scalar(node.value)
            first = rendered[0]
            if node.anchor and not first.startswith("&"):
                first = f"&{node.anchor} {first}".rstrip()
            more = [" " * col + ln[2:] + self.nl if ln.strip() else self.nl
                    for ln in rendered[1:]]
            return first, more
        if isinstance(node, (Map, Seq)):
            if self.clean(node) and node.pos is not None:
                text = self._source_flow(node.pos)
                if text is not None:
                    return text, []
            return self.flow(node), []
        return "", []

    def _source_scalar(self, pos: tuple[int, int]) -> str | None:
        line, col = pos
        text = self.src.line(line)
        prefix = ""
        while text[col:col + 1] in ("&", "!"):
            space = text.find(" ", col)
            if space < 0:
                return None
            prefix += text[col:space + 1]
            col = space + 1
            while text[col:col + 1] == " ":
                prefix += " "
                col += 1
        flow = _in_flow(text, col)
        end = _scalar_end(text, col, flow)
        if end is None:
            return None
        return prefix + text[col:end]

    def _source_flow(self, pos: tuple[int, int]) -> str | None:
        line, col = pos
        text = self.src.line(line)
        start = col
        while text[col:col + 1] in ("&", "!"):
            space = text.find(" ", col)
            if space < 0:
                return None
            col = space + 1
            while text[col:col + 1] == " ":
                col += 1
        if text[col:col + 1] not in ("[", "{"):
            return None
        end = _flow_end(text, col)
        return text[start:end] if end is not None else None

    def flow(self, node: Node) -> str:
        """A collection written on one line, ``[a, b]`` or ``{a: 1}``."""
        anchor = f"&{node.anchor} " if node.anchor else ""
        if isinstance(node, Map):
            parts = []
            for e in node.entries:
                first, _more = self.inline(e.value, 0)
                parts.append(f"{_key_text(e.key)}: {first}" if first else f"{_key_text(e.key)}:")
            return anchor + "{" + ", ".join(parts) + "}"
        if isinstance(node, Seq):
            return anchor + "[" + ", ".join(self.inline(it.value, 0)[0]
                                            for it in node.items) + "]"
        return self.inline(node, 0)[0]


def _in_flow(text: str, col: int) -> bool:
    depth = 0
    quote: str | None = None
    for ch in text[:col]:
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth > 0


def _key_end(text: str) -> int:
    """The end of the key token at the start of ``text``."""
    if text[:1] in ("'", '"'):
        quote = text[0]
        i = 1
        while i < len(text):
            if text[i] == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 2 if (quote == '"' and text[i] == "\\") else 1
        return len(text)
    i = 0
    while i < len(text):
        if text[i] == ":" and (i + 1 == len(text) or text[i + 1] in " \t\r\n"):
            return i
        i += 1
    return len(text)


def _rename_key(line: str, key: str) -> str:
    return _key_text(key) + line[_key_end(line):]


def _after_colon(line: str) -> str | None:
    end = _key_end(line)
    if line[end:end + 1] != ":":
        return None
    return line[end + 1:]


@functools.lru_cache(maxsize=4096)
def _key_text(key: str) -> str:
    return render_scalar(key)[0]


def emit(root: Map, source: Source, style: Style | None = None) -> str:
    """The text of the (edited) model."""
    return Emitter(source, style or detect_style(root, source)).document(root)
