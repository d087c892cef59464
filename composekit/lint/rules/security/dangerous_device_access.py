"""CK307 dangerous-device-access: host memory, raw disks or every device handed to a container."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.security._support import service_path, services

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

_MEMORY = {
    "/dev/mem": "physical memory of the host",
    "/dev/kmem": "kernel memory of the host",
    "/dev/port": "the host's I/O ports",
}
_BLOCK = re.compile(
    r"^/dev/(sd[a-z]+\d*|hd[a-z]+\d*|vd[a-z]+\d*|xvd[a-z]+\d*|nvme\d+(n\d+(p\d+)?)?"
    r"|mmcblk\d+(p\d+)?|dm-\d+|md\d+|loop\d+|nbd\d+(p\d+)?|mapper/.+|disk/.+)$")
_MSR = re.compile(r"^/dev/cpu(/\d+(/msr)?)?$")


def device_risk(source: str) -> str | None:
    """What a host device path gives access to, when it is dangerous."""
    path = source.rstrip("/") or "/"
    if path in ("/dev", "/"):
        return "every device of the host"
    if path in _MEMORY:
        return _MEMORY[path]
    if _MSR.match(path):
        return "the CPU's model-specific registers (kernel code execution)"
    if _BLOCK.match(path):
        return "a raw host disk (read and write any file, bypassing permissions)"
    return None


def cgroup_rule_risk(rule: str) -> str | None:
    """What a ``device_cgroup_rules`` entry (``type major:minor access``) allows, if dangerous."""
    parts = rule.split()
    if not parts:
        return None
    kind = parts[0]
    if kind == "a":
        return "access to every device"
    numbers = parts[1] if len(parts) > 1 else "*:*"
    major, _, minor = numbers.partition(":")
    if kind == "b":
        return "access to host block devices (raw disks)"
    if kind == "c" and major == "*":
        return "access to every character device"
    if kind == "c" and major == "1" and minor in ("*", "1", "2", "4"):
        return "access to host memory devices (/dev/mem, /dev/kmem, /dev/port)"
    if kind == "c" and major == "202":
        return "access to CPU model-specific registers"
    return None


class DangerousDeviceAccess(Rule):
    """## What it does
    Flags `devices` that hand the container host memory (`/dev/mem`,
    `/dev/kmem`, `/dev/port`), CPU model-specific registers (`/dev/cpu/*/msr`),
    a raw disk (`/dev/sda`, `/dev/nvme0n1`, `/dev/mapper/*`, `/dev/loop*`,
    ...) or all of `/dev`, and `device_cgroup_rules` that allow all devices
    (`a`), block devices (`b`), every character device or the memory devices.

    ## Why is this bad?
    With host memory the container can read and patch the running kernel;
    with a raw disk it can read `/etc/shadow` or plant a setuid binary on
    the host file system without any permission check. Either is full
    control of the host.

    ## Example
    ```yaml
    services:
      imager:
        image: acme/imager:1.2
        devices:
          - /dev/sda:/dev/sda
    ```

    ## Use instead:
    ```yaml
    services:
      imager:
        image: acme/imager:1.2
        volumes:
          - /srv/images:/images
    ```

    ## Known problems
    Device names are matched by pattern; a disk exposed under another name
    (a udev symlink outside `/dev/disk`) is not recognised. Not reported
    under `--target stack`, which ignores `devices`.

    ## References
    - Covers compose-lint `CL-0016` (dangerous host device exposed).
    - mem(4); https://docs.docker.com/reference/cli/docker/container/run/#device
    """

    code = "CK307"
    name = "dangerous-device-access"
    severity = Severity.ERROR
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.COMPOSE_V2, Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            devices = svc.get("devices")
            if isinstance(devices, list):
                for i, dev in enumerate(devices):
                    source = dev.get("source") if isinstance(dev, dict) else None
                    if not isinstance(source, str):
                        continue
                    why = device_risk(source)
                    if why is None:
                        continue
                    yield ctx.report(
                        self, service_path(name, "devices", i),
                        f"Service '{name}' is given device '{source}': {why}",
                        help="Remove the device; share files through a volume instead")
            rules = svc.get("device_cgroup_rules")
            if isinstance(rules, list):
                for i, rule in enumerate(rules):
                    if not isinstance(rule, str):
                        continue
                    why = cgroup_rule_risk(rule)
                    if why is None:
                        continue
                    yield ctx.report(
                        self, service_path(name, "device_cgroup_rules", i),
                        f"Service '{name}' has device cgroup rule '{rule}', which allows {why}",
                        help="Allow only the specific character devices the service needs")
