"""Shared plumbing of the images and security rules (not a rule module).

* reading a value as it is *written* (before interpolation), through the
  origins table and a fresh parse of the file text;
* telling whether a value still depends on a variable that is not set;
* finding the round-trip node that holds a key of the merged view, and
  building minimal text edits (insert a key, delete lines, replace a token)
  for fixes. Edits never touch other lines.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from composekit.diagnostics import Edit, Span

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

PathPart = str | int


def services(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(name, canonical service mapping)`` of every enabled service."""
    for name, svc in ctx.services.items():
        if isinstance(svc, dict):
            yield str(name), svc


def service_path(name: str, *rest: PathPart) -> tuple[PathPart, ...]:
    return ("services", name, *rest)


# --------------------------------------------------------------------------
# the file text as written
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _written_index(text: str, path: str) -> tuple[dict[tuple[int, int], Any],
                                                  dict[tuple[int, int], tuple[Any, Any]]]:
    """Index of a fresh (uninterpolated) parse of ``text``.

    Returns ``{(line0, col0): value}`` for every mapping value and sequence
    item, and ``{(line0, col0): (mapping, key)}`` for every mapping key.
    """
    from composekit.yamlio import parse_text

    doc, _ = parse_text(text, path)
    values: dict[tuple[int, int], Any] = {}
    keys: dict[tuple[int, int], tuple[Any, Any]] = {}
    if doc is None:
        return values, keys
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, CommentedMap):
            own = getattr(node, "_ok", None)
            for k in list(node.keys()):
                if own is not None and k not in own:
                    continue
                try:
                    kl, kc = node.lc.key(k)
                    keys.setdefault((kl, kc), (node, k))
                    vl, vc = node.lc.value(k)
                    values.setdefault((vl, vc), node[k])
                except (KeyError, TypeError, AttributeError):
                    pass
                walk(node[k])
        elif isinstance(node, CommentedSeq):
            for i, item in enumerate(node):
                try:
                    il, ic = node.lc.item(i)
                    values.setdefault((il, ic), item)
                except (KeyError, TypeError, AttributeError):
                    pass
                walk(item)

    for data in doc.documents:
        walk(data)
    return values, keys


def exact_origin(ctx: LintContext, parts: Sequence[PathPart]) -> tuple[str, Span] | None:
    """Where the node at ``parts`` was written, only when the origins table knows it exactly."""
    found = ctx.project.origins.get(tuple(parts))
    if found is None:
        return None
    return found.path, found.span


def written_value(ctx: LintContext, parts: Sequence[PathPart]) -> Any:
    """The value at ``parts`` of the merged view as written in its file (not interpolated).

    ``None`` when the origins table has no exact entry or the file cannot be
    read again. For a list-form environment entry this is the whole
    ``KEY=value`` item.
    """
    where = exact_origin(ctx, parts)
    if where is None:
        return None
    path, span = where
    doc = ctx.documents.get(path)
    if doc is None:
        return None
    values, _ = _written_index(doc.text, path)
    return values.get((span.line - 1, span.column - 1))


def find_key(ctx: LintContext, path: str, key_span: Span) -> tuple[CommentedMap, Any] | None:
    """The round-trip mapping (of the *loaded* tree of ``path``) holding the key at ``key_span``."""
    doc = ctx.documents.get(path)
    if doc is None:
        return None
    target = (key_span.line - 1, key_span.column - 1)
    seen: set[int] = set()

    def walk(node: Any) -> tuple[CommentedMap, Any] | None:
        if id(node) in seen:
            return None
        seen.add(id(node))
        if isinstance(node, CommentedMap):
            own = getattr(node, "_ok", None)
            for k in list(node.keys()):
                if own is not None and k not in own:
                    continue
                try:
                    if tuple(node.lc.key(k)) == target:
                        return node, k
                except (KeyError, TypeError, AttributeError):
                    pass
                found = walk(node[k])
                if found is not None:
                    return found
        elif isinstance(node, CommentedSeq):
            for item in node:
                found = walk(item)
                if found is not None:
                    return found
        return None

    for data in doc.documents:
        found = walk(data)
        if found is not None:
            return found
    return None


