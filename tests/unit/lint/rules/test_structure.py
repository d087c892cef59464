"""Unit tests of the structure and style rules (CK120-CK132), fixes included.

Every fix is applied with the engine's ``apply_edits``; the result must parse,
no longer trigger the rule, keep each moved entry with its comments, and leave
every line it does not move byte-identical.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.config import build_options
from composekit.lint.context import LintContext
from composekit.lint.fix import apply_edits
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules import BY_CODE, structure
from composekit.lint.rules.structure._yamltext import plain_safe, reorder_edit, scalar_extent
from composekit.lint.rules.structure.duplicate_container_name import DuplicateContainerName
from composekit.lint.rules.structure.missing_project_name import MissingProjectName
from composekit.lint.rules.structure.quoted_volume import QuotedVolume
from composekit.lint.rules.structure.unordered_service_keys import UnorderedServiceKeys
from composekit.lint.rules.structure.unordered_top_level_keys import UnorderedTopLevelKeys
from composekit.lint.rules.structure.unquoted_port import UnquotedPort
from composekit.lint.rules.structure.unsorted_depends_on import UnsortedDependsOn
from composekit.lint.rules.structure.unsorted_ports import UnsortedPorts, port_sort_key
from composekit.lint.rules.structure.unsorted_services import UnsortedServices
from composekit.lint.rules.structure.unused_config import UnusedConfig
from composekit.lint.rules.structure.unused_network import UnusedNetwork
from composekit.lint.rules.structure.unused_secret import UnusedSecret
from composekit.lint.rules.structure.unused_volume import UnusedVolume
from composekit.loader import load_project
from composekit.yamlio import parse_text

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def lint(rule: Rule, *paths: str, target: Runtime = Runtime.COMPOSE_V2,
         profiles: tuple[str, ...] = ()) -> list[Diagnostic]:
    project, _ = load_project(list(paths), profiles=profiles, environ={})
    assert project is not None
    formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
    ctx = LintContext(project, formats, target=target)
    return sorted(rule.check(ctx))


def run(rule: Rule, tmp_path: Path, text: str, **kw: Any) -> tuple[str, list[Diagnostic]]:
    path = write(tmp_path, text)
    return path, lint(rule, path, **kw)


def positions(diags: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diags]


def fixed(path: str, diag: Diagnostic) -> str:
    """The file's text with the finding's fix applied (and checked to parse)."""
    assert diag.fix is not None, diag
    with open(path, encoding="utf-8") as fh:
        before = fh.read()
    after = apply_edits(before, diag.fix.edits)
    doc, diags = parse_text(after, path)
    assert doc is not None, after
    assert not [d for d in diags if d.severity is Severity.ERROR], (after, diags)
    return after


def refix(rule: Rule, path: str, diag: Diagnostic) -> tuple[str, list[Diagnostic]]:
    """Apply the fix, write the file, lint again."""
    after = fixed(path, diag)
    Path(path).write_text(after, encoding="utf-8")
    return after, lint(rule, path)


def same_lines(before: str, after: str) -> bool:
    """The fix only moved whole lines: the same lines, each byte-identical."""
    return Counter(before.splitlines()) == Counter(after.splitlines())


# ---------------------------------------------------------------------------
# registry and documentation
# ---------------------------------------------------------------------------


SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead:")


@pytest.mark.parametrize("rule", structure.RULES, ids=lambda r: r.code)
def test_rule_metadata_and_docs(rule: type[Rule]) -> None:
    assert BY_CODE[rule.code] is rule
    assert 120 <= int(rule.code[2:]) <= 199
    assert rule.name == rule.__module__.rsplit(".", 1)[1].replace("_", "-")
    doc = rule.__doc__ or ""
    found = [doc.index(s) for s in SECTIONS]
    assert found == sorted(found)
    assert "## References" in doc
    if rule.fix_availability is not FixAvailability.NONE:
        assert "## Fix safety" in doc
    if rule.Options.__name__ == "Options":
        assert "## Options" in doc
    fixtures = Path(__file__).parents[4] / "fixtures" / "lint" / rule.code
    assert list((fixtures / "pass").glob("*.yaml")) and list((fixtures / "fail").glob("*.yaml"))


# ---------------------------------------------------------------------------
# the text helpers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "col", "flow", "raw", "value"), [
    ('      - "8080:80"  # http\n', 8, False, '"8080:80"', "8080:80"),
    ("      - 'it''s:/x'\n", 8, False, "'it''s:/x'", "it's:/x"),
    ("      - 8080:80   # http\n", 8, False, "8080:80", "8080:80"),
    ("    ports: [8080:80, '443']\n", 12, True, "8080:80", "8080:80"),
    ("    ports: [8080:80, '443']\n", 21, True, "'443'", "443"),
    ('      - "a\\tb"\n', 8, False, '"a\\tb"', None),
])
def test_scalar_extent(line: str, col: int, flow: bool, raw: str, value: str | None) -> None:
    found = scalar_extent([line], 0, col, flow=flow)
    assert found is not None
    assert found.raw == raw
    assert found.value() == value
    assert line[found.start:found.end] == raw


def test_scalar_extent_refuses_multiline_and_block_scalars() -> None:
    assert scalar_extent(["  - |\n", "    text\n"], 0, 4) is None
    assert scalar_extent(["  - a long\n", "    folded value\n"], 0, 4) is None
    assert scalar_extent(['  - "open\n', '    quote"\n'], 0, 4) is None


@pytest.mark.parametrize(("value", "safe"), [
    ("./data:/data", True), ("${DATA:-./data}:/data", True), ("~/x:/x", True),
    ("yes", False), ("56:56", False), ("0755", False), ("1e3", False), ("null", False),
    ("a: b", False), ("x #y", False), ("*alias", False), ("&anchor", False), ("-x", False),
    (" lead", False),
])
def test_plain_safe(value: str, safe: bool) -> None:
    assert plain_safe(value) is safe


def test_reorder_edit_refuses_alias_before_anchor() -> None:
    text = "a: &x 1\nb: *x\n"
    assert reorder_edit(text, [(0, 0), (1, 0)], [1, 0], mapping=True) is None
    text = "a: 1\nb: 2\n"
    assert reorder_edit(text, [(0, 0), (1, 0)], [1, 0], mapping=True) is not None


def test_reorder_edit_refuses_entries_that_do_not_start_a_line() -> None:
    text = "a: 1\nb: 2\n"
    assert reorder_edit(text, [(0, 0), (1, 1)], [1, 0], mapping=True) is None


def test_reorder_edit_without_final_line_break() -> None:
    text = "b: 2\na: 1"
    edit = reorder_edit(text, [(0, 0), (1, 0)], [1, 0], mapping=True)
    assert edit is not None
    assert apply_edits(text, [edit]) == "a: 1\nb: 2"


# ---------------------------------------------------------------------------
# CK120 quoted-volume
# ---------------------------------------------------------------------------


def test_quoted_volume_fix_removes_quotes_and_keeps_comment(tmp_path: Path) -> None:
    path, diags = run(QuotedVolume(), tmp_path, """
        services:
          db:
            image: postgres:16.4
            volumes:
              - "db-data:/var/lib/postgresql/data"   # data
              - './initdb:/docker-entrypoint-initdb.d:ro'
              - ./backup:/backup
        volumes:
          db-data: {}
        """)
    assert positions(diags) == [(5, 9), (6, 9)]
    assert all(d.fix is not None and d.fix.safe for d in diags)
    after = apply_edits(Path(path).read_text(), [e for d in diags for e in d.fix.edits])  # type: ignore[union-attr]
    assert "      - db-data:/var/lib/postgresql/data   # data\n" in after
    assert "      - ./initdb:/docker-entrypoint-initdb.d:ro\n" in after
    Path(path).write_text(after)
    assert lint(QuotedVolume(), path) == []


@pytest.mark.parametrize("entry", [
    '"./music #old:/music"', '"56:56"', r'"./caf\u00e9:/music"', '"*:/x"',
])
def test_quoted_volume_without_fix_when_quotes_are_needed(tmp_path: Path, entry: str) -> None:
    _, diags = run(QuotedVolume(), tmp_path, f"""
        services:
          app:
            image: example/app:1.0
            volumes:
              - {entry}
        """)
    assert len(diags) == 1
    assert diags[0].fix is None


def test_quoted_volume_flow_list_and_long_syntax(tmp_path: Path) -> None:
    path, diags = run(QuotedVolume(), tmp_path, """
        services:
          app:
            image: example/app:1.0
            volumes: ["./a:/a", ./b:/b]
          other:
            image: example/app:1.0
            volumes:
              - type: bind
                source: "./c"
                target: /c
        """)
    assert positions(diags) == [(4, 15)]
    assert "volumes: [./a:/a, ./b:/b]" in fixed(path, diags[0])


# ---------------------------------------------------------------------------
# CK121 unquoted-port
# ---------------------------------------------------------------------------


def test_unquoted_port_fix(tmp_path: Path) -> None:
    path, diags = run(UnquotedPort(), tmp_path, """
        services:
          web:
            image: nginx:1.27.2
            ports:
              - 127.0.0.1:8080:80   # http
              - "127.0.0.1:8443:443"
              - 9000
            expose: [9113, "9114"]
        """)
    assert positions(diags) == [(5, 9), (7, 9), (8, 14)]
    assert "Port '127.0.0.1:8080:80'" in diags[0].message
    after = apply_edits(Path(path).read_text(), [e for d in diags for e in d.fix.edits])  # type: ignore[union-attr]
    assert '      - "127.0.0.1:8080:80"   # http\n' in after
    assert '      - "9000"\n' in after
    assert 'expose: ["9113", "9114"]' in after
    Path(path).write_text(after)
    assert lint(UnquotedPort(), path) == []


def test_unquoted_port_quote_type_and_sections(tmp_path: Path) -> None:
    text = """
        services:
          web:
            image: nginx:1.27.2
            ports:
              - "127.0.0.1:8080:80"
              - '127.0.0.1:8443:443'
            expose:
              - 9113
        """
    path, diags = run(UnquotedPort(UnquotedPort.Options(quote_type="single")), tmp_path, text)
    assert positions(diags) == [(5, 9), (8, 9)]
    assert "not in single quotes" in diags[0].message
    assert "'127.0.0.1:8080:80'" in fixed(path, diags[0])
    assert "      - '9113'\n" in fixed(path, diags[1])
    _, diags = run(UnquotedPort(UnquotedPort.Options(quote_type="double", sections=("ports",))),
                   tmp_path, text)
    assert positions(diags) == [(6, 9)]
    _, diags = run(UnquotedPort(), tmp_path, text)
    assert positions(diags) == [(8, 9)]


def test_unquoted_port_options_are_validated() -> None:
    rule = BY_CODE["CK121"]
    with pytest.raises(Exception, match="quote-type"):
        build_options(rule, {"quote-type": "backtick"})
    with pytest.raises(ValueError):
        UnquotedPort.Options(sections=("volumes",))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# CK122 unsorted-services
# ---------------------------------------------------------------------------

SERVICES = """
    # Shop: header comment stays at the top
    name: shop

    services:
      # the storefront
      web:
        image: example/web:3.2   # pinned
        ports:
          - "127.0.0.1:8080:80"

      # the API
      api:
        image: example/api:3.2
        command: >
          serve --port 8080
          --verbose

      db:
        image: postgres:16.4
        # tuning
        command: ["postgres", "-c", "max_connections=200"]
    # about volumes
    volumes:
      data: {}
    """


def test_unsorted_services_fix_moves_blocks_with_comments(tmp_path: Path) -> None:
    path, diags = run(UnsortedServices(), tmp_path, SERVICES)
    assert positions(diags) == [(12, 3)]
    assert diags[0].message == ("Service 'api' is not in alphabetical order: it should come "
                                "before 'web'")
    before = Path(path).read_text()
    after, again = refix(UnsortedServices(), path, diags[0])
    assert again == []
    assert same_lines(before, after)
    doc, _ = parse_text(after, path)
    assert doc is not None
    assert list(doc.data["services"]) == ["api", "db", "web"]
    assert doc.data["services"]["api"]["command"] == "serve --port 8080 --verbose\n"
    # comments travel with their service; header and the next key's comment stay
    assert "  # the API\n  api:\n" in after
    assert "  # the storefront\n  web:\n" in after
    assert after.startswith("# Shop: header comment stays at the top\nname: shop\n\nservices:\n")
    assert after.endswith("# about volumes\nvolumes:\n  data: {}\n")
    # the blank lines between services stay where they were
    assert "--verbose\n\n  db:\n" in after
    assert "max_connections=200\"]\n\n  # the storefront\n" in after


def test_unsorted_services_sorted_and_case(tmp_path: Path) -> None:
    _, diags = run(UnsortedServices(), tmp_path, """
        services:
          Api:
            image: a:1
          backend:
            image: b:1
          web2:
            image: c:1
        """)
    assert diags == []


def test_unsorted_services_no_fix_when_alias_would_precede_anchor(tmp_path: Path) -> None:
    _, diags = run(UnsortedServices(), tmp_path, """
        services:
          web:
            image: example/web:3.2
            environment: &env
              TZ: UTC
          api:
            image: example/api:3.2
            environment: *env
        """)
    assert len(diags) == 1
    assert diags[0].fix is None


def test_unsorted_services_flow_style_not_fixed(tmp_path: Path) -> None:
    _, diags = run(UnsortedServices(), tmp_path, """
        services: {web: {image: "nginx:1.27"}, api: {image: "example/api:1"}}
        """)
    assert len(diags) == 1
    assert diags[0].fix is None


def test_unsorted_services_reports_each_file(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          b:
            image: b:1
          a:
            image: a:1
        """)
    override = write(tmp_path, """
        services:
          b:
            environment: {X: "1"}
          a:
            environment: {X: "1"}
        """, "compose.override.yaml")
    diags = lint(UnsortedServices(), base, override)
    assert sorted(d.path for d in diags) == sorted([base, override])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=2, max_size=6,
                   unique=True),
    comments=st.lists(st.booleans(), min_size=6, max_size=6),
    gaps=st.lists(st.integers(min_value=0, max_value=2), min_size=6, max_size=6),
)
def test_unsorted_services_fix_property(tmp_path: Path, names: list[str], comments: list[bool],
                                        gaps: list[int]) -> None:
    lines = ["name: prop\n", "services:\n"]
    for i, name in enumerate(names):
        lines += ["\n"] * gaps[i]
        if comments[i]:
            lines.append(f"  # about {name}\n")
        lines += [f"  {name}:\n", f"    image: example/{name}:1.0\n",
                  f"    command: [run, {name}]   # runs {name}\n"]
    lines.append("networks:\n  default: {}\n")
    text = "".join(lines)
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    diags = lint(UnsortedServices(), str(path))
    if names == sorted(names):
        assert diags == []
        return
    assert len(diags) == 1
    after = fixed(str(path), diags[0])
    assert same_lines(text, after)
    doc, _ = parse_text(after, str(path))
    assert list(doc.data["services"]) == sorted(names)  # type: ignore[union-attr]
    for i, name in enumerate(names):
        assert doc.data["services"][name]["command"] == ["run", name]  # type: ignore[union-attr]
        if comments[i]:
            assert f"  # about {name}\n  {name}:\n" in after


