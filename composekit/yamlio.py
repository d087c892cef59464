"""Reading Compose files: ruamel.yaml round-trip trees with positions, and
every malformed input turned into a :class:`~composekit.diagnostics.Diagnostic`.

``load_file``, ``parse_bytes`` and ``parse_text`` never raise for bad input;
they return ``(document or None, diagnostics)``. ``locate`` maps a key path
inside a round-trip tree back to a 1-based :class:`~composekit.diagnostics.Span`.

What is refused, and why
------------------------

The document is ``None`` (with an error) when the file cannot be read, is not
UTF-8, is not YAML, is empty, has a top level that is not a mapping, or breaks
one of the limits below. Duplicate keys, non-string keys and typographic
quotes are errors too, but the document is still returned (the first of two
duplicate keys wins) so that later stages can report everything in one run.

Limits (bounded time and memory for any input):

* :data:`MAX_FILE_BYTES` = 256 KiB (callers may pass ``max_bytes``).
  ruamel.yaml's round-trip reader is pure Python: measured here, typical
  Compose content reads at 100-140 KiB/s and a single huge flow list
  (``[1,1,1,...]``) at 20-35 KiB/s, superlinearly; 256 KiB bounds a file to
  about 3 s (8 s for the worst shape), where 1 MiB took 8-50 s. Real Compose
  files are a few KiB; 256 KiB is some 13,000 lines of services.
* :data:`MAX_NESTING_DEPTH` = 64 nested mappings/sequences. Compose files
  rarely nest deeper than 8. ruamel.yaml composes nodes recursively (two
  Python frames per level), so an unbounded depth ends in ``RecursionError``;
  the guard stops composing at the limit, before any deep recursion.
  (Compose v2 accepts 10,000 nested ``[``; composekit refuses them.)
* :data:`MAX_ALIAS_NODES` = 100,000 nodes added by alias expansion: the
  number of nodes the document has once every ``*alias`` is replaced by a
  copy of its anchored node, minus the nodes written in the file. Counted on
  the node graph with memoised sizes (linear time), before anything is
  expanded; a realistic file with ``<<: *defaults`` in every service adds a
  few thousand. Compose v2 itself runs out of memory on a 9-level "billion
  laughs" file. An alias inside its own anchor (a cycle) is refused as well,
  as Compose v2 does ("cycle detected").

Other behaviour measured against ``docker compose`` v2.40.3:

* Several documents in one file (``---``): Compose v2 reads all of them and
  merges them in order, like extra ``-f`` files; an empty document (e.g. a
  trailing ``---``) makes it fail with "top-level object must be a mapping".
  Compose v1 refuses any second document. composekit returns every document
  in :attr:`YamlDocument.documents` (``data`` is the first), warns with
  ``multiple-documents`` and reports an empty or non-mapping document.
* A tab as separator (``key:<TAB>value``, ``value<TAB># comment``) is accepted
  by Compose v2 but rejected by ruamel.yaml and PyYAML (Compose v1); it is read
  as a space and reported as a ``tab-indentation`` warning. A tab in the
  indentation is an error everywhere.
* ``%YAML 1.2`` makes Compose v2 fail ("found incompatible YAML document");
  ``%YAML 1.1`` is accepted (and ignored) by Compose v2, but ruamel.yaml then
  reads the tree as YAML 1.1.
* A date that does not exist (``2002-02-30``) and a number ruamel.yaml
  resolves but cannot build (``0x_``, ``IndexError`` inside ruamel.yaml) are
  strings for Compose v2; composekit keeps the string too.
* Duplicate keys compare the key text, as Compose v2 does: ``1`` and ``"1"``
  are the same key.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import RoundTripScanner

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span, json_path
from composekit.yaml_dialects import (
    PLAIN_KEYS_ATTR,
    PLAIN_VALUES_ATTR,
    SOURCE_ATTR,
    needs_record,
    read_plain,
)

#: Largest Compose file composekit reads, in bytes (see the module docstring).
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of mappings and sequences composekit reads.
MAX_NESTING_DEPTH = 64
#: Most nodes that alias expansion may add to one document.
MAX_ALIAS_NODES = 100_000
#: How many separator tabs are read as spaces before giving up.
MAX_TAB_FIXES = 32

PathPart = str | int
KeyPath = tuple[PathPart, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
# Typographic single and double quotes, as escapes (two look like a comma or a backquote)
_TYPOGRAPHIC_SINGLE = "\u2018\u2019\u201a\u201b"
_TYPOGRAPHIC_DOUBLE = "\u201c\u201d\u201e\u201f"
_TYPOGRAPHIC = _TYPOGRAPHIC_SINGLE + _TYPOGRAPHIC_DOUBLE
_OPENING_QUOTES = "\u2018\u201a\u201b\u201c\u201e\u201f"


@dataclass
class YamlDocument:
    """One parsed file: the text as read and its round-trip tree.

    ``data`` is the first YAML document; ``documents`` holds every document of
    the file in order (Compose v2 merges them like extra ``-f`` files).
    """

    path: str
    text: str
    data: Any
    diagnostics: list[Diagnostic] = field(default_factory=list)
    documents: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.documents:
            self.documents = [self.data]


def new_yaml() -> YAML:
    """A round-trip loader/dumper configured the way composekit uses it."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    return yaml


