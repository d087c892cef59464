"""Lint rules of the runtime-compatibility family (CK6xx): what a target runtime
refuses, ignores or reads differently, and the file format a file really needs."""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.runtime.compose_v1_ignored_key import ComposeV1IgnoredKey
from composekit.lint.rules.runtime.compose_v2_ignored_deploy_key import (
    ComposeV2IgnoredDeployKey,
)
from composekit.lint.rules.runtime.external_secret_outside_swarm import (
    ExternalSecretOutsideSwarm,
)
from composekit.lint.rules.runtime.format_unsupported_by_target import (
    FormatUnsupportedByTarget,
)
from composekit.lint.rules.runtime.kubernetes_unsupported_key import KubernetesUnsupportedKey
from composekit.lint.rules.runtime.rejected_by_target_schema import RejectedByTargetSchema
from composekit.lint.rules.runtime.stack_ignored_key import StackIgnoredKey
from composekit.lint.rules.runtime.version_higher_than_needed import VersionHigherThanNeeded

RULES: tuple[type[Rule], ...] = (
    FormatUnsupportedByTarget,
    RejectedByTargetSchema,
    StackIgnoredKey,
    ComposeV1IgnoredKey,
    ComposeV2IgnoredDeployKey,
    ExternalSecretOutsideSwarm,
    KubernetesUnsupportedKey,
    VersionHigherThanNeeded,
)
