"""The expectations file (``composekit-test.yaml``) and the check flags of ``composekit test``.

The file sits beside the Compose file and says what to check once the stack is
up, beyond "every service running, healthy where it has a health check, every
published port accepting connections"::

    timeout: 120                    # seconds the stack may take to become ready
    services: [web, redis]          # start only these (and what they depend on)
    one_shot: [migrate]             # services that must exit 0 instead of staying up
    image_map:                      # image substitutions (see composekit.testing.imagemap)
      redis:7-alpine: local/redis:test
    env:                            # variables for interpolation and for docker compose
      WEB_PORT: "0"
    check_ports: true
    log_lines: 30                   # log lines shown for a failed service
    checks:
      - http: web:5000/             # GET; SERVICE:CONTAINER_PORT/PATH
        status: 200
        body_contains: Hello World  # a text or a list of texts
        body_matches: 'seen \\d+ times'
        json: {path: hits, equals: 1}   # one or a list of {path, equals|exists|matches}
      - tcp: redis:6379
      - exec: redis                 # SERVICE; the command as a string or a list
        command: redis-cli ping
        output_contains: PONG
      - log: redis
        contains: Ready to accept connections

Each check may also set ``name`` (its label in the report) and ``within``
(seconds it is retried while it fails). :func:`load_expectations` never raises
for a bad file: every problem is a :class:`~composekit.diagnostics.Diagnostic`
with file, line and column.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from composekit.diagnostics import Diagnostic, Severity, Span, json_path
from composekit.errors import UsageError
from composekit.testing.checks import (
    Check,
    ExecCheck,
    HttpCheck,
    JsonExpectation,
    LogCheck,
    TcpCheck,
    parse_json_path,
)
from composekit.testing.imagemap import ImageMap, ImageRule, parse_rule

#: File names looked for beside the Compose file, in this order.
EXPECTATION_FILE_NAMES = ("composekit-test.yaml", "composekit-test.yml")

PathPart = str | int


@dataclass(frozen=True)
class HarnessCode:
    code: str
    name: str
    summary: str


#: The harness's diagnostic codes (CK7xx: test harness input).
HARNESS_CODES: tuple[HarnessCode, ...] = (
    HarnessCode("CK701", "expect-unknown-key",
                "A key of the expectations file is not known (typo?)."),
    HarnessCode("CK702", "expect-invalid-value",
                "A value of the expectations file has the wrong type or form."),
    HarnessCode("CK703", "expect-missing-key",
                "A check lacks a required key (its kind, or exec's command)."),
    HarnessCode("CK704", "expect-unknown-service",
                "A check or setting names a service the project does not define."),
)
_BY_NAME = {c.name: c for c in HARNESS_CODES}


def harness_diagnostic(name: str, path: str, span: Span, message: str, *,
                       parts: Sequence[PathPart] = (), help: str | None = None) -> Diagnostic:
    """A finding about the harness's input (expectations file, check flags)."""
    code = _BY_NAME[name]
    return Diagnostic(path=path, span=span, code=code.code, name=code.name,
                      severity=Severity.ERROR, message=message, json_path=json_path(list(parts)),
                      help=help, origin="harness")


@dataclass(frozen=True)
class ServiceRef:
    """A service name as written in an expectations file or a ``--check``."""

    service: str
    path: str
    span: Span
    parts: tuple[PathPart, ...]


@dataclass(frozen=True)
class Expectations:
    """What to check, from an expectations file and/or flags; unset fields are ``None``."""

    path: str | None = None
    timeout: float | None = None
    services: tuple[str, ...] | None = None
    one_shot: tuple[str, ...] = ()
    image_map: ImageMap = field(default_factory=ImageMap)
    env: dict[str, str] = field(default_factory=dict)
    check_ports: bool | None = None
    log_lines: int | None = None
    checks: tuple[Check, ...] = ()
    #: Where each service named in the file was written (for unknown-service findings).
    service_refs: tuple[ServiceRef, ...] = ()

    def merged(self, other: Expectations) -> Expectations:
        """This file's settings overridden by ``other`` (flags), checks appended."""
        return Expectations(
            path=self.path or other.path,
            timeout=other.timeout if other.timeout is not None else self.timeout,
            services=other.services if other.services is not None else self.services,
            one_shot=tuple(dict.fromkeys(self.one_shot + other.one_shot)),
            image_map=self.image_map.merged(other.image_map),
            env={**self.env, **other.env},
            check_ports=other.check_ports if other.check_ports is not None else self.check_ports,
            log_lines=other.log_lines if other.log_lines is not None else self.log_lines,
            checks=self.checks + other.checks,
            service_refs=self.service_refs + other.service_refs,
        )


