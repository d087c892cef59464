"""Merging files with Compose v2's rules, one rule at a time, origins included.

Each rule here was checked with ``docker compose -f a -f b config --format json``
(v2.40); the end-to-end cases are in ``fixtures/loader/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from composekit.diagnostics import Span
from composekit.loader.merge import (
    MergeContext,
    Node,
    enforce_unicity,
    flatten,
    from_plain,
    from_yaml,
    go_format,
    matches,
    merge_file,
    parse_port,
    parse_volume,
    take_resets,
)
from composekit.loader.project import KeyPath, Origin
from composekit.yamlio import parse_text


def merge(*texts: str) -> tuple[Any, dict[KeyPath, Origin], MergeContext]:
    """Merge YAML texts named f0.yaml, f1.yaml, ... as -f files."""
    ctx = MergeContext()
    acc: Node | None = None
    for i, text in enumerate(texts):
        doc, diags = parse_text(text, f"f{i}.yaml")
        assert doc is not None, diags
        node = from_yaml(doc.data, f"f{i}.yaml")
        resets = take_resets(node)
        acc = merge_file(acc, node, resets, ctx)
    assert acc is not None
    plain, origins = flatten(acc)
    return plain, origins, ctx


def svc(*texts: str) -> dict[str, Any]:
    plain, _, ctx = merge(*texts)
    assert ctx.diagnostics == []
    service = plain["services"]["s"]
    assert isinstance(service, dict)
    return service


def s(body: str) -> str:
    """A file with one service ``s`` whose keys are ``body`` (indented by the caller)."""
    return "services:\n  s:\n" + body


# --- scalars, mappings, sequences ---------------------------------------------------------


def test_scalars_are_replaced_and_mappings_merged() -> None:
    out = svc(s("    image: a\n    restart: always\n    deploy: {replicas: 1, mode: x}\n"),
              s("    image: b\n    deploy: {replicas: 2}\n"))
    assert out == {"image": "b", "restart": "always", "deploy": {"replicas": 2, "mode": "x"}}


def test_a_null_override_keeps_the_base_value() -> None:
    assert svc(s("    image: a\n"), s("    image:\n"))["image"] == "a"


def test_plain_sequences_append() -> None:
    out = svc(s("    security_opt: [a]\n"), s("    security_opt: [b]\n"))
    assert out["security_opt"] == ["a", "b"]


@pytest.mark.parametrize("key", ["command", "entrypoint"])
def test_commands_are_replaced_not_appended(key: str) -> None:
    out = svc(s(f"    {key}: [a, b]\n"), s(f"    {key}: c\n"))
    assert out[key] == "c"


def test_healthcheck_test_is_replaced_the_rest_merged() -> None:
    out = svc(s("    healthcheck: {test: [CMD, a], interval: 5s}\n"),
              s("    healthcheck: {test: [CMD, b], retries: 2}\n"))
    assert out["healthcheck"] == {"test": ["CMD", "b"], "interval": "5s", "retries": 2}


# --- merged by name -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["environment", "labels", "annotations", "sysctls"])
def test_key_value_lists_and_mappings_merge_by_name(key: str) -> None:
    out = svc(s(f"    {key}: [A=1, B=2, C]\n"), s(f"    {key}: {{B: 3, C: x, D: null}}\n"))
    assert out[key] == {"A": "1", "B": 3, "C": "x", "D": None}


def test_an_override_without_value_unsets_the_base_value() -> None:
    out = svc(s("    environment: {A: '1'}\n"), s("    environment: [A]\n"))
    assert out["environment"] == {"A": None}


def test_build_args_and_labels_merge_by_name() -> None:
    out = svc(s("    build: {context: ., args: [A=1]}\n"), s("    build: {args: {B: '2'}}\n"))
    assert out["build"] == {"context": ".", "args": {"A": "1", "B": "2"}}


def test_build_string_is_a_context() -> None:
    out = svc(s("    build: {context: ./a, target: t}\n"), s("    build: ./b\n"))
    assert out["build"] == {"context": "./b", "target": "t"}


def test_depends_on_list_and_mapping_merge_with_defaults() -> None:
    out = svc(s("    depends_on: [db, cache]\n"),
              s("    depends_on: {db: {condition: service_healthy}}\n"))
    assert out["depends_on"] == {
        "db": {"condition": "service_healthy", "required": True},
        "cache": {"condition": "service_started", "required": True},
    }


def test_service_networks_merge_by_name() -> None:
    out = svc(s("    networks: [a, b]\n"), s("    networks: {b: {aliases: [x]}, c: null}\n"))
    assert out["networks"] == {"a": None, "b": {"aliases": ["x"]}, "c": None}


def test_logging_merges_when_drivers_agree() -> None:
    same = svc(s("    logging: {driver: d, options: {a: '1'}}\n"),
               s("    logging: {driver: d, options: {b: '2'}}\n"))
    assert same["logging"] == {"driver": "d", "options": {"a": "1", "b": "2"}}
    other = svc(s("    logging: {driver: d, options: {a: '1'}}\n"),
                s("    logging: {driver: e, options: {b: '2'}}\n"))
    assert other["logging"] == {"driver": "e", "options": {"b": "2"}}
    no_driver = svc(s("    logging: {options: {a: '1'}}\n"), s("    logging: {driver: e}\n"))
    assert no_driver["logging"] == {"options": {"a": "1"}, "driver": "e"}


def test_ulimits_entries_are_replaced() -> None:
    out = svc(s("    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\n"),
              s("    ulimits: {nofile: 3}\n"))
    assert out["ulimits"] == {"nofile": 3, "nproc": 5}


def test_extra_hosts_drop_exact_duplicates() -> None:
    out = svc(s("    extra_hosts: ['a:1.1.1.1']\n"),
              s("    extra_hosts: ['a:1.1.1.1', 'b:2.2.2.2']\n"))
    assert out["extra_hosts"] == ["a:1.1.1.1", "b:2.2.2.2"]


def test_dns_and_tmpfs_strings_become_lists_then_append_uniquely() -> None:
    out = svc(s("    dns: 1.1.1.1\n    tmpfs: /run\n"),
              s("    dns: [1.1.1.1, 8.8.8.8]\n    tmpfs: [/tmp]\n"))
    assert out["dns"] == ["1.1.1.1", "8.8.8.8"]
    assert out["tmpfs"] == ["/run", "/tmp"]


def test_ipam_config_merges_by_subnet() -> None:
    base = ("networks:\n  n:\n    ipam:\n      config:\n"
            "        - {subnet: 10.0.0.0/24, gateway: 10.0.0.1}\n")
    over = ("networks:\n  n:\n    ipam:\n      config:\n"
            "        - {subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}\n")
    plain, _, _ = merge(base, over)
    assert plain["networks"]["n"]["ipam"]["config"] == [
        {"subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "ip_range": "10.0.0.0/25"}]


# --- unique sequences ------------------------------------------------------------------------


def test_ports_are_unique_in_long_form_with_ranges_expanded() -> None:
    out = svc(s("    ports: ['8080:80', 3000]\n"),
              s("    ports: ['8080:80', '3000', '9000-9001:9000-9001']\n"))
    assert out["ports"] == [
        {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"},
        {"mode": "ingress", "target": 3000, "protocol": "tcp"},
        {"mode": "ingress", "target": 9000, "published": "9000", "protocol": "tcp"},
        {"mode": "ingress", "target": 9001, "published": "9001", "protocol": "tcp"},
    ]


def test_volumes_are_unique_by_cleaned_target_the_later_in_the_earlier_place() -> None:
    out = svc(s("    volumes: ['./a:/data', 'logs:/logs']\n"), s("    volumes: ['./b:/data/']\n"))
    assert [v["target"] for v in out["volumes"]] == ["/data", "/logs"]
    assert out["volumes"][0]["source"] == "./b"
    assert out["volumes"][0]["bind"] == {"create_host_path": True}


def test_secrets_are_unique_by_target() -> None:
    out = svc(s("    secrets: [a, b]\n"),
              s("    secrets: [{source: a, target: /run/secrets/a, uid: '1'}, "
                "{source: b, target: /b}]\n"))
    assert out["secrets"][0] == {"source": "a", "target": "/run/secrets/a", "uid": "1"}
    assert out["secrets"][1] == "b"
    assert out["secrets"][2] == {"source": "b", "target": "/b"}


@pytest.mark.parametrize(
    ("key", "base", "over", "result"),
    [
        ("cap_add", "[A]", "[A, B]", ["A", "B"]),
        ("expose", "[80, '81']", "['80', 82]", ["80", "81", 82]),
        ("profiles", "[p]", "[p, q]", ["p", "q"]),
        ("links", "[db]", "[db, 'db:alias']", ["db", "db:alias"]),
        ("devices", "['/dev/a:/dev/x']", "['/dev/b:/dev/x', /dev/c]", ["/dev/b:/dev/x", "/dev/c"]),
    ],
)
def test_unique_sequences(key: str, base: str, over: str, result: list[Any]) -> None:
    out = svc(s(f"    {key}: {base}\n"), s(f"    {key}: {over}\n"))
    assert out[key] == result


def test_enforce_unicity_keeps_first_place_and_last_value() -> None:
    root = from_plain({"services": {"s": {"cap_add": ["A", "B", "A"]}}})
    root.value["services"].value["s"].value["cap_add"].value[2].value = "A"
    enforce_unicity(root)
    assert root.plain() == {"services": {"s": {"cap_add": ["A", "B"]}}}


# --- !reset and !override --------------------------------------------------------------------


def test_reset_removes_and_override_replaces() -> None:
    out = svc(s("    image: a\n    ports: ['80:80']\n    environment: {A: '1'}\n"
                "    command: x\n"),
              s("    ports: !override ['81:81']\n    environment: !reset {}\n"
                "    command: !reset\n"))
    assert out["image"] == "a"
    assert [p["target"] for p in out["ports"]] == [81]
    assert "environment" not in out
    assert "command" not in out


def test_reset_in_the_first_file_just_drops_the_key() -> None:
    out = svc(s("    image: a\n    ports: !reset ['80:80']\n"))
    assert out == {"image": "a"}


def test_take_resets_lists_tagged_paths() -> None:
    doc, _ = parse_text(s("    a: !reset []\n    b: !override {x: 1}\n    c: 1\n"), "f.yaml")
    assert doc is not None
    node = from_yaml(doc.data, "f.yaml")
    paths = take_resets(node)
    assert paths == [("services", "s", "a"), ("services", "s", "b")]
    assert node.plain() == {"services": {"s": {"b": {"x": 1}, "c": 1}}}


# --- conflicts and duplicates ----------------------------------------------------------------


def test_a_mapping_overridden_by_a_list_is_a_conflict_at_the_override() -> None:
    plain, _, ctx = merge("x-a:\n  k: 1\n", "x-a:\n  - k\n")
    assert plain["x-a"] == {"k": 1}
    [diag] = ctx.diagnostics
    assert (diag.code, diag.path, diag.span.line, diag.span.column) == (
        "CK112", "f1.yaml", 1, 1)
    assert "x-a" in diag.message


def test_items_repeated_across_files_in_unique_lists_are_refused() -> None:
    _, _, ctx = merge(s("    security_opt: [a]\n"), s("    security_opt:\n      - b\n      - a\n"))
    [diag] = ctx.diagnostics
    assert (diag.code, diag.path, diag.span.line, diag.span.column) == (
        "CK021", "f1.yaml", 5, 9)
    assert "items at 0 and 2 are equal" in diag.message


def test_repeats_within_one_file_are_left_to_the_schema_check() -> None:
    _, _, ctx = merge(s("    security_opt: [a, a]\n"))
    assert ctx.diagnostics == []


# --- origins ---------------------------------------------------------------------------------


def test_every_node_keeps_the_file_and_position_it_came_from() -> None:
    base = s("    image: a\n    environment:\n      - A=1\n    ports:\n      - '80:80'\n")
    over = s("    environment:\n      B: '2'\n    ports:\n      - '81:81'\n")
    plain, origins, _ = merge(base, over)
    assert plain["services"]["s"]["environment"] == {"A": "1", "B": "2"}
    assert origins["services", "s", "environment", "A"] == Origin("f0.yaml", Span(5, 9))
    assert origins["services", "s", "environment", "B"] == Origin(
        "f1.yaml", Span(4, 10), Span(4, 7))
    assert origins["services", "s", "image"].path == "f0.yaml"
    assert origins["services", "s", "ports", 0] == Origin("f0.yaml", Span(7, 9))
    assert origins["services", "s", "ports", 1] == Origin("f1.yaml", Span(6, 9))
    assert origins["services", "s", "ports", 1, "target"] == Origin("f1.yaml", Span(6, 9))


def test_an_empty_value_points_at_its_key() -> None:
    _, origins, _ = merge("services:\n  s:\n    image: a\n    networks:\n      n:\n")
    assert origins[("services", "s", "networks", "n")].span == Span(5, 7)


# --- helpers ---------------------------------------------------------------------------------


def test_matches_with_wildcards() -> None:
    assert matches(("services", "web", "ports"), ("services", "*", "ports"))
    assert matches(("services", "web", "volumes", 0), ("services", "*", "volumes", "*"))
    assert not matches(("services", "web"), ("services", "*", "ports"))
    assert not matches(("networks", "n", "ports"), ("services", "*", "ports"))


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (1000000.0, "1e+06"), (123456.0, "123456"), (1.5, "1.5"),
     (0.00001, "1e-05"), (1234567.0, "1.234567e+06"), (-2.0, "-2"), (7, "7"), ("x", "x")],
)
def test_go_format_matches_go_fmt(value: Any, text: str) -> None:
    assert go_format(value) == text


def test_short_syntax_parsers() -> None:
    assert parse_volume("./a:/b/:ro") == {
        "type": "bind", "source": "./a", "target": "/b", "read_only": True,
        "bind": {"create_host_path": True}}
    assert parse_volume("") is None
    assert parse_port("not-a-port") is None
    ports = parse_port("98-101:98-101")
    assert ports is not None
    assert [p["target"] for p in ports] == [100, 101, 98, 99]
