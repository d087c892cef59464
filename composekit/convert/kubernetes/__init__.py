"""Compose project -> Kubernetes manifests (``composekit convert --to kubernetes``).

:func:`convert_to_kubernetes` (a loaded project) and :func:`convert_project_files` (Compose
files) return a :class:`KubeResult`; :class:`KubeOptions` says what to write. The
mapping of each Compose key is in :mod:`.mapping` and ``docs/convert-kubernetes.md``.
"""

from __future__ import annotations

from composekit.convert.kubernetes.api import (
    KubeResult,
    convert_project_files,
    convert_to_kubernetes,
)
from composekit.convert.kubernetes.options import (
    DEFAULT_KUBE_VERSION,
    KUBE_VERSIONS,
    KubeOptions,
    OutputFormat,
    ServiceType,
)

__all__ = [
    "DEFAULT_KUBE_VERSION",
    "KUBE_VERSIONS",
    "KubeOptions",
    "KubeResult",
    "OutputFormat",
    "ServiceType",
    "convert_project_files",
    "convert_to_kubernetes",
]
