"""Autofix: apply the text edits that rules attach to their findings.

A :class:`~composekit.diagnostics.Fix` is a set of
:class:`~composekit.diagnostics.Edit` values on a file's original text (1-based
line and column, end exclusive), computed by the rule from ruamel.yaml's
round-trip positions. Applying them rewrites only the spans they name, so
every other byte of the file (comments, key order, quoting, indentation, line
endings) stays as it was.

One pass (:func:`fix_text`) applies, for one file, every fix that does not
overlap an earlier one (in file order), then re-parses the result: the result
must parse, and must not have an error the original did not have (parse,
schema and YAML-dialect findings are compared code by code). When it does, the
fixes are tried one by one and only those that keep the file sound are kept.
The caller re-lints and runs another pass until nothing fixable is left (see
:func:`composekit.checker.fix_target`).

:func:`write_atomic` writes a file through a temporary file in the same
directory and ``os.replace``, keeping the file's mode; the file is re-read
first and left alone if it changed on disk since it was linted.

Helpers for rule authors: :func:`scalar_span` (the exact source extent of a
one-line scalar), :func:`replace_scalar` and :func:`delete_entry`.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span

__all__ = [
    "FileFix",
    "apply_edits",
    "delete_entry",
    "fix_text",
    "replace_scalar",
    "scalar_span",
    "unified_diff",
    "write_atomic",
]


class EditError(ValueError):
    """Edits that cannot be applied: out of range or overlapping."""


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _offset(text: str, starts: Sequence[int], line: int, column: int) -> int:
    if line < 1 or column < 1:
        raise EditError(f"position {line}:{column} is not 1-based")
    if line > len(starts):
        if line == len(starts) + 1 and column == 1 and text.endswith("\n"):
            return len(text)
        raise EditError(f"line {line} is past the end of the file")
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    offset = start + column - 1
    if offset > end:
        raise EditError(f"column {column} is past the end of line {line}")
    return offset


def edit_range(text: str, edit: Edit, starts: Sequence[int] | None = None) -> tuple[int, int]:
    """``(start, end)`` offsets of an edit in ``text`` (end exclusive)."""
    starts = starts if starts is not None else _line_starts(text)
    span = edit.span
    begin = _offset(text, starts, span.line, span.column)
    if span.end_line is None and span.end_column is None:
        return begin, begin
    end = _offset(text, starts, span.end_line or span.line, span.end_column or span.column)
    if end < begin:
        raise EditError(f"edit ends before it starts at {span.line}:{span.column}")
    return begin, end


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with ``edits`` applied; :class:`EditError` if two of them overlap."""
    starts = _line_starts(text)
    ranges = sorted((edit_range(text, e, starts), i) for i, e in enumerate(edits))
    out: list[str] = []
    last = 0
    for (begin, end), i in ranges:
        if begin < last:
            raise EditError("edits overlap")
        out.append(text[last:begin])
        out.append(edits[i].text)
        last = end
    out.append(text[last:])
    return "".join(out)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a[0] == a[1] and b[0] == b[1]:
        return a[0] == b[0]  # two insertions at one point: order is unclear
    return a[0] < b[1] and b[0] < a[1]


def _error_profile(text: str, path: str) -> Counter[str] | None:
    """Error findings per code of ``text`` as one file; ``None`` when it does not parse."""
    from composekit.schema import validate_document
    from composekit.yaml_dialects import dialect_diagnostics
    from composekit.yamlio import parse_text

    doc, diags = parse_text(text, path)
    if doc is None:
        return None
    found = list(diags)
    _fmt, schema = validate_document(doc)
    found += schema
    found += dialect_diagnostics(doc.data, path)
    return Counter(d.code for d in found if d.severity >= Severity.ERROR)