# --------------------------------------------------------------------------
# Reading files and bytes
# --------------------------------------------------------------------------


def load_file(path: str | os.PathLike[str], *,
              max_bytes: int = MAX_FILE_BYTES) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and parse ``path``; I/O problems are ``io-error`` findings."""
    name = os.fspath(path)
    try:
        info = os.stat(name)
        if stat.S_ISDIR(info.st_mode):
            return None, [_io(name, f"'{name}' is a directory, not a Compose file",
                              "pass the path of a file such as compose.yaml")]
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            return None, [_too_large(name, info.st_size, max_bytes)]
        with open(name, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        return None, [_io(name, f"no such file: '{name}'", "check the path and the working "
                          "directory")]
    except IsADirectoryError:
        return None, [_io(name, f"'{name}' is a directory, not a Compose file",
                          "pass the path of a file such as compose.yaml")]
    except PermissionError:
        return None, [_io(name, f"permission denied: cannot read '{name}'",
                          "check the file's permissions")]
    except OSError as exc:
        return None, [_io(name, f"cannot read '{name}': {exc.strerror or exc}")]
    return parse_bytes(raw, name, max_bytes=max_bytes)


def _io(path: str, message: str, help: str | None = None) -> Diagnostic:
    return codes.make("io-error", path, Span(), message, help=help, origin="io")


def _too_large(path: str, size: int, limit: int) -> Diagnostic:
    return codes.make(
        "file-too-large", path, Span(),
        f"file is {size:,} bytes; composekit reads Compose files of at most {limit:,} bytes "
        f"({limit / 1024:g} KiB)",
        help="check that this is a Compose file; a big project can be split into several "
             "files (-f) or use include:",
        origin="io")


_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)


def parse_bytes(raw: bytes, path: str, *,
                max_bytes: int = MAX_FILE_BYTES) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Decode ``raw`` as UTF-8 and parse it."""
    if len(raw) > max_bytes:
        return None, [_too_large(path, len(raw), max_bytes)]
    diags: list[Diagnostic] = []
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return None, [codes.make(
                "not-utf8", path, Span(),
                f"file is encoded as {name} (it starts with the byte-order mark "
                f"{bom.hex(' ').upper()}); Compose files must be UTF-8",
                help="save the file as UTF-8")]
    utf16 = _looks_utf16(raw)
    if utf16:
        return None, [codes.make(
            "not-utf8", path, Span(),
            f"file looks {utf16} encoded (every other byte is NUL); Compose files must be UTF-8",
            help="save the file as UTF-8")]
    if raw.startswith(b"\xef\xbb\xbf"):
        diags.append(_bom(path))
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        bad = raw[exc.start]
        hint = ""
        try:
            raw.decode("cp1252")
            hint = "; the file looks like Latin-1 / Windows-1252 text"
        except UnicodeDecodeError:
            pass
        diags.append(codes.make(
            "not-utf8", path, Span(line, col),
            f"byte 0x{bad:02X} at line {line}, column {col} is not valid UTF-8{hint}",
            help="save the file as UTF-8"))
        return None, diags
    doc, more = _parse(text, path)
    diags.extend(more)
    diags.sort(key=_order)
    if doc is not None:
        doc.diagnostics = diags
    return doc, diags


def _order(diag: Diagnostic) -> tuple[str, int, int, str]:
    # Not Diagnostic's own order: Span compares end_line None with int and raises.
    return (diag.path, diag.span.line, diag.span.column, diag.code)


def _looks_utf16(raw: bytes) -> str | None:
    head = raw[:64]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) == len(odd) and even.count(0) == 0:
        return "UTF-16 (little-endian)"
    if even.count(0) == len(even) and odd.count(0) == 0:
        return "UTF-16 (big-endian)"
    return None


def _bom(path: str) -> Diagnostic:
    return codes.make("byte-order-mark", path, Span(),
                      "file starts with a UTF-8 byte-order mark (U+FEFF)",
                      help="save the file as UTF-8 without BOM; Compose v2 accepts it, "
                           "but some YAML tools do not")


def parse_text(text: str, path: str, *,
               max_bytes: int = MAX_FILE_BYTES) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse ``text`` into a round-trip tree; syntax problems become findings."""
    if len(text) > max_bytes or (len(text) * 4 > max_bytes
                                  and len(text.encode("utf-8", errors="replace")) > max_bytes):
        return None, [_too_large(path, len(text.encode("utf-8", errors="replace")), max_bytes)]
    diags: list[Diagnostic] = []
    if text.startswith("\ufeff"):
        diags.append(_bom(path))
        text = text[1:]
    doc, more = _parse(text, path)
    diags.extend(more)
    diags.sort(key=_order)
    if doc is not None:
        doc.diagnostics = diags
    return doc, diags


# --------------------------------------------------------------------------
# The guarded loader
# --------------------------------------------------------------------------


class _Refusal(Exception):
    """Parsing stops: the diagnostic says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _ConstructFailure(Exception):
    """ruamel.yaml raised something other than a YAMLError while constructing ``node``."""

    def __init__(self, node: Any, error: BaseException) -> None:
        super().__init__(str(error))
        self.node = node
        self.error = error


@dataclass
class _Alias:
    name: str
    mark: Any
    node: Any


