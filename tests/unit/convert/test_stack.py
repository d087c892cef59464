"""``composekit convert --to stack``: each mapping, the report (kinds, files, lines, source
lines), ``--strict``, the version choice, the YAML written, the CLI, the mapping table and
its generated page, and the golden fixtures under ``fixtures/convert_stack/<case>/``.

Golden files: ``expected.stack.yaml`` (the stack file) and ``expected.report.txt`` (the
report, paths relative to the case directory). ``options.yaml`` of a case gives the file to
convert (default ``compose.yaml``), the process environment (``environ``; the test's own is
never used), ``env_files``, ``profiles`` and the :class:`StackOptions` (``options``).
Regenerate them with ``COMPOSEKIT_REGEN_GOLDEN=1 pytest tests/unit/convert/test_stack.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import oracles
import pytest
import yaml
from typer.testing import CliRunner

from composekit.catalog import FORMATS, Family, root
from composekit.catalog import key as catalogue_key
from composekit.cli import app
from composekit.convert.report import Kind
from composekit.convert.stack import (
    DEFAULT_CAP,
    StackOptions,
    StackResult,
    Treatment,
    convert_stack,
    mapping_table,
    stack_cap,
)
from composekit.convert.stack_doc import render_markdown
from composekit.convert.stack_report import StackEntry
from composekit.diagnostics import Severity
from composekit.errors import UsageError
from composekit.schema import validate_tree
from composekit.yamlio import parse_text

ROOT = Path(__file__).resolve().parents[3]
CASES_DIR = ROOT / "fixtures" / "convert_stack"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "compose.yaml").exists()
               or (p / "options.yaml").exists())
REGEN = os.environ.get("COMPOSEKIT_REGEN_GOLDEN") == "1"


# --- helpers ----------------------------------------------------------------------------------


def convert(tmp_path: Path, text: str, *, environ: dict[str, str] | None = None,
            files: dict[str, str] | None = None, profiles: tuple[str, ...] = (),
            out_dir: Path | bool | None = True, **options: Any) -> StackResult:
    """Convert ``text`` written to ``tmp_path/compose.yaml`` (plus ``files``)."""
    (tmp_path / "compose.yaml").write_text(text)
    for name, body in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    where = str(tmp_path) if out_dir is True else (str(out_dir) if out_dir else None)
    return convert_stack([str(tmp_path / "compose.yaml")], environ=environ or {},
                         profiles=profiles, options=StackOptions(out_dir=where, **options))


def entries(result: StackResult, kind: Kind | None = None) -> list[StackEntry]:
    out = [e for e in result.report.sorted() if kind is None or e.kind is kind]
    assert all(isinstance(e, StackEntry) for e in out)
    return out  # type: ignore[return-value]


def messages(result: StackResult, kind: Kind | None = None) -> list[str]:
    return [e.message for e in entries(result, kind)]


def one(result: StackResult, fragment: str, kind: Kind | None = None) -> StackEntry:
    found = [e for e in entries(result, kind) if fragment in e.message]
    assert len(found) == 1, (fragment, messages(result))
    return found[0]


def service(result: StackResult, name: str) -> dict[str, Any]:
    assert result.data is not None, result.diagnostics
    svc = result.data["services"][name]
    assert isinstance(svc, dict)
    return svc


def assert_valid(result: StackResult) -> None:
    """The text parses, declares the chosen version and is valid for it."""
    assert result.ok, [d.message for d in result.diagnostics if d.severity >= Severity.ERROR]
    assert result.text is not None and result.version is not None
    doc, diags = parse_text(result.text, "stack.yaml")
    assert doc is not None and not diags
    assert doc.data["version"] == result.version.version
    assert validate_tree(doc.data, "stack.yaml", result.version) == []
    # What is written is what the result holds.
    assert yaml.safe_load(result.text) == json.loads(json.dumps(result.data))


# --- restart, resources, replicas -------------------------------------------------------------


@pytest.mark.parametrize(("restart", "policy"), [
    ("always", {"condition": "any"}),
    ("unless-stopped", {"condition": "any"}),
    ("on-failure", {"condition": "on-failure"}),
    ("on-failure:3", {"condition": "on-failure", "max_attempts": 3}),
    ('"no"', {"condition": "none"}),
])
def test_restart_becomes_the_restart_policy(tmp_path: Path, restart: str,
                                            policy: dict[str, Any]) -> None:
    result = convert(tmp_path, f"services:\n  app:\n    image: a:1\n    restart: {restart}\n")
    assert_valid(result)
    assert service(result, "app") == {"image": "a:1", "deploy": {"restart_policy": policy}}
    entry = one(result, "deploy.restart_policy", Kind.REWRITE)
    assert (entry.line, entry.column, entry.key) == (4, 5, "services.*.restart")
    assert entry.source == f"    restart: {restart}"
    assert not entries(result, Kind.LOSS)


def test_restart_against_an_existing_restart_policy(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  same:
    image: a:1
    restart: on-failure
    deploy: {restart_policy: {condition: on-failure}}
  differs:
    image: a:1
    restart: always
    deploy: {restart_policy: {condition: none}}
""")
    assert_valid(result)
    assert service(result, "same")["deploy"]["restart_policy"] == {"condition": "on-failure"}
    assert service(result, "differs")["deploy"]["restart_policy"] == {"condition": "none"}
    assert one(result, "says the same", Kind.REWRITE).line == 4
    assert one(result, "differs from `deploy.restart_policy`", Kind.LOSS).line == 8