# ---------------------------------------------------------------------------
# CK123 unsorted-depends-on
# ---------------------------------------------------------------------------


def test_unsorted_depends_on_list_mapping_and_flow(tmp_path: Path) -> None:
    path, diags = run(UnsortedDependsOn(), tmp_path, """
        services:
          web:
            image: example/web:3.2
            depends_on:
              - redis
              # the database
              - db
          worker:
            image: example/worker:3.2
            depends_on: [redis, db]
          cron:
            image: example/cron:3.2
            depends_on:
              redis:
                condition: service_started
              db:
                condition: service_healthy
                restart: true
          db:
            image: postgres:16.4
          redis:
            image: redis:7.4
        """)
    assert positions(diags) == [(7, 9), (10, 25), (16, 7)]
    assert [d.fix is not None for d in diags] == [True, True, True]
    assert "      # the database\n      - db\n      - redis\n" in fixed(path, diags[0])
    assert "depends_on: [db, redis]" in fixed(path, diags[1])
    after = fixed(path, diags[2])
    assert ("      db:\n        condition: service_healthy\n        restart: true\n"
            "      redis:\n        condition: service_started\n") in after
    text = Path(path).read_text()
    after = apply_edits(text, [e for d in diags for e in d.fix.edits])  # type: ignore[union-attr]
    Path(path).write_text(after)
    assert lint(UnsortedDependsOn(), path) == []


