"""CK314 no-new-privileges-unset: setuid binaries can still raise privileges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruamel.yaml.comments import CommentedSeq

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules.security._support import (
    insert_line,
    insert_service_key,
    is_flow,
    lines_of,
    newline_of,
    node_of,
    requote,
    scalar_token,
    service_block,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
OPTION = "no-new-privileges:true"


def no_new_privileges(opt: str) -> bool | None:
    """``True``/``False`` when ``opt`` sets no-new-privileges, ``None`` when it is another option.

    Docker reads ``no-new-privileges`` alone as true and the value after ``=``
    or ``:`` as a Go boolean (measured: ``=1`` is true, ``:false`` false).
    """
    text = opt.strip()
    if text == "no-new-privileges":
        return True
    for sep in ("=", ":"):
        if text.startswith("no-new-privileges" + sep):
            value = text[len("no-new-privileges") + 1:]
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
    return None


class NoNewPrivilegesUnset(Rule):
    """## What it does
    Flags a service without `no-new-privileges:true` in `security_opt`, or
    with `no-new-privileges:false`.

    ## Why is this bad?
    Without the flag, a process in the container can gain privileges through
    setuid/setgid binaries or file capabilities (`su`, `sudo`, `ping` in
    some images, or a binary an attacker planted). With it, the kernel
    refuses any privilege gain on `execve`, which closes a common step of
    container break-outs at no cost for most services.

    This is hardening that most Compose files do not have yet, so it is an
    `info` finding: visible, fixable, and not failing the default
    `--fail-on warning`. Raise it to `warning` where it is policy.

    ## Example
    ```yaml
    services:
      app:
        image: acme/app:3.1
    ```

    ## Use instead:
    ```yaml
    services:
      app:
        image: acme/app:3.1
        security_opt:
          - no-new-privileges:true
    ```

    ## Fix safety
    The fix adds `no-new-privileges:true` (as the first `security_opt`
    entry, as `security_opt: ["no-new-privileges:true"]` when there is
    none, or by rewriting `no-new-privileges:false`). It is **unsafe**: a
    service that relies on `sudo`, `su` or another setuid program stops
    working.

    ## Known problems
    A daemon started with `--no-new-privileges` (or `"no-new-privileges":
    true` in `daemon.json`) already applies it; composekit cannot see the
    daemon. Privileged services are left to `privileged-container` (CK302).
    Not reported under `--target stack`, which ignores `security_opt`.

    ## References
    - Covers compose-lint `CL-0003` (privilege escalation not blocked).
    - https://docs.docker.com/reference/cli/docker/container/run/#security-opt
    - https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html
    """

    code = "CK314"
    name = "no-new-privileges-unset"
    severity = Severity.INFO
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        help = "Add 'no-new-privileges:true' to security_opt"
        for name, svc in services(ctx):
            if svc.get("privileged") is True:
                continue
            opts = svc.get("security_opt")
            opts = opts if isinstance(opts, list) else []
            states = [(i, no_new_privileges(o)) for i, o in enumerate(opts) if isinstance(o, str)]
            set_to = [(i, s) for i, s in states if s is not None]
            if set_to and set_to[-1][1] is True:
                continue
            if set_to:
                index = set_to[-1][0]
                parts = service_path(name, "security_opt", index)
                yield ctx.report(
                    self, parts,
                    f"Service '{name}' explicitly allows privilege escalation "
                    f"(security_opt '{opts[index]}')",
                    help=help, fix=self._rewrite_fix(ctx, parts))
            elif opts:
                yield ctx.report(
                    self, service_path(name, "security_opt"),
                    f"Service '{name}' does not block privilege escalation "
                    "(no 'no-new-privileges:true' in security_opt)",
                    key=True, help=help, fix=self._append_fix(ctx, name))
            else:
                yield ctx.report(
                    self, service_path(name), f"Service '{name}' does not block privilege "
                    "escalation (no 'no-new-privileges:true' in security_opt)",
                    key=True, help=help, fix=self._add_fix(ctx, name))

    @staticmethod
    def _rewrite_fix(ctx: LintContext, parts: tuple[str | int, ...]) -> Fix | None:
        origin = ctx.project.origins.get(parts)
        if origin is None:
            return None
        token = scalar_token(ctx.documents[origin.path].text, origin.span)
        if token is None or no_new_privileges(token[0].strip("'\"")) is not False:
            return None
        edit = Edit(token[1], requote(token[0], OPTION))
        return Fix(f"Set '{OPTION}'", (edit,), safe=False)

    @staticmethod
    def _append_fix(ctx: LintContext, name: str) -> Fix | None:
        held = node_of(ctx, service_path(name, "security_opt"))
        if held is None:
            return None
        path, mapping, key = held
        found = ctx.project.origins.get(service_path(name, "security_opt"))
        if found is None or found.path != path:
            return None
        seq = mapping.get(key)
        if not isinstance(seq, CommentedSeq) or not seq:
            return None
        text = ctx.documents[path].text
        lines = lines_of(text)
        if is_flow(seq):
            try:
                line0, col0 = mapping.lc.value(key)
            except (KeyError, TypeError, AttributeError):
                return None
            if line0 >= len(lines) or lines[line0][col0:col0 + 1] != "[":
                return None
            at = Span(line0 + 1, col0 + 2, line0 + 1, col0 + 2)
            return Fix(f"Add '{OPTION}'", (Edit(at, f'"{OPTION}", '),), safe=False)
        try:
            line0, col0 = seq.lc.item(0)
        except (KeyError, TypeError, AttributeError):
            return None
        if line0 >= len(lines):
            return None
        before = lines[line0][:col0]
        if before.strip() != "-":
            return None
        dash = before.index("-")
        edit = insert_line(line0, " " * dash + "- " + OPTION + newline_of(text))
        return Fix(f"Add '{OPTION}'", (edit,), safe=False)

    @staticmethod
    def _add_fix(ctx: LintContext, name: str) -> Fix | None:
        block = service_block(ctx, name)
        if block is None:
            return None
        edit = insert_service_key(ctx, block, f'security_opt: ["{OPTION}"]')
        return Fix(f"Add 'security_opt: [\"{OPTION}\"]'", (edit,), safe=False)
