"""Unit tests of the cross-reference checks (what ``docker compose config`` refuses).

Compose's verdict for each behaviour is recorded in ``fixtures/crossref/`` and checked in
``tests/integration/test_canonical_oracle.py``; here each check is pinned down with its code,
severity, message and the key path it points at.
"""

from __future__ import annotations

from typing import Any

import pytest

from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.loader.canonical import VolumesFrom, parse_volumes_from
from composekit.loader.crossref import check_references, service_references

Path = tuple[str | int, ...]


class FakeOrigin:
    """Maps a key path to a made-up position and remembers what was asked."""

    def __init__(self) -> None:
        self.asked: list[Path] = []

    def __call__(self, path: Path) -> tuple[str, Span]:
        self.asked.append(path)
        return ("override.yaml" if "web" in path else "compose.yaml"), Span(len(path) + 1, 3)


def check(config: dict[str, Any], profiles: tuple[str, ...] = ()) -> list[Diagnostic]:
    return check_references(config, FakeOrigin(), profiles=profiles)


def codes(findings: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.code, d.json_path) for d in findings]


def test_clean_project_has_no_findings() -> None:
    config = {
        "services": {
            "web": {"image": "x", "depends_on": {"api": {"condition": "service_healthy"}},
                    "networks": {"front": None, "default": None},
                    "volumes": ["data:/d", "./src:/src", "/anon",
                                {"type": "tmpfs", "target": "/t"}],
                    "secrets": ["s"], "configs": [{"source": "c", "target": "/c"}]},
            "api": {"image": "x", "links": ["db:database"], "volumes_from": ["container:z", "db"],
                    "build": {"context": ".", "secrets": ["s"]}},
            "db": {"image": "x"},
            "side": {"image": "x", "network_mode": "service:api", "ipc": "service:db"},
        },
        "networks": {"front": {}},
        "volumes": {"data": {}},
        "secrets": {"s": {"file": "./s"}},
        "configs": {"c": {"file": "./c"}},
    }
    assert check(config) == []


def test_undefined_services_in_every_kind_of_reference() -> None:
    findings = check({"services": {"web": {
        "image": "x",
        "depends_on": ["a"],
        "links": ["b:alias"],
        "volumes_from": ["c:ro", "container:not-a-service"],
        "network_mode": "service:d",
        "ipc": "service:e",
        "pid": "service:f",
        "extends": {"service": "g"},
    }}})
    assert sorted(codes(findings)) == [
        ("CK101", "$.services.web.depends_on[0]"),
        ("CK101", "$.services.web.extends.service"),
        ("CK101", "$.services.web.ipc"),
        ("CK101", "$.services.web.links[0]"),
        ("CK101", "$.services.web.network_mode"),
        ("CK101", "$.services.web.pid"),
        ("CK101", "$.services.web.volumes_from[0]"),
    ]
    assert {d.severity for d in findings} == {Severity.ERROR}
    messages = " ".join(d.message for d in findings)
    for name in "abcdefg":
        assert f'"{name}"' in messages
    assert "compose refuses the file" in findings[0].message
    assert all(d.path == "override.yaml" for d in findings)


def test_extends_with_a_file_is_left_to_the_loader() -> None:
    assert check({"services": {"web": {"image": "x",
                                       "extends": {"file": "base.yaml", "service": "b"}}}}) == []


def test_depends_on_mapping_points_at_the_key() -> None:
    findings = check({"services": {"web": {"image": "x",
                                           "depends_on": {"db": {"required": False}}}}})
    assert codes(findings) == [("CK101", "$.services.web.depends_on.db")]


