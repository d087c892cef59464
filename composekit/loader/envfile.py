"""Env files (``.env``, ``--env-file``, a service's ``env_file:``) read as Compose v2 reads them.

The syntax, as measured against ``docker compose config`` (v2.40, compose-go's
``dotenv`` package):

* One statement is ``KEY=VALUE``, ``KEY: VALUE`` or ``export KEY=VALUE``
  (``export`` followed by blanks). Blanks around the separator are ignored.
  A bare ``KEY`` takes its value from the environment and is left out when
  the environment does not have it.
* A key may hold letters and digits (any script), ``_``, ``.``, ``-``, ``[``
  and ``]``; any other character is an error, and so is a space inside it.
* Full-line comments start with ``#``. After an *unquoted* value, a comment
  starts at `` #`` (a space then ``#``): ``A=x#y`` is ``x#y``, ``A=x #y`` is
  ``x``, ``A= #y`` is ``#y`` (the blanks after ``=`` are skipped first).
  Trailing white space of an unquoted value is dropped.
* ``'single quotes'`` are literal, except that ``\\'`` is a quote.
  ``"double quotes"`` understand ``\\n \\r \\t \\a \\b \\f \\v \\\\ \\" \\$`` and
  octal ``\\0ooo``; other backslashes stay. Quoted values may span lines.
  After the closing quote the line goes on as a new statement (so
  ``A="x" B=2`` sets both, and ``A="x" junk`` is an error).
* Unquoted and double-quoted values are interpolated (``${VAR:-x}`` ...,
  :mod:`composekit.loader.interpolate`); a variable is looked up in the
  environment first, then among the keys already read. ``\\$`` (in double
  quotes) and ``$$`` give a literal ``$``.
* A UTF-8 byte-order mark is skipped; ``\\r\\n`` line ends are fine.
* Later keys override earlier ones.

:func:`resolve_environment` puts the sources together as ``docker compose``
does for interpolating Compose files: ``--env-file`` files (several allowed,
in order, relative to the current directory), else the ``COMPOSE_ENV_FILES``
list, else ``.env`` in the project directory unless
``COMPOSE_DISABLE_ENV_FILE`` is true; the process environment overrides every
file.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.errors import UsageError
from composekit.loader.interpolate import interpolate_string

__all__ = [
    "MAX_ENV_FILE_BYTES",
    "load_env_file",
    "parse_env_text",
    "resolve_environment",
]

#: Largest env file read, in bytes.
MAX_ENV_FILE_BYTES = 4 * 1024 * 1024

# Go's dotenv isSpace: blanks that are not line breaks.
_BLANKS = frozenset("\t\v\f\r \x85\xa0")
_EXPORT_RE = re.compile(r"export[\t\n\f\r ]+")
_ESCAPE_RE = re.compile(r'\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})')
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                   "v": "\v", '"': '"', "\\": "\\"}


def _is_unicode_space(c: str) -> bool:
    """Go's unicode.IsSpace (the White_Space property)."""
    if c in "\t\n\v\f\r \x85\xa0":
        return True
    return ord(c) > 0xFF and unicodedata.category(c) in ("Zs", "Zl", "Zp")


def _is_key_char(c: str) -> bool:
    if c in "_.-[]":
        return True
    category = unicodedata.category(c)
    # unicode.IsLetter (L*) or unicode.IsNumber (N*)
    return category[0] in ("L", "N")


