"""The assertions a user declares, and how each one is run against a started stack.

A check only needs a :class:`StackTarget`: something that maps a service's
container port to an address on this host, runs a command in a service
container, and reads a service's logs. Compose projects
(:class:`~composekit.testing.harness.ComposeEnv`) and swarm stacks
(:class:`~composekit.testing.swarm.SwarmEnv`) both are.

Every check retries until it passes or its ``within`` window (seconds) ends,
and then reports the last failure: a service that has just become healthy may
still be finishing its start-up. Nothing here prints or raises for a failing
check; :func:`run_check` returns an :class:`~composekit.testing.results.Outcome`.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from composekit.errors import HarnessError
from composekit.testing.results import ExecResult, Outcome, failed, passed

#: Most bytes of a response body read for the checks.
MAX_BODY_BYTES = 1024 * 1024
#: How much of a body or an output a failure message quotes.
EXCERPT_CHARS = 400


class EndpointError(HarnessError):
    """A service port cannot be reached from the host (not published, no container)."""


class StackTarget(Protocol):
    """What the checks need from a running stack."""

    def endpoint(self, service: str, port: int, protocol: str = "tcp") -> tuple[str, int]:
        """The host address and port that reach ``port`` of ``service``; raises EndpointError."""
        ...

    def exec(self, service: str, command: Sequence[str], *, timeout: float = 60.0) -> ExecResult:
        """Run ``command`` in a container of ``service``; raises HarnessError when it cannot."""
        ...

    def logs(self, service: str, *, tail: int | None = None) -> str:
        """The log output of ``service`` (all its containers), oldest first."""
        ...


# --------------------------------------------------------------------------
# Check specifications
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonExpectation:
    """A field of a JSON response body: it exists, equals a value, or matches a pattern."""

    path: str
    equals: Any = None
    has_equals: bool = False
    exists: bool | None = None
    matches: str | None = None

    def describe(self) -> str:
        target = _display_path(self.path)
        if self.has_equals:
            return f"{target} == {json.dumps(self.equals)}"
        if self.matches is not None:
            return f"{target} matches /{self.matches}/"
        if self.exists is False:
            return f"{target} is absent"
        return f"{target} exists"


@dataclass(frozen=True)
class HttpCheck:
    """``GET scheme://SERVICE:PORT/PATH`` answers ``status`` with the expected body."""

    kind: ClassVar[str] = "http"
    service: str
    port: int
    path: str = "/"
    scheme: str = "http"
    status: int = 200
    body_contains: tuple[str, ...] = ()
    body_matches: str | None = None
    json: tuple[JsonExpectation, ...] = ()
    within: float = 10.0
    request_timeout: float = 5.0
    name: str | None = None
    where: str | None = None

    @property
    def label(self) -> str:
        return self.name or f"http GET {self.service}:{self.port}{self.path}"


@dataclass(frozen=True)
class TcpCheck:
    """``SERVICE:PORT`` accepts a TCP connection from the host."""

    kind: ClassVar[str] = "tcp"
    service: str
    port: int
    within: float = 10.0
    name: str | None = None
    where: str | None = None

    @property
    def label(self) -> str:
        return self.name or f"tcp {self.service}:{self.port}"


@dataclass(frozen=True)
class ExecCheck:
    """A command run in a container of ``service`` exits ``exit_code`` with the output given."""

    kind: ClassVar[str] = "exec"
    service: str
    command: tuple[str, ...]
    exit_code: int = 0
    output_contains: tuple[str, ...] = ()
    output_matches: str | None = None
    within: float = 0.0
    timeout: float = 60.0
    name: str | None = None
    where: str | None = None

    @property
    def label(self) -> str:
        return self.name or f"exec {self.service}: {shlex.join(self.command)}"


@dataclass(frozen=True)
class LogCheck:
    """The logs of ``service`` hold a line containing / matching the text given."""

    kind: ClassVar[str] = "log"
    service: str
    contains: tuple[str, ...] = ()
    matches: str | None = None
    within: float = 10.0
    name: str | None = None
    where: str | None = None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        wanted = [repr(c) for c in self.contains]
        if self.matches is not None:
            wanted.append(f"/{self.matches}/")
        return f"log {self.service} contains {' and '.join(wanted)}"


Check = HttpCheck | TcpCheck | ExecCheck | LogCheck


# --------------------------------------------------------------------------
# Running checks
# --------------------------------------------------------------------------


@dataclass
class _Clock:
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass
class _Attempt:
    ok: bool
    message: str
    details: str = ""


