"""CK304 host-impacting-capability: cap_add of a capability that reaches the host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule
from composekit.lint.rules.security._capabilities import HOST_IMPACTING, added
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class HostImpactingCapability(Rule):
    """## What it does
    Flags `cap_add` entries outside Docker's default set that affect the
    host or other containers: `NET_ADMIN`, `BPF`, `SYS_BOOT`, `PERFMON`,
    `SYS_TIME`, `SYS_NICE`, `IPC_LOCK`, `LEASE`, `SYSLOG`, `SYS_PTRACE`,
    `DAC_READ_SEARCH`, `MAC_ADMIN`, `MAC_OVERRIDE`, `SYS_RESOURCE`,
    `AUDIT_CONTROL`, `AUDIT_READ`, `LINUX_IMMUTABLE`, `SYS_PACCT`,
    `SYS_TTY_CONFIG`, `WAKE_ALARM`, `BLOCK_SUSPEND` and
    `CHECKPOINT_RESTORE`. Each message says what the capability allows.

    ## Why is this bad?
    These capabilities are not an immediate escape (see
    `host-escape-capability`, CK303, for those), but each one lets the
    container act beyond its own sandbox: change the host clock, read the
    kernel log, trace processes, load eBPF programs, starve the host of CPU
    or memory, or bypass the mandatory access control that confines it.
    Each should be a reviewed exception.

    ## Example
    ```yaml
    services:
      debug:
        image: acme/tools:5
        cap_add:
          - SYS_PTRACE
    ```

    ## Use instead:
    ```yaml
    services:
      debug:
        image: acme/tools:5
    ```
    (attach a debugger from a short-lived, separate container when needed,
    or keep the capability with `# composekit: ignore=CK304` and a reason).

    ## Known problems
    Capabilities of Docker's default set (`CHOWN`, `NET_RAW`, `SETUID`, ...)
    are not reported: adding them is a no-op unless `cap_drop: [ALL]` removed
    them first, which is the recommended pattern.

    ## References
    - Covers compose-lint `CL-0011` (NET_ADMIN, BPF, SYS_BOOT), `CL-0027`
      (SYS_PTRACE, DAC_READ_SEARCH), `CL-0028` (PERFMON, SYS_TIME), `CL-0029`
      (SYS_NICE, IPC_LOCK, LEASE) and `CL-0030` (SYSLOG), merged into one rule:
      the message names the capability and its effect.
    - capabilities(7)
    """

    code = "CK304"
    name = "host-impacting-capability"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for index, cap, written in added(svc):
                why = HOST_IMPACTING.get(cap)
                if why is None:
                    continue
                yield ctx.report(
                    self, service_path(name, "cap_add", index),
                    f"Service '{name}' adds capability {written}, which allows {why}",
                    help="Remove it unless the service cannot work without it")