def node_of(ctx: LintContext, parts: Sequence[PathPart]) -> tuple[str, CommentedMap, Any] | None:
    """``(file, mapping, key)`` where the key ending ``parts`` of the merged view is written."""
    found = ctx.project.origins.get(tuple(parts))
    if found is None or found.key is None:
        return None
    held = find_key(ctx, found.path, found.key)
    if held is None:
        return None
    return found.path, held[0], held[1]


# --------------------------------------------------------------------------
# variables
# --------------------------------------------------------------------------

_VAR_RE = re.compile(
    r"\$(?:(?P<named>[A-Za-z_][A-Za-z0-9_]*)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?P<op>:?[-?+])?)"
)


def unset_variables(text: str, environment: Mapping[str, str]) -> list[str]:
    """Variables ``text`` uses that are not in ``environment`` and have no default.

    ``${VAR:-x}`` and ``${VAR-x}`` carry a default, so they never count;
    ``$$`` is a literal dollar.
    """
    out: list[str] = []
    cleaned = text.replace("$$", "")
    for m in _VAR_RE.finditer(cleaned):
        name = m.group("named") or m.group("braced")
        op = m.group("op") or ""
        if op in (":-", "-"):
            continue
        if name not in environment:
            out.append(name)
    return out


def may_interpolate(ctx: LintContext, parts: Sequence[PathPart]) -> bool:
    """Whether the value at ``parts`` may hold a ``$`` as written (cheap, no second parse).

    Reads the one-line scalar at the value's position in the file text; only a
    value that is not a one-line scalar (a block scalar, a multi-line string)
    needs :func:`written_value`.
    """
    if exact_origin(ctx, parts) is None:
        return False
    token = written_token(ctx, parts)
    if token is not None:
        return "$" in token
    raw = written_value(ctx, parts)
    return isinstance(raw, str) and "$" in raw


def written_token(ctx: LintContext, parts: Sequence[PathPart]) -> str | None:
    """The source text (quotes included) of the one-line scalar at ``parts``, if it is one."""
    where = exact_origin(ctx, parts)
    if where is None:
        return None
    path, span = where
    doc = ctx.documents.get(path)
    if doc is None:
        return None
    token = scalar_token(doc.text, span)
    return token[0] if token is not None else None


def depends_on_unset_variable(ctx: LintContext, parts: Sequence[PathPart]) -> bool:
    """Whether the value at ``parts`` was written with a variable that is not set here.

    Such a value is what the linting machine sees, not what the deploying
    machine will see, so rules judging the exact value stay quiet.
    """
    if not may_interpolate(ctx, parts):
        return False
    raw = written_value(ctx, parts)
    if not isinstance(raw, str) or "$" not in raw:
        return False
    return bool(unset_variables(raw, ctx.project.environment))


def committed_value(raw: str) -> str:
    """What a written value is when no variable is set: the part the file itself commits to.

    ``${PASS}`` gives ``""``, ``${PASS:-changeme}`` gives ``changeme``.
    """
    from composekit.loader.interpolate import interpolate_string

    return interpolate_string(raw, {}).value


# --------------------------------------------------------------------------
# text edits
# --------------------------------------------------------------------------


def lines_of(text: str) -> list[str]:
    """The file's lines with their line ends."""
    return text.splitlines(keepends=True)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def key_block_lines(text: str, mapping: CommentedMap, key: Any) -> tuple[int, int] | None:
    """0-based first and last line of ``key`` and its value in a block mapping.

    ``None`` when the key shares its line with a preceding one (flow style).
    Trailing blank and comment-only lines are not part of the block.
    """
    try:
        kline, kcol = mapping.lc.key(key)
    except (KeyError, TypeError, AttributeError):
        return None
    lines = lines_of(text)
    if kline >= len(lines):
        return None
    first = lines[kline]
    if first[:kcol].strip() not in ("", "-"):
        return None
    last = kline
    for i in range(kline + 1, len(lines)):
        line = lines[i]
        if _blank_or_comment(line):
            continue
        if _indent(line) <= kcol:
            break
        last = i
    return kline, last


