"""The test harness: bring Compose stacks up, wait until they are ready, check them, tear down.

``composekit test`` and the pytest plugin (``composekit.pytest_plugin``) are thin
layers over this package. testcontainers is imported only when a stack is
started (``composekit.testing._driver``), so importing this package is cheap.
"""

from __future__ import annotations

from composekit.testing.checks import (
    Check,
    EndpointError,
    ExecCheck,
    HttpCheck,
    JsonExpectation,
    LogCheck,
    TcpCheck,
    run_checks,
)
from composekit.testing.expectations import Expectations, load_expectations
from composekit.testing.harness import ComposeEnv, StackNotReady, unique_project_name
from composekit.testing.imagemap import ImageMap, image_map
from composekit.testing.results import ExecResult, Outcome, RunReport, Status
from composekit.testing.swarm import SwarmEnv
from composekit.testing.wait import Phase, ProgressEvent

__all__ = [
    "Check",
    "ComposeEnv",
    "EndpointError",
    "ExecCheck",
    "ExecResult",
    "Expectations",
    "HttpCheck",
    "ImageMap",
    "JsonExpectation",
    "LogCheck",
    "Outcome",
    "Phase",
    "ProgressEvent",
    "RunReport",
    "StackNotReady",
    "Status",
    "SwarmEnv",
    "TcpCheck",
    "image_map",
    "load_expectations",
    "run_checks",
    "unique_project_name",
]
