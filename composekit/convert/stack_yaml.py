"""Writing a stack file: clean block YAML that YAML 1.1 and 1.2 readers read the same way.

The stack form is derived from the merged model, not edited from the user's text, so it is
written anew with ruamel.yaml. The docker CLI reads stack files with a YAML 1.1 reader
(``yes``/``on`` are booleans there, ``22:22`` is a base-60 number, ``0440`` an octal one), so
every string that either YAML version would read as something else is double-quoted, keys
included; multi-line strings are written as literal blocks.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Quoted", "dump_stack"]


class Quoted(str):
    """A string always written in double quotes (short-syntax ports)."""

    __slots__ = ()


_RESOLVERS: list[Any] = []


def _resolvers() -> list[Any]:
    if not _RESOLVERS:
        from ruamel.yaml.resolver import VersionedResolver

        _RESOLVERS.extend([VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2))])
    return _RESOLVERS


def _ambiguous(text: str) -> bool:
    """Whether a YAML 1.1 or 1.2 reader would take the plain scalar ``text`` for a non-string."""
    from ruamel.yaml.nodes import ScalarNode

    return any(r.resolve(ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str"
               for r in _resolvers())


def _scalar(value: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, Quoted):
        return DoubleQuotedScalarString(str(value))
    if isinstance(value, str):
        if "\n" in value and not any(line != line.rstrip(" \t") for line in value.split("\n")) \
                and "\r" not in value and not value.startswith((" ", "\t")):
            return LiteralScalarString(value)
        if value == "" or _ambiguous(value):
            return DoubleQuotedScalarString(value)
        return value
    return value


def _key(key: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(key, str) and (key == "" or _ambiguous(key)):
        return DoubleQuotedScalarString(key)
    return key


def _tree(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[_key(k)] = _tree(v)
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        return CommentedSeq(_tree(v) for v in value)
    return _scalar(value)


def dump_stack(tree: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """``tree`` as block YAML (two-space indents, sequences indented under their key), after
    ``header`` written as ``#`` comment lines."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 1 << 16
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(_tree(tree), buf)
    lines = [f"# {line}".rstrip() for line in header]
    return "\n".join(lines) + ("\n" if lines else "") + buf.getvalue()
