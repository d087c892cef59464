"""CK602 rejected-by-target-schema: the target validates the file with another schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import relabel

if TYPE_CHECKING:
    from composekit.catalog import FileFormat
    from composekit.lint.context import LintContext


#: The schema's note on the declared format, which is not what the file declares here.
_THIS_FILE = re.compile(r"[;,]? ?\(?this file is (?:[0-9.]+|spec)\)?")


def _reading(fmt: FileFormat, target: Runtime) -> tuple[FileFormat, str] | None:
    """The format ``target`` really validates a ``fmt`` file with, and how to say so."""
    from composekit.catalog import SPEC, Family
    from composekit.catalog.versions import LATEST_V3

    if target is Runtime.COMPOSE_V2 and fmt.family in (Family.V2, Family.V3):
        return SPEC, (f"Compose v2 ignores `version: \"{fmt.version}\"` and validates the "
                      "file as the Compose Specification")
    if target is Runtime.STACK and fmt.family is Family.SPEC:
        return LATEST_V3, ("docker stack deploy validates a file without `version:` as its "
                           f"newest 3.x format ({LATEST_V3.version})")
    return None


class RejectedByTargetSchema(Rule):
    """## What it does
    Validates each file with the schema the target runtime really uses, when
    that is not the schema of the file's declared format, and reports what
    that schema refuses:

    - Compose v2 ignores `version:` and validates 2.x and 3.x files as the
      Compose Specification, which lacks some of their keys
      (`volume_driver`, `cgroupns_mode`, 3.14's `deploy.resources.memory_swap`)
      and value forms (2.x's `init: /path/to/init`);
    - `docker stack deploy` validates a file without `version:` with its
      newest 3.x schema, which refuses the keys Compose v2 added (`name`,
      `pull_policy`, `depends_on` conditions, `mem_limit`, `profiles`, ...).

    ## Why is this bad?
    The file is valid for its declared format, so a validator that trusts
    `version:` passes it, but the tool that runs it refuses it: `docker
    compose up` stops with "additional properties 'volume_driver' not
    allowed", `docker stack deploy` with "services.web.depends_on must be a
    list".

    ## Example
    ```yaml
    # linted for Compose v2 (the default target)
    version: "2.4"
    services:
      db:
        image: postgres:16
        volume_driver: local
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        volumes:
          - data:/var/lib/postgresql/data
    volumes:
      data:
        driver: local
    ```

    ## Known problems
    Problems that the declared format's schema already reports (CK02x) are
    not repeated. For `docker stack deploy` the newest 3.x format known to
    composekit is assumed (3.14; docker 28 uses 3.13, which lacks only
    `deploy.resources.memory_swap` and `memory_swappiness`).

    ## References
    - Verified with Compose v2.40 (`docker compose config` refuses
      `volume_driver` and `init: /usr/bin/tini` in a 2.4 file and
      `cgroupns_mode` in a 3.9 file) and docker 28.2.2 (`docker stack
      config` on files without `version:` reports version 3.13 and refuses
      `pull_policy`, `cgroup`, `mem_limit` and long-form `depends_on`).
    """

    code = "CK602"
    name = "rejected-by-target-schema"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V2, Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        from composekit.schema import validate_tree

        for path, doc in ctx.documents.items():
            fmt = ctx.format_of(path)
            if fmt is None or not isinstance(doc.data, dict):
                continue
            reading = _reading(fmt, ctx.target)
            if reading is None:
                continue
            other, how = reading
            skip = [("version",)]
            own = {(d.json_path, d.span.line) for d in validate_tree(doc.data, path, fmt,
                                                                      skip=skip)}
            for diag in validate_tree(doc.data, path, other, skip=skip):
                if diag.json_path == "$.version" or (diag.json_path, diag.span.line) in own:
                    continue
                inner = _THIS_FILE.sub("", diag.message)
                yield relabel(ctx, self, diag, f"{how}: {inner}")
