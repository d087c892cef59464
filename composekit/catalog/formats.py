"""Named string syntaxes the catalogue checks: durations, ports, memory sizes, ...

Each :class:`~composekit.catalog.model.ValueFormat` carries a description and an example,
which is what a finding says when a value does not match ("a duration such as 1m30s").
"""

from __future__ import annotations

from composekit.catalog.model import ValueFormat

_PORT_NUMBER = (
    r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
)
_PORT_RANGE = rf"{_PORT_NUMBER}(?:-{_PORT_NUMBER})?"
_IPV4 = r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}"
_IPV6_BRACKETED = r"\[[0-9a-fA-F:.]+(?:%[0-9a-zA-Z]+)?\]"

#: Go's time.ParseDuration syntax, which every Compose implementation uses (``0`` needs no
#: unit).
DURATION = ValueFormat(
    "duration",
    r"[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)",
    "a duration with a unit (ns, us, ms, s, m, h)",
    "1m30s",
)

#: Byte sizes as docker reads them (go-units RAMInBytes): ``512m``, ``1.5g``, ``2GiB``.
BYTES = ValueFormat(
    "bytes",
    r"[0-9]+(?:\.[0-9]+)? ?(?:[kmgtp]i?b?|b)?",
    "a byte size: a number with an optional unit b, k, m, g, t, p",
    "512m",
    ignore_case=True,
)

#: Short port syntax: ``[[IP:][HOST[-HOST]]:]CONTAINER[-CONTAINER][/PROTOCOL]``.
PORT = ValueFormat(
    "port",
    rf"(?:(?:(?:{_IPV4}|{_IPV6_BRACKETED}):)?(?:{_PORT_RANGE})?:)?{_PORT_RANGE}"
    r"(?:/(?:tcp|udp|sctp))?",
    "a port mapping [[IP:]HOST:]CONTAINER[/tcp|udp|sctp] with ports 0-65535",
    "127.0.0.1:8080:80",
)

#: ``expose`` entries: ``PORT[-PORT][/PROTOCOL]``.
EXPOSE = ValueFormat(
    "expose",
    r"[0-9]+(?:-[0-9]+)?(?:/[a-zA-Z]+)?",
    "a port or port range with an optional protocol: PORT[-PORT][/PROTOCOL]",
    "8080/tcp",
)

RESTART = ValueFormat(
    "restart",
    r"no|always|unless-stopped|on-failure(?::[0-9]+)?",
    "one of no, always, on-failure[:max-retries], unless-stopped",
    "unless-stopped",
)

#: The engine's rule for container names.
CONTAINER_NAME = ValueFormat(
    "container-name",
    r"[a-zA-Z0-9][a-zA-Z0-9_.-]+",
    "a container name: a letter or digit, then letters, digits, '_', '.' or '-'",
    "my-app-db",
)

IP_ADDRESS = ValueFormat(
    "ip-address",
    rf"{_IPV4}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*",
    "an IPv4 or IPv6 address",
    "127.0.0.1",
)

CIDR = ValueFormat(
    "cidr",
    rf"(?:{_IPV4}/[0-9]{{1,2}}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*/[0-9]{{1,3}})",
    "a subnet in CIDR notation",
    "172.28.0.0/16",
)

#: ``deploy.resources.*.cpus`` in 3.x is a string holding a number.
CPUS = ValueFormat(
    "cpus",
    r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+",
    "a number of CPUs written as a string",
    "0.5",
)

PULL_POLICY = ValueFormat(
    "pull-policy",
    r"always|never|build|if_not_present|missing|refresh|daily|weekly|every_(?:[0-9]+[wdhms])+",
    "one of always, never, missing, build, refresh, daily, weekly, every_<duration>",
    "missing",
)

#: Strings Compose v2 casts to booleans (``privileged: "yes"``).
BOOL_STRING = ValueFormat(
    "bool-string",
    r"y|yes|n|no|true|false|on|off",
    "a boolean: true or false",
    "true",
    ignore_case=True,
)
INT_STRING = ValueFormat("int-string", r"[-+]?[0-9]+", "an integer", "3")
NUMBER_STRING = ValueFormat(
    "number-string", r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?",
    "a number", "0.5",
)

#: ``cpu_rt_runtime`` and ``cpu_rt_period`` in 2.x: microseconds, or a duration
MICROSECONDS = ValueFormat(
    "microseconds",
    rf"[0-9]+|{DURATION.regex}",
    "a number of microseconds or a duration",
    "400ms",
)

ALL: tuple[ValueFormat, ...] = (
    DURATION, BYTES, PORT, EXPOSE, RESTART, CONTAINER_NAME, IP_ADDRESS, CIDR, CPUS, PULL_POLICY,
    BOOL_STRING, INT_STRING, NUMBER_STRING, MICROSECONDS,
)
BY_PATTERN: dict[str, ValueFormat] = {f.json_pattern: f for f in ALL}