def delete_lines(text: str, first: int, last: int) -> Edit:
    """Delete whole 0-based lines ``first``..``last`` (line ends included)."""
    lines = lines_of(text)
    if last + 1 < len(lines):
        return Edit(Span(first + 1, 1, last + 2, 1), "")
    # the block ends the file: also drop the line end before it
    if first > 0:
        prev = lines[first - 1]
        stripped = prev.rstrip("\r\n")
        return Edit(Span(first, len(stripped) + 1, last + 1, len(lines[last]) + 1), "")
    return Edit(Span(first + 1, 1, last + 1, len(lines[last]) + 1), "")


def insert_line(line0: int, text: str) -> Edit:
    """Insert ``text`` (a whole line, with its line end) before 0-based line ``line0``."""
    return Edit(Span(line0 + 1, 1, line0 + 1, 1), text)


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


@dataclass(frozen=True)
class ServiceBlock:
    """A service mapping as written in one file, block style."""

    path: str
    mapping: CommentedMap
    first_key_line: int
    indent: int


def service_block(ctx: LintContext, name: str) -> ServiceBlock | None:
    """The block-style mapping of service ``name`` in the file that first defines it."""
    found = ctx.project.origins.get(("services", name))
    if found is None or found.key is None:
        return None
    held = find_key(ctx, found.path, found.key)
    if held is None:
        return None
    parent, key = held
    svc = parent.get(key)
    if not isinstance(svc, CommentedMap) or not svc:
        return None
    if getattr(svc, "fa", None) is not None and svc.fa.flow_style():
        return None
    first = next(iter(svc.keys()))
    try:
        line0, col0 = svc.lc.key(first)
        kline, _ = parent.lc.key(key)
    except (KeyError, TypeError, AttributeError):
        return None
    if line0 <= kline:
        return None
    doc = ctx.documents[found.path]
    lines = lines_of(doc.text)
    if line0 >= len(lines) or lines[line0][:col0].strip():
        return None
    return ServiceBlock(found.path, svc, line0, col0)


def insert_service_key(ctx: LintContext, block: ServiceBlock, text: str) -> Edit:
    """Insert ``text`` (``key: value``) as the first key of a service block."""
    doc = ctx.documents[block.path]
    return insert_line(block.first_key_line, " " * block.indent + text + newline_of(doc.text))


_PLAIN_END = re.compile(r"\s+#|\s*$")


def scalar_token(text: str, span: Span) -> tuple[str, Span] | None:
    """The single-line scalar token starting at ``span`` (quotes included) and its extent."""
    lines = lines_of(text)
    if span.line - 1 >= len(lines):
        return None
    line = lines[span.line - 1].rstrip("\r\n")
    start = span.column - 1
    rest = line[start:]
    if not rest:
        return None
    if rest[0] in "'\"":
        quote = rest[0]
        i = 1
        while i < len(rest):
            c = rest[i]
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(rest) and rest[i + 1] == "'":
                    i += 2
                    continue
                token = rest[: i + 1]
                return token, Span(span.line, span.column, span.line, span.column + len(token))
            i += 1
        return None
    if rest[0] in "[{|>&*!":
        return None
    m = _PLAIN_END.search(rest)
    token = rest[: m.start()] if m else rest
    # inside a flow collection a plain scalar ends at , ] }
    cut = re.search(r"[,\]}]", token)
    if cut is not None and line[:start].rstrip().endswith(("[", ",", "{")):
        token = token[: cut.start()].rstrip()
    if not token:
        return None
    return token, Span(span.line, span.column, span.line, span.column + len(token))


def requote(token: str, value: str) -> str:
    """``value`` written with the quoting style of ``token``."""
    if token.startswith("'"):
        return "'" + value.replace("'", "''") + "'"
    if token.startswith('"'):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def seq_item_line(text: str, seq: CommentedSeq, index: int) -> int | None:
    """0-based line of a block sequence item written alone on its line (``- item``)."""
    try:
        line0, col0 = (int(n) for n in seq.lc.item(index))
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    lines = lines_of(text)
    if line0 >= len(lines):
        return None
    before = lines[line0][:col0]
    if before.strip() != "-":
        return None
    token = scalar_token(text, Span.at(line0, col0))
    if token is None:
        return None
    after = lines[line0].rstrip("\r\n")[col0 + len(token[0]):]
    if after.strip() and not after.strip().startswith("#"):
        return None
    return line0


def is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())