def find_expectations_file(compose_files: Sequence[str], project_dir: str | None) -> str | None:
    """The expectations file beside the first Compose file (or in the project directory)."""
    directory = (os.path.dirname(os.path.abspath(compose_files[0])) if compose_files
                 else os.path.abspath(project_dir or "."))
    for name in EXPECTATION_FILE_NAMES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def load_expectations(path: str) -> tuple[Expectations | None, list[Diagnostic]]:
    """Read an expectations file; ``None`` (with findings) when it cannot be used."""
    from composekit.yamlio import load_file

    doc, diags = load_file(path)
    # yamlio speaks of Compose files; two of its findings mean something else here.
    if any(d.name == "empty-file" for d in diags):
        return Expectations(path=path), []
    diags = [
        harness_diagnostic("expect-invalid-value", d.path, d.span,
                           "the expectations file must be a mapping with keys such as "
                           "timeout: and checks:")
        if d.name == "root-not-mapping" else d
        for d in diags
    ]
    errors = [d for d in diags if d.severity >= Severity.ERROR]
    if doc is None or errors:
        return None, errors or diags
    data = doc.data
    if data is None:
        return Expectations(path=path), []
    reader = _Reader(path, data)
    result = reader.read_file()
    if reader.diagnostics:
        return None, reader.diagnostics
    return result, []


def parse_check_text(text: str, label: str) -> tuple[Check | None, list[Diagnostic]]:
    """One check written as YAML (``--check '{http: web:5000/, status: 200}'``).

    ``label`` names the source in findings (e.g. ``--check[1]``).
    """
    from composekit.yamlio import parse_text

    doc, diags = parse_text(text, label)
    errors = [d for d in diags if d.severity >= Severity.ERROR]
    if doc is None or errors:
        return None, errors or diags
    reader = _Reader(label, doc.data)
    check = reader.read_check(doc.data, ())
    if reader.diagnostics:
        return None, reader.diagnostics
    return check, []


# --------------------------------------------------------------------------
# Shorthand flags
# --------------------------------------------------------------------------

_TARGET = re.compile(r"^(?P<service>[^:/\s]+):(?P<port>\d+)(?P<path>/\S*)?$")


def parse_target(text: str) -> tuple[str, int, str]:
    """``SERVICE:PORT[/PATH]`` as ``(service, port, path)``; ValueError when malformed."""
    m = _TARGET.match(text.strip())
    if m is None:
        raise ValueError(f"expected SERVICE:PORT[/PATH], e.g. web:5000/health, got {text!r}")
    port = int(m.group("port"))
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 1-65535")
    return m.group("service"), port, m.group("path") or "/"


def http_flag(text: str) -> HttpCheck:
    """``--http web:5000/health``: GET answers 200."""
    try:
        service, port, path = parse_target(text)
    except ValueError as exc:
        raise UsageError(f"--http {text!r}: {exc}") from None
    return HttpCheck(service=service, port=port, path=path)


def tcp_flag(text: str) -> TcpCheck:
    """``--tcp redis:6379``: the port accepts a connection."""
    try:
        service, port, path = parse_target(text)
    except ValueError as exc:
        raise UsageError(f"--tcp {text!r}: {exc}") from None
    if path != "/":
        raise UsageError(f"--tcp {text!r}: expected SERVICE:PORT, without a path")
    return TcpCheck(service=service, port=port)


def exec_flag(text: str) -> ExecCheck:
    """``--exec 'redis: redis-cli ping'``: the command exits 0."""
    service, sep, command = text.partition(":")
    service = service.strip()
    try:
        argv = tuple(shlex.split(command))
    except ValueError as exc:
        raise UsageError(f"--exec {text!r}: {exc}") from None
    if not sep or not service or not argv:
        raise UsageError(f"--exec {text!r}: expected 'SERVICE: COMMAND ARGS...', "
                         "e.g. 'redis: redis-cli ping'")
    return ExecCheck(service=service, command=argv)


