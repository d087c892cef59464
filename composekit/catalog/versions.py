"""Compose file formats and the Docker Engine releases that support them, as data.

A *file format* is what the top-level ``version:`` key selects:

* legacy **v1**: no ``version:``, services at the top level (Compose 1.x only);
* **2.0** - **2.4** and **3.0** - **3.8**: the formats docker-compose 1.x validated with one
  JSON schema each (``version: "2"`` means 2.0 and ``version: "3"`` means 3.0 there);
* **3.9** - **3.14**: formats only ``docker stack deploy`` knows (the docker CLI kept adding
  3.x schemas after Compose moved to the Compose Specification);
* the **Compose Specification**: no ``version:`` (or one that Compose v2 ignores) and a
  ``services:`` mapping.

:func:`detect_format` reads the format a file declares and reports a malformed or unknown
``version:`` as ``unknown-version`` (CK020) at the value's position.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from composekit import codes
from composekit.diagnostics import Diagnostic


class Family(enum.Enum):
    """A major line of file formats; members compare in historical order."""

    V1 = "1"
    V2 = "2"
    V3 = "3"
    SPEC = "spec"

    @property
    def rank(self) -> int:
        return {"1": 1, "2": 2, "3": 3, "spec": 9}[self.value]

    @property
    def title(self) -> str:
        return {
            "1": "legacy v1",
            "2": "2.x",
            "3": "3.x",
            "spec": "the Compose Specification",
        }[self.value]


@dataclass(frozen=True)
class FileFormat:
    """One Compose file format.

    ``min_engine`` is the oldest Docker Engine release that supports the format (for 3.9+
    the docker CLI release whose ``docker stack deploy`` accepts it); ``None`` for the Compose
    Specification, which has no Engine minimum. ``engine_note`` says where the figure comes
    from when it is not the Compose file reference's compatibility matrix.
    """

    family: Family
    minor: int
    min_engine: str | None
    engine_note: str = ""
    #: docker-compose 1.x (up to 1.26) validates this format against its own schema.
    compose_v1: bool = True
    #: ``docker stack deploy`` accepts this format.
    stack: bool = False

    @property
    def version(self) -> str:
        """``"1"``, ``"2.4"``, ``"3.8"`` or ``"spec"``."""
        if self.family is Family.V1:
            return "1"
        if self.family is Family.SPEC:
            return "spec"
        return f"{self.family.value}.{self.minor}"

    @property
    def key(self) -> tuple[int, int]:
        """Sort key: v1 < 2.0 < ... < 2.4 < 3.0 < ... < 3.14 < spec."""
        return (self.family.rank, self.minor)

    @property
    def label(self) -> str:
        """How messages name the format."""
        if self.family is Family.SPEC:
            return "the Compose Specification"
        if self.family is Family.V1:
            return "a legacy v1 file"
        return f"a {self.version} file"

    @property
    def title(self) -> str:
        if self.family is Family.SPEC:
            return "Compose Specification"
        if self.family is Family.V1:
            return "1 (legacy, no version key)"
        return self.version

    @property
    def schema_name(self) -> str:
        """Base name of the generated schema: ``compose-v2.4``, ``compose-spec``."""
        if self.family is Family.SPEC:
            return "compose-spec"
        return f"compose-v{self.version}"

    def __lt__(self, other: FileFormat) -> bool:
        return self.key < other.key

    def __le__(self, other: FileFormat) -> bool:
        return self.key <= other.key

    def __gt__(self, other: FileFormat) -> bool:
        return self.key > other.key

    def __ge__(self, other: FileFormat) -> bool:
        return self.key >= other.key

    def __str__(self) -> str:
        return self.version


_MATRIX = "Compose file reference, compatibility matrix"


def _v2(minor: int, engine: str) -> FileFormat:
    return FileFormat(Family.V2, minor, engine, _MATRIX)


def _v3(minor: int, engine: str, note: str = _MATRIX, *, compose_v1: bool = True) -> FileFormat:
    return FileFormat(Family.V3, minor, engine, note, compose_v1=compose_v1, stack=True)


V1 = FileFormat(Family.V1, 0, "1.9.1", _MATRIX)
SPEC = FileFormat(
    Family.SPEC, 0, None,
    "the Compose Specification has no Engine minimum: Compose v2 negotiates the API "
    "version with the engine, and single features may need a newer engine",
    compose_v1=False,
)

#: Every known format, oldest first.
FORMATS: tuple[FileFormat, ...] = (
    V1,
    _v2(0, "1.10.0"),
    _v2(1, "1.12.0"),
    _v2(2, "1.13.0"),
    _v2(3, "17.06.0"),
    _v2(4, "17.12.0"),
    _v3(0, "1.13.0"),
    _v3(1, "1.13.1"),
    _v3(2, "17.04.0"),
    _v3(3, "17.06.0"),
    _v3(4, "17.09.0"),
    _v3(5, "17.12.0"),
    _v3(6, "18.02.0"),
    _v3(7, "18.06.0"),
    _v3(8, "19.03.0"),
    _v3(9, "20.10.0",
        "docker CLI 20.10.0: schema 3.9 (docker/cli#2073, 2019), first release after it",
        compose_v1=False),
    _v3(10, "23.0.0",
        "docker CLI 23.0.0: schema 3.10 (docker/cli#3257, Aug 2021), first major release "
        "after it", compose_v1=False),
    _v3(11, "24.0.0",
        "docker CLI 24.0.0: schema 3.11 (docker/cli#4214, Apr 2023)", compose_v1=False),
    _v3(12, "25.0.0",
        "docker CLI 25.0.0: schema 3.12 (docker/cli#4611, Oct 2023)", compose_v1=False),
    _v3(13, "27.0.0",
        "docker CLI 27.0.0: schema 3.13 (docker/cli#5125, Jun 2024); docker 28.2.2 "
        "accepts 3.13 and refuses 3.14", compose_v1=False),
    _v3(14, "29.0.0",
        "docker CLI 29.x: schema 3.14 (docker/cli#6619, Nov 2025); the first release that "
        "ships it is not established", compose_v1=False),
    SPEC,
)

BY_VERSION: dict[str, FileFormat] = {f.version: f for f in FORMATS}

#: ``version:`` values that name a format by its major number only.
ALIASES: dict[str, str] = {"2": "2.0", "3": "3.0"}

LATEST_V2 = BY_VERSION["2.4"]
LATEST_V3 = BY_VERSION["3.14"]


def get(version: str) -> FileFormat:
    """The format for a version string (``"2"``, ``"3.4"``, ``"1"``, ``"spec"``).

    Raises :class:`KeyError` for an unknown version; for user input use
    :func:`parse_version` or :func:`detect_format`, which report instead.
    """
    text = version.strip().lower()
    text = ALIASES.get(text, text)
    if text in ("compose-spec", "compose spec", "specification"):
        text = "spec"
    return BY_VERSION[text]


def parse_version(text: str) -> FileFormat | None:
    """The format a ``version:`` string selects, or ``None`` for an unknown one.

    ``"1"`` is *not* a valid ``version:`` value (a v1 file has no ``version:`` key): it
    returns ``None``.
    """
    if text == "1":
        return None
    text = ALIASES.get(text, text)
    fmt = BY_VERSION.get(text)
    if fmt is None or fmt.family in (Family.V1, Family.SPEC):
        return None
    return fmt


def family_formats(family: Family) -> tuple[FileFormat, ...]:
    return tuple(f for f in FORMATS if f.family is family)


def known_versions_text() -> str:
    """``"2.0-2.4, 3.0-3.14"``: what a ``version:`` key may say."""
    v2 = family_formats(Family.V2)
    v3 = family_formats(Family.V3)
    return (f"{v2[0].version}-{v2[-1].version} (\"2\" means 2.0), "
            f"{v3[0].version}-{v3[-1].version} (\"3\" means 3.0)")


# --- detection -------------------------------------------------------------------------

#: Top-level keys of the Compose Specification; a file without ``version:`` whose keys are
#: all among these (or ``x-``) is read as the Compose Specification, not as v1.
SPEC_TOP_LEVEL = frozenset(
    {"services", "networks", "volumes", "secrets", "configs", "name", "include", "models"}
)

#: typographic quotes that word processors put where YAML needs ' or "
_TYPOGRAPHIC = "".join(chr(c) for c in (0x2018, 0x2019, 0x201A, 0x201B, 0x201C, 0x201D, 0x201E,
                                       0x201F, 0x2032, 0x2033, 0x00AB, 0x00BB))
_NUMBER_TEXT = re.compile(r"^\d+(\.\d+)?$")


def _float_text(value: float) -> str:
    """The digits of an unquoted float as written: ruamel keeps ``3.10`` apart from ``3.1``."""
    width = getattr(value, "_width", None)
    prec = getattr(value, "_prec", None)
    if isinstance(width, int) and isinstance(prec, int) and 0 <= prec < width:
        decimals = width - prec - 1
        if decimals > 0:
            return f"{value:.{decimals}f}"
    return repr(float(value))


def _known_list() -> str:
    return f"known versions are {known_versions_text()}"


def detect_format(tree: Any, path: str) -> tuple[FileFormat | None, list[Diagnostic]]:
    """The file format ``tree`` declares, and a finding for a bad ``version:``.

    * no ``version:`` and a ``services:`` mapping (or only Compose Specification top-level
      keys): the Compose Specification;
    * no ``version:`` otherwise: legacy v1 (services at the top level);
    * ``version:`` a known string: that format;
    * ``version:`` a number (``version: 3.3`` unquoted), a string with typographic quotes, or
      one with surrounding blanks: ``unknown-version``, and the format the value clearly
      means, so validation can go on;
    * ``version: "1"``, an unknown string (``"4"``, ``"3.15"``), null, a list: ``unknown-version``
      and ``None``;
    * ``version:`` a mapping: docker-compose 1.x takes ``version`` for a service name and the
      file for v1; so does composekit, with an ``unknown-version`` warning.
    """
    if not isinstance(tree, Mapping):
        return None, []
    if "version" not in tree:
        keys = [k for k in tree if not (isinstance(k, str) and k.startswith("x-"))]
        if "services" in tree or all(k in SPEC_TOP_LEVEL for k in keys):
            return SPEC, []
        return V1, []

    value = tree["version"]
    from composekit.yamlio import locate  # local: yamlio imports ruamel

    span = locate(tree, ("version",))

    def finding(message: str, help: str | None = None, *, warning: bool = False) -> Diagnostic:
        from composekit.diagnostics import Severity

        return codes.make(
            "unknown-version", path, span, message, json_path="$.version", help=help,
            severity=Severity.WARNING if warning else None, origin="schema",
        )

    if isinstance(value, Mapping):
        return V1, [finding(
            "`version` holds a mapping; docker-compose 1.x reads `version` as a service name "
            "and the file as legacy v1",
            "rename the service, or set `version:` to a string such as \"3.8\"",
            warning=True,
        )]
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
        shown = "null" if value is None else type(value).__name__
        return None, [finding(
            f"`version` must be a string, not {shown}; {_known_list()}",
            "write the version in quotes, e.g. version: \"3.8\"",
        )]
    if isinstance(value, (int, float)):
        text = str(value) if isinstance(value, int) else _float_text(value)
        fmt = parse_version(text)
        hint = f"write version: \"{text}\""
        extra = ""
        if isinstance(value, float) and text != repr(float(value)):
            extra = f" (unquoted, YAML reads {text} as {float(value)!r})"
        if fmt is None:
            return None, [finding(
                f"`version` must be a string, and {text} is not a known version; "
                f"{_known_list()}", hint)]
        return fmt, [finding(
            f"`version` must be a string: every Compose implementation refuses the number "
            f"{text}{extra}", hint)]

    text = value
    stripped = text.strip().strip(_TYPOGRAPHIC).strip()
    if any(c in text for c in _TYPOGRAPHIC):
        fmt = parse_version(stripped)
        if fmt is not None:
            # The reader already reports the quotes (CK008 typographic-quote) at this
            # very place; the version inside them is known, so validate against it.
            return fmt, []
        return None, [finding(
            f"`version` {text!r} contains typographic quotes, and {stripped!r} is not a "
            f"known version either", _known_list(),
        )]
    if stripped != text:
        fmt = parse_version(stripped)
        return fmt, [finding(
            f"`version` {text!r} has blanks around the number",
            f"write version: \"{stripped}\"",
        )]
    if text == "1":
        return None, [finding(
            "`version: \"1\"` is not valid: legacy v1 files have no `version` key",
            "remove `version:` and put the services at the top level (v1), or use a 2.x/3.x "
            "version with the services under `services:`",
        )]
    fmt = parse_version(text)
    if fmt is not None:
        return fmt, []
    if text.lower().startswith("v") and parse_version(text[1:]) is not None:
        return parse_version(text[1:]), [finding(
            f"`version` {text!r} is not a version number", f"write version: \"{text[1:]}\"")]
    if _NUMBER_TEXT.match(text) and text.startswith(("2.", "3.")):
        major = text.split(".")[0]
        latest = LATEST_V2 if major == "2" else LATEST_V3
        return None, [finding(
            f"unknown Compose file version {text!r}: the {major}.x line ends at "
            f"{latest.version}; {_known_list()}",
            f"use version: \"{latest.version}\", or remove `version:` for the Compose "
            "Specification")]
    return None, [finding(
        f"unknown Compose file version {text!r}; {_known_list()}; without `version:` a file "
        "with `services:` is read as the Compose Specification",
    )]
