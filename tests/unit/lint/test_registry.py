"""The rule registry: codes, slugs, families, documentation, fixtures, generated docs."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from composekit import codes
from composekit.diagnostics import Severity
from composekit.lint.docs import REQUIRED_SECTIONS, SECTIONS, all_docs, catalogue_markdown
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules import ALL_RULES, BY_CODE, BY_NAME, get

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "lint"

#: Family package -> allowed code range (inclusive).
FAMILIES = {
    "structure": (120, 199),
    "images": (200, 299),
    "security": (300, 399),
    "networking": (400, 499),
    "resources": (500, 599),
    "runtime": (600, 699),
    "deprecations": (900, 999),
}

RULE_IDS = [r.code for r in ALL_RULES]


def _rule(code: str) -> type[Rule]:
    return BY_CODE[code]


def test_codes_and_slugs_are_unique_and_apart_from_the_built_in_ones() -> None:
    rule_codes = [r.code for r in ALL_RULES]
    slugs = [r.name for r in ALL_RULES]
    assert len(rule_codes) == len(set(rule_codes))
    assert len(slugs) == len(set(slugs))
    assert not set(rule_codes) & set(codes.CODES)
    assert not set(slugs) & set(codes.BY_NAME)
    assert len(BY_CODE) == len(ALL_RULES) == len(BY_NAME)


def test_built_in_codes_stay_in_their_range() -> None:
    for code in codes.CODES:
        assert re.fullmatch(r"CK(0\d\d|1[01]\d)", code), code


@pytest.mark.parametrize("code", RULE_IDS)
def test_metadata(code: str) -> None:
    rule = _rule(code)
    family = rule.__module__.split(".")[3]
    low, high = FAMILIES[family]
    assert re.fullmatch(r"CK\d{3}", rule.code) and low <= int(rule.code[2:]) <= high, (
        f"{rule.code} is outside the {family} range CK{low}-CK{high}")
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name)
    assert rule.__module__.rsplit(".", 1)[1] == rule.name.replace("-", "_"), (
        "one module per rule, named after its slug")
    assert isinstance(rule.severity, Severity)
    assert isinstance(rule.fix_availability, FixAvailability)
    assert rule.targets is None or (rule.targets and all(isinstance(t, Runtime)
                                                         for t in rule.targets))
    assert dataclasses.is_dataclass(rule.Options)
    assert rule.Options.__dataclass_params__.frozen  # type: ignore[attr-defined]
    rule(rule.Options())  # constructible with the default options
    assert get(rule.code) is rule and get(rule.name) is rule and get(rule.code.lower()) is rule


@pytest.mark.parametrize("code", RULE_IDS)
def test_documentation_sections(code: str) -> None:
    rule = _rule(code)
    doc = all_docs([rule], builtin=False)[0]
    present = [s for s in SECTIONS if s in doc.sections]
    for needed in REQUIRED_SECTIONS:
        assert needed in doc.sections, f"{code}: missing '## {needed}'"
        assert doc.sections[needed].strip(), f"{code}: '## {needed}' is empty"
    order = [s for s in SECTIONS if s in present]
    headings = [m.group(1) for m in re.finditer(r"^#{1,3}\s+(.+?)\s*$",
                                                inspect.getdoc(rule) or "", re.M)
                if m.group(1) in SECTIONS]
    assert headings == order, f"{code}: sections out of order: {headings}"
    for example in ("Example", "Use instead:"):
        assert "```yaml" in doc.sections[example], f"{code}: '{example}' needs a yaml block"
    if rule.fix_availability is not FixAvailability.NONE:
        assert "Fix safety" in doc.sections, f"{code} can fix: it needs '## Fix safety'"
    if dataclasses.fields(rule.Options):
        assert "Options" in doc.sections, f"{code} has options: it needs '## Options'"
        for f in dataclasses.fields(rule.Options):
            name = f.name.replace("_", "-")
            assert name in doc.sections["Options"] or f.name in doc.sections["Options"], (
                f"{code}: option '{name}' is not documented")
    assert rule.summary() and not rule.summary().startswith("#")


@pytest.mark.parametrize("code", RULE_IDS)
def test_pass_and_fail_fixtures_exist(code: str) -> None:
    for kind in ("pass", "fail"):
        found = [p for p in (FIXTURES / code / kind).glob("*.y*ml")
                 if not p.name.endswith((".fixed.yaml", ".fixed.yml"))]
        assert found, f"fixtures/lint/{code}/{kind}/ has no fixture"


def test_every_fixture_directory_belongs_to_a_rule() -> None:
    if not FIXTURES.is_dir():
        pytest.skip("no lint fixtures yet")
    strays = [p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in BY_CODE]
    assert strays == []


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    """docs/rules.md must match `composekit rules --format markdown` (regenerate it with
    `composekit rules --format markdown > docs/rules.md`)."""
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(all_docs()), (
        "docs/rules.md is stale: run `composekit rules --format markdown > docs/rules.md`")
