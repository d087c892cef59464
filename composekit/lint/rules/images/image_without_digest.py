"""CK202 image-without-digest: an image pinned by tag only, not by content digest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.images._reference import IDENTIFIER_RE, built_locally, problems, split
from composekit.lint.rules.security._support import (
    depends_on_unset_variable,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class ImageWithoutDigest(Rule):
    """## What it does
    Flags a service image that is not pinned by a content digest
    (`@sha256:...`).

    ## Why is this bad?
    A tag, even a precise one like `1.27.2`, is a mutable pointer: the
    publisher (or whoever takes over the account or the registry) can push
    different content under it. Only a digest names exact content, so only a
    digest makes a deploy reproducible and protects against a replaced image.

    This is a hardening recommendation that most Compose files do not meet,
    so it is reported at `info`: it shows up without failing the default
    `--fail-on warning`. Raise its severity in the configuration where
    digest pinning is policy.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27.2
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27.2@sha256:2d194184b067db3598771b4cf326cfe6ad5051937ba1132b8b7d4b0184e0d0a6
    ```

    ## Known problems
    A digest has to be updated by hand (or by a bot such as Renovate or
    Dependabot) to get security fixes. Keeping the tag next to the digest,
    as above, keeps the file readable; the engine uses the digest. Services
    with `build` are skipped unless their `pull_policy` pulls (the image is
    built locally), and so are images that use a variable not set on the
    linting machine.

    ## References
    - Covers compose-lint `CL-0019` (image tag without digest).
    - https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier
    """

    code = "CK202"
    name = "image-without-digest"
    severity = Severity.INFO
    default_enabled = False

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            image = svc.get("image")
            if not isinstance(image, str) or built_locally(svc):
                continue
            parts = service_path(name, "image")
            if IDENTIFIER_RE.match(image) or problems(image):
                continue
            if depends_on_unset_variable(ctx, parts):
                continue
            if split(image).digest is None:
                yield ctx.report(
                    self, parts,
                    f"Image '{image}' is not pinned to a digest",
                    help="Append the digest of the reviewed image: "
                         f"'{image}@sha256:<digest>'")