@dataclass
class _State:
    path: str
    diags: list[Diagnostic] = field(default_factory=list)
    aliases: list[_Alias] = field(default_factory=list)
    doc_starts: list[Any] = field(default_factory=list)
    roots: list[Any] = field(default_factory=list)


def _state_of(obj: Any) -> _State:
    state = getattr(obj.loader, "_composekit_state", None)
    assert isinstance(state, _State)
    return state


def _too_deep(state: _State, mark: Any) -> _Refusal:
    return _Refusal(codes.make(
        "nesting-too-deep", state.path, Span.at(mark.line, mark.column),
        f"mappings and lists nest more than {MAX_NESTING_DEPTH} levels deep here; "
        f"composekit reads at most {MAX_NESTING_DEPTH} levels (Compose files rarely need "
        "more than 8)",
        help="flatten the structure; very deep nesting is usually generated or an unclosed "
             "'[' or '{'"))


class _GuardedScanner(RoundTripScanner):
    """Scanner that stops at the flow nesting limit.

    The composer's depth guard alone would do, but the scanner reads up to
    1024 characters ahead of it and re-checks every pending simple key for
    each token, which is quadratic in the flow depth (10,000 '[' took ~1 s).
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if self.flow_level >= MAX_NESTING_DEPTH:
            raise _too_deep(_state_of(self), self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _GuardedComposer(Composer):
    """Composer with a depth limit, alias positions and document starts."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader=loader)
        self.warn_double_anchors = False  # redefining an anchor is valid YAML
        self._composekit_depth = 0

    def compose_document(self) -> Any:
        state = _state_of(self)
        state.doc_starts.append(self.parser.peek_event().start_mark)
        state.aliases = []
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            node = super().compose_node(parent, index)
            _state_of(self).aliases.append(_Alias(event.anchor, event.start_mark, node))
            return node
        if not self.parser.check_event(MappingStartEvent, SequenceStartEvent):
            return super().compose_node(parent, index)
        self._composekit_depth += 1
        try:
            if self._composekit_depth > MAX_NESTING_DEPTH:
                raise _too_deep(_state_of(self), self.parser.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._composekit_depth -= 1


def _explicit_tag(node: Any) -> bool:
    return getattr(getattr(node, "ctag", None), "handle", None) is not None


def _plain(node: Any) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and not _explicit_tag(node)


class _RecordingConstructor(RoundTripConstructor):
    """Round-trip constructor that keeps the source text of plain scalars
    (for :mod:`composekit.yaml_dialects`), checks each document's node graph
    before building it, and turns any failure into a positioned error."""

    def construct_document(self, node: Any) -> Any:
        state = _state_of(self)
        _check_graph(node, state)
        state.roots.append(node)
        try:
            return super().construct_document(node)
        except (YAMLError, _Refusal, _ConstructFailure, RecursionError):
            raise
        except Exception as exc:
            raise _ConstructFailure(getattr(self, "_composekit_node", node), exc) from exc

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        self._composekit_node = node
        try:
            return super().construct_object(node, deep=deep)
        except (YAMLError, _Refusal, _ConstructFailure, RecursionError):
            raise
        except Exception as exc:
            raise _ConstructFailure(node, exc) from exc

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            if _explicit_tag(node):
                raise
            # Looks like a date but is not one (2002-02-30): Compose v2 reads a string.
            return str(node.value)

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except (ValueError, IndexError):
            if _explicit_tag(node):
                raise
            # Resolved as an int but not one ruamel can build (0x_): Compose v2 reads a string.
            return str(node.value)

    def construct_yaml_float(self, node: Any) -> Any:
        try:
            return super().construct_yaml_float(node)
        except (ValueError, IndexError):
            if _explicit_tag(node):
                raise
            return str(node.value)

    def construct_yaml_map(self, node: Any) -> Iterator[Any]:
        steps = super().construct_yaml_map(node)
        data = next(steps)
        if node.anchor is not None:
            _identity_referents(data)
        yield data
        yield from steps

    def construct_mapping(  # type: ignore[override]
        self, node: Any, maptyp: Any, deep: bool = False,
    ) -> Any:
        result = super().construct_mapping(node, maptyp, deep=deep)
        built = self.constructed_objects
        values: dict[Any, tuple[Any, str]] | None = None
        keys: dict[Any, str] | None = None
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            key = built.get(key_node)
            try:
                if key not in maptyp._ok:
                    continue
            except TypeError:
                continue
            if _plain(key_node) and needs_record(key_node.value, key):
                keys = {} if keys is None else keys
                keys.setdefault(key, key_node.value)
            if _plain(value_node):
                value = built.get(value_node)
                if needs_record(value_node.value, value):
                    values = {} if values is None else values
                    values.setdefault(key, (value, value_node.value))
                    _remember_source(value, value_node.value)
        if values:
            setattr(maptyp, PLAIN_VALUES_ATTR, values)
        if keys:
            setattr(maptyp, PLAIN_KEYS_ATTR, keys)
        return result

    def construct_rt_sequence(self, node: Any, seqtyp: Any, deep: bool = False) -> Any:
        result = super().construct_rt_sequence(node, seqtyp, deep=deep)
        values: dict[int, tuple[Any, str]] | None = None
        for index, child in enumerate(node.value):
            if _plain(child) and index < len(result):
                value = result[index]
                if needs_record(child.value, value):
                    values = {} if values is None else values
                    values[index] = (value, child.value)
                    _remember_source(value, child.value)
        if values:
            setattr(seqtyp, PLAIN_VALUES_ATTR, values)
        return result


_RecordingConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _RecordingConstructor.construct_yaml_timestamp)
_RecordingConstructor.add_constructor(
    "tag:yaml.org,2002:map", _RecordingConstructor.construct_yaml_map)
