"""CK313 credential-in-build-args: a secret passed to the build as a build argument."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._credentials import is_secret_name, url_secret
from composekit.lint.rules.security._support import (
    may_interpolate,
    service_path,
    services,
    written_value,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class _AnyVariable(Mapping[str, str]):
    """An environment in which every variable is set (to ``x``)."""

    def __getitem__(self, key: str) -> str:
        return "x"

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _with_variables_set(raw: str) -> str:
    from composekit.loader.interpolate import interpolate_string

    return interpolate_string(raw, _AnyVariable()).value


class CredentialInBuildArgs(Rule):
    """## What it does
    Flags `build.args` entries that pass a secret to the image build: an
    argument whose name says it is a credential (`NPM_TOKEN`,
    `GITHUB_TOKEN`, `PIP_PASSWORD`, `API_KEY`...), whatever its value, and
    an argument whose value is a URL with a password (also when the password
    comes from a variable).

    ## Why is this bad?
    Build arguments are not secret: their values are recorded in the image
    history of every layer whose `RUN` uses them (`docker history
    --no-trunc` shows them) and in the build cache, so anyone who can pull
    the image can read the token. Unlike the environment rule
    (`credential-in-environment`, CK312), a value taken from `${VAR}` is
    just as exposed here. BuildKit build secrets are mounted for one `RUN`
    step and never stored.

    ## Example
    ```yaml
    services:
      web:
        build:
          context: .
          args:
            NPM_TOKEN: ${NPM_TOKEN}
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        build:
          context: .
          secrets:
            - npm_token
    secrets:
      npm_token:
        environment: NPM_TOKEN
    ```
    and in the Dockerfile `RUN --mount=type=secret,id=npm_token ...`.

    ## Known problems
    An argument the Dockerfile never uses is not stored, but composekit does
    not read the Dockerfile. Not reported under `--target stack`, which
    ignores `build`.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Docker BuildKit's `SecretsUsedInArgOrEnv` build check makes the same point
      for the Dockerfile side.
    - https://docs.docker.com/build/building/secrets/
    - https://docs.docker.com/reference/compose-file/build/#secrets
    """

    code = "CK313"
    name = "credential-in-build-args"
    severity = Severity.WARNING
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        # A bare ``- NAME`` whose variable is unset here is dropped from the canonical
        # view, but the origins table keeps it: on the build machine it has a value.
        written: dict[str, list[str]] = {}
        for parts in ctx.project.origins:
            if len(parts) == 5 and parts[0] == "services" and parts[2:4] == ("build", "args") \
                    and isinstance(parts[1], str) and isinstance(parts[4], str):
                written.setdefault(parts[1], []).append(parts[4])
        for name, svc in services(ctx):
            build = svc.get("build")
            if not isinstance(build, dict):
                continue
            args = build.get("args")
            args = dict(args) if isinstance(args, dict) else {}
            for key in written.get(name, ()):
                args.setdefault(key, None)
            for key, value in sorted(args.items()):
                parts = service_path(name, "build", "args", key)
                if is_secret_name(key):
                    yield ctx.report(
                        self, parts,
                        f"Build argument '{key}' of service '{name}' passes a credential to "
                        "the build, where the image history keeps it",
                        help="Use a build secret ('build.secrets' and RUN --mount=type=secret)")
                    continue
                raw = written_value(ctx, parts) if may_interpolate(ctx, parts) else None
                if isinstance(raw, str):
                    origin = ctx.project.origins.get(parts)
                    if origin is not None and origin.key is None:  # "KEY=value" item
                        raw = raw.partition("=")[2]
                text = raw if isinstance(raw, str) else value
                if not isinstance(text, str):
                    continue
                if url_secret(_with_variables_set(text)) is not None:
                    yield ctx.report(
                        self, parts,
                        f"Build argument '{key}' of service '{name}' is a URL with a "
                        "credential, which the image history keeps",
                        help="Use a build secret ('build.secrets' and RUN --mount=type=secret)")
