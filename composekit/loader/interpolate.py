"""Variable interpolation exactly as Docker Compose v2 (compose-go) does it.

Syntax, as measured against ``docker compose config`` (v2.40, compose-go v2.9):

* ``$$`` is a literal ``$``.
* ``$NAME`` and ``${NAME}`` substitute a variable. A name starts with a
  letter or ``_`` and goes on with letters, digits and ``_`` (ASCII, plus the
  two characters Go's case folding adds: U+017F long s and U+212A Kelvin sign).
* ``${NAME:-default}`` (unset or empty), ``${NAME-default}`` (unset),
  ``${NAME:+alt}`` (set and non-empty), ``${NAME+alt}`` (set),
  ``${NAME:?msg}`` (error when unset or empty), ``${NAME?msg}`` (error when
  unset). The operator is the one right after the name; the text after it
  (default, alternative or message) is itself interpolated, nesting allowed:
  ``${A:-${B:-x}}``. That text is evaluated *eagerly*: an error or a missing
  required variable inside it fails the whole value even when the outer
  variable is set, and a plain ``${C}`` inside it warns about ``C`` even when
  the default is not used.
* A ``$`` followed by anything else (``$1``, ``$-``, ``a $ b``, a trailing
  ``$``) is kept literally, no error.
* ``${`` must start a valid expression closed by ``}`` on the same line:
  ``${}``, ``${1A}``, ``${A x}``, ``${A``, ``${A:x}`` and ``${A:-x`` (newline
  before ``}``) are errors ("invalid interpolation format").
* Where the expression ends: the expression text runs to the *last* ``}`` of
  the line, then is cut at the first ``}`` that balances the ``{`` count
  (every ``{`` counts, and the character right after a ``{`` is skipped);
  what follows the cut is interpolated on its own and appended. So
  ``${A-x}}`` gives the value of ``A`` followed by ``}``, and
  ``${U:-a{}b}c}`` gives ``a{}b}c`` when ``U`` is unset. When such an
  expression fails, the text after the cut is not read at all (``${U:?} $1
  ${}`` reports only ``U``).
* An unset variable without operator becomes the empty string with a warning.
  Only mapping and sequence *values* are interpolated, never keys; extension
  fields (``x-*``) are interpolated like everything else.

After interpolation compose-go casts the string values at a fixed set of
paths (``CAST_PATHS``) to numbers and booleans, failing the load when a value
does not parse. The docker CLI (``docker stack``) casts only the strings that
interpolation changed, and docker-compose 1.x casts its own list of paths.
:func:`interpolate_tree` casts like compose-go by default; the project loader
interpolates each file's document (what schema validation of the file's own
format sees) with ``cast="substituted"``, and applies compose-go's casts to
the file's model with :func:`cast_model`.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    PlainScalarString,
    ScalarString,
    SingleQuotedScalarString,
)

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span, json_path

if TYPE_CHECKING:
    from composekit.loader.merge import Node

__all__ = [
    "CAST_PATHS",
    "COMPOSE_V1_CAST_PATHS",
    "STACK_CAST_PATHS",
    "CastMode",
    "CastPaths",
    "InterpolationResult",
    "Problem",
    "Reference",
    "TreeInterpolation",
    "cast_for_path",
    "cast_model",
    "find_references",
    "interpolate_in_place",
    "interpolate_string",
    "interpolate_tree",
]

# --------------------------------------------------------------------------
# the expression grammar
# --------------------------------------------------------------------------

# Go's (?i)[_a-z] also matches U+017F (long s) and U+212A (Kelvin sign) by
# simple case folding, and nothing else outside ASCII.
_NAME_START = "_a-zA-Z\u017f\u212a"
_NAME_CHAR = "_a-zA-Z0-9\u017f\u212a"
_NAME = f"[{_NAME_START}][{_NAME_CHAR}]*"
_PATTERN = re.compile(
    r"\$(?:(?P<escaped>\$)"
    rf"|(?P<named>{_NAME})"
    rf"|\{{(?:(?P<braced>{_NAME}(?::?[-+?].*)?)\}}|(?P<invalid>)))"
)
_NAME_RE = re.compile(_NAME)

#: Deepest nesting of expressions (``${A:-${B:-...}}``) followed; Compose has no
#: limit, but no real file comes near and Python's stack would.
MAX_NESTING = 100

Operator = Literal["", ":-", "-", ":+", "+", ":?", "?"]
#: The operators in the order compose-go tries them on a tie; the one nearest
#: the name always wins, so only the colon forms need to go first.
_OPERATORS: tuple[Operator, ...] = (":?", "?", ":-", "-", ":+", "+")


@dataclass(frozen=True)
class Reference:
    """One variable reference found in a string, without resolving it.

    ``offset``/``end`` delimit the whole expression (``$A``, ``${A:-x}``) in
    the string; ``argument`` is the raw text after the operator (a default,
    an alternative or an error message), ``nested`` tells that the reference
    sits inside another one's argument.
    """

    name: str
    offset: int
    end: int
    operator: Operator = ""
    argument: str | None = None
    braced: bool = False
    nested: bool = False

    @property
    def default(self) -> str | None:
        """The default text of ``${A:-x}``/``${A-x}``, else ``None``."""
        return self.argument if self.operator in (":-", "-") else None

    @property
    def required(self) -> bool:
        return self.operator in (":?", "?")


ProblemKind = Literal["invalid", "required", "unset"]


@dataclass(frozen=True)
class Problem:
    """Something wrong in one string, at a character offset into it.

    ``invalid`` and ``required`` make Compose fail; ``unset`` is the warning
    "The X variable is not set. Defaulting to a blank string."
    """

    kind: ProblemKind
    offset: int
    message: str
    name: str | None = None
    reason: str | None = None
    snippet: str = ""

    @property
    def is_error(self) -> bool:
        return self.kind != "unset"


@dataclass
class InterpolationResult:
    """The interpolated value and what went wrong on the way.

    When ``ok`` is false Compose refuses the file; ``value`` is then only a
    best effort (failed expressions replaced by nothing).
    """

    value: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def unset(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "unset"]


# --------------------------------------------------------------------------
# the substitution engine
# --------------------------------------------------------------------------


def _first_brace_closing_index(s: str) -> int:
    """Index of the ``}`` that balances the braces counted from the start.

    Mirrors compose-go: every ``{`` opens, and the character right after a
    ``{`` is skipped (so ``{}`` inside a default does not close anything).
    """
    depth = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "}":
            depth -= 1
            if depth == 0:
                return i
        if c == "{":
            depth += 1
            i += 1
        i += 1
    return -1


def _operator_of(braced: str) -> tuple[str, Operator, str, int] | None:
    """Split a braced body ``NAME<op><arg>`` into name, operator, argument.

    Returns the argument's offset inside ``braced`` too; ``None`` when there
    is no operator.
    """
    m = _NAME_RE.match(braced)
    assert m is not None  # the pattern guarantees a name
    name = m.group(0)
    k = m.end()
    if k >= len(braced):
        return None
    for op in _OPERATORS:
        if braced.startswith(op, k):
            start = k + len(op)
            return name, op, braced[start:], start
    return None  # pragma: no cover - the pattern only lets operators through


def _invalid_snippet(text: str, at: int) -> str:
    """The bad ``${...`` for messages: up to the closing brace or line end."""
    end = text.find("}", at)
    eol = text.find("\n", at)
    if end == -1 or (eol != -1 and eol < end):
        end = eol if eol != -1 else len(text)
    else:
        end += 1
    snippet = text[at:end]
    return snippet if len(snippet) <= 60 else snippet[:57] + "..."


def _invalid_reason(text: str, at: int) -> str:
    """Why the ``${`` at ``at`` is not a valid expression, in words."""
    body_start = at + 2
    eol = text.find("\n", body_start)
    line = text[body_start:] if eol == -1 else text[body_start:eol]
    if not line or line[0] == "}":
        return "the variable name is missing"
    m = _NAME_RE.match(line)
    if m is None:
        return (f"{line[0]!r} cannot start a variable name "
                "(use a letter or '_', then letters, digits or '_')")
    rest = line[m.end():]
    if not rest:
        return "'${' is not closed by '}'"
    if rest[0] == ":" and (len(rest) < 2 or rest[1] not in "-+?"):
        return "':' must be followed by '-', '+' or '?'"
    if rest[0] in "-+?:":
        return "'${' is not closed by '}' on the same line"
    return f"unexpected {rest[0]!r} after the variable name {m.group(0)!r}"


class _Run:
    """State of one interpolation: the lookup and the problems found."""

    def __init__(self, lookup: Mapping[str, str]) -> None:
        self.lookup = lookup
        self.problems: list[Problem] = []
        self.depth = 0

    def get(self, name: str) -> str | None:
        return self.lookup.get(name)

    # Each returns (value, failed). ``failed`` mirrors Go's error return: a
    # failed replacement yields "" and the caller records nothing more,
    # because the problem was recorded where it arose.

    def substitute(self, template: str, base: int) -> tuple[str, bool]:
        if self.depth >= MAX_NESTING:
            self.problems.append(Problem(
                kind="invalid", offset=base,
                message=f"expressions are nested more than {MAX_NESTING} levels deep",
                snippet=template[:20] + ("..." if len(template) > 20 else "")))
            return "", True
        self.depth += 1
        try:
            return self._substitute(template, base)
        finally:
            self.depth -= 1

    def _substitute(self, template: str, base: int) -> tuple[str, bool]:
        out: list[str] = []
        pos = 0
        failed = False
        while (m := _PATTERN.search(template, pos)) is not None:
            out.append(template[pos:m.start()])
            value, bad, pos = self.replace(template, m, base)
            failed = failed or bad
            out.append(value)
        out.append(template[pos:])
        return "".join(out), failed

    def replace(self, template: str, match: re.Match[str],
                base: int) -> tuple[str, bool, int]:
        """Replace one match; returns the value, whether it failed, and where to go on.

        compose-go interpolates the text after a cut expression (``rest``) on its
        own and appends it; since that text runs to the last ``}`` of the line,
        going on scanning right after the cut is the same, without recursion.
        """
        start = match.start()
        if match.group("escaped") is not None:
            return "$", False, match.end()
        named = match.group("named")
        if named is not None:
            value, bad = self.plain(named, base + start)
            return value, bad, match.end()
        braced = match.group("braced")
        if braced is None:
            self.problems.append(Problem(
                kind="invalid", offset=base + start,
                message=_invalid_reason(template, start),
                snippet=_invalid_snippet(template, start)))
            return "", True, match.end()
        whole = match.group(0)
        close = _first_brace_closing_index(whole)
        if close > -1:
            whole = whole[: close + 1]
        # the body of the (possibly cut) expression: between "${" and "}"
        body = whole[2:-1]
        split = _operator_of(body)
        if split is None:
            value, bad = self.plain(body, base + start)
            return value, bad, match.end()
        name, op, arg, arg_at = split
        arg_base = base + start + 2 + arg_at
        value, bad = self.apply(name, op, arg, arg_base, base + start)
        if bad:
            # a failed expression takes the rest of its match with it, unread
            return "", True, match.end()
        return value, False, start + len(whole)

    def plain(self, name: str, offset: int) -> tuple[str, bool]:
        value = self.get(name)
        if value is None:
            self.problems.append(Problem(
                kind="unset", offset=offset, name=name,
                message=f"the {name!r} variable is not set; it defaults to a blank string"))
            return "", False
        return value, False

    def apply(self, name: str, op: Operator, arg: str, arg_base: int,
              offset: int) -> tuple[str, bool]:
        # compose-go interpolates the argument first, whatever the variable
        argument, bad = self.substitute(arg, arg_base)
        if bad:
            return "", True
        value = self.get(name)
        if op == ":-":
            return (value or argument), False
        if op == "-":
            return (argument if value is None else value), False
        if op == ":+":
            return (argument if value else ""), False
        if op == "+":
            return (argument if value is not None else ""), False
        # required
        if value is None or (op == ":?" and value == ""):
            state = "empty" if value == "" else "not set"
            message = f"required variable {name} is {state}"
            if argument:
                message += f": {argument}"
            self.problems.append(Problem(
                kind="required", offset=offset, name=name, reason=argument or None,
                message=message))
            return "", True
        return value, False


def interpolate_string(text: str, lookup: Mapping[str, str]) -> InterpolationResult:
    """Interpolate ``text`` with the variables in ``lookup`` as Compose does.

    Never raises for any input: every problem is returned in ``problems``
    with the character offset of the ``$`` that starts it.
    """
    run = _Run(lookup)
    value, _failed = run.substitute(text, 0)
    return InterpolationResult(value=value, problems=run.problems)


def find_references(text: str) -> list[Reference]:
    """Every variable reference in ``text``, nested ones included, unresolved.

    Escaped ``$$`` and malformed ``${`` are skipped. References inside an
    argument (``B`` in ``${A:-${B}}``) come right after the outer one, with
    ``nested=True``.
    """
    found: list[Reference] = []
    _scan(text, 0, False, found, 0)
    return found


def _scan(template: str, base: int, nested: bool, found: list[Reference], depth: int) -> None:
    if depth >= MAX_NESTING:
        return
    pos = 0
    while (m := _PATTERN.search(template, pos)) is not None:
        start = m.start()
        pos = m.end()
        named = m.group("named")
        if named is not None:
            found.append(Reference(name=named, offset=base + start, end=base + m.end(),
                                   nested=nested))
            continue
        braced = m.group("braced")
        if braced is None:
            continue
        whole = m.group(0)
        close = _first_brace_closing_index(whole)
        if close > -1:
            whole = whole[: close + 1]
        body = whole[2:-1]
        split = _operator_of(body)
        end = base + start + len(whole)
        if split is None:
            found.append(Reference(name=body, offset=base + start, end=end, braced=True,
                                   nested=nested))
            continue
        name, op, arg, arg_at = split
        found.append(Reference(name=name, offset=base + start, end=end, operator=op,
                               argument=arg, braced=True, nested=nested))
        _scan(arg, base + start + 2 + arg_at, True, found, depth + 1)
        pos = start + len(whole)  # what follows a cut expression is read on its own


# --------------------------------------------------------------------------
# type casts after interpolation
# --------------------------------------------------------------------------

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_FLOAT_RE = re.compile(
    rf"[+-]?(?:(?:{_DEC}(?:\.(?:{_DEC})?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?"
    rf"|0[xX](?:_?{_HEX}(?:\.(?:{_HEX})?)?|_?\.{_HEX})[pP][+-]?{_DEC})\Z"
)
_FLOAT_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
                  "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf,
                  "nan": math.nan, "+nan": math.nan, "-nan": math.nan}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]


class CastError(ValueError):
    """A string at a cast path does not parse as the expected type."""


def _to_int(value: str) -> int:
    if not _INT_RE.match(value):
        raise CastError(f"{value!r} is not an integer")
    n = int(value)
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise CastError(f"{value!r} is out of range for a 64-bit integer")
    return n


def _parse_go_float(value: str) -> float:
    special = _FLOAT_SPECIAL.get(value.lower())
    if special is not None:
        return special
    if not _FLOAT_RE.match(value):
        raise CastError(f"{value!r} is not a number")
    clean = value.replace("_", "")
    unsigned = clean.lstrip("+-")
    if unsigned[:2] in ("0x", "0X"):
        try:
            result = float.fromhex(clean)
        except OverflowError:
            raise CastError(f"{value!r} is out of range") from None
    else:
        result = float(clean)
    if math.isinf(result):
        raise CastError(f"{value!r} is out of range")
    return result


def _to_float(value: str) -> float:
    return _parse_go_float(value)


def _to_float32(value: str) -> float:
    f = _parse_go_float(value)
    if math.isnan(f) or math.isinf(f):
        return f
    if abs(f) > _FLOAT32_MAX:
        # Go rounds to the nearest float32; past half an ulp above max it is a range error
        raise CastError(f"{value!r} is out of range for a 32-bit float")
    single: float = struct.unpack("<f", struct.pack("<f", f))[0]
    # the shortest decimal that reads back as the same float32, as Go prints it
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == single:
            return float(text)
    return single  # pragma: no cover - 9 significant digits always round-trip


_YAML11_TRUE = {"y", "yes", "on"}
_YAML11_FALSE = {"n", "no", "off"}


def _to_bool(value: str) -> bool:
    low = value.lower()
    if low == "true" or low in _YAML11_TRUE:
        return True
    if low == "false" or low in _YAML11_FALSE:
        return False
    raise CastError(f"{value!r} is not a boolean (use true or false)")


_CASTERS: dict[str, Callable[[str], int | float | bool]] = {
    "int": _to_int,
    "int64": _to_int,
    "float": _to_float,
    "float32": _to_float32,
    "bool": _to_bool,
}

#: The paths where compose-go casts an interpolated string, measured against
#: ``docker compose config`` 2.40 (a value that does not parse fails with
#: "failed to cast to expected type"). ``*`` is any key, ``[]`` any list item.
#: Other typed fields (mem_limit, shm_size, stop_grace_period, secret/config
#: ``mode``, ``published`` ports...) are converted later, at decoding time,
#: and stay strings here.
CAST_PATHS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    [(("services", "*", *p.split(".")), t) for p, t in (
        ("cpu_count", "int64"),
        ("cpu_percent", "float"),
        ("cpu_period", "int64"),
        ("cpu_quota", "int64"),
        ("cpu_rt_period", "int64"),
        ("cpu_rt_runtime", "int64"),
        ("cpus", "float32"),
        ("cpu_shares", "int64"),
        ("init", "bool"),
        ("deploy.replicas", "int"),
        ("deploy.update_config.parallelism", "int"),
        ("deploy.update_config.max_failure_ratio", "float"),
        ("deploy.rollback_config.parallelism", "int"),
        ("deploy.rollback_config.max_failure_ratio", "float"),
        ("deploy.restart_policy.max_attempts", "int"),
        ("deploy.placement.max_replicas_per_node", "int"),
        ("healthcheck.retries", "int"),
        ("healthcheck.disable", "bool"),
        ("oom_kill_disable", "bool"),
        ("oom_score_adj", "int64"),
        ("pids_limit", "int64"),
        ("ports.[].target", "int"),
        ("privileged", "bool"),
        ("read_only", "bool"),
        ("scale", "int"),
        ("stdin_open", "bool"),
        ("tty", "bool"),
        ("ulimits.*", "int"),
        ("ulimits.*.hard", "int"),
        ("ulimits.*.soft", "int"),
        ("volumes.[].read_only", "bool"),
        ("volumes.[].volume.nocopy", "bool"),
    )]
    + [((kind, "*", key), "bool") for kind, key in (
        ("networks", "external"),
        ("networks", "internal"),
        ("networks", "attachable"),
        ("networks", "enable_ipv6"),
        ("networks", "enable_ipv4"),
        ("volumes", "external"),
        ("secrets", "external"),
        ("configs", "external"),
    )]
)

CastPaths = tuple[tuple[tuple[str, ...], str], ...]


def _service_paths(*pairs: tuple[str, str]) -> list[tuple[tuple[str, ...], str]]:
    return [(("services", "*", *p.split(".")), t) for p, t in pairs]


#: Where ``docker stack`` (the docker CLI's loader, 28.x) casts the strings that
#: interpolation changed, as measured: a ``${VAR:-3}`` passes its 3.x schema at
#: these paths and fails at the others that want a number or a boolean (``init``,
#: ``tmpfs.size``). Literal strings are never cast.
STACK_CAST_PATHS: CastPaths = tuple(
    _service_paths(
        ("configs.[].mode", "int"),
        ("secrets.[].mode", "int"),
        ("healthcheck.retries", "int"),
        ("healthcheck.disable", "bool"),
        ("deploy.replicas", "int"),
        ("deploy.update_config.parallelism", "int"),
        ("deploy.update_config.max_failure_ratio", "float"),
        ("deploy.rollback_config.parallelism", "int"),
        ("deploy.rollback_config.max_failure_ratio", "float"),
        ("deploy.restart_policy.max_attempts", "int"),
        ("deploy.placement.max_replicas_per_node", "int"),
        ("oom_score_adj", "int"),
        ("ports.[].target", "int"),
        ("ports.[].published", "int"),
        ("ulimits.*", "int"),
        ("ulimits.*.hard", "int"),
        ("ulimits.*.soft", "int"),
        ("privileged", "bool"),
        ("read_only", "bool"),
        ("stdin_open", "bool"),
        ("tty", "bool"),
        ("volumes.[].read_only", "bool"),
        ("volumes.[].volume.nocopy", "bool"),
    )
    + [((kind, "*", key), "bool") for kind, key in (
        ("networks", "external"),
        ("networks", "internal"),
        ("networks", "attachable"),
        ("volumes", "external"),
        ("secrets", "external"),
        ("configs", "external"),
    )]
)

#: Where docker-compose 1.x (1.26) casts strings before validating v1 and 2.x
#: files (its ``ConversionMap``), for the paths whose schema wants a number or a
#: boolean. (It casts literal strings too; composekit casts only interpolated
#: ones, and leaves a literal of the wrong type to the schema.)
COMPOSE_V1_CAST_PATHS: CastPaths = tuple(
    _service_paths(
        ("blkio_config.weight", "int"),
        ("blkio_config.weight_device.[].weight", "int"),
        ("cpus", "float"),
        ("cpu_count", "int"),
        ("healthcheck.retries", "int"),
        ("healthcheck.disable", "bool"),
        ("mem_swappiness", "int"),
        ("oom_kill_disable", "bool"),
        ("oom_score_adj", "int"),
        ("ports.[].target", "int"),
        ("ports.[].published", "int"),
        ("scale", "int"),
        ("ulimits.*", "int"),
        ("ulimits.*.hard", "int"),
        ("ulimits.*.soft", "int"),
        ("privileged", "bool"),
        ("read_only", "bool"),
        ("stdin_open", "bool"),
        ("tty", "bool"),
        ("volumes.[].read_only", "bool"),
        ("volumes.[].volume.nocopy", "bool"),
    )
    + [((kind, "*", key), "bool") for kind, key in (
        ("networks", "external"),
        ("networks", "internal"),
        ("networks", "attachable"),
        ("volumes", "external"),
        ("secrets", "external"),
        ("configs", "external"),
    )]
)

_TYPE_WORDS = {"int": "an integer", "int64": "an integer", "float": "a number",
               "float32": "a number", "bool": "a boolean"}


def _matches(pattern: tuple[str, ...], parts: tuple[str | int, ...]) -> bool:
    if len(pattern) != len(parts):
        return False
    for want, got in zip(pattern, parts, strict=True):
        if want == "*":
            continue
        if want == "[]":
            if not isinstance(got, int):
                return False
        elif isinstance(got, int) or want != got:
            return False
    return True


def cast_for_path(parts: tuple[str | int, ...], paths: CastPaths | None = None) -> str | None:
    """The cast compose-go (or the table ``paths``) applies at ``parts`` (``int``,
    ``int64``, ``float``, ``float32`` or ``bool``), or ``None``."""
    for pattern, kind in CAST_PATHS if paths is None else paths:
        if _matches(pattern, parts):
            return kind
    return None


def cast_model(node: Node, *, prefix: tuple[str, ...] = (),
               skip: Collection[tuple[str | int, ...]] = (),
               drop: Collection[tuple[str | int, ...]] = (),
               texts: Mapping[tuple[str | int, ...], str] | None = None) -> list[Diagnostic]:
    """Apply Compose v2's casts to one file's model, in place, as compose-go does.

    ``node`` is the file's tree as :class:`~composekit.loader.merge.Node`
    values, after interpolation. Every string at a :data:`CAST_PATHS` path
    becomes a number or a boolean, literal or interpolated alike (compose-go
    casts them all; the file's document keeps them as written for schema
    validation). ``prefix`` is prepended to the paths before matching (a
    version 1 file has its services at the top level: ``("services",)``).

    A string that does not cast makes Compose v2 refuse the file ("failed to
    cast to expected type"): it is dropped from the model and reported as
    ``invalid-type`` (CK026) with origin ``compose-v2``, since docker-compose
    1.x and ``docker stack`` do not cast literal strings this way (the file's
    own schema reports what its format refuses). Values at ``skip`` (paths
    from the file's root whose interpolation failed, already reported) are
    dropped from cast paths without a finding; values at ``drop`` (a typed value
    that a variable made unreadable, already reported) are dropped wherever
    they are. ``texts`` gives back their interpolated text to values that the
    file's document cast with another tool's table
    (:attr:`TreeInterpolation.uncast`) before Compose v2's casts apply.
    """
    found: list[Diagnostic] = []
    skipped = set(skip)
    dropped = set(drop)
    written = texts or {}

    def walk(n: Node, parts: tuple[str | int, ...]) -> None:
        value = n.value
        if isinstance(value, dict):
            for key in list(value):
                child = value[key]
                child_parts = (*parts, key)
                if child_parts in written:
                    child.value = written[child_parts]
                if child_parts in dropped:
                    del value[key]
                elif isinstance(child.value, str):
                    if not _cast_child(child, child_parts):
                        del value[key]
                else:
                    walk(child, child_parts)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*parts, index))

    def _cast_child(child: Node, parts: tuple[str | int, ...]) -> bool:
        kind = cast_for_path((*prefix, *parts))
        if kind is None:
            return True
        if parts in skipped:
            return False
        text = child.value
        try:
            child.value = _CASTERS[kind](text)
        except CastError as exc:
            origin = child.origin
            found.append(codes.make(
                "invalid-type", origin.path if origin else "<unknown>",
                origin.span if origin else Span(),
                f"{_dotted(parts)}: {exc} (Compose v2 casts this value); "
                "Compose v2 refuses the file",
                json_path=json_path((*prefix, *parts)),
                help=f"write {_EXAMPLES[kind]} (Compose v2 fails with 'failed to cast to "
                     "expected type')",
                origin="compose-v2"))
            return False
        return True

    walk(node, ())
    return found


_EXAMPLES = {"int": "a whole number such as 3", "int64": "a whole number such as 3",
             "float": "a number such as 0.5", "float32": "a number such as 0.5",
             "bool": "true or false"}


# --------------------------------------------------------------------------
# interpolating a round-trip tree in place
# --------------------------------------------------------------------------

PathParts = tuple[str | int, ...]


@dataclass
class _Use:
    span: Span
    jpath: str


#: How :func:`interpolate_tree` casts strings at :data:`CAST_PATHS`: ``"all"``
#: every string, literal or interpolated, as compose-go (Compose v2) does;
#: ``"substituted"`` only the strings that interpolation changed, as the docker
#: CLI (``docker stack``) does; ``"none"`` nothing.
CastMode = Literal["all", "substituted", "none"]


@dataclass
class _TreeRun:
    lookup: Mapping[str, str]
    path: str
    cast: CastMode
    lines: list[str] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unset: dict[str, list[_Use]] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    #: Scalars, by (parent container id, key): changed by interpolation, failed to
    #: interpolate, failed to cast (left as written), cast (with their text before).
    substituted_at: set[tuple[int, Any]] = field(default_factory=set)
    failed_at: set[tuple[int, Any]] = field(default_factory=set)
    cast_failed_at: set[tuple[int, Any]] = field(default_factory=set)
    cast_text: dict[tuple[int, Any], str] = field(default_factory=dict)
    #: Every place (key path) each scalar was reached at.
    places: dict[tuple[int, Any], list[PathParts]] = field(default_factory=dict)
    failed: set[PathParts] = field(default_factory=set)
    cast_failed: set[PathParts] = field(default_factory=set)
    uncast: dict[PathParts, str] = field(default_factory=dict)
    #: The cast table, and what to put before a path to match it.
    paths: CastPaths = CAST_PATHS
    prefix: tuple[str, ...] = ()


@dataclass
class TreeInterpolation:
    """What :func:`interpolate_in_place` found."""

    diagnostics: list[Diagnostic]
    #: The key paths (from the tree's root) of the scalars left as written because
    #: their interpolation failed (CK016, CK017). Every place of a scalar shared
    #: through a YAML alias is listed, here and below.
    failed: set[PathParts]
    #: Those left as written because, casting only substituted strings, the
    #: interpolated text did not cast (CK026).
    cast_failed: set[PathParts]
    #: The interpolated text of each value that the cast made a number or a boolean.
    uncast: dict[PathParts, str]


def interpolate_tree(
    tree: Any,
    lookup: Mapping[str, str],
    *,
    path: str,
    cast: bool | CastMode = True,
    source: str | None = None,
) -> list[Diagnostic]:
    """Interpolate every string value of a round-trip tree in place.

    Keys are left alone, as Compose does. Positions stay valid because
    ruamel keeps them on the parent containers. Quoting styles are kept
    (a double-quoted scalar stays double-quoted). ``cast`` says which values
    at :data:`CAST_PATHS` become ``int``/``float``/``bool`` (see
    :data:`CastMode`; ``True`` is ``"all"``, compose-go's way, and ``False``
    is ``"none"``).

    A scalar with an error keeps its original text. Findings:

    * ``invalid-interpolation`` (CK016) at the bad ``${``;
    * ``required-variable`` (CK017) at the ``${`` of the required variable;
    * ``unset-variable`` (CK018, warning): **one per variable per file**, at
      its first use, naming every other place it is used ("also used at
      12:9, 20:13"), since Compose's one warning per use is noise;
    * ``invalid-type`` (CK026) when an interpolated value does not parse at
      a cast path (Compose fails), and ``yaml11-boolean`` (CK013, warning)
      when it reads ``yes``/``no``/``on``/``off`` there (Compose warns).
      Literal strings that do not cast are not reported here (schema
      validation and :func:`cast_model` judge them). With ``"all"`` the
      scalar that failed to cast holds the interpolated text; with
      ``"substituted"`` it keeps its original text, so that schema
      validation, which does not judge values holding ``${...}``, does not
      report the same value again.

    A mapping or sequence shared through a YAML alias is interpolated once,
    where it first appears; at later places only the cast of that place is
    applied, in the shared node (so an ``x-*`` anchor whose node is also used
    as ``deploy:`` sees ``replicas`` become a number, where Compose, working
    on copies, would leave the ``x-*`` copy a string). Keys pulled in by a
    ``<<`` merge stay merged keys.

    Columns point inside the scalar (``value column + offset``, past the
    opening quote and escapes). Pass the file's text as ``source`` to make
    positions exact in literal block scalars and checked everywhere; without
    it, block scalars and multi-line values point at the scalar's start.
    """
    return interpolate_in_place(tree, lookup, path=path, cast=cast, source=source).diagnostics


def interpolate_in_place(
    tree: Any,
    lookup: Mapping[str, str],
    *,
    path: str,
    cast: bool | CastMode = True,
    source: str | None = None,
    cast_paths: CastPaths = CAST_PATHS,
    prefix: tuple[str, ...] = (),
) -> TreeInterpolation:
    """:func:`interpolate_tree`, also telling which scalars were left as written.

    ``cast_paths`` is the table of the tool whose casts to mirror (compose-go's
    :data:`CAST_PATHS` by default; :data:`STACK_CAST_PATHS` and
    :data:`COMPOSE_V1_CAST_PATHS` for what docker stack and docker-compose 1.x
    do with 3.x and 1/2.x files); ``prefix`` is put before each path to match
    it (``("services",)`` for a version 1 file).
    """
    lines = None
    if source is not None:
        # YAML breaks lines at \n, \r\n and \r only (str.splitlines knows more)
        lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    mode: CastMode = ("all" if cast else "none") if isinstance(cast, bool) else cast
    run = _TreeRun(lookup=lookup, path=path, cast=mode, lines=lines, paths=cast_paths,
                   prefix=prefix)
    _walk(tree, (), run, report=True)
    _report_unset(run)
    return TreeInterpolation(diagnostics=run.diagnostics, failed=run.failed,
                             cast_failed=run.cast_failed, uncast=run.uncast)


def _merge_sources(node: Any) -> list[Any]:
    """The maps a ``<<`` merge key pulled into ``node`` (ruamel keeps them aside)."""
    sources = getattr(node, merge_attrib, None) or []
    # ruamel < 0.18.7 stored (position, map) pairs, later versions the maps themselves
    return [s[1] if isinstance(s, tuple) else s for s in sources]


def _walk(node: Any, parts: PathParts, run: _TreeRun, *, report: bool) -> None:
    if isinstance(node, Mapping):
        first = id(node) not in run.seen
        run.seen.add(id(node))
        # A merge source written inline (``<<: {a: 1}``) is reachable only from here;
        # an anchored one was walked where it is defined (anchors precede aliases).
        for source in _merge_sources(node):
            if id(source) not in run.seen:
                _walk(source, parts, run, report=report)
        own = getattr(node, "_ok", None)
        for key in list(node.keys()):
            merged = own is not None and key not in own
            child_parts = (*parts, key if isinstance(key, str) else str(key))
            _visit(node, key, child_parts, run, report=report and first and not merged,
                   interpolate=first, merged=merged)
    elif isinstance(node, list):
        first = id(node) not in run.seen
        run.seen.add(id(node))
        for index in range(len(node)):
            _visit(node, index, (*parts, index), run, report=report and first,
                   interpolate=first, merged=False)


def _visit(parent: Any, key: Any, parts: PathParts, run: _TreeRun, *, report: bool,
           interpolate: bool, merged: bool) -> None:
    value = parent[key]
    if isinstance(value, Mapping | list):
        _walk(value, parts, run, report=report)
        return
    here = (id(parent), key)
    run.places.setdefault(here, []).append(parts)
    if here in run.cast_text:
        run.uncast[parts] = run.cast_text[here]
    if not isinstance(value, str):
        return
    # A container reached a second time (a YAML alias) was interpolated at its
    # first place; only the cast of this place still applies.
    if not interpolate and here in run.failed_at:
        run.failed.add(parts)
        return
    if not interpolate and here in run.cast_failed_at:
        run.cast_failed.add(parts)
        return
    new: Any = value
    has_reference = "$" in value
    substituted = not interpolate and here in run.substituted_at
    if interpolate and has_reference:
        result = interpolate_string(value, run.lookup)
        if report:
            _report_problems(parent, key, value, parts, result, run)
        if not result.ok:
            run.failed_at.add(here)
            run.failed.add(parts)
            return
        new = result.value
        if new != value:
            substituted = True
            run.substituted_at.add(here)
    if isinstance(new, str) and (run.cast == "all"
                                 or (run.cast == "substituted" and substituted)):
        cast = _cast(parent, key, parts, new, run, report=report and has_reference)
        if cast is _FAILED:
            if run.cast == "substituted" and interpolate:
                # left as written: the finding above is the one about this value
                run.cast_failed_at.add(here)
                run.cast_failed.add(parts)
                return
            cast = new
        elif cast is not new:
            run.cast_text[here] = new
            for place in run.places[here]:
                run.uncast[place] = new
        new = cast
    if new is not value:
        _store(parent, key, value, new, merged)


#: What :func:`_cast` returns for a string that does not cast.
_FAILED: Any = object()


def _cast(parent: Any, key: Any, parts: PathParts, text: str, run: _TreeRun, *,
          report: bool) -> Any:
    """Cast ``text`` when ``parts`` is a cast path (``_FAILED`` when it does not
    cast); report only what came from a variable (literal strings of the wrong
    type are the schema's and :func:`cast_model`'s business)."""
    kind = cast_for_path((*run.prefix, *parts), run.paths)
    if kind is None:
        return text
    try:
        cast = _CASTERS[kind](text)
    except CastError as exc:
        if report:
            run.diagnostics.append(codes.make(
                "invalid-type", run.path, _value_span(parent, key),
                f"after interpolation {_dotted(parts)}: {exc}",
                json_path=json_path(parts),
                help="Compose fails with 'failed to cast to expected type'; "
                     "check the variable's value",
                origin="interpolate"))
        return _FAILED
    if report and kind == "bool" and text.lower() in _YAML11_TRUE | _YAML11_FALSE:
        word = "true" if cast else "false"
        run.diagnostics.append(codes.make(
            "yaml11-boolean", run.path, _value_span(parent, key),
            f"{_dotted(parts)} is {text!r} after interpolation; Compose reads it as "
            f"{word} but warns that only true and false are YAML 1.2 booleans",
            json_path=json_path(parts),
            help=f"set the variable to {word}",
            origin="interpolate"))
    return cast


def _store(parent: Any, key: Any, old: str, new: Any, merged: bool) -> None:
    if isinstance(new, str) and not isinstance(new, ScalarString):
        # Keep the quoting style; an interpolated plain scalar is marked plain too, so
        # that its text is not taken for what YAML would read if written so (a
        # variable that gives `yes` gives the string "yes", not a YAML 1.1 boolean).
        new = type(old)(new) if isinstance(old, ScalarString) else PlainScalarString(new)
    if merged and isinstance(parent, CommentedMap):
        # a key that comes from a '<<' merge: keep it out of the map's own keys
        dict.__setitem__(parent, key, new)
    else:
        parent[key] = new


def _dotted(parts: PathParts) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in parts).replace(".[", "[")


def _value_span(parent: Any, key: Any) -> Span:
    line_col = _value_position(parent, key)
    return Span.at(*line_col) if line_col is not None else Span()


def _value_position(parent: Any, key: Any) -> tuple[int, int] | None:
    try:
        if isinstance(parent, CommentedMap):
            line, col = parent.lc.value(key)
        elif isinstance(parent, CommentedSeq):
            line, col = parent.lc.item(key)
        else:
            return None
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
    if line is None or col is None:
        return None
    return int(line), int(col)


def _offset_span(parent: Any, key: Any, value: str, offset: int,
                 lines: list[str] | None) -> Span:
    """Where character ``offset`` of the scalar ``value`` sits in the file."""
    start = _value_position(parent, key)
    if start is None:
        return Span()
    line0, col0 = start
    fallback = Span.at(line0, col0)
    prefix = value[:offset]
    candidate: tuple[int, int] | None = None
    if isinstance(value, LiteralScalarString):
        if lines is None:
            return fallback
        k = prefix.count("\n")
        in_line = prefix[prefix.rfind("\n") + 1:]
        value_line = value.split("\n")[k]
        src_index = line0 + 1 + k
        if src_index >= len(lines) or not lines[src_index].endswith(value_line):
            return fallback
        src = lines[src_index]
        candidate = (src_index, len(src) - len(value_line) + len(in_line))
    elif isinstance(value, FoldedScalarString) or "\n" in prefix:
        return fallback
    elif isinstance(value, DoubleQuotedScalarString):
        if any(ord(c) < 0x20 for c in prefix):
            return fallback
        candidate = (line0, col0 + 1 + offset + prefix.count('"') + prefix.count("\\"))
    elif isinstance(value, SingleQuotedScalarString):
        candidate = (line0, col0 + 1 + offset + prefix.count("'"))
    else:
        candidate = (line0, col0 + offset)
    if lines is not None:
        row, col = candidate
        if row >= len(lines) or not lines[row][col:].startswith("$"):
            return fallback
    return Span.at(*candidate)


def _report_problems(parent: Any, key: Any, value: str, parts: PathParts,
                     result: InterpolationResult, run: _TreeRun) -> None:
    jpath = json_path(parts)
    seen_here: set[str] = set()
    for problem in result.problems:
        span = _offset_span(parent, key, value, problem.offset, run.lines)
        if problem.kind == "unset":
            assert problem.name is not None
            if problem.name in seen_here:
                continue
            seen_here.add(problem.name)
            run.unset.setdefault(problem.name, []).append(_Use(span, jpath))
        elif problem.kind == "required":
            run.diagnostics.append(codes.make(
                "required-variable", run.path, span, problem.message, json_path=jpath,
                help=f"set {problem.name} in the environment or in the project's .env file",
                origin="interpolate"))
        else:
            run.diagnostics.append(codes.make(
                "invalid-interpolation", run.path, span,
                f"invalid interpolation {problem.snippet!r}: {problem.message}",
                json_path=jpath,
                help="write $$ for a literal '$'; expressions are ${NAME}, ${NAME:-default}, "
                     "${NAME-default}, ${NAME:+alt}, ${NAME+alt}, ${NAME:?error}, "
                     "${NAME?error}",
                origin="interpolate"))


def _report_unset(run: _TreeRun) -> None:
    for name, uses in run.unset.items():
        first, others = uses[0], uses[1:]
        message = f"the {name!r} variable is not set; Compose substitutes a blank string"
        if others:
            where = ", ".join(f"{u.span.line}:{u.span.column}" for u in others[:8])
            more = f" and {len(others) - 8} more" if len(others) > 8 else ""
            message += f" (also used at {where}{more})"
        run.diagnostics.append(codes.make(
            "unset-variable", run.path, first.span, message, json_path=first.jpath,
            severity=Severity.WARNING,
            help=f"set {name}, or give a default: ${{{name}:-default}}",
            origin="interpolate"))
