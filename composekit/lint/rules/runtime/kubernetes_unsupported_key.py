"""CK607 kubernetes-unsupported-key: service settings a Kubernetes Pod cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import dig, services, svc_path, written

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

#: Service keys with no counterpart in the Kubernetes Pod API (core/v1 PodSpec, Container,
#: SecurityContext, PodSecurityContext), and why. Keys whose *values* decide are handled in
#: :func:`_value_problems`.
KUBERNETES_UNSUPPORTED: dict[str, str] = {
    "blkio_config": "Pods have no block IO weights or throttles",
    "cgroup": "Pods have no cgroup namespace setting",
    "cgroup_parent": "the kubelet places Pods in its own cgroup hierarchy",
    "cpu_count": "Pods have no Windows CPU count (use resources.limits.cpu)",
    "cpu_percent": "Pods have no Windows CPU percentage (use resources.limits.cpu)",
    "cpu_rt_period": "Pods have no real-time scheduler settings",
    "cpu_rt_runtime": "Pods have no real-time scheduler settings",
    "cpuset": "Pods cannot pick CPUs (the kubelet's CPU manager assigns them)",
    "depends_on": "Kubernetes has no start-up order between Pods (use readiness probes, "
                  "init containers or retries)",
    "device_cgroup_rules": "Pods have no device cgroup rules",
    "devices": "Pods cannot map host devices (a device plugin exposes them as resources)",
    "external_links": "Pods have no links (reach the other workload by its Service name)",
    "isolation": "Pods have no isolation technology setting",
    "logging": "logging drivers are configured per node, not per Pod",
    "mac_address": "Pods cannot set a MAC address",
    "mem_swappiness": "swap is configured per node (kubelet memorySwap), not per Pod",
    "memswap_limit": "swap is configured per node (kubelet memorySwap), not per Pod",
    "oom_kill_disable": "Pods cannot disable the OOM killer",
    "oom_score_adj": "the kubelet sets OOM scores from the Pod's QoS class",
    "pids_limit": "the process limit is a kubelet setting (podPidsLimit), not per Pod",
    "shm_size": "Pods have no /dev/shm size (mount an emptyDir with medium: Memory at "
                "/dev/shm)",
    "stop_signal": "Pods stop containers with SIGTERM (the image's STOPSIGNAL aside)",
    "storage_opt": "Pods have no storage driver options",
    "ulimits": "Pods have no ulimits (they come from the container runtime's defaults)",
    "uts": "Pods cannot share the host's UTS namespace",
    "volume_driver": "volumes come from PersistentVolumeClaims and StorageClasses",
}

_NUMERIC_USER = re.compile(r"^\d+(:\d+)?$")


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _value_problems(name: str, svc: Mapping[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Keys whose value, not presence, has no Kubernetes form."""
    mode = svc.get("network_mode")
    if isinstance(mode, str) and (mode == "none" or mode.startswith(("container:",
                                                                       "service:"))):
        yield ("network_mode",), (f"network_mode '{mode}' has no Pod equivalent (containers "
                                  "share a network namespace only inside one Pod)")
    for key in ("ipc", "pid"):
        value = svc.get(key)
        if isinstance(value, str) and value.startswith(("container:", "service:")):
            yield (key,), (f"{key} '{value}' has no Pod equivalent (only containers of one "
                           "Pod share namespaces)")
    user = svc.get("user")
    if isinstance(user, str) and user and not _NUMERIC_USER.match(user):
        yield ("user",), (f"user '{user}' is a name; Pods take numeric IDs "
                          "(securityContext.runAsUser/runAsGroup)")
    links = svc.get("links")
    if isinstance(links, list):
        for link in links:
            target, _, alias = str(link).partition(":")
            if alias and alias != target:
                yield ("links",), (f"link alias '{alias}' for '{target}': Pods have no "
                                   "links, only Service names")
                break
    if svc.get("build") is not None and not svc.get("image"):
        yield ("build",), ("a Pod runs an image from a registry and cannot build one: set "
                           "`image` to the pushed image")
    if _number(dig(svc, "deploy", "resources", "limits", "pids")) > 0:
        yield ("deploy", "resources", "limits", "pids"), (
            "the process limit is a kubelet setting (podPidsLimit), not per Pod")


class KubernetesUnsupportedKey(Rule):
    """## What it does
    Flags service settings that have no counterpart in the Kubernetes Pod
    API, so a conversion to Kubernetes manifests (composekit's converter,
    kompose) has to drop them: among others `ulimits`,
    `devices`, `depends_on`, `shm_size`, `cpuset`, `memswap_limit`,
    `logging`, `external_links`, `network_mode: none` or `service:...`,
    a user given by name, and `build` without `image`.

    ## Why is this bad?
    The converted workload runs without what the Compose file relied on:
    no raised `nofile` limit, no device, no start-up order, a default-sized
    `/dev/shm` (Chrome and PostgreSQL fail with 64 MB), the image's user
    instead of `postgres`. Knowing before the conversion lets you choose the
    Kubernetes way (an emptyDir at `/dev/shm`, a readiness probe, a numeric
    `runAsUser`).

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        shm_size: 1g
        ulimits:
          nofile: 65536
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        # on Kubernetes: an emptyDir {medium: Memory, sizeLimit: 1Gi} at /dev/shm
        # and the runtime's default nofile limit
    ```

    ## Known problems
    Settings that Kubernetes expresses differently are not reported:
    `network_mode: host`, `pid: host` and `ipc: host` (hostNetwork, hostPID,
    hostIPC), `privileged`, `cap_add`, `read_only`, `sysctls`, `extra_hosts`
    (hostAliases), `dns` (dnsConfig), `healthcheck` (probes), `tmpfs`
    (emptyDir), `stop_grace_period` and resource limits. Links without an
    alias are not reported: the Service name resolves the same way.

    ## References
    - Kubernetes API reference, core/v1 PodSpec, Container, SecurityContext
      and PodSecurityContext (no fields for the settings above).
    - kompose reports most of them as unsupported keys (its
      `checkUnsupportedKey` list: `cgroup_parent`, `cpuset`, `devices`,
      `depends_on`, `external_links`, `logging`, `mac_address`,
      `memswap_limit`, `network_mode`, `shm_size`, `stop_signal`,
      `volume_driver`, `uts`, `ulimits`, links with an alias).
    - https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
    """

    code = "CK607"
    name = "kubernetes-unsupported-key"
    severity = Severity.WARNING
    targets = frozenset({Runtime.KUBERNETES})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, svc in services(ctx):
            for key in svc:
                reason = KUBERNETES_UNSUPPORTED.get(str(key))
                if reason is None or not written(ctx, svc_path(name, key)):
                    continue
                value = svc[key]
                if value in (None, [], {}, "", 0, False):
                    continue
                if key == "pids_limit" and _number(value) <= 0:
                    continue  # unlimited, as on Kubernetes
                yield ctx.report(
                    self, svc_path(name, key),
                    f"A Kubernetes conversion cannot carry `{key}` (service '{name}'): "
                    f"{reason}", key=True,
                    help="Remove it, or plan the Kubernetes equivalent by hand")
            for keys, reason in _value_problems(name, svc):
                parts = svc_path(name, *keys)
                if not written(ctx, parts):
                    continue
                yield ctx.report(
                    self, parts,
                    f"A Kubernetes conversion cannot carry `{'.'.join(keys)}` (service "
                    f"'{name}'): {reason}", key=True,
                    help="Change it, or plan the Kubernetes equivalent by hand")