def test_unsorted_depends_on_sorted(tmp_path: Path) -> None:
    _, diags = run(UnsortedDependsOn(), tmp_path, """
        services:
          web:
            image: example/web:3.2
            depends_on: [db, redis]
          db:
            image: postgres:16.4
          redis:
            image: redis:7.4
        """)
    assert diags == []


# ---------------------------------------------------------------------------
# CK124 unsorted-ports
# ---------------------------------------------------------------------------


def test_port_sort_key_is_numeric() -> None:
    keys = ["10000:10000", "9000:9000", "${P}:80", "127.0.0.1:8080:80/udp", "8080:80", "80"]
    ordered = sorted(keys, key=lambda k: port_sort_key(k)[:4])
    assert ordered == ["${P}:80", "80", "8080:80", "127.0.0.1:8080:80/udp", "9000:9000",
                       "10000:10000"]


def test_unsorted_ports_fix(tmp_path: Path) -> None:
    path, diags = run(UnsortedPorts(), tmp_path, """
        services:
          proxy:
            image: traefik:v3.1
            ports:
              - "127.0.0.1:10000:10000"
              - target: 443
                published: "8443"   # tls
                host_ip: 127.0.0.1
              # http
              - "127.0.0.1:8080:80"
        """)
    assert positions(diags) == [(6, 9)]
    before = Path(path).read_text()
    after, again = refix(UnsortedPorts(), path, diags[0])
    assert again == []
    assert same_lines(before, after)
    assert after.index("# http") < after.index("8080:80") < after.index("target: 443") \
        < after.index("10000:10000")


