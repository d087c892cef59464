"""Lint rules of the structure and style family (CK120-CK199).

CK101-CK119 are the loader's built-in structure codes (composekit/codes.py).
"""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.structure.duplicate_container_name import DuplicateContainerName
from composekit.lint.rules.structure.missing_project_name import MissingProjectName
from composekit.lint.rules.structure.quoted_volume import QuotedVolume
from composekit.lint.rules.structure.unordered_service_keys import UnorderedServiceKeys
from composekit.lint.rules.structure.unordered_top_level_keys import UnorderedTopLevelKeys
from composekit.lint.rules.structure.unquoted_port import UnquotedPort
from composekit.lint.rules.structure.unsorted_depends_on import UnsortedDependsOn
from composekit.lint.rules.structure.unsorted_ports import UnsortedPorts
from composekit.lint.rules.structure.unsorted_services import UnsortedServices
from composekit.lint.rules.structure.unused_config import UnusedConfig
from composekit.lint.rules.structure.unused_network import UnusedNetwork
from composekit.lint.rules.structure.unused_secret import UnusedSecret
from composekit.lint.rules.structure.unused_volume import UnusedVolume

RULES: tuple[type[Rule], ...] = (
    QuotedVolume,
    UnquotedPort,
    UnsortedServices,
    UnsortedDependsOn,
    UnsortedPorts,
    UnorderedServiceKeys,
    UnorderedTopLevelKeys,
    MissingProjectName,
    DuplicateContainerName,
    UnusedNetwork,
    UnusedVolume,
    UnusedSecret,
    UnusedConfig,
)
