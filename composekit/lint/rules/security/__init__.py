"""Lint rules of the security family (CK3xx).

Severities follow one scale: ``error`` for what gives a container the host
(privileged mode, engine sockets, root-equivalent writable paths, escape
capabilities, raw disks and memory);
``warning`` for what widens what a compromised container can reach (host
namespaces and network, other host-affecting capabilities, sensitive paths,
disabled confinement, explicit root, literal credentials); ``info`` for
hardening that most Compose files lack today (no-new-privileges, dropping
capabilities, read-only root, tmpfs flags, shared propagation, logging), so
that the default ``--fail-on warning`` passes a typical file and teams can
raise them in their configuration.
"""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.security.capabilities_not_dropped import CapabilitiesNotDropped
from composekit.lint.rules.security.credential_in_build_args import CredentialInBuildArgs
from composekit.lint.rules.security.credential_in_environment import CredentialInEnvironment
from composekit.lint.rules.security.dangerous_device_access import DangerousDeviceAccess
from composekit.lint.rules.security.host_control_socket_mount import HostControlSocketMount
from composekit.lint.rules.security.host_escape_capability import HostEscapeCapability
from composekit.lint.rules.security.host_impacting_capability import HostImpactingCapability
from composekit.lint.rules.security.host_namespace_shared import HostNamespaceShared
from composekit.lint.rules.security.host_network_mode import HostNetworkMode
from composekit.lint.rules.security.logging_disabled import LoggingDisabled
from composekit.lint.rules.security.no_new_privileges_unset import NoNewPrivilegesUnset
from composekit.lint.rules.security.privileged_container import PrivilegedContainer
from composekit.lint.rules.security.root_user import RootUser
from composekit.lint.rules.security.security_profile_disabled import SecurityProfileDisabled
from composekit.lint.rules.security.sensitive_host_path_mount import SensitiveHostPathMount
from composekit.lint.rules.security.shared_mount_propagation import SharedMountPropagation
from composekit.lint.rules.security.tmpfs_exec_or_suid import TmpfsExecOrSuid
from composekit.lint.rules.security.writable_root_equivalent_mount import (
    WritableRootEquivalentMount,
)
from composekit.lint.rules.security.writable_root_filesystem import WritableRootFilesystem

RULES: tuple[type[Rule], ...] = (
    HostControlSocketMount,
    PrivilegedContainer,
    HostEscapeCapability,
    HostImpactingCapability,
    WritableRootEquivalentMount,
    SensitiveHostPathMount,
    DangerousDeviceAccess,
    SecurityProfileDisabled,
    HostNetworkMode,
    HostNamespaceShared,
    RootUser,
    CredentialInEnvironment,
    CredentialInBuildArgs,
    NoNewPrivilegesUnset,
    CapabilitiesNotDropped,
    WritableRootFilesystem,
    SharedMountPropagation,
    TmpfsExecOrSuid,
    LoggingDisabled,
)
