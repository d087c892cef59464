"""Text surgery on Compose files for the style rules' fixes.

The fixes of the ordering and quoting rules are text edits on the file as
written (never a re-dump of the tree), so that every line they do not touch
stays byte-identical. Two tools live here:

* :func:`scalar_extent` finds where a one-line scalar starts and ends in the
  text, and what was written there (the tree holds interpolated values);
* :func:`reorder_edit` moves the entries of a block mapping or block sequence
  into a new order, each entry as a block of whole lines with the comments
  attached to it, and :func:`reorder_flow_edit` does the same for a one-line
  flow sequence of scalars.

Both refuse (return ``None``) rather than guess: an entry that does not start
its own line, entries at different columns, a multi-line scalar, anchors that
would end up after their aliases.

How a block collection is cut into entries
------------------------------------------

Entry *i* owns the line it starts on (its key, or its ``-``), the comment
lines directly above it (no blank line in between) written at its own
column or to the left of it, and everything up to the next entry's comments:
its value, and comment or blank lines inside or after it. The blank lines
right before the next entry's block are a *gap*: gaps stay where they were
and the entries move between them, so a file whose services are separated by
one blank line still is after sorting. The first entry of the top-level
mapping never takes the comments above it (they are the file's header).
The last entry ends at its last line that is content or a comment at its
column or deeper; comments further left after it belong to what follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from composekit.diagnostics import Edit, Span

_ANCHOR = re.compile(r"(?<![\w&])&([^\s,\[\]{}]+)")
_ALIAS = re.compile(r"(?<![\w*])\*([^\s,\[\]{}]+)")
_DOC_MARKER = re.compile(r"^(---|\.\.\.)(\s|$)")


@lru_cache(maxsize=32)
def lines_of(text: str) -> tuple[str, ...]:
    """The lines of ``text``, each with its line break (cached: rules ask per service)."""
    return tuple(text.splitlines(keepends=True))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_blank(line: str) -> bool:
    return not line.strip()


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _body(line: str) -> str:
    """The line without its line break."""
    return line.rstrip("\r\n")


# ---------------------------------------------------------------------------
# scalars
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScalarText:
    """A one-line scalar as written: 0-based line, start and end column (exclusive)."""

    line0: int
    start: int
    end: int
    raw: str
    #: ``'"'``, ``"'"`` or ``""`` (plain).
    quote: str

    @property
    def inner(self) -> str:
        """The written text without its quotes (escapes left as written)."""
        return self.raw[1:-1] if self.quote else self.raw

    def value(self) -> str | None:
        """The string the scalar holds, when its escapes are simple enough to read."""
        if self.quote == "'":
            return self.inner.replace("''", "'")
        if self.quote == '"':
            return None if "\\" in self.inner else self.inner
        return self.inner

    def span(self) -> Span:
        return Span(self.line0 + 1, self.start + 1, self.line0 + 1, self.end + 1)


def scalar_extent(lines: Sequence[str], line0: int, col0: int, *, flow: bool = False
                  ) -> ScalarText | None:
    """The scalar that starts at ``line0:col0`` (0-based), if it fits on its line.

    ``flow`` says that the scalar is an item of a flow collection (``[a, b]``),
    where ``,``, ``]`` and ``}`` end a plain scalar. Returns ``None`` for a
    block scalar (``|``, ``>``), a multi-line scalar, a tagged or anchored one,
    or a position that holds no scalar.
    """
    if not 0 <= line0 < len(lines):
        return None
    body = _body(lines[line0])
    if col0 >= len(body):
        return None
    first = body[col0]
    if first in "|>&*!{[":
        return None
    if first in "'\"":
        end = _closing_quote(body, col0)
        if end is None:
            return None
        return ScalarText(line0, col0, end, body[col0:end], first)
    end = col0
    while end < len(body):
        ch = body[end]
        if ch == "#" and end > col0 and body[end - 1] in " \t":
            break
        if flow and ch in ",]}":
            break
        if ch == ":" and (end + 1 == len(body) or body[end + 1] in " \t"):
            return None  # a key, not a scalar
        end += 1
    raw = body[col0:end].rstrip(" \t")
    if not raw:
        return None
    if not flow and _continues(lines, line0, col0):
        return None
    return ScalarText(line0, col0, col0 + len(raw), raw, "")


def _closing_quote(body: str, start: int) -> int | None:
    quote = body[start]
    i = start + 1
    while i < len(body):
        ch = body[i]
        if quote == "'" and ch == "'":
            if i + 1 < len(body) and body[i + 1] == "'":
                i += 2
                continue
            return i + 1
        if quote == '"':
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                return i + 1
        i += 1
    return None


def _continues(lines: Sequence[str], line0: int, col0: int) -> bool:
    """Whether a plain scalar at ``line0`` continues on the next line (folded)."""
    start_indent = _indent(lines[line0])
    nxt = line0 + 1
    while nxt < len(lines) and _is_blank(lines[nxt]):
        nxt += 1
    if nxt >= len(lines):
        return False
    following = lines[nxt]
    if _is_comment(following):
        return False
    # A continuation line is indented deeper than the entry holding the scalar
    # and is not itself a key or an item.
    return _indent(following) > start_indent and not following.lstrip().startswith("- ") \
        and not re.match(r"^\s*[^\s#'\"][^:#]*:(\s|$)", following)


# ---------------------------------------------------------------------------
# entries of block collections
# ---------------------------------------------------------------------------


def mapping_entries(node: Any) -> list[tuple[Any, int, int]]:
    """``(key, line0, col0)`` of each key written in ``node``, in written order.

    Keys that come from a ``<<`` merge are not written in ``node`` and are left out.
    """
    data = getattr(getattr(node, "lc", None), "data", None)
    if not isinstance(data, dict):
        return []
    out = [(k, int(v[0]), int(v[1])) for k, v in data.items()]
    out.sort(key=lambda e: (e[1], e[2]))
    return out


def has_merge(node: Any) -> bool:
    """Whether a mapping pulls keys in with ``<<``."""
    return bool(getattr(node, "merge", None))


def sequence_dashes(lines: Sequence[str], node: Any) -> list[tuple[int, int]] | None:
    """``(line0, col0)`` of the ``-`` of each item of a block sequence, or ``None``.

    ``None`` when an item does not sit on the line of its dash.
    """
    data = getattr(getattr(node, "lc", None), "data", None)
    if not isinstance(data, dict) or len(data) != len(node):
        return None
    out = []
    for i in range(len(node)):
        line0, col0 = int(data[i][0]), int(data[i][1])
        if not 0 <= line0 < len(lines):
            return None
        body = lines[line0]
        j = col0 - 1
        while j >= 0 and body[j] == " ":
            j -= 1
        if j < 0 or body[j] != "-" or body[:j].strip():
            return None
        out.append((line0, j))
    return out


def is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())


@dataclass(frozen=True)
class _Blocks:
    first_line: int
    blocks: list[list[str]]
    gaps: list[list[str]]


def _cut(lines: Sequence[str], starts: Sequence[tuple[int, int]], *, mapping: bool,
         header: bool) -> _Blocks | None:
    """Cut the collection whose entries start at ``starts`` into blocks and gaps."""
    if not starts:
        return None
    col = starts[0][1]
    for line0, col0 in starts:
        if col0 != col or lines[line0][:col0].strip():
            return None
    if any(b[0] <= a[0] for a, b in pairwise(starts)):
        return None
    block_starts: list[int] = []
    for i, (line0, _) in enumerate(starts):
        floor = starts[i - 1][0] + 1 if i else 0
        begin = line0
        if i or header:
            k = line0 - 1
            while k >= floor and _is_comment(lines[k]) and _indent(lines[k]) <= col:
                begin = k
                k -= 1
        block_starts.append(begin)
    blocks: list[list[str]] = []
    gaps: list[list[str]] = []
    for i in range(len(starts) - 1):
        chunk = list(lines[block_starts[i]:block_starts[i + 1]])
        gap: list[str] = []
        while chunk and _is_blank(chunk[-1]):
            gap.insert(0, chunk.pop())
        if not chunk:
            return None
        blocks.append(chunk)
        gaps.append(gap)
    # The last entry: its continuation lines, then back to the last line that
    # is content or a comment at the entry's column or deeper.
    last_line, _ = starts[-1]
    k = last_line + 1
    end = last_line
    while k < len(lines):
        line = lines[k]
        if col == 0 and _DOC_MARKER.match(line):
            break
        if _is_blank(line):
            k += 1
            continue
        indent = _indent(line)
        if _is_comment(line):
            if indent >= col:
                end = k
            k += 1
            continue
        stripped = line.lstrip()
        if indent > col or (mapping and indent == col
                            and (stripped.startswith("- ") or _body(stripped) == "-")):
            end = k
            k += 1
            continue
        break
    blocks.append(list(lines[block_starts[-1]:end + 1]))
    return _Blocks(block_starts[0], blocks, gaps)


def _anchors_ok(blocks: Sequence[Sequence[str]], order: Sequence[int]) -> bool:
    """Whether every alias still follows its anchor once the blocks are in ``order``."""
    defined: dict[str, int] = {}
    for i, block in enumerate(blocks):
        for name in _ANCHOR.findall("".join(block)):
            if name in defined and defined[name] != i:
                return False
            defined[name] = i
    if not defined:
        return True
    position = {block: pos for pos, block in enumerate(order)}
    for i, block in enumerate(blocks):
        for name in _ALIAS.findall("".join(block)):
            where = defined.get(name)
            if where is not None and where != i and position[where] > position[i]:
                return False
    return True


def reorder_edit(text: str, starts: Sequence[tuple[int, int]], order: Sequence[int], *,
                 mapping: bool, header: bool = True) -> Edit | None:
    """One edit that puts the entries starting at ``starts`` into ``order``.

    ``starts`` are the 0-based ``(line, column)`` of each entry's key (mapping)
    or ``-`` (sequence), in written order; ``order`` lists the entries' written
    indices in their new order. ``header=False`` keeps the comments above the
    first entry in place (for the top-level mapping). Returns ``None`` when
    the entries cannot be moved safely as whole lines.
    """
    if sorted(order) != list(range(len(starts))) or list(order) == list(range(len(starts))):
        return None
    lines = lines_of(text)
    cut = _cut(lines, starts, mapping=mapping, header=header)
    if cut is None or not _anchors_ok(cut.blocks, order):
        return None
    blocks = [list(b) for b in cut.blocks]
    missing_break = not blocks[-1][-1].endswith("\n")
    if missing_break:
        blocks[-1][-1] += "\n"
    new: list[str] = []
    for pos, index in enumerate(order):
        new.extend(blocks[index])
        if pos < len(cut.gaps):
            new.extend(cut.gaps[pos])
    old: list[str] = []
    for i, block in enumerate(blocks):
        old.extend(block)
        if i < len(cut.gaps):
            old.extend(cut.gaps[i])
    if missing_break:
        new[-1] = new[-1][:-1]
        old[-1] = old[-1][:-1]
    return _line_edit(lines, cut.first_line, old, new)


def _line_edit(lines: Sequence[str], first: int, old: list[str], new: list[str]) -> Edit | None:
    """An edit replacing the lines ``old`` (starting at ``first``) by ``new``, trimmed."""
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    tail = 0
    while (tail < len(old) - head and tail < len(new) - head
           and old[-1 - tail] == new[-1 - tail]):
        tail += 1
    old_mid = old[head:len(old) - tail]
    new_mid = new[head:len(new) - tail]
    if not old_mid and not new_mid:
        return None
    start = first + head
    end = start + len(old_mid) - 1
    old_text = "".join(old_mid)
    new_text = "".join(new_mid)
    if old_text.endswith("\n") and new_text.endswith("\n"):
        old_text, new_text = old_text[:-1], new_text[:-1]
        if old_text.endswith("\r") and new_text.endswith("\r"):
            old_text, new_text = old_text[:-1], new_text[:-1]
    return Edit(Span(start + 1, 1, end + 1, len(_body(lines[end])) + 1), new_text)


def reorder_flow_edit(text: str, node: Any, order: Sequence[int]) -> Edit | None:
    """One edit that reorders a one-line flow sequence of scalars (``[b, a]``)."""
    lines = lines_of(text)
    data = getattr(getattr(node, "lc", None), "data", None)
    if not isinstance(data, dict) or len(data) != len(node) or not len(node):
        return None
    items: list[ScalarText] = []
    for i in range(len(node)):
        line0, col0 = int(data[i][0]), int(data[i][1])
        found = scalar_extent(lines, line0, col0, flow=True)
        if found is None:
            return None
        items.append(found)
    line0 = items[0].line0
    if any(item.line0 != line0 for item in items):
        return None
    body = _body(lines[line0])
    seps = [body[a.end:b.start] for a, b in pairwise(items)]
    if any(sep.strip() != "," for sep in seps):
        return None
    out = ""
    for pos, index in enumerate(order):
        out += items[index].raw
        if pos < len(seps):
            out += seps[pos]
    return Edit(Span(line0 + 1, items[0].start + 1, line0 + 1, items[-1].end + 1), out)


# ---------------------------------------------------------------------------
# quoting
# ---------------------------------------------------------------------------

_PLAIN_FIRST_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@`")


def plain_safe(value: str, *, flow: bool = False) -> bool:
    """Whether ``value`` can be written unquoted and still read as the same string.

    Checked for every reader that matters: YAML 1.2 (ruamel.yaml), Compose v2
    and Compose v1 (YAML 1.1, where ``56:56`` is a number and ``yes`` a boolean).
    """
    from composekit.yaml_dialects import read_plain

    if not value or value != value.strip() or value[0] in _PLAIN_FIRST_FORBIDDEN:
        return False
    if ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        return False
    if any(ch in value for ch in "\n\r") or (flow and any(ch in value for ch in ",[]{}")):
        return False
    for dialect in ("compose-v1", "compose-v2"):
        read = read_plain(value, dialect)
        if type(read) is not str or read != value:
            return False
    return _ruamel_reads_string(value)


def _ruamel_reads_string(value: str) -> bool:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        loaded = YAML(typ="safe", pure=True).load(f"- {value}\n")
    except YAMLError:
        return False
    return isinstance(loaded, list) and len(loaded) == 1 and loaded[0] == value \
        and type(loaded[0]) is str


def quoted(value: str, quote: str) -> str | None:
    """``value`` in ``quote`` quotes, or ``None`` when that needs escapes."""
    if quote == "'":
        if "\n" in value:
            return None
        return "'" + value.replace("'", "''") + "'"
    if any(ch in value for ch in '"\\\n'):
        return None
    return f'"{value}"'
