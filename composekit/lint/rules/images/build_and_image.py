"""CK204 build-and-image: a service that both builds and names an image, with no pull_policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


@dataclass(frozen=True)
class BuildAndImageOptions:
    #: Accept ``build`` with ``image`` when ``pull_policy`` says what happens.
    allow_with_pull_policy: bool = True


class BuildAndImage(Rule):
    """## What it does
    Flags a service that has both `build` and `image` and no `pull_policy`
    (with `allow_with_pull_policy: false`, any service with both).

    ## Why is this bad?
    With both keys and no `pull_policy`, Compose v2 first tries to *pull*
    `image` and builds only when the pull fails. Which code runs then
    depends on the registry: if an image of that name exists there (an old
    push, or someone else's image on Docker Hub under a name you did not
    reserve), `docker compose up` runs it instead of your source. That is
    both a reproducibility and a supply-chain problem.

    ## Example
    ```yaml
    services:
      api:
        build: .
        image: acme/api:1.4
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        build: .
        image: acme/api:1.4
        pull_policy: build
    ```

    ## Options
    - `allow_with_pull_policy` (boolean, default `true`): accept both keys
      when `pull_policy` is set (`build` always builds, `always`/`missing`/
      `never` make the pull explicit).

    ## Known problems
    Reported for the Compose v2 and Kubernetes targets only. Compose v1
    (`docker-compose` 1.x) builds when the image is missing locally and never
    pulls first (measured with 1.26.2); `docker stack deploy` ignores `build`
    and always pulls `image`.

    ## References
    - Covers dclint `no-build-and-image` (option `checkPullPolicy`).
    - https://docs.docker.com/reference/compose-file/build/#using-build-and-image
    """

    code = "CK204"
    name = "build-and-image"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V2, Runtime.KUBERNETES})
    Options = BuildAndImageOptions

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            if "build" not in svc or not svc.get("image"):
                continue
            if self.options.allow_with_pull_policy and svc.get("pull_policy"):
                continue
            help = ("Add 'pull_policy: build' to always build, or remove 'image' or 'build'"
                    if self.options.allow_with_pull_policy
                    else "Keep either 'build' or 'image'")
            yield ctx.report(
                self, service_path(name, "image"),
                f"Service '{name}' has both 'build' and 'image': Compose pulls "
                f"'{svc['image']}' when it can and builds only when the pull fails",
                key=True, help=help)
