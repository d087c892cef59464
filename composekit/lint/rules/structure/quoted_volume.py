"""CK120 quoted-volume."""

from __future__ import annotations

from collections.abc import Iterator

from ruamel.yaml.comments import CommentedSeq

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import service_parts
from composekit.lint.rules.structure._yamltext import (
    is_flow,
    lines_of,
    plain_safe,
    scalar_extent,
)


class QuotedVolume(Rule):
    """
    ## What it does
    Checks for short-syntax entries of a service's `volumes` written in
    quotes, such as `- "./data:/data"`.

    ## Why is this bad?
    A volume entry is a path or a name followed by a path; it never needs
    quotes, and quoting some entries but not others makes a file look
    inconsistent. Quotes also hide the entries that do need them (a path with
    `: ` or ` #` in it), which are worth noticing.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        volumes:
          - "db-data:/var/lib/postgresql/data"
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        volumes:
          - db-data:/var/lib/postgresql/data
    ```

    ## Fix safety
    The fix removes the quotes, and is offered only when the entry reads as
    the very same string without them for every reader: YAML 1.2, Compose v2
    and Compose v1 (YAML 1.1). It is safe. Entries that need their quotes
    (a value like `yes`, one starting with `*` or `&`, one containing `: ` or
    ` #`, escapes in double quotes, a multi-line scalar) are reported without
    a fix.

    ## Known problems
    Only the short syntax is checked; quoted values of the long syntax
    (`source: "./data"`) are left alone.

    ## References
    - dclint `no-quotes-in-volumes`
    """

    code = "CK120"
    name = "quoted-volume"
    severity = Severity.STYLE
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, service, svc in ctx.raw_services():
            volumes = svc.get("volumes")
            if not isinstance(volumes, CommentedSeq):
                continue
            text_lines = lines_of(ctx.documents[path].text)
            flow = is_flow(volumes)
            for i, item in enumerate(volumes):
                if not isinstance(item, str):
                    continue
                try:
                    line0, col0 = volumes.lc.item(i)
                except (KeyError, TypeError, AttributeError):
                    continue
                line0, col0 = int(line0), int(col0)
                if not 0 <= line0 < len(text_lines) or col0 >= len(text_lines[line0]):
                    continue
                if text_lines[line0][col0] not in "'\"":
                    continue
                found = scalar_extent(text_lines, line0, col0, flow=flow)
                value = found.value() if found is not None else None
                fix = None
                if found is not None and value is not None and plain_safe(value, flow=flow):
                    fix = Fix("Remove the quotes", (Edit(found.span(), value),))
                shown = value if value is not None else str(item)
                yield ctx.report(
                    self, (*service_parts(ctx, path, service), "volumes", i),
                    f"Volume '{shown}' of service '{service}' is quoted",
                    path=path,
                    help="Remove the quotes" if fix else
                    "Write the entry without quotes, or in the long syntax if it needs them",
                    fix=fix)
