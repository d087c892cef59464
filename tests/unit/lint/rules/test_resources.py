"""Unit tests of the resources, healthchecks and lifecycle rules (CK501-CK512).

The behaviours the rules describe were measured with Compose v2.40.3 and
docker-compose 1.26.2 on Docker Engine 20.10.24 (``up`` with the local base
image): the engine's memory and healthcheck limits, ``service_healthy`` on a
service without (or with a disabled) healthcheck, a restarting one-shot
service awaited with ``service_completed_successfully`` (``up`` hangs),
``container_name`` and fixed host ports with several replicas.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.config import build_options
from composekit.lint.context import LintContext
from composekit.lint.docs import REQUIRED_SECTIONS, parse_sections
from composekit.lint.engine import default_target
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules import BY_CODE, resources
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
from composekit.loader import load_project

REPO = Path(__file__).resolve().parents[4]
FIXTURES = REPO / "fixtures" / "lint"
FAMILY = "CK5"


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def lint(rule: Rule, *paths: str, target: Runtime | None = None) -> list[Diagnostic]:
    project, _ = load_project(list(paths), environ={})
    assert project is not None
    formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
    if target is None:
        target = default_target(formats, project.main_file)
    if not rule.applies_to(target):
        return []
    return sorted(rule.check(LintContext(project, formats, target=target)))


def run(rule: Rule, tmp_path: Path, text: str, *, target: Runtime | None = None
        ) -> list[Diagnostic]:
    return lint(rule, write(tmp_path, text), target=target)


def positions(diags: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diags]


# --- fixtures and registry ---------------------------------------------------------------


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob(f"{FAMILY}*/*/*.yaml"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    """Each fixture gives exactly its ``# expect:`` findings of its rule (for its target)."""
    code = path.parts[-3]
    text = path.read_text(encoding="utf-8")
    found = re.search(r"^# target: (\S+)", text, re.MULTILINE)
    target = Runtime(found.group(1)) if found else None
    want = sorted(tuple(int(n) for n in m.split(":"))
                  for m in re.findall(rf"^# expect: {code} (\d+:\d+)$", text, re.MULTILINE))
    got = positions(lint(BY_CODE[code](), str(path), target=target))
    assert sorted(got) == want
    if path.parts[-2] == "fail":
        assert want, "a fail fixture expects at least one finding"


def test_every_rule_has_fixtures_and_docs() -> None:
    for rule in resources.RULES:
        assert rule.code.startswith(FAMILY)
        for kind in ("pass", "fail"):
            assert list((FIXTURES / rule.code / kind).glob("*.yaml")), (rule.code, kind)
        sections = parse_sections(inspect.getdoc(rule) or "")
        for section in (*REQUIRED_SECTIONS, "References"):
            assert sections.get(section), (rule.code, section)


# --- CK501 missing-resource-limits ---------------------------------------------------------


def test_limits_count_per_target(tmp_path: Path) -> None:
    text = """
        version: "3.8"
        services:
          api:
            image: acme/api:1.4.0
            deploy:
              resources:
                limits: {cpus: "1", memory: 256M}
    """
    assert run(MissingResourceLimits(), tmp_path, text, target=Runtime.COMPOSE_V2) == []
    assert run(MissingResourceLimits(), tmp_path, text, target=Runtime.STACK) == []
    # docker-compose 1.x ignores deploy: both limits are missing there
    [diag] = run(MissingResourceLimits(), tmp_path, text, target=Runtime.COMPOSE_V1)
    assert "no memory and CPU limit" in diag.message
    assert "--compatibility" in (diag.help or "")
    assert diag.severity is Severity.INFO


