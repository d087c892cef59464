"""Unit tests of the canonical form, one transform at a time.

The rules were found by running ``docker compose config --format json`` (v2.40) on small
files; the same cases, end to end, are in ``fixtures/canonical/`` and
``tests/integration/test_canonical_oracle.py``.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.loader import canonical as canonical_module
from composekit.loader.canonical import (
    CanonicalError,
    canonicalize,
    format_duration,
    json_float,
    parse_bytes,
    parse_duration,
    parse_port,
    parse_volume,
    to_json,
)
from composekit.loader.crossref import check_references

WD = "/proj"
ENV = {"HOME": "/home/me"}


def canon(
    services: dict[str, Any], environ: dict[str, str] | None = None, /, **top: Any
) -> tuple[dict[str, Any], list[Diagnostic]]:
    config = {"services": services, **top}
    return canonicalize(
        config, project_name="demo", working_dir=WD, environ={**ENV, **(environ or {})},
        profiles=(),
    )


def service(spec: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, Any]:
    result, diags = canon({"s": {"image": "x", **spec}}, environ)
    assert [d for d in diags if d.severity >= Severity.ERROR] == []
    out: dict[str, Any] = result["services"]["s"]
    return out


# --- scalars --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "nanos"),
    [("1m30s", 90 * 10**9), ("90s", 90 * 10**9), ("500ms", 5 * 10**8), ("1.5s", 15 * 10**8),
     ("2us", 2000), ("2µs", 2000), ("1h", 3600 * 10**9), ("0", 0), ("0s", 0), ("-1s", -(10**9))],
)
def test_parse_duration(text: str, nanos: int) -> None:
    assert parse_duration(text) == nanos


@pytest.mark.parametrize("text", ["", "10", "1x", "s", "1..5s", "abc"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(CanonicalError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("nanos", "text"),
    [(0, "0s"), (90 * 10**9, "1m30s"), (60 * 10**9, "1m0s"), (3600 * 10**9, "1h0m0s"),
     (3661 * 10**9 + 5 * 10**8, "1h1m1.5s"), (5 * 10**8, "500ms"), (2000, "2µs"), (7, "7ns"),
     (1500, "1.5µs"), (120 * 10**9, "2m0s"), (10**9, "1s")],
)
def test_format_duration_is_go_style(nanos: int, text: str) -> None:
    assert format_duration(nanos) == text


@pytest.mark.parametrize(
    ("value", "size"),
    [("1g", 1 << 30), ("512m", 512 << 20), ("64M", 64 << 20), ("100k", 102400),
     ("12mb", 12 << 20), ("1.5g", 3 << 29), (1000, 1000), ("2000", 2000), ("1GiB", 1 << 30)],
)
def test_parse_bytes_binary_units(value: Any, size: int) -> None:
    assert parse_bytes(value) == size


@pytest.mark.parametrize("value", ["", "1x", "g", "-1g", "\u0661g", float("inf")])
def test_parse_bytes_rejects(value: Any) -> None:
    with pytest.raises(CanonicalError):
        parse_bytes(value)


@pytest.mark.parametrize("value", [True, None, [1], {"a": 1}])
def test_parse_bytes_and_duration_refuse_shapes_with_type_error(value: Any) -> None:
    # the schema reports these; canonicalize skips them without a finding of its own
    with pytest.raises(TypeError):
        parse_bytes(value)
    with pytest.raises(TypeError):
        parse_duration(value)


# --- ports ----------------------------------------------------------------------------------


def test_port_short_forms() -> None:
    assert parse_port("8080:80") == [
        {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}
    ]
    assert parse_port("127.0.0.1:8081:81/udp") == [
        {"mode": "ingress", "host_ip": "127.0.0.1", "target": 81, "published": "8081",
         "protocol": "udp"}
    ]
    assert parse_port(90) == [{"mode": "ingress", "target": 90, "protocol": "tcp"}]
    assert parse_port("127.0.0.1::80")[0] == {
        "mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "protocol": "tcp"
    }


def test_port_ranges_expand_and_sort_as_text() -> None:
    ports = parse_port("998-1001:998-1001")
    # Compose sorts the expansion by its "port/proto" string: 1000 before 998
    assert [p["target"] for p in ports] == [1000, 1001, 998, 999]
    assert [p["published"] for p in ports] == ["1000", "1001", "998", "999"]


def test_port_host_range_for_single_container_port_stays_a_range() -> None:
    assert parse_port("8080-8081:80") == [
        {"mode": "ingress", "target": 80, "published": "8080-8081", "protocol": "tcp"}
    ]


def test_port_ipv6_host_ip() -> None:
    assert parse_port("[::1]:7000:7000")[0]["host_ip"] == "::1"
    assert parse_port("::1:83:83")[0]["host_ip"] == "::1"


@pytest.mark.parametrize(
    ("spec", "message"),
    [("80-81:90-92", "invalid ranges"), ("a:80", "invalid hostPort"),
     ("80/xyz", "invalid proto"), ("1.2.3:80:80", "invalid IP"), ("70000", "invalid containerPort"),
     ("80:", "no port specified")],
)
def test_port_errors(spec: str, message: str) -> None:
    with pytest.raises(CanonicalError, match=message):
        parse_port(spec)


def test_long_port_gets_defaults_and_string_published() -> None:
    ports = service({"ports": [{"target": 80, "published": 8080}]})["ports"]
    assert ports == [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}]


def test_bad_port_reports_with_path() -> None:
    _, diags = canon({"s": {"image": "x", "ports": ["80", "80-81:90-92"]}})
    assert [(d.code, d.json_path) for d in diags] == [("CK027", "$.services.s.ports[1]")]
    assert "invalid ranges" in diags[0].message


# --- volumes --------------------------------------------------------------------------------


def test_volume_short_bind_and_named() -> None:
    assert parse_volume("./data:/data:ro,z") == {
        "source": "./data", "target": "/data", "read_only": True,
        "bind": {"selinux": "z", "create_host_path": True}, "type": "bind",
    }
    assert parse_volume("db:/var/lib/db") == {
        "source": "db", "target": "/var/lib/db", "type": "volume", "volume": {}
    }
    assert parse_volume("/anon") == {"target": "/anon", "type": "volume", "volume": {}}


def test_volume_single_letter_source_is_a_windows_drive() -> None:
    assert parse_volume("v:/data") == {"target": "v:/data", "type": "volume", "volume": {}}
    assert parse_volume("C:/x:/y")["source"] == "C:/x"


@pytest.mark.parametrize("spec", ["", "ab::c", "/a:/b:ro:extra"])
def test_volume_errors(spec: str) -> None:
    with pytest.raises(CanonicalError):
        parse_volume(spec)


def test_volume_paths_resolved() -> None:
    mounts = service({"volumes": ["./data:/d", "../up:/u", "~/c:/c", ".:/src", "/abs:/a"]})[
        "volumes"
    ]
    assert [m["source"] for m in mounts] == ["/proj/data", "/up", "/home/me/c", "/proj", "/abs"]
    assert all(m["bind"] == {"create_host_path": True} for m in mounts)


def test_volume_long_bind_keeps_given_options_only() -> None:
    mounts = service(
        {"volumes": [
            {"type": "bind", "source": "./b", "target": "/b", "bind": {"create_host_path": False}},
            {"type": "bind", "source": "./c", "target": "/c"},
        ]}
    )["volumes"]
    assert mounts == [
        {"type": "bind", "source": "/proj/b", "target": "/b", "bind": {}},
        {"type": "bind", "source": "/proj/c", "target": "/c"},
    ]


def test_nocopy_on_a_bind_lands_in_volume_options() -> None:
    mount = service({"volumes": ["./c:/c:nocopy"]})["volumes"][0]
    assert mount["volume"] == {"nocopy": True}
    assert mount["type"] == "bind"


# --- environment, labels, files -------------------------------------------------------------


def test_environment_list_and_resolution() -> None:
    env = service(
        {"environment": ["A=1", "B", "C=", "D=x=y", "UNSET"]}, environ={"B": "from-host"}
    )["environment"]
    assert env == {"A": "1", "B": "from-host", "C": "", "D": "x=y", "UNSET": None}
    assert list(env) == sorted(env)


def test_environment_map_stringifies_scalars() -> None:
    env = service({"environment": {"I": 1, "F": 1.5, "W": 2.0, "T": True, "N": None}})[
        "environment"
    ]
    assert env == {"F": "1.5", "I": "1", "N": None, "T": "true", "W": "2"}


def _reader(files: dict[str, dict[str, str | None]]) -> Any:
    def read(path: str, environ: Any) -> tuple[dict[str, str | None], list[Diagnostic]]:
        return dict(files[path]), []

    return read


def test_env_file_inlined_with_precedence(tmp_path: Any) -> None:
    (tmp_path / "a.env").write_text("")
    (tmp_path / "b.env").write_text("")
    files: dict[str, dict[str, str | None]] = {
        str(tmp_path / "a.env"): {"X": "a", "Y": "a", "BARE": None, "GONE": None},
        str(tmp_path / "b.env"): {"Y": "b"},
    }
    result, diags = canonicalize(
        {"services": {"s": {"image": "x", "env_file": ["a.env", {"path": "b.env"},
                                                       {"path": "c.env", "required": False}],
                            "environment": {"X": "compose"}}}},
        project_name="p", working_dir=str(tmp_path), environ={"BARE": "host"}, profiles=(),
        read_env_file=_reader(files),
    )
    assert diags == []
    svc = result["services"]["s"]
    assert "env_file" not in svc
    assert svc["environment"] == {"BARE": "host", "X": "compose", "Y": "b"}


def test_missing_required_env_file_is_an_error(tmp_path: Any) -> None:
    _, diags = canonicalize(
        {"services": {"s": {"image": "x", "env_file": "nope.env"}}},
        project_name="p", working_dir=str(tmp_path), environ={}, profiles=(),
        read_env_file=_reader({}),
    )
    assert [d.code for d in diags] == ["CK000"]
    assert "nope.env not found" in diags[0].message


def test_label_file_inlined_under_labels(tmp_path: Any) -> None:
    (tmp_path / "l.txt").write_text("")
    result, _ = canonicalize(
        {"services": {"s": {"image": "x", "label_file": "l.txt", "labels": ["b=direct"]}}},
        project_name="p", working_dir=str(tmp_path), environ={}, profiles=(),
        read_env_file=_reader({str(tmp_path / "l.txt"): {"a": "1", "b": "file"}}),
    )
    svc = result["services"]["s"]
    assert svc["labels"] == {"a": "1", "b": "direct"}
    assert "label_file" not in svc


def test_labels_list_and_map() -> None:
    assert service({"labels": ["a=1", "b", "c=x=y"]})["labels"] == {"a": "1", "b": "", "c": "x=y"}
    assert service({"labels": {"n": 1, "t": True}})["labels"] == {"n": "1", "t": "true"}


# --- build, commands, healthcheck -----------------------------------------------------------


def test_build_string_and_defaults() -> None:
    result, _ = canon({"s": {"build": "./app"}})
    assert result["services"]["s"]["build"] == {"context": "/proj/app", "dockerfile": "Dockerfile"}


def test_build_args_drop_unset_and_remote_context_kept() -> None:
    build = service(
        {"build": {"context": "https://github.com/a/b.git#main", "args": ["A=1", "B", "C"]}},
        environ={"B": "bee"},
    )["build"]
    assert build == {
        "context": "https://github.com/a/b.git#main", "dockerfile": "Dockerfile",
        "args": {"A": "1", "B": "bee"},
    }


def test_command_shell_split_and_null_when_absent() -> None:
    svc = service({"command": "echo \"a b\" 'c d' e\\ f"})
    assert svc["command"] == ["echo", "a b", "c d", "e f"]
    assert svc["entrypoint"] is None
    assert service({"command": ""})["command"] == []


def test_healthcheck() -> None:
    hc = service({"healthcheck": {"test": "curl -f x", "interval": "90s", "retries": 3,
                                  "start_period": "0s"}})["healthcheck"]
    assert hc == {"test": ["CMD-SHELL", "curl -f x"], "interval": "1m30s", "retries": 3,
                  "start_period": "0s"}
    assert list(hc) == ["test", "interval", "retries", "start_period"]


# --- dependencies, networks, resources ------------------------------------------------------


def test_depends_on_forms_and_implicit_dependencies() -> None:
    result, _ = canon({
        "a": {"image": "x", "depends_on": ["b"], "links": ["c:alias"],
              "volumes_from": ["d:ro", "container:z"], "network_mode": "service:e"},
        "b": {"image": "x", "depends_on": {"c": {"condition": "service_healthy",
                                                 "required": False}}},
        "c": {"image": "x"}, "d": {"image": "x"}, "e": {"image": "x"},
    })
    assert result["services"]["a"]["depends_on"] == {
        "b": {"condition": "service_started", "required": True},
        "c": {"condition": "service_started", "restart": True, "required": True},
        "d": {"condition": "service_started", "required": True},
        "e": {"condition": "service_started", "restart": True, "required": True},
    }
    assert "networks" not in result["services"]["a"]
    assert result["services"]["b"]["depends_on"] == {
        "c": {"condition": "service_healthy", "required": False}
    }


def test_default_network_and_unused_resources() -> None:
    result, _ = canon(
        {"a": {"image": "x", "volumes": ["used:/u"], "secrets": ["s1"]}},
        volumes={"used": None, "unused": {}},
        networks={"lonely": {}},
        secrets={"s1": {"file": "./s"}, "s2": {"file": "./t"}},
    )
    assert result["networks"] == {"default": {"name": "demo_default", "ipam": {}}}
    assert result["volumes"] == {"used": {"name": "demo_used"}}
    assert result["secrets"] == {"s1": {"name": "demo_s1", "file": "/proj/s"}}
    assert result["services"]["a"]["networks"] == {"default": None}


def test_external_resources_and_legacy_name_warning() -> None:
    result, diags = canon(
        {"a": {"image": "x", "networks": ["ext", "old"]}},
        networks={"ext": {"external": True}, "old": {"external": {"name": "real"}}},
    )
    assert result["networks"]["ext"] == {"name": "ext", "ipam": {}, "external": True}
    assert result["networks"]["old"] == {"name": "real", "ipam": {}, "external": True}
    assert [(d.code, d.severity) for d in diags] == [("CK116", Severity.WARNING)]


def test_profiles_filter_services_and_their_resources() -> None:
    config = {"services": {"a": {"image": "x"},
                           "dbg": {"image": "x", "profiles": ["debug"], "volumes": ["vol:/v"]}},
              "volumes": {"vol": {}}}
    off, _ = canonicalize(config, project_name="p", working_dir=WD, environ={})
    assert list(off["services"]) == ["a"] and "volumes" not in off
    on, _ = canonicalize(config, project_name="p", working_dir=WD,
                         environ={"COMPOSE_PROFILES": "debug"})
    assert list(on["services"]) == ["a", "dbg"] and on["volumes"] == {"vol": {"name": "p_vol"}}


def test_conflicting_options_are_reported() -> None:
    _, diags = canon({
        "a": {"image": "x", "network_mode": "host", "networks": ["n"]},
        "b": {"image": "x", "mem_limit": "1g", "deploy": {"resources": {"limits": {"cpus": 1}}}},
        "c": {"image": "x", "scale": 2, "deploy": {"replicas": 3}},
        "d": {"command": "true"},
    }, networks={"n": {}})
    assert sorted((d.code, d.json_path) for d in diags) == [
        ("CK028", "$.services.d"),
        ("CK115", "$.services.a.network_mode"),
        ("CK115", "$.services.b.mem_limit"),
        ("CK115", "$.services.c.scale"),
    ]
    assert all("compose refuses" in d.message for d in diags)


def test_origin_callable_positions_diagnostics() -> None:
    seen: list[tuple[str | int, ...]] = []

    def origin(path: tuple[str | int, ...]) -> tuple[str, Span]:
        seen.append(path)
        return "over.yaml", Span(7, 5)

    _, diags = canonicalize({"services": {"s": {"image": "x", "ports": ["x:y"]}}},
                            project_name="p", working_dir=WD, environ={}, origin=origin)
    assert seen == [("services", "s", "ports", 0)]
    assert (diags[0].path, diags[0].span) == ("over.yaml", Span(7, 5))


# --- numbers, ordering, output --------------------------------------------------------------


def test_sizes_durations_and_float32() -> None:
    svc = service({"mem_limit": "1g", "shm_size": 1000, "cpus": 0.333333333,
                   "stop_grace_period": "1m", "ulimits": {"nproc": 10,
                                                          "nofile": {"soft": 1, "hard": 2}}})
    assert svc["mem_limit"] == "1073741824"
    assert svc["shm_size"] == "1000"
    assert svc["cpus"] == 0.33333334
    assert svc["stop_grace_period"] == "1m0s"
    assert svc["ulimits"] == {"nofile": {"soft": 1, "hard": 2}, "nproc": 10}


def test_zero_values_omitted_but_pointer_fields_kept() -> None:
    svc = service({"privileged": False, "init": False, "attach": False, "cap_add": [],
                   "read_only": False})
    assert "privileged" not in svc and "cap_add" not in svc and "read_only" not in svc
    assert svc["init"] is False and svc["attach"] is False


def test_service_keys_follow_compose_order() -> None:
    svc = service({"volumes": ["/a"], "cpus": 1, "command": "x", "build": "."})
    assert list(svc) == ["build", "cpus", "command", "entrypoint", "image", "networks", "volumes"]


def test_extra_hosts_sorted_pairs() -> None:
    assert service({"extra_hosts": ["b:1.1.1.1", "a=2.2.2.2", "m:1.1.1.1,2.2.2.2", "v6:::1"]})[
        "extra_hosts"
    ] == ["a=2.2.2.2", "b=1.1.1.1", "m=1.1.1.1", "m=2.2.2.2", "v6=::1"]
    assert service({"extra_hosts": {"h": ["1.1.1.1", "::1"]}})["extra_hosts"] == [
        "h=1.1.1.1", "h=::1"
    ]


def test_dollars_escaped_in_keys_and_values_and_extensions_kept_at_top_only() -> None:
    result, _ = canon({"s": {"image": "x", "labels": {"k$1": "v$2"}, "x-drop": 1}},
                      **{"x-keep": "a$b"})
    assert result["services"]["s"]["labels"] == {"k$$1": "v$$2"}
    assert "x-drop" not in result["services"]["s"]
    assert result["x-keep"] == "a$$b"
    assert list(result) == ["name", "networks", "services", "x-keep"]


def test_numbers_become_strings_as_go_percent_v_writes_them() -> None:
    svc = service({
        "environment": {"M": 1000000.0, "S": 1234567.0, "K": 123456.0, "E": 0.00001,
                        "Z": -0.0, "I": float("inf"), "B": 12345678901234567890},
        "labels": {"l": 1e6}, "sysctls": {"s": 2e6},
        "build": {"context": ".", "args": {"A": 3e6}},
        "logging": {"options": {"o": 4e6}},
    })
    assert svc["environment"] == {"B": "12345678901234567890", "E": "1e-05", "I": "+Inf",
                                  "K": "123456", "M": "1e+06", "S": "1.234567e+06", "Z": "-0"}
    assert svc["labels"] == {"l": "1e+06"}
    assert svc["sysctls"] == {"s": "2e+06"}
    assert svc["build"]["args"] == {"A": "3e+06"}
    assert svc["logging"]["options"] == {"o": "4e+06"}


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.00001, "0.00001"), (1e-6, "0.000001"), (1e-7, "1e-7"), (5e-324, "5e-324"),
     (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.2345678901234569e23,
     "1.2345678901234569e+23"), (1000000.0, "1000000"), (-0.0, "-0"), (0.5, "0.5"),
     (-9223372036854775808.0, "-9223372036854776000")],
)
def test_json_floats_as_go_encoding_json(value: float, text: str) -> None:
    assert json_float(value) == text
    assert to_json([value]) == f"[\n  {text}\n]"


def test_extensions_are_printed_with_maps_sorted() -> None:
    result, _ = canon({"s": {"image": "x"}}, **{"x-e": {"b": 1, "a": {"d": [{"z": 1, "y": 2}],
                                                                        "c": 0}}})
    assert to_json(result["x-e"]) == to_json({"a": {"c": 0, "d": [{"y": 2, "z": 1}]}, "b": 1})
    assert list(result["x-e"]) == ["a", "b"]


def test_to_json_matches_go_encoder() -> None:
    text = to_json({"a": "<&>", "b": "é", "c": [1, 0.5], "d": None})
    assert text == (
        '{\n  "a": "\\u003c\\u0026\\u003e",\n  "b": "é",\n  "c": [\n    1,\n    0.5\n  ],\n'
        '  "d": null\n}'
    )


# --- shapes and values Compose refuses --------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [{"services": "x"}, {"services": []}, {"services": {"s": "x"}}, {"services": {"s": None}},
     {"services": {"s": {"image": "x"}}, "volumes": 3},
     {"services": {"s": {"image": "x", "env_file": 3}}},
     {"services": {"s": {"image": "x", "env_file": [{"path": 3}, 4]}}},
     {"services": {"s": {"image": "x", "networks": ["n"]}}, "networks": {"n": {"ipam": {
         "config": "x"}}}},
     {"services": {"s": {"image": "x", "networks": ["n"]}}, "networks": {"n": 3}},
     {"services": {"s": {"image": "x", "profiles": 3}}},
     {"services": {"s": {"image": "x", "ports": [[1], True], "depends_on": {"db": 1},
                         "environment": [["a"]], "volumes": [1], "cpus": [1],
                         "mem_limit": True, "stop_grace_period": 1.5,
                         "healthcheck": {"interval": [1]}, "deploy": "x", "ulimits": [1]}}},
     {"services": {"s": {"build": 3}}},
     {"services": {"s": {"image": "x", 3: "int key", "labels": {"a": {"b": 1}}}}}],
)
def test_shapes_the_schema_refuses_are_skipped_without_a_finding(config: dict[Any, Any]) -> None:
    result, diags = canonicalize(config, project_name="p", working_dir=WD, environ=ENV,
                                 profiles=())
    assert diags == []
    assert result["name"] == "p" and isinstance(result["services"], dict)


@pytest.mark.parametrize(
    ("spec", "message"),
    [({"extra_hosts": ["nohost"]}, "invalid additional host, missing IP: nohost"),
     ({"extra_hosts": ["=1.2.3.4"]}, "bad host name"),
     ({"secrets": [{"source": "s", "mode": "abc"}]}, 'parsing "abc": invalid syntax'),
     ({"cpus": "abc"}, 'cpus: cannot parse "abc" as a number'),
     ({"cpu_shares": "abc"}, "cpu_shares must be an integer"),
     ({"healthcheck": {"interval": "10x"}}, "invalid duration"),
     ({"command": "echo 'open"}, "cannot split command line")],
)
def test_values_compose_refuses_with_its_own_message(spec: dict[str, Any], message: str) -> None:
    _, diags = canon({"s": {"image": "x", **spec}}, secrets={"s": {"file": "./s"}})
    assert [d.code for d in diags] == ["CK027"]
    assert message in diags[0].message
    assert not diags[0].message.startswith(f"{next(iter(spec))}: {next(iter(spec))}")


# --- any shape: never an exception ----------------------------------------------------------
# The loader hands canonicalize whatever the files hold; shapes the schema refuses must be
# skipped (the schema findings say what is wrong), never raise.

_LAYOUTS = [value for name, value in vars(canonical_module).items()
            if name.isupper() and isinstance(value, tuple)
            and all(isinstance(f, tuple) and len(f) == 2 for f in value)]
#: every key the canonical form knows, at any level, plus a few that only some handlers read
_VOCABULARY = sorted(
    {key for layout in _LAYOUTS for key, _ in layout}
    | {"services", "networks", "volumes", "secrets", "configs", "x-ext", "required", "path",
       "condition", "aliases", "external", "nocopy", "propagation", "size", "mode", "weight",
       "rate", "test", "watch", "exec", "default", "s", "n"}
)
_TEXTS = st.sampled_from([
    "", "a", "n", "s", "default", "80", "8080:80", "127.0.0.1:80:80/udp", "80-81:90-91",
    "./d:/d:ro", "n:/data", "/anon", "v:/x", "~/x", "1g", "512m", "1m30s", "0", "10x",
    "service:s", "container:c", "host", "A=1", "KEY", "a:b:c", "x$y", "true", "on", "all",
    "echo 'unterminated", "[::1]:80:80", "h:1.2.3.4",
]) | st.text(max_size=8)
_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
            | st.floats() | _TEXTS)
_KEYS = st.sampled_from(_VOCABULARY) | st.text(max_size=4)
_ODD_KEYS = _KEYS | st.integers(-3, 3) | st.booleans() | st.none()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(_KEYS, inner, max_size=5)
    | st.dictionaries(_ODD_KEYS, inner, max_size=3),
    max_leaves=16,
)
_SERVICE_KEYS = [key for key, _ in canonical_module.SERVICE]
_SERVICE = st.dictionaries(st.sampled_from(_SERVICE_KEYS) | _KEYS, _VALUES, max_size=8)
#: a service that uses resource "n" of every kind, so that the resources are canonicalized
_USER = {"image": "x", "networks": ["n"], "volumes": ["n:/d"], "secrets": ["n"],
         "configs": ["n"], "build": {"context": ".", "secrets": ["n"]}}
#: places deep inside a service or a resource where a random value goes
_DEEP: list[tuple[str | int, ...]] = [
    ("services", "s", *path) for path in (
        ("build",), ("build", "args"), ("build", "secrets"), ("build", "secrets", 0),
        ("build", "ulimits", "nofile"), ("build", "ssh"), ("build", "additional_contexts"),
        ("build", "extra_hosts"), ("deploy",), ("deploy", "resources"),
        ("deploy", "resources", "limits"), ("deploy", "resources", "reservations", "devices"),
        ("deploy", "resources", "reservations", "devices", 0), ("deploy", "update_config"),
        ("deploy", "restart_policy"), ("deploy", "placement"), ("healthcheck",),
        ("healthcheck", "test"), ("develop", "watch"), ("develop", "watch", 0),
        ("develop", "watch", 0, "exec"), ("blkio_config", "weight_device"),
        ("blkio_config", "device_read_bps", 0), ("ports", 0), ("volumes", 0),
        ("volumes", 0, "bind"), ("volumes", 0, "tmpfs"), ("volumes", 0, "volume"),
        ("depends_on", "n"), ("networks", "n"), ("logging", "options"), ("ulimits", "nofile"),
        ("extra_hosts",), ("secrets", 0), ("configs", 0, "mode"), ("gpus", 0), ("post_start", 0),
        ("env_file", 0), ("label_file", 0), ("devices", 0), ("extends",), ("credential_spec",),
        ("environment",), ("command",), ("profiles",), ("links",), ("volumes_from",),
        ("network_mode",), ("cpus",), ("mem_limit",), ("scale",), ("stop_grace_period",),
    )
] + [
    (section, "n", *path) for section in ("networks", "volumes", "secrets", "configs")
    for path in ((), ("external",), ("name",), ("labels",), ("driver_opts",), ("ipam",),
                 ("ipam", "config"), ("ipam", "config", 0), ("file",))
]


def _nest(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A project that uses resource ``n`` of every kind, with ``value`` at ``path``."""
    config: dict[str, Any] = {"services": {"s": {"image": "x"}, "u": copy.deepcopy(_USER)},
                              "networks": {"n": {}}, "volumes": {"n": {}},
                              "secrets": {"n": {"file": "./s"}}, "configs": {"n": {"file": "./c"}}}
    holder: Any = config
    for part, following in zip(path, [*path[1:], None], strict=True):
        if following is None:
            break
        default: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            if not holder:
                holder.append({"type": "volume", "target": "/t"} if path[2] == "volumes"
                              else default)
            holder = holder[0]
        else:
            if not isinstance(holder.get(part), dict | list):
                holder[part] = default
            holder = holder[part]
    last = path[-1]
    if isinstance(last, int):
        holder.append(value)
    else:
        holder[last] = value
    return config