def test_unsorted_ports_flow_list(tmp_path: Path) -> None:
    path, diags = run(UnsortedPorts(), tmp_path, """
        services:
          proxy:
            image: traefik:v3.1
            ports: ["127.0.0.1:8443:443", '127.0.0.1:8080:80']
        """)
    assert len(diags) == 1
    assert "ports: ['127.0.0.1:8080:80', \"127.0.0.1:8443:443\"]" in fixed(path, diags[0])


# ---------------------------------------------------------------------------
# CK125 unordered-service-keys
# ---------------------------------------------------------------------------


SERVICE_KEYS = """
    services:
      api:
        # settings first, by habit
        environment:
          LOG_LEVEL: info
        deploy:
          replicas: 2
        ports:
          - "127.0.0.1:8080:8080"
        image: example/api:3.2   # pinned
        user: "1000"
        command: ["serve"]
    """


def test_unordered_service_keys_default(tmp_path: Path) -> None:
    path, diags = run(UnorderedServiceKeys(), tmp_path, SERVICE_KEYS)
    assert positions(diags) == [(8, 5)]
    assert diags[0].message == ("Key 'ports' (networking group) of service 'api' should come "
                                "before 'deploy'")
    before = Path(path).read_text()
    after, again = refix(UnorderedServiceKeys(), path, diags[0])
    assert again == []
    assert same_lines(before, after)
    doc, _ = parse_text(after, path)
    assert list(doc.data["services"]["api"]) == [  # type: ignore[union-attr]
        "image", "environment", "ports", "command", "user", "deploy"]
    assert "    # settings first, by habit\n    environment:\n" in after


