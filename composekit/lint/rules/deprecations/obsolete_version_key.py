"""CK901 obsolete-version-key: a top-level `version:` that Compose v2 ignores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from composekit.lint.rule import FixAvailability, Rule, Runtime

if TYPE_CHECKING:
    from composekit.lint.context import LintContext
    from composekit.yamlio import YamlDocument


def removal(doc: YamlDocument) -> Edit | None:
    """An edit deleting the ``version`` entry with its whole line(s).

    Comments on the lines above stay. When the entry is the first line of the file,
    the blank lines after it go too, so the file does not start with a blank line.
    """
    from composekit.lint.fix import delete_entry

    edit = delete_entry(doc.text, doc.data, ("version",))
    if edit is None:
        return None
    span = edit.span
    if span.line != 1 or span.end_line is None or span.end_column != 1:
        return edit
    lines = doc.text.splitlines(keepends=True)
    end = span.end_line  # 1-based line that follows the entry
    while end <= len(lines) and not lines[end - 1].strip():
        end += 1
    if end > len(lines):
        return edit
    return Edit(Span(1, 1, end, 1), "")


def spec_blocker(doc: YamlDocument) -> str | None:
    """Why the file, without its `version:`, is not a valid Compose Specification file.

    ``None`` when it is. Only then is removing the line a safe fix.
    """
    from composekit.catalog import SPEC
    from composekit.diagnostics import Severity as _Severity
    from composekit.schema import validate_tree

    rest = {k: v for k, v in doc.data.items() if k != "version"}
    for d in validate_tree(rest, doc.path, SPEC):
        if d.severity >= _Severity.ERROR:
            return f"line {d.span.line}: {d.message}"
    return None


class ObsoleteVersionKey(Rule):
    """## What it does
    Flags the top-level `version:` key when the target is Compose v2.

    ## Why is this bad?
    Compose v2 implements the Compose Specification and ignores `version:`
    ("the attribute `version` is obsolete, it will be ignored, please remove
    it to avoid potential confusion", on every run). The key misleads: a
    `version: "3.8"` file is not validated as 3.8 by Compose v2, and keys
    that 3.8 lacks work anyway.

    ## Example
    ```yaml
    version: "3.8"
    services:
      web:
        image: nginx:1.27
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
    ```

    ## Fix safety
    Safe for Compose v2, which ignores the key: the fix deletes the
    `version:` line (and a trailing comment on it; comments above it stay).
    The file then no longer works with `docker-compose` 1.x (which reads a
    file without `version:` as the legacy v1 format) nor with older `docker
    stack deploy` releases; that is why the rule runs only for the Compose
    v2 target. The fix is offered only when the file, read without its
    `version:`, is valid as the Compose Specification (some 2.x forms are
    not, e.g. `init: /path`); otherwise the finding says what stands in the
    way.

    ## Known problems
    A file shared with `docker stack deploy` or `docker-compose` 1.x needs
    its `version:`: lint it with `--target stack` or `--target compose-v1`,
    where this rule is off.

    ## References
    - Covers dclint `no-version-field`.
    - Verified with Compose v2.40: the warning above for any `version:`.
    - https://docs.docker.com/reference/compose-file/version-and-name/
    """

    code = "CK901"
    name = "obsolete-version-key"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    targets = frozenset({Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, doc in ctx.documents.items():
            data = doc.data
            if not isinstance(data, dict) or "version" not in data:
                continue
            fmt = ctx.format_of(path)
            if fmt is not None and fmt.version == "1":
                continue
            blocker = spec_blocker(doc)
            if blocker is not None:
                # Without `version:` the file is read as the Compose Specification,
                # which refuses something in it: removing the line is not enough.
                yield ctx.report(
                    self, ("version",),
                    "The `version` key is obsolete: Compose v2 ignores it", key=True,
                    help=f"Remove the `version:` line once the file is valid as the Compose "
                         f"Specification; it is not yet: {blocker}", path=path)
                continue
            edit = removal(doc)
            fix = Fix("Remove the obsolete `version` key", (edit,)) if edit else None
            yield ctx.report(
                self, ("version",),
                "The `version` key is obsolete: Compose v2 ignores it", key=True,
                help="Remove the `version:` line", fix=fix, path=path)
