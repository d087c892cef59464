"""Reading Compose files: ruamel.yaml round-trip trees with positions, and
every malformed input turned into a :class:`~composekit.diagnostics.Diagnostic`.

``load_file`` and ``parse_text`` never raise for bad input; they return
``(document or None, diagnostics)``. ``locate`` maps a key path inside a
round-trip tree back to a 1-based :class:`~composekit.diagnostics.Span`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from composekit import codes
from composekit.diagnostics import Diagnostic, Span

#: Largest Compose file composekit reads, in bytes. Real files are a few KiB;
#: anything this large is generated or an accident.
MAX_FILE_BYTES = 4 * 1024 * 1024

PathPart = str | int
KeyPath = tuple[PathPart, ...]


@dataclass
class YamlDocument:
    """One parsed file: the text as read and its round-trip tree."""

    path: str
    text: str
    data: Any
    diagnostics: list[Diagnostic] = field(default_factory=list)


def new_yaml() -> YAML:
    """A round-trip loader/dumper configured the way composekit uses it."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    return yaml


def load_file(path: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and parse ``path``; I/O problems are ``io-error`` findings."""
    try:
        if os.path.isdir(path):
            return None, [codes.make("io-error", path, Span(), "is a directory, not a file",
                                     origin="io")]
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return None, [codes.make(
                "file-too-large", path, Span(),
                f"file is {size} bytes; composekit reads at most {MAX_FILE_BYTES} bytes",
                origin="io")]
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, [codes.make("io-error", path, Span(), "no such file", origin="io")]
    except PermissionError:
        return None, [codes.make("io-error", path, Span(), "permission denied", origin="io")]
    except OSError as exc:
        return None, [codes.make("io-error", path, Span(), exc.strerror or str(exc),
                                 origin="io")]
    return parse_bytes(raw, path)


def parse_bytes(raw: bytes, path: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Decode ``raw`` as UTF-8 and parse it."""
    diags: list[Diagnostic] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        diags.append(codes.make("byte-order-mark", path, Span(),
                                "file starts with a UTF-8 byte-order mark",
                                help="save the file as UTF-8 without BOM"))
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        diags.append(codes.make("not-utf8", path, Span(line, col),
                                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                                help="save the file as UTF-8"))
        return None, diags
    doc, more = parse_text(text, path)
    return doc, diags + more


def parse_text(text: str, path: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse ``text`` into a round-trip tree; syntax problems become findings."""
    diags: list[Diagnostic] = []
    try:
        data = new_yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span.at(mark.line, mark.column) if mark is not None else Span()
        problem = exc.problem or exc.context or "invalid YAML"
        diags.append(codes.make("yaml-syntax", path, span, problem))
        return None, diags
    except YAMLError as exc:
        diags.append(codes.make("yaml-syntax", path, Span(), str(exc).splitlines()[0]))
        return None, diags
    if data is None:
        diags.append(codes.make("empty-file", path, Span(), "file is empty"))
        return None, diags
    if not isinstance(data, CommentedMap):
        diags.append(codes.make("root-not-mapping", path, Span(),
                                f"top level is a {type(data).__name__}, expected a mapping"))
        return None, diags
    return YamlDocument(path=path, text=text, data=data, diagnostics=diags), diags


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