_CONFIGS = (
    st.dictionaries(st.sampled_from(["services", "networks", "volumes", "secrets", "configs",
                                     "name", "x-a", "include"]) | _KEYS, _VALUES, max_size=6)
    | st.builds(lambda v: {"services": v}, _VALUES)
    | st.builds(lambda s: {"services": {"s": s, "t": {"image": "y"}}}, _SERVICE)
    | st.builds(lambda s, t: {"services": {"s": s, "t": t}}, _SERVICE, _SERVICE)
    | st.builds(lambda section, res: {"services": {"u": _USER}, section: {"n": res}},
                st.sampled_from(["networks", "volumes", "secrets", "configs"]), _VALUES)
    | st.builds(lambda section, res: {"services": {"u": _USER}, section: res},
                st.sampled_from(["networks", "volumes", "secrets", "configs"]), _VALUES)
    | st.builds(_nest, st.sampled_from(_DEEP), _VALUES)
)
#: more with COMPOSEKIT_FUZZ_EXAMPLES=20000 (a few minutes)
_EXAMPLES = int(os.environ.get("COMPOSEKIT_FUZZ_EXAMPLES", "400"))


def _origin(path: tuple[str | int, ...]) -> tuple[str, Span]:
    return "compose.yaml", Span(1, 1)


@settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CONFIGS, st.sampled_from([(), ("p",), ("*",)]))
def test_any_shape_never_raises(config: dict[Any, Any], profiles: tuple[str, ...]) -> None:
    result, diags = canonicalize(config, project_name="p", working_dir="/nowhere",
                                 environ={"HOME": "/home/me"}, profiles=profiles,
                                 origin=_origin)
    assert isinstance(result, dict) and result["name"] == "p"
    assert isinstance(result["services"], dict)
    to_json(result)
    assert all(isinstance(d, Diagnostic) for d in diags)
    check_references(config, _origin, profiles=profiles)


# --- refusals only Compose v2 makes, and what an unresolved extends leaves out -----------------


@pytest.mark.parametrize(("blkio", "where"), [
    ({"weight": "300"}, "$.services.s.blkio_config.weight"),
    ({"weight_device": [{"path": "/dev/sda", "weight": "300"}]},
     "$.services.s.blkio_config.weight_device[0].weight"),
])
def test_a_blkio_weight_string_is_a_compose_v2_refusal(blkio: dict[str, Any], where: str) -> None:
    _, diags = canon({"s": {"image": "x", "blkio_config": blkio}})
    assert [(d.code, d.json_path, d.origin) for d in diags] == [("CK027", where, "compose-v2")]
    assert diags[0].message.startswith("blkio_config.weight")
    assert diags[0].message.endswith("Compose v2 refuses the file")
    assert service({"blkio_config": {"weight": 300}})["blkio_config"]["weight"] == 300


def test_an_unresolved_extends_is_not_a_missing_image() -> None:
    _, diags = canon({"s": {"extends": {"service": "gone"}}, "t": {"ports": ["80:80"]}})
    assert [(d.code, d.json_path) for d in diags] == [("CK028", "$.services.t")]


def test_volumes_from_of_docker_compose_1_form_depends_on_the_service() -> None:
    deps = service({"volumes_from": ["service:db:ro", "container:c", "api"]})["depends_on"]
    assert sorted(deps) == ["api", "db"]
