"""The expectations file and the check flags: what they read, and positioned findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from composekit.errors import UsageError
from composekit.testing.checks import ExecCheck, HttpCheck, LogCheck, TcpCheck
from composekit.testing.expectations import (
    Expectations,
    check_service_names,
    exec_flag,
    find_expectations_file,
    http_flag,
    load_expectations,
    log_flag,
    parse_check_text,
    parse_target,
    tcp_flag,
)
from composekit.testing.imagemap import image_map

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "composekit-test.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def findings(tmp_path: Path, text: str) -> list[tuple[int, int, str, str]]:
    exp, diags = load_expectations(write(tmp_path, text))
    assert exp is None, "a file with findings must not be used"
    return [(d.line, d.column, d.code, d.message) for d in diags]


def test_full_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, """\
version: 1
timeout: 45
services: [web]
one_shot: [migrate]
image_map:
  redis:7-alpine: local/redis:test
env:
  WEB_PORT: 0
  DEBUG: true
  EMPTY:
check_ports: false
log_lines: 5
checks:
  - http: web:5000/api
    name: api answers
    status: 201
    body_contains: [created, id]
    body_matches: '"id": \\d+'
    json:
      - {path: id, equals: 7}
      - {path: "$.tags[0]", matches: "^a"}
      - {path: missing, exists: false}
    scheme: https
    timeout: 2
    within: 3
  - tcp: redis:6379
  - exec: redis
    command: [redis-cli, ping]
    exit_code: 0
    output_contains: PONG
    output_matches: "^PONG$"
    timeout: 10
  - log: web
    contains: listening
    matches: "port \\\\d+"
