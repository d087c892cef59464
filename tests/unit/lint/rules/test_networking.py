"""Unit tests of the networking and ports rules (CK401-CK406), fixes included.

The behaviours the rules describe were measured with Compose v2.40.3 on Docker
Engine 20.10.24 (``docker compose up``): clashing host ports fail the second
container; ``127.0.0.1:P`` and ``127.0.0.2:P`` coexist, as do ``P/tcp`` and
``P/udp``; ports with ``network_mode: host`` are discarded with a warning;
ports or expose with ``network_mode: service:x`` are refused by the Engine;
a service only on internal networks gets no published port.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.config import build_options
from composekit.lint.context import LintContext
from composekit.lint.fix import apply_edits
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules import BY_CODE, networking
from composekit.lint.rules.networking._ports import interfaces_overlap
from composekit.lint.rules.networking.host_port_conflict import HostPortConflict
from composekit.lint.rules.networking.port_on_all_interfaces import PortOnAllInterfaces
from composekit.lint.rules.networking.ports_on_internal_network import PortsOnInternalNetwork
from composekit.lint.rules.networking.ports_with_host_network import PortsWithHostNetwork
from composekit.lint.rules.networking.ports_with_shared_network_namespace import (
    PortsWithSharedNetworkNamespace,
)
from composekit.lint.rules.networking.privileged_host_port import PrivilegedHostPort
from composekit.loader import load_project
from composekit.yamlio import parse_text


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def lint(rule: Rule, *paths: str, target: Runtime = Runtime.COMPOSE_V2,
         profiles: tuple[str, ...] = ()) -> list[Diagnostic]:
    project, _ = load_project(list(paths), profiles=profiles, environ={})
    assert project is not None
    formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
    return sorted(rule.check(LintContext(project, formats, target=target)))


def run(rule: Rule, tmp_path: Path, text: str, **kw: Any) -> tuple[str, list[Diagnostic]]:
    path = write(tmp_path, text)
    return path, lint(rule, path, **kw)


def positions(diags: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diags]


SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead:")


@pytest.mark.parametrize("rule", networking.RULES, ids=lambda r: r.code)
def test_rule_metadata_and_docs(rule: type[Rule]) -> None:
    assert BY_CODE[rule.code] is rule
    assert rule.code.startswith("CK4")
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
# CK401 host-port-conflict
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "overlap"), [
    ("", "", True), ("", "127.0.0.1", True), ("", "::1", True),
    ("0.0.0.0", "127.0.0.1", True), ("127.0.0.1", "127.0.0.2", False),
    ("127.0.0.1", "127.0.0.1", True), ("::", "::1", True), ("::", "127.0.0.1", False),
    ("0.0.0.0", "::", False), ("[::1]", "::1", True), ("::1", "fe80::1", False),
])
def test_interfaces_overlap(a: str, b: str, overlap: bool) -> None:
    assert interfaces_overlap(a, b) is overlap
    assert interfaces_overlap(b, a) is overlap


def test_host_port_conflict_across_services_ips_protocols(tmp_path: Path) -> None:
    _, diags = run(HostPortConflict(), tmp_path, """
        services:
          a:
            image: example/a:1
            ports:
              - "127.0.0.1:8080:80"
              - "5353:53/udp"
          b:
            image: example/b:1
            ports:
              - "127.0.0.2:8080:80"
              - "5353:53/tcp"
          c:
            image: example/c:1
            ports:
              - "8080:8080"
              - "127.0.0.1:5353:5353/udp"
        """)
    assert positions(diags) == [(15, 9), (16, 9)]
    assert diags[0].message == ("Host port 8080/tcp of service 'c' is already published by "
                                "service 'a' (compose.yaml:5)")
    assert diags[0].severity is Severity.ERROR


def test_host_port_conflict_ranges(tmp_path: Path) -> None:
    _, diags = run(HostPortConflict(), tmp_path, """
        services:
          a:
            image: example/a:1
            ports:
              - "127.0.0.1:9000-9005:9000-9005"
          b:
            image: example/b:1
            ports:
              - "127.0.0.1:9004-9006:8004-8006"
              - "127.0.0.1:9000-9001:80"
              - "127.0.0.1:9100-9101:80"
          c:
            image: example/c:1
            ports:
              - "127.0.0.1:9100-9101:80"
        """)
    # one finding for the clashing range entry, one for the dynamic range whose
    # every port is taken; competing dynamic ranges are not reported
    assert positions(diags) == [(9, 9), (10, 9)]
    assert "Host port 9004/tcp" in diags[0].message
    assert "Every host port of the range 9000-9001/tcp" in diags[1].message


def test_host_port_conflict_same_service_and_merged_duplicates(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          dns:
            image: coredns/coredns:1.11.3
            ports:
              - "127.0.0.1:5353:53/udp"
        """)
    override = write(tmp_path, """
        services:
          dns:
            ports:
              - "127.0.0.1:5353:53/udp"
              - "127.0.0.1:5353:5353/udp"
        """, "compose.override.yaml")
    diags = lint(HostPortConflict(), base, override)
    assert [(Path(d.path).name, d.line) for d in diags] == [("compose.override.yaml", 5)]
    assert "another entry of the same service" in diags[0].message


