"""Inline suppression: ``# composekit: disable=CK301`` comments in Compose files.

Syntax
------

A suppression is a YAML comment (a ``#`` that starts a comment, not one inside a
quoted or block scalar). Spaces around ``:``, ``=`` and ``,`` are allowed; codes
are written as codes (``CK301``) or slugs (``privileged-container``); anything
after the codes, separated by a space, is a free-text reason::

    privileged: true  # composekit: disable=CK301 needed for docker-in-docker

* **At the end of a line**, ``# composekit: disable=CK301,CK305`` suppresses
  findings of those codes that start on that line.
* **On a line of its own**, it suppresses them on the next line that holds YAML
  (blank lines and other comment lines in between are skipped)::

      # composekit: disable=image-latest-tag
      image: nginx:latest

* ``# composekit: disable`` without codes suppresses every code, on that line or
  the next.
* ``# composekit: disable-file=CK201,CK9xx`` or ``# composekit: disable-file``
  (every code) suppresses for the whole file. It must be written in the comment
  block at the top of the file, before the first line of YAML (blank lines and a
  ``---`` line may come before it); elsewhere it is reported and ignored.

A finding's line is the line where it starts. Findings that mean a file could
not be read at all (:data:`composekit.lint.config.UNIGNORABLE`) cannot be
suppressed.

Checks on suppressions themselves
---------------------------------

* ``CK117 unused-suppression``: a code in a suppression that suppressed nothing
  (only for codes that were checked: a code that is ignored by configuration or
  whose rule does not apply to the target is not reported). Fixable: the code, or
  the whole comment, is removed.
* ``CK118 invalid-suppression``: an unknown directive, an unknown code, an empty
  code list, or ``disable-file`` outside the top comment block.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from composekit import codes
from composekit.diagnostics import Diagnostic, Edit, Fix, Span

_MARK = re.compile(r"#\s*composekit\s*:\s*", re.IGNORECASE)
_DIRECTIVE = re.compile(r"(?P<kind>disable-file|disable)(?![\w-])(?P<rest>.*)$", re.IGNORECASE)
_CODES = re.compile(r"^\s*=\s*(?P<codes>[^\s,]+(?:\s*,\s*[^\s,]+)*)(?P<tail>.*)$")
_CODE_ITEM = re.compile(r"[^\s,]+")
_HEADER_LINE = re.compile(r"^(?:---|\.\.\.|%\S.*)\s*(?:#.*)?$")


@dataclass
class Entry:
    """One code (or every code, ``code=None``) of one suppression comment."""

    code: str | None
    written: str
    #: Where the code (or, for every code, the ``#``) is written: 1-based.
    line: int
    column: int
    end_column: int
    #: The line it covers; ``None`` for the whole file.
    scope: int | None
    comment: Comment
    used: bool = False


@dataclass
class Comment:
    """One ``# composekit: disable...`` comment."""

    line: int
    #: 1-based column of its ``#`` and of the end of the line (exclusive).
    column: int
    end_column: int
    #: True when nothing but blanks precede it on its line.
    own_line: bool
    #: True when it is the whole comment of its line (no other comment text before it).
    whole: bool
    #: 1-based column where removing it starts: the blanks before its ``#``.
    strip_from: int
    entries: list[Entry] = field(default_factory=list)


