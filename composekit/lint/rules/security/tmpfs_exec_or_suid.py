"""CK318 tmpfs-exec-or-suid: a tmpfs mount that allows executing programs or setuid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.security._support import (
    requote,
    scalar_token,
    service_path,
    services,
)

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


def enabled_flags(spec: str) -> list[str]:
    """Which of ``exec`` and ``suid`` a ``/path:opt,opt`` tmpfs spec finally enables.

    Docker mounts ``--tmpfs`` with ``noexec,nosuid,nodev`` unless the options
    say otherwise (measured); the last of ``exec``/``noexec`` wins.
    """
    _, sep, options = spec.partition(":")
    if not sep:
        return []
    state = {"exec": False, "suid": False}
    for opt in options.split(","):
        opt = opt.strip()
        if opt in state:
            state[opt] = True
        elif opt.startswith("no") and opt[2:] in state:
            state[opt[2:]] = False
    return [flag for flag, on in state.items() if on]


def without_flags(spec: str) -> str:
    """``spec`` without its ``exec``/``suid`` options (and without ``:`` if none is left)."""
    path, _, options = spec.partition(":")
    kept = [o for o in options.split(",") if o.strip() not in ("exec", "suid")]
    kept = [o for o in kept if o.strip()]
    return path + (":" + ",".join(kept) if kept else "")


class TmpfsExecOrSuid(Rule):
    """## What it does
    Flags `tmpfs` entries whose options re-enable `exec` or `suid`
    (`/tmp:exec`, `/run:rw,suid,size=64m`).

    ## Why is this bad?
    Docker mounts a service's tmpfs with `noexec,nosuid,nodev` by default. A
    writable, executable scratch directory is where an attacker drops and
    runs a payload, and `suid` lets a planted setuid binary raise privileges.
    Together with `read_only: true`, `noexec` tmpfs keeps a container from
    running anything that was not in its image.

    ## Example
    ```yaml
    services:
      app:
        image: acme/app:3.1
        tmpfs:
          - /tmp:exec,size=64m
    ```

    ## Use instead:
    ```yaml
    services:
      app:
        image: acme/app:3.1
        tmpfs:
          - /tmp:size=64m
    ```

    ## Fix safety
    The fix removes the `exec` and `suid` options from the entry. It is
    **unsafe**: a program that really runs code from that directory (some
    JIT runtimes, installers, native extensions unpacked to `/tmp`) fails.
    It is offered when the entry is written on one line without variables.

    ## Known problems
    Low risk on its own, so the finding is `info`. `tmpfs` mounts in long
    `volumes` syntax cannot set these options and are not checked.

    ## References
    - Covers compose-lint `CL-0022` (tmpfs mount re-enables exec/suid).
    - https://docs.docker.com/engine/storage/tmpfs/
    """

    code = "CK318"
    name = "tmpfs-exec-or-suid"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            tmpfs = svc.get("tmpfs")
            if not isinstance(tmpfs, list):
                continue
            for i, spec in enumerate(tmpfs):
                if not isinstance(spec, str):
                    continue
                flags = enabled_flags(spec)
                if not flags:
                    continue
                parts = service_path(name, "tmpfs", i)
                what = " and ".join(f"'{f}'" for f in flags)
                yield ctx.report(
                    self, parts,
                    f"Service '{name}' mounts tmpfs '{spec.partition(':')[0]}' with {what}",
                    help=f"Remove {what} from the tmpfs options",
                    fix=self._fix(ctx, parts, spec))

    @staticmethod
    def _fix(ctx: LintContext, parts: tuple[str | int, ...], spec: str) -> Fix | None:
        # a single string (``tmpfs: /run:exec``) has no origin of its own: its key's
        origin = ctx.project.origins.get(parts) or ctx.project.origins.get(parts[:-1])
        if origin is None:
            return None
        token = scalar_token(ctx.documents[origin.path].text, origin.span)
        if token is None or token[0].strip("'\"") != spec or "\\" in token[0]:
            return None
        new = without_flags(spec)
        return Fix(f"Remove exec/suid: '{new}'", (Edit(token[1], requote(token[0], new)),),
                   safe=False)