class _SyntaxProblem(Exception):
    def __init__(self, index: int, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.message = message
        self.help = help


@dataclass
class _Parse:
    text: str
    path: str
    lookup: Mapping[str, str]
    values: dict[str, str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)
    unset: dict[str, list[Span]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def span(self, index: int) -> Span:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return Span(lo + 1, index - self.line_starts[lo] + 1)

    # -- statements ---------------------------------------------------------

    def run(self) -> None:
        pos = 0
        text = self.text
        while True:
            pos = self.statement_start(pos)
            if pos >= len(text):
                return
            try:
                pos = self.statement(pos)
            except _SyntaxProblem as problem:
                self.diagnostics.append(codes.make(
                    "env-file-syntax", self.path, self.span(problem.index), problem.message,
                    help=problem.help, origin="parse"))
                return

    def statement_start(self, pos: int) -> int:
        text = self.text
        while True:
            while pos < len(text) and _is_unicode_space(text[pos]):
                pos += 1
            if pos < len(text) and text[pos] == "#":
                eol = text.find("\n", pos)
                if eol == -1:
                    return len(text)
                pos = eol
                continue
            return pos

    def statement(self, pos: int) -> int:
        text = self.text
        statement_at = pos
        m = _EXPORT_RE.match(text, pos)
        if m is not None:
            pos += len("export")
            while pos < len(text) and text[pos] in _BLANKS:
                pos += 1
        key_at = pos
        sep = -1
        i = pos
        while i < len(text):
            c = text[i]
            if c in "=:\n":
                sep = i
                break
            if c not in _BLANKS and not _is_key_char(c):
                line_end = text.find("\n", key_at)
                shown = text[key_at:line_end if line_end != -1 else len(text)]
                raise _SyntaxProblem(
                    i, f"unexpected character {c!r} in variable name {shown!r}",
                    help="a variable name may hold letters, digits, '_', '.', '-', '[' and "
                         "']'; quote values that contain spaces or special characters")
            i += 1
        if sep == -1:
            # the rest of the file has no separator: Compose reads all of it as
            # the value of an empty key, which nothing can use
            key = ""
            value_at = key_at
            inherited = False
        else:
            key = _rstrip_unicode_space(text[key_at:sep])
            value_at = sep + 1
            inherited = text[sep] == "\n"
        if " " in key:
            raise _SyntaxProblem(
                key_at, f"variable name {key!r} contains a space",
                help="remove the space, or quote the value if the space belongs to it")
        if inherited:
            from_env = self.lookup.get(key)
            if from_env is not None:
                self.values[key] = from_env
            return value_at
        while value_at < len(text) and text[value_at] in _BLANKS:
            value_at += 1
        if sep == -1:
            shown = text[key_at:].strip()
            self.diagnostics.append(codes.make(
                "env-file-syntax", self.path, self.span(statement_at),
                f"{shown!r} on the last line has no '=' and no line break after it: Compose "
                "reads it as the value of an empty name and ignores it",
                severity=Severity.WARNING,
                help="end the file with a line break (to pass the variable through from the "
                     "environment) or write NAME=value", origin="parse"))
        elif key == "":
            self.diagnostics.append(codes.make(
                "env-file-syntax", self.path, self.span(statement_at),
                "the statement has no variable name before its separator; no one can use "
                "a variable with an empty name",
                severity=Severity.WARNING, help="write NAME=value", origin="parse"))
        value, end = self.value(value_at)
        self.values[key] = value
        return end

    def value(self, at: int) -> tuple[str, int]:
        text = self.text
        quote = text[at] if at < len(text) and text[at] in "'\"" else ""
        if not quote:
            eol = text.find("\n", at)
            end = len(text) if eol == -1 else eol
            raw = text[at:end]
            comment = raw.find(" #")
            if comment != -1:
                raw = raw[:comment]
            raw = _rstrip_unicode_space(raw)
            return self.expand(raw, list(range(at, at + len(raw)))), end
        chars: list[str] = []
        where: list[int] = []
        escaped = False
        i = at + 1
        while i < len(text):
            c = text[i]
            if escaped:
                escaped = False
                if c != quote:
                    chars.append("\\")
                    where.append(i - 1)
                chars.append(c)
                where.append(i)
            elif c == "\\":
                escaped = True
            elif c == quote:
                break
            else:
                chars.append(c)
                where.append(i)
            i += 1
        else:
            eol = text.find("\n", at)
            shown = text[at:eol if eol != -1 else len(text)]
            raise _SyntaxProblem(at, f"unterminated quoted value {shown}",
                                 help=f"close the value with {quote}")
        raw = "".join(chars)
        if quote == "'":
            return raw, i + 1
        unescaped, positions = _expand_escapes(raw, where)
        return self.expand(unescaped, positions), i + 1

    def expand(self, raw: str, positions: list[int]) -> str:
        """Interpolate a value: the environment first, then the keys read so far."""
        if "$" not in raw:
            return raw
        result = interpolate_string(raw, _Chain(self.lookup, self.values))

        def index(offset: int) -> int:
            if offset < len(positions):
                return positions[offset]
            return positions[-1] + 1 if positions else 0

        seen_here: set[str] = set()
        for problem in result.problems:
            span = self.span(index(problem.offset))
            if problem.kind == "unset":
                assert problem.name is not None
                if problem.name not in seen_here:
                    seen_here.add(problem.name)
                    self.unset.setdefault(problem.name, []).append(span)
            elif problem.kind == "required":
                self.diagnostics.append(codes.make(
                    "required-variable", self.path, span, problem.message,
                    help=f"set {problem.name} in the environment or earlier in this file",
                    origin="interpolate"))
            else:
                self.diagnostics.append(codes.make(
                    "invalid-interpolation", self.path, span,
                    f"invalid interpolation {problem.snippet!r}: {problem.message}",
                    help="write $$ (or \\$ inside double quotes) for a literal '$', or use "
                         "single quotes for a value that is not interpolated",
                    origin="interpolate"))
        # Compose refuses the whole file; keep the text as written rather than a half value
        return result.value if result.ok else raw

    def report_unset(self) -> None:
        for name, spans in self.unset.items():
            message = f"the {name!r} variable is not set; Compose substitutes a blank string"
            if len(spans) > 1:
                where = ", ".join(f"{s.line}:{s.column}" for s in spans[1:9])
                more = f" and {len(spans) - 9} more" if len(spans) > 9 else ""
                message += f" (also used at {where}{more})"
            self.diagnostics.append(codes.make(
                "unset-variable", self.path, spans[0], message,
                help=f"define {name} before this line, or give a default: ${{{name}:-default}}",
                origin="interpolate"))


class _Chain(Mapping[str, str]):
    """The environment first, then the values read so far."""

    def __init__(self, first: Mapping[str, str], second: Mapping[str, str]) -> None:
        self.first = first
        self.second = second

    def __getitem__(self, key: str) -> str:
        if key in self.first:
            return self.first[key]
        return self.second[key]

    def __iter__(self) -> Iterator[str]:
        yield from self.first
        yield from (k for k in self.second if k not in self.first)

    def __len__(self) -> int:
        return len(set(self.first) | set(self.second))


def _rstrip_unicode_space(s: str) -> str:
    end = len(s)
    while end > 0 and _is_unicode_space(s[end - 1]):
        end -= 1
    return s[:end]


def _expand_escapes(raw: str, where: list[int]) -> tuple[str, list[int]]:
    """Double-quote escapes, keeping for each output character its source index.

    ``\\$`` becomes ``$$`` so that interpolation yields a literal ``$``.
    """
    out: list[str] = []
    positions: list[int] = []
    pos = 0
    for m in _ESCAPE_RE.finditer(raw):
        out.append(raw[pos:m.start()])
        positions.extend(where[pos:m.start()])
        pos = m.end()
        token = m.group(0)
        src = where[m.start()]
        body = token[1:]
        if body == "$":
            replacement = "$$"
        elif body in _SIMPLE_ESCAPES:
            replacement = _SIMPLE_ESCAPES[body]
        elif body.startswith("0") and len(body) == 4 and all(c in "01234567" for c in body[1:]) \
                and int(body[1:], 8) <= 0xFF:
            replacement = chr(int(body[1:], 8))
        else:
            replacement = token  # \c, short or bad octal: kept as written
        out.append(replacement)
        positions.extend([src] * len(replacement))
    out.append(raw[pos:])
    positions.extend(where[pos:])
    return "".join(out), positions


def _decode(raw: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """UTF-8 text of an env file; bad bytes become U+FFFD with a warning.

    Compose does not check the encoding: it passes the bytes of values through
    and, in a name, reads a bad byte as U+FFFD (not a letter, so an error), which
    is what the replacement decoding gives here too.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before.decode("utf-8", errors="replace")) \
            - len(before[: before.rfind(b"\n") + 1].decode("utf-8", errors="replace")) + 1
        return raw.decode("utf-8", errors="replace"), [codes.make(
            "not-utf8", path, Span(line, col),
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; Compose passes such bytes "
            "through, composekit reads them as U+FFFD",
            severity=Severity.WARNING, help="save the env file as UTF-8", origin="io")]


def _parse_into(text: str, path: str, lookup: Mapping[str, str],
                values: dict[str, str]) -> list[Diagnostic]:
    if text.startswith("\ufeff"):
        text = text[1:]
    state = _Parse(text=text, path=path, lookup=lookup, values=values)
    state.run()
    state.report_unset()
    return sorted(state.diagnostics, key=lambda d: (d.span.line, d.span.column, d.code))


def parse_env_text(
    text: str,
    path: str,
    *,
    lookup: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Diagnostic]]:
    """Parse env-file ``text`` (reported as ``path``) into its variables.

    ``lookup`` is the environment: bare ``KEY`` lines take their value from
    it, and ``${VAR}`` in values looks there before the keys read earlier in
    the text (as Compose does for a service's ``env_file``, where the lookup
    is the project environment). A syntax error stops the parse, as it stops
    Compose: the variables read before it are returned with an
    ``env-file-syntax`` finding.
    """
    values: dict[str, str] = {}
    diagnostics = _parse_into(text, path, lookup or {}, values)
    return values, diagnostics


def _read(path: str, *, explicit: bool) -> tuple[str | None, list[Diagnostic]]:
    try:
        if os.path.isdir(path):
            return None, [codes.make("io-error", path, Span(),
                                     "env file is a directory, not a file", origin="io")]
        size = os.path.getsize(path)
        if size > MAX_ENV_FILE_BYTES:
            return None, [codes.make(
                "file-too-large", path, Span(),
                f"env file is {size} bytes; composekit reads at most {MAX_ENV_FILE_BYTES}",
                origin="io")]
        with open(path, "rb") as fh:
            raw = fh.read(MAX_ENV_FILE_BYTES + 1)
    except FileNotFoundError:
        message = "env file not found" if explicit else "no such file"
        return None, [codes.make("io-error", path, Span(), message, origin="io")]
    except PermissionError:
        return None, [codes.make("io-error", path, Span(), "permission denied", origin="io")]
    except OSError as exc:
        return None, [codes.make("io-error", path, Span(), exc.strerror or str(exc),
                                 origin="io")]
    text, problems = _decode(raw, path)
    return text, problems


def load_env_file(
    path: str,
    *,
    lookup: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Diagnostic]]:
    """Read and parse the env file at ``path`` (see :func:`parse_env_text`).

    A missing or unreadable file is an ``io-error`` finding and an empty result.
    """
    text, diagnostics = _read(path, explicit=True)
    if text is None:
        return {}, diagnostics
    values, more = parse_env_text(text, path, lookup=lookup)
    return values, diagnostics + more


_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def resolve_environment(
    project_dir: str,
    *,
    env_files: Sequence[str] = (),
    environ: Mapping[str, str],
) -> tuple[dict[str, str], list[Diagnostic]]:
    """The variables Compose v2 interpolates a project's files with.

    * ``env_files`` are the ``--env-file`` options, in order; relative paths
      are taken from the current directory, as the CLI does. A missing one is
      an ``io-error``. Without them, ``COMPOSE_ENV_FILES`` in ``environ`` (a
      comma-separated list) is used the same way.
    * Otherwise ``<project_dir>/.env`` is read when it exists and is a file,
      unless ``COMPOSE_DISABLE_ENV_FILE`` in ``environ`` is true (Go's
      ParseBool; another value such as ``yes`` raises :class:`UsageError`,
      as Compose stops on it).
    * Each file sees the process environment and the files before it; later
      files override earlier ones, and ``environ`` overrides them all.

    Returns the merged mapping (``environ`` included) and the findings.
    """
    diagnostics: list[Diagnostic] = []
    files: list[str]
    explicit = True
    if env_files:
        files = [os.path.abspath(f) for f in env_files]
    elif environ.get("COMPOSE_ENV_FILES"):
        files = [os.path.abspath(f) for f in environ["COMPOSE_ENV_FILES"].split(",")]
    else:
        explicit = False
        files = []
        disable = environ.get("COMPOSE_DISABLE_ENV_FILE")
        disabled = False
        if disable is not None:
            if disable in _GO_TRUE:
                disabled = True
            elif disable not in _GO_FALSE:
                raise UsageError(
                    f"COMPOSE_DISABLE_ENV_FILE={disable!r} is not a boolean "
                    "(Compose accepts 1, t, true, TRUE, True, 0, f, false, FALSE, False)")
        default = os.path.join(project_dir, ".env")
        if not disabled and os.path.isfile(default):
            files = [default]
    values: dict[str, str] = {}
    for file in files:
        text, read_problems = _read(file, explicit=explicit)
        diagnostics += read_problems
        if text is None:
            continue
        diagnostics += _parse_into(text, file, environ, values)
    merged = dict(values)
    merged.update(environ)
    return merged, diagnostics