@dataclass
class FilePragmas:
    """The suppressions of one file and the problems found in them."""

    path: str
    entries: list[Entry] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    def match(self, diag: Diagnostic) -> Entry | None:
        """The entry that suppresses ``diag`` (marked used), or ``None``."""
        found: Entry | None = None
        for entry in self.entries:
            if entry.code is not None and entry.code != diag.code:
                continue
            if entry.scope == diag.span.line:
                found = entry
                break
            if entry.scope is None and found is None:
                found = entry
        if found is not None:
            found.used = True
        return found

    def unused(self, checked: Callable[[str], bool]) -> list[Diagnostic]:
        """``unused-suppression`` for each entry that suppressed nothing."""
        out: list[Diagnostic] = []
        for entry in self.entries:
            if entry.used or (entry.code is not None and not checked(entry.code)):
                continue
            what = "every code" if entry.code is None else f"'{entry.written}'"
            where = "in this file" if entry.scope is None else f"on line {entry.scope}"
            message = (f"suppression of {what} is unused: nothing of it is reported {where}"
                       if entry.code is None else
                       f"unused suppression: {entry.written} is not reported {where}")
            out.append(codes.make(
                "unused-suppression", self.path,
                Span(entry.line, entry.column, entry.line, entry.end_column),
                message, help="remove it from the comment", origin="lint",
            ))
            out[-1] = _with_fix(out[-1], entry, self.entries)
        return out


# --------------------------------------------------------------------------
# Finding comments
# --------------------------------------------------------------------------