def test_host_port_conflict_profiles_network_mode_and_stack(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: example/a:1
            ports: ["127.0.0.1:8080:80"]
          b:
            image: example/b:1
            ports: ["127.0.0.2:8080:80"]
          debug:
            image: example/debug:1
            profiles: [debug]
            ports: ["127.0.0.1:8080:80"]
          host:
            image: example/host:1
            network_mode: host
            ports: ["127.0.0.1:8080:80"]
        """
    path, diags = run(HostPortConflict(), tmp_path, text)
    assert diags == []
    assert positions(lint(HostPortConflict(), path, profiles=("debug",))) == [(11, 13)]
    # swarm publishes on every node interface: host IPs do not separate ports
    assert positions(lint(HostPortConflict(), path, target=Runtime.STACK)) == [(7, 13)]
    assert not HostPortConflict.applies_to(Runtime.KUBERNETES)


# ---------------------------------------------------------------------------
# CK402 port-on-all-interfaces
# ---------------------------------------------------------------------------


PUBLIC = """
    services:
      db:
        image: postgres:16.4
        ports:
          - "5432:5432"       # psql
          - 6432:6432
          - "9187"
          - "0.0.0.0:9188:9188"
          - "[::]:9189:9189"
          - "127.0.0.1:9190:9190"
          - "${BIND:-0.0.0.0}:9191:9191"
          - target: 8080
            published: "8080"
            protocol: tcp
          - target: 8081
          - target: 8082
            published: 8082
            host_ip: "0.0.0.0"
          - {target: 8083, published: 8083}
    """


def test_port_on_all_interfaces_findings_and_fixes(tmp_path: Path) -> None:
    path, diags = run(PortOnAllInterfaces(), tmp_path, PUBLIC)
    assert positions(diags) == [(5, 9), (6, 9), (7, 9), (8, 9), (9, 9), (11, 9), (12, 9),
                                (15, 9), (16, 9), (19, 9)]
    assert diags[2].message == ("Container port 9187/tcp of service 'db' is published on an "
                                "ephemeral host port on all network interfaces")
    with_fix = [d for d in diags if d.fix is not None]
    assert [d.line for d in with_fix] == [5, 6, 7, 8, 9, 12, 15, 16]
    assert all(not d.fix.safe for d in with_fix)  # type: ignore[union-attr]
    text = Path(path).read_text()
    after = apply_edits(text, [e for d in with_fix for e in d.fix.edits])  # type: ignore[union-attr]
    doc, errors = parse_text(after, path)
    assert doc is not None and not errors
    for expected in ('      - "127.0.0.1:5432:5432"       # psql\n',
                     '      - "127.0.0.1:6432:6432"\n',
                     '      - "127.0.0.1::9187"\n',
                     '      - "127.0.0.1:9188:9188"\n',
                     '      - "[::1]:9189:9189"\n',
                     '      - target: 8080\n        host_ip: 127.0.0.1\n'
                     '        published: "8080"\n',
                     '      - target: 8081\n        host_ip: 127.0.0.1\n',
                     '        host_ip: "127.0.0.1"\n'):
        assert expected in after
    Path(path).write_text(after)
    left = lint(PortOnAllInterfaces(), path)
    assert positions(left) == [(11, 9), (21, 9)]  # the variable and the flow mapping


def test_port_on_all_interfaces_skips_network_mode_and_bound(tmp_path: Path) -> None:
    _, diags = run(PortOnAllInterfaces(), tmp_path, """
        services:
          exporter:
            image: prom/node-exporter:v1.8.2
            network_mode: host
            ports: ["9100:9100"]
          web:
            image: nginx:1.27.2
            ports: ["127.0.0.1:8080:80", "[::1]:8443:443"]
            expose: ["9113"]
        """)
    assert diags == []
    assert not PortOnAllInterfaces.applies_to(Runtime.STACK)


def test_port_on_all_interfaces_one_finding_per_range(tmp_path: Path) -> None:
    _, diags = run(PortOnAllInterfaces(), tmp_path, """
        services:
          web:
            image: nginx:1.27.2
            ports: ["3000-3002:3000-3002"]
        """)
    assert len(diags) == 1
    assert "Host port 3000/tcp" in diags[0].message


# ---------------------------------------------------------------------------
# CK403 privileged-host-port
# ---------------------------------------------------------------------------


def test_privileged_host_port_and_allow(tmp_path: Path) -> None:
    text = """
        services:
          proxy:
            image: nginx:1.27.2
            ports:
              - "127.0.0.1:80:80"
              - "127.0.0.1:443:443/tcp"
              - "127.0.0.1:1000-1030:1000-1030"
              - "127.0.0.1:1024:1024"
              - "127.0.0.1::22"
              - target: 53
                published: "53"
                protocol: udp
                host_ip: 127.0.0.1
        """
    path, diags = run(PrivilegedHostPort(), tmp_path, text)
    assert positions(diags) == [(5, 9), (6, 9), (7, 9), (10, 9)]
    assert all(d.severity is Severity.INFO for d in diags)
    options = build_options(PrivilegedHostPort, {"allow": [80, 443]})
    assert positions(lint(PrivilegedHostPort(options), path)) == [(7, 9), (10, 9)]
    with pytest.raises(Exception, match="allow"):
        build_options(PrivilegedHostPort, {"allow": "80"})


# ---------------------------------------------------------------------------
# CK404, CK405, CK406: ports and network modes
# ---------------------------------------------------------------------------


def test_ports_with_host_network(tmp_path: Path) -> None:
    _, diags = run(PortsWithHostNetwork(), tmp_path, """
        services:
          exporter:
            image: prom/node-exporter:v1.8.2
            network_mode: host
            ports: ["9100:9100"]
            expose: ["9100"]
          web:
            image: nginx:1.27.2
            ports: ["127.0.0.1:8080:80"]
        """)
    assert positions(diags) == [(5, 5)]
    assert "discarded" in diags[0].message
    # stack ignores network_mode (and publishes the ports): the engine skips the rule there
    assert not PortsWithHostNetwork.applies_to(Runtime.STACK)
    assert PortsWithHostNetwork.applies_to(Runtime.COMPOSE_V1)


def test_ports_with_host_network_from_override(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          exporter:
            image: prom/node-exporter:v1.8.2
            ports: ["9100:9100"]
        """)
    override = write(tmp_path, """
        services:
          exporter:
            network_mode: host
        """, "compose.override.yaml")
    diags = lint(PortsWithHostNetwork(), base, override)
    assert [(Path(d.path).name, d.line) for d in diags] == [("compose.yaml", 4)]


