"""Unit tests of the deprecation rules (CK901-CK902), the version-key fix included."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic
from composekit.lint.context import LintContext
from composekit.lint.docs import REQUIRED_SECTIONS, parse_sections
from composekit.lint.engine import default_target
from composekit.lint.fix import apply_edits
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules import BY_CODE, deprecations
from composekit.lint.rules.deprecations.legacy_links import LegacyLinks
from composekit.lint.rules.deprecations.obsolete_version_key import ObsoleteVersionKey
from composekit.loader import load_project
from composekit.schema import validate_document
from composekit.yamlio import parse_text

REPO = Path(__file__).resolve().parents[4]
FIXTURES = REPO / "fixtures" / "lint"
FAMILY = "CK9"


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


def positions(diags: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diags]


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob(f"{FAMILY}*/*/*.yaml"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    code = path.parts[-3]
    text = path.read_text(encoding="utf-8")
    found = re.search(r"^# target: (\S+)", text, re.MULTILINE)
    target = Runtime(found.group(1)) if found else None
    want = sorted(tuple(int(n) for n in m.split(":"))
                  for m in re.findall(rf"^# expect: {code} (\d+:\d+)$", text, re.MULTILINE))
    assert sorted(positions(lint(BY_CODE[code](), str(path), target=target))) == want
    if path.parts[-2] == "fail":
        assert want


def test_every_rule_has_fixtures_and_docs() -> None:
    for rule in deprecations.RULES:
        assert rule.code.startswith(FAMILY)
        for kind in ("pass", "fail"):
            assert list((FIXTURES / rule.code / kind).glob("*.yaml")), (rule.code, kind)
        sections = parse_sections(inspect.getdoc(rule) or "")
        for section in (*REQUIRED_SECTIONS, "References"):
            assert sections.get(section), (rule.code, section)
        if rule.fix_availability is not FixAvailability.NONE:
            assert sections.get("Fix safety"), rule.code


# --- CK901 obsolete-version-key ------------------------------------------------------------


def fixed(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    [diag] = lint(ObsoleteVersionKey(), path)
    assert diag.fix is not None and diag.fix.safe
    original = Path(path).read_text()
    out = apply_edits(original, diag.fix.edits)
    doc, problems = parse_text(out, path)
    assert doc is not None and not problems
    Path(path).write_text(out)
    assert lint(ObsoleteVersionKey(), path) == [], "the fix removes the finding"
    fmt, findings = validate_document(doc)
    assert fmt is not None and fmt.version == "spec"
    assert [d for d in findings if d.severity.label == "error"] == []
    return out


@pytest.mark.parametrize(("before", "after"), [
    # first line, with a trailing comment and a blank line after it
    ('version: "3.8"  # compose format\n\nservices:\n  web:\n    image: nginx:1.27.0\n',
     "services:\n  web:\n    image: nginx:1.27.0\n"),
    # a comment block above stays; the blank line before services stays
    ('# Shop stack\nversion: "2.4"\n\nservices:\n  web:\n    image: nginx:1.27.0\n',
     "# Shop stack\n\nservices:\n  web:\n    image: nginx:1.27.0\n"),
    # not first: after name
    ('name: shop\nversion: "3"\nservices:\n  web:\n    image: nginx:1.27.0\n',
     "name: shop\nservices:\n  web:\n    image: nginx:1.27.0\n"),
    # last line, no trailing newline
    ('services:\n  web:\n    image: nginx:1.27.0\nversion: "3.8"',
     "services:\n  web:\n    image: nginx:1.27.0"),
    # CRLF line endings
    ('version: "3.8"\r\nservices:\r\n  web:\r\n    image: nginx:1.27.0\r\n',
     "services:\r\n  web:\r\n    image: nginx:1.27.0\r\n"),
])
def test_version_fix(tmp_path: Path, before: str, after: str) -> None:
    path = tmp_path / "compose.yaml"
    path.write_bytes(before.encode())
    [diag] = lint(ObsoleteVersionKey(), str(path))
    assert diag.fix is not None
    out = apply_edits(before, diag.fix.edits)
    assert out == after


def test_version_fix_whole_files(tmp_path: Path) -> None:
    out = fixed(tmp_path, """
        version: "3.8"

        # the services
        services:
          web:
            image: nginx:1.27.0
    """)
    assert out == "# the services\nservices:\n  web:\n    image: nginx:1.27.0\n"


def test_version_in_flow_mapping_has_no_fix(tmp_path: Path) -> None:
    path = write(tmp_path, '{version: "3.8", services: {web: {image: "nginx:1.27.0"}}}\n')
    [diag] = lint(ObsoleteVersionKey(), path)
    assert diag.fix is None
    assert positions([diag]) == [(1, 2)]


def test_version_kept_for_other_targets(tmp_path: Path) -> None:
    path = write(tmp_path, 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27.0\n')
    for target in (Runtime.STACK, Runtime.COMPOSE_V1, Runtime.KUBERNETES):
        assert lint(ObsoleteVersionKey(), path, target=target) == []


def test_version_in_override_file(tmp_path: Path) -> None:
    base = write(tmp_path, "services:\n  web:\n    image: nginx:1.27.0\n")
    override = write(tmp_path, 'version: "3.8"\nservices:\n  web:\n    cpus: 0.5\n',
                     "compose.override.yaml")
    [diag] = lint(ObsoleteVersionKey(), base, override)
    assert diag.path == override and positions([diag]) == [(1, 1)]


# --- CK902 legacy-links -----------------------------------------------------------------


def test_links_on_default_bridge_and_v1_are_fine(tmp_path: Path) -> None:
    bridge = write(tmp_path, """
        services:
          app:
            image: acme/app:1.0.0
            network_mode: bridge
            links: [db]
          db:
            image: postgres:16.4
            network_mode: bridge
    """)
    assert lint(LegacyLinks(), bridge) == []
    v1 = write(tmp_path, """
        app:
          image: acme/app:1.0.0
          links: [db]
        db:
          image: postgres:16.4
    """, "v1/docker-compose.yml")
    assert lint(LegacyLinks(), v1, target=Runtime.COMPOSE_V1) == []


def test_links_not_for_stack(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: "3.8"
        services:
          app:
            image: acme/app:1.0.0
            links: [db]
          db:
            image: postgres:16.4
    """)
    [diag] = lint(LegacyLinks(), path)
    assert "depends_on" in (diag.help or "")
    assert lint(LegacyLinks(), path, target=Runtime.STACK) == []  # CK603 says it
