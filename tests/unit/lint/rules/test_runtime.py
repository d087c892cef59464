"""Unit tests of the runtime-compatibility rules (CK601-CK608).

The runtimes' behaviours were measured with Compose v2.40.3, docker-compose
1.26.2 and docker 28.2.2's ``docker stack config``/``deploy`` on Docker Engine
20.10.24; the oracle tests at the end re-check the verdicts that need no
engine.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import oracles
import pytest

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.context import LintContext
from composekit.lint.docs import REQUIRED_SECTIONS, parse_sections
from composekit.lint.engine import default_target
from composekit.lint.fix import apply_edits
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules import BY_CODE, runtime
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
from composekit.loader import load_project
from composekit.yamlio import parse_text

REPO = Path(__file__).resolve().parents[4]
FIXTURES = REPO / "fixtures" / "lint"
FAMILY = "CK6"


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


def fixture_target(text: str) -> Runtime | None:
    found = re.search(r"^# target: (\S+)", text, re.MULTILINE)
    return Runtime(found.group(1)) if found else None


# --- fixtures and registry ---------------------------------------------------------------


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob(f"{FAMILY}*/*/*.yaml"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    """Each fixture gives exactly its ``# expect:`` findings of its rule (for its target)."""
    code = path.parts[-3]
    text = path.read_text(encoding="utf-8")
    want = sorted(tuple(int(n) for n in m.split(":"))
                  for m in re.findall(rf"^# expect: {code} (\d+:\d+)$", text, re.MULTILINE))
    got = positions(lint(BY_CODE[code](), str(path), target=fixture_target(text)))
    assert sorted(got) == want
    if path.parts[-2] == "fail":
        assert want, "a fail fixture expects at least one finding"


def test_every_rule_has_fixtures_and_docs() -> None:
    for rule in runtime.RULES:
        assert rule.code.startswith(FAMILY)
        assert rule.targets, f"{rule.code} is about particular runtimes"
        for kind in ("pass", "fail"):
            assert list((FIXTURES / rule.code / kind).glob("*.yaml")), (rule.code, kind)
        sections = parse_sections(inspect.getdoc(rule) or "")
        for section in (*REQUIRED_SECTIONS, "References"):
            assert sections.get(section), (rule.code, section)
        if rule.fix_availability is not FixAvailability.NONE:
            assert sections.get("Fix safety"), rule.code


# --- CK601 format-unsupported-by-target ----------------------------------------------------


@pytest.mark.parametrize(("version", "target", "found"), [
    ("2.4", Runtime.STACK, True),
    ("3.0", Runtime.STACK, False),
    ("3.13", Runtime.STACK, False),
    ("3.9", Runtime.COMPOSE_V1, True),
    ("3.8", Runtime.COMPOSE_V1, False),
    ("2.0", Runtime.COMPOSE_V1, False),
    (None, Runtime.COMPOSE_V1, True),
    (None, Runtime.STACK, False),
])
def test_format_support(tmp_path: Path, version: str | None, target: Runtime,
                        found: bool) -> None:
    head = f'version: "{version}"\n' if version else ""
    text = head + "services:\n  web:\n    image: nginx:1.27.0\n"
    diags = run(FormatUnsupportedByTarget(), tmp_path, text, target=target)
    assert bool(diags) is found
    if found:
        assert positions(diags) == [(1, 10 if version else 1)]


def test_v1_files_are_left_to_the_loader(tmp_path: Path) -> None:
    text = "web:\n  image: nginx:1.27.0\n"
    for target in (Runtime.STACK, Runtime.COMPOSE_V1):
        assert run(FormatUnsupportedByTarget(), tmp_path, text, target=target) == []