def test_a_service_without_restart_is_reported(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: a:1\n")
    entry = one(result, "has no `restart`", Kind.REWRITE)
    assert (entry.line, entry.column, entry.key) == (2, 3, "services.*.restart")
    assert "condition: any" in entry.message


def test_resources_move_under_deploy(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  app:
    image: a:1
    mem_limit: 1536m
    mem_reservation: 1000000
    cpus: 0.75
    scale: 3
    cpu_shares: 512
""")
    assert_valid(result)
    assert service(result, "app")["deploy"] == {
        "resources": {"limits": {"memory": "1536M", "cpus": "0.75"},
                      "reservations": {"memory": "1000000B"}},
        "replicas": 3,
    }
    assert result.version is not None and result.version.version == "3.0"
    assert one(result, "`mem_limit` is", Kind.REWRITE).line == 4
    assert one(result, "`cpus` is `deploy.resources.limits.cpus: \"0.75\"`").line == 6
    assert one(result, "`scale` is `deploy.replicas: 3`").line == 7
    loss = one(result, "`cpu_shares` is dropped", Kind.LOSS)
    assert loss.line == 8 and loss.help == "Use `deploy.resources`"


def test_cpu_quota_is_folded_with_its_period(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: a:1\n    cpu_quota: 25000\n"
                               "    cpu_period: 50000\n")
    assert_valid(result)
    assert service(result, "app")["deploy"]["resources"]["limits"]["cpus"] == "0.5"
    assert [e.line for e in entries(result, Kind.REWRITE) if "cpu_" in e.message] == [4, 5]


def test_pids_limit_needs_an_engine_with_3_9(tmp_path: Path) -> None:
    text = "services:\n  app:\n    image: a:1\n    pids_limit: 100\n"
    default = convert(tmp_path, text)
    assert_valid(default)
    assert "deploy" not in service(default, "app")
    loss = one(default, "`pids_limit` is dropped", Kind.LOSS)
    assert "needs 3.9 / Docker Engine 20.10.0 and the target is 3.8" in loss.message
    assert loss.help is not None and "--engine 20.10.0" in loss.help
    newer = convert(tmp_path, text, engine="20.10.24")
    assert_valid(newer)
    assert newer.version is not None and newer.version.version == "3.9"
    assert service(newer, "app")["deploy"] == {"resources": {"limits": {"pids": 100}}}
    assert newer.version_reasons == [
        "`services.app.deploy.resources.limits.pids` needs 3.9 / Engine 20.10.0"]


def test_scale_of_a_global_service_is_a_loss(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: a:1\n    scale: 2\n"
                               "    deploy: {mode: global}\n")
    assert_valid(result)
    assert service(result, "app")["deploy"] == {"mode": "global"}
    assert one(result, "global service", Kind.LOSS).line == 4


def test_deploy_values_are_written_in_3x_form(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  app:
    image: a:1
    deploy:
      replicas: 2
      resources:
        limits: {cpus: 2, memory: 2147483648}
        reservations: {cpus: 0.25, memory: 64m}
      placement: {max_replicas_per_node: 1}
""")
    assert_valid(result)
    assert service(result, "app")["deploy"] == {
        "replicas": 2,
        "resources": {"limits": {"cpus": "2", "memory": "2G"},
                      "reservations": {"cpus": "0.25", "memory": "64M"}},
        "placement": {"max_replicas_per_node": 1},
    }
    assert result.version is not None and result.version.version == "3.8"
    assert result.version_reasons == [
        "`services.app.deploy.placement.max_replicas_per_node` needs 3.8 / Engine 19.03.0"]


# --- build and images -------------------------------------------------------------------------


def test_build_with_image_runs_the_image(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: reg/app:2\n    build: .\n"
                               "    pull_policy: build\n", files={"Dockerfile": "FROM x\n"})
    assert_valid(result)
    assert service(result, "app") == {"image": "reg/app:2"}
    entry = one(result, "does not build", Kind.REWRITE)
    assert entry.line == 4 and entry.help == "docker build -t reg/app:2 . && docker push reg/app:2"
    assert one(result, "pull_policy: build", Kind.REWRITE).line == 5


def test_build_without_image_is_an_error(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    build: ./app\n",
                     files={"app/Dockerfile": "FROM x\n"})
    assert not result.ok
    [error] = result.errors
    assert (error.code, error.severity, error.span.line) == ("CK030", Severity.ERROR, 3)
    assert "names no `image`" in error.message and "--image-prefix" in (error.help or "")


@pytest.mark.parametrize(("options", "image"), [
    ({"image_prefix": "registry.example.com/team"}, "registry.example.com/team/shop-app:latest"),
    ({"image_prefix": "registry.example.com/team/", "tag": "1.4"},
     "registry.example.com/team/shop-app:1.4"),
    ({"tag": "dev"}, "shop-app:dev"),
])
def test_an_image_is_derived_for_a_built_service(tmp_path: Path, options: dict[str, str],
                                                 image: str) -> None:
    result = convert(tmp_path, "name: shop\nservices:\n  app:\n    build: ./app\n",
                     files={"app/Dockerfile": "FROM x\n"}, **options)
    assert_valid(result)
    assert service(result, "app")["image"] == image
    entry = one(result, "derived from --image-prefix/--tag", Kind.REWRITE)
    assert entry.line == 4 and entry.help == f"docker build -t {image} ./app && docker push {image}"


@pytest.mark.parametrize(("policy", "kind"), [("always", Kind.LOSS), ("missing", Kind.REWRITE),
                                              ("never", Kind.LOSS)])
def test_pull_policy(tmp_path: Path, policy: str, kind: Kind) -> None:
    result = convert(tmp_path, f"services:\n  app:\n    image: a:1\n    pull_policy: {policy}\n")
    assert_valid(result)
    assert one(result, f"`pull_policy: {policy}`").kind is kind


# --- names, links, order ----------------------------------------------------------------------


def test_container_name_and_link_aliases_become_network_aliases(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  db:
    image: postgres:16
    container_name: main-db
  cache:
    image: redis:7
    container_name: cache
  web:
    image: a:1
    links: ["db:database", cache]
    networks: [front, default]
networks:
  front: {}
""")
    assert_valid(result)
    assert service(result, "db")["networks"] == {"default": {"aliases": ["main-db", "database"]}}
    assert "networks" not in service(result, "cache")
    assert service(result, "web")["networks"] == ["default", "front"]
    assert "network alias" in one(result, "container_name: main-db").message
    assert one(result, "reached as 'cache' already").line == 7
    assert "`database` of 'db'" in one(result, "`links` is left out").message
    # links imply depends_on in Compose; that is not reported again
    assert not [m for m in messages(result) if "depends_on" in m]


def test_long_form_depends_on_is_a_loss_at_its_line(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  db:
    image: postgres:16
  web:
    image: a:1
    depends_on:
      db:
        condition: service_healthy
""")
    assert_valid(result)
    assert "depends_on" not in service(result, "web")
    loss = one(result, "`depends_on` (db) is dropped", Kind.LOSS)
    assert (loss.line, loss.column, loss.source) == (6, 5, "    depends_on:")
    assert "does not wait for 'db' to be healthy" in loss.message
    assert loss.help is not None and "retry" in loss.help


def test_keys_merged_from_an_anchor(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
x-base: &base
  restart: always
services:
  a:
    <<: *base
    image: a:1
  b:
    <<: *base
    image: b:1
""")
    assert_valid(result)
    # Compose places a merged key at the merge key (`<<`) of each service.
    assert [e.line for e in entries(result) if e.transform == "restart"] == [5, 8]
    assert one(result, "`x-base` is left out", Kind.REWRITE).line == 1


def test_extends_profiles_and_expose(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  base:
    image: a:1
    expose: ["80"]
  app:
    extends: base
    profiles: [web]
  debug:
    image: d:1
    profiles: [debug]
""", profiles=("web",))
    assert_valid(result)
    assert set(result.data["services"]) == {"base", "app"}  # type: ignore[index]
    assert "expose" not in service(result, "app") and "profiles" not in service(result, "app")
    assert one(result, "`extends` is resolved").line == 6
    assert one(result, "service 'debug' is not in the stack").line == 8
    assert one(result, "the service's profile is active").line == 7
    assert all(e.kind is Kind.REWRITE for e in entries(result))


# --- networks ---------------------------------------------------------------------------------


def test_network_mode_host_and_none(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  mon:
    image: a:1
    network_mode: host
    ports: ["9100:9100"]
  box:
    image: b:1
    network_mode: none
  side:
    image: c:1
    network_mode: "service:mon"
""")
    assert_valid(result)
    assert service(result, "mon") == {"image": "a:1", "networks": ["hostnet"]}
    assert service(result, "box")["networks"] == ["nonet"]
    assert "networks" not in service(result, "side")
    assert result.data is not None and result.data["networks"] == {
        "hostnet": {"external": True, "name": "host"},
        "nonet": {"external": True, "name": "none"}}
    assert result.version is not None and result.version.version == "3.5"
    assert one(result, "`ports` is left out").line == 5
    assert one(result, "network_mode: service:mon", Kind.LOSS).line == 11


def test_networks_compose_adds_are_left_implicit(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
name: p
services:
  app:
    image: a:1
    networks:
      front:
        aliases: [www]
        ipv4_address: 10.5.0.9
networks:
  front:
    driver: bridge
    ipam:
      config: [{subnet: 10.5.0.0/16, gateway: 10.5.0.1}]
  spare: {}
volumes:
  data: {}
""")
    assert_valid(result)
    assert result.data is not None
    assert result.data["networks"] == {"front": {"driver": "overlay", "ipam": {
        "config": [{"subnet": "10.5.0.0/16"}]}}}
    assert "volumes" not in result.data
    assert service(result, "app")["networks"] == {"front": {"aliases": ["www"]}}
    assert one(result, "ipv4_address", Kind.LOSS).line == 8
    assert one(result, "`driver: bridge` is `driver: overlay`").line == 11
    assert one(result, "gateway", Kind.LOSS).line == 13
    assert one(result, "network 'spare' is left out").line == 14
    assert one(result, "volume 'data' is left out").line == 16


# --- ports ------------------------------------------------------------------------------------


def test_ports_through_the_routing_mesh(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  app:
    image: a:1
    ports:
      - "80:8080"
      - "127.0.0.1:9090:9090"
      - "53:53/udp"
      - "7000"
""")
    assert_valid(result)
    assert service(result, "app")["ports"] == ["80:8080", "9090:9090", "53:53/udp", "7000"]
    assert '- "80:8080"' in (result.text or "")
    loss = one(result, "host_ip: 127.0.0.1", Kind.LOSS)
    assert (loss.line, loss.key) == (6, "services.*.ports[].host_ip")


def test_publish_mode_host(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  web:
    image: a:1
    ports: ["8080:80", "9000"]
    deploy: {replicas: 3}
""", publish_mode="host")
    assert_valid(result)
    assert service(result, "web")["ports"] == [
        {"target": 80, "published": 8080, "protocol": "tcp", "mode": "host"},
        {"target": 9000, "protocol": "tcp", "mode": "host"}]
    assert result.version is not None and result.version.version == "3.2"
    fixed, own = [e.message for e in entries(result) if e.transform == "ports"]
    assert "the 3 replicas need 3 nodes" in fixed
    assert "each task gets a host port of its own" in own


def test_a_port_range_cannot_be_published_in_host_mode(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: a:1\n    ports: ['8000-8002:80']\n",
                     publish_mode="host")
    assert_valid(result)
    assert service(result, "app")["ports"] == ["8000-8002:80"]
    assert one(result, "host port range", Kind.LOSS).line == 4


def test_dnsrr_with_ingress_ports_is_an_error(tmp_path: Path) -> None:
    text = "services:\n  app:\n    image: a:1\n    ports: ['80:80']\n"
    result = convert(tmp_path, text, endpoint_mode="dnsrr")
    assert not result.ok
    assert [d.code for d in result.errors] == ["CK030"]
    assert "--publish-mode host" in (result.errors[0].help or "")
    fine = convert(tmp_path, text, endpoint_mode="dnsrr", publish_mode="host")
    assert_valid(fine)
    assert service(fine, "app")["deploy"] == {"endpoint_mode": "dnsrr"}


# --- volumes, files, environment, variables ---------------------------------------------------


def test_bind_mounts_and_volumes(tmp_path: Path) -> None:
    text = """\
services:
  app:
    image: a:1
    volumes:
      - ./html:/html:ro
      - data:/data
      - /srv/logs:/logs
      - type: bind
        source: ./conf
        target: /conf
        bind: {propagation: rshared, selinux: z}
      - type: volume
        source: data
        target: /nocopy
        volume: {nocopy: true, subpath: sub}
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 1024}
volumes:
  data: {}
"""
    result = convert(tmp_path, text)
    assert_valid(result)
    assert service(result, "app")["volumes"] == [
        "./html:/html:ro", "data:/data", "/srv/logs:/logs",
        {"type": "bind", "source": "./conf", "target": "/conf",
         "bind": {"propagation": "rshared"}},
        {"type": "volume", "source": "data", "target": "/nocopy", "volume": {"nocopy": True}},
        {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 1024}}]
    assert result.version is not None and result.version.version == "3.6"
    binds = [e for e in entries(result) if e.message.startswith("bind mount")]
    assert [e.line for e in binds] == [5, 7, 8]
    assert "(written `./html`)" in binds[0].message and "written" not in binds[1].message
    assert "does not create it" in binds[0].message
    assert [e.line for e in entries(result, Kind.LOSS)] == [11, 15]
    # on standard output (no directory known) every path is absolute
    absolute = convert(tmp_path, text, out_dir=None)
    assert service(absolute, "app")["volumes"][0] == f"{tmp_path}/html:/html:ro"