@dataclass
class FileFix:
    """The outcome of fixing one file."""

    path: str
    original: str
    fixed: str
    #: The findings whose fixes were applied, over every pass.
    applied: list[Diagnostic] = field(default_factory=list)
    #: Findings whose fix was refused, with the reason.
    refused: list[tuple[Diagnostic, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def fixable(diags: Sequence[Diagnostic], *, unsafe: bool = False) -> list[Diagnostic]:
    """The findings with a fix that may be applied (safe ones, or all with ``unsafe``)."""
    return [d for d in diags if d.fix is not None and d.fix.edits and (d.fix.safe or unsafe)]


def fix_text(text: str, path: str, diags: Sequence[Diagnostic], *, unsafe: bool = False
             ) -> tuple[str, list[Diagnostic], list[tuple[Diagnostic, str]]]:
    """One pass on one file: ``(new text, applied findings, refused findings with reasons)``.

    Findings of other files and findings without an applicable fix are
    ignored; fixes that overlap an earlier one wait for the next pass (they are
    neither applied nor refused).
    """
    todo = sorted((d for d in fixable(diags, unsafe=unsafe) if d.path == path),
                  key=lambda d: (d.span, d.code))
    if not todo:
        return text, [], []
    starts = _line_starts(text)
    chosen: list[tuple[Diagnostic, list[tuple[int, int]]]] = []
    taken: list[tuple[int, int]] = []
    refused: list[tuple[Diagnostic, str]] = []
    seen: set[Fix] = set()
    for d in todo:
        assert d.fix is not None
        if d.fix in seen:  # the same fix attached to two findings (one edit resolves both)
            chosen.append((d, []))
            continue
        try:
            ranges = [edit_range(text, e, starts) for e in d.fix.edits]
        except EditError as exc:
            refused.append((d, f"its edit does not fit the file: {exc}"))
            continue
        if any(_overlaps(r, t) for r in ranges for t in taken) or any(
                _overlaps(a, b) for i, a in enumerate(ranges) for b in ranges[i + 1:]):
            continue
        seen.add(d.fix)
        taken.extend(ranges)
        chosen.append((d, ranges))
    if not chosen:
        return text, [], refused
    before = _error_profile(text, path)
    candidate = _apply(text, [d for d, _ in chosen])
    if _sound(before, candidate, path):
        return candidate, [d for d, _ in chosen], refused
    # Something broke the file: keep only the fixes that are sound one at a time.
    good: list[Diagnostic] = []
    for d, ranges in chosen:
        if not ranges:
            continue
        alone = _apply(text, [d])
        if _sound(before, alone, path):
            good.append(d)
        else:
            refused.append((d, "applying it would make the file invalid"))
    if good:
        candidate = _apply(text, good)
        if _sound(before, candidate, path):
            return candidate, good, refused
        refused.extend((d, "applying it with the other fixes would make the file invalid")
                       for d in good)
    return text, [], refused


def _apply(text: str, diags: Sequence[Diagnostic]) -> str:
    edits: list[Edit] = []
    seen: set[Fix] = set()
    for d in diags:
        if d.fix is not None and d.fix not in seen:
            seen.add(d.fix)
            edits.extend(d.fix.edits)
    return apply_edits(text, edits)


def _sound(before: Counter[str] | None, text: str, path: str) -> bool:
    after = _error_profile(text, path)
    if after is None:
        return False
    base = before or Counter()
    return all(n <= base.get(code, 0) for code, n in after.items())


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file, ``a/PATH`` to ``b/PATH``."""
    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


class StaleFileError(OSError):
    """The file changed on disk since it was read."""


def write_atomic(path: str, original: str, fixed: str) -> None:
    """Replace ``path``'s text ``original`` by ``fixed``, atomically, keeping its mode.

    The file is re-read first: if its text is no longer ``original`` it is left
    alone (:class:`StaleFileError`). A UTF-8 byte-order mark is kept.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        current = raw[len(bom):].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StaleFileError(f"{path} is no longer UTF-8 text") from exc
    if current != original:
        raise StaleFileError(f"{path} changed on disk while composekit was fixing it")
    real = os.path.realpath(path)
    directory = os.path.dirname(real) or "."
    mode = stat.S_IMODE(os.stat(real).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=".composekit-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(bom + fixed.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------
# Helpers for rules
# --------------------------------------------------------------------------


def _scalar_end(line: str, col: int, flow: bool) -> int | None:
    """0-based end (exclusive) of the scalar starting at ``col`` of ``line``; ``None`` when
    the scalar does not end on this line or is not a scalar."""
    if col >= len(line):
        return None
    ch = line[col]
    if ch == "'":
        i = col + 1
        while i < len(line):
            if line[i] == "'":
                if i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    if ch == '"':
        i = col + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1
            i += 1
        return None
    if ch in "|>[{&*!":
        return None
    end = len(line)
    i = col
    while i < len(line):
        c = line[i]
        if c == "#" and i > col and line[i - 1] in " \t":
            end = i
            break
        if flow and c in ",]}":
            end = i
            break
        if c == ":" and (i + 1 == len(line) or line[i + 1] in " \t" or (flow and line[i + 1]
                                                                          in ",]}")):
            end = i
            break
        i += 1
    while end > col and line[end - 1] in " \t":
        end -= 1
    return end if end > col else None


def _in_flow(text: str, line0: int, col0: int) -> bool:
    """Whether the position is inside a flow collection (``[...]``/``{...}``) on its line."""
    line = text.splitlines()[line0] if line0 < len(text.splitlines()) else ""
    depth = 0
    quote: str | None = None
    for ch in line[:col0]:
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


def _node_position(tree: Any, parts: Sequence[str | int], key: bool) -> tuple[int, int] | None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = tree
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, CommentedMap) and part in node:
            try:
                pos = node.lc.key(part) if (key and last) else node.lc.value(part)
            except (KeyError, TypeError, AttributeError):
                return None
            if last:
                return int(pos[0]), int(pos[1])
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            try:
                pos = node.lc.item(part)
            except (KeyError, TypeError, AttributeError):
                return None
            if last:
                return int(pos[0]), int(pos[1])
            node = node[part]
        else:
            return None
    return None


def scalar_span(text: str, tree: Any, parts: Sequence[str | int], *,
                key: bool = False) -> Span | None:
    """The exact source extent of the one-line scalar at ``parts`` (or of its key).

    ``tree`` is the file's round-trip tree and ``text`` its text. ``None`` when
    the node is not a scalar written on one line (block scalars, multi-line
    flow scalars, aliases, tagged values).
    """
    pos = _node_position(tree, parts, key)
    if pos is None:
        return None
    line0, col0 = pos
    lines = text.splitlines()
    if line0 >= len(lines):
        return None
    end = _scalar_end(lines[line0], col0, _in_flow(text, line0, col0))
    if end is None:
        return None
    return Span(line0 + 1, col0 + 1, line0 + 1, end + 1)


def replace_scalar(text: str, tree: Any, parts: Sequence[str | int], new: str, *,
                   key: bool = False) -> Edit | None:
    """An edit that writes ``new`` (YAML source text) in place of the scalar at ``parts``."""
    span = scalar_span(text, tree, parts, key=key)
    return Edit(span, new) if span is not None else None


def delete_entry(text: str, tree: Any, parts: Sequence[str | int]) -> Edit | None:
    """An edit that deletes the block-mapping entry at ``parts`` with its whole lines.

    The entry's lines run from its key's line to the line before the next
    line indented at most as much as the key (comments on the key's own line
    go with it; a comment block above it stays). ``None`` for an entry in a
    flow mapping or one that shares its line with another entry.
    """
    if not parts:
        return None
    pos = _node_position(tree, parts, key=True)
    if pos is None:
        return None
    line0, col0 = pos
    lines = text.splitlines(keepends=True)
    # Only a key with nothing but indentation before it: not "- key:" nor "{key: ...}".
    if line0 >= len(lines) or lines[line0][:col0].strip(" "):
        return None
    end = line0 + 1
    while end < len(lines):
        body = lines[end].rstrip("\r\n")
        stripped = body.lstrip(" ")
        indent = len(body) - len(stripped)
        if stripped and not stripped.startswith("#") and indent <= col0:
            break
        if stripped.startswith("#") and indent <= col0:
            break
        end += 1
    # Blank lines right before the next entry stay with it.
    while end - 1 > line0 and not lines[end - 1].strip():
        end -= 1
    if end < len(lines):
        span = Span(line0 + 1, 1, end + 1, 1)
    else:
        last = lines[-1]
        span = Span(line0 + 1, 1, len(lines), len(last.rstrip("\r\n")) + 1)
        if line0 > 0 and not last.endswith("\n"):
            # The entry is the file's last line and has no newline: take the one before it.
            prev = lines[line0 - 1].rstrip("\r\n")
            span = Span(line0, len(prev) + 1, len(lines), len(last) + 1)
        elif last.endswith("\n"):
            span = Span(line0 + 1, 1, len(lines) + 1, 1)
    return Edit(span, "")
