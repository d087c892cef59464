"""CK126 unordered-top-level-keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import (
    documents,
    first_out_of_order,
    is_v1,
    mapping_fix,
    sorted_order,
)
from composekit.lint.rules.structure._yamltext import mapping_entries

#: Stands for every extension key (``x-...``) in ``order``.
EXTENSIONS = "x-*"
DEFAULT_ORDER: tuple[str, ...] = (
    EXTENSIONS, "version", "name", "include", "services", "networks", "volumes", "secrets",
    "configs", "models",
)


@dataclass(frozen=True)
class Options:
    """``order``: the top-level keys in order (``"x-*"`` stands for every extension
    key); ``sort_extensions``: also require the ``x-`` keys in alphabetical order."""

    order: tuple[str, ...] = DEFAULT_ORDER
    sort_extensions: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.order, str):
            raise ValueError("order must be a list of keys")
        if len(set(self.order)) != len(tuple(self.order)):
            raise ValueError("a key is listed twice in order")


class UnorderedTopLevelKeys(Rule):
    """
    ## What it does
    Checks that the top-level keys of each file come in a fixed order: the
    `x-` extension keys (where YAML anchors are usually defined), then
    `version`, `name`, `include`, `services`, `networks`, `volumes`,
    `secrets`, `configs` and `models`. Keys not listed come last.

    ## Why is this bad?
    Files written in the same order read the same way: the project's name and
    includes first, then the services, then the resources they use. Compose
    does not care about the order.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
    name: shop
    ```

    ## Use instead:
    ```yaml
    name: shop
    services:
      web:
        image: nginx:1.27
    ```

    ## Options
    - `order` (list of keys, default `["x-*", "version", "name", "include",
      "services", "networks", "volumes", "secrets", "configs", "models"]`):
      the order; `"x-*"` stands for every extension key. Keys not listed come
      after the listed ones, in any order.
    - `sort_extensions` (bool, default `false`): also require the extension
      keys in alphabetical order. Off by default because extension keys often
      hold anchors that later ones build on.

    ## Fix safety
    The fix moves each top-level key with its whole block and the comment
    lines directly above it; comments above the first key stay at the top of
    the file. It is safe: the order of top-level keys has no meaning to
    Compose. No fix is offered when moving a block would put a YAML alias
    before its anchor (for example `x-` keys placed after `services` by a
    custom `order`).

    ## Known problems
    Legacy v1 files, whose top-level keys are services, are not checked
    (see `unsorted-services`).

    ## References
    - dclint `top-level-properties-order` (its `customOrder` option is `order`
      here; dclint always sorts the `x-` keys, which `sort_extensions` turns on)
    """

    code = "CK126"
    name = "unordered-top-level-keys"
    severity = Severity.STYLE
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    Options = Options

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        options: Options = self.options
        rank = {k: i for i, k in enumerate(options.order)}
        ext_rank = rank.get(EXTENSIONS, len(options.order))
        for path, text, data in documents(ctx):
            if is_v1(ctx, path):
                continue
            names = [str(k) for k, _, _ in mapping_entries(data)]

            def key_of(name: str) -> tuple[int, str]:
                if name in rank:
                    return (rank[name], "")
                if name.startswith("x-"):
                    return (ext_rank, name if options.sort_extensions else "")
                return (len(options.order), "")

            keys = [key_of(n) for n in names]
            found = first_out_of_order(keys)
            if found is None:
                continue
            i, j = found
            edit = mapping_fix(text, data, sorted_order(keys), header=False)
            fix = Fix("Reorder the top-level keys", (edit,)) if edit else None
            yield ctx.report(
                self, (names[i],),
                f"Top-level key '{names[i]}' should come before '{names[j]}'",
                key=True, path=path,
                help="Order the top-level keys: " + ", ".join(options.order), fix=fix)
