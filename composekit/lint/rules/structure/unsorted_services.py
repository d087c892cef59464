"""CK122 unsorted-services."""

from __future__ import annotations

from collections.abc import Iterator

from ruamel.yaml.comments import CommentedMap

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import (
    documents,
    first_out_of_order,
    is_v1,
    mapping_fix,
    name_key,
    sorted_order,
)
from composekit.lint.rules.structure._yamltext import mapping_entries


class UnsortedServices(Rule):
    """
    ## What it does
    Checks that the services of each file are listed in alphabetical order.

    ## Why is this bad?
    In a file with many services, an alphabetical list lets readers find a
    service without searching, and keeps diffs small when services are added:
    each new service has one place to go. Compose itself does not care about
    the order (it sorts services by their dependencies).

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
      api:
        image: example/api:2.1
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: example/api:2.1
      web:
        image: nginx:1.27
    ```

    ## Fix safety
    The fix moves each service as a block of whole lines, with the comment
    lines written directly above it, and keeps the blank lines between
    services where they were. It is safe: the order of services has no
    meaning to Compose. No fix is offered when a service does not start its
    own line (flow style), or when moving a service would put a YAML alias
    before its anchor.

    ## Known problems
    Names are compared case-insensitively, then exactly; digits are compared
    as text (`web10` sorts before `web2`). Legacy v1 files, whose services are
    the top-level keys, are not checked.

    ## References
    - dclint `services-alphabetical-order`
    """

    code = "CK122"
    name = "unsorted-services"
    severity = Severity.STYLE
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, text, data in documents(ctx):
            if is_v1(ctx, path):
                continue
            services = data.get("services")
            if not isinstance(services, CommentedMap):
                continue
            names = [str(k) for k, _, _ in mapping_entries(services)]
            keys = [name_key(n) for n in names]
            found = first_out_of_order(keys)
            if found is None:
                continue
            i, j = found
            edit = mapping_fix(text, services, sorted_order(keys))
            fix = Fix("Sort the services alphabetically", (edit,)) if edit else None
            yield ctx.report(
                self, ("services", names[i]),
                f"Service '{names[i]}' is not in alphabetical order: it should come before "
                f"'{names[j]}'",
                key=True, path=path, help="Sort the services alphabetically", fix=fix)