def test_env_file_variables_and_literal_dollars(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  app:
    image: example/app:${TAG:-dev}
    env_file: [app.env]
    environment:
      LITERAL: "cost $$5"
      FROM_SHELL: ${SHELL_VALUE}
      DB_PASSWORD: ${DB_PASSWORD}
      MISSING:
""", environ={"SHELL_VALUE": "from-shell"}, files={
        ".env": "TAG=1.2\nDB_PASSWORD=hunter2\n",
        "app.env": "QUOTED='a$b'\nEXPANDED=${TAG}-x\n"})
    assert_valid(result)
    assert service(result, "app") == {
        "image": "example/app:1.2",
        "environment": {"QUOTED": "a$$b", "EXPANDED": "1.2-x", "LITERAL": "cost $$5",
                        "FROM_SHELL": "from-shell", "DB_PASSWORD": "hunter2", "MISSING": None}}
    variables = [e for e in entries(result) if e.transform == "variables"]
    assert [(e.line, e.column) for e in variables] == [(3, 12), (7, 19), (8, 20)]
    assert "`${TAG:-dev}` is resolved to `1.2` (from .env)" in variables[0].message
    assert "(from the environment)" in variables[1].message
    assert "`${DB_PASSWORD}` is resolved to `***`" in variables[2].message
    assert one(result, "`env_file` is written into `environment`").line == 4


def test_secrets_and_configs(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
services:
  app:
    image: a:1
    secrets:
      - plain
      - {source: key, target: /run/secrets/server.key, mode: 0400, uid: "1"}
      - from_env
    configs:
      - {source: conf, target: /etc/app.conf}
      - inline
secrets:
  plain: {file: ./s/plain.txt}
  key: {file: ./s/key.pem}
  from_env: {environment: TOKEN}
configs:
  conf: {file: ./conf/app.conf}
  inline: {content: "a=1"}
""", files={"s/plain.txt": "x", "s/key.pem": "y", "conf/app.conf": "z"})
    assert_valid(result)
    assert service(result, "app")["secrets"] == [
        "plain", {"source": "key", "target": "server.key", "uid": "1", "mode": 256}, "from_env"]
    assert service(result, "app")["configs"] == [
        {"source": "conf", "target": "/etc/app.conf"}, "inline"]
    assert result.data is not None
    assert result.data["secrets"] == {"plain": {"file": "./s/plain.txt"},
                                      "key": {"file": "./s/key.pem"},
                                      "from_env": {"external": True}}
    assert result.data["configs"] == {"conf": {"file": "./conf/app.conf"},
                                      "inline": {"external": True}}
    token = one(result, "secret 'from_env'", Kind.LOSS)
    assert token.line == 14 and token.help is not None and "docker secret create" in token.help
    assert one(result, "config 'inline'", Kind.LOSS).line == 17