def test_ports_with_shared_network_namespace(tmp_path: Path) -> None:
    _, diags = run(PortsWithSharedNetworkNamespace(), tmp_path, """
        services:
          vpn:
            image: qmcgaw/gluetun:v3.39
            ports: ["127.0.0.1:8080:8080"]
          client:
            image: linuxserver/qbittorrent:4.6.7
            network_mode: service:vpn
            ports: ["127.0.0.1:8081:8081"]
            expose: ["6881"]
          sidecar:
            image: example/sidecar:1
            network_mode: container:some-container
            expose: ["9000"]
          plain:
            image: example/plain:1
            network_mode: none
        """)
    assert positions(diags) == [(8, 5), (9, 5), (13, 5)]
    assert diags[0].severity is Severity.ERROR
    assert "cannot publish ports" in diags[0].message
    assert "cannot expose ports" in diags[1].message
    assert "container 'some-container'" in diags[2].message


def test_ports_on_internal_network(tmp_path: Path) -> None:
    _, diags = run(PortsOnInternalNetwork(), tmp_path, """
        services:
          api:
            image: example/api:3.2
            networks: [backend, jobs]
            ports: ["127.0.0.1:8080:8080"]
          web:
            image: example/web:3.2
            networks: [backend, frontend]
            ports: ["127.0.0.1:8081:8081"]
          db:
            image: postgres:16.4
            networks: [backend]
        networks:
          backend:
            internal: true
          jobs:
            internal: true
          frontend: {}
        """)
    assert positions(diags) == [(5, 5)]
    assert diags[0].message == ("Ports of service 'api' are not published: its only networks "
                                "are internal ('backend', 'jobs')")


def test_ports_on_internal_default_network(tmp_path: Path) -> None:
    _, diags = run(PortsOnInternalNetwork(), tmp_path, """
        services:
          api:
            image: example/api:3.2
            ports: ["127.0.0.1:8080:8080"]
        networks:
          default:
            internal: true
        """)
    assert positions(diags) == [(4, 5)]
