"""CK205 unpinned-git-build-context: a build from a Git repository with no ref."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._support import (
    depends_on_unset_variable,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_GIT_SCHEMES = ("git://", "ssh://", "git@", "github.com/")


def is_git_context(context: str) -> bool:
    """Whether a build context is a Git repository (BuildKit's reading)."""
    if context.startswith(_GIT_SCHEMES):
        return True
    if re.match(r"^https?://", context):
        return context.partition("#")[0].endswith(".git")
    return False


def git_ref(context: str) -> str:
    """The ref of a Git context (``#ref`` or ``#ref:subdir``); empty when none."""
    fragment = context.partition("#")[2]
    return fragment.partition(":")[0]


class UnpinnedGitBuildContext(Rule):
    """## What it does
    Flags a `build` context (or an `additional_contexts` entry) that is a
    Git repository URL without a `#ref`.

    ## Why is this bad?
    Without a ref, BuildKit clones the repository's default branch as it is
    at build time. Two builds of the same file produce different images, and
    whoever can push to that branch decides what the next build contains.

    ## Example
    ```yaml
    services:
      docs:
        build: https://github.com/acme/docs-site.git
    ```

    ## Use instead:
    ```yaml
    services:
      docs:
        build: https://github.com/acme/docs-site.git#v2.3.0
    ```

    ## Known problems
    A branch name as ref (`#main`) still moves; composekit cannot tell a
    branch from a tag, so only a missing ref is reported. Pin a commit
    (`#<40-hex sha>`) for full reproducibility. Not reported under
    `--target stack` (stack ignores `build`).

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - https://docs.docker.com/build/concepts/context/#git-repositories
    """

    code = "CK205"
    name = "unpinned-git-build-context"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            build = svc.get("build")
            if not isinstance(build, dict):
                continue
            candidates: list[tuple[tuple[str | int, ...], object]] = [
                (service_path(name, "build", "context"), build.get("context"))]
            extra = build.get("additional_contexts")
            if isinstance(extra, dict):
                candidates += [(service_path(name, "build", "additional_contexts", k), v)
                               for k, v in extra.items()]
            for parts, value in candidates:
                if not isinstance(value, str) or not is_git_context(value):
                    continue
                if git_ref(value) or depends_on_unset_variable(ctx, parts):
                    continue
                yield ctx.report(
                    self, parts,
                    f"Build context '{value}' is a Git repository without a ref: it builds "
                    "whatever the default branch holds at build time",
                    help="Append '#<tag or commit>' to the URL")
