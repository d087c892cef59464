"""Checks against a real local HTTP server and real sockets, through a fake stack target."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from composekit.errors import HarnessError
from composekit.testing.checks import (
    CheckRunner,
    EndpointError,
    ExecCheck,
    HttpCheck,
    JsonExpectation,
    LogCheck,
    TcpCheck,
    check_json,
    parse_json_path,
    probe_tcp,
)
from composekit.testing.results import ExecResult, Status


class _Handler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        routes = {
            "/": (200, "text/plain", "Hello World! I have been seen 3 times.\n"),
            "/stats": (200, "application/json", json.dumps(
                {"hits": 3, "ok": True, "items": [{"name": "a b"}], "ratio": 1.0})),
            "/broken": (500, "text/plain", "Traceback: boom\n"),
            "/moved": (302, "text/plain", ""),
            "/text": (200, "text/plain", "not json"),
        }
        if self.path == "/flaky":
            _Handler.hits += 1
            status, body = (200, "ok") if _Handler.hits >= 3 else (503, "warming up")
            self._send(status, "text/plain", body)
            return
        status, ctype, body = routes.get(self.path, (404, "text/plain", "nope"))
        self._send(status, ctype, body, location="/elsewhere" if status == 302 else None)

    def _send(self, status: int, ctype: str, body: str, location: str | None = None) -> None:
        raw = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@dataclass
class FakeClock:
    t: float = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class FakeTarget:
    ports: dict[tuple[str, int], int] = field(default_factory=dict)
    exec_results: list[ExecResult] = field(default_factory=list)
    log_text: str = ""
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def endpoint(self, service: str, port: int, protocol: str = "tcp") -> tuple[str, int]:
        if (service, port) not in self.ports:
            raise EndpointError(f"container port {port}/tcp of service {service} is not "
                                "published")
        return "127.0.0.1", self.ports[(service, port)]

    def exec(self, service: str, command: Sequence[str], *, timeout: float = 60.0) -> ExecResult:
        self.calls.append((service, tuple(command)))
        if not self.exec_results:
            raise HarnessError(f"service {service} has no running container to exec in")
        return self.exec_results.pop(0)

    def logs(self, service: str, *, tail: int | None = None) -> str:
        return self.log_text


def runner(target: FakeTarget) -> CheckRunner:
    clock = FakeClock()
    r = CheckRunner(target, poll=0.5)
    r.clock.now = clock.now
    r.clock.sleep = clock.sleep
    return r


def test_http_pass_with_body_and_json(server: int) -> None:
    target = FakeTarget(ports={("web", 5000): server})
    out = runner(target).run(HttpCheck("web", 5000, "/", body_contains=("Hello",),
                                       body_matches=r"seen \d+ times"))
    assert out.status is Status.PASS and out.kind == "http" and out.service == "web"
    assert out.message == (f"GET http://127.0.0.1:{server}/ -> 200 OK; body contains 'Hello'; "
                           "body matches /seen \\d+ times/")
    js = runner(target).run(HttpCheck("web", 5000, "/stats", json=(
        JsonExpectation("hits", equals=3, has_equals=True),
        JsonExpectation("$.items[0].name", matches="^a "),
        JsonExpectation("ok", exists=True),
        JsonExpectation("nope", exists=False))))
    assert js.status is Status.PASS, js.message
    assert "$.hits == 3" in js.message and "$.items[0].name matches /^a /" in js.message


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (HttpCheck("web", 5000, "/broken", within=0),
         "GET http://127.0.0.1:{port}/broken -> 500 Internal Server Error, expected 200"),
        (HttpCheck("web", 5000, "/", body_contains=("Goodbye",), within=0),
         "GET http://127.0.0.1:{port}/ -> 200 OK, but the body lacks 'Goodbye'"),
        (HttpCheck("web", 5000, "/", body_matches="^Bye", within=0),
         "GET http://127.0.0.1:{port}/ -> 200 OK, but the body does not match /^Bye/"),
        (HttpCheck("web", 5000, "/stats", within=0,
                   json=(JsonExpectation("hits", equals=4, has_equals=True),)),
         "GET http://127.0.0.1:{port}/stats -> 200 OK, but $.hits is 3, expected 4"),
        (HttpCheck("web", 5000, "/text", within=0, json=(JsonExpectation("a", exists=True),)),
         "GET http://127.0.0.1:{port}/text -> 200 OK, but the body is not JSON "
         "(Expecting value: line 1 column 1 (char 0))"),
        (HttpCheck("web", 5000, "/moved", within=0), "GET http://127.0.0.1:{port}/moved -> 302 "
                                                     "Found, expected 200"),
        (HttpCheck("web", 9999, "/", within=0), "container port 9999/tcp of service web is not "
                                                "published"),
    ],
)
def test_http_failures(server: int, check: HttpCheck, message: str) -> None:
    out = runner(FakeTarget(ports={("web", 5000): server})).run(check)
    assert out.status is Status.FAIL
    assert out.message == message.format(port=server)


def test_http_failure_quotes_the_body_and_where(server: int) -> None:
    out = runner(FakeTarget(ports={("web", 5000): server})).run(
        HttpCheck("web", 5000, "/broken", within=2, where="composekit-test.yaml:4:11"))
    assert out.details == "body: Traceback: boom"
    assert out.message.endswith("(still failing after 2s) [composekit-test.yaml:4:11]")


def test_redirect_status_can_be_expected(server: int) -> None:
    out = runner(FakeTarget(ports={("web", 5000): server})).run(
        HttpCheck("web", 5000, "/moved", status=302, within=0))
    assert out.status is Status.PASS


def test_http_retries_within_its_window(server: int) -> None:
    _Handler.hits = 0
    target = FakeTarget(ports={("web", 5000): server})
    r = runner(target)
    out = r.run(HttpCheck("web", 5000, "/flaky", within=5))
    assert out.status is Status.PASS
    assert _Handler.hits == 3
    assert out.duration == pytest.approx(1.0)


def test_http_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    out = runner(FakeTarget(ports={("web", 80): free})).run(HttpCheck("web", 80, within=0))
    assert out.status is Status.FAIL
    assert out.message == f"GET http://127.0.0.1:{free}/: connection refused"


def test_probe_tcp_accepting_listener() -> None:
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        assert probe_tcp("127.0.0.1", srv.getsockname()[1]) is None


def test_probe_tcp_connection_closed_at_once_like_docker_proxy() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]

    def accept_and_close() -> None:
        conn, _ = srv.accept()
        conn.close()

    t = threading.Thread(target=accept_and_close)
    t.start()
    problem = probe_tcp("127.0.0.1", port, settle=2.0)
    t.join()
    srv.close()
    assert problem is not None and "closed at once" in problem


def test_probe_tcp_server_speaks_first() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def greet() -> None:
        conn, _ = srv.accept()
        conn.sendall(b"220 ready\r\n")
        conn.close()

    t = threading.Thread(target=greet)
    t.start()
    assert probe_tcp("127.0.0.1", srv.getsockname()[1], settle=2.0) is None
    t.join()
    srv.close()


def test_tcp_check_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    out = runner(FakeTarget(ports={("db", 5432): free})).run(TcpCheck("db", 5432, within=1))
    assert out.status is Status.FAIL
    assert out.message == (f"127.0.0.1:{free} (container port 5432): connection refused "
                           "(still failing after 1s)")


def test_exec_check() -> None:
    target = FakeTarget(exec_results=[ExecResult(0, "PONG\n", "")])
    out = runner(target).run(ExecCheck("redis", ("redis-cli", "ping"),
                                       output_contains=("PONG",), output_matches="^PONG$"))
    assert out.status is Status.PASS
    assert out.message == "exited 0, output contains 'PONG', output matches /^PONG$/"
    assert target.calls == [("redis", ("redis-cli", "ping"))]


@pytest.mark.parametrize(
    ("result", "check", "message"),
    [
        (ExecResult(1, "", "Could not connect\n"), ExecCheck("r", ("x",)),
         "exited 1, expected 0"),
        (ExecResult(0, "PONG\n", ""), ExecCheck("r", ("x",), output_contains=("PANG",)),
         "exited 0 but the output lacks 'PANG'"),
        (ExecResult(0, "PONG\n", ""), ExecCheck("r", ("x",), output_matches="^OK"),
         "exited 0 but the output does not match /^OK/"),
        (ExecResult(2, "", ""), ExecCheck("r", ("x",), exit_code=3), "exited 2, expected 3"),
    ],
)
def test_exec_failures(result: ExecResult, check: ExecCheck, message: str) -> None:
    out = runner(FakeTarget(exec_results=[result])).run(check)
    assert out.status is Status.FAIL and out.message == message


def test_exec_with_no_container_is_a_failure_not_an_exception() -> None:
    out = runner(FakeTarget()).run(ExecCheck("redis", ("true",)))
    assert out.status is Status.FAIL
    assert out.message == "service redis has no running container to exec in"


def test_exec_output_combines_streams() -> None:
    out = runner(FakeTarget(exec_results=[ExecResult(0, "out", "err\n")])).run(
        ExecCheck("r", ("x",), output_contains=("out", "err")))
    assert out.status is Status.PASS
    assert ExecResult(0, "out", "err").output == "out\nerr"


def test_log_check() -> None:
    logs = "starting\n1:M * Ready to accept connections tcp\nbye\n"
    out = runner(FakeTarget(log_text=logs)).run(LogCheck("redis", contains=("Ready to accept",),
                                                         matches=r"^by"))
    assert out.status is Status.PASS
    assert out.message == "found: 1:M * Ready to accept connections tcp | bye"
    miss = runner(FakeTarget(log_text=logs)).run(LogCheck("redis", contains=("nope",), within=1))
    assert miss.status is Status.FAIL
    assert miss.message == "no log line contains 'nope' (3 lines read) (still failing after 1s)"
    assert miss.duration == pytest.approx(1.0)
    nomatch = runner(FakeTarget(log_text=logs)).run(LogCheck("redis", matches="^x", within=0))
    assert nomatch.message == "no log line matches /^x/ (3 lines read)"


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("hits", ("hits",)),
        ("$.hits", ("hits",)),
        ("$.a.b[0]", ("a", "b", 0)),
        ("a[-1].c", ("a", -1, "c")),
        ("$['with space'][\"x.y\"]", ("with space", "x.y")),
        ("[2]", (2,)),
        ("$", ()),
    ],
)
def test_json_paths(path: str, parts: tuple[object, ...]) -> None:
    assert parse_json_path(path) == parts


def test_json_comparisons_keep_booleans_and_numbers_apart() -> None:
    doc = {"flag": True, "n": 1, "f": 1.0}
    assert check_json(doc, JsonExpectation("n", equals=True, has_equals=True)) == (
        "$.n is 1, expected true")
    assert check_json(doc, JsonExpectation("flag", equals=1, has_equals=True)) == (
        "$.flag is true, expected 1")
    assert check_json(doc, JsonExpectation("f", equals=1, has_equals=True)) is None
    assert check_json(doc, JsonExpectation("n", matches="^1$")) is None
    assert check_json(doc, JsonExpectation("x.y")) == "$.x.y is missing"
    assert check_json(doc, JsonExpectation("n", exists=False)) == "$.n is present (1)"
