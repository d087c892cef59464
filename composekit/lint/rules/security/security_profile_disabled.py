"""CK308 security-profile-disabled: seccomp, AppArmor, SELinux or masked paths turned off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ruamel.yaml.comments import CommentedSeq

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules.security._support import (
    delete_lines,
    is_flow,
    key_block_lines,
    node_of,
    seq_item_line,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


def split_option(opt: str) -> tuple[str, str]:
    """``seccomp=unconfined`` (or legacy ``seccomp:unconfined``): ``("seccomp", "unconfined")``."""
    if "=" in opt:
        key, _, value = opt.partition("=")
    else:
        key, _, value = opt.partition(":")
    return key.strip(), value.strip()


def disabled_profile(opt: str) -> str | None:
    """What a ``security_opt`` entry switches off; ``None`` when it does not."""
    key, value = split_option(opt)
    if key == "seccomp" and value == "unconfined":
        return "seccomp filtering is off: every system call is allowed, including the ones " \
               "kernel exploits use"
    if key == "apparmor" and value == "unconfined":
        return "AppArmor confinement is off"
    if key == "label" and value == "disable":
        return "SELinux separation is off"
    if key == "label" and value.replace("=", ":") in ("type:spc_t", "type:unconfined_t"):
        return "the container runs with an unconfined SELinux type"
    if key == "systempaths" and value == "unconfined":
        return "the /proc and /sys paths Docker masks (kcore, sysrq-trigger, ...) are exposed"
    return None


class SecurityProfileDisabled(Rule):
    """## What it does
    Flags `security_opt` entries that switch off a confinement layer:
    `seccomp=unconfined`, `apparmor=unconfined`, `label=disable`,
    `label=type:spc_t` / `type:unconfined_t` and `systempaths=unconfined`
    (the legacy `key:value` spelling too).

    ## Why is this bad?
    Docker's default seccomp profile blocks dozens of system calls that
    container escapes and kernel exploits rely on; AppArmor and SELinux stop
    a container from touching host files even when something else goes
    wrong; masked paths hide kernel interfaces under `/proc` and `/sys`.
    Turning one off removes a layer of defence for the whole container
    lifetime, usually to work around a single blocked call.

    ## Example
    ```yaml
    services:
      app:
        image: acme/app:3.1
        security_opt:
          - seccomp:unconfined
    ```

    ## Use instead:
    ```yaml
    services:
      app:
        image: acme/app:3.1
        security_opt:
          - seccomp=./seccomp/app.json
    ```
    (a copy of Docker's default profile that allows the one missing call).

    ## Fix safety
    The fix deletes the entry (and `security_opt` when it was the only
    entry). It is **unsafe**: the service runs under the default profile
    afterwards and may fail on the call the exception was made for. It is
    offered only for block-style lists with the entry on its own line.

    ## Known problems
    Not reported under `--target stack`, which ignores `security_opt`.

    ## References
    - Covers compose-lint `CL-0009` (security profile disabled).
    - https://docs.docker.com/engine/security/seccomp/
    - https://docs.docker.com/engine/security/apparmor/
    """

    code = "CK308"
    name = "security-profile-disabled"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            opts = svc.get("security_opt")
            if not isinstance(opts, list):
                continue
            fixed_blocks: set[int] = set()
            for i, opt in enumerate(opts):
                if not isinstance(opt, str):
                    continue
                why = disabled_profile(opt)
                if why is None:
                    continue
                parts = service_path(name, "security_opt", i)
                yield ctx.report(
                    self, parts,
                    f"Service '{name}' sets security_opt '{opt}': {why}",
                    help="Remove it, or use a custom profile that allows only what is missing",
                    fix=self._fix(ctx, name, i, fixed_blocks))

    def _fix(self, ctx: LintContext, name: str, index: int, fixed_blocks: set[int]) -> Fix | None:
        item = ctx.project.origins.get(service_path(name, "security_opt", index))
        held = node_of(ctx, service_path(name, "security_opt"))
        if item is None or held is None or held[0] != item.path:
            return None
        path, mapping, key = held
        seq = mapping.get(key)
        if not isinstance(seq, CommentedSeq) or is_flow(seq):
            return None
        target = (item.span.line - 1, item.span.column - 1)
        position = None
        for j in range(len(seq)):
            try:
                if tuple(seq.lc.item(j)) == target:
                    position = j
            except (KeyError, TypeError, AttributeError):
                return None
        if position is None:
            return None
        text = ctx.documents[path].text
        title = f"Remove '{seq[position]}'"
        if all(isinstance(o, str) and disabled_profile(o) for o in seq):
            # every entry goes: delete the key, once
            if id(seq) in fixed_blocks:
                return None
            block = key_block_lines(text, mapping, key)
            if block is None:
                return None
            fixed_blocks.add(id(seq))
            return Fix("Remove 'security_opt'", (delete_lines(text, *block),), safe=False)
        line = seq_item_line(text, seq, position)
        if line is None:
            return None
        return Fix(title, (delete_lines(text, line, line),), safe=False)
