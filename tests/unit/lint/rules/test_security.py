"""Unit tests of the security rules (CK301-CK319), fixes included.

Engine facts the rules rely on were measured with Docker Engine 20.10.24:
``--tmpfs`` mounts are ``nosuid,nodev,noexec`` unless ``exec``/``suid`` is
given; ``cap_add: [sys_admin]`` (any case, with or without ``CAP_``) grants
the capability; ``no-new-privileges`` alone, ``:true`` and ``=1`` set
NoNewPrivs, ``=false``/``:false`` do not; ``seccomp:unconfined`` and
``seccomp=unconfined`` both disable seccomp. Container names follow
``^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`` (the schema's CK027 checks them, so there
is no lint rule for it).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.config import build_options
from composekit.lint.context import LintContext
from composekit.lint.docs import parse_sections
from composekit.lint.fix import apply_edits
from composekit.lint.rule import FixAvailability, Rule, Runtime
from composekit.lint.rules import BY_CODE, security
from composekit.lint.rules.security._capabilities import normalize
from composekit.lint.rules.security._credentials import is_secret_name, url_secret
from composekit.lint.rules.security._paths import (
    HostMount,
    control_socket,
    root_equivalent,
    sensitive,
)
from composekit.lint.rules.security._paths import normalize as norm_path
from composekit.lint.rules.security.capabilities_not_dropped import CapabilitiesNotDropped
from composekit.lint.rules.security.credential_in_build_args import CredentialInBuildArgs
from composekit.lint.rules.security.credential_in_environment import CredentialInEnvironment
from composekit.lint.rules.security.dangerous_device_access import (
    DangerousDeviceAccess,
    cgroup_rule_risk,
    device_risk,
)
from composekit.lint.rules.security.host_control_socket_mount import HostControlSocketMount
from composekit.lint.rules.security.host_escape_capability import HostEscapeCapability
from composekit.lint.rules.security.host_impacting_capability import HostImpactingCapability
from composekit.lint.rules.security.host_namespace_shared import HostNamespaceShared
from composekit.lint.rules.security.host_network_mode import HostNetworkMode
from composekit.lint.rules.security.logging_disabled import LoggingDisabled
from composekit.lint.rules.security.no_new_privileges_unset import (
    NoNewPrivilegesUnset,
    no_new_privileges,
)
from composekit.lint.rules.security.privileged_container import PrivilegedContainer
from composekit.lint.rules.security.root_user import RootUser, is_root
from composekit.lint.rules.security.security_profile_disabled import (
    SecurityProfileDisabled,
    disabled_profile,
)
from composekit.lint.rules.security.sensitive_host_path_mount import SensitiveHostPathMount
from composekit.lint.rules.security.shared_mount_propagation import SharedMountPropagation
from composekit.lint.rules.security.tmpfs_exec_or_suid import (
    TmpfsExecOrSuid,
    enabled_flags,
    without_flags,
)
from composekit.lint.rules.security.writable_root_equivalent_mount import (
    WritableRootEquivalentMount,
)
from composekit.lint.rules.security.writable_root_filesystem import WritableRootFilesystem
from composekit.loader import load_project
from composekit.yamlio import parse_text

ROOT = Path(__file__).parents[4]


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def lint(rule: Rule, *paths: str, target: Runtime = Runtime.COMPOSE_V2,
         environ: dict[str, str] | None = None) -> list[Diagnostic]:
    project, _ = load_project(list(paths), environ=environ or {})
    assert project is not None
    formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
    if not rule.applies_to(target):
        return []
    return sorted(rule.check(LintContext(project, formats, target=target)))


def run(rule: Rule, tmp_path: Path, text: str, **kw: Any) -> list[Diagnostic]:
    return lint(rule, write(tmp_path, text), **kw)


def positions(diags: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diags]


def fixed(rule: Rule, tmp_path: Path, text: str) -> tuple[str, list[Diagnostic]]:
    """Apply every fix of ``rule`` once; return the new text and the findings left."""
    path = write(tmp_path, text)
    diags = lint(rule, path)
    original = Path(path).read_text(encoding="utf-8")
    edits = [e for d in diags if d.fix is not None and d.path == path for e in d.fix.edits]
    assert edits, "no fix offered"
    assert all(d.fix is None or not d.fix.safe for d in diags), "these fixes are unsafe"
    new = apply_edits(original, edits)
    doc, problems = parse_text(new, path)
    assert doc is not None and not [p for p in problems if p.severity is Severity.ERROR]
    Path(path).write_text(new, encoding="utf-8")
    return new, lint(rule, path)


# --- metadata and documentation ------------------------------------------------------------

PEERS = {
    "CK301": ("CL-0001",), "CK302": ("CL-0002",), "CK303": ("CL-0024",),
    "CK304": ("CL-0011", "CL-0027", "CL-0028", "CL-0029", "CL-0030"),
    "CK305": ("CL-0025",), "CK306": ("CL-0013",), "CK307": ("CL-0016",),
    "CK308": ("CL-0009",), "CK309": ("CL-0008",), "CK310": ("CL-0010",),
    "CK311": ("CL-0018",), "CK312": ("CL-0020", "CL-0021"), "CK314": ("CL-0003",),
    "CK315": ("CL-0006",), "CK316": ("CL-0007",), "CK317": ("CL-0017",),
    "CK318": ("CL-0022",), "CK319": ("CL-0014",),
}
ORDER = ["What it does", "Why is this bad?", "Example", "Use instead:", "Options",
         "Fix safety", "Known problems", "References"]


@pytest.mark.parametrize("rule", security.RULES, ids=lambda r: r.code)
def test_metadata_docs_and_fixtures(rule: type[Rule]) -> None:
    assert BY_CODE[rule.code] is rule
    assert re.fullmatch(r"CK3\d\d", rule.code)
    assert rule.name == rule.__module__.rsplit(".", 1)[1].replace("_", "-")
    sections = parse_sections(inspect.getdoc(rule) or "")
    assert list(sections) == [s for s in ORDER if s in sections]
    assert ORDER[:4] == list(sections)[:4] and "References" in sections
    for peer in PEERS.get(rule.code, ()):
        assert peer in sections["References"], peer
    if rule.fix_availability is not FixAvailability.NONE:
        assert "Fix safety" in sections and "unsafe" in sections["Fix safety"]
    if dataclasses.fields(rule.Options):
        assert all(f"`{f.name}`" in sections["Options"] for f in dataclasses.fields(rule.Options))
    for kind in ("pass", "fail"):
        assert list((ROOT / "fixtures" / "lint" / rule.code / kind).glob("*.yaml"))


def test_every_compose_lint_rule_of_these_families_is_covered() -> None:
    """compose-lint 0.36's 27 rules: all here but CL-0005 (networking) and CL-0026 (resources)."""
    listed = {p for peers in PEERS.values() for p in peers}
    everything = {f"CL-{n:04d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17, 18,
                                         19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30)}
    assert len(everything) == 27
    assert everything - listed == {"CL-0004", "CL-0005", "CL-0019", "CL-0026"}  # CK201/CK202


