"""The vocabulary of the key catalogue: availability ranges, value types and key entries.

A catalogue entry (:class:`Key`) names one Compose key by its path, with ``*`` for a name
chosen by the user (a service, a network, a label) and ``[]`` for a list item::

    Key("services.*.healthcheck.start_period", DURATION, "2.3 3.4 spec", "...")

The third argument is the key's *availability*: the formats that accept it, written as the
first format of each family that has it (``"2.3"`` = 2.3 and every later 2.x), an inclusive
range (``"3.9-3.14"``), ``"1"`` for legacy v1 and ``"spec"`` for the Compose Specification.
A family that is not mentioned does not have the key: ``"1 2.0 spec"`` for ``extends`` says
it was removed in 3.0 and came back in the Compose Specification.

Value types (:class:`T` subclasses) describe what a key holds. :class:`Obj` is a mapping whose
keys are the catalogue entries one level below; :class:`When` makes one alternative of a
:class:`OneOf` exist only in some formats. Everything about versions stays data, so the
JSON Schemas, the "added in" hints and the ``versions`` table are all derived from it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from composekit.catalog.versions import BY_VERSION, FORMATS, Family, FileFormat, family_formats

# --- availability --------------------------------------------------------------------------


@dataclass(frozen=True)
class Avail:
    """The set of formats a key (or a form of a value) exists in: inclusive ranges."""

    ranges: tuple[tuple[FileFormat, FileFormat], ...]
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> Avail:
        ranges: list[tuple[FileFormat, FileFormat]] = []
        for token in text.split():
            if "-" in token:
                lo_s, hi_s = token.split("-", 1)
                lo, hi = _fmt(lo_s, token), _fmt(hi_s, token)
                if lo.family is not hi.family or hi < lo:
                    raise ValueError(f"bad version range {token!r}")
            else:
                lo = _fmt(token, token)
                hi = family_formats(lo.family)[-1]
            ranges.append((lo, hi))
        if not ranges:
            raise ValueError("empty availability")
        return cls(tuple(ranges), text)

    def __contains__(self, fmt: object) -> bool:
        if not isinstance(fmt, FileFormat):
            return False
        return any(lo <= fmt <= hi for lo, hi in self.ranges)

    def formats(self) -> tuple[FileFormat, ...]:
        return tuple(f for f in FORMATS if f in self)

    def families(self) -> set[Family]:
        return {lo.family for lo, _ in self.ranges}

    def since(self, family: Family) -> FileFormat | None:
        """The first format of ``family`` with the key."""
        found = [lo for lo, _ in self.ranges if lo.family is family]
        return min(found) if found else None

    def until(self, family: Family) -> FileFormat | None:
        """The first format of ``family`` *without* the key after it had it, if any."""
        his = [hi for lo, hi in self.ranges if lo.family is family]
        if not his:
            return None
        last = max(his)
        members = family_formats(family)
        idx = members.index(last)
        return members[idx + 1] if idx + 1 < len(members) else None

    def describe(self) -> str:
        """``"2.1-2.4, 3.4-3.14 and the Compose Specification"``."""
        parts: list[str] = []
        for lo, hi in self.ranges:
            if lo.family is Family.SPEC:
                parts.append("the Compose Specification")
            elif lo.family is Family.V1:
                parts.append("legacy v1")
            elif lo == hi:
                parts.append(lo.version)
            else:
                parts.append(f"{lo.version}-{hi.version}")
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def _fmt(text: str, token: str) -> FileFormat:
    fmt = BY_VERSION.get(text)
    if fmt is None:
        raise ValueError(f"unknown format {text!r} in availability {token!r}")
    return fmt


# --- value types ---------------------------------------------------------------------------


class T:
    """A value type. Subclasses are frozen dataclasses."""


@dataclass(frozen=True)
class ValueFormat:
    """A named string syntax (duration, port, memory size...) with a readable description."""

    name: str
    regex: str
    describe: str
    example: str
    ignore_case: bool = False

    def matches(self, text: str) -> bool:
        flags = re.IGNORECASE if self.ignore_case else 0
        return re.fullmatch(self.regex, text, flags) is not None

    @property
    def json_pattern(self) -> str:
        body = f"^(?:{self.regex})$"
        return f"(?i){body}" if self.ignore_case else body


@dataclass(frozen=True)
class Str(T):
    """A string; optionally one of ``enum`` or in a named syntax ``fmt``.

    An ``enum`` member may be ``(value, availability)`` when it exists in some formats only.
    """

    fmt: ValueFormat | None = None
    enum: tuple[str | tuple[str, str], ...] = ()
    fmt_in: str | None = None  # availability of the ``fmt`` check; None = everywhere

    def enum_values(self, fmt: FileFormat) -> tuple[str, ...]:
        out = []
        for member in self.enum:
            if isinstance(member, tuple):
                if fmt in Avail.parse(member[1]):
                    out.append(member[0])
            else:
                out.append(member)
        return tuple(out)


@dataclass(frozen=True)
class Bool(T):
    """A boolean. In the Compose Specification also a string Compose casts (``"true"``)."""

    spec_str: bool = True


@dataclass(frozen=True)
class Int(T):
    """An integer. In the Compose Specification also a string of digits."""

    minimum: int | None = None
    maximum: int | None = None
    spec_str: bool = True


@dataclass(frozen=True)
class Num(T):
    """A number. In the Compose Specification also a numeric string."""

    minimum: float | None = None
    maximum: float | None = None
    spec_str: bool = True


@dataclass(frozen=True)
class Null(T):
    """An empty value (``key:`` with nothing after it)."""


@dataclass(frozen=True)
class AnyValue(T):
    """Anything (free-form data such as ``log_opt`` values)."""


@dataclass(frozen=True)
class AnyMap(T):
    """A mapping with anything in it (``storage_opt`` in 2.x)."""


@dataclass(frozen=True)
class ListOf(T):
    """A list; ``unique`` is the availability where items must be distinct ("all" = always)."""

    item: T
    unique: str | None = None


@dataclass(frozen=True)
class MapOf(T):
    """A mapping with user-chosen keys; ``keys`` is their pattern.

    ``closed``: keys that do not match ``keys`` are an error (else they are not checked).
    """

    value: T
    keys: str = ".+"
    closed: bool = True
    what: str = "name"  # how messages call a key: "service name", "label"


@dataclass(frozen=True)
class Obj(T):
    """A mapping whose keys are the catalogue entries below this path.

    ``ext``: where ``x-`` extension keys are allowed inside it. ``open``: where unknown keys
    are *not* an error (some 2.x/3.x schemas left a few mappings open).
    """

    ext: str | None = "spec"
    open: str | None = None
    #: ``(names, where)``: in ``where``, at least one of ``names`` must be present
    one_of: tuple[tuple[str, ...], str] | None = None


@dataclass(frozen=True)
class OneOf(T):
    alts: tuple[T, ...]

    def __init__(self, *alts: T) -> None:
        object.__setattr__(self, "alts", tuple(alts))


@dataclass(frozen=True)
class When(T):
    """An alternative of :class:`OneOf` that exists only in the formats ``avail``."""

    avail: str
    type: T


# --- runtimes ------------------------------------------------------------------------------


class Runtime(enum.Enum):
    """What a tool does with a key it meets."""

    HONOURED = "honoured"
    IGNORED = "ignored"
    REFUSED = "refused"


#: Tools whose behaviour the catalogue records.
TOOLS = ("compose-v1", "compose-v2", "stack")


@dataclass(frozen=True)
class Behaviour:
    runtime: Runtime
    note: str = ""


# --- entries -------------------------------------------------------------------------------


def split_path(path: str) -> tuple[str, ...]:
    """``"services.*.ports[].target"`` -> ``("services", "*", "ports", "[]", "target")``."""
    out: list[str] = []
    for part in path.split("."):
        while part.endswith("[]"):
            part = part[:-2]
            if part:
                out.append(part)
            part = ""
            out.append("[]")
        if part:
            out.append(part)
    return tuple(out)


@dataclass(frozen=True)
class Key:
    """One Compose key: where it may appear, what it holds, which formats have it."""

    path: tuple[str, ...]
    type: T
    avail: Avail
    doc: str = ""
    #: formats where the key must be present in its mapping
    required: Avail | None = None
    #: keys of the same mapping this key needs (``memswap_limit`` needs ``mem_limit``)
    needs: tuple[str, ...] = ()
    needs_in: Avail | None = None
    #: what to use instead where the key does not exist (a hint, e.g. ``deploy.resources``)
    instead: str = ""
    #: sibling keys refused together with this one: (names, where); ``("*",)`` = any other
    conflicts: tuple[tuple[tuple[str, ...], Avail], ...] = ()
    #: tool -> behaviour, for the tools where it differs from the default
    runtimes: tuple[tuple[str, Behaviour], ...] = ()

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def dotted(self) -> str:
        return ".".join(self.path).replace(".[]", "[]")

    def since(self) -> dict[Family, FileFormat]:
        return {fam: s for fam in Family if (s := self.avail.since(fam)) is not None}

    def until(self) -> dict[Family, FileFormat]:
        return {fam: u for fam in Family if (u := self.avail.until(fam)) is not None}

    def conflicts_in(self, fmt: FileFormat) -> tuple[str, ...]:
        """The sibling keys this key refuses in ``fmt`` (``"*"``: every other key)."""
        out: list[str] = []
        for names, where in self.conflicts:
            if fmt in where:
                out.extend(n for n in names if n not in out)
        return tuple(out)

    def is_required(self, fmt: FileFormat) -> bool:
        return self.required is not None and fmt in self.required

    def runtime(self, tool: str) -> Behaviour:
        """What ``tool`` (one of :data:`TOOLS`) does with this key."""
        for name, behaviour in self.runtimes:
            if name == tool:
                return behaviour
        fams = self.avail.families()
        if tool == "stack":
            if Family.V3 in fams:
                return Behaviour(Runtime.HONOURED)
            return Behaviour(Runtime.REFUSED, "not in the 3.x schemas docker stack validates with")
        if tool == "compose-v1":
            if fams & {Family.V1, Family.V2} or any(
                f in self.avail for f in FORMATS if f.family is Family.V3 and f.compose_v1
            ):
                return Behaviour(Runtime.HONOURED)
            return Behaviour(Runtime.REFUSED, "docker-compose 1.x schemas do not have it")
        if Family.SPEC in fams:
            return Behaviour(Runtime.HONOURED)
        return Behaviour(Runtime.REFUSED, "not in the Compose Specification")


def make_key(
    path: str,
    type: T,
    avail: str,
    doc: str = "",
    *,
    required: str | None = None,
    needs: tuple[str, ...] = (),
    needs_in: str | None = None,
    instead: str = "",
    conflicts: tuple[tuple[tuple[str, ...], str], ...] = (),
    stack: tuple[Runtime, str] | None = None,
    compose_v1: tuple[Runtime, str] | None = None,
    compose_v2: tuple[Runtime, str] | None = None,
) -> Key:
    runtimes: list[tuple[str, Behaviour]] = []
    for tool, value in (("stack", stack), ("compose-v1", compose_v1), ("compose-v2", compose_v2)):
        if value is not None:
            runtimes.append((tool, Behaviour(*value)))
    return Key(
        path=split_path(path),
        type=type,
        avail=Avail.parse(avail),
        doc=doc,
        required=Avail.parse(required) if required else None,
        needs=needs,
        needs_in=Avail.parse(needs_in) if needs_in else None,
        instead=instead,
        conflicts=tuple((names, Avail.parse(where)) for names, where in conflicts),
        runtimes=tuple(runtimes),
    )


def walk_types(t: T) -> Iterator[T]:
    """``t`` and every type nested in it."""
    yield t
    if isinstance(t, (ListOf,)):
        yield from walk_types(t.item)
    elif isinstance(t, MapOf):
        yield from walk_types(t.value)
    elif isinstance(t, OneOf):
        for alt in t.alts:
            yield from walk_types(alt)
    elif isinstance(t, When):
        yield from walk_types(t.type)
