"""CK601 format-unsupported-by-target: the target runtime refuses the file's format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import first_key_span_parts

if TYPE_CHECKING:
    from composekit.catalog import FileFormat
    from composekit.lint.context import LintContext


def _refusal(fmt: FileFormat, target: Runtime) -> tuple[str, str] | None:
    """``(message, help)`` when ``target`` refuses files of format ``fmt``."""
    from composekit.catalog import Family

    if fmt.family is Family.V1:
        return None  # the loader reports legacy v1 files for every target (CK100)
    if target is Runtime.STACK and fmt.family is Family.V2:
        return (f"docker stack deploy refuses file format {fmt.version} (it reads 3.x "
                f"files and files without `version:`): \"unsupported Compose file version: "
                f"{fmt.version}\"",
                "Convert the file to 3.x or the Compose Specification "
                "(composekit convert), or deploy it with Compose")
    if target is Runtime.COMPOSE_V1:
        if fmt.family is Family.SPEC:
            return ("docker-compose 1.x reads a file without `version:` as the legacy v1 "
                    "format, so it refuses `services:` (\"Unsupported config option for "
                    "services\")",
                    "Declare a version docker-compose 1.x knows (2.x or 3.0-3.8), or use "
                    "Compose v2")
        if not fmt.compose_v1:
            return (f"docker-compose 1.x does not know file format {fmt.version} (it "
                    "reads 2.0-2.4 and 3.0-3.8): \"Version ... is unsupported\"",
                    "Declare 3.8 or lower if the keys allow it, or use Compose v2 or "
                    "docker stack deploy")
    return None


class FormatUnsupportedByTarget(Rule):
    """## What it does
    Flags a file whose format the target runtime cannot read at all:
    a 2.x file for `docker stack deploy`, a 3.9-3.14 file or a Compose
    Specification file (no `version:`) for `docker-compose` 1.x.

    ## Why is this bad?
    The tool stops before doing anything. `docker stack deploy` answers
    "unsupported Compose file version: 2.4"; docker-compose 1.26 answers
    'Version in "./compose.yaml" is unsupported' for 3.9 and reads a file
    without `version:` as the legacy v1 format, refusing its `services:`
    key.

    ## Example
    ```yaml
    # linted with --target stack
    version: "2.4"
    services:
      web:
        image: nginx:1.27
    ```

    ## Use instead:
    ```yaml
    # linted with --target stack
    version: "3.8"
    services:
      web:
        image: nginx:1.27
    ```

    ## Known problems
    Legacy v1 files (services at the top level) are reported by the loader
    for every target (CK100). Compose v2 reads every 2.x and 3.x file (it
    ignores `version:`); what it refuses inside them is CK602.

    ## References
    - Verified with docker 28.2.2 (`docker stack config` on a 2.4 file) and
      docker-compose 1.26.2 (`config` on a 3.9 file and on a file without
      `version:`).
    - https://docs.docker.com/reference/compose-file/legacy-versions/
    """

    code = "CK601"
    name = "format-unsupported-by-target"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, doc in ctx.documents.items():
            fmt = ctx.format_of(path)
            if fmt is None:
                continue
            refusal = _refusal(fmt, ctx.target)
            if refusal is None:
                continue
            message, help = refusal
            parts = first_key_span_parts(doc.data)
            yield ctx.report(self, parts, message, key=parts != ("version",), help=help,
                             path=path)