def test_unordered_service_keys_options(tmp_path: Path) -> None:
    options = build_options(UnorderedServiceKeys, {
        "group-order": ["core", "networking", "environment", "runtime", "security", "extra"],
        "groups": {"extra": ["deploy"]},
    })
    path, diags = run(UnorderedServiceKeys(options), tmp_path, SERVICE_KEYS)
    assert len(diags) == 1
    after, again = refix(UnorderedServiceKeys(options), path, diags[0])
    assert again == []
    doc, _ = parse_text(after, path)
    assert list(doc.data["services"]["api"]) == [  # type: ignore[union-attr]
        "image", "ports", "environment", "command", "user", "deploy"]


def test_unordered_service_keys_bad_options() -> None:
    with pytest.raises(Exception, match="unknown group 'nope'"):
        build_options(UnorderedServiceKeys, {"group-order": ["core", "nope"]})
    with pytest.raises(Exception, match="'image' is in groups"):
        build_options(UnorderedServiceKeys, {"groups": {"data": ["image"]}})


def test_unordered_service_keys_with_merge_key_has_no_fix(tmp_path: Path) -> None:
    _, diags = run(UnorderedServiceKeys(), tmp_path, """
        x-base: &base
          restart: always
        services:
          api:
            <<: *base
            ports:
              - "127.0.0.1:8080:8080"
            image: example/api:3.2
        """)
    assert len(diags) == 1
    assert diags[0].fix is None