def test_extra_hosts_are_written_host_colon_ip(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: a:1\n    extra_hosts:\n"
                               "      - db=10.0.0.2\n      - cache:10.0.0.3\n")
    assert_valid(result)
    assert service(result, "app")["extra_hosts"] == ["cache:10.0.0.3", "db:10.0.0.2"]


# --- what has no stack form -------------------------------------------------------------------


@pytest.mark.parametrize(("line", "why"), [
    ("privileged: true", "docker stack deploy ignores it"),
    ("devices: ['/dev/fuse:/dev/fuse']", "docker stack deploy ignores it"),
    ("security_opt: ['no-new-privileges:true']", "docker stack deploy ignores it"),
    ("cap_add: [NET_ADMIN]", None),
    ("platform: linux/amd64", "no per-service platform"),
    ("gpus: all", "not in 3.x"),
    ("oom_score_adj: 5", "needs 3.13 / Docker Engine 27.0.0"),
    ("volumes_from: [other]", "docker stack deploy refuses it"),
])
def test_keys_without_a_stack_form_are_losses(tmp_path: Path, line: str, why: str | None) -> None:
    extra = "  other:\n    image: o:1\n    volumes: [/data]\n" if "volumes_from" in line else ""
    result = convert(tmp_path, f"services:\n  app:\n    image: a:1\n    {line}\n{extra}")
    assert_valid(result)
    key = line.split(":")[0]
    losses = [e for e in entries(result, Kind.LOSS) if e.line == 4]
    if why is None:
        assert key in service(result, "app") and not losses
    else:
        assert key not in service(result, "app")
        assert len(losses) == 1 and why in losses[0].message, messages(result)


