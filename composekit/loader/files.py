"""Which files make a project, where it lives and what it is called.

The rules are Compose v2's (checked against ``docker compose`` 2.40):

* With no ``-f`` and no ``COMPOSE_FILE``, the first of ``compose.yaml``,
  ``compose.yml``, ``docker-compose.yml``, ``docker-compose.yaml`` found in the
  directory is used (Compose warns when more than one exists), and the first
  of ``compose.override.yml``, ``compose.override.yaml``,
  ``docker-compose.override.yml``, ``docker-compose.override.yaml`` is added
  after it. When the directory has none of them, the parent directories are
  searched, nearest first.
* ``COMPOSE_FILE`` lists files separated by ``COMPOSE_PATH_SEPARATOR`` (the
  OS path-list separator, ``:`` on Unix, by default). Relative paths, there
  and in ``-f``, are relative to the current directory, not to the project
  directory.
* The project directory is ``--project-directory`` or else the directory of
  the first file. The project name is ``-p``, else ``COMPOSE_PROJECT_NAME``,
  else the last ``name:`` found in the files, else the project directory's
  base name; names from files and directories are normalised (lower case,
  only ``a-z0-9_-``, no leading ``_``/``-``), explicit ones must already be
  valid.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from composekit import codes
from composekit.diagnostics import Diagnostic, Span
from composekit.loader.merge import Node, from_yaml, take_resets
from composekit.loader.project import KeyPath
from composekit.yamlio import YamlDocument, load_file, parse_text

#: Compose's file names, in the order it prefers them.
DEFAULT_FILE_NAMES: tuple[str, ...] = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
)
#: Compose's override file names, in the order it prefers them.
DEFAULT_OVERRIDE_FILE_NAMES: tuple[str, ...] = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)

STDIN = "-"

_NAME_CHARS = re.compile(r"[a-z0-9_-]")
_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def normalize_project_name(name: str) -> str:
    """Lower-case ``name``, keep only ``a-z0-9_-`` and strip leading ``_``/``-``."""
    kept = "".join(_NAME_CHARS.findall(name.lower()))
    return kept.lstrip("_-")


def is_valid_project_name(name: str) -> bool:
    """True when Compose accepts ``name`` as given (``-p``, ``COMPOSE_PROJECT_NAME``)."""
    return bool(_VALID_NAME.match(name))


def _candidates(directory: str, names: Sequence[str]) -> list[str]:
    return [os.path.join(directory, n) for n in names if os.path.exists(os.path.join(directory, n))]


def find_compose_files(directory: str, *, walk_up: bool = True) -> list[str]:
    """The files ``docker compose`` would load from ``directory`` with no ``-f``.

    The first default-named file and the first override file beside it, as
    absolute paths; the parent directories are searched when ``directory``
    holds none (unless ``walk_up`` is false). Empty when nothing is found.
    """
    files, _ = discover_compose_files(directory, walk_up=walk_up)
    return files


def discover_compose_files(
    directory: str, *, walk_up: bool = True
) -> tuple[list[str], list[Diagnostic]]:
    """:func:`find_compose_files` with a warning when several names compete."""
    diags: list[Diagnostic] = []
    current = os.path.abspath(directory)
    while True:
        found = _candidates(current, DEFAULT_FILE_NAMES)
        if found:
            winner = found[0]
            if len(found) > 1:
                diags.append(_ambiguous(winner, found, "config files"))
            files = [winner]
            overrides = _candidates(current, DEFAULT_OVERRIDE_FILE_NAMES)
            if overrides:
                if len(overrides) > 1:
                    diags.append(_ambiguous(overrides[0], overrides, "override files"))
                files.append(overrides[0])
            return files, diags
        parent = os.path.dirname(current)
        if not walk_up or parent == current:
            return [], diags
        current = parent


def _ambiguous(winner: str, found: Sequence[str], what: str) -> Diagnostic:
    others = ", ".join(os.path.basename(f) for f in found[1:])
    return codes.make(
        "ambiguous-compose-file", winner, Span(),
        f"found multiple {what} with supported names in {os.path.dirname(winner)}: "
        f"using {os.path.basename(winner)}, ignoring {others}",
        help="keep one file per name; Compose silently prefers the first in its order",
        origin="io",
    )


@dataclass
class FileSelection:
    """The files of a project and the directory it lives in."""

    files: list[str]
    project_dir: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: True when the files were found by searching, not named by the user.
    discovered: bool = False
    #: The files as the user wrote them (``-f`` or ``COMPOSE_FILE``); empty
    #: when they were found by searching.
    given: list[str] = field(default_factory=list)


def split_compose_file_env(value: str, environ: Mapping[str, str]) -> list[str]:
    """Split a ``COMPOSE_FILE`` value with ``COMPOSE_PATH_SEPARATOR``."""
    sep = environ.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    return [p for p in value.split(sep) if p != ""]


def select_files(
    files: Sequence[str],
    *,
    project_dir: str | None,
    environ: Mapping[str, str],
    cwd: str | None = None,
) -> FileSelection:
    """Decide which files to load, the way ``docker compose`` does.

    ``files`` are the ``-f`` files; when empty, ``COMPOSE_FILE`` from
    ``environ`` is used, and then the default names searched from
    ``project_dir`` (or ``cwd``) upwards.
    """
    base = os.path.abspath(cwd if cwd is not None else os.getcwd())
    diags: list[Diagnostic] = []
    named = list(files)
    if not named and environ.get("COMPOSE_FILE"):
        named = split_compose_file_env(environ["COMPOSE_FILE"], environ)
    discovered = False
    if named:
        resolved = [f if f == STDIN else os.path.normpath(os.path.join(base, f)) for f in named]
    else:
        start = os.path.abspath(os.path.join(base, project_dir)) if project_dir else base
        resolved, diags = discover_compose_files(start)
        discovered = True
    if project_dir:
        pdir = os.path.normpath(os.path.join(base, project_dir))
    else:
        first = next((f for f in resolved if f != STDIN), None)
        pdir = os.path.dirname(first) if first is not None else base
    return FileSelection(files=resolved, project_dir=pdir, diagnostics=diags,
                         discovered=discovered, given=named)


def no_files_diagnostic(directory: str) -> Diagnostic:
    names = ", ".join(DEFAULT_FILE_NAMES)
    return codes.make(
        "io-error", directory, Span(),
        f"no configuration file provided: none of {names} found in {directory} "
        "or its parent directories",
        help="name the files with -f, or run from the project directory",
        origin="io",
    )


@dataclass
class ParsedFile:
    """One file as read for the project: its tree as nodes, and its tags."""

    #: The absolute path (documents and origins use the label).
    path: str
    node: Node
    #: Paths tagged ``!reset`` or ``!override`` (see :func:`merge.take_resets`).
    resets: list[KeyPath]
    document: YamlDocument


class FileReader:
    """Reads, interpolates and converts the files of one load, keeping each.

    A file reached several times (an ``extends`` base used twice, a file both
    included and named) is parsed from its text each time, since each use may
    interpolate it with different variables; the first reading is the one kept
    in :attr:`documents`, and its parse findings are reported once.

    Files are read by absolute path but named, in documents, origins and
    findings, as the user named them (see :meth:`label`).
    """

    def __init__(self, *, interpolate: bool = True, stdin: str | None = None,
                 cwd: str | None = None) -> None:
        self.interpolate = interpolate
        #: Parsed (and interpolated) documents by label, in reading order.
        self.documents: dict[str, YamlDocument] = {}
        #: Labels of every file read, in order (those that failed too).
        self.files: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self._texts: dict[str, YamlDocument | None] = {}
        self._stdin = stdin
        self._cwd = os.path.abspath(cwd) if cwd else None
        self._given: dict[str, str] = {}

    def name_files(self, absolute: Sequence[str], given: Sequence[str]) -> None:
        """Name the project's own files as the user wrote them.

        Other files (found by searching, or reached through ``extends`` and
        ``include``) are named relative to the current directory when they
        are below it and the user wrote no absolute path, else absolutely.
        """
        for path, name in zip(absolute, given, strict=False):
            self._given[path] = name
        if self._cwd is not None and given and all(os.path.isabs(g) for g in given):
            self._cwd = None

    def label(self, path: str) -> str:
        """How findings name ``path``."""
        if path in self._given:
            return self._given[path]
        if path == STDIN or self._cwd is None or not os.path.isabs(path):
            return path
        relative = os.path.relpath(path, self._cwd)
        return path if relative.startswith("..") else relative

    def parse(self, path: str) -> YamlDocument | None:
        """The file's document, parsed once (no interpolation)."""
        if path in self._texts:
            return self._texts[path]
        label = self.label(path)
        if path == STDIN:
            doc, diags = parse_text(self._stdin or "", STDIN)
        else:
            doc, diags = load_file(path)
            if label != path:
                diags = [replace(d, path=label) if d.path == path else d for d in diags]
                if doc is not None:
                    doc.path = label
        self._texts[path] = doc
        self.diagnostics.extend(diags)
        return doc

    def read(self, path: str, environ: Mapping[str, str]) -> ParsedFile | None:
        """Parse ``path`` afresh, interpolate it with ``environ``, build its nodes."""
        first = self.parse(path)
        label = self.label(path)
        if first is None:
            if label not in self.files:
                self.files.append(label)
            return None
        if label in self.documents:
            doc, _ = parse_text(first.text, label)
            if doc is None:  # pragma: no cover - parsed fine the first time
                return None
        else:
            doc = first
            self.documents[label] = doc
            self.files.append(label)
        if self.interpolate:
            self.diagnostics.extend(interpolate_document(doc, environ))
        node = from_yaml(doc.data, label)
        resets = take_resets(node)
        return ParsedFile(path=path, node=node, resets=resets, document=doc)


def interpolate_document(doc: YamlDocument, environ: Mapping[str, str]) -> list[Diagnostic]:
    """Interpolate ``${...}`` in a document's tree in place, positions kept."""
    try:
        from composekit.loader.interpolate import interpolate_tree
    except ImportError:  # pragma: no cover - the interpolation module is part of composekit
        return []
    return list(interpolate_tree(doc.data, environ, path=doc.path, source=doc.text))
