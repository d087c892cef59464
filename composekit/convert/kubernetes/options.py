"""The options of a conversion to Kubernetes, and the Kubernetes versions composekit targets.

A few grouped choices, each with a safe default, instead of a bag of flags: what to write
(:class:`OutputFormat`), how published ports leave the cluster (:class:`ServiceType`),
which services become StatefulSets, whether networks become NetworkPolicies, and the
Kubernetes version the manifests (and their validation) are for.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from composekit.errors import UsageError

__all__ = [
    "DEFAULT_KUBE_VERSION",
    "KUBE_VERSIONS",
    "KubeOptions",
    "OutputFormat",
    "ServiceType",
    "Workload",
    "parse_kube_version",
]

#: The Kubernetes minor versions composekit writes and validates for (the schemas that
#: ``kubernetes-validate`` ships: 1.25 to 1.37).
KUBE_VERSIONS: tuple[str, ...] = tuple(f"1.{minor}" for minor in range(25, 38))
#: The default target: the newest release in :data:`KUBE_VERSIONS`.
DEFAULT_KUBE_VERSION = KUBE_VERSIONS[-1]


class OutputFormat(str, enum.Enum):
    MULTI = "multi"            # one multi-document YAML stream
    DIR = "dir"                # one file per object
    KUSTOMIZE = "kustomize"    # one file per object and kustomization.yaml
    HELM = "helm"              # a Helm chart (Chart.yaml, values.yaml, templates/)


class ServiceType(str, enum.Enum):
    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    LOAD_BALANCER = "LoadBalancer"


class Workload(str, enum.Enum):
    DEPLOYMENT = "Deployment"
    STATEFULSET = "StatefulSet"
    DAEMONSET = "DaemonSet"


def parse_kube_version(text: str) -> str:
    """``"1.31"``, ``"v1.31.2"`` -> ``"1.31"``; a :class:`UsageError` for a version
    composekit has no schemas for."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    version = f"{match.group(1)}.{int(match.group(2))}" if match else text
    if version not in KUBE_VERSIONS:
        raise UsageError(f"unsupported Kubernetes version {text!r}; use one of "
                         f"{KUBE_VERSIONS[0]} to {KUBE_VERSIONS[-1]}")
    return version


@dataclass(frozen=True)
class KubeOptions:
    """How to convert.

    ``kube_version``: the Kubernetes minor version (``"1.37"``); fields newer than it are
    not written, and validation uses its schemas. ``service_type``: the type of the extra
    Service that carries published ports out of the cluster (``ClusterIP``: none; the
    ``composekit.kubernetes.service-type`` label overrides it per service).
    ``statefulsets``: services that become StatefulSets (as does the label
    ``composekit.kubernetes.workload: statefulset``). ``network_policy``: write a
    NetworkPolicy per Compose network. ``strict``: any loss is an error. ``validate``:
    validate every manifest offline against the Kubernetes schemas.
    """

    kube_version: str = DEFAULT_KUBE_VERSION
    output: OutputFormat = OutputFormat.MULTI
    service_type: ServiceType = ServiceType.CLUSTER_IP
    statefulsets: frozenset[str] = field(default_factory=frozenset)
    network_policy: bool = False
    strict: bool = False
    validate: bool = True
    #: The image of the init containers that wait for dependencies (it needs ``sh``,
    #: ``nslookup`` and ``nc``).
    wait_image: str = "busybox:1.36"
    cluster_domain: str = "cluster.local"
    #: The storage request of a PersistentVolumeClaim whose volume names none (label
    #: ``composekit.kubernetes.volume-size``).
    volume_size: str = "1Gi"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kube_version", parse_kube_version(self.kube_version))

    @property
    def kube_minor(self) -> int:
        return int(self.kube_version.split(".")[1])
