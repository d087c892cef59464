"""CK123 unsorted-depends-on."""

from __future__ import annotations

from collections.abc import Iterator

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import (
    first_out_of_order,
    mapping_fix,
    name_key,
    sequence_fix,
    service_parts,
    sorted_order,
    written_scalar,
)
from composekit.lint.rules.structure._yamltext import lines_of, mapping_entries


class UnsortedDependsOn(Rule):
    """
    ## What it does
    Checks that the services a service lists under `depends_on` are in
    alphabetical order, in the short (list) form and in the long (mapping)
    form.

    ## Why is this bad?
    A sorted dependency list is quicker to scan and to compare between
    services, and a dependency added later has one obvious place. The order
    has no meaning: Compose starts dependencies from the dependency graph, not
    from the order of the list.

    ## Example
    ```yaml
    services:
      web:
        image: example/web:3.2
        depends_on:
          - redis
          - db
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: example/web:3.2
        depends_on:
          - db
          - redis
    ```

    ## Fix safety
    The fix moves each entry as whole lines with the comments directly above
    it (or reorders a one-line flow list such as `[redis, db]`), and is safe.
    No fix is offered for a flow mapping, an entry that does not start its own
    line, or a mapping that pulls entries in with `<<`.

    ## Known problems
    Names are compared case-insensitively, then exactly, as written in the file
    (before interpolation).

    ## References
    - dclint `service-dependencies-alphabetical-order`
    """

    code = "CK123"
    name = "unsorted-depends-on"
    severity = Severity.STYLE
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, service, svc in ctx.raw_services():
            deps = svc.get("depends_on")
            doc = ctx.documents[path]
            base = (*service_parts(ctx, path, service), "depends_on")
            if isinstance(deps, CommentedSeq):
                if not all(isinstance(d, str) for d in deps):
                    continue
                text_lines = lines_of(doc.text)
                names = [written_scalar(text_lines, deps, i, d) for i, d in enumerate(deps)]
                parts_of: list[tuple[str | int, ...]] = [(*base, i) for i in range(len(names))]
                node_fix = "seq"
            elif isinstance(deps, CommentedMap):
                names = [str(k) for k, _, _ in mapping_entries(deps)]
                parts_of = [(*base, n) for n in names]
                node_fix = "map"
            else:
                continue
            keys = [name_key(n) for n in names]
            found = first_out_of_order(keys)
            if found is None:
                continue
            i, j = found
            order = sorted_order(keys)
            if node_fix == "seq":
                assert isinstance(deps, CommentedSeq)
                edit = sequence_fix(doc.text, deps, order)
            else:
                assert isinstance(deps, CommentedMap)
                edit = mapping_fix(doc.text, deps, order)
            fix = Fix("Sort depends_on alphabetically", (edit,)) if edit else None
            yield ctx.report(
                self, parts_of[i],
                f"Dependency '{names[i]}' of service '{service}' is not in alphabetical order: "
                f"it should come before '{names[j]}'",
                key=node_fix == "map", path=path,
                help="Sort the depends_on entries alphabetically", fix=fix)
