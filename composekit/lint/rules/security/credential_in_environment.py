"""CK312 credential-in-environment: a literal secret in a service's environment."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._credentials import (
    is_placeholder_free_secret,
    is_secret_name,
    url_secret,
)
from composekit.lint.rules.security._support import (
    committed_value,
    exact_origin,
    service_path,
    services,
    written_token,
    written_value,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


@dataclass(frozen=True)
class CredentialOptions:
    #: Also judge the variables a service reads from its ``env_file`` files.
    include_env_files: bool = True


@dataclass(frozen=True)
class _EnvFileHit:
    path: str          # the Compose file that names the env file
    parts: tuple[str | int, ...]  # key path of the env_file entry in that file
    env_path: str      # the env file
    line: int          # line of the variable in the env file
    value: str         # its value with no variable set


def _secret_kind(key: str, committed: str) -> str | None:
    """``"name"`` when the variable name says credential, ``"url"`` for a URL with one."""
    if not is_placeholder_free_secret(committed):
        return None
    if is_secret_name(key):
        return "name"
    part = url_secret(committed)
    if part is not None:
        return "url"
    return None


class CredentialInEnvironment(Rule):
    """## What it does
    Flags a service environment variable that holds a credential written in
    the project's files:

    * a variable whose name says it is a secret (`PASSWORD`, `PASSWD`,
      `PASS`, `SECRET`, `TOKEN`, `CREDENTIALS`, `API_KEY`, `SECRET_KEY`,
      `ACCESS_KEY`, `PRIVATE_KEY`, ..., also in camelCase) with a literal
      value;
    * any variable whose value is a connection string with a password
      (`postgres://app:s3cret@db/app`, `...?password=s3cret`).

    A value counts as literal when it is not empty once every `${VAR}` is
    left unset: `${DB_PASSWORD}` is fine, `${DB_PASSWORD:-postgres}` commits
    the default `postgres` to the file and is reported. With
    `include_env_files` (the default) the variables read from `env_file`
    files are judged the same way and reported at the `env_file` entry,
    with the env file's line in the message.

    ## Why is this bad?
    A secret in a Compose file or an env file next to it ends up in version
    control, in CI logs, in `docker inspect` output and in the environment of
    every process of the container, including crash reports and child
    processes. Compose `secrets` mount it as a file that only the service
    can read.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16.4
        environment:
          POSTGRES_PASSWORD: hunter2
          REPLICA_URL: postgres://replicator:hunter2@replica:5432/app
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16.4
        environment:
          POSTGRES_PASSWORD_FILE: /run/secrets/db_password
          REPLICA_URL: postgres://replicator@replica:5432/app
        secrets:
          - db_password
    secrets:
      db_password:
        file: ./secrets/db_password.txt
    ```

    ## Options
    - `include_env_files` (boolean, default `true`): judge the variables of
      `env_file` files too.

    ## Known problems
    Names are matched by words, so a variable like `TOKEN_BUCKET_SIZE` with
    a number is skipped only because its last word says it is a setting;
    switch values (`yes`, `true`, `0`...) and `/run/secrets/...` paths are
    never reported. The message never repeats the value. The project `.env`
    file used for interpolation is not judged (its values reach the
    environment only through `${VAR}`, which this rule accepts).

    ## References
    - Covers compose-lint `CL-0020` (credential-shaped key with a literal value, also
      from `env_file`) and `CL-0021` (credential in a connection string), merged:
      one variable is reported once.
    - https://docs.docker.com/compose/how-tos/use-secrets/
    """

    code = "CK312"
    name = "credential-in-environment"
    severity = Severity.WARNING
    Options = CredentialOptions

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            env = svc.get("environment")
            if not isinstance(env, dict):
                continue
            file_hits: dict[str, _EnvFileHit] | None = None
            for key, value in env.items():
                if value is None:
                    continue
                parts = service_path(name, "environment", key)
                if exact_origin(ctx, parts) is not None:
                    committed, defaulted = self._committed(ctx, parts, key, value)
                    kind = _secret_kind(key, committed)
                    if kind is not None:
                        message = self._message(name, key, kind)
                        if defaulted:
                            message += " (the default of a ${...} expression)"
                        yield ctx.report(self, parts, message, help=self._help(kind))
                    continue
                if not self.options.include_env_files:
                    continue
                if file_hits is None:
                    file_hits = _env_file_values(ctx, name)
                hit = file_hits.get(key)
                if hit is None:
                    continue
                kind = _secret_kind(key, hit.value)
                if kind is None:
                    continue
                shown = os.path.relpath(hit.env_path, os.path.dirname(hit.path) or ".")
                yield ctx.report(
                    self, hit.parts,
                    self._message(name, key, kind) + f" (from env file '{shown}', "
                    f"line {hit.line})",
                    path=hit.path, help=self._help(kind))

    @staticmethod
    def _committed(ctx: LintContext, parts: tuple[str | int, ...], key: str,
                   value: Any) -> tuple[str, bool]:
        """The value the file commits to, and whether it is a variable's default."""
        origin = ctx.project.origins.get(parts)
        token = written_token(ctx, parts)
        if token is not None and "$" not in token:
            # as written, modulo quoting: the canonical value (for "KEY=value" items too),
            # except a bare "KEY" item, which takes its value from the environment
            if origin is not None and origin.key is None and "=" not in token:
                return "", False
            return ("" if value is None else str(value)), False
        raw = written_value(ctx, parts)
        if isinstance(raw, str) and origin is not None and origin.key is None:
            # list form: "KEY=value", or a bare "KEY" taken from the environment
            _, sep, rest = raw.partition("=")
            if not sep:
                return "", False
            raw = rest
        if isinstance(raw, str):
            committed = committed_value(raw)
            return committed, "$" in raw.replace("$$", "") and committed != raw
        if raw is None:
            return "", False
        return str(value), False

    @staticmethod
    def _message(service: str, key: str, kind: str) -> str:
        if kind == "name":
            return f"Environment variable '{key}' of service '{service}' holds a literal credential"
        return (f"Environment variable '{key}' of service '{service}' holds a connection string "
                "with a literal credential")

    @staticmethod
    def _help(kind: str) -> str:
        if kind == "name":
            return ("Use a Compose secret (and the image's *_FILE variable) or "
                    "'${VAR}' filled in at deploy time")
        return "Take the password out of the URL: a Compose secret, or '${VAR}' at deploy time"


def _env_file_values(ctx: LintContext, service: str) -> dict[str, _EnvFileHit]:
    """The variables each ``env_file`` of ``service`` defines, with no variable set."""
    from composekit.loader.envfile import parse_env_text

    out: dict[str, _EnvFileHit] = {}
    for path, svc_name, raw in ctx.raw_services():
        if svc_name != service or "env_file" not in raw:
            continue
        fmt = ctx.format_of(path)
        prefix: tuple[str | int, ...] = (svc_name,) if fmt is not None and fmt.version == "1" \
            else ("services", svc_name)
        entries = raw["env_file"]
        listed: list[tuple[tuple[str | int, ...], Any]]
        if isinstance(entries, str):
            listed = [((*prefix, "env_file"), entries)]
        elif isinstance(entries, list):
            listed = [((*prefix, "env_file", i), e) for i, e in enumerate(entries)]
        else:
            continue
        for parts, entry in listed:
            file = entry.get("path") if isinstance(entry, dict) else entry
            if not isinstance(file, str) or not file:
                continue
            found = _find_file(ctx, path, file)
            if found is None:
                continue
            try:
                with open(found, encoding="utf-8", errors="replace") as fh:
                    text = fh.read(4 * 1024 * 1024)
            except OSError:
                continue
            values, _ = parse_env_text(text, found, lookup={})
            for key, value in values.items():
                out[key] = _EnvFileHit(path, parts, found, _line_of(text, key), value)
    return out


def _find_file(ctx: LintContext, compose_file: str, file: str) -> str | None:
    if os.path.isabs(file):
        return file if os.path.isfile(file) else None
    for base in (ctx.project.working_dir, os.path.dirname(compose_file)):
        candidate = os.path.normpath(os.path.join(base, file))
        if os.path.isfile(candidate):
            return candidate
    return None


def _line_of(text: str, key: str) -> int:
    pattern = re.compile(r"^[ \t]*(?:export[ \t]+)?" + re.escape(key) + r"[ \t]*[=:]", re.M)
    found = list(pattern.finditer(text))
    if not found:
        return 1
    return text.count("\n", 0, found[-1].start()) + 1