def log_flag(text: str) -> LogCheck:
    """``--log 'redis: Ready to accept connections'``: a log line contains the text."""
    service, sep, wanted = text.partition(":")
    service, wanted = service.strip(), wanted.strip()
    if not sep or not service or not wanted:
        raise UsageError(f"--log {text!r}: expected 'SERVICE: TEXT', "
                         "e.g. 'redis: Ready to accept connections'")
    return LogCheck(service=service, contains=(wanted,))


# --------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------

_FILE_KEYS = ("version", "timeout", "services", "one_shot", "image_map", "env", "check_ports",
              "log_lines", "checks")
_KINDS = ("http", "tcp", "exec", "log")
_COMMON_CHECK_KEYS = ("name", "within")
_CHECK_KEYS: dict[str, tuple[str, ...]] = {
    "http": ("status", "body_contains", "body_matches", "json", "scheme", "timeout"),
    "tcp": (),
    "exec": ("command", "exit_code", "output_contains", "output_matches", "timeout"),
    "log": ("contains", "matches"),
}
_JSON_KEYS = ("path", "equals", "exists", "matches")


class _Invalid(Exception):
    """One value could not be read; the finding is already recorded."""


class _Reader:
    def __init__(self, path: str, root: Any) -> None:
        self.path = path
        self.root = root
        self.diagnostics: list[Diagnostic] = []
        self.refs: list[ServiceRef] = []

    # -- findings --------------------------------------------------------------

    def span(self, parts: Sequence[PathPart], *, key: bool = False) -> Span:
        from composekit.yamlio import locate

        return locate(self.root, list(parts), key=key)

    def where(self, parts: Sequence[PathPart]) -> str:
        span = self.span(parts)
        return f"{self.path}:{span.line}:{span.column}"

    def report(self, name: str, parts: Sequence[PathPart], message: str, *, key: bool = False,
               help: str | None = None) -> None:
        self.diagnostics.append(harness_diagnostic(
            name, self.path, self.span(parts, key=key), message, parts=parts, help=help))

    def invalid(self, parts: Sequence[PathPart], message: str,
                help: str | None = None) -> _Invalid:
        self.report("expect-invalid-value", parts, message, help=help)
        return _Invalid()

    def unknown_keys(self, node: CommentedMap, parts: tuple[PathPart, ...],
                     allowed: Sequence[str], what: str) -> None:
        for key in node:
            if key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (f"did you mean '{close[0]}'?" if close
                    else "allowed keys: " + ", ".join(allowed))
            self.report("expect-unknown-key", (*parts, key),
                        f"unknown key '{key}' in {what}", key=True, help=hint)

    # -- typed values ------------------------------------------------------------

    def mapping(self, value: Any, parts: tuple[PathPart, ...], what: str) -> CommentedMap:
        if not isinstance(value, CommentedMap):
            raise self.invalid(parts, f"{what} must be a mapping, not {_kind(value)}")
        return value

    def string(self, value: Any, parts: tuple[PathPart, ...], what: str) -> str:
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            raise self.invalid(parts, f"{what} must be a string, not {_kind(value)}")
        return str(value)

    def number(self, value: Any, parts: tuple[PathPart, ...], what: str, *,
               minimum: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.invalid(parts, f"{what} must be a number of seconds, not {_kind(value)}")
        if value < minimum:
            raise self.invalid(parts, f"{what} must be at least {minimum:g}, not {value}")
        return float(value)

    def integer(self, value: Any, parts: tuple[PathPart, ...], what: str, *,
                low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.invalid(parts, f"{what} must be an integer, not {_kind(value)}")
        if not low <= value <= high:
            raise self.invalid(parts, f"{what} must be between {low} and {high}, not {value}")
        return int(value)

    def boolean(self, value: Any, parts: tuple[PathPart, ...], what: str) -> bool:
        if not isinstance(value, bool):
            raise self.invalid(parts, f"{what} must be true or false, not {_kind(value)}")
        return value

    def strings(self, value: Any, parts: tuple[PathPart, ...], what: str) -> tuple[str, ...]:
        """A string or a list of strings."""
        if isinstance(value, CommentedSeq):
            return tuple(self.string(v, (*parts, i), f"each entry of {what}")
                         for i, v in enumerate(value))
        return (self.string(value, parts, what),)

    def regex(self, value: Any, parts: tuple[PathPart, ...], what: str) -> str:
        text = self.string(value, parts, what)
        try:
            re.compile(text)
        except re.error as exc:
            raise self.invalid(parts, f"{what} is not a valid regular expression: {exc}") from None
        return text

    def optional(self, node: CommentedMap, key: str, parts: tuple[PathPart, ...],
                 read: Callable[[Any, tuple[PathPart, ...]], Any], default: Any) -> Any:
        if key not in node:
            return default
        return read(node[key], (*parts, key))

    # -- the file ----------------------------------------------------------------

    def read_file(self) -> Expectations | None:
        try:
            root = self.mapping(self.root, (), "the expectations file")
        except _Invalid:
            return None
        self.unknown_keys(root, (), _FILE_KEYS, "the expectations file")
        values: dict[str, Any] = {}
        readers: dict[str, Callable[[Any, tuple[PathPart, ...]], Any]] = {
            "version": self._version,
            "timeout": lambda v, p: self.number(v, p, "timeout", minimum=1),
            "services": lambda v, p: self._service_list(v, p, "services"),
            "one_shot": lambda v, p: self._service_list(v, p, "one_shot"),
            "image_map": self._image_map,
            "env": self._env,
            "check_ports": lambda v, p: self.boolean(v, p, "check_ports"),
            "log_lines": lambda v, p: self.integer(v, p, "log_lines", low=0, high=10000),
            "checks": self._checks,
        }
        for key, read in readers.items():
            if key not in root:
                continue
            try:
                values[key] = read(root[key], (key,))
            except _Invalid:
                continue
        return Expectations(
            path=self.path,
            timeout=values.get("timeout"),
            services=values.get("services"),
            one_shot=values.get("one_shot", ()),
            image_map=values.get("image_map", ImageMap()),
            env=values.get("env", {}),
            check_ports=values.get("check_ports"),
            log_lines=values.get("log_lines"),
            checks=values.get("checks", ()),
            service_refs=tuple(self.refs),
        )

    def _version(self, value: Any, parts: tuple[PathPart, ...]) -> int:
        if isinstance(value, bool) or value != 1:
            raise self.invalid(parts, f"unsupported expectations file version {value!r}; "
                                      "this composekit reads version 1")
        return 1

    def _service_list(self, value: Any, parts: tuple[PathPart, ...],
                      what: str) -> tuple[str, ...]:
        if not isinstance(value, CommentedSeq):
            raise self.invalid(parts, f"{what} must be a list of service names, "
                                      f"not {_kind(value)}")
        names = []
        for i, item in enumerate(value):
            name = self.string(item, (*parts, i), f"each entry of {what}")
            names.append(name)
            self.refs.append(ServiceRef(name, self.path, self.span((*parts, i)), (*parts, i)))
        return tuple(names)

    def _image_map(self, value: Any, parts: tuple[PathPart, ...]) -> ImageMap:
        rules: list[ImageRule] = []
        if isinstance(value, CommentedMap):
            items: Iterable[tuple[PathPart, str]] = (
                (k, f"{k}={self.string(v, (*parts, k), f'image_map entry {k!r}')}")
                for k, v in value.items())
        elif isinstance(value, CommentedSeq):
            items = ((i, self.string(v, (*parts, i), "each image_map entry"))
                     for i, v in enumerate(value))
        else:
            raise self.invalid(parts, "image_map must map image references to replacements "
                                      f"(FROM: TO), not {_kind(value)}")
        for key, text in items:
            try:
                rules.append(parse_rule(text))
            except UsageError as exc:
                self.report("expect-invalid-value", (*parts, key), str(exc))
        return ImageMap(tuple(rules))

    def _env(self, value: Any, parts: tuple[PathPart, ...]) -> dict[str, str]:
        node = self.mapping(value, parts, "env")
        out: dict[str, str] = {}
        for key, item in node.items():
            if isinstance(item, bool):
                out[str(key)] = "true" if item else "false"
            elif item is None:
                out[str(key)] = ""
            else:
                out[str(key)] = self.string(item, (*parts, key), f"env.{key}")
        return out

    def _checks(self, value: Any, parts: tuple[PathPart, ...]) -> tuple[Check, ...]:
        if not isinstance(value, CommentedSeq):
            raise self.invalid(parts, f"checks must be a list, not {_kind(value)}")
        out: list[Check] = []
        for i, item in enumerate(value):
            check = self.read_check(item, (*parts, i))
            if check is not None:
                out.append(check)
        return tuple(out)

    # -- one check ----------------------------------------------------------------

    def read_check(self, value: Any, parts: tuple[PathPart, ...]) -> Check | None:
        try:
            node = self.mapping(value, parts, "a check")
        except _Invalid:
            return None
        kinds = [k for k in _KINDS if k in node]
        if not kinds:
            self.report("expect-missing-key", parts,
                        "a check needs one of the keys " + ", ".join(_KINDS),
                        help="e.g. '- http: web:5000/' or '- tcp: redis:6379'")
            self.unknown_keys(node, parts, (*_KINDS, *_COMMON_CHECK_KEYS), "a check")
            return None
        if len(kinds) > 1:
            self.report("expect-invalid-value", (*parts, kinds[1]),
                        f"a check has one kind; this one has {' and '.join(kinds)}",
                        key=True, help="split it into one check per kind")
            return None
        kind = kinds[0]
        self.unknown_keys(node, parts, (kind, *_COMMON_CHECK_KEYS, *_CHECK_KEYS[kind]),
                          f"a {kind} check")
        try:
            common = {
                "name": self.optional(node, "name", parts,
                                      lambda v, p: self.string(v, p, "name"), None),
                "where": self.where((*parts, kind)),
            }
            readers: dict[str, Callable[[CommentedMap, tuple[PathPart, ...], dict[str, Any]],
                                        Check]] = {
                "http": self._http, "tcp": self._tcp, "exec": self._exec, "log": self._log}
            check = readers[kind](node, parts, common)
        except _Invalid:
            return None
        self.refs.append(ServiceRef(check.service, self.path, self.span((*parts, kind)),
                                    (*parts, kind)))
        return check

    def _within(self, node: CommentedMap, parts: tuple[PathPart, ...], default: float) -> float:
        return float(self.optional(node, "within", parts,
                                   lambda v, p: self.number(v, p, "within"), default))

    def _target(self, node: CommentedMap, parts: tuple[PathPart, ...],
                kind: str) -> tuple[str, int, str]:
        text = self.string(node[kind], (*parts, kind), kind)
        try:
            return parse_target(text)
        except ValueError as exc:
            raise self.invalid((*parts, kind), f"{kind}: {exc}") from None

    def _http(self, node: CommentedMap, parts: tuple[PathPart, ...],
              common: dict[str, Any]) -> HttpCheck:
        service, port, path = self._target(node, parts, "http")
        scheme = self.optional(node, "scheme", parts,
                               lambda v, p: self.string(v, p, "scheme"), "http")
        if scheme not in ("http", "https"):
            raise self.invalid((*parts, "scheme"), f"scheme must be http or https, not {scheme!r}")
        return HttpCheck(
            service=service, port=port, path=path, scheme=scheme,
            status=self.optional(node, "status", parts,
                                 lambda v, p: self.integer(v, p, "status", low=100, high=599),
                                 200),
            body_contains=self.optional(node, "body_contains", parts,
                                        lambda v, p: self.strings(v, p, "body_contains"), ()),
            body_matches=self.optional(node, "body_matches", parts,
                                       lambda v, p: self.regex(v, p, "body_matches"), None),
            json=self.optional(node, "json", parts, self._json, ()),
            request_timeout=self.optional(node, "timeout", parts,
                                          lambda v, p: self.number(v, p, "timeout", minimum=0.1),
                                          5.0),
            within=self._within(node, parts, 10.0),
            **common,
        )

    def _json(self, value: Any, parts: tuple[PathPart, ...]) -> tuple[JsonExpectation, ...]:
        items = list(enumerate(value)) if isinstance(value, CommentedSeq) else [(None, value)]
        out = []
        for index, item in items:
            where = parts if index is None else (*parts, index)
            entry = self.mapping(item, where, "a json expectation ({path: ..., equals: ...})")
            self.unknown_keys(entry, where, _JSON_KEYS, "a json expectation")
            if "path" not in entry:
                self.report("expect-missing-key", where, "a json expectation needs 'path'",
                            help="e.g. {path: hits, equals: 1}")
                raise _Invalid()
            path = self.string(entry["path"], (*where, "path"), "path")
            try:
                parse_json_path(path)
            except ValueError as exc:
                raise self.invalid((*where, "path"), str(exc)) from None
            exists = self.optional(entry, "exists", where,
                                   lambda v, p: self.boolean(v, p, "exists"), None)
            matches = self.optional(entry, "matches", where,
                                    lambda v, p: self.regex(v, p, "matches"), None)
            has_equals = "equals" in entry
            out.append(JsonExpectation(path=path, equals=_plain(entry.get("equals")),
                                       has_equals=has_equals, exists=exists, matches=matches))
        return tuple(out)

    def _tcp(self, node: CommentedMap, parts: tuple[PathPart, ...],
             common: dict[str, Any]) -> TcpCheck:
        service, port, path = self._target(node, parts, "tcp")
        if path != "/":
            raise self.invalid((*parts, "tcp"), "tcp: expected SERVICE:PORT, without a path")
        return TcpCheck(service=service, port=port, within=self._within(node, parts, 10.0),
                        **common)

    def _exec(self, node: CommentedMap, parts: tuple[PathPart, ...],
              common: dict[str, Any]) -> ExecCheck:
        service = self.string(node["exec"], (*parts, "exec"), "exec (the service)")
        if "command" not in node:
            self.report("expect-missing-key", (*parts, "exec"),
                        "an exec check needs 'command'", key=True,
                        help="e.g. command: redis-cli ping")
            raise _Invalid()
        raw = node["command"]
        if isinstance(raw, CommentedSeq):
            command = self.strings(raw, (*parts, "command"), "command")
        else:
            text = self.string(raw, (*parts, "command"), "command")
            try:
                command = tuple(shlex.split(text))
            except ValueError as exc:
                raise self.invalid((*parts, "command"), f"command: {exc}") from None
        if not command:
            raise self.invalid((*parts, "command"), "command is empty")
        return ExecCheck(
            service=service, command=command,
            exit_code=self.optional(node, "exit_code", parts,
                                    lambda v, p: self.integer(v, p, "exit_code", low=0, high=255),
                                    0),
            output_contains=self.optional(node, "output_contains", parts,
                                          lambda v, p: self.strings(v, p, "output_contains"), ()),
            output_matches=self.optional(node, "output_matches", parts,
                                         lambda v, p: self.regex(v, p, "output_matches"), None),
            timeout=self.optional(node, "timeout", parts,
                                  lambda v, p: self.number(v, p, "timeout", minimum=1), 60.0),
            within=self._within(node, parts, 0.0),
            **common,
        )

    def _log(self, node: CommentedMap, parts: tuple[PathPart, ...],
             common: dict[str, Any]) -> LogCheck:
        service = self.string(node["log"], (*parts, "log"), "log (the service)")
        contains = self.optional(node, "contains", parts,
                                 lambda v, p: self.strings(v, p, "contains"), ())
        matches = self.optional(node, "matches", parts,
                                lambda v, p: self.regex(v, p, "matches"), None)
        if not contains and matches is None:
            self.report("expect-missing-key", (*parts, "log"),
                        "a log check needs 'contains' or 'matches'", key=True)
            raise _Invalid()
        return LogCheck(service=service, contains=contains, matches=matches,
                        within=self._within(node, parts, 10.0), **common)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _plain(value: Any) -> Any:
    """A ruamel value as plain JSON-comparable Python."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_service_names(expectations: Expectations,
                        known: Iterable[str]) -> list[Diagnostic]:
    """``expect-unknown-service`` findings for services the project does not define."""
    names = set(known)
    hint = "services of the project: " + (", ".join(sorted(names)) or "(none)")
    out: list[Diagnostic] = []
    for ref in expectations.service_refs:
        if ref.service not in names:
            out.append(harness_diagnostic(
                "expect-unknown-service", ref.path, ref.span,
                f"no service '{ref.service}' in the project", parts=ref.parts,
                help=_suggest(ref.service, names) or hint))
    covered = {ref.path for ref in expectations.service_refs}
    for check in expectations.checks:
        if check.service in names:
            continue
        path, span = _split_where(check.where)
        if path in covered:
            continue
        out.append(harness_diagnostic(
            "expect-unknown-service", path, span,
            f"{check.label}: no service '{check.service}' in the project",
            help=_suggest(check.service, names) or hint))
    return out


def _suggest(name: str, names: set[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _split_where(where: str | None) -> tuple[str, Span]:
    if not where:
        return "command line", Span()
    m = re.match(r"^(?P<path>.*):(?P<line>\d+):(?P<col>\d+)$", where)
    if m is None:
        return where, Span()
    return m.group("path"), Span(int(m.group("line")), int(m.group("col")))