@dataclass
class CheckRunner:
    """Runs checks against one target; ``poll`` is the pause between attempts."""

    target: StackTarget
    poll: float = 0.5
    clock: _Clock = field(default_factory=_Clock)

    def run(self, check: Check) -> Outcome:
        start = self.clock.now()
        deadline = start + max(0.0, check.within)
        attempt: _Attempt
        while True:
            attempt = self._attempt(check)
            if attempt.ok or self.clock.now() >= deadline:
                break
            self.clock.sleep(min(self.poll, max(0.0, deadline - self.clock.now())))
        duration = self.clock.now() - start
        message = attempt.message
        if not attempt.ok and check.within > 0:
            message += f" (still failing after {check.within:g}s)"
        if not attempt.ok and check.where:
            message += f" [{check.where}]"
        make = passed if attempt.ok else failed
        return make(check.kind, check.label, message, service=check.service,
                    duration=duration, details=attempt.details)

    def _attempt(self, check: Check) -> _Attempt:
        try:
            if isinstance(check, HttpCheck):
                return self._http(check)
            if isinstance(check, TcpCheck):
                return self._tcp(check)
            if isinstance(check, ExecCheck):
                return self._exec(check)
            return self._log(check)
        except HarnessError as exc:
            return _Attempt(False, str(exc))

    def _http(self, check: HttpCheck) -> _Attempt:
        host, port = self.target.endpoint(check.service, check.port)
        url = f"{check.scheme}://{_host_for_url(host)}:{port}{check.path}"
        try:
            status, reason, body = http_get(url, timeout=check.request_timeout)
        except OSError as exc:
            return _Attempt(False, f"GET {url}: {_os_error_text(exc)}")
        said = f"GET {url} -> {status} {reason}".rstrip()
        excerpt = _excerpt(body)
        if status != check.status:
            return _Attempt(False, f"{said}, expected {check.status}", f"body: {excerpt}")
        notes: list[str] = []
        for text in check.body_contains:
            if text not in body:
                return _Attempt(False, f"{said}, but the body lacks {text!r}", f"body: {excerpt}")
            notes.append(f"body contains {text!r}")
        if check.body_matches is not None:
            if not re.search(check.body_matches, body, re.MULTILINE):
                return _Attempt(False, f"{said}, but the body does not match "
                                       f"/{check.body_matches}/", f"body: {excerpt}")
            notes.append(f"body matches /{check.body_matches}/")
        if check.json:
            try:
                document = json.loads(body)
            except ValueError as exc:
                return _Attempt(False, f"{said}, but the body is not JSON ({exc})",
                                f"body: {excerpt}")
            for expectation in check.json:
                problem = check_json(document, expectation)
                if problem is not None:
                    return _Attempt(False, f"{said}, but {problem}", f"body: {excerpt}")
                notes.append(expectation.describe())
        return _Attempt(True, "; ".join([said, *notes]))

    def _tcp(self, check: TcpCheck) -> _Attempt:
        host, port = self.target.endpoint(check.service, check.port)
        problem = probe_tcp(host, port)
        if problem is not None:
            return _Attempt(False, f"{host}:{port} (container port {check.port}): {problem}")
        return _Attempt(True, f"{host}:{port} accepts connections")

    def _exec(self, check: ExecCheck) -> _Attempt:
        result = self.target.exec(check.service, check.command, timeout=check.timeout)
        output = result.output
        details = f"output: {_excerpt(output)}" if output.strip() else "no output"
        if result.exit_code != check.exit_code:
            return _Attempt(False, f"exited {result.exit_code}, expected {check.exit_code}",
                            details)
        notes = [f"exited {result.exit_code}"]
        for text in check.output_contains:
            if text not in output:
                return _Attempt(False, f"exited {result.exit_code} but the output lacks "
                                       f"{text!r}", details)
            notes.append(f"output contains {text!r}")
        if check.output_matches is not None:
            if not re.search(check.output_matches, output, re.MULTILINE):
                return _Attempt(False, f"exited {result.exit_code} but the output does not "
                                       f"match /{check.output_matches}/", details)
            notes.append(f"output matches /{check.output_matches}/")
        return _Attempt(True, ", ".join(notes))

    def _log(self, check: LogCheck) -> _Attempt:
        lines = self.target.logs(check.service).splitlines()
        hits: list[str] = []
        for wanted in check.contains:
            hit = next((ln for ln in lines if wanted in ln), None)
            if hit is None:
                return _Attempt(False, f"no log line contains {wanted!r} "
                                       f"({len(lines)} lines read)")
            hits.append(hit)
        if check.matches is not None:
            pattern = re.compile(check.matches)
            hit = next((ln for ln in lines if pattern.search(ln)), None)
            if hit is None:
                return _Attempt(False, f"no log line matches /{check.matches}/ "
                                       f"({len(lines)} lines read)")
            hits.append(hit)
        return _Attempt(True, "found: " + " | ".join(h.strip()[:160] for h in hits))


