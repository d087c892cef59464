"""What the ordering rules share: finding the first entry out of place, and the fix."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from composekit.diagnostics import Edit
from composekit.lint.rules.structure._yamltext import (
    has_merge,
    is_flow,
    lines_of,
    mapping_entries,
    reorder_edit,
    reorder_flow_edit,
    scalar_extent,
    sequence_dashes,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Comparable)


def first_out_of_order(keys: Sequence[K]) -> tuple[int, int] | None:
    """``(i, j)``: entry ``i`` is the first that sorts before an earlier entry, ``j``
    the first earlier entry it should precede; ``None`` when ``keys`` are sorted."""
    for i in range(1, len(keys)):
        if keys[i] < keys[i - 1]:
            for j in range(i):
                if keys[i] < keys[j]:
                    return i, j
    return None


def sorted_order(keys: Sequence[K]) -> list[int]:
    """The written indices in sorted order (stable: equal keys keep their order)."""
    return sorted(range(len(keys)), key=lambda i: keys[i])


def name_key(name: str) -> tuple[str, str]:
    """Alphabetical order of names: case-insensitive first, then exact."""
    return (name.casefold(), name)


def mapping_fix(text: str, node: CommentedMap, order: Sequence[int], *,
                header: bool = True) -> Edit | None:
    """The edit that puts a block mapping's written keys into ``order``."""
    if is_flow(node) or has_merge(node):
        return None
    starts = [(line0, col0) for _, line0, col0 in mapping_entries(node)]
    if len(starts) != len(order):
        return None
    return reorder_edit(text, starts, order, mapping=True, header=header)


def sequence_fix(text: str, node: CommentedSeq, order: Sequence[int]) -> Edit | None:
    """The edit that puts a sequence's items into ``order`` (block, or one-line flow)."""
    if is_flow(node):
        return reorder_flow_edit(text, node, order)
    dashes = sequence_dashes(lines_of(text), node)
    if dashes is None:
        return None
    return reorder_edit(text, dashes, order, mapping=False)


def written_scalar(text_lines: Sequence[str], node: CommentedSeq | CommentedMap, index: Any,
                   fallback: Any) -> str:
    """The scalar at ``node[index]`` as written (before interpolation), unquoted.

    Falls back to ``str(fallback)`` when the text cannot be read simply.
    """
    try:
        if isinstance(node, CommentedSeq):
            line0, col0 = node.lc.item(index)
        else:
            line0, col0 = node.lc.value(index)
    except (KeyError, TypeError, AttributeError, IndexError):
        return str(fallback)
    found = scalar_extent(text_lines, int(line0), int(col0), flow=is_flow(node))
    if found is None:
        return str(fallback)
    value = found.value()
    return value if value is not None else str(fallback)


def service_parts(ctx: LintContext, path: str, name: str) -> tuple[str, ...]:
    """The key path of service ``name`` in the file ``path`` (v1 files have no ``services``)."""
    fmt = ctx.format_of(path)
    if fmt is not None and fmt.version == "1":
        return (name,)
    return ("services", name)


def is_v1(ctx: LintContext, path: str) -> bool:
    fmt = ctx.format_of(path)
    return fmt is not None and fmt.version == "1"


def documents(ctx: LintContext) -> Iterator[tuple[str, str, CommentedMap]]:
    """``(path, text, top-level mapping)`` of each file of the project."""
    for path, doc in ctx.documents.items():
        if isinstance(doc.data, CommentedMap):
            yield path, doc.text, doc.data