def test_unordered_service_keys_other_keys_last(tmp_path: Path) -> None:
    _, diags = run(UnorderedServiceKeys(), tmp_path, """
        services:
          api:
            image: example/api:3.2
            profiles: [api]
            deploy: {replicas: 1}
            x-owner: team-a
        """)
    assert diags == []


# ---------------------------------------------------------------------------
# CK126 unordered-top-level-keys
# ---------------------------------------------------------------------------


def test_unordered_top_level_keys_fix_keeps_header(tmp_path: Path) -> None:
    path, diags = run(UnorderedTopLevelKeys(), tmp_path, """
        # yaml-language-server: $schema=https://example.com/compose.json
        services:
          web:
            image: nginx:1.27.2
            volumes:
              - static:/srv

        # storage
        volumes:
          static: {}

        name: site
        """)
    assert positions(diags) == [(12, 1)]
    before = Path(path).read_text()
    after, again = refix(UnorderedTopLevelKeys(), path, diags[0])
    assert again == []
    assert same_lines(before, after)
    # the blank line after the first block stays in its place, under the moved key
    assert after.startswith("# yaml-language-server: $schema=https://example.com/compose.json\n"
                            "name: site\n\nservices:\n")
    assert "\n# storage\nvolumes:\n  static: {}\n" in after


def test_unordered_top_level_keys_options(tmp_path: Path) -> None:
    text = """
        x-b: &b {restart: always}
        x-a: {}
        name: site
        services:
          web:
            <<: *b
            image: nginx:1.27.2
        """
    _, diags = run(UnorderedTopLevelKeys(), tmp_path, text)
    assert diags == []
    _, diags = run(UnorderedTopLevelKeys(UnorderedTopLevelKeys.Options(sort_extensions=True)),
                   tmp_path, text)
    assert positions(diags) == [(2, 1)]
    assert diags[0].fix is not None  # x-a has no alias of x-b, moving it up is fine
    options = UnorderedTopLevelKeys.Options(order=("name", "services", "x-*"))
    _, diags = run(UnorderedTopLevelKeys(options), tmp_path, text)
    assert positions(diags) == [(3, 1)]
    assert diags[0].fix is None  # x-b would move after the alias in services


def test_unordered_top_level_keys_multi_document(tmp_path: Path) -> None:
    path, diags = run(UnorderedTopLevelKeys(), tmp_path, """
        services:
          web:
            image: nginx:1.27.2
        name: site
        ---
        services:
          web:
            environment: {A: "1"}
        """)
    assert len(diags) == 1
    after = fixed(path, diags[0])
    assert after.startswith("name: site\nservices:\n  web:\n    image: nginx:1.27.2\n---\n")


# ---------------------------------------------------------------------------
# CK127 missing-project-name
# ---------------------------------------------------------------------------


def test_missing_project_name_fix_inserts_directory_name(tmp_path: Path) -> None:
    project = tmp_path / "My Shop"
    project.mkdir()
    path = write(project, """
        x-common: &common
          restart: always
        services:
          web:
            <<: *common
            image: nginx:1.27.2
        """)
    diags = lint(MissingProjectName(), path)
    assert positions(diags) == [(1, 1)]
    assert diags[0].severity is Severity.INFO
    assert diags[0].fix is not None and not diags[0].fix.safe
    after = fixed(path, diags[0])
    assert after == ("x-common: &common\n  restart: always\nname: myshop\nservices:\n"
                     "  web:\n    <<: *common\n    image: nginx:1.27.2\n")
    Path(path).write_text(after)
    assert lint(MissingProjectName(), path) == []


def test_missing_project_name_not_for_versioned_files_or_named_overrides(tmp_path: Path) -> None:
    _, diags = run(MissingProjectName(), tmp_path, """
        version: "3.8"
        services:
          web:
            image: nginx:1.27.2
        """)
    assert diags == []
    base = write(tmp_path, """
        services:
          web:
            image: nginx:1.27.2
        """)
    override = write(tmp_path, "name: site\n", "compose.override.yaml")
    assert lint(MissingProjectName(), base, override) == []
    assert not MissingProjectName.applies_to(Runtime.STACK)