def run_checks(target: StackTarget, checks: Sequence[Check]) -> list[Outcome]:
    """Run ``checks`` in order; each gets its own outcome."""
    runner = CheckRunner(target)
    return [runner.run(c) for c in checks]


# --------------------------------------------------------------------------
# Probes
# --------------------------------------------------------------------------


def probe_tcp(host: str, port: int, *, timeout: float = 2.0, settle: float = 0.2) -> str | None:
    """None when ``host:port`` accepts a TCP connection, else the reason it does not.

    Docker publishes ports through ``docker-proxy``, which accepts every
    connection on the host port and closes it at once when nothing listens in
    the container. So a connection is only counted as accepted when it stays
    open for ``settle`` seconds or the server sends something first.
    """
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        return _os_error_text(exc)
    try:
        sock.settimeout(settle)
        try:
            data = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as exc:
            return f"the connection was reset ({_os_error_text(exc)})"
        if data:
            return None
        return ("the connection is closed at once: the port is published but nothing "
                "listens on the container port")
    finally:
        sock.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def http_get(url: str, *, timeout: float = 5.0) -> tuple[int, str, str]:
    """``(status, reason, body)`` of a GET; redirects are not followed, proxies not used."""
    request = urllib.request.Request(url, method="GET",
                                     headers={"User-Agent": "composekit-test"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read(MAX_BODY_BYTES)
            return int(response.status), str(response.reason or ""), _decode(raw)
    except urllib.error.HTTPError as exc:
        raw = exc.read(MAX_BODY_BYTES) if exc.fp is not None else b""
        return int(exc.code), str(exc.reason or ""), _decode(raw)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------
# JSON fields
# --------------------------------------------------------------------------

_SEGMENT = re.compile(
    r"""\.(?P<name>[^.\[\]]+)|\[(?P<index>-?\d+)\]|\[(?P<q>['"])(?P<key>.*?)(?P=q)\]"""
)


def parse_json_path(path: str) -> tuple[str | int, ...]:
    """``$.a.b[0]['c d']`` (``$`` and the first dot optional) as a tuple of keys and indexes."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    if text and not text.startswith((".", "[")):
        text = "." + text
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        m = _SEGMENT.match(text, pos)
        if m is None:
            raise ValueError(f"bad JSON path {path!r} at character {pos + 1}: expected "
                             "'.name', '[index]' or '[\"key\"]'")
        if m.group("name") is not None:
            parts.append(m.group("name"))
        elif m.group("index") is not None:
            parts.append(int(m.group("index")))
        else:
            parts.append(m.group("key"))
        pos = m.end()
    return tuple(parts)


def _display_path(path: str) -> str:
    text = path.strip()
    return text if text.startswith("$") else "$" + ("" if text.startswith("[") else ".") + text


_MISSING = object()


def lookup_json(document: Any, parts: Sequence[str | int]) -> Any:
    """The value at ``parts`` in ``document``, or the ``_MISSING`` marker."""
    value = document
    for part in parts:
        if isinstance(part, int) and isinstance(value, list):
            if -len(value) <= part < len(value):
                value = value[part]
                continue
            return _MISSING
        if isinstance(value, dict) and str(part) in value:
            value = value[str(part)]
            continue
        return _MISSING
    return value


def check_json(document: Any, expectation: JsonExpectation) -> str | None:
    """None when ``document`` meets ``expectation``, else what is wrong."""
    shown = _display_path(expectation.path)
    value = lookup_json(document, parse_json_path(expectation.path))
    if value is _MISSING:
        if expectation.exists is False:
            return None
        return f"{shown} is missing"
    if expectation.exists is False:
        return f"{shown} is present ({json.dumps(value)})"
    if expectation.has_equals and not _json_equal(value, expectation.equals):
        return f"{shown} is {json.dumps(value)}, expected {json.dumps(expectation.equals)}"
    if expectation.matches is not None:
        text = value if isinstance(value, str) else json.dumps(value)
        if not re.search(expectation.matches, text):
            return f"{shown} is {json.dumps(value)}, which does not match /{expectation.matches}/"
    return None


def _json_equal(a: Any, b: Any) -> bool:
    # true == 1 in Python; JSON keeps booleans and numbers apart.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = text.strip()
    if not flat:
        return "(empty)"
    if len(flat) > limit:
        return flat[:limit] + f"... ({len(flat)} characters)"
    return flat


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _os_error_text(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, urllib.error.URLError) and exc.reason is not None:
        reason = exc.reason
        if isinstance(reason, OSError):
            return _os_error_text(reason)
        return str(reason)
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    return exc.strerror or str(exc) or type(exc).__name__
