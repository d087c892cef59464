"""CK604 compose-v1-ignored-key: 3.x keys that docker-compose 1.x does not apply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import services, svc_path, written

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


def _in_3x_file(ctx: LintContext, parts: tuple[str | int, ...]) -> bool:
    """Written in a 3.x file (elsewhere the schema of the file refuses these keys)."""
    from composekit.catalog import Family

    if not written(ctx, parts):
        return False
    fmt = ctx.format_of(ctx.position(parts)[0])
    return fmt is not None and fmt.family is Family.V3


class ComposeV1IgnoredKey(Rule):
    """## What it does
    Flags what `docker-compose` 1.x reads but does not apply: a service's
    `deploy` section, a service's `configs`, and `uid`, `gid` or `mode` of
    a secret a service uses.

    ## Why is this bad?
    The limits, replicas and restart policy under `deploy:`, the configs
    and the secret file permissions silently do nothing under
    `docker-compose up`; only a warning at start-up says so ("Some services
    (web) use the 'deploy' key, which will be ignored"). The containers run
    without the memory limit or with one replica instead of three.

    ## Example
    ```yaml
    # linted with --target compose-v1
    version: "3.8"
    services:
      worker:
        image: acme/worker:2.3
        deploy:
          replicas: 3
          resources:
            limits:
              memory: 256M
    ```

    ## Use instead:
    ```yaml
    # linted with --target compose-v1
    version: "2.4"
    services:
      worker:
        image: acme/worker:2.3
        scale: 3
        mem_limit: 256m
    ```

    ## Known problems
    `docker-compose --compatibility` translates part of `deploy:`
    (replicas, resources, restart policy) into their 2.x equivalents; the
    linter does not know how the file is run. External secrets are CK606.

    ## References
    - Verified with docker-compose 1.26.2 on Docker Engine 20.10: a 3.8 file
      with `deploy.replicas: 2` and a 64M memory limit runs one container
      without a limit; `configs` and secret `uid`/`gid`/`mode` are ignored
      with a warning.
    - https://docs.docker.com/reference/compose-file/legacy-versions/
    """

    code = "CK604"
    name = "compose-v1-ignored-key"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for key in ("deploy", "configs"):
                if key in svc and _in_3x_file(ctx, svc_path(name, key)):
                    yield ctx.report(
                        self, svc_path(name, key),
                        f"docker-compose 1.x ignores `{key}` (service '{name}')",
                        key=True,
                        help=("Use the 2.x keys (scale, mem_limit, cpus, restart) or run "
                              "docker-compose --compatibility" if key == "deploy"
                              else "Mount the file as a read-only bind volume instead"))
            secrets = svc.get("secrets")
            if not isinstance(secrets, list):
                continue
            for i, ref in enumerate(secrets):
                if not isinstance(ref, dict):
                    continue
                for field in ("uid", "gid", "mode"):
                    if ref.get(field) is None:
                        continue
                    parts = svc_path(name, "secrets", i, field)
                    if not _in_3x_file(ctx, parts):
                        continue
                    yield ctx.report(
                        self, parts,
                        f"docker-compose 1.x ignores `{field}` of secret "
                        f"'{ref.get('source')}' (service '{name}'): the secret is a plain "
                        "bind mount",
                        key=True, help="Set the permissions on the secret's file instead")