def _yaml_block(section: str) -> str:
    m = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert m, section
    return m.group(1)


@pytest.mark.parametrize("rule", security.RULES, ids=lambda r: r.code)
def test_doc_examples(rule: type[Rule], tmp_path: Path) -> None:
    """The Example triggers the rule; Use instead does not."""
    sections = parse_sections(inspect.getdoc(rule) or "")
    bad = write(tmp_path, _yaml_block(sections["Example"]), "bad.yaml")
    good = write(tmp_path, _yaml_block(sections["Use instead:"]), "good.yaml")
    assert lint(rule(), bad)
    assert lint(rule(), good) == []


def test_severity_scale() -> None:
    by_severity: dict[Severity, set[str]] = {}
    for rule in security.RULES:
        by_severity.setdefault(rule.severity, set()).add(rule.code)
    assert by_severity[Severity.ERROR] == {"CK301", "CK302", "CK303", "CK305", "CK307"}
    assert by_severity[Severity.INFO] == {"CK314", "CK315", "CK316", "CK317", "CK318", "CK319"}


def test_hardening_rules_pass_a_typical_file_at_warning(tmp_path: Path) -> None:
    """A plain, sane file has only info findings from this family (default --fail-on warning)."""
    path = write(tmp_path, """
        services:
          web:
            image: nginx:1.27.2
            ports: ["127.0.0.1:8080:80"]
            volumes: ["./site:/usr/share/nginx/html:ro"]
          db:
            image: postgres:16.4
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/db
            volumes: ["data:/var/lib/postgresql/data"]
            secrets: [db]
        volumes:
          data:
        secrets:
          db:
            file: ./db.txt
        """)
    found = [d for rule in security.RULES for d in lint(rule(), path)]
    assert found and {d.severity for d in found} == {Severity.INFO}