def test_strict_makes_every_loss_an_error(tmp_path: Path) -> None:
    text = "services:\n  app:\n    image: a:1\n    privileged: true\n    restart: always\n"
    lenient = convert(tmp_path, text)
    assert lenient.ok
    assert [(d.code, d.severity) for d in lenient.diagnostics if d.span.line == 4] == [
        ("CK030", Severity.WARNING)]
    strict = convert(tmp_path, text, strict=True)
    assert not strict.ok and strict.text is not None
    assert [(d.code, d.severity, d.span.line) for d in strict.errors] == [
        ("CK030", Severity.ERROR, 4)]
    assert all(d.severity < Severity.ERROR for d in strict.diagnostics if d.code == "CK031")
    clean = convert(tmp_path, "services:\n  app:\n    image: a:1\n    restart: always\n",
                    strict=True)
    assert clean.ok


def test_a_project_with_errors_is_not_converted(tmp_path: Path) -> None:
    result = convert(tmp_path, "services:\n  app:\n    image: a:1\n    depends_on: [nope]\n")
    assert result.text is None and not result.ok
    assert any(d.severity >= Severity.ERROR for d in result.input_diagnostics)


def test_findings_point_into_the_file_that_wrote_the_key(tmp_path: Path) -> None:
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  app:\n    privileged: true\n")
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: a:1\n")
    result = convert_stack(project_dir=str(tmp_path), environ={},
                           options=StackOptions(out_dir=str(tmp_path)))
    assert_valid(result)
    loss = one(result, "`privileged` is dropped", Kind.LOSS)
    assert (Path(loss.file).name, loss.line, loss.source) == (
        "compose.override.yaml", 3, "    privileged: true")
    [diag] = [d for d in result.diagnostics if d.code == "CK030"]
    assert Path(diag.path).name == "compose.override.yaml" and diag.span.line == 3
    assert "(and 1 more file)" in (result.text or "").splitlines()[0]


