"""CK127 missing-project-name."""

from __future__ import annotations

from collections.abc import Iterator

from ruamel.yaml.comments import CommentedMap

from composekit.catalog.versions import Family
from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules.structure._yamltext import is_flow, lines_of, mapping_entries

#: Top-level keys that go before ``name`` (see unordered-top-level-keys).
_BEFORE_NAME = frozenset({"version"})


class MissingProjectName(Rule):
    """
    ## What it does
    Checks that a project's main Compose file (a Compose Specification file)
    sets the project name with the top-level `name` key.

    ## Why is this bad?
    Without `name`, Compose names the project after the directory holding the
    file. Two checkouts in directories of the same name (`app/` on two
    branches, `deploy/` in two repositories) then share one project: their
    containers, networks and volumes replace each other's. The containers'
    names also change when the directory is renamed, and `docker compose`
    commands run from a different copy act on the wrong containers.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
    ```

    ## Use instead:
    ```yaml
    name: shop
    services:
      web:
        image: nginx:1.27
    ```

    ## Fix safety
    The fix adds `name:` with the name Compose uses today (derived from the
    directory), before the first top-level key other than `x-` keys and
    `version`. It is unsafe: the project keeps its name in this checkout, but
    a copy in a directory of another name would now share it.

    ## Known problems
    The rule cannot see a name given on the command line (`-p`) or in
    `COMPOSE_PROJECT_NAME`; suppress it where that is how the project is
    named. Files in a versioned format (`version: "3.8"`) are not checked:
    their schemas have no `name` key. Only Compose v2 reads `name`, so the
    rule runs only for that target.

    ## References
    - dclint `require-project-name-field`
    """

    code = "CK127"
    name = "missing-project-name"
    severity = Severity.INFO
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    targets = frozenset({Runtime.COMPOSE_V2})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        main = ctx.project.main_file
        if main is None or main not in ctx.documents:
            return
        fmt = ctx.format_of(main)
        if fmt is None or fmt.family is not Family.SPEC:
            return
        for doc in ctx.documents.values():
            if isinstance(doc.data, CommentedMap) and doc.data.get("name") not in (None, ""):
                return
        data = ctx.documents[main].data
        if not isinstance(data, CommentedMap):
            return
        fix = self._fix(ctx.documents[main].text, data, ctx.project.name)
        yield ctx.report(
            self, (), "The project has no name: Compose names it after the directory "
            f"('{ctx.project.name}')",
            path=main, help="Set the top-level 'name' key", fix=fix)

    @staticmethod
    def _fix(text: str, data: CommentedMap, project: str) -> Fix | None:
        if is_flow(data) or not project:
            return None
        lines = lines_of(text)
        for key, line0, col0 in mapping_entries(data):
            name = str(key)
            if name in _BEFORE_NAME or name.startswith("x-"):
                continue
            if col0 != 0 or not 0 <= line0 < len(lines):
                return None
            return Fix(f"Add 'name: {project}'",
                       (Edit(Span(line0 + 1, 1, line0 + 1, 1), f"name: {project}\n"),),
                       safe=False)
        return None