_RecordingConstructor.add_constructor(
    "tag:yaml.org,2002:int", _RecordingConstructor.construct_yaml_int)
_RecordingConstructor.add_constructor(
    "tag:yaml.org,2002:float", _RecordingConstructor.construct_yaml_float)


def _identity_referents(mapping: Any) -> None:
    """Register merge referents by identity on an anchored mapping.

    ruamel.yaml's ``CommentedMap.add_referent`` tests ``cm not in self._ref``,
    which compares whole mappings by value: N mappings merging one anchor cost
    O(N^2) mapping comparisons (5,000 ``<<: *x`` took about a minute), and a
    referent equal to an earlier one is not registered at all.
    """
    refs = getattr(mapping, "_ref", None)
    if not isinstance(refs, list):
        return
    known: set[int] = {id(r) for r in refs}

    def add_referent(cm: Any) -> None:
        if id(cm) not in known:
            known.add(id(cm))
            refs.append(cm)

    with contextlib.suppress(AttributeError):
        mapping.add_referent = add_referent


def _remember_source(value: Any, text: str) -> None:
    """Keep the source text on ruamel scalar objects that can hold it."""
    if hasattr(value, "__dict__") and not isinstance(value, CommentedMap | CommentedSeq):
        with contextlib.suppress(AttributeError, TypeError):
            setattr(value, SOURCE_ATTR, text)


def _loader(state: _State) -> YAML:
    yaml = new_yaml()
    yaml.allow_duplicate_keys = True  # reported by _check_graph, with both positions
    yaml.Scanner = _GuardedScanner
    yaml.Composer = _GuardedComposer
    yaml.Constructor = _RecordingConstructor
    setattr(yaml, "_composekit_state", state)  # noqa: B010 - read back by the hooks
    return yaml


# --------------------------------------------------------------------------
# Checks on the node graph (before construction)
# --------------------------------------------------------------------------


def _children(node: Any) -> list[Any]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _node_path(node: Any, parents: dict[int, tuple[Any, int]]) -> KeyPath:
    parts: list[PathPart] = []
    current = node
    while id(current) in parents:
        parent, index = parents[id(current)]
        if isinstance(parent, SequenceNode):
            parts.append(index)
        else:
            key_node = parent.value[index // 2][0] if index // 2 < len(parent.value) else None
            label = key_node.value if isinstance(key_node, ScalarNode) else "?"
            parts.append(str(label))
        current = parent
    return tuple(reversed(parts))


def _span_of(node: Any) -> Span:
    start = node.start_mark
    end = node.end_mark
    if end is not None and isinstance(node, ScalarNode):
        return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
    return Span.at(start.line, start.column)


def _check_graph(root: Any, state: _State) -> None:
    """Alias expansion, cycles, keys and typographic quotes, in one linear pass."""
    visiting, done = 1, 2
    status: dict[int, int] = {id(root): visiting}
    size: dict[int, int] = {}
    parents: dict[int, tuple[Any, int]] = {}
    cap = MAX_ALIAS_NODES * 1000
    _visit(root, state, parents)
    stack: list[tuple[Any, list[Any], int]] = [(root, _children(root), 0)]
    while stack:
        node, kids, i = stack[-1]
        if i < len(kids):
            stack[-1] = (node, kids, i + 1)
            kid = kids[i]
            seen = status.get(id(kid))
            if seen is None:
                status[id(kid)] = visiting
                parents[id(kid)] = (node, i)
                _visit(kid, state, parents)
                stack.append((kid, _children(kid), 0))
            elif seen == visiting:
                raise _Refusal(_cycle(kid, state, parents))
            continue
        stack.pop()
        total = 1
        for kid in kids:
            total += size[id(kid)]
        size[id(node)] = min(total, cap)
        status[id(node)] = done
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_NODES:
        raise _Refusal(_bomb(root, added, len(size), size, state, parents))


def _cycle(node: Any, state: _State, parents: dict[int, tuple[Any, int]]) -> Diagnostic:
    start, end = node.start_mark.index, getattr(node.end_mark, "index", None)
    alias = next((a for a in state.aliases if a.node is node
                  and (end is None or start <= a.mark.index <= end)), None)
    if alias is None:
        alias = next((a for a in state.aliases if a.node is node), None)
    mark = alias.mark if alias is not None else node.start_mark
    name = alias.name if alias is not None else (node.anchor or "?")
    return codes.make(
        "alias-expansion-limit", state.path, Span.at(mark.line, mark.column),
        f"alias *{name} is used inside the node anchored as &{name}, so that node would "
        "contain itself without end; Compose v2 refuses this too ('cycle detected')",
        json_path=json_path(_node_path(node, parents)),
        help=f"do not refer to &{name} from inside itself")


def _bomb(root: Any, added: int, physical: int, size: dict[int, int], state: _State,
          parents: dict[int, tuple[Any, int]]) -> Diagnostic:
    worst = max(state.aliases, key=lambda a: size.get(id(a.node), 0), default=None)
    cap = MAX_ALIAS_NODES * 1000
    if worst is None:
        mark, detail = root.start_mark, ""
    else:
        mark = worst.mark
        alone = size.get(id(worst.node), 0)
        detail = (f"; alias *{worst.name} here alone stands for "
                  f"{'more than ' if alone >= cap else ''}{alone:,} nodes")
    more = "more than " if added >= cap - physical else ""
    return codes.make(
        "alias-expansion-limit", state.path, Span.at(mark.line, mark.column),
        f"anchors and aliases expand this document by {more}{added:,} nodes beyond the "
        f"{physical:,} written in the file; composekit allows at most {MAX_ALIAS_NODES:,} "
        f"(this is how a 'billion laughs' attack looks){detail}",
        help="use fewer levels of aliases to aliases, or write the values out")


def _visit(node: Any, state: _State, parents: dict[int, tuple[Any, int]]) -> None:
    if isinstance(node, MappingNode):
        _check_keys(node, state, parents)
    elif isinstance(node, ScalarNode) and node.style is None:
        text = node.value
        if text and (text[0] in _OPENING_QUOTES
                     or (text[0] in _TYPOGRAPHIC and text[-1] in _TYPOGRAPHIC)):
            state.diags.append(_typographic(node, state, parents))


def _typographic(node: Any, state: _State, parents: dict[int, tuple[Any, int]]) -> Diagnostic:
    text: str = node.value
    double = any(c in _TYPOGRAPHIC_DOUBLE for c in (text[0], text[-1]))
    used = "“ ”" if double else "‘ ’"
    ascii_quote = '"' if double else "'"
    inner = text.strip(_TYPOGRAPHIC)
    parent = parents.get(id(node))
    is_key = (parent is not None and isinstance(parent[0], MappingNode)
              and parent[1] % 2 == 0)
    what = "key" if is_key else "value"
    return codes.make(
        "typographic-quote", state.path, _span_of(node),
        f"{what} {text} is wrapped in typographic quotes ({used}); YAML does not read them "
        f"as quotes, so the {what} is the text {text!r}, quotes included",
        json_path=json_path(_node_path(node, parents)),
        help=f"replace them with straight quotes: {ascii_quote}{inner}{ascii_quote}")


_CORE_NON_STRING = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "timestamp"))


