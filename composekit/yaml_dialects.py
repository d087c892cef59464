"""YAML 1.1 versus YAML 1.2: how each Compose implementation reads a plain scalar.

The same unquoted (plain) value can mean different things to the three
readers that matter to composekit:

* **Compose v1** (docker-compose 1.x) loads files with PyYAML's
  ``safe_load``, a YAML 1.1 reader: ``yes``/``on`` are booleans, ``56:56`` is a
  base-60 integer, ``0755`` is octal.
* **Compose v2** (``docker compose``, compose-go on go-yaml v3) resolves plain
  scalars with its own rules, which are neither YAML 1.1 nor exactly 1.2:
  ``yes`` is a string, but ``0755`` is still octal, ``0O17`` and ``0X1F`` are
  numbers, underscores are dropped from numbers, and ISO dates become time
  values.
* **ruamel.yaml** (composekit's round-trip reader) reads YAML 1.2 core:
  ``0755`` is the decimal 755, ``0O17`` is a string.

This module reports the values whose reading differs
(:func:`dialect_diagnostics`) and converts a round-trip tree into plain Python
data the way a given implementation reads it (:func:`to_plain`), so that a
project model built from it matches ``docker compose config``.

Observed readings
-----------------

Measured on this machine, not recalled: Compose v2 is ``docker compose``
v2.40.3 (``config --format json`` and ``--format yaml``, values placed under an
``x-`` extension key, which keeps types, and under ``environment`` and
``labels``, which turn values into strings); Compose v1 is PyYAML 5.4.1
``safe_load`` (as docker-compose 1.26.2 uses it); ruamel.yaml is 0.19.1
``YAML(typ="rt")``. ``str`` means the same text as a string, ``error``
means the reader raises, ``time`` a Compose v2 time value (shown as printed).

============================  ============  ==============  ===============  ============
plain scalar                  v1 (PyYAML)   v2 (x- field)   v2 env/labels    ruamel 1.2
============================  ============  ==============  ===============  ============
yes Yes on off                true/false    str             str              str
y n Y N                       str           str             str              str
true True TRUE                true          true            "true"           true
tRuE                          str           str             str              str
56:56                         3416          str             str              str
1:20:30 / -1:30               4830 / -90    str             str              str
190:20:30.15                  685230.15     str             str              str
8:30 / 08:30 / 0:30           510/str/str   str             str              str
0755 / +0755                  493           493             "493"            755
0o17 / 0o777                  str           15 / 511        "15" / "511"     15 / 511
0O17 / 0X1F                   str           15 / 31         "15" / "31"      str
0x1F / -0x1F                  31 / -31      31 / -31        "31" / "-31"     31 / -31
0b101                         5             5               "5"              5
08 / 09 / 0789                str           8.0/9.0/789.0   "8"/"9"/"789"    8 / 9 / 789
012345678                     str           12345678.0      "1.2345678e+07"  12345678
00                            0             0               "0"              0
1_000 / 1__0 / 0x_1F          1000/10/31    1000/10/31      "1000"/"10"/..   1000/10/31
+1 / -0                       1 / 0         1 / 0           "1" / "0"        1 / 0
1e3 / 1E3 / +12e03            str           1000.0/../      "1000"/"12000"   1000.0/..
1.0e+3 / 6.8523015e+5         1000.0 / ..   1000.0 / ..     "1000"/          same
                                                            "685230.15"
0. / 1. / .5                  0.0/1.0/0.5   0.0/1.0/0.5     "0"/"1"/"0.5"    0.0/1.0/0.5
-.5 / +.5                     str           -0.5 / 0.5      "-0.5" / "0.5"   -0.5 / 0.5
._5 / .5_0                    0.5 / 0.5     str / 0.5       str / "0.5"      -
.inf / -.Inf / .NaN           inf/-inf/nan  inf/-inf/nan    "+Inf"/"-Inf"/   inf/-inf/nan
                                                            "NaN"
1.5e400                       str           str             str              inf
99999999999999999999          int           1e+20 (float)   "1e+20"          int
18446744073709551615          int           int (uint64)    "184467...615"   int
0xFFFFFFFFFFFFFFFFF           int           str             str              int
~ / null / Null / NULL /      null          null            env: null,       null
(empty)                                                     labels: ""
2001-12-14                    date          time ...        refused (1)      date
                                            T00:00:00Z
2001-1-2                      str           time            refused (1)      str
                                            2001-01-02T..Z
2001-12-14 21:59:43.10        datetime      time ...43.1Z   refused (1)      datetime
2001-12-14t21:59:43.10-05:00  datetime      time ...        refused (1)      TimeStamp
                                            43.1-05:00
2001-12-14 21:59:43.10 -5     datetime      str             str              TimeStamp
2002-02-30                    error         str             str              error
=                             error         str             str              TaggedScalar
============================  ============  ==============  ===============  ============

(1) "invalid jsonType time.Time". The v1 column is docker-compose 1.26.2's
reading; docker-compose then refuses a boolean in ``environment`` ("contains
true, which is an invalid type, it should be a string, number, or a null"),
writes a boolean label as ``"True"``, and fails with a traceback on a date in
``environment`` (``Object of type date is not JSON serializable``).

Compose v2's time values print as RFC 3339 with nanoseconds, trailing zeros
dropped and ``Z`` for a zero offset (``+00:00`` and ``-00:00`` included).
v2 accepts ``YYYY-M-D``, ``YYYY-M-DTh:m:s[.frac](Z|+hh:mm)`` (uppercase ``T``
or lowercase ``t`` but only uppercase ``Z``), and ``YYYY-M-D h:m:s[.frac]``
with one or more spaces (UTC); fractions are cut to 9 digits and may use a
comma. Invalid dates (``1900-02-29``, hour 24, second 60) stay strings.

Compose v2 also writes numbers into ``environment``/``labels`` with Go's
shortest ``%g`` form (exponent from 1e+06 up), booleans as ``true``/``false``.
Compose v1 refuses a boolean in ``environment`` ("contains true, which is an
invalid type") and writes a boolean label as ``"True"``.

``docker compose config --format json`` prints integral floats without a
fraction (``1000`` for 1000.0), so float versus int is inferred from the YAML
output (``012345678`` prints as ``1.2345678e+07``) and from go-yaml's order:
int (base prefixes, leading-zero octal, int64 then uint64), then float.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from composekit import codes
from composekit.diagnostics import Diagnostic, Span, json_path

Dialect = Literal["compose-v2", "compose-v1"]
DIALECTS: tuple[Dialect, ...] = ("compose-v2", "compose-v1")

#: Attribute set by :mod:`composekit.yamlio` on round-trip mappings and
#: sequences: ``{key or index: (value object as constructed, plain source text)}``
#: for every plain scalar that some reader does not read as that same string.
PLAIN_VALUES_ATTR = "_composekit_plain"
#: Same for mapping keys: ``{key: plain source text}``.
PLAIN_KEYS_ATTR = "_composekit_plain_keys"
#: Set on ruamel scalar objects that can carry attributes (``ScalarInt``,
#: ``ScalarFloat``, ``TimeStamp``, ...): their plain source text, so that
#: :func:`to_plain` reads a lone scalar right too.
SOURCE_ATTR = "_composekit_source"


class Timestamp(str):
    """A plain scalar that Compose v2 reads as a time value.

    The string is how Compose v2 writes it out (RFC 3339 with nanoseconds,
    e.g. ``2001-12-14T00:00:00Z``). It is a ``str`` so that plain data stays
    JSON-ready; test ``isinstance(x, Timestamp)`` to mimic Compose v2, which
    refuses a time value where a string is required (environment, labels).
    """

    __slots__ = ()


@dataclass(frozen=True)
class ReadError:
    """The reader fails on this scalar (e.g. PyYAML on ``2002-02-30``)."""

    message: str


# --- Compose v1: PyYAML 5.4.1 (YAML 1.1 implicit types) -----------------------

_V1_BOOL = {
    "yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False,
}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_V1_FLOAT = re.compile(
    r"""[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?   # 1.5, 1.0e+3, 0.
      | \.[0-9_]+(?:[eE][-+][0-9]+)?                    # .5 (no sign allowed)
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*     # 190:20:30.15
      | [-+]?\.(?:inf|Inf|INF)
      | \.(?:nan|NaN|NAN)""",
    re.X,
)
_V1_INT = re.compile(
    r"""[-+]?0b[01_]+
      | [-+]?0[0-7_]+
      | [-+]?(?:0|[1-9][0-9_]*)
      | [-+]?0x[0-9a-fA-F_]+
      | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+""",
    re.X,
)
_V1_TIMESTAMP = re.compile(
    r"""(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})
        (?:(?:[Tt]|[ \t]+)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})
           (?:\.(?P<f>[0-9]*))?
           (?:[ \t]*(?P<tz>Z|(?P<tzs>[-+])(?P<tzh>[0-9]{1,2})(?::(?P<tzm>[0-9]{2}))?))?)?""",
    re.X,
)
_V1_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _sexagesimal(digits: str) -> list[int | float]:
    return [float(p) if "." in p else int(p) for p in digits.split(":")]


def _read_v1(text: str) -> object:
    if text in _NULLS:
        return None
    first = text[0]
    if first in "yYnNtTfFoO" and text in _V1_BOOL:
        return _V1_BOOL[text]
    if first in "-+0123456789.":
        if _V1_FLOAT.fullmatch(text):
            return _v1_float(text)
        if first != "." and _V1_INT.fullmatch(text):
            return _v1_int(text)
    if first.isdigit() and len(text) >= 8:
        m = _V1_TIMESTAMP.fullmatch(text)
        if m and (m.group("h") is not None or _V1_DATE_ONLY.fullmatch(text)):
            return _v1_timestamp(m)
    if text == "<<":
        return ReadError("Compose v1 cannot read a '<<' merge key as a value")
    if text == "=":
        return ReadError("Compose v1 cannot read '=' (the YAML 1.1 value type)")
    return text


def _v1_float(text: str) -> float | ReadError:
    try:
        return _v1_float_value(text)
    except ValueError as exc:  # '._' matches the pattern but is no number
        return ReadError(f"Compose v1 fails to read {text!r}: {exc}")


def _v1_float_value(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1.0 if value.startswith("-") else 1.0
    if value[:1] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * math.inf
    if value == ".nan":
        return math.nan
    if ":" in value:
        total = 0.0
        for part in _sexagesimal(value):
            total = total * 60 + part
        return sign * total
    return sign * float(value)


def _v1_int(text: str) -> int | ReadError:
    value = text.replace("_", "")
    sign = -1 if value.startswith("-") else 1
    if value[:1] in "+-":
        value = value[1:]
    try:
        if value == "0":
            return 0
        if value.startswith("0b"):
            return sign * int(value[2:], 2)
        if value.startswith("0x"):
            return sign * int(value[2:], 16)
        if value.startswith("0"):
            return sign * int(value, 8)
    except ValueError as exc:
        return ReadError(f"Compose v1 fails to read {text!r}: {exc}")
    if ":" in value:
        total = 0
        for part in _sexagesimal(value):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(value)


def _v1_timestamp(m: re.Match[str]) -> object:
    try:
        year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
        if m["h"] is None:
            return _dt.date(year, month, day)
        frac = (m["f"] or "")[:6].ljust(6, "0")
        tz: _dt.tzinfo | None = None
        if m["tz"] == "Z":
            tz = _dt.timezone.utc
        elif m["tz"]:
            delta = _dt.timedelta(hours=int(m["tzh"]), minutes=int(m["tzm"] or 0))
            tz = _dt.timezone(-delta if m["tzs"] == "-" else delta)
        return _dt.datetime(year, month, day, int(m["h"]), int(m["mi"]), int(m["s"]),
                            int(frac), tzinfo=tz)
    except ValueError as exc:
        return ReadError(f"Compose v1 fails to read {m.string!r}: {exc}")


# --- Compose v2: go-yaml v3 as used by compose-go -------------------------------

_V2_SPECIAL: dict[str, object] = {
    "~": None, "null": None, "Null": None, "NULL": None, "": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}
_V2_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# A scalar starting with '.' goes straight to Go's ParseFloat, whose
# underscores must sit between digits.
_V2_DOT_FLOAT = re.compile(r"\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?")
_V2_INT = re.compile(
    r"(?P<sign>[-+]?)(?:0[xX](?P<hex>[0-9a-fA-F]+)|0[oO](?P<oct>[0-7]+)|0[bB](?P<bin>[01]+)"
    r"|(?P<loct>0[0-7]*)|(?P<dec>[1-9][0-9]*))"
)
_V2_TIME = re.compile(
    r"""(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})
        (?:(?P<sep>[Tt]|[ ]+)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})
           (?:[.,](?P<f>[0-9]+))?
           (?P<tz>Z|(?P<tzs>[-+])(?P<tzh>[0-9]{2}):(?P<tzm>[0-9]{2}))?)?""",
    re.X,
)
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _read_v2(text: str) -> object:
    if text in _V2_SPECIAL:
        return _V2_SPECIAL[text]
    first = text[0]
    if first == ".":
        if _V2_DOT_FLOAT.fullmatch(text):
            return _go_float(text.replace("_", ""), text)
        return text
    if first not in "-+0123456789":
        return text
    if first.isdigit():
        stamp = _v2_timestamp(text)
        if stamp is not None:
            return stamp
    plain = text.replace("_", "")
    m = _V2_INT.fullmatch(plain)
    if m is not None:
        value = _v2_int(m)
        if value is not None:
            return value
    if _V2_FLOAT.fullmatch(plain):
        return _go_float(plain, text)
    return text


def _v2_int(m: re.Match[str]) -> int | None:
    if m["hex"] is not None:
        value = int(m["hex"], 16)
    elif m["oct"] is not None:
        value = int(m["oct"], 8)
    elif m["bin"] is not None:
        value = int(m["bin"], 2)
    elif m["loct"] is not None:
        value = int(m["loct"], 8) if len(m["loct"]) > 1 else 0
    else:
        value = int(m["dec"])
    if m["sign"] == "-":
        value = -value
    if _INT64_MIN <= value <= _UINT64_MAX:
        return value
    return None  # Go's ParseInt and ParseUint both fail: try float


def _go_float(plain: str, text: str) -> float | str:
    value = float(plain)
    if math.isinf(value):
        return text  # ParseFloat reports a range error; go-yaml keeps the string
    return value


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS[month - 1]


def _v2_timestamp(text: str) -> Timestamp | None:
    if len(text) < 8 or text[4:5] != "-" or not text[:4].isdigit():
        return None
    m = _V2_TIME.fullmatch(text)
    if m is None:
        return None
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return None
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if m["h"] is None:
        return Timestamp(f"{date}T00:00:00Z")
    if m["sep"] in ("T", "t") and m["tz"] is None:
        return None  # the T forms need a zone
    if m["sep"].startswith(" ") and m["tz"] is not None:
        return None  # the space form takes no zone
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"])
    if hour > 23 or minute > 59 or second > 59:
        return None
    frac = (m["f"] or "")[:9].rstrip("0")
    clock = f"{hour:02d}:{minute:02d}:{second:02d}" + (f".{frac}" if frac else "")
    zone = "Z"
    if m["tz"] not in (None, "Z"):
        tz_minute = int(m["tzm"])
        if tz_minute > 60:
            return None
        offset = int(m["tzh"]) * 60 + tz_minute
        if offset:
            sign = m["tzs"]
            zone = f"{sign}{offset // 60:02d}:{offset % 60:02d}"
    return Timestamp(f"{date}T{clock}{zone}")


def go_format_float(value: float) -> str:
    """Format a float as Go's ``strconv.FormatFloat(v, 'g', -1, 64)`` does.

    This is how Compose v2 writes a number into ``environment`` or ``labels``:
    ``1e3`` becomes ``1000``, ``012345678`` becomes ``1.2345678e+07``.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    point = len(digit_tuple) + exponent  # position of the decimal point
    exp = point - 1
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def compose_v2_string(value: object) -> str | None:
    """The text Compose v2 puts in ``environment``/``labels`` for a read value.

    ``None`` stays ``None`` (an unset variable; Compose v2 writes an empty
    label). Raises ``TypeError`` for a :class:`Timestamp`, which Compose v2
    refuses there ("invalid jsonType time.Time"), and for collections.
    """
    if value is None:
        return None
    if isinstance(value, Timestamp):
        raise TypeError("Compose v2 refuses a time value where a string is required")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return go_format_float(float(value))
    raise TypeError(f"Compose v2 cannot turn a {type(value).__name__} into a string")