# --- CK301, CK305, CK306: host paths -------------------------------------------------------


def mount(path: str, read_only: bool = False, kind: str = "bind") -> HostMount:
    return HostMount(0, path, norm_path(path) if kind != "npipe" else path.lower(),
                     read_only, kind)


@pytest.mark.parametrize(("path", "socket", "root", "sens"), [
    ("/var/run/docker.sock", True, False, False),
    ("/run/docker.sock", True, False, False),
    ("/var/run/", True, False, False),
    ("/run", True, False, False),
    ("/run/containerd", True, False, False),
    ("/run/user/1000/docker.sock", True, False, False),
    ("/run/user/1000", True, False, False),
    ("/run/podman/podman.sock", True, False, False),
    ("/run/dbus/system_bus_socket", True, False, False),
    ("/run/secrets-cache", False, False, False),
    ("/", False, True, True),
    ("/var", False, True, True),
    ("/etc", False, True, True),
    ("/etc/localtime", False, False, False),
    ("/etc/passwd", False, True, False),
    ("/etc/shadow", False, True, True),
    ("/etc/cron.d/backup", False, True, False),
    ("/etc/ssl/certs", False, False, False),
    ("/etc/ssl", False, False, True),
    ("/root", False, True, True),
    ("/root/.m2", False, False, False),
    ("/home", False, False, True),
    ("/home/alice", False, False, True),
    ("/home/alice/src/app", False, False, False),
    ("/home/alice/.ssh/id_rsa", False, False, True),
    ("/Users/alice", False, False, True),
    ("/proc", False, True, True),
    ("/proc/cpuinfo", False, True, False),
    ("/sys/fs/cgroup", False, True, False),
    ("/dev", False, False, True),
    ("/dev/log", False, False, False),
    ("/lib/modules", False, True, False),
    ("/usr/share/zoneinfo", False, False, False),
    ("/var/lib/docker/volumes", False, True, True),
    ("/srv/data", False, False, False),
])
def test_path_tables(path: str, socket: bool, root: bool, sens: bool) -> None:
    m = mount(path)
    assert (control_socket(m) is not None) is socket
    assert (root_equivalent(m) is not None) is root
    assert (sensitive(m) is not None) is sens
    assert root_equivalent(mount(path, read_only=True)) is None


def test_windows_pipe() -> None:
    assert control_socket(mount("\\\\.\\pipe\\docker_engine", kind="npipe")) is not None
    assert control_socket(mount("\\\\.\\pipe\\other", kind="npipe")) is None


MOUNTS = """
    services:
      a:
        image: busybox:1.36
        volumes:
          - /var/run/docker.sock:/var/run/docker.sock:ro
          - /etc:/host/etc
          - /etc:/ro/etc:ro
          - /:/rootfs:ro
          - /home/alice:/home/alice
          - run:/host/run
          - etc:/cfg
          - ./data:/data
    volumes:
      run:
        driver_opts: {type: none, o: bind, device: /run}
      etc:
        driver: local
        driver_opts: {type: none, o: "rbind,ro", device: /etc}
    """


def test_host_path_rules_report_each_mount_once(tmp_path: Path) -> None:
    path = write(tmp_path, MOUNTS)
    sockets = lint(HostControlSocketMount(), path)
    writable = lint(WritableRootEquivalentMount(), path)
    exposed = lint(SensitiveHostPathMount(), path)
    assert positions(sockets) == [(5, 9), (10, 9)]
    assert "volume 'run' (a bind of '/run')" in sockets[1].message
    assert positions(writable) == [(6, 9), (11, 9)]
    assert positions(exposed) == [(7, 9), (8, 9), (9, 9)]
    assert "(writable)" in exposed[2].message
    covered = {d.json_path for d in sockets + writable + exposed}
    assert len(covered) == len(sockets) + len(writable) + len(exposed)


def test_host_path_in_override_file(tmp_path: Path) -> None:
    base = write(tmp_path, """
        services:
          a:
            image: busybox:1.36
        """)
    override = write(tmp_path, """
        services:
          a:
            volumes:
              - type: bind
                source: /etc
                target: /etc2
        """, "compose.override.yaml")
    diags = lint(WritableRootEquivalentMount(), base, override)
    assert [(d.path, d.line, d.column) for d in diags] == [(override, 5, 17)]


