"""CK201 image-floating-tag: an image without a tag, or with a tag that moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.images._reference import built_locally, problems, split
from composekit.lint.rules.security._support import (
    depends_on_unset_variable,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

DEFAULT_PROHIBITED_TAGS = (
    "latest", "stable", "edge", "test", "nightly", "dev", "beta", "canary", "lts",
)


@dataclass(frozen=True)
class FloatingTagOptions:
    #: Tags that name a moving target (compared case-insensitively). A tag also
    #: counts when it starts with one of them and a dash (``lts-alpine``,
    #: ``stable-slim``).
    prohibited_tags: tuple[str, ...] = DEFAULT_PROHIBITED_TAGS


class ImageFloatingTag(Rule):
    """## What it does
    Flags a service image that has no tag (which means `latest`) or whose tag
    is one of the moving tags (`latest`, `stable`, `edge`, `test`,
    `nightly`, `dev`, `beta`, `canary`, `lts`, or one of them followed by a
    dash, as `lts-alpine`), unless the image is pinned by digest.

    ## Why is this bad?
    A moving tag is re-pointed by the publisher at every release: two
    machines running the same file can run different software, a deploy can
    silently pick up a new major version, and a rollback cannot restore what
    ran before. For security review, the code that runs is not the code that
    was reviewed.

    ## Example
    ```yaml
    services:
      web:
        image: nginx
      cache:
        image: redis:latest
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27.2
      cache:
        image: redis:7.4.1
    ```

    ## Options
    - `prohibited_tags` (list of strings): the moving tags, default
      `latest, stable, edge, test, nightly, dev, beta, canary, lts`.

    ## Known problems
    Services with `build` are skipped unless their `pull_policy` pulls
    (`always`, `missing`, `daily`...): otherwise `image` names the result of
    the build (`build-and-image`, CK204, covers the pull-or-build ambiguity).
    Any tag can be re-pointed; only a digest pins content (see
    `image-without-digest`, CK202). Images that use a variable not set on the
    linting machine are skipped.

    ## References
    - Covers compose-lint `CL-0004` (image not pinned to a version).
    - Covers dclint `service-image-require-explicit-tag` (option `prohibitedTags`).
    - https://docs.docker.com/reference/compose-file/services/#image
    """

    code = "CK201"
    name = "image-floating-tag"
    severity = Severity.WARNING
    Options = FloatingTagOptions

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        prohibited = {t.lower() for t in self.options.prohibited_tags}
        for name, svc in services(ctx):
            image = svc.get("image")
            if not isinstance(image, str) or built_locally(svc):
                continue
            parts = service_path(name, "image")
            if problems(image) or depends_on_unset_variable(ctx, parts):
                continue
            ref = split(image)
            if ref.digest is not None:
                continue
            if ref.tag is None:
                yield ctx.report(
                    self, parts,
                    f"Image '{image}' has no tag, so it runs whatever 'latest' points to",
                    help=f"Pin a version tag ('{image}:<version>') or a digest")
                continue
            tag = ref.tag.lower()
            moving = tag in prohibited or any(tag.startswith(p + "-") for p in prohibited)
            if moving:
                yield ctx.report(
                    self, parts,
                    f"Image '{image}' uses the moving tag '{ref.tag}'",
                    help="Pin a version tag or a digest")