# --- public readers -----------------------------------------------------------

_HINT = frozenset("0123456789+-.~nNtTfFyYoO<=")


def read_plain(text: str, dialect: Dialect = "compose-v2") -> object:
    """How ``dialect`` reads the plain (unquoted, untagged) scalar ``text``.

    Returns ``None``, ``bool``, ``int``, ``float``, ``str``, a
    :class:`Timestamp` (Compose v2), a ``datetime.date``/``datetime.datetime``
    (Compose v1) or a :class:`ReadError` when the reader fails on it.
    """
    if text and text[0] not in _HINT:
        return text
    if dialect == "compose-v2":
        return _read_v2(text)
    if dialect == "compose-v1":
        return _read_v1(text)
    raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")


def needs_record(text: str, value: object) -> bool:
    """Whether a plain scalar must keep its source text for :func:`to_plain`.

    True unless every reader (the round-trip value, Compose v1, Compose v2)
    agrees that it is the string ``text``. Cheap for the common case: a value
    whose first character cannot start a number, boolean or null.
    """
    if type(value) is not str or value != text:
        return True
    if text and text[0] not in _HINT:
        return False
    return not (type(_read_v2(text)) is str and type(_read_v1(text)) is str)


# --- walking round-trip trees -------------------------------------------------


def _merge_sources(node: Any) -> list[Any]:
    merged = getattr(node, "_yaml_merge", None)
    if not merged:
        return []
    out = []
    for entry in merged:
        # ruamel.yaml 0.18 stores (position, map) pairs, 0.19 the maps.
        out.append(entry[1] if isinstance(entry, tuple) else entry)
    return out