# --- version, options, YAML -------------------------------------------------------------------


def test_the_version_cap_follows_the_engine() -> None:
    assert stack_cap(None).version == DEFAULT_CAP
    assert stack_cap("20.10.24").version == "3.9"
    assert stack_cap("24.0").version == "3.11"
    assert stack_cap("17.06.2-ce").version == "3.3"
    with pytest.raises(UsageError, match="no docker stack deploy"):
        stack_cap("1.12")
    with pytest.raises(UsageError, match="invalid Docker Engine version"):
        stack_cap("latest")


@pytest.mark.parametrize("options", [
    {"publish_mode": "mesh"}, {"endpoint_mode": "rr"}, {"tag": "-bad"},
    {"image_prefix": "reg:5000 x"}, {"engine": "x"}])
def test_bad_options_are_usage_errors(options: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        StackOptions(**options)


def test_keys_newer_than_the_cap_are_losses(tmp_path: Path) -> None:
    text = """\
services:
  app:
    image: a:1
    healthcheck: {test: [CMD, true], start_period: 5s, start_interval: 1s}
"""
    old = convert(tmp_path, text, engine="17.06")
    assert_valid(old)
    assert old.version is not None and old.version.version == "3.0"
    assert service(old, "app")["healthcheck"] == {"test": ["CMD", "true"]}
    assert [e.line for e in entries(old, Kind.LOSS)] == [4, 4]
    new = convert(tmp_path, text, engine="25.0")
    assert_valid(new)
    assert new.version is not None and new.version.version == "3.12"
    assert not entries(new, Kind.LOSS)


def test_yaml_that_reads_the_same_in_yaml_1_1(tmp_path: Path) -> None:
    result = convert(tmp_path, """\
name: p
services:
  app:
    image: a:1
    user: "1000:50"
    working_dir: "0755"
    environment:
      "ON": "yes"
      MULTI: "line one\\nline two"
      EMPTY: ""
""")
    assert_valid(result)
    text = result.text or ""
    assert 'user: "1000:50"' in text and 'working_dir: "0755"' in text
    assert '"ON": "yes"' in text and 'EMPTY: ""' in text
    assert "MULTI: |-\n        line one\n        line two" in text
    header = text.splitlines()[:3]
    assert header[0].startswith("# Docker stack file (format 3.0) converted by")
    assert header[2] == "# Deploy with: docker stack deploy -c <this file> p"


# --- the CLI ----------------------------------------------------------------------------------


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "compose.yaml").write_text("""\
name: shop
services:
  web:
    image: web:${TAG:-1}
    restart: always
    privileged: true
    volumes: [./html:/html]
""")
    (tmp_path / "html").mkdir()
    return tmp_path


