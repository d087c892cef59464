"""The loaded project: the merged configuration and where each part came from.

A Compose project is read from several files (``-f`` files, the automatic
override file, ``extends`` bases, ``include`` projects). :class:`Project`
holds the merged result as plain Python in the shape ``docker compose config
--format json`` prints, and a side table of :class:`Origin` values that maps
each key path of that result back to the file, line and column it was read
from, so a finding in the merged view points into the right file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit.diagnostics import Span
from composekit.yamlio import YamlDocument

PathPart = str | int
KeyPath = tuple[PathPart, ...]


@dataclass(frozen=True)
class Origin:
    """Where a node of the merged configuration was written.

    ``span`` is the position of the value (as :func:`composekit.yamlio.locate`
    returns it; for an empty value, the position of its key); ``key`` is the
    position of the mapping key that holds it, when there is one.
    """

    path: str
    span: Span
    key: Span | None = None

    @property
    def key_or_value(self) -> Span:
        """The key's position when there is one, else the value's."""
        return self.key if self.key is not None else self.span

    def __str__(self) -> str:
        return f"{self.path}:{self.span.line}:{self.span.column}"


def relative_to_file(path: str, reporting_file: str) -> str:
    """``path`` as seen from the directory of ``reporting_file``, for messages."""
    import os

    try:
        return os.path.relpath(path, os.path.dirname(reporting_file) or ".")
    except ValueError:  # pragma: no cover - another drive on Windows
        return path


@dataclass
class Project:
    """A loaded Compose project."""

    name: str
    working_dir: str
    #: Every file read, in the order read: ``-f`` files and the override file,
    #: then the files reached through ``extends`` and ``include``.
    files: list[str] = field(default_factory=list)
    #: The parsed tree of each file in :attr:`files` (interpolated in place
    #: when interpolation is on, positions kept), by path.
    documents: dict[str, YamlDocument] = field(default_factory=dict)
    #: The merged configuration, plain Python, shaped like
    #: ``docker compose config --format json``.
    config: dict[str, Any] = field(default_factory=dict)
    #: Where each node of :attr:`config` was written; see :meth:`origin`.
    origins: dict[KeyPath, Origin] = field(default_factory=dict)
    #: The variables interpolation used (process environment and env files).
    environment: dict[str, str] = field(default_factory=dict)
    #: The active profiles.
    profiles: list[str] = field(default_factory=list)
    #: Services that exist in the files but are disabled by profiles.
    disabled_services: dict[str, Any] = field(default_factory=dict)

    def origin(self, parts: Sequence[PathPart]) -> Origin | None:
        """The origin of the node at ``parts``, or of its nearest known ancestor."""
        key = tuple(parts)
        while True:
            found = self.origins.get(key)
            if found is not None:
                return found
            if not key:
                return None
            key = key[:-1]

    @property
    def main_file(self) -> str | None:
        """The first file of the project (the one ``-f`` named first)."""
        return self.files[0] if self.files else None

    @property
    def services(self) -> dict[str, Any]:
        services = self.config.get("services")
        return services if isinstance(services, dict) else {}