def _own_keys(node: Any) -> Any:
    own = getattr(node, "_ok", None)
    return own if isinstance(own, set) else None


def _source_of(container: Any, key: Any, value: Any, depth: int = 0) -> str | None:
    """Plain source text recorded for ``container[key]`` if ``value`` is still it."""
    table = getattr(container, PLAIN_VALUES_ATTR, None)
    own = _own_keys(container)
    if table is not None and key in table and (own is None or key in own):
        recorded, text = table[key]
        return text if recorded is value else None
    if own is not None and key not in own and depth < 64:
        for source in _merge_sources(container):
            if key in source:
                return _source_of(source, key, value, depth + 1)
    return None


def _key_source(container: Any, key: Any, depth: int = 0) -> str | None:
    """Plain source text recorded for the key ``key`` (own or merged in)."""
    own = _own_keys(container)
    if own is not None and key not in own and depth < 64:
        for source in _merge_sources(container):
            if key in source:
                return _key_source(source, key, depth + 1)
        return None
    table = getattr(container, PLAIN_KEYS_ATTR, None)
    if table is None:
        return None
    text = table.get(key)
    return text if isinstance(text, str) else None


def _ruamel_value(value: Any, dialect: Dialect) -> Any:
    """Plain Python for a scalar without a recorded source text in its container."""
    source = getattr(value, SOURCE_ATTR, None)
    if isinstance(source, str):
        return _read_source(source, dialect)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    type_name = type(value).__name__
    if type_name == "ScalarBoolean":
        return bool(value)
    if isinstance(value, int):
        number = int(value)
        if dialect == "compose-v2" and not _INT64_MIN <= number <= _UINT64_MAX:
            return float(number)  # go-yaml: beyond int64/uint64 it is a float
        return number
    if isinstance(value, float):
        return float(value)
    if isinstance(value, _dt.datetime | _dt.date):
        if dialect == "compose-v1":
            return value
        stamp = read_plain(_iso(value), "compose-v2")
        return stamp if isinstance(stamp, Timestamp) else _iso(value)
    if type_name == "TaggedScalar":
        inner = getattr(value, "value", None)
        return str(inner) if inner is not None else None
    return value