def test_cli_text_output(project: Path) -> None:
    result = _run("convert", str(project / "compose.yaml"), "--to", "stack")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Docker stack file (format 3.0)")
    assert yaml.safe_load(result.stdout)["services"]["web"]["volumes"] == [
        f"{project}/html:/html"]
    assert ":6:5: warning CK030 `privileged` is dropped" in result.stderr
    assert ":5:5: info CK031 `restart: always`" in result.stderr
    assert "stack 3.0: " in result.stderr and "1 loss" in result.stderr
    assert "deploy with: docker stack deploy -c STACK_FILE shop" in result.stderr
    quiet = _run("convert", str(project / "compose.yaml"), "--to", "stack", "-q")
    assert "CK031" not in quiet.stderr and "CK030" in quiet.stderr


def test_cli_writes_the_file_with_relative_paths(project: Path) -> None:
    out = project / "stack.yaml"
    result = _run("convert", str(project / "compose.yaml"), "--to", "stack", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert yaml.safe_load(out.read_text())["services"]["web"]["volumes"] == ["./html:/html"]
    assert f"docker stack deploy -c {out} shop" in result.stderr


def test_cli_env_file_and_profile(project: Path) -> None:
    (project / "prod.env").write_text("TAG=9\n")
    result = _run("convert", str(project / "compose.yaml"), "--to", "stack",
                  "--env-file", str(project / "prod.env"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert yaml.safe_load(payload["output"])["services"]["web"]["image"] == "web:9"
    [variable] = [e for e in payload["entries"] if e["transform"] == "variables"]
    assert "(from prod.env)" in variable["message"]


def test_cli_json_report(project: Path) -> None:
    result = _run("convert", str(project / "compose.yaml"), "--to", "stack", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert (payload["to"], payload["version"], payload["stack_name"], payload["ok"]) == (
        "stack", "3.0", "shop", True)
    assert payload["losses"] == 1 and payload["cap"] == "3.8"
    [loss] = [e for e in payload["entries"] if e["kind"] == "loss"]
    assert loss == {"kind": "loss", "transform": "privileged", "path": "$.services.web.privileged",
                    "line": 6, "column": 5, "message": loss["message"],
                    "file": str(project / "compose.yaml"), "key": "services.*.privileged",
                    "source": "    privileged: true"}
    assert payload["output"].startswith("# Docker stack file")


def test_cli_strict(project: Path) -> None:
    out = project / "stack.yaml"
    result = _run("convert", str(project / "compose.yaml"), "--to", "stack", "--strict",
                  "-o", str(out))
    assert result.exit_code == 1
    assert "error CK030 `privileged` is dropped" in result.stderr
    assert "nothing written: losses are errors with --strict" in result.stderr
    assert not out.exists()
    payload = json.loads(_run("convert", str(project / "compose.yaml"), "--to", "stack",
                              "--strict", "--format", "json").stdout)
    assert payload["ok"] is False and payload["output"] is None


@pytest.mark.parametrize("args", [
    ("--to", "3.8", "--publish-mode", "host"),
    ("--to", "spec", "--engine", "20.10"),
    ("--to", "stack", "--in-place"),
    ("--to", "stack", "--publish-mode", "mesh"),
    ("--to", "stack", "--engine", "latest"),
])
def test_cli_usage_errors(project: Path, args: tuple[str, ...]) -> None:
    result = _run("convert", str(project / "compose.yaml"), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("composekit: error: ")


def test_cli_missing_file_and_project_errors(tmp_path: Path) -> None:
    assert _run("convert", str(tmp_path / "nope.yaml"), "--to", "stack").exit_code == 2
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    build: .\n")
    result = _run("convert", str(tmp_path / "compose.yaml"), "--to", "stack")
    assert result.exit_code == 1 and "names no `image`" in result.stderr
    assert result.stdout == ""


# --- the mapping table and its page -----------------------------------------------------------


def test_every_rule_names_a_catalogue_key() -> None:
    for row in mapping_table():
        if row.key.startswith("("):
            continue
        catalogue_key(row.key)  # raises KeyError for a key that does not exist


def test_every_compose_key_has_a_row() -> None:
    rows = {row.key for row in mapping_table()}
    service_keys = {k.dotted for k in root().children["services"].children["*"].entries()}
    top = {k.dotted for k in root().entries()}
    assert service_keys | top <= rows
    assert len(rows) == len(mapping_table())


def test_the_table_agrees_with_the_catalogue() -> None:
    rows = {row.key: row for row in mapping_table()}
    v38 = next(f for f in FORMATS if f.version == DEFAULT_CAP)
    for dotted, row in rows.items():
        if row.explicit or dotted.startswith("("):
            continue
        entry = catalogue_key(dotted)
        if row.treatment is Treatment.KEPT:
            assert entry.avail.since(Family.V3) is not None, dotted
            assert (v38 in entry.avail) == (row.report == "none"), dotted
        else:
            assert entry.runtime("stack").runtime.value != "honoured" or \
                entry.avail.since(Family.V3) is None, dotted


def test_docs_page_is_generated_from_the_table() -> None:
    """docs/convert-stack.md must match the generator (regenerate it with
    `python -m composekit.convert.stack_doc > docs/convert-stack.md`)."""
    committed = (ROOT / "docs" / "convert-stack.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        "docs/convert-stack.md is stale: run "
        "`python -m composekit.convert.stack_doc > docs/convert-stack.md`")


# --- golden fixtures --------------------------------------------------------------------------


def case_spec(case: str) -> dict[str, Any]:
    path = CASES_DIR / case / "options.yaml"
    spec = yaml.safe_load(path.read_text()) if path.exists() else None
    return spec or {}


def convert_case(case: str, **extra: Any) -> StackResult:
    folder = CASES_DIR / case
    spec = case_spec(case)
    return convert_stack(
        [str(folder / spec.get("file", "compose.yaml"))], environ=dict(spec.get("environ", {})),
        profiles=spec.get("profiles", ()),
        env_files=[str(folder / f) for f in spec.get("env_files", ())],
        options=StackOptions(out_dir=str(folder), **{**spec.get("options", {}), **extra}))


def report_text(result: StackResult, folder: Path) -> str:
    lines = []
    for e in entries(result):
        where = os.path.relpath(e.file, folder)
        lines.append(f"{where}:{e.line}:{e.column}: {e.kind.value}: {e.message} [{e.transform}]")
    # Messages may name absolute paths inside the case: keep the golden file portable.
    return "\n".join(lines).replace(str(folder), "@CASE_DIR@") + "\n"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    folder = CASES_DIR / case
    result = convert_case(case)
    assert_valid(result)
    got_stack, got_report = result.text or "", report_text(result, folder)
    stack_file, report_file = folder / "expected.stack.yaml", folder / "expected.report.txt"
    if REGEN:
        stack_file.write_text(got_stack)
        report_file.write_text(got_report)
    assert got_stack == stack_file.read_text(), f"{case}: the stack file changed"
    assert got_report == report_file.read_text(), f"{case}: the report changed"


def test_the_seed_and_the_hit_counter_are_cases() -> None:
    assert {"seed-replicas", "hitcounter"} <= set(CASES)
    seed = yaml.safe_load((CASES_DIR / "seed-replicas" / "expected.stack.yaml").read_text())
    assert seed["services"]["web"]["deploy"]["mode"] == "replicated"
    assert seed["services"]["web"]["deploy"]["replicas"] == 3
    assert case_spec("hitcounter")["file"] == "../../hitcounter/compose.yaml"


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_docker_stack_config_accepts_the_golden_stack(case: str, stack_available: str) -> None:
    folder = CASES_DIR / case
    run = oracles.stack_config(folder / "expected.stack.yaml", cwd=folder)
    assert run.ok, run.describe()
    assert "Ignoring unsupported options" not in run.stderr, run.describe()
    assert "Ignoring deprecated options" not in run.stderr, run.describe()


# --- the version converter's corpus, converted to stack form ----------------------------------

CORPUS = sorted(p.parent.name for p in (ROOT / "fixtures" / "convert").glob("*/compose.yaml"))


def convert_corpus(case: str) -> StackResult:
    folder = ROOT / "fixtures" / "convert" / case
    return convert_stack([str(folder / "compose.yaml")], environ={}, profiles=("*",),
                         options=StackOptions(out_dir=str(folder),
                                              image_prefix="registry.example.com/ck"))


@pytest.mark.parametrize("case", CORPUS)
def test_corpus_converts(case: str) -> None:
    """Every file of the version converter's corpus converts, or its project has errors
    Compose v2 would refuse it for (then nothing is converted)."""
    result = convert_corpus(case)
    if result.text is None:
        assert any(d.severity >= Severity.ERROR for d in result.input_diagnostics), case
        return
    assert_valid(result)


@pytest.mark.oracle
@pytest.mark.parametrize("case", CORPUS)
def test_docker_stack_config_accepts_the_corpus(case: str, stack_available: str,
                                                tmp_path: Path) -> None:
    result = convert_corpus(case)
    if result.text is None:
        pytest.skip("the project has errors; nothing converted")
    folder = ROOT / "fixtures" / "convert" / case
    out = folder / f".stack-{os.getpid()}.yaml"
    out.write_text(result.text)
    try:
        run = oracles.stack_config(out, cwd=folder)
    finally:
        out.unlink()
    assert run.ok, run.describe()
    assert "Ignoring" not in run.stderr, run.describe()
