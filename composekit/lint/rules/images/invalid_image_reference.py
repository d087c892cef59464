"""CK203 invalid-image-reference: an image name the engine refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.images._reference import problems
from composekit.lint.rules.security._support import (
    depends_on_unset_variable,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_TYPOGRAPHIC = "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f"


class InvalidImageReference(Rule):
    """## What it does
    Checks `image` and each `build.tags` entry against Docker's image
    reference grammar: a lowercase repository name, a tag of at most 128
    letters, digits, `_`, `.` and `-` (not starting with `.` or `-`), a
    digest with a known algorithm (`sha256`, `sha384`, `sha512`) and the
    right number of lowercase hexadecimal digits, a name of at most 255
    characters.

    ## Why is this bad?
    `docker compose config` accepts any string here; the mistake only shows
    when the engine is asked for the image (`docker compose up` fails with
    "invalid reference format"), that is on the deploying machine, late.
    An uppercase first path component (`MyOrg/app`) is worse: recent engines
    read it as the *registry host* `MyOrg` and try to contact it.

    ## Example
    ```yaml
    services:
      web:
        image: MyOrg/Web:1.0+build5
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: myorg/web:1.0-build5
    ```

    ## Known problems
    Values that use a variable not set on the linting machine are skipped
    (the unset variable is reported as `unset-variable`, CK018), and so are
    values with typographic quotes (`typographic-quote`, CK008). A bare
    64-digit hexadecimal string is an image ID and is accepted.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Docker reference grammar: https://github.com/distribution/reference (`regexp.go`)
    - Measured against Docker Engine 20.10 (`docker create`) and Compose v2.40
      (`docker compose config` accepts these values, `docker compose create` fails).
    """

    code = "CK203"
    name = "invalid-image-reference"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            image = svc.get("image")
            if isinstance(image, str):
                yield from self._one(ctx, service_path(name, "image"), image, "Image")
            build = svc.get("build")
            tags = build.get("tags") if isinstance(build, dict) else None
            if isinstance(tags, list):
                for i, tag in enumerate(tags):
                    if isinstance(tag, str):
                        yield from self._one(ctx, service_path(name, "build", "tags", i), tag,
                                             "Build tag")

    def _one(self, ctx: LintContext, parts: tuple[str | int, ...], value: str,
             what: str) -> Iterator[Diagnostic]:
        found = problems(value)
        if not found or depends_on_unset_variable(ctx, parts):
            return
        if any(c in _TYPOGRAPHIC for c in value):
            return  # typographic-quote (CK008) already names the cause
        yield ctx.report(
            self, parts,
            f"{what} '{value}' is not a valid image reference: {found[0]}",
            help="Write it as [registry/]name[:tag][@sha256:digest] with a lowercase name")