def _iso(value: _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.isoformat(sep=" ")  # Compose v2: the space form is UTC
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def to_plain(tree: Any, dialect: Dialect = "compose-v2") -> Any:
    """Turn a round-trip tree into dicts, lists and scalars as ``dialect`` reads them.

    Plain scalars loaded by :mod:`composekit.yamlio` are re-read from their
    source text (``0755`` is 493 for Compose v2, ``yes`` is ``True`` for
    Compose v1); values set later by code, and quoted values, are kept as they
    are. Compose v2 time values come back as :class:`Timestamp` strings,
    Compose v1 ones as ``datetime`` objects. Merge keys (``<<``) are resolved.
    Copies made with ``copy.deepcopy`` lose the source texts; they then read
    as YAML 1.2 (ruamel.yaml) does.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    return _to_plain(tree, dialect, 0)


_MAX_PLAIN_DEPTH = 500


def _read_source(text: str, dialect: Dialect) -> Any:
    value = read_plain(text, dialect)
    return text if isinstance(value, ReadError) else value


def _to_plain(node: Any, dialect: Dialect, depth: int) -> Any:
    if depth > _MAX_PLAIN_DEPTH:
        raise ValueError("tree nests too deeply (or contains itself)")
    if isinstance(node, Mapping):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            key_text = _key_source(node, key)
            plain_key = (_read_source(key_text, dialect) if key_text is not None
                         else _plain_key(key, dialect, depth))
            text = _source_of(node, key, value)
            out[plain_key] = (_read_source(text, dialect) if text is not None
                              else _to_plain(value, dialect, depth + 1))
        return out
    if isinstance(node, Sequence) and not isinstance(node, str | bytes):
        items = []
        table = getattr(node, PLAIN_VALUES_ATTR, None)
        for index, value in enumerate(node):
            text = None
            if table is not None and index in table and table[index][0] is value:
                text = table[index][1]
            items.append(_read_source(text, dialect) if text is not None
                         else _to_plain(value, dialect, depth + 1))
        return items
    if isinstance(node, set | frozenset):
        return {_to_plain(k, dialect, depth + 1): None for k in node}
    return _ruamel_value(node, dialect)


def _plain_key(key: Any, dialect: Dialect, depth: int) -> Any:
    if isinstance(key, Mapping):
        return tuple((k, _to_plain(v, dialect, depth + 1)) for k, v in key.items())
    if isinstance(key, Sequence) and not isinstance(key, str | bytes):
        return tuple(_to_plain(v, dialect, depth + 1) for v in key)
    return _ruamel_value(key, dialect)


# --- diagnostics ----------------------------------------------------------------


def _render(value: object) -> str:
    if isinstance(value, ReadError):
        return "nothing (it fails to load the file)"
    if isinstance(value, Timestamp):
        return f"a time value (written out as {value!s})"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, _dt.datetime):
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, _dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, float):
        if math.isnan(value):
            return "the number NaN"
        return f"the number {repr(value) if not math.isinf(value) else value}"
    return f"the number {value}"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]*[0-9][0-9_]*|[-+]?0[oO][0-7_]+")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-9]{1,2})+(?:\.[0-9_]*)?")


@dataclass(frozen=True)
class _Site:
    parts: tuple[str | int, ...]
    line0: int
    col0: int
    is_key: bool


def _classify(text: str, v1: object, v2: object) -> str | None:
    """The code slug for a plain scalar whose readings differ, or ``None``."""
    leading_zero = _LEADING_ZERO.fullmatch(text) is not None
    if _same(v1, v2) and (not leading_zero or _same(_leading_zero_decimal(text), v2)):
        return None  # every reader agrees (00 is 0 in octal and in decimal)
    if isinstance(v2, Timestamp) or isinstance(v1, _dt.date):
        return "yaml-timestamp"
    if isinstance(v1, ReadError) and isinstance(v2, str) and text[:1].isdigit():
        return "yaml-timestamp" if _V1_TIMESTAMP.fullmatch(text) else None
    if isinstance(v1, ReadError):
        return None  # '=' or '<<' as a value: not a dialect question
    if ":" in text and _SEXAGESIMAL.fullmatch(text) and isinstance(v1, int | float):
        return "yaml11-sexagesimal"
    if isinstance(v1, bool) != isinstance(v2, bool):
        return "yaml11-boolean"
    if leading_zero:
        return "yaml-octal"
    return "yaml11-number"


def _consequence(code: str, parts: tuple[str | int, ...], v1: object, v2: object,
                 is_key: bool) -> str:
    in_env = (len(parts) == 4 and parts[0] == "services" and parts[2] == "environment"
              and not is_key)
    in_labels = (len(parts) >= 3 and parts[-2] == "labels" and not is_key)
    notes = []
    if in_env and isinstance(v1, bool):
        notes.append("Compose v1 then refuses the file: environment values must be strings, "
                     "numbers or null")
    elif in_labels and isinstance(v1, bool):
        notes.append(f'Compose v1 writes the label as "{v1}"')
    if (in_env or in_labels) and isinstance(v2, Timestamp):
        notes.append("Compose v2 refuses a time value here ('invalid jsonType time.Time')")
    elif (in_env or in_labels) and not isinstance(v2, str) and v2 is not None:
        with contextlib.suppress(TypeError):
            notes.append(f'Compose v2 sets it to "{compose_v2_string(v2)}"')
    if code == "yaml11-sexagesimal" and len(parts) >= 3 and parts[-2] == "ports":
        notes.append("as a port mapping it breaks under Compose v1")
    return "; ".join(notes)


_HELP = {
    "yaml11-sexagesimal": "quote it (\"{t}\") so that every Compose version reads a string",
    "yaml11-boolean": "quote it (\"{t}\") to mean text, or write true/false to mean a boolean",
    "yaml-octal": "quote it (\"{t}\") to mean text; write the decimal number to mean a number",
    "yaml11-number": "quote it (\"{t}\") to mean text, or write the number in a form every "
                     "YAML version reads alike (e.g. 1000.0, 31)",
    "yaml-timestamp": "quote it (\"{t}\") so that it stays a string",
}


def _message(code: str, text: str, v1: object, v2: object, is_key: bool) -> str:
    what = "key" if is_key else "value"
    if code == "yaml-octal" and _same(v1, v2):
        return (f"unquoted {what} {text} has a leading zero: Compose v1 (YAML 1.1) and "
                f"Compose v2 both read it as octal, {_render(v2)}, while YAML 1.2 tools "
                f"such as ruamel.yaml read {_render(_leading_zero_decimal(text))}")
    return (f"unquoted {what} {text} reads differently: Compose v1 (YAML 1.1) reads "
            f"{_render(v1)}, Compose v2 reads {_render(v2)}")


def _leading_zero_decimal(text: str) -> object:
    try:
        return int(text.replace("_", ""), 10)
    except ValueError:
        return text


def _walk(tree: Any) -> Iterator[tuple[_Site, str]]:
    """(site, plain source text) for every recorded plain scalar, once each."""
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(tree, ())]
    while stack:
        node, parts = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        lc = getattr(node, "lc", None)
        data = getattr(lc, "data", None) or {}
        if isinstance(node, Mapping):
            own = _own_keys(node)
            values = getattr(node, PLAIN_VALUES_ATTR, None) or {}
            keys = getattr(node, PLAIN_KEYS_ATTR, None) or {}
            children = []
            for key in list(node.keys()):
                if own is not None and key not in own:
                    continue  # merged in: reported where it is written
                value = node[key]
                part: str | int = key if isinstance(key, str) else str(key)
                pos = data.get(key)
                if key in keys and pos is not None:
                    yield _Site((*parts, part), pos[0], pos[1], True), keys[key]
                record = values.get(key)
                if record is not None and record[0] is value and pos is not None:
                    yield _Site((*parts, part), pos[2], pos[3], False), record[1]
                if isinstance(value, Mapping | list):
                    children.append((value, (*parts, part)))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            values = getattr(node, PLAIN_VALUES_ATTR, None) or {}
            children = []
            for index, value in enumerate(node):
                record = values.get(index)
                pos = data.get(index)
                if record is not None and record[0] is value and pos is not None:
                    yield _Site((*parts, index), pos[0], pos[1], False), record[1]
                if isinstance(value, Mapping | list):
                    children.append((value, (*parts, index)))
            stack.extend(reversed(children))


def dialect_diagnostics(tree: Any, path: str) -> list[Diagnostic]:
    """Report plain scalars that Compose v1 and Compose v2 read differently.

    Walks a round-trip tree loaded by :mod:`composekit.yamlio` and returns
    ``yaml11-sexagesimal``, ``yaml11-boolean``, ``yaml-octal`` (also when both
    Compose versions agree on the octal reading, since YAML 1.2 tools do
    not), ``yaml11-number`` and ``yaml-timestamp`` warnings, with both
    readings in the message. Keys are checked as well as values.
    """
    out: list[Diagnostic] = []
    reported: set[tuple[int, int, bool]] = set()
    for site, text in _walk(tree):
        where = (site.line0, site.col0, site.is_key)
        if where in reported:
            continue  # an aliased scalar: reported where it is written
        reported.add(where)
        v1 = read_plain(text, "compose-v1")
        v2 = read_plain(text, "compose-v2")
        code = _classify(text, v1, v2)
        if code is None:
            continue
        message = _message(code, text, v1, v2, site.is_key)
        extra = _consequence(code, site.parts, v1, v2, site.is_key)
        if extra:
            message += f"; {extra}"
        span = Span(site.line0 + 1, site.col0 + 1, site.line0 + 1, site.col0 + 1 + len(text))
        out.append(codes.make(code, path, span, message, json_path=json_path(site.parts),
                              help=_HELP[code].format(t=text)))
    out.sort(key=lambda d: (d.span.line, d.span.column, d.code))
    return out