def test_override_file_format_checked_too(tmp_path: Path) -> None:
    base = write(tmp_path, 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27.0\n')
    override = write(tmp_path, 'version: "2.4"\nservices:\n  web:\n    cpus: 0.5\n',
                     "compose.override.yaml")
    [diag] = lint(FormatUnsupportedByTarget(), base, override, target=Runtime.STACK)
    assert diag.path == override


# --- CK602 rejected-by-target-schema -------------------------------------------------------


def test_v2_file_as_compose_specification(tmp_path: Path) -> None:
    text = """
        version: "2.4"
        services:
          app:
            image: acme/app:1.0.0
            cpus: 0.5
            volume_driver: flocker
    """
    [diag] = run(RejectedByTargetSchema(), tmp_path, text)
    assert diag.code == "CK602" and diag.severity is Severity.ERROR and diag.origin == "lint"
    assert positions([diag]) == [(6, 5)]
    assert diag.message.startswith('Compose v2 ignores `version: "2.4"`')
    assert "this file is" not in diag.message
    assert run(RejectedByTargetSchema(), tmp_path, text, target=Runtime.COMPOSE_V1) == []


def test_declared_schema_findings_not_repeated(tmp_path: Path) -> None:
    # an out-of-range port is refused by both schemas: only the declared one reports it
    text = """
        version: "3.8"
        services:
          app:
            image: acme/app:1.0.0
            ports:
              - "99999:80"
    """
    assert run(RejectedByTargetSchema(), tmp_path, text) == []


def test_stack_reads_spec_files_as_3x(tmp_path: Path) -> None:
    text = """
        name: shop
        services:
          app:
            image: acme/app:1.0.0
            profiles: [debug]
    """
    diags = run(RejectedByTargetSchema(), tmp_path, text, target=Runtime.STACK)
    assert positions(diags) == [(1, 1), (5, 5)]
    assert all("newest 3.x format" in d.message for d in diags)
    assert run(RejectedByTargetSchema(), tmp_path, text) == []


# --- CK603 / CK604 / CK605 ignored keys ----------------------------------------------------


def test_stack_ignored_keys_from_catalogue(tmp_path: Path) -> None:
    text = """
        version: "3.8"
        services:
          app:
            image: acme/app:1.0.0
            depends_on: [db]
            links: [db]
            expose: ["8080"]
            cap_add: [NET_ADMIN]
            read_only: true
          db:
            image: postgres:16.4
    """
    diags = run(StackIgnoredKey(), tmp_path, text, target=Runtime.STACK)
    assert [d.message.split("`")[1] for d in diags] == ["depends_on", "links", "expose"]
    assert "restart" not in " ".join(d.help or "" for d in diags)
    assert run(StackIgnoredKey(), tmp_path, text) == []


def test_stack_implied_depends_on_not_reported(tmp_path: Path) -> None:
    text = """
        version: "3.8"
        services:
          app:
            image: acme/app:1.0.0
            links: [db]
          db:
            image: postgres:16.4
    """
    diags = run(StackIgnoredKey(), tmp_path, text, target=Runtime.STACK)
    assert [d.message.split("`")[1] for d in diags] == ["links"]


def test_compose_v1_ignores_configs_and_secret_modes(tmp_path: Path) -> None:
    (tmp_path / "app.conf").write_text("x = 1\n")
    text = """
        version: "3.8"
        services:
          app:
            image: acme/app:1.0.0
            configs:
              - app_conf
            secrets:
              - source: token
                uid: "1000"
                gid: "1000"
        configs:
          app_conf:
            file: ./app.conf
        secrets:
          token:
            file: ./app.conf
    """
    diags = run(ComposeV1IgnoredKey(), tmp_path, text, target=Runtime.COMPOSE_V1)
    assert positions(diags) == [(5, 5), (9, 9), (10, 9)]


def test_compose_v1_deploy_in_2x_file_is_the_schemas(tmp_path: Path) -> None:
    text = """
        version: "2.4"
        services:
          app:
            image: acme/app:1.0.0
            deploy:
              replicas: 2
    """
    assert run(ComposeV1IgnoredKey(), tmp_path, text, target=Runtime.COMPOSE_V1) == []


def test_compose_v2_deploy_keys(tmp_path: Path) -> None:
    text = """
        services:
          app:
            image: acme/app:1.0.0
            deploy:
              mode: global
              endpoint_mode: dnsrr
              labels:
                team: shop
              restart_policy:
                condition: on-failure
                delay: 5s
                max_attempts: 3
              resources:
                reservations:
                  cpus: "0.25"
                  memory: 64M
    """
    diags = run(ComposeV2IgnoredDeployKey(), tmp_path, text)
    assert [d.message.split("`")[1] for d in diags] == [
        "deploy.endpoint_mode", "deploy.labels", "deploy.restart_policy.delay",
        "deploy.resources.reservations.cpus"]
    assert run(ComposeV2IgnoredDeployKey(), tmp_path, text, target=Runtime.STACK) == []


# --- CK606 external secrets ------------------------------------------------------------------


def test_external_config_fails_only_for_compose_v2(tmp_path: Path) -> None:
    text = """
        services:
          app:
            image: acme/app:1.0.0
            configs:
              - source: app_conf
                target: /etc/app.conf
        configs:
          app_conf:
            external: true
            name: shop_app_conf
    """
    [diag] = run(ExternalSecretOutsideSwarm(), tmp_path, text)
    assert "unsupported external config" in diag.message
    assert run(ExternalSecretOutsideSwarm(), tmp_path, text, target=Runtime.COMPOSE_V1) == []
    assert run(ExternalSecretOutsideSwarm(), tmp_path, text, target=Runtime.STACK) == []


def test_external_secret_compose_v1_message(tmp_path: Path) -> None:
    text = """
        version: "3.8"
        services:
          app:
            image: acme/app:1.0.0
            secrets: [token]
        secrets:
          token:
            external: true
    """
    [diag] = run(ExternalSecretOutsideSwarm(), tmp_path, text, target=Runtime.COMPOSE_V1)
    assert "starts without it" in diag.message


# --- CK607 Kubernetes ---------------------------------------------------------------------


def test_kubernetes_values(tmp_path: Path) -> None:
    text = """
        services:
          app:
            image: acme/app:1.0.0
            network_mode: "service:sidecar"
            pid: host
            user: "1000:1000"
            links:
              - db:database
            pids_limit: -1
            oom_score_adj: 0
          sidecar:
            build: ./sidecar
          db:
            image: postgres:16.4
    """
    diags = run(KubernetesUnsupportedKey(), tmp_path, text, target=Runtime.KUBERNETES)
    assert [d.message.split("`")[1] for d in diags] == ["network_mode", "links", "build"]
    assert run(KubernetesUnsupportedKey(), tmp_path, text) == []


# --- CK608 version-higher-than-needed -------------------------------------------------------


def test_minimum_version_with_fix(tmp_path: Path) -> None:
    text = """
        # shop
        version: '3.7'   # keep in sync with ops
        services:
          web:
            image: nginx:1.27.0
            ports:
              - target: 80
                published: 8080
    """
    path = write(tmp_path, text)
    [diag] = lint(VersionHigherThanNeeded(), path, target=Runtime.STACK)
    assert diag.severity is Severity.INFO
    assert "declares 3.7 but needs only 3.2" in diag.message
    assert "17.04.0" in diag.message
    assert diag.fix is not None and not diag.fix.safe
    original = Path(path).read_text()
    fixed = apply_edits(original, diag.fix.edits)
    assert fixed == original.replace("'3.7'", "'3.2'")
    doc, problems = parse_text(fixed, path)
    assert doc is not None and not problems
    Path(path).write_text(fixed)
    assert lint(VersionHigherThanNeeded(), path, target=Runtime.STACK) == []


def test_minimum_version_interpolation_floor(tmp_path: Path) -> None:
    text = """
        version: "2.3"
        services:
          web:
            image: "nginx:${TAG:-1.27.0}"
    """
    [diag] = run(VersionHigherThanNeeded(), tmp_path, text, target=Runtime.COMPOSE_V1)
    assert "needs only 2.1" in diag.message and "interpolation" in diag.message
    escaped = text.replace("${TAG:-1.27.0}", "$${TAG:-1.27.0}")
    [diag] = run(VersionHigherThanNeeded(), tmp_path, escaped, target=Runtime.COMPOSE_V1)
    assert "needs only 2.0" in diag.message


def test_minimum_version_unquoted_and_aliases(tmp_path: Path) -> None:
    text = "version: 3.8\nservices:\n  web:\n    image: nginx:1.27.0\n"
    path = write(tmp_path, text)
    [diag] = lint(VersionHigherThanNeeded(), path, target=Runtime.COMPOSE_V1)
    assert diag.fix is not None
    assert apply_edits(text, diag.fix.edits).startswith('version: "3.0"\n')
    for already in ('version: "3"\n', 'version: "3.0"\n'):
        assert run(VersionHigherThanNeeded(), tmp_path,
                   already + "services:\n  web:\n    image: nginx:1.27.0\n",
                   target=Runtime.STACK) == []


def test_minimum_version_not_for_compose_v2(tmp_path: Path) -> None:
    text = 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27.0\n'
    assert run(VersionHigherThanNeeded(), tmp_path, text) == []


def test_minimum_version_respects_value_forms(tmp_path: Path) -> None:
    # numeric label values need 3.6 although `labels` itself exists since 3.0
    text = """
        version: "3.8"
        services:
          web:
            image: nginx:1.27.0
            labels:
              tier: 1
    """
    [diag] = run(VersionHigherThanNeeded(), tmp_path, text, target=Runtime.STACK)
    assert "needs only 3.6" in diag.message


# --- oracles ----------------------------------------------------------------------------


def schema_corpus() -> list[Path]:
    root = REPO / "fixtures" / "schema"
    return sorted([*root.glob("v2.*/valid/*.yaml"), *root.glob("v3.*/valid/*.yaml")])


@pytest.mark.oracle
@pytest.mark.slow
def test_compose_v2_verdicts_on_2x_3x_corpus(compose_v2_available: str) -> None:
    """CK602 (with the loader's own errors) says "Compose v2 refuses" exactly when it does."""
    wrong = []
    for path in schema_corpus():
        project, diags = load_project([str(path)], environ={})
        assert project is not None
        formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
        ours = list(RejectedByTargetSchema().check(
            LintContext(project, formats, target=Runtime.COMPOSE_V2)))
        loader_errors = [d for d in diags if d.severity is Severity.ERROR
                         and d.origin != "schema"]
        result = oracles.compose_v2(["-f", str(path), "config", "-q"], cwd=path.parent)
        if result.ok != (not ours and not loader_errors):
            wrong.append(f"{path.relative_to(REPO)}: compose says {result.ok}, ours "
                         f"{[d.message for d in ours]}\n{result.stderr[:300]}")
    assert not wrong, "\n".join(wrong)


def spec_corpus() -> list[Path]:
    """Single-file Compose Specification projects of the repository's fixtures."""
    root = REPO / "fixtures"
    files = [*root.glob("schema/spec/valid/*.yaml"), *root.glob("canonical/*/compose.yaml"),
             *root.glob("lint/CK*/pass/*.yaml")]
    return sorted(files)


@pytest.mark.oracle
@pytest.mark.slow
def test_stack_verdicts_on_spec_corpus(stack_available: str) -> None:
    """CK602 for --target stack says "docker stack refuses" exactly when `docker stack
    config` does, for every Compose Specification file of the fixtures."""
    wrong = []
    checked = 0
    for path in spec_corpus():
        project, _ = load_project([str(path)], environ={})
        if project is None or len(project.documents) != 1:
            continue
        formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
        fmt = formats.get(str(path))
        if fmt is None or fmt.version != "spec":
            continue
        checked += 1
        ours = list(RejectedByTargetSchema().check(
            LintContext(project, formats, target=Runtime.STACK)))
        result = oracles.stack_config(path.name, cwd=path.parent)
        if result.ok != (not ours):
            wrong.append(f"{path.relative_to(REPO)}: docker stack says {result.ok}, ours "
                         f"{[d.message for d in ours]}\n{result.stderr[:300]}")
    assert checked > 50
    assert not wrong, "\n".join(wrong)


@pytest.mark.oracle
def test_fixture_verdicts_of_the_targets(compose_v2_available: str, compose_v126_available: str,
                                         stack_available: str) -> None:
    """The CK601/CK602/CK608 fixtures say what the target tool does with them."""
    expectations = {
        "CK601/fail": False, "CK601/pass": True, "CK602/fail": False, "CK602/pass": True,
        "CK608/fail": True, "CK608/pass": True,
    }
    wrong = []
    for prefix, accepted in expectations.items():
        for path in sorted((FIXTURES / prefix).glob("*.yaml")):
            target = fixture_target(path.read_text()) or Runtime.COMPOSE_V2
            if target is Runtime.STACK:
                result = oracles.stack_config(path, cwd=path.parent)
            elif target is Runtime.COMPOSE_V1:
                result = oracles.compose_v126(["-f", path.name, "config", "-q"],
                                              cwd=path.parent)
            else:
                result = oracles.compose_v2(["-f", str(path), "config", "-q"],
                                            cwd=path.parent)
            if result.ok is not accepted:
                wrong.append(result.describe())
    assert not wrong, "\n".join(wrong)


@pytest.mark.oracle
def test_lowered_version_is_accepted_and_one_lower_is_not(tmp_path: Path,
                                                          stack_available: str) -> None:
    path = FIXTURES / "CK608" / "fail" / "could-be-3.4.yaml"
    text = path.read_text()
    for version, accepted in (("3.4", True), ("3.3", False)):
        lowered = write(tmp_path, text.replace('version: "3.8"', f'version: "{version}"'))
        assert oracles.stack_config(lowered, cwd=tmp_path).ok is accepted, version