def test_legacy_limits_do_not_count_for_stack(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            mem_limit: 256m
            cpus: 0.5
    """
    assert run(MissingResourceLimits(), tmp_path, text) == []
    [diag] = run(MissingResourceLimits(), tmp_path, text, target=Runtime.STACK)
    assert positions([diag]) == [(2, 3)]


def test_limit_options(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            mem_limit: 256m
    """
    [diag] = run(MissingResourceLimits(), tmp_path, text)
    assert diag.message == "Service 'api' has no CPU limit"
    options = build_options(MissingResourceLimits, {"require-cpu": False})
    assert run(MissingResourceLimits(options), tmp_path, text) == []


# --- CK502 / CK503 memory ------------------------------------------------------------------


def test_memswap_without_limit_in_spec_file(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            memswap_limit: 1g
    """
    [diag] = run(ConflictingMemoryLimits(), tmp_path, text)
    assert "without a memory limit" in diag.message
    assert positions([diag]) == [(4, 5)]


def test_memswap_without_limit_in_2x_file_is_the_schemas(tmp_path: Path) -> None:
    text = """
        version: "2.4"
        services:
          api:
            image: acme/api:1.4.0
            memswap_limit: 1g
    """
    assert run(ConflictingMemoryLimits(), tmp_path, text) == []


def test_legacy_reservation_against_deploy_limit(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            mem_reservation: 1g
            deploy:
              resources:
                limits:
                  memory: 512M
    """
    [diag] = run(ConflictingMemoryLimits(), tmp_path, text)
    assert "reserves 1 GiB of memory, more than its limit of 512 MiB" in diag.message
    assert positions([diag]) == [(4, 22)]
    # docker-compose 1.x does not read the deploy limit: no conflict there
    assert run(ConflictingMemoryLimits(), tmp_path, text, target=Runtime.COMPOSE_V1) == []


def test_memswap_equal_or_unlimited_is_fine(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: acme/api:1.4.0
            mem_limit: 1g
            memswap_limit: 1g
          b:
            image: acme/api:1.4.0
            mem_limit: 1g
            memswap_limit: -1
    """
    assert run(ConflictingMemoryLimits(), tmp_path, text) == []


@pytest.mark.parametrize(("value", "found"), [
    ("512", True), ("5m", True), ("6143k", True), ("6m", False), ("0", False), ("1g", False),
])
def test_memory_minimum(tmp_path: Path, value: str, found: bool) -> None:
    text = f"""
        services:
          api:
            image: acme/api:1.4.0
            mem_reservation: {value}
    """
    diags = run(MemoryLimitTooSmall(), tmp_path, text)
    assert bool(diags) is found
    if found:
        assert "memory reservation" in diags[0].message


def test_memory_minimum_ignores_deploy_for_compose_v1(tmp_path: Path) -> None:
    text = """
        version: "3.8"
        services:
          api:
            image: acme/api:1.4.0
            deploy:
              resources:
                limits:
                  memory: 4M
    """
    assert len(run(MemoryLimitTooSmall(), tmp_path, text)) == 1
    assert run(MemoryLimitTooSmall(), tmp_path, text, target=Runtime.COMPOSE_V1) == []


# --- CK504-CK506 healthcheck values -----------------------------------------------------------


def test_timeout_equal_to_interval_is_fine(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            healthcheck:
              test: ["CMD", "true"]
              interval: 1m
              timeout: 60s
    """
    assert run(HealthcheckTimeoutExceedsInterval(), tmp_path, text) == []


def test_timeout_check_skips_disabled_and_zero(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: acme/api:1.4.0
            healthcheck:
              disable: true
              interval: 1s
              timeout: 5s
          b:
            image: acme/api:1.4.0
            healthcheck:
              test: ["CMD", "true"]
              interval: 0s
              timeout: 5s
    """
    assert run(HealthcheckTimeoutExceedsInterval(), tmp_path, text) == []


def test_timeout_merged_from_override(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          api:
            image: acme/api:1.4.0
            healthcheck:
              test: ["CMD", "true"]
              interval: 10s
    """)
    override = write(tmp_path, """
        services:
          api:
            healthcheck:
              timeout: 1m
    """, "compose.override.yaml")
    [diag] = lint(HealthcheckTimeoutExceedsInterval(), base, override)
    assert diag.path == override
    assert positions([diag]) == [(4, 16)]
    assert "(1m0s) is longer than its interval (10s)" in diag.message


def test_zero_values(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            healthcheck:
              test: ["CMD", "true"]
              interval: 0s
              start_period: 0s
              start_interval: 0s
    """
    diags = run(HealthcheckZeroValue(), tmp_path, text)
    assert [d.message.split(" of ")[0] for d in diags] == [
        "Healthcheck interval", "Healthcheck start_interval"]
    assert "(30s)" in diags[0].message and "(5s)" in diags[1].message
    assert run(HealthcheckZeroValue(), tmp_path, text, target=Runtime.KUBERNETES) == []


@pytest.mark.parametrize(("value", "found"), [
    ("999us", True), ("-1s", True), ("1ms", False), ("0s", False), ("1.5ms", False),
    ("0.5ms", True),
])
def test_duration_minimum(tmp_path: Path, value: str, found: bool) -> None:
    text = f"""
        services:
          api:
            image: acme/api:1.4.0
            healthcheck:
              test: ["CMD", "true"]
              timeout: {value}
    """
    diags = run(HealthcheckDurationTooShort(), tmp_path, text)
    assert bool(diags) is found
    if found:
        assert "Timeout in Healthcheck cannot be less than 1ms" in diags[0].message


# --- CK507 / CK508 service_healthy ----------------------------------------------------------


def test_dockerfile_healthcheck_satisfies_condition(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "Dockerfile").write_text(
        "FROM postgres:16.4\nHEALTHCHECK --interval=5s CMD pg_isready -U postgres\n")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "Dockerfile").write_text("FROM redis:7.2.5\nHEALTHCHECK NONE\n")
    text = """
        services:
          api:
            image: acme/api:1.4.0
            depends_on:
              db:
                condition: service_healthy
              cache:
                condition: service_healthy
              queue:
                condition: service_healthy
          db:
            build: ./db
          cache:
            build: ./cache
          queue:
            build:
              context: .
              dockerfile_inline: |
                FROM rabbitmq:3.13
                HEALTHCHECK CMD rabbitmq-diagnostics -q ping
    """
    diags = run(HealthyDependencyWithoutHealthcheck(), tmp_path, text)
    assert [d.message.split("'")[3] for d in diags] == ["cache"]
    assert positions(diags) == [(8, 20)]


def test_healthy_condition_rules_split(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: acme/api:1.4.0
            depends_on:
              a:
                condition: service_healthy
              b:
                condition: service_healthy
          a:
            image: acme/a:1.0.0
          b:
            image: acme/b:1.0.0
            healthcheck:
              test: ["NONE"]
    """
    without = run(HealthyDependencyWithoutHealthcheck(), tmp_path, text)
    disabled = run(HealthyDependencyHealthcheckDisabled(), tmp_path, text)
    assert [(d.code, d.line) for d in without] == [("CK507", 6)]
    assert [(d.code, d.line, d.severity) for d in disabled] == [("CK508", 8, Severity.ERROR)]
    assert run(HealthyDependencyHealthcheckDisabled(), tmp_path, text,
               target=Runtime.STACK) == []


def test_healthcheck_override_disables_in_override_file(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          api:
            image: acme/api:1.4.0
            depends_on:
              db:
                condition: service_healthy
          db:
            image: postgres:16.4
            healthcheck:
              test: ["CMD-SHELL", "pg_isready -U postgres"]
    """)
    override = write(tmp_path, """
        services:
          db:
            healthcheck:
              disable: true
    """, "compose.override.yaml")
    [diag] = lint(HealthyDependencyHealthcheckDisabled(), base, override)
    assert diag.path == base and positions([diag]) == [(6, 20)]


# --- CK509 / CK510 one-shot services ----------------------------------------------------------


def test_restart_policy_from_deploy(tmp_path: Path) -> None:
    text = """
        services:
          seed:
            image: acme/api:1.4.0
            command: ["./seed"]
            deploy:
              restart_policy:
                condition: any
          api:
            image: acme/api:1.4.0
            depends_on:
              seed:
                condition: service_completed_successfully
          worker:
            image: acme/api:1.4.0
            depends_on:
              seed:
                condition: service_completed_successfully
    """
    [diag] = run(CompletedDependencyRestarts(), tmp_path, text)
    assert positions([diag]) == [(7, 20)]
    assert "'api', 'worker' wait for it" in diag.message


def test_restart_always_without_completion_wait_is_fine(tmp_path: Path) -> None:
    text = """
        services:
          db:
            image: postgres:16.4
            restart: always
          api:
            image: acme/api:1.4.0
            depends_on:
              db:
                condition: service_started
    """
    assert run(CompletedDependencyRestarts(), tmp_path, text) == []
    assert run(OneShotDependencyStarted(), tmp_path, text) == []


def test_one_shot_started_long_form(tmp_path: Path) -> None:
    text = """
        services:
          migrate:
            image: acme/api:1.4.0
          api:
            image: acme/api:1.4.0
            depends_on:
              migrate:
                condition: service_completed_successfully
          worker:
            image: acme/api:1.4.0
            depends_on:
              migrate:
                condition: service_started
          cron:
            image: acme/api:1.4.0
            links:
              - migrate
    """
    diags = run(OneShotDependencyStarted(), tmp_path, text)
    # the long form points at the condition; the link (an implied dependency) is not reported
    assert positions(diags) == [(13, 20)]


# --- CK511 / CK512 scaled services ----------------------------------------------------------


def test_scale_per_target(tmp_path: Path) -> None:
    text = """
        version: "3.8"
        services:
          worker:
            image: acme/worker:2.3.1
            container_name: worker
            ports:
              - "9000:9000"
            deploy:
              replicas: 2
    """
    assert len(run(ContainerNameOnScaledService(), tmp_path, text)) == 1
    assert len(run(FixedHostPortOnScaledService(), tmp_path, text)) == 1
    # docker-compose 1.x ignores deploy.replicas; docker stack ignores both concerns
    for target in (Runtime.COMPOSE_V1, Runtime.STACK):
        assert run(ContainerNameOnScaledService(), tmp_path, text, target=target) == []
        assert run(FixedHostPortOnScaledService(), tmp_path, text, target=target) == []


def test_scale_key_counts_for_compose_v1(tmp_path: Path) -> None:
    text = """
        version: "2.4"
        services:
          worker:
            image: acme/worker:2.3.1
            container_name: worker
            scale: 2
    """
    [diag] = run(ContainerNameOnScaledService(), tmp_path, text, target=Runtime.COMPOSE_V1)
    assert "asks for 2 containers (scale)" in diag.message


def test_global_mode_is_one_container(tmp_path: Path) -> None:
    text = """
        services:
          agent:
            image: acme/agent:1.0.0
            container_name: agent
            ports:
              - "8125:8125/udp"
            deploy:
              mode: global
              replicas: 3
    """
    assert run(ContainerNameOnScaledService(), tmp_path, text) == []
    assert run(FixedHostPortOnScaledService(), tmp_path, text) == []


def test_range_shorter_than_replicas(tmp_path: Path) -> None:
    text = """
        services:
          web:
            image: nginx:1.27.0
            ports:
              - target: 80
                published: "8080-8081"
            deploy:
              replicas: 3
    """
    [diag] = run(FixedHostPortOnScaledService(), tmp_path, text)
    assert "range 8080-8081 (2 ports)" in diag.message
    assert positions([diag]) == [(5, 9)]