# --- CK302, CK303, CK304: privileges -------------------------------------------------------


def test_privileged(tmp_path: Path) -> None:
    text = """
        services:
          a: {image: "x:1", privileged: true}
          b: {image: "x:1", privileged: false}
          c:
            build:
              context: .
              entitlements: [network.host, security.insecure]
        """
    assert positions(run(PrivilegedContainer(), tmp_path, text)) == [(2, 33), (7, 36)]
    assert run(PrivilegedContainer(), tmp_path, text, target=Runtime.STACK) == []


@pytest.mark.parametrize(("written", "name"), [
    ("SYS_ADMIN", "SYS_ADMIN"), ("sys_admin", "SYS_ADMIN"), ("CAP_SYS_ADMIN", "SYS_ADMIN"),
    ("cap_net_admin", "NET_ADMIN"), (" all ", "ALL"),
])
def test_capability_names(written: str, name: str) -> None:
    assert normalize(written) == name


def test_capability_classes(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: x:1
            cap_add: [sys_admin, NET_ADMIN, CHOWN, cap_syslog, ALL, NET_RAW, SYS_PTRACE]
        """
    escape = run(HostEscapeCapability(), tmp_path, text)
    impact = run(HostImpactingCapability(), tmp_path, text)
    assert [d.json_path for d in escape] == ["$.services.a.cap_add[0]", "$.services.a.cap_add[4]"]
    assert [d.json_path for d in impact] == ["$.services.a.cap_add[1]", "$.services.a.cap_add[3]",
                                             "$.services.a.cap_add[6]"]
    assert "kernel log" in impact[1].message
    assert escape[0].severity is Severity.ERROR and impact[0].severity is Severity.WARNING


# --- CK307 devices -------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "dangerous"), [
    ("/dev/mem", True), ("/dev/kmem", True), ("/dev/port", True), ("/dev/sda", True),
    ("/dev/sdb1", True), ("/dev/nvme0n1p2", True), ("/dev/mapper/vg-root", True),
    ("/dev/loop0", True), ("/dev/disk/by-uuid/1234", True), ("/dev/cpu/0/msr", True),
    ("/dev", True), ("/dev/ttyUSB0", False), ("/dev/net/tun", False), ("/dev/fuse", False),
    ("/dev/dri/renderD128", False), ("/dev/snd", False), ("/dev/null", False),
])
def test_device_table(source: str, dangerous: bool) -> None:
    assert (device_risk(source) is not None) is dangerous


@pytest.mark.parametrize(("rule", "dangerous"), [
    ("a *:* rwm", True), ("a", True), ("b 8:* rwm", True), ("c *:* rwm", True),
    ("c 1:1 r", True), ("c 1:* rwm", True), ("c 202:* rw", True),
    ("c 1:3 rwm", False), ("c 188:* rwm", False), ("c 10:200 rwm", False),
])
def test_device_cgroup_rules(rule: str, dangerous: bool) -> None:
    assert (cgroup_rule_risk(rule) is not None) is dangerous


def test_devices_long_and_short(tmp_path: Path) -> None:
    diags = run(DangerousDeviceAccess(), tmp_path, """
        services:
          a:
            image: x:1
            devices:
              - /dev/ttyUSB0
              - source: /dev/sdb
                target: /dev/xvdb
                permissions: r
        """)
    assert positions(diags) == [(6, 9)]


# --- CK308 security profiles ---------------------------------------------------------------


@pytest.mark.parametrize(("opt", "off"), [
    ("seccomp:unconfined", True), ("seccomp=unconfined", True), ("apparmor=unconfined", True),
    ("apparmor:unconfined", True), ("label=disable", True), ("label:disable", True),
    ("label=type:spc_t", True), ("label:type:unconfined_t", True),
    ("systempaths=unconfined", True), ("seccomp=./profile.json", False),
    ("apparmor=docker-default", False), ("label=level:s0:c100,c200", False),
    ("no-new-privileges:true", False), ("SECCOMP=unconfined", False),
])
def test_disabled_profiles(opt: str, off: bool) -> None:
    assert (disabled_profile(opt) is not None) is off


def test_profile_fix_removes_the_line(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: x:1
            security_opt:
              - no-new-privileges:true
              - seccomp:unconfined  # needed for strace
            read_only: true
        """
    new, left = fixed(SecurityProfileDisabled(), tmp_path, text)
    assert left == []
    assert "seccomp" not in new and "no-new-privileges:true\n    read_only: true" in new


def test_profile_fix_removes_the_key_when_nothing_is_left(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: x:1
            security_opt:
              - seccomp=unconfined
              - apparmor=unconfined
            read_only: true
        """
    diags = run(SecurityProfileDisabled(), tmp_path, text)
    assert [d.fix is not None for d in diags] == [True, False]
    new, left = fixed(SecurityProfileDisabled(), tmp_path, text)
    assert left == []
    assert new == "services:\n  a:\n    image: x:1\n    read_only: true\n"


def test_profile_fix_not_offered_for_flow_lists(tmp_path: Path) -> None:
    diags = run(SecurityProfileDisabled(), tmp_path, """
        services:
          a: {image: "x:1", security_opt: ["seccomp:unconfined", "label=disable"]}
        """)
    assert len(diags) == 2 and all(d.fix is None for d in diags)


# --- CK309, CK310, CK311 -------------------------------------------------------------------


def test_host_network_and_namespaces(tmp_path: Path) -> None:
    text = """
        services:
          a: {image: "x:1", network_mode: host, pid: host}
          b: {image: "x:1", network_mode: "service:a", ipc: "service:a", uts: host}
        """
    assert positions(run(HostNetworkMode(), tmp_path, text)) == [(2, 35)]
    diags = run(HostNamespaceShared(), tmp_path, text)
    assert [d.json_path for d in diags] == ["$.services.a.pid", "$.services.b.uts"]
    assert run(HostNamespaceShared(), tmp_path, text, target=Runtime.STACK) == []


@pytest.mark.parametrize(("user", "root"), [
    ("root", True), ("0", True), ("0:0", True), ("root:app", True), ("00", True),
    ("1000", False), ("1000:0", False), ("app", False), ("rootless", False), ("", False),
])
def test_root_user_values(user: str, root: bool) -> None:
    assert is_root(user) is root


def test_root_user_position(tmp_path: Path) -> None:
    diags = run(RootUser(), tmp_path, """
        services:
          a:
            image: x:1
            user: "0:0"
        """)
    assert positions(diags) == [(4, 11)] and diags[0].severity is Severity.WARNING


# --- CK312 credentials in the environment ---------------------------------------------------


@pytest.mark.parametrize(("name", "secret"), [
    ("POSTGRES_PASSWORD", True), ("DB_PASS", True), ("MYSQL_PWD", True), ("API_KEY", True),
    ("apiKey", True), ("dbPassword", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("GITHUB_TOKEN", True), ("SECRET_KEY_BASE", True), ("CLIENT_SECRET", True),
    ("GOOGLE_APPLICATION_CREDENTIALS", True), ("PRIVATE_KEY", True),
    ("POSTGRES_PASSWORD_FILE", False), ("PWD", False), ("TOKEN_TTL", False),
    ("AWS_ACCESS_KEY_ID", False), ("PASSWORD_MIN_LENGTH", False), ("SECRET_NAME", False),
    ("CACHE_KEY", False), ("KEYCLOAK_URL", False), ("MAX_TOKENS", False), ("USER", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(("value", "part"), [
    ("postgres://app:s3cret@db:5432/app", "password"),
    ("redis://:s3cret@cache:6379/0", "password"),
    ("amqp://guest:guest@rabbit//", "password"),
    ("jdbc:mysql://db/app?user=app&password=s3cret", "password"),
    ("https://hooks.example.com/x?token=abc", "token"),
    ("postgres://app@db/app", None),
    ("postgres://app:@db/app", None),
    ("redis://cache:6379/0", None),
    ("http://[::1", None),
    ("not a url", None),
])
def test_url_secrets(value: str, part: str | None) -> None:
    assert url_secret(value) == part


ENVIRONMENT = """
    services:
      a:
        image: x:1
        environment:
          DB_PASSWORD: hunter2
          API_TOKEN: ${API_TOKEN}
          MAIL_PASSWORD: ${MAIL_PASSWORD:-changeme}
          SMTP_PASSWORD: ${SMTP_PASSWORD:?required}
          DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app
          CACHE_URL: redis://:hunter2@cache/0
          ALLOW_EMPTY_PASSWORD: "yes"
          PIN_CODE_TOKEN: 123456
      b:
        image: x:1
        environment:
          - SECRET_KEY=abc
          - GITHUB_TOKEN
          - PASSWORD_FILE=/run/secrets/pw
    """


def test_credentials_in_environment(tmp_path: Path) -> None:
    diags = run(CredentialInEnvironment(), tmp_path, ENVIRONMENT,
                environ={"API_TOKEN": "t0k3n", "GITHUB_TOKEN": "ghp_x", "SMTP_PASSWORD": "pw"})
    assert [d.json_path for d in diags] == [
        "$.services.a.environment.DB_PASSWORD",
        "$.services.a.environment.MAIL_PASSWORD",
        "$.services.a.environment.CACHE_URL",
        "$.services.a.environment.PIN_CODE_TOKEN",
        "$.services.b.environment.SECRET_KEY",
    ]
    assert "default of a ${...}" in diags[1].message
    assert "connection string" in diags[2].message
    for d in diags:  # the value is never repeated
        assert not re.search(r"hunter2|changeme|123456|abc\b", d.message + (d.help or ""))


def test_credentials_from_env_files(tmp_path: Path) -> None:
    (tmp_path / "web.env").write_text("# web settings\nLOG_LEVEL=info\n"
                                      "export SESSION_SECRET='s3cret'\nTOKEN_URL=${X}\n")
    (tmp_path / "empty.env").write_text("API_KEY=\nDB_PASSWORD=${DB_PASSWORD}\n")
    text = """
        services:
          web:
            image: x:1
            env_file:
              - web.env
              - path: empty.env
                required: false
            environment:
              OTHER_TOKEN: ${OTHER}
        """
    diags = run(CredentialInEnvironment(), tmp_path, text)
    assert positions(diags) == [(5, 9)]
    assert "SESSION_SECRET" in diags[0].message and "'web.env', line 3" in diags[0].message
    off = CredentialInEnvironment(build_options(CredentialInEnvironment,
                                                {"include-env-files": False}))
    assert run(off, tmp_path, text) == []


def test_credentials_from_a_single_env_file_string(tmp_path: Path) -> None:
    (tmp_path / "db.env").write_text("POSTGRES_PASSWORD=hunter2\n")
    diags = run(CredentialInEnvironment(), tmp_path, """
        services:
          db:
            image: postgres:16.4
            env_file: db.env
        """)
    assert positions(diags) == [(4, 15)]


# --- CK313 build args ----------------------------------------------------------------------


def test_credentials_in_build_args(tmp_path: Path) -> None:
    diags = run(CredentialInBuildArgs(), tmp_path, """
        services:
          a:
            build:
              context: .
              args:
                NODE_VERSION: "20"
                NPM_TOKEN: ${NPM_TOKEN:-}
                INDEX_URL: https://ci:${PYPI_TOKEN:-}@pypi.example.com/simple
                MIRROR_URL: https://pypi.example.com/simple
          b:
            build:
              context: .
              args:
                - GITHUB_TOKEN
                - REPO=https://user:pw@git.example.com/r.git
        """)
    assert [d.json_path for d in diags] == [
        "$.services.a.build.args.NPM_TOKEN", "$.services.a.build.args.INDEX_URL",
        "$.services.b.build.args.GITHUB_TOKEN", "$.services.b.build.args.REPO"]


# --- CK314 no-new-privileges ---------------------------------------------------------------


@pytest.mark.parametrize(("opt", "state"), [
    ("no-new-privileges", True), ("no-new-privileges:true", True), ("no-new-privileges=1", True),
    ("no-new-privileges=false", False), ("no-new-privileges:false", False),
    ("no-new-privileges:maybe", None), ("seccomp=unconfined", None),
])
def test_no_new_privileges_values(opt: str, state: bool | None) -> None:
    assert no_new_privileges(opt) is state


@pytest.mark.parametrize(("text", "expected"), [
    ("""
     services:
       a:
         image: x:1
     """,
     """
     services:
       a:
         security_opt: ["no-new-privileges:true"]
         image: x:1
     """),
    ("""
     services:
       a:
         image: x:1
         security_opt:
         - apparmor=docker-default
     """,
     """
     services:
       a:
         image: x:1
         security_opt:
         - no-new-privileges:true
         - apparmor=docker-default
     """),
    ("""
     services:
       a:
         image: x:1
         security_opt: [apparmor=docker-default]
     """,
     """
     services:
       a:
         image: x:1
         security_opt: ["no-new-privileges:true", apparmor=docker-default]
     """),
    ("""
     services:
       a:
         image: x:1
         security_opt:
           - 'no-new-privileges=false'
     """,
     """
     services:
       a:
         image: x:1
         security_opt:
           - 'no-new-privileges:true'
     """),
])
def test_no_new_privileges_fixes(tmp_path: Path, text: str, expected: str) -> None:
    new, left = fixed(NoNewPrivilegesUnset(), tmp_path, text)
    assert left == []
    assert new == textwrap.dedent(expected).lstrip("\n")


def test_no_new_privileges_skips_privileged_and_flow_services(tmp_path: Path) -> None:
    diags = run(NoNewPrivilegesUnset(), tmp_path, """
        services:
          a: {image: "x:1", privileged: true}
          b: {image: "x:1"}
        """)
    assert [d.json_path for d in diags] == ["$.services.b"]
    assert diags[0].fix is None  # a flow mapping gets no fix


# --- CK315, CK316 --------------------------------------------------------------------------


def test_capabilities_not_dropped(tmp_path: Path) -> None:
    diags = run(CapabilitiesNotDropped(), tmp_path, """
        services:
          a: {image: "x:1", cap_drop: [all]}
          b: {image: "x:1", cap_drop: [NET_RAW]}
          c: {image: "x:1"}
          d: {image: "x:1", privileged: true}
        """)
    assert [d.json_path for d in diags] == ["$.services.b.cap_drop", "$.services.c"]


def test_read_only_skips_privileged(tmp_path: Path) -> None:
    diags = run(WritableRootFilesystem(), tmp_path, """
        services:
          a: {image: "x:1", privileged: true}
          b: {image: "x:1", read_only: true}
        """)
    assert diags == []


def test_read_only_fixes(tmp_path: Path) -> None:
    new, left = fixed(WritableRootFilesystem(), tmp_path, """
        services:
          a:
            # the API
            image: x:1
          b:
            image: x:1
            read_only: false  # TODO
        """)
    assert left == []
    assert new == ("services:\n  a:\n    # the API\n    read_only: true\n    image: x:1\n"
                   "  b:\n    image: x:1\n    read_only: true  # TODO\n")


# --- CK317, CK318, CK319 -------------------------------------------------------------------


def test_shared_propagation(tmp_path: Path) -> None:
    diags = run(SharedMountPropagation(), tmp_path, """
        services:
          a:
            image: x:1
            volumes:
              - /mnt/a:/a:rshared
              - /mnt/b:/b:rslave
              - /mnt/c:/c:ro,shared
        """)
    assert positions(diags) == [(5, 9), (7, 9)]


@pytest.mark.parametrize(("spec", "flags", "clean"), [
    ("/tmp", [], "/tmp"),
    ("/tmp:exec", ["exec"], "/tmp"),
    ("/tmp:rw,exec,size=1m", ["exec"], "/tmp:rw,size=1m"),
    ("/tmp:exec,noexec", [], "/tmp:noexec"),
    ("/tmp:noexec,exec", ["exec"], "/tmp:noexec"),
    ("/run:suid,exec", ["exec", "suid"], "/run"),
])
def test_tmpfs_flags(spec: str, flags: list[str], clean: str) -> None:
    assert enabled_flags(spec) == flags
    assert without_flags(spec) == clean


def test_tmpfs_fix(tmp_path: Path) -> None:
    new, left = fixed(TmpfsExecOrSuid(), tmp_path, """
        services:
          a:
            image: x:1
            tmpfs:
              - "/tmp:exec,size=64m"
              - '/run:suid'
          b:
            image: x:1
            tmpfs: /cache:exec
        """)
    assert left == []
    assert '- "/tmp:size=64m"' in new and "- '/run'" in new and "tmpfs: /cache\n" in new


def test_logging_fix(tmp_path: Path) -> None:
    new, left = fixed(LoggingDisabled(), tmp_path, """
        services:
          a:
            image: x:1
            logging:
              driver: none
              options: {}
            # keep this comment
            restart: always
        """)
    assert left == []
    assert new == "services:\n  a:\n    image: x:1\n    # keep this comment\n    restart: always\n"


def test_logging_fix_not_offered_through_a_shared_anchor(tmp_path: Path) -> None:
    diags = run(LoggingDisabled(), tmp_path, """
        x-quiet: &quiet
          logging:
            driver: none
        services:
          a:
            <<: *quiet
            image: x:1
          b:
            <<: *quiet
            image: x:1
        """)
    assert len(diags) == 2 and all(d.fix is None for d in diags)