def test_undefined_resources() -> None:
    findings = check({"services": {"web": {
        "image": "x",
        "networks": ["front"],
        "volumes": ["pgdata:/data", {"type": "volume", "source": "other", "target": "/o"}],
        "secrets": [{"source": "token"}],
        "configs": ["site"],
        "build": {"context": ".", "secrets": ["npmrc"]},
    }}})
    assert sorted(codes(findings)) == [
        ("CK102", "$.services.web.networks[0]"),
        ("CK103", "$.services.web.volumes[0]"),
        ("CK103", "$.services.web.volumes[1]"),
        ("CK104", "$.services.web.build.secrets[0]"),
        ("CK104", "$.services.web.secrets[0]"),
        ("CK105", "$.services.web.configs[0]"),
    ]
    assert any("undefined build secret npmrc" in d.message for d in findings)


def test_single_letter_volume_is_a_windows_drive_not_a_volume() -> None:
    assert check({"services": {"web": {"image": "x", "volumes": ["v:/data"]}}}) == []


def test_cycle_named_in_full_at_the_closing_edge() -> None:
    findings = check({"services": {
        "a": {"image": "x", "depends_on": ["b"]},
        "b": {"image": "x", "links": ["c"]},
        "c": {"image": "x", "volumes_from": ["a"]},
    }})
    assert codes(findings) == [("CK106", "$.services.c.volumes_from[0]")]
    assert "dependency cycle detected: a -> b -> c -> a" in findings[0].message
    assert "volumes_from" in findings[0].message


def test_self_cycle_and_two_separate_cycles_reported_once_each() -> None:
    findings = check({"services": {
        "a": {"image": "x", "depends_on": ["a"]},
        "b": {"image": "x", "depends_on": ["c"]},
        "c": {"image": "x", "depends_on": ["b"]},
        "d": {"image": "x", "depends_on": ["b", "c"]},
    }})
    messages = sorted(d.message.split(" (")[0] for d in findings)
    assert messages == ["dependency cycle detected: a -> a",
                        "dependency cycle detected: b -> c -> b"]


def test_cycle_through_network_mode() -> None:
    findings = check({"services": {
        "a": {"image": "x", "network_mode": "service:b"},
        "b": {"image": "x", "depends_on": ["a"]},
    }})
    assert codes(findings) == [("CK106", "$.services.b.depends_on[0]")]


def test_diamond_is_not_a_cycle() -> None:
    assert check({"services": {
        "a": {"image": "x", "depends_on": ["b", "c"]},
        "b": {"image": "x", "depends_on": ["d"]},
        "c": {"image": "x", "depends_on": ["d"]},
        "d": {"image": "x"},
    }}) == []


def test_no_services_is_only_a_warning() -> None:
    configs: list[dict[str, Any]] = [{"services": {}}, {"name": "x"}]
    for config in configs:
        findings = check(config)
        assert [(d.code, d.severity) for d in findings] == [("CK109", Severity.WARNING)]
        assert "no service selected" in findings[0].message
    findings = check({"services": {"a": {"image": "x", "profiles": ["p"]}}})
    assert [(d.code, d.severity) for d in findings] == [("CK109", Severity.WARNING)]


def test_invalid_names() -> None:
    findings = check({
        "services": {"web app": {"image": "x"}, "Ok.name_1-x": {"image": "x"}},
        "volumes": {"my data": {}},
        "secrets": {"a/b": {"file": "./x"}},
        "configs": {"c:d": {"file": "./x"}},
        "networks": {"free form": {}},
    })
    assert sorted(codes(findings)) == [
        ("CK110", "$.configs['c:d']"),
        ("CK110", "$.secrets['a/b']"),
        ("CK110", "$.services['web app']"),
        ("CK110", "$.volumes['my data']"),
    ]


def test_dependency_on_a_profile_disabled_service() -> None:
    config = {"services": {
        "web": {"image": "x", "depends_on": ["dbg"]},
        "dbg": {"image": "x", "profiles": ["debug"]},
    }}
    findings = check(config)
    assert codes(findings) == [("CK114", "$.services.web.depends_on[0]")]
    assert "debug" in findings[0].message and findings[0].severity == Severity.ERROR
    assert check(config, profiles=("debug",)) == []
    assert check(config, profiles=("*",)) == []