# ---------------------------------------------------------------------------
# CK128 duplicate-container-name
# ---------------------------------------------------------------------------


def test_duplicate_container_name_across_files(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          api:
            image: example/api:2.1
            container_name: backend
          worker:
            image: example/api:2.1
        """)
    override = write(tmp_path, """
        services:
          worker:
            container_name: backend
        """, "compose.override.yaml")
    diags = lint(DuplicateContainerName(), base, override)
    assert [(d.path, d.line, d.column) for d in diags] == [(override, 3, 21)]
    assert "already used by service 'api'" in diags[0].message


def test_duplicate_container_name_respects_profiles(tmp_path: Path) -> None:
    text = """
        services:
          api:
            image: example/api:2.1
            container_name: backend
          debug:
            image: example/api:2.1
            container_name: backend
            profiles: [debug]
        """
    _, diags = run(DuplicateContainerName(), tmp_path, text)
    assert diags == []
    path = str(tmp_path / "compose.yaml")
    assert positions(lint(DuplicateContainerName(), path, profiles=("debug",))) == [(7, 21)]


# ---------------------------------------------------------------------------
# CK129-CK132 unused resources
# ---------------------------------------------------------------------------


RESOURCES = """
    services:
      app:
        image: example/app:1.0
        networks:
          front: {}
        volumes:
          - data:/data
          - ./cache:/cache
          - type: volume
            source: logs
            target: /logs
        secrets:
          - token
          - source: key
            target: key.pem
        configs:
          - app_conf
        build:
          context: .
          secrets: [npm]
      tools:
        image: example/tools:1.0
        profiles: [tools]
        networks: [back]
        volumes: ["scratch:/scratch"]
        configs: [tools_conf]
      host:
        image: example/host:1.0
        network_mode: host
    networks:
      default: {}
      front: {}
      back: {}
      spare: {}
      edge:
        external: true
    volumes:
      data: {}
      logs: {}
      scratch: {}
      cache: {}
    secrets:
      token: {environment: TOKEN}
      key: {environment: KEY}
      npm: {environment: NPM}
      old: {environment: OLD}
    configs:
      app_conf: {content: "a=1"}
      tools_conf: {content: "b=2"}
      stale: {content: "c=3"}
    """


@pytest.mark.parametrize(("rule", "expected"), [
    (UnusedNetwork(), {"default": (31, 3), "spare": (34, 3), "edge": (35, 3)}),
    (UnusedVolume(), {"cache": (41, 3)}),
    (UnusedSecret(), {"old": (46, 3)}),
    (UnusedConfig(), {"stale": (50, 3)}),
])
def test_unused_resources(tmp_path: Path, rule: Rule, expected: dict[str, tuple[int, int]]
                          ) -> None:
    _, diags = run(rule, tmp_path, RESOURCES)
    found = {d.message.split("'")[1]: (d.line, d.column) for d in diags}
    assert found == expected
    assert all(d.severity is Severity.WARNING for d in diags)
    if "edge" in expected:
        assert any(d.message.startswith("External network 'edge'") for d in diags)


def test_unused_default_network_counts_implicit_use(tmp_path: Path) -> None:
    _, diags = run(UnusedNetwork(), tmp_path, """
        services:
          app:
            image: example/app:1.0
        networks:
          default:
            name: shared
        """)
    assert diags == []


def test_unused_resources_of_included_project(tmp_path: Path) -> None:
    write(tmp_path, """
        services:
          metrics:
            image: prom/prometheus:v2.54.1
            networks: [metrics]
        networks:
          metrics: {}
          unused: {}
        """, "monitoring.yaml")
    main = write(tmp_path, """
        include:
          - monitoring.yaml
        services:
          app:
            image: example/app:1.0
            networks: [metrics]
        """)
    diags = lint(UnusedNetwork(), main)
    assert [(Path(d.path).name, d.line, d.message) for d in diags] == [
        ("monitoring.yaml", 7, "Network 'unused' is declared but no service uses it")]


def test_unused_resources_ignore_extends_base_files(tmp_path: Path) -> None:
    write(tmp_path, """
        services:
          base:
            image: example/app:1.0
        volumes:
          only-in-base: {}
        """, "common.yaml")
    main = write(tmp_path, """
        services:
          app:
            extends:
              file: common.yaml
              service: base
        """)
    assert lint(UnusedVolume(), main) == []