def _check_keys(node: Any, state: _State, parents: dict[int, tuple[Any, int]]) -> None:
    seen: dict[str, Any] = {}
    merge_first: Any = None
    drop: list[int] = []

    def where_in(*more: PathPart) -> str:
        return json_path(_node_path(node, parents) + more)

    for index, (key_node, _value_node) in enumerate(node.value):
        if not isinstance(key_node, ScalarNode):
            shape = "list" if isinstance(key_node, SequenceNode) else "mapping"
            state.diags.append(codes.make(
                "non-string-key", state.path, _mark_span(key_node.start_mark),
                f"a {shape} is used as a mapping key; Compose needs string keys",
                json_path=where_in(), help="use a plain name as the key"))
            continue
        text = key_node.value
        where = _mark_span(key_node.start_mark)
        if key_node.tag == _MERGE_TAG:
            if merge_first is not None:
                first = merge_first.start_mark
                state.diags.append(codes.make(
                    "duplicate-merge-key", state.path, where,
                    f"merge key '<<' is already used in this mapping at line {first.line + 1}, "
                    f"column {first.column + 1}; a mapping can hold only one '<<' (Compose v2 "
                    "refuses the file; composekit uses the first)",
                    json_path=where_in("<<"),
                    help="merge several anchors with one key: <<: [*first, *second]"))
                drop.append(index)
                continue
            merge_first = key_node
        if text in seen:
            first = seen[text].start_mark
            state.diags.append(codes.make(
                "duplicate-key", state.path, where,
                f"key '{text}' is already defined at line {first.line + 1}, column "
                f"{first.column + 1}; Compose v2 refuses duplicate keys (composekit keeps the "
                "first)",
                json_path=where_in(text),
                help="remove one of the two, or merge their contents"))
            continue
        seen[text] = key_node
        if key_node.tag == _MERGE_TAG:
            continue
        kind: str | None = None
        if _plain(key_node):
            reading = read_plain(text, "compose-v2")
            if type(reading) is not str:  # a Timestamp is a str subclass
                kind = _kind(reading)
        elif _explicit_tag(key_node) and key_node.tag in _CORE_NON_STRING:
            kind = f"a !!{key_node.tag.rsplit(':', 1)[-1]} value"
        if kind is not None:
            state.diags.append(codes.make(
                "non-string-key", state.path, where,
                f"key {text or '(empty)'} is read as {kind}, not a string; Compose v2 refuses "
                "non-string keys ('non-string key')",
                json_path=where_in(), help=f'quote the key: "{text}"'))
    for index in reversed(drop):
        del node.value[index]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a time value" if type(value).__name__ == "Timestamp" else "a non-string value"


# --------------------------------------------------------------------------
# Parsing and turning errors into diagnostics
# --------------------------------------------------------------------------