def test_disabled_service_depending_on_disabled_service_is_fine() -> None:
    assert check({"services": {
        "web": {"image": "x"},
        "a": {"image": "x", "profiles": ["p"], "depends_on": ["b"]},
        "b": {"image": "x", "profiles": ["p"]},
    }}) == []


def test_service_references_lists_edges_in_file_order() -> None:
    refs = list(service_references("s", {"depends_on": ["a"], "links": ["b:c", "d"],
                                         "volumes_from": ["container:x", "e:rw"],
                                         "cgroup": "service:f"}))
    assert [(r.target, r.kind, r.path[-1]) for r in refs] == [
        ("a", "depends_on", 0), ("b", "links", 0), ("d", "links", 1),
        ("e", "volumes_from", 1), ("f", "cgroup", "cgroup"),
    ]


def test_origin_is_asked_for_the_reference_path() -> None:
    origin = FakeOrigin()
    findings = check_references({"services": {"web": {"image": "x", "depends_on": ["db"]}}},
                                origin)
    assert ("services", "web", "depends_on", 0) in origin.asked
    assert findings[0].span == Span(5, 3)


def test_not_required_dependency_on_a_disabled_service_is_accepted() -> None:
    web: dict[str, Any] = {
        "image": "x", "links": ["dbg"], "volumes_from": ["dbg:ro"],
        "network_mode": "service:dbg",
        "depends_on": {"dbg": {"condition": "service_started", "required": False}},
    }
    config = {"services": {"web": web, "dbg": {"image": "x", "profiles": ["debug"]}}}
    # Compose folds links, volumes_from and service: into depends_on unless the service
    # is named there already: `required: false` covers every reference to it
    assert check(config) == []
    web["depends_on"] = {"dbg": {"condition": "service_started"}}
    assert sorted(codes(check(config))) == [
        ("CK114", "$.services.web.depends_on.dbg"),
        ("CK114", "$.services.web.links[0]"),
        ("CK114", "$.services.web.network_mode"),
        ("CK114", "$.services.web.volumes_from[0]"),
    ]


def test_not_required_only_covers_its_own_target() -> None:
    findings = check({"services": {
        "web": {"image": "x", "links": ["other"],
                "depends_on": {"dbg": {"condition": "service_started", "required": False}}},
        "dbg": {"image": "x", "profiles": ["debug"]},
        "other": {"image": "x", "profiles": ["debug"]},
    }})
    assert codes(findings) == [("CK114", "$.services.web.links[0]")]
    assert "required: false" in (findings[0].help or "")


def test_not_required_does_not_excuse_an_undefined_service() -> None:
    findings = check({"services": {"web": {
        "image": "x", "depends_on": {"db": {"condition": "service_started", "required": False}},
    }}})
    assert [(d.code, d.severity) for d in findings] == [("CK101", Severity.ERROR)]


def test_problems_in_a_disabled_service_are_warnings() -> None:
    config = {"services": {
        "web": {"image": "x"},
        "tool": {"image": "x", "profiles": ["tools", "debug"], "depends_on": ["missing"],
                 "networks": ["nonet"], "volumes": ["novol:/d"], "secrets": ["nos"],
                 "configs": ["noc"]},
    }}
    findings = check(config)
    assert sorted(d.code for d in findings) == ["CK101", "CK102", "CK103", "CK104", "CK105"]
    assert {d.severity for d in findings} == {Severity.WARNING}
    assert all('once "tool" (profiles: tools, debug) is enabled' in d.message
               for d in findings)
    enabled = check(config, profiles=("debug",))
    assert {d.severity for d in enabled} == {Severity.ERROR}
    assert all(d.message.endswith("compose refuses the file") for d in enabled)


