"""Lint rules of the networking and ports family (CK4xx)."""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.networking.host_port_conflict import HostPortConflict
from composekit.lint.rules.networking.port_on_all_interfaces import PortOnAllInterfaces
from composekit.lint.rules.networking.ports_on_internal_network import PortsOnInternalNetwork
from composekit.lint.rules.networking.ports_with_host_network import PortsWithHostNetwork
from composekit.lint.rules.networking.ports_with_shared_network_namespace import (
    PortsWithSharedNetworkNamespace,
)
from composekit.lint.rules.networking.privileged_host_port import PrivilegedHostPort

RULES: tuple[type[Rule], ...] = (
    HostPortConflict,
    PortOnAllInterfaces,
    PrivilegedHostPort,
    PortsWithHostNetwork,
    PortsWithSharedNetworkNamespace,
    PortsOnInternalNetwork,
)