_TAB_PROBLEM = "found character '\\t' that cannot start any token"
_VERSION_DIRECTIVE = re.compile(r"^%YAML[ \t]+([0-9]+)\.([0-9]+)", re.M)


def _parse(text: str, path: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    directive_error = False
    if "%YAML" in text:
        for m in _VERSION_DIRECTIVE.finditer(text):
            if (m.group(1), m.group(2)) != ("1", "1"):
                directive_error = True
                diags.append(codes.make(
                    "yaml-syntax", path, _position(text, m.start()),
                    f"%YAML {m.group(1)}.{m.group(2)} directive: Compose v2 refuses it "
                    "('found incompatible YAML document'); it reads only files without a "
                    "directive or with %YAML 1.1",
                    help="remove the %YAML line"))
    source = text
    for _attempt in range(MAX_TAB_FIXES + 1):
        state = _State(path)
        try:
            documents = _load_all(source, state)
        except MarkedYAMLError as exc:
            fixed = _separator_tab(exc, source, path)
            if fixed is not None and _attempt < MAX_TAB_FIXES:
                source, warning = fixed
                diags.append(warning)
                continue
            if fixed is not None:
                diags.append(codes.make(
                    "tab-indentation", path, _mark_span(exc.problem_mark),
                    f"more than {MAX_TAB_FIXES} tabs are used as separators; composekit stops "
                    "reading them as spaces here", help="replace the tabs with spaces"))
                return None, diags
            if not directive_error or "YAML" not in str(exc):
                diags.append(_marked(exc, source, path))
            return None, diags + state.diags
        except _Refusal as refusal:
            return None, [*diags, refusal.diagnostic]
        except _ConstructFailure as failure:
            return None, [*diags, *state.diags, _construct_failure(failure, path)]
        except ReaderError as exc:
            return None, [*diags, _reader_error(exc, source, path)]
        except RecursionError:
            return None, [*diags, codes.make(
                "nesting-too-deep", path, Span(),
                "the document nests too deeply for the YAML reader",
                help="flatten the structure")]
        except Exception as exc:  # anything else ruamel.yaml raises: never a traceback
            if directive_error:
                return None, diags
            return None, [*diags, codes.make(
                "yaml-syntax", path, Span(),
                f"the YAML reader failed: {type(exc).__name__}: {_first_line(exc)}")]
        return _documents(text, path, documents, state, diags)
    return None, diags  # pragma: no cover - the loop always returns


def _load_all(text: str, state: _State) -> list[Any]:
    yaml = _loader(state)
    if "%YAML" in text:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(yaml.load_all(text))
    return list(yaml.load_all(text))


def _documents(text: str, path: str, documents: list[Any], state: _State,
               diags: list[Diagnostic]) -> tuple[YamlDocument | None, list[Diagnostic]]:
    diags = diags + state.diags
    if not documents or (len(documents) == 1 and documents[0] is None
                         and _empty_root(state.roots[0] if state.roots else None)):
        has_text = any(line.strip() and not line.lstrip().startswith("#")
                       for line in text.splitlines())
        what = "holds only comments" if text.strip() and not has_text else "is empty"
        if has_text:
            what = "holds no YAML content (only document markers)"
        diags.append(codes.make(
            "empty-file", path, Span(), f"file {what}; a Compose file needs at least a "
            "'services:' mapping", help="add the services this file should define"))
        return None, diags
    ok = True
    many = len(documents) > 1
    for index, data in enumerate(documents):
        if isinstance(data, CommentedMap):
            continue
        ok = False
        root = state.roots[index] if index < len(state.roots) else None
        label = f"document {index + 1}" if many else "top level"
        if data is None and _empty_root(root):
            start = state.doc_starts[index] if index < len(state.doc_starts) else None
            span = Span.at(start.line, start.column) if start is not None else Span()
            diags.append(codes.make(
                "root-not-mapping", path, span,
                f"{label} of this file is empty; Compose v2 reads every document of a file "
                "and refuses an empty one ('top-level object must be a mapping')",
                help="remove the extra '---' line"))
            continue
        span = Span.at(root.start_mark.line, root.start_mark.column) if root is not None \
            else Span()
        diags.append(codes.make(
            "root-not-mapping", path, span,
            f"{label} is {_describe(data)}; a Compose file must be a mapping with keys "
            "such as 'services:'",
            help="start the file with 'services:' and indent the service definitions "
                 "under it"))
    if many:
        second = state.doc_starts[1] if len(state.doc_starts) > 1 else None
        span = Span.at(second.line, second.column) if second is not None else Span()
        diags.append(codes.make(
            "multiple-documents", path, span,
            f"file holds {len(documents)} YAML documents; Compose v2 merges them in order "
            "like extra -f files, Compose v1 refuses the file ('expected a single document "
            "in the stream')",
            help="put each document in its own file and pass them with -f"))
    if not ok:
        return None, diags
    doc = YamlDocument(path=path, text=text, data=documents[0], diagnostics=diags,
                       documents=list(documents))
    return doc, diags


def _empty_root(root: Any) -> bool:
    return (root is None or (isinstance(root, ScalarNode) and root.value == ""
                             and root.style is None and not _explicit_tag(root)))


def _describe(data: Any) -> str:
    if isinstance(data, CommentedSeq | list):
        return f"a list ({len(data)} item{'s' if len(data) != 1 else ''})"
    if data is None:
        return "null"
    if isinstance(data, bool) or type(data).__name__ == "ScalarBoolean":
        return f"the boolean {str(bool(data)).lower()}"
    if isinstance(data, int | float):
        return f"the number {data}"
    if isinstance(data, str):
        shown = data if len(data) <= 40 else data[:37] + "..."
        return f"the string {shown!r}"
    value = getattr(data, "value", None)
    if isinstance(value, str):
        return f"the tagged value {value!r}"
    if isinstance(data, set | frozenset):
        return "a set (!!set)"
    if hasattr(data, "isoformat"):
        return f"the date {data.isoformat()}"
    return f"a {type(data).__name__}"


def _position(text: str, index: int) -> Span:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return Span(line, col)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _mark_span(mark: Any) -> Span:
    return Span.at(mark.line, mark.column) if mark is not None else Span()


def _separator_tab(exc: MarkedYAMLError, text: str,
                   path: str) -> tuple[str, Diagnostic] | None:
    """A tab used as a separator (not as indentation): read it as a space."""
    mark = exc.problem_mark
    if exc.problem != _TAB_PROBLEM or mark is None:
        return None
    index = mark.index
    if not 0 <= index < len(text) or text[index] != "\t":
        return None
    line_start = text.rfind("\n", 0, index) + 1
    if not text[line_start:index].strip(" \t"):
        return None  # indentation: an error
    span = Span.at(mark.line, mark.column)
    warning = codes.make(
        "tab-indentation", path, span,
        "tab used as a separator; Compose v2 accepts it, but YAML 1.1 readers (Compose v1, "
        "PyYAML) and ruamel.yaml reject it; composekit reads it as a space",
        help="replace the tab with a space", severity=Severity.WARNING)
    return text[:index] + " " + text[index + 1:], warning


def _marked(exc: MarkedYAMLError, text: str, path: str) -> Diagnostic:
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    pmark, cmark = exc.problem_mark, exc.context_mark
    mark = pmark or cmark
    span = _mark_span(mark)
    if problem == _TAB_PROBLEM and pmark is not None:
        return codes.make(
            "tab-indentation", path, span,
            "tab character in the indentation; YAML forbids tabs for indentation; use spaces",
            help="replace the tab with spaces (configure the editor to insert spaces)")
    if type(exc).__name__ == "DuplicateKeyError":
        return codes.make("duplicate-key", path, span, problem or "duplicate key")
    line_text = _line(text, mark.line) if mark is not None else ""
    quote_at = next((i for i, c in enumerate(line_text) if c in _TYPOGRAPHIC), None)
    if quote_at is not None and mark is not None:
        double = line_text[quote_at] in _TYPOGRAPHIC_DOUBLE
        return codes.make(
            "typographic-quote", path, Span(mark.line + 1, quote_at + 1),
            f"typographic quote {line_text[quote_at]} on this line is not a YAML quote, and "
            f"the line does not parse ({problem or context})",
            help=f"replace {'“ and ”' if double else '‘ and ’'} with straight quotes "
                 f"({chr(34) if double else chr(39)})")
    if context.startswith("while scanning a quoted scalar") and cmark is not None:
        quote = _char(text, cmark.index)
        return codes.make(
            "yaml-syntax", path, _mark_span(cmark),
            f"the string opened with {quote} here is never closed (the file ends inside it)",
            help=f"add the closing {quote}")
    opened = _runaway_quote(text, mark)
    if opened is not None:
        (line0, col0), quote, end_line0 = opened
        return codes.make(
            "yaml-syntax", path, Span(line0 + 1, col0 + 1),
            f"the string opened with {quote} here runs on to line {end_line0 + 1}, where "
            f"parsing fails ({_humanize(problem)}); is the closing {quote} missing?",
            help=f"close the string with {quote} on the line where it starts")
    return codes.make("yaml-syntax", path, span, _explain(exc, problem, context),
                      help=_syntax_help(problem, line_text, mark))


def _line(text: str, line0: int) -> str:
    start = 0
    for _ in range(line0):
        nl = text.find("\n", start)
        if nl < 0:
            return ""
        start = nl + 1
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def _char(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) and text[index] in "'\"" else '"'


def _runaway_quote(text: str, mark: Any) -> tuple[tuple[int, int], str, int] | None:
    """The last quoted string before ``mark``, if it spans lines and ends on ``mark``'s line.

    Only runs on the error path: scans the tokens up to the error again.
    """
    if mark is None:
        return None
    from ruamel.yaml.tokens import ScalarToken

    last: tuple[tuple[int, int], str, int] | None = None
    try:
        for token in new_yaml().scan(text):
            if token.start_mark.index >= mark.index:
                break
            if isinstance(token, ScalarToken):
                start, end = token.start_mark, token.end_mark
                multi_line = token.style in ("'", '"') and end.line > start.line
                last = ((start.line, start.column), token.style, end.line) if multi_line \
                    else None
    except Exception:  # the scan stops at the same error; what was seen is enough
        pass
    if last is not None and last[2] == mark.line:
        return last
    return None


_EXPLAIN = (
    (re.compile(r"mapping values are not allowed here"),
     "unexpected ':' here; a value that contains ': ' must be quoted"),
    (re.compile(r"found undefined alias '?([^']*)'?"),
     "alias *{0} refers to no anchor &{0} defined before it"),
    (re.compile(r"found character '(.)' that cannot start any token"),
     "'{0}' cannot start a value; quote the value"),
    (re.compile(r"expected <block end>, but found '<block mapping start>'"),
     "this line is indented more or less than the lines around it"),
    (re.compile(r"expected <block end>, but found '([^']*)'"),
     "unexpected {0} here: check the indentation of this line and the line before"),
    (re.compile(r"could not find expected ':'"),
     "a key without ':' (or a multi-line value that is not indented)"),
    (re.compile(r"expected ',' or '([\]}])', but got '([^']*)'"),
     "expected ',' or '{0}' but found {1}: is the closing '{0}' missing?"),
    (re.compile(r"expected a mapping or list of mappings for merging, but found (\w+)"),
     "'<<' merges mappings, but its value here is a {0}"),
    (re.compile(r"expected a mapping for merging, but found (\w+)"),
     "'<<' merges mappings, but this item of its list is a {0}"),
)
_TOKEN_NAMES = {
    "<scalar>": "a value", "<stream end>": "the end of the file",
    "<block mapping start>": "a new mapping", "<block sequence start>": "a new list",
    "<block end>": "the end of the block", "<document start>": "'---'", ":": "':'",
    "-": "'-'", "?": "'?'", ",": "','",
}


def _humanize(problem: str) -> str:
    """ruamel.yaml's problem text with its token names in words."""
    return re.sub(r"'(<[a-z ]+>)'", lambda m: _TOKEN_NAMES.get(m.group(1), m.group(0)),
                  problem)


def _explain(exc: MarkedYAMLError, problem: str, context: str) -> str:
    for pattern, template in _EXPLAIN:
        m = pattern.search(problem)
        if m:
            message = template.format(*(_TOKEN_NAMES.get(g, g) for g in m.groups()))
            break
    else:
        message = _humanize(problem) or context or "invalid YAML"
    cmark = exc.context_mark
    if context and cmark is not None and exc.problem_mark is not None \
            and cmark.line != exc.problem_mark.line:
        message += f" ({context} that starts at line {cmark.line + 1}, column {cmark.column + 1})"
    elif context and problem and message == _humanize(problem):
        message = f"{message} ({context})"
    return message


def _syntax_help(problem: str, line_text: str, mark: Any) -> str | None:
    if "mapping values are not allowed" in problem:
        return "put the whole value in quotes, e.g. command: \"echo a: b\""
    if "undefined alias" in problem:
        return "define the anchor (&name) before the alias (*name) uses it"
    if "cannot start any token" in problem:
        return "quote the value: '@' and '`' are reserved in YAML"
    if "expected <block end>" in problem or "could not find expected ':'" in problem:
        return "indent nested keys by the same number of spaces under their parent"
    if "expected ',' or ']'" in problem:
        return "close the list with ']' (or quote the value if the '[' is text)"
    if "expected ',' or '}'" in problem:
        return "close the mapping with '}' (or quote the value if the '{' is text)"
    if "for merging" in problem:
        return "merge an anchored mapping: <<: *defaults, or several: <<: [*a, *b]"
    return None


def _construct_failure(failure: _ConstructFailure, path: str) -> Diagnostic:
    node = failure.node
    mark = getattr(node, "start_mark", None)
    tag = str(getattr(node, "tag", "") or "")
    name = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag
    value = node.value if isinstance(node, ScalarNode) else None
    error = failure.error
    detail = _first_line(error) if not isinstance(error, KeyError) else "not a valid value"
    if value is not None:
        message = f"cannot read {value!r} as !!{name}: {detail}"
    else:
        message = f"cannot build this {name or 'value'}: {type(error).__name__}: {detail}"
    return codes.make("yaml-syntax", path, _mark_span(mark), message,
                      help="quote the value, or fix the explicit tag")


def _reader_error(exc: ReaderError, text: str, path: str) -> Diagnostic:
    character = exc.character
    position = exc.position if isinstance(exc.position, int) else 0
    span = _position(text, position)
    if isinstance(character, int):
        shown = f"U+{character:04X}"
        message = (f"character {shown} is not allowed in YAML (control characters other than "
                   "tab, line feed and carriage return are forbidden)")
    else:
        message = f"cannot read the text: {exc.reason}"
    return codes.make("yaml-syntax", path, span, message, help="remove the character")


# --------------------------------------------------------------------------
# Positions inside a tree
# --------------------------------------------------------------------------


def locate(tree: Any, parts: Sequence[PathPart], *, key: bool = False) -> Span:
    """The position of the node at ``parts`` in a round-trip tree.

    With ``key=True`` the position of the mapping key is returned instead of
    its value. Walks as deep as the path exists and returns the position of
    the deepest node found, so a path into a missing key points at its parent.
    """
    span = Span()
    node = tree
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, CommentedMap) and part in node:
            try:
                line, col = node.lc.key(part) if (key and last) else node.lc.value(part)
            except (KeyError, TypeError, AttributeError):
                line, col = node.lc.line, node.lc.col
            span = Span.at(line, col)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            try:
                line, col = node.lc.item(part)
            except (KeyError, TypeError, AttributeError):
                line, col = node.lc.line, node.lc.col
            span = Span.at(line, col)
            node = node[part]
        else:
            break
    return span
