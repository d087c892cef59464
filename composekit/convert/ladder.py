"""The version ladder, and the chain of steps a conversion walks along it.

The ladder is every file format in historical order::

    1 -> 2.0 -> 2.1 -> ... -> 2.4 -> 3.0 -> ... -> 3.8 -> 3.9 ... 3.14 -> spec

A conversion from one format to another walks the steps between them, up or down, one rung
at a time. Each transform (:mod:`composekit.convert.transforms`) is attached to the rungs
where the thing it rewrites appears or disappears (``mem_limit`` leaves at 2.4 -> 3.0,
``depends_on`` conditions at 2.0 -> 2.1 and 2.4 -> 3.0, and come back at 3.x -> spec) and
runs when the conversion crosses one of them, in the direction of the crossing. A transform
only acts on keys the *target* format does not have: converting 2.4 to the Compose
Specification crosses 2.4 -> 3.0, but ``mem_limit`` and ``depends_on`` conditions are in the
Compose Specification, so nothing happens to them.

After the steps, a catalogue sweep (:mod:`composekit.convert.sweep`) drops whatever the
target still does not know and reports it, and the ``version:`` key is written last.
"""

from __future__ import annotations

from dataclasses import dataclass

from composekit.catalog.versions import BY_VERSION, FORMATS, Family, FileFormat
from composekit.errors import UsageError

__all__ = ["LADDER", "TARGETS", "Step", "parse_target", "steps"]

#: Every format, oldest first: the rungs of the ladder.
LADDER: tuple[FileFormat, ...] = FORMATS

#: What ``composekit convert --to`` accepts: the formats docker-compose 1.x validated
#: (1, 2.0-2.4, 3.0-3.8) and the Compose Specification. 3.9-3.14 are ``docker stack``-only
#: formats; files in them can be converted *from*.
TARGETS: tuple[FileFormat, ...] = tuple(
    f for f in FORMATS if f.compose_v1 or f.family is Family.SPEC)

#: Targets that are not file-format versions, handled by other converters.
OTHER_TARGETS = ("stack", "kubernetes")


@dataclass(frozen=True)
class Step:
    """One rung: from ``frm`` to the adjacent format ``to``."""

    frm: FileFormat
    to: FileFormat

    @property
    def up(self) -> bool:
        return self.to > self.frm

    @property
    def boundary(self) -> tuple[str, str]:
        """The rung as ``(lower, upper)`` versions, the same in both directions."""
        lo, hi = (self.frm, self.to) if self.up else (self.to, self.frm)
        return lo.version, hi.version

    def __str__(self) -> str:
        return f"{self.frm.version} -> {self.to.version}"


def steps(source: FileFormat, target: FileFormat) -> list[Step]:
    """The steps from ``source`` to ``target``, in the order they are taken."""
    i, j = LADDER.index(source), LADDER.index(target)
    if i <= j:
        return [Step(LADDER[k], LADDER[k + 1]) for k in range(i, j)]
    return [Step(LADDER[k], LADDER[k - 1]) for k in range(i, j, -1)]


def parse_target(text: str) -> FileFormat:
    """The format ``--to`` names: ``1``, ``2.0``-``2.4`` (``2`` = 2.0), ``3.0``-``3.8``
    (``3`` = 3.0) or ``spec``. Raises :class:`~composekit.errors.UsageError` otherwise."""
    value = text.strip().lower()
    value = {"2": "2.0", "3": "3.0", "v1": "1", "compose-spec": "spec",
             "specification": "spec"}.get(value, value)
    valid = ", ".join(["1", "2.0-2.4", "3.0-3.8", "spec"])
    if value in OTHER_TARGETS:
        raise UsageError(f"--to {value}: converting to {value} is not available yet; "
                         f"file-format versions are {valid}")
    fmt = BY_VERSION.get(value.removeprefix("v") if value.startswith("v") else value)
    if fmt is None:
        raise UsageError(f"--to {text!r}: unknown version; use one of {valid}")
    if fmt not in TARGETS:
        raise UsageError(f"--to {fmt.version}: {fmt.version} is a format only docker stack "
                         f"reads; convert to one of {valid}")
    return fmt