""")
    exp, diags = load_expectations(path)
    assert diags == []
    assert exp is not None
    assert exp.timeout == 45.0
    assert exp.services == ("web",)
    assert exp.one_shot == ("migrate",)
    assert exp.image_map.apply("redis:7-alpine") == "local/redis:test"
    assert exp.env == {"WEB_PORT": "0", "DEBUG": "true", "EMPTY": ""}
    assert exp.check_ports is False
    assert exp.log_lines == 5
    http, tcp, ex, log = exp.checks
    assert isinstance(http, HttpCheck)
    assert (http.service, http.port, http.path, http.status, http.scheme) == (
        "web", 5000, "/api", 201, "https")
    assert http.body_contains == ("created", "id")
    assert http.name == "api answers" and http.label == "api answers"
    assert http.within == 3.0 and http.request_timeout == 2.0
    assert [(j.path, j.has_equals, j.equals, j.matches, j.exists) for j in http.json] == [
        ("id", True, 7, None, None), ("$.tags[0]", False, None, "^a", None),
        ("missing", False, None, None, False)]
    assert http.where == f"{path}:14:11"
    assert isinstance(tcp, TcpCheck) and (tcp.service, tcp.port, tcp.within) == ("redis", 6379, 10)
    assert isinstance(ex, ExecCheck)
    assert ex.command == ("redis-cli", "ping") and ex.output_contains == ("PONG",)
    assert ex.within == 0.0 and ex.timeout == 10.0
    assert isinstance(log, LogCheck) and log.contains == ("listening",)
    assert log.matches == "port \\d+"
    assert [r.service for r in exp.service_refs] == ["web", "migrate", "web", "redis", "redis",
                                                     "web"]


def test_empty_file_means_no_expectations(tmp_path: Path) -> None:
    exp, diags = load_expectations(write(tmp_path, "# nothing yet\n"))
    assert diags == []
    assert exp is not None and exp.checks == () and exp.timeout is None


def test_bad_expectations_fixture_positions() -> None:
    exp, diags = load_expectations(
        str(FIXTURES / "harness" / "bad-expectations" / "composekit-test.yaml"))
    assert exp is None
    got = [(d.line, d.column, d.code, d.name) for d in diags]
    assert got == [
        (1, 10, "CK702", "expect-invalid-value"),
        (3, 11, "CK702", "expect-invalid-value"),
        (5, 5, "CK701", "expect-unknown-key"),
        (6, 5, "CK703", "expect-missing-key"),
        (8, 14, "CK702", "expect-invalid-value"),
    ]
    by_code = {d.line: d for d in diags}
    assert "port 80800 is out of range" in by_code[3].message
    assert by_code[5].help == "did you mean 'within'?"
    assert "not a valid regular expression" in by_code[8].message
    assert by_code[1].json_path == "$.timeout"
    assert all(d.origin == "harness" for d in diags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- http: web:5000/\n", [(1, 1, "CK702", "the expectations file must be a mapping "
                                                 "with keys such as timeout: and checks:")]),
        ("timeouts: 3\n", [(1, 1, "CK701", "unknown key 'timeouts' in the expectations file")]),
        ("version: 2\n", [(1, 10, "CK702", "unsupported expectations file version 2; this "
                                           "composekit reads version 1")]),
        ("timeout: 0\n", [(1, 10, "CK702", "timeout must be at least 1, not 0")]),
        ("services: web\n", [(1, 11, "CK702", "services must be a list of service names, "
                                             "not a string")]),
        ("check_ports: yes\n", [(1, 14, "CK702", "check_ports must be true or false, "
                                                 "not a string")]),
        ("log_lines: -1\n", [(1, 12, "CK702", "log_lines must be between 0 and 10000, not -1")]),
        ("image_map:\n  redis: ''\n", [(2, 10, "CK702", "bad image map 'redis=': expected "
                                                       "FROM=TO, e.g. "
                                                       "redis:7-alpine=local/redis:test")]),
        ("checks:\n  - tcp: db:5432/x\n", [(2, 10, "CK702", "tcp: expected SERVICE:PORT, "
                                                            "without a path")]),
        ("checks:\n  - {name: x}\n", [(2, 5, "CK703", "a check needs one of the keys http, "
                                                      "tcp, exec, log")]),
        ("checks:\n  - http: a:1/\n    tcp: a:1\n", [(3, 5, "CK702", "a check has one kind; "
                                                                    "this one has http and tcp")]),
        ("checks:\n  - http: web\n", [(2, 11, "CK702", "http: expected SERVICE:PORT[/PATH], "
                                                       "e.g. web:5000/health, got 'web'")]),
        ("checks:\n  - http: a:1/\n    status: 999\n", [(3, 13, "CK702", "status must be between "
                                                                        "100 and 599, not 999")]),
        ("checks:\n  - http: a:1/\n    json: {equals: 1}\n",
         [(3, 11, "CK703", "a json expectation needs 'path'")]),
        ("checks:\n  - http: a:1/\n    json: {path: 'a..b'}\n",
         [(3, 18, "CK702", "bad JSON path 'a..b' at character 3: expected '.name', '[index]' "
                           "or '[\"key\"]'")]),
        ("checks:\n  - exec: a\n    command: ''\n", [(3, 14, "CK702", "command is empty")]),
        ("checks:\n  - exec: a\n    command: \"echo 'x\"\n",
         [(3, 14, "CK702", "command: No closing quotation")]),
        ("checks:\n  - log: a\n", [(2, 5, "CK703", "a log check needs 'contains' or 'matches'")]),
        ("checks:\n  - log: a\n    contains: [x, {y: 1}]\n",
         [(3, 19, "CK702", "each entry of contains must be a string, not a mapping")]),
    ],
)
def test_findings(tmp_path: Path, text: str, expected: list[tuple[int, int, str, str]]) -> None:
    assert findings(tmp_path, text) == expected


def test_yaml_syntax_errors_are_findings(tmp_path: Path) -> None:
    exp, diags = load_expectations(write(tmp_path, "checks: [\n"))
    assert exp is None
    assert diags and diags[0].code == "CK001" and diags[0].line >= 1


def test_missing_file_is_an_io_finding(tmp_path: Path) -> None:
    exp, diags = load_expectations(str(tmp_path / "nope.yaml"))
    assert exp is None
    assert [d.code for d in diags] == ["CK000"]


def test_several_findings_in_one_file_are_all_reported(tmp_path: Path) -> None:
    got = findings(tmp_path, "timeout: x\nlog_lines: y\nchecks:\n  - tcp: a\n  - exec: b\n")
    assert [(line, code) for line, _, code, _ in got] == [
        (1, "CK702"), (2, "CK702"), (4, "CK702"), (5, "CK703")]


def test_find_expectations_file(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    assert find_expectations_file([str(tmp_path / "compose.yaml")], None) is None
    (tmp_path / "composekit-test.yml").write_text("timeout: 3\n")
    assert find_expectations_file([str(tmp_path / "compose.yaml")], None) == str(
        tmp_path / "composekit-test.yml")
    (tmp_path / "composekit-test.yaml").write_text("timeout: 3\n")
    assert find_expectations_file([], str(tmp_path)) == str(tmp_path / "composekit-test.yaml")


def test_merge_flags_over_file() -> None:
    file = Expectations(path="f", timeout=30, one_shot=("a",), env={"X": "1"},
                        image_map=image_map(["redis:7=a/redis:7"]), checks=(tcp_flag("a:1"),))
    flags = Expectations(timeout=5, one_shot=("b", "a"), image_map=image_map(["redis:7=b/r:7"]),
                         check_ports=False, checks=(http_flag("a:2/"),))
    merged = file.merged(flags)
    assert merged.timeout == 5
    assert merged.one_shot == ("a", "b")
    assert merged.image_map.apply("redis:7") == "b/r:7"
    assert merged.check_ports is False
    assert [c.kind for c in merged.checks] == ["tcp", "http"]
    assert merged.env == {"X": "1"}
    assert merged.path == "f"


def test_flags() -> None:
    assert http_flag("web:5000/health") == HttpCheck(service="web", port=5000, path="/health")
    assert http_flag("web:5000").path == "/"
    assert tcp_flag("redis:6379") == TcpCheck(service="redis", port=6379)
    assert exec_flag("redis: redis-cli -n 1 ping") == ExecCheck(
        service="redis", command=("redis-cli", "-n", "1", "ping"))
    assert log_flag("redis: Ready to accept connections") == LogCheck(
        service="redis", contains=("Ready to accept connections",))
    assert parse_target("a-b_c.d:80/x?y=1") == ("a-b_c.d", 80, "/x?y=1")


@pytest.mark.parametrize(
    ("make", "text", "fragment"),
    [
        (http_flag, "web", "expected SERVICE:PORT[/PATH]"),
        (http_flag, "web:0/", "port 0 is out of range"),
        (tcp_flag, "redis:6379/x", "without a path"),
        (exec_flag, "redis", "expected 'SERVICE: COMMAND ARGS...'"),
        (exec_flag, "redis:", "expected 'SERVICE: COMMAND ARGS...'"),
        (exec_flag, "redis: echo 'x", "No closing quotation"),
        (log_flag, "redis", "expected 'SERVICE: TEXT'"),
    ],
)
def test_bad_flags(make: object, text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        make(text)  # type: ignore[operator]
    assert fragment in str(info.value)


def test_check_text() -> None:
    check, diags = parse_check_text("{http: 'web:5000/', status: 200, body_contains: Hello}",
                                    "--check[1]")
    assert diags == []
    assert check == HttpCheck(service="web", port=5000, path="/", body_contains=("Hello",),
                              where="--check[1]:1:8")
    check, diags = parse_check_text("{tcp: 'db:5432', witin: 3}", "--check[2]")
    assert check is None
    assert [(d.path, d.line, d.column, d.code) for d in diags] == [("--check[2]", 1, 18, "CK701")]


def test_unknown_services_are_positioned(tmp_path: Path) -> None:
    exp, _ = load_expectations(write(tmp_path, "one_shot: [migrat]\nchecks:\n  - tcp: db:5432\n"))
    assert exp is not None
    exp = exp.merged(Expectations(checks=(http_flag("wbe:80/"),)))
    diags = check_service_names(exp, ["web", "migrate", "redis"])
    got = [(d.path.endswith(".yaml"), d.line, d.column, d.code, d.message, d.help) for d in diags]
    assert got == [
        (True, 1, 12, "CK704", "no service 'migrat' in the project", "did you mean 'migrate'?"),
        (True, 3, 10, "CK704", "no service 'db' in the project",
         "services of the project: migrate, redis, web"),
        (False, 1, 1, "CK704", "http GET wbe:80/: no service 'wbe' in the project",
         "did you mean 'web'?"),
    ]
    assert diags[2].path == "command line"
