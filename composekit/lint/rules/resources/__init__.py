"""Lint rules of the resources, healthchecks and lifecycle family (CK5xx)."""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.resources.completed_dependency_restarts import (
    CompletedDependencyRestarts,
)
from composekit.lint.rules.resources.conflicting_memory_limits import ConflictingMemoryLimits
from composekit.lint.rules.resources.container_name_on_scaled_service import (
    ContainerNameOnScaledService,
)
from composekit.lint.rules.resources.fixed_host_port_on_scaled_service import (
    FixedHostPortOnScaledService,
)
from composekit.lint.rules.resources.healthcheck_duration_too_short import (
    HealthcheckDurationTooShort,
)
from composekit.lint.rules.resources.healthcheck_timeout_exceeds_interval import (
    HealthcheckTimeoutExceedsInterval,
)
from composekit.lint.rules.resources.healthcheck_zero_value import HealthcheckZeroValue
from composekit.lint.rules.resources.healthy_dependency_healthcheck_disabled import (
    HealthyDependencyHealthcheckDisabled,
)
from composekit.lint.rules.resources.healthy_dependency_without_healthcheck import (
    HealthyDependencyWithoutHealthcheck,
)
from composekit.lint.rules.resources.memory_limit_too_small import MemoryLimitTooSmall
from composekit.lint.rules.resources.missing_resource_limits import MissingResourceLimits
from composekit.lint.rules.resources.one_shot_dependency_started import (
    OneShotDependencyStarted,
)

RULES: tuple[type[Rule], ...] = (
    MissingResourceLimits,
    ConflictingMemoryLimits,
    MemoryLimitTooSmall,
    HealthcheckTimeoutExceedsInterval,
    HealthcheckZeroValue,
    HealthcheckDurationTooShort,
    HealthyDependencyWithoutHealthcheck,
    HealthyDependencyHealthcheckDisabled,
    CompletedDependencyRestarts,
    OneShotDependencyStarted,
    ContainerNameOnScaledService,
    FixedHostPortOnScaledService,
)