def test_extends_of_an_undefined_service_is_an_error_even_when_disabled() -> None:
    findings = check({"services": {
        "web": {"image": "x"},
        "tool": {"image": "x", "profiles": ["tools"], "extends": "nope"},
    }})
    assert [(d.code, d.severity) for d in findings] == [("CK101", Severity.ERROR)]


def test_cycle_through_a_disabled_service_is_a_warning() -> None:
    config = {"services": {
        "web": {"image": "x",
                "depends_on": {"a": {"condition": "service_started", "required": False}}},
        "a": {"image": "x", "profiles": ["p"], "depends_on": ["web"]},
    }}
    findings = check(config)
    assert [(d.code, d.severity) for d in findings] == [("CK106", Severity.WARNING)]
    assert 'once "a" (profiles: p) is enabled' in findings[0].message
    # enabled, the optional edge still closes the cycle
    findings = check(config, profiles=("p",))
    assert [(d.code, d.severity) for d in findings] == [("CK106", Severity.ERROR)]


def test_cycle_among_enabled_services_reported_once_as_an_error() -> None:
    findings = check({"services": {
        "a": {"image": "x", "depends_on": ["b"]},
        "b": {"image": "x", "depends_on": ["a", "c"]},
        "c": {"image": "x", "profiles": ["p"], "depends_on": ["b"]},
    }})
    cycles = [d for d in findings if d.code == "CK106"]
    assert sorted((d.severity, d.message.split(" (")[0]) for d in cycles) == [
        (Severity.WARNING, "dependency cycle detected: b -> c -> b"),
        (Severity.ERROR, "dependency cycle detected: a -> b -> a"),
    ]


# --- volumes_from forms ------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "expected"), [
    ("db", VolumesFrom("service", "db", None)),
    ("db:ro", VolumesFrom("service", "db", "ro")),
    ("container:data", VolumesFrom("container", "data", None)),
    ("container:data:rw", VolumesFrom("container", "data", "rw")),
    ("service:db:ro", VolumesFrom("service", "db", "ro", explicit_service=True)),
    ("service:db", VolumesFrom("service", "service", "db")),  # as both tools read it
    ("container", VolumesFrom("service", "container", None)),
])
def test_parse_volumes_from(spec: str, expected: VolumesFrom) -> None:
    assert parse_volumes_from(spec) == expected


def test_docker_compose_1_service_form_names_the_service_and_compose_v2_refuses_it() -> None:
    findings = check({"services": {
        "db": {"image": "x"},
        "backup": {"image": "x", "volumes_from": ["service:db:ro", "service:gone:rw"]},
    }})
    assert [(d.code, d.json_path, d.origin) for d in findings] == [
        ("CK027", "$.services.backup.volumes_from[0]", "compose-v2"),
        ("CK101", "$.services.backup.volumes_from[1]", "crossref"),
    ]
    assert findings[0].message.endswith("Compose v2 refuses the file")
    assert findings[0].help is not None and '"db:ro"' in findings[0].help
    assert 'undefined service "gone"' in findings[1].message
    refs = list(service_references("backup", {"volumes_from": ["service:db:ro"]}))
    assert [(r.target, r.kind) for r in refs] == [("db", "volumes_from")]


def test_a_top_level_section_that_is_no_mapping_declares_nothing_to_check() -> None:
    findings = check({
        "services": {"db": {"image": "x", "volumes": ["data:/d"], "networks": ["back"],
                            "secrets": ["s"], "configs": ["c"]}},
        "volumes": ["data"], "networks": ["back"], "secrets": "s", "configs": ["c"],
    })
    assert findings == []  # the schema reports the sections, not each use as undefined


def test_extends_references_can_be_left_to_the_loader() -> None:
    config = {"services": {"web": {"image": "x", "extends": "nope"}}}
    assert [d.code for d in check(config)] == ["CK101"]
    assert check_references(config, FakeOrigin(), extends=False) == []