def _scalar_ranges(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of every scalar token (where a ``#`` is not a comment)."""
    from ruamel.yaml import YAML

    ranges: list[tuple[int, int]] = []
    try:
        for token in YAML(typ="rt").scan(text):
            if type(token).__name__ == "ScalarToken":
                ranges.append((token.start_mark.index, token.end_mark.index))
    except Exception:  # a file that does not scan: keep the scalars scanned so far
        pass
    return ranges


def _inside(ranges: list[tuple[int, int]], starts: list[int], offset: int) -> bool:
    i = bisect.bisect_right(starts, offset) - 1
    return i >= 0 and ranges[i][0] <= offset < ranges[i][1]


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    #: 0-based index of the ``#`` that starts the line's comment, if any.
    comment: int | None

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def comment_only(self) -> bool:
        return self.comment is not None and not self.text[: self.comment].strip()

    @property
    def content(self) -> bool:
        return not self.blank and not self.comment_only


def _lines(text: str) -> list[_Line]:
    ranges = _scalar_ranges(text) if "#" in text else []
    starts = [r[0] for r in ranges]
    out: list[_Line] = []
    offset = 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        line = raw.rstrip("\r\n")
        comment: int | None = None
        search = 0
        while True:
            i = line.find("#", search)
            if i < 0:
                break
            if (i == 0 or line[i - 1] in " \t") and not _inside(ranges, starts, offset + i):
                comment = i
                break
            search = i + 1
        out.append(_Line(number, line, comment))
        offset += len(raw)
    return out


# --------------------------------------------------------------------------
# Parsing suppressions
# --------------------------------------------------------------------------


def parse_pragmas(text: str, path: str,
                  resolve: Callable[[str], str | None] | None = None) -> FilePragmas:
    """Every suppression comment of ``text``, with ``invalid-suppression`` findings."""
    result = FilePragmas(path)
    if "composekit" not in text.lower():
        return result
    if resolve is None:
        from composekit.lint.config import resolve_code

        resolve = resolve_code
    lines = _lines(text)
    first_content = next((ln.number for ln in lines
                          if ln.content and not _HEADER_LINE.match(ln.text.strip())), None)
    for index, ln in enumerate(lines):
        if ln.comment is None:
            continue
        body = ln.text[ln.comment:]
        for mark in _MARK.finditer(body):
            column = ln.comment + mark.start() + 1
            own_line = ln.comment_only
            before = ln.text[: column - 1]
            comment = Comment(line=ln.number, column=column, end_column=len(ln.text) + 1,
                              own_line=own_line, whole=mark.start() == 0,
                              strip_from=len(before.rstrip(" \t")) + 1)
            rest = body[mark.end():]
            offset = ln.comment + mark.end()
            scope = _scope(lines, index) if own_line else ln.number
            _parse_directive(rest, offset, comment, scope, first_content, result, resolve)
            break  # one suppression per comment
    return result


def _scope(lines: Sequence[_Line], index: int) -> int | None:
    for ln in lines[index + 1:]:
        if ln.content:
            return ln.number
    return None


def _parse_directive(rest: str, offset: int, comment: Comment, scope: int | None,
                     first_content: int | None, result: FilePragmas,
                     resolve: Callable[[str], str | None]) -> None:
    line = comment.line

    def problem(message: str, col: int, end: int | None = None,
                help: str | None = None) -> None:
        result.problems.append(codes.make(
            "invalid-suppression", result.path, Span(line, col, line, end), message,
            help=help or "write '# composekit: disable=CODE[,CODE...]' or "
                         "'# composekit: disable-file=CODE[,CODE...]'",
            origin="lint"))

    m = _DIRECTIVE.match(rest)
    if m is None:
        word = re.split(r"[\s=]", rest.strip(), maxsplit=1)[0]
        problem(f"unknown suppression directive '{word}'" if word else
                "suppression comment without a directive", offset + 1,
                offset + 1 + len(word) if word else None)
        return
    kind = m.group("kind").lower()
    tail = m.group("rest")
    tail_offset = offset + m.start("rest")
    file_wide = kind == "disable-file"
    if file_wide and (not comment.own_line or (first_content is not None and
                      line > first_content)):
        problem("'disable-file' only works in the comment block at the top of the file; "
                "it is ignored here", offset + 1, offset + 1 + len(m.group("kind")),
                help="move it above the first line of YAML, or use 'disable=' for one line")
        return
    entry_scope = None if file_wide else scope
    if not file_wide and scope is None:
        problem("suppression comment with no line of YAML after it", comment.column)
        return
    found = _CODES.match(tail)
    if found is None:
        if tail.strip().startswith("="):
            problem("suppression without codes after '='", tail_offset + 1)
            return
        if tail and not tail[0].isspace():
            problem(f"unexpected '{tail.split()[0]}' after '{m.group('kind')}'",
                    tail_offset + 1)
            return
        comment.entries.append(Entry(None, "", line, comment.column, comment.column + 1,
                                     entry_scope, comment))
        result.entries.extend(comment.entries)
        return
    after = found.group("tail")
    if after and not after[0].isspace():
        problem(f"unexpected '{after.split()[0]}' after the codes", tail_offset + found.start(
            "tail") + 1)
        return
    codes_at = tail_offset + found.start("codes")
    for item in _CODE_ITEM.finditer(found.group("codes")):
        written = item.group(0)
        col = codes_at + item.start() + 1
        code = resolve(written)
        if code is None:
            problem(f"unknown code '{written}' in suppression comment", col,
                    col + len(written), help="see `composekit rules` for the codes")
            continue
        comment.entries.append(Entry(code, written, line, col, col + len(written),
                                     entry_scope, comment))
    result.entries.extend(comment.entries)


# --------------------------------------------------------------------------
# Fixing unused suppressions
# --------------------------------------------------------------------------


def _with_fix(diag: Diagnostic, entry: Entry, entries: Iterable[Entry]) -> Diagnostic:
    """Attach the edit that removes ``entry`` (or its whole comment when all of it is unused)."""
    from dataclasses import replace

    comment = entry.comment
    siblings = [e for e in entries if e.comment is comment]
    all_unused = all(not e.used for e in siblings)
    if all_unused:
        if comment.own_line and comment.whole:
            span = Span(comment.line, 1, comment.line + 1, 1)
        else:
            span = Span(comment.line, comment.strip_from, comment.line, comment.end_column)
        title = "Remove the unused suppression comment"
        return replace(diag, fix=Fix(title, (Edit(span, ""),), safe=True))
    index = siblings.index(entry)
    if index + 1 < len(siblings):
        nxt = siblings[index + 1]
        span = Span(entry.line, entry.column, entry.line, nxt.column)
    else:
        prev = siblings[index - 1]
        span = Span(entry.line, prev.end_column, entry.line, entry.end_column)
    return replace(diag, fix=Fix(f"Remove {entry.written} from the suppression",
                                 (Edit(span, ""),), safe=True))

