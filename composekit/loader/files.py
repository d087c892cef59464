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
from typing import TYPE_CHECKING, Any

from composekit import codes
from composekit.diagnostics import Diagnostic, Span
from composekit.loader.merge import Node, from_yaml, take_resets
from composekit.loader.project import KeyPath
from composekit.yamlio import YamlDocument, load_file, parse_text

if TYPE_CHECKING:
    from composekit.loader.interpolate import TreeInterpolation

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
        done = interpolate_document(doc, environ) if self.interpolate else None
        node = from_yaml(doc.data, label)
        resets = take_resets(node)
        if done is not None:
            self.diagnostics.extend(done.diagnostics)
            self.diagnostics.extend(cast_file_model(node, done))
        return ParsedFile(path=path, node=node, resets=resets, document=doc)


def interpolate_document(doc: YamlDocument, environ: Mapping[str, str]) -> TreeInterpolation:
    """Interpolate ``${...}`` in a document's tree in place, positions kept.

    The document is what schema validation of the file's own format judges:
    values as written, variables substituted, and the strings that a variable
    changed cast where the tools of the file's declared format cast them
    (docker-compose 1.x for v1 and 2.x files, ``docker stack`` for 3.x, Compose
    v2 for the specification): ``init: "true"`` stays the string the file
    wrote, ``published: ${PORT:-8080}`` in a 3.x file becomes the number.
    """
    from composekit.loader.interpolate import (
        CAST_PATHS,
        COMPOSE_V1_CAST_PATHS,
        STACK_CAST_PATHS,
        interpolate_in_place,
    )

    family = declared_family(doc.data)
    table = {"1": COMPOSE_V1_CAST_PATHS, "2": COMPOSE_V1_CAST_PATHS,
             "3": STACK_CAST_PATHS}.get(family, CAST_PATHS)
    done = interpolate_in_place(doc.data, environ, path=doc.path, source=doc.text,
                                cast="substituted", cast_paths=table,
                                prefix=("services",) if family == "1" else ())
    return done


_QUOTES = "\"'\u2018\u2019\u201c\u201d "


def declared_family(data: Any) -> str:
    """The file-format family a document declares: ``"1"``, ``"2"``, ``"3"`` or ``"spec"``.

    As :func:`composekit.catalog.versions.detect_format` reads it, coarsely and
    without importing the catalogue: no ``version:`` is the Compose
    Specification when there is a ``services:`` key or only its top-level
    keys, else version 1; ``version: "2.4"`` (quoted oddly or not) is ``"2"``.
    Unknown versions count as the specification.
    """
    if not isinstance(data, Mapping):
        return "spec"
    if "version" not in data:
        keys = [k for k in data if not (isinstance(k, str) and k.startswith("x-"))]
        if "services" in data or all(k in TOP_LEVEL_KEYS for k in keys):
            return "spec"
        return "1"
    value = data["version"]
    if isinstance(value, Mapping):
        return "1"  # docker-compose 1.x reads `version` as a service name
    text = str(value).strip(_QUOTES)
    major = text.split(".")[0]
    return major if major in ("2", "3") else "spec"


def cast_file_model(node: Node, done: TreeInterpolation) -> list[Diagnostic]:
    """Compose v2's casts on one file's model (every string at a typed path).

    The model starts from the interpolated document, whose casts followed the
    declared format's tools: those values get their interpolated text back,
    and the typed values that a variable made unreadable are left out.
    """
    from composekit.loader.interpolate import cast_model

    prefix = ("services",) if is_legacy_v1(node) else ()
    return cast_model(node, prefix=prefix, skip=done.failed, drop=done.cast_failed,
                      texts=done.uncast)


#: Top-level keys of the Compose specification (anything else, outside
#: ``x-*``, makes a file without ``version`` and ``services`` a v1 file).
TOP_LEVEL_KEYS = frozenset({
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs",
    "models",
})

#: Keys one of which a v1 service has (it needs an image, a build or a base).
_V1_SERVICE_KEYS = frozenset({"image", "build", "extends"})


def is_legacy_v1(node: Node) -> bool:
    """A version 1 file: no ``version``, no ``services``, services at the top level.

    Every top-level key (outside ``x-*``) must be a mapping, and one at least
    must look like a service (``image``, ``build`` or ``extends``), so that a
    misspelt ``servics:`` is not taken for a v1 service.
    """
    if not isinstance(node.value, dict) or not node.value:
        return False
    keys = [k for k in node.value if not k.startswith("x-")]
    if not keys or any(k in TOP_LEVEL_KEYS for k in keys):
        return False
    values = [node.value[k].value for k in keys]
    if not all(isinstance(v, dict) for v in values):
        return False
    return any(_V1_SERVICE_KEYS & set(v) for v in values)


def as_services(node: Node) -> Node:
    """A v1 file's tree as ``{services: ...}``, origins kept on each service.

    ``volumes_from`` is given docker-compose 1.x's v1 reading: ``NAME[:MODE]``
    is a service when the file has one of that name, else a container
    (``container:NAME[:MODE]`` in later formats).
    """
    assert isinstance(node.value, dict)
    services = {k: v for k, v in node.value.items() if not k.startswith("x-")}
    extras = {k: v for k, v in node.value.items() if k.startswith("x-")}
    for svc in services.values():
        sources = svc.get("volumes_from")
        if sources is None or not isinstance(sources.value, list):
            continue
        for item in sources.value:
            text = item.value
            if isinstance(text, str) and not text.startswith("container:") \
                    and text.split(":")[0] not in services:
                item.value = f"container:{text}"
    return Node({"services": Node(services, node.origin), **extras}, node.origin)
