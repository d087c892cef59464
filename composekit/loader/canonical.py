"""The canonical project form: what ``docker compose config --format json`` prints.

:func:`canonicalize` takes a merged and interpolated plain config (dicts, lists
and scalars, in any syntax Compose accepts) and returns the exact document that
Compose v2 (``docker compose config --format json``, v2.40) prints for it:

* every short syntax expanded to its long form (ports, volumes, secrets,
  configs, devices, depends_on, networks, build, healthcheck test, ...),
* lists turned into mappings where Compose keeps mappings (environment,
  labels, sysctls, build args, ...), scalars stringified as Compose does,
* sizes in bytes (as strings), durations in Go's ``time.Duration`` notation,
  CPU counts as 32-bit floats,
* relative host paths made absolute against the project directory, ``~``
  expanded,
* ``env_file`` and ``label_file`` inlined, variables without a value resolved
  from the environment,
* implicit defaults injected (``default`` network, resource names,
  ``depends_on`` from links/volumes_from/``service:`` namespaces),
* services whose profiles are not active dropped, and networks, volumes,
  secrets and configs that no remaining service uses dropped,
* keys ordered as Compose prints them (Go struct field order, maps sorted),
  every ``$`` escaped as ``$$``.

The rules were established by differential testing against the reference
(``fixtures/canonical/``); see ``docs`` in the test module for the list.
:func:`to_json` renders the result byte for byte as Compose does.
"""

from __future__ import annotations

import copy
import json
import math
import os
import posixpath
import re
import shlex
import struct
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from composekit import codes
from composekit.diagnostics import Diagnostic, Span, json_path
from composekit.loader.merge import go_format

__all__ = [
    "CanonicalError",
    "Origin",
    "VolumesFrom",
    "canonicalize",
    "format_duration",
    "is_service_enabled",
    "json_float",
    "parse_bytes",
    "parse_duration",
    "parse_port",
    "parse_volume",
    "parse_volumes_from",
    "to_json",
]

KeyPath = tuple[str | int, ...]
Origin = Callable[[KeyPath], tuple[str, Span]]
EnvFileReader = Callable[
    [str, Mapping[str, str]], tuple[Mapping[str, str | None], list[Diagnostic]]
]


class CanonicalError(ValueError):
    """A value cannot be put in canonical form (carries the key path).

    Raised for values that Compose itself refuses with a message of its own
    (not a schema error): a port range that does not match, a duration
    without a unit, a string where a number must be parsed. ``compose_v2_only``
    marks a refusal that no 1/2.x/3.x format or tool makes (its finding's origin
    is then ``compose-v2``).
    """

    def __init__(self, message: str, path: KeyPath = (), *,
                 compose_v2_only: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.compose_v2_only = compose_v2_only


#: What reading a value of the wrong shape raises (a list where a mapping must
#: be, a float too large for Go's types, ...): the value is skipped, since the
#: schema check reports the shape.
_SHAPE_ERRORS: tuple[type[Exception], ...] = (
    TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, struct.error,
)


# ---------------------------------------------------------------------------
# scalar conversions
# ---------------------------------------------------------------------------


def _str(value: Any) -> str:
    """Stringify a YAML scalar the way Compose does (``true``, ``1``, ``1.5``, ``1e+06``).

    Numbers go through Go's ``%v`` (:func:`composekit.loader.merge.go_format`):
    a float from ``1e6`` on, or below ``1e-4``, is written in exponent form.
    """
    if value is None:
        return ""
    return go_format(value)


def _scalar(value: Any, what: str) -> None:
    """Refuse a value that is not a number or a string: a shape the schema reports."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"{what}: a {type(value).__name__} is not a scalar here")


def _float32(value: Any, what: str = "value") -> float | int:
    """A number as Go prints a ``float32``: the shortest decimal that round-trips."""
    _scalar(value, what)
    try:
        number = float(value)
    except ValueError:
        raise CanonicalError(f'{what}: cannot parse "{value}" as a number') from None
    if math.isnan(number) or math.isinf(number) or abs(number) > _FLOAT32_MAX:
        raise CanonicalError(f"{what}: {_str(value)} is not a finite 32-bit number")
    single = struct.unpack("f", struct.pack("f", number))[0]
    for precision in range(1, 10):
        text = f"{single:.{precision}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            result = float(text)
            break
    else:  # pragma: no cover - 9 digits always round-trip a float32
        result = single
    if result.is_integer() and abs(result) < 1e21:
        return int(result)
    return result


_FLOAT32_MAX = 3.4028234663852886e38


def _int(value: Any, what: str = "value") -> int:
    """An integer; a string that is not one is Compose's cast error, a list a shape error."""
    _scalar(value, what)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii():
        try:
            return int(value.strip(), 10)
        except ValueError:
            pass
    raise CanonicalError(f"{what} must be an integer, got {value!r}")


_BYTES_RE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$", re.ASCII)
_BYTE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_bytes(value: Any) -> int:
    """A size (``512m``, ``1g``, ``1000``) in bytes, with binary multipliers.

    Raises :class:`CanonicalError` for a string that is not a size, and
    ``TypeError`` for a value that is no number or string at all.
    """
    _scalar(value, "size")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalError(f"invalid size: {_str(value)}")
        return int(value)
    text = str(value)
    match = _BYTES_RE.match(text)
    if not match:
        raise CanonicalError(f"invalid size: {text!r}")
    number = Fraction(match.group(1)) if match.group(1).count(".") <= 1 else None
    if number is None:
        raise CanonicalError(f"invalid size: {text!r}")
    unit = match.group(2)
    multiplier = _BYTE_UNITS[unit.lower()] if unit else 1
    return int(number * multiplier)


_DURATION_UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"(\d*(?:\.\d*)?)(ns|us|µs|μs|ms|s|m|h)", re.ASCII)


def parse_duration(value: Any) -> int:
    """Go's ``time.ParseDuration`` (``1m30s``, ``1.5s``, ``500ms``) in nanoseconds.

    Raises :class:`CanonicalError` for a string that is not a duration, and
    ``TypeError`` for a value that is neither a string nor an integer.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"a {type(value).__name__} is not a duration")
    if isinstance(value, int):
        # Compose treats a bare number as seconds here (mapstructure decoding)
        return value * 1_000_000_000
    text = str(value)
    rest = text
    sign = 1
    if rest[:1] in "+-" and rest:
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise CanonicalError(f"invalid duration: {text!r}")
    total = Fraction(0)
    pos = 0
    while pos < len(rest):
        match = _DURATION_PART.match(rest, pos)
        if not match or match.group(1) in ("", "."):
            raise CanonicalError(f"invalid duration: {text!r}")
        total += Fraction(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return sign * int(total)


def _frac(value: int, precision: int) -> str:
    whole, fraction = divmod(value, 10**precision)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(precision, "0").rstrip("0")
    return f"{whole}.{digits}"


def format_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String()``: ``1m30s``, ``500ms``, ``1h0m0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 1_000_000_000:
        if value < 1_000:
            return f"{sign}{value}ns"
        if value < 1_000_000:
            return f"{sign}{_frac(value, 3)}µs"
        return f"{sign}{_frac(value, 6)}ms"
    hours, rest = divmod(value, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    out = f"{_frac(rest, 9)}s"
    if hours or minutes:
        out = f"{minutes}m{out}"
    if hours:
        out = f"{hours}h{out}"
    return sign + out


def _duration(value: Any) -> str:
    return format_duration(parse_duration(value))


# ---------------------------------------------------------------------------
# ports
# ---------------------------------------------------------------------------


def _split_port_parts(raw: str) -> tuple[str, str, str]:
    parts = raw.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _port_range(text: str) -> tuple[int, int]:
    if not text:
        raise ValueError("empty port")
    if "-" not in text:
        port = _uint16(text)
        return port, port
    start_text, _, end_text = text.partition("-")
    start, end = _uint16(start_text), _uint16(end_text)
    if end < start:
        raise ValueError(f"invalid range {text}")
    return start, end


def _uint16(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"invalid port {text!r}")
    port = int(text)
    if port > 65535:
        raise ValueError(f"invalid port {text!r}")
    return port


def _valid_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_port(spec: Any) -> list[dict[str, Any]]:
    """Expand a short port spec (``"127.0.0.1:8080-8081:80-81/udp"``) to long entries."""
    raw = _str(spec)
    ip, host_port, container_port = _split_port_parts(raw)
    proto_parts = container_port.split("/")
    if not proto_parts[0]:
        proto, container_port = "", ""
    elif len(proto_parts) == 1 or not proto_parts[1]:
        proto, container_port = "tcp", proto_parts[0]
    else:
        proto, container_port = proto_parts[1], proto_parts[0]
    if ip.startswith("["):
        if not ip.endswith("]"):
            raise CanonicalError(f"invalid IP address: {ip}")
        ip = ip[1:-1]
    if ip and not _valid_ip(ip):
        raise CanonicalError(f"invalid IP address: {ip}")
    if not container_port:
        raise CanonicalError(f"no port specified: {raw}<empty>")
    try:
        start, end = _port_range(container_port)
    except ValueError:
        raise CanonicalError(f"invalid containerPort: {container_port}") from None
    host_start = host_end = 0
    if host_port:
        try:
            host_start, host_end = _port_range(host_port)
        except ValueError:
            raise CanonicalError(f"invalid hostPort: {host_port}") from None
        if end - start != host_end - host_start and end != start:
            raise CanonicalError(
                "invalid ranges specified for container and host Ports: "
                f"{container_port} and {host_port}"
            )
    proto = proto.lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise CanonicalError(f"invalid proto: {proto}")
    entries: list[tuple[str, dict[str, Any]]] = []
    published = host_port
    for offset in range(end - start + 1):
        target = start + offset
        if host_port:
            published = str(host_start + offset)
        if start == end and host_start != host_end:
            published = f"{published}-{host_end}"
        entry: dict[str, Any] = {"mode": "ingress"}
        if ip:
            entry["host_ip"] = ip
        entry["target"] = target
        if published:
            entry["published"] = published
        entry["protocol"] = proto
        entries.append((f"{target}/{proto}", entry))
    # Compose sorts the expanded ports by their "port/proto" text
    entries.sort(key=lambda item: item[0])
    return [entry for _, entry in entries]


# ---------------------------------------------------------------------------
# volumes
# ---------------------------------------------------------------------------

_PROPAGATIONS = ("rprivate", "private", "rshared", "shared", "rslave", "slave")


def _is_drive(buffer: str, char: str) -> bool:
    return char == ":" and len(buffer) == 1 and buffer.isalpha()


def _is_file_path(source: str) -> bool:
    if not source:
        return False
    if source[0] in "./~" or source.startswith("\\\\"):
        return True
    return len(source) > 1 and _is_drive(source[0], source[1])


def parse_volume(spec: str) -> dict[str, Any]:
    """Parse a short volume spec (``./src:/dst:ro,z``) as Compose does.

    Returns the long form before path resolution. Note Compose's quirk: a
    one-letter source followed by ``:`` is read as a Windows drive, so
    ``v:/data`` is an anonymous volume at ``v:/data``.
    """
    if not spec:
        raise CanonicalError("invalid empty volume spec")
    volume: dict[str, Any] = {}
    if len(spec) <= 2:
        return {"type": "volume", "target": spec, "volume": {}}
    buffer = ""
    end = "\0"
    for char in spec + end:
        if _is_drive(buffer, char):
            buffer += char
        elif char in (":", end):
            if not buffer:
                raise CanonicalError(f"invalid spec: {spec}: empty section between colons")
            if "source" not in volume and char == end:
                volume["target"] = buffer
            elif "source" not in volume:
                volume["source"] = buffer
            elif "target" not in volume:
                volume["target"] = buffer
            elif char == ":":
                raise CanonicalError(f"invalid spec: {spec}: too many colons")
            else:
                for option in buffer.split(","):
                    if option == "ro":
                        volume["read_only"] = True
                    elif option == "rw":
                        volume.pop("read_only", None)
                    elif option == "nocopy":
                        volume["volume"] = {"nocopy": True}
                    elif option in _PROPAGATIONS:
                        volume.setdefault("bind", {})["propagation"] = option
                    elif option in ("z", "Z"):
                        volume.setdefault("bind", {})["selinux"] = option
            buffer = ""
        else:
            buffer += char
    if _is_file_path(volume.get("source", "")):
        volume["type"] = "bind"
        volume.setdefault("bind", {})["create_host_path"] = True
    else:
        volume["type"] = "volume"
        volume.setdefault("volume", {})
    return volume


class VolumesFrom(NamedTuple):
    """One ``volumes_from`` entry, parsed (see :func:`parse_volumes_from`)."""

    #: ``"service"`` or ``"container"``.
    kind: str
    name: str
    #: ``"ro"``, ``"rw"`` or whatever the entry says; ``None`` when it says nothing.
    mode: str | None
    #: Written ``service:NAME:MODE``, docker-compose 1.x's explicit form.
    explicit_service: bool = False


def parse_volumes_from(spec: str) -> VolumesFrom:
    """What a ``volumes_from`` entry names.

    ``NAME[:MODE]`` is a service, ``container:NAME[:MODE]`` a container (both
    Compose v2's and docker-compose 1.x's forms). ``service:NAME:MODE`` is
    docker-compose 1.x's explicit form (2.x files): service ``NAME``. Compose
    v2 does not know it: it takes the text before the first ``:`` as the
    service name, so it depends on a service called ``service`` and refuses
    the file (see :mod:`composekit.loader.crossref`).
    """
    parts = spec.split(":")
    if parts[0] == "container" and len(parts) > 1:
        return VolumesFrom("container", parts[1], parts[2] if len(parts) > 2 else None)
    if parts[0] == "service" and len(parts) == 3:
        return VolumesFrom("service", parts[1], parts[2], explicit_service=True)
    return VolumesFrom("service", parts[0], parts[1] if len(parts) > 1 else None)


# ---------------------------------------------------------------------------
# paths and environment
# ---------------------------------------------------------------------------


class _Paths:
    def __init__(self, working_dir: str, environ: Mapping[str, str]) -> None:
        self.working_dir = working_dir
        self.home = environ.get("HOME") or os.path.expanduser("~")

    def expand(self, path: str) -> str:
        if path == "~" or path.startswith("~/"):
            path = self.home + path[1:]
        return path

    def absolute(self, path: str) -> str:
        path = self.expand(path)
        if posixpath.isabs(path) or _is_windows_abs(path):
            return path
        return posixpath.normpath(posixpath.join(self.working_dir, path))


def _is_windows_abs(path: str) -> bool:
    return (len(path) > 2 and path[0].isalpha() and path[1] == ":" and path[2] in "\\/") or (
        path.startswith("\\\\")
    )


def _is_remote_context(context: str) -> bool:
    return (
        "://" in context
        or context.startswith(("git@", "github.com/"))
        or bool(re.match(r"^[a-z]+@", context))
    )


def _split_kv(item: str, sep: str = "=") -> tuple[str, str | None]:
    key, found, value = item.partition(sep)
    return key, (value if found else None)


def _mapping(value: Any, *, null: str | None = "") -> dict[str, str | None]:
    """A list of ``KEY=VAL`` strings or a mapping, as ``{KEY: "VAL"}``."""
    out: dict[str, str | None] = {}
    if value is None:
        return out
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list):
                raise TypeError(f"{key}: a {type(item).__name__} is not a scalar")
            out[_str(key)] = null if item is None else _str(item)
        return out
    if isinstance(value, str):
        value = [value]
    for item in _seq(value):
        if isinstance(item, Mapping | list):
            raise TypeError(f"a {type(item).__name__} is not a KEY=VALUE string")
        key, val = _split_kv(_str(item))
        out[key] = null if val is None else val
    return out


def _fields(value: Any) -> dict[str, Any]:
    """The fields of a struct-like mapping (``None`` is empty), extensions left out.

    Anything but a mapping is a shape the schema refuses: ``TypeError``.
    Keys that are not strings (Compose refuses them too) are left out.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"a {type(value).__name__} is not a mapping")
    return {k: v for k, v in value.items() if isinstance(k, str) and not k.startswith("x-")}


def _seq(value: Any) -> list[Any]:
    """A sequence (``None`` is empty); anything else is a shape error (``TypeError``)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"a {type(value).__name__} is not a sequence")
    return value


def _sorted_map(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}


def _list_of_str(value: Any) -> list[str]:
    """A string or a list of scalars as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str | int | float | bool):
        return [_str(value)]
    items = _seq(value)
    if any(isinstance(item, Mapping | list) for item in items):
        raise TypeError("a list of strings holds a collection")
    return [_str(item) for item in items]


# ---------------------------------------------------------------------------
# struct layouts: key order and which zero values Compose omits
# ---------------------------------------------------------------------------
# A name ending in "!" is a pointer field in Compose's model: printed whenever
# present, even when false/zero/empty. A name ending in "*" is always printed
# (null when absent). Other fields are omitted when empty/false/zero.


def _layout(spec: str) -> tuple[tuple[str, str], ...]:
    fields = []
    for word in spec.split():
        if word[-1] in "!*":
            fields.append((word[:-1], word[-1]))
        else:
            fields.append((word, ""))
    return tuple(fields)


SERVICE = _layout(
    "profiles annotations attach! build! develop! blkio_config! cap_add cap_drop cgroup_parent "
    "cgroup cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus "
    "cpuset cpu_shares command* configs container_name credential_spec! depends_on deploy! "
    "device_cgroup_rules devices dns dns_opt dns_search dockerfile domainname entrypoint* "
    "provider! environment env_file expose extends! external_links extra_hosts group_add gpus "
    "hostname healthcheck! image init! ipc isolation labels label_file links logging! "
    "log_driver log_opt mem_limit mem_reservation memswap_limit mem_swappiness mac_address "
    "models net network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform "
    "ports privileged pull_policy read_only restart runtime scale! secrets security_opt "
    "shm_size stdin_open stop_grace_period! stop_signal storage_opt sysctls tmpfs tty ulimits "
    "use_api_socket user userns_mode uts volume_driver volumes volumes_from working_dir "
    "post_start pre_stop"
)
BUILD = _layout(
    "context dockerfile dockerfile_inline entitlements args provenance sbom ssh labels "
    "cache_from cache_to no_cache no_cache_filter additional_contexts pull extra_hosts "
    "isolation network target secrets shm_size tags ulimits platforms privileged"
)
HEALTHCHECK = _layout(
    "test timeout! interval! retries! start_period! start_interval! disable"
)
DEPLOY = _layout(
    "mode replicas! labels update_config! rollback_config! resources* restart_policy! "
    "placement* endpoint_mode"
)
UPDATE_CONFIG = _layout("parallelism! delay failure_action monitor max_failure_ratio order")
RESOURCES = _layout("limits! reservations!")
RESOURCE = _layout("cpus memory pids devices generic_resources")
DEVICE_REQUEST = _layout("capabilities driver count device_ids options")
RESTART_POLICY = _layout("condition delay! max_attempts! window!")
PLACEMENT = _layout("constraints preferences max_replicas_per_node")
LOGGING = _layout("driver options")
PORT = _layout("name mode host_ip target published protocol app_protocol")
MOUNT = _layout("type source target read_only consistency bind! volume! tmpfs! image!")
MOUNT_BIND = _layout("selinux propagation create_host_path recursive")
MOUNT_VOLUME = _layout("labels nocopy subpath")
MOUNT_TMPFS = _layout("size mode")
MOUNT_IMAGE = _layout("subpath")
FILE_REF = _layout("source target uid gid mode!")
SERVICE_NETWORK = _layout(
    "aliases driver_opts gw_priority interface_name ipv4_address ipv6_address "
    "link_local_ips mac_address priority"
)
DEPENDENCY = _layout("condition restart required*")
DEVICE = _layout("source target permissions")
NETWORK = _layout(
    "name driver driver_opts ipam* external internal attachable labels enable_ipv4! enable_ipv6!"
)
IPAM = _layout("driver config")
IPAM_POOL = _layout("subnet gateway ip_range aux_addresses")
VOLUME = _layout("name driver driver_opts external labels")
FILE_OBJECT = _layout(
    "name file environment content external labels driver driver_opts template_driver"
)
BLKIO = _layout(
    "weight weight_device device_read_bps device_read_iops device_write_bps device_write_iops"
)
EXTENDS = _layout("file service")
CREDENTIAL_SPEC = _layout("config file registry")
ULIMIT = _layout("soft hard")
HOOK = _layout("command* user privileged working_dir environment")
DEVELOP = _layout("watch")
WATCH = _layout("path* action* target exec* ignore")


def _empty(value: Any) -> bool:
    return value is None or value is False or value == 0 or value == "" or value in ([], {})


def _shape(data: Mapping[str, Any], layout: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Order ``data`` by ``layout``, dropping the zero values Compose omits."""
    out: dict[str, Any] = {}
    known = set()
    for key, kind in layout:
        known.add(key)
        if kind == "*":
            out[key] = data.get(key)
        elif key in data and (data[key] is not None if kind == "!" else not _empty(data[key])):
            out[key] = data[key]
    extra = (k for k in data
             if isinstance(k, str) and k not in known and not k.startswith("x-"))
    for key in sorted(extra):
        if not _empty(data[key]):
            out[key] = data[key]
    return out


# ---------------------------------------------------------------------------
# the canonicalizer
# ---------------------------------------------------------------------------


def _default_env_reader(
    path: str, environ: Mapping[str, str]
) -> tuple[Mapping[str, str | None], list[Diagnostic]]:
    from composekit.loader.envfile import load_env_file

    values, diags = load_env_file(path, lookup=environ)
    return values, diags


def is_service_enabled(service: Mapping[str, Any], profiles: Collection[str]) -> bool:
    """Compose's rule: no ``profiles``, or one of them active (``*`` enables all).

    A ``profiles`` value that is not a list (a shape the schema refuses) is
    read as a list of itself when it is a string, as no profiles otherwise.
    """
    wanted = service.get("profiles")
    if isinstance(wanted, str):
        wanted = [wanted]
    if not wanted or not isinstance(wanted, list):
        return True
    if "*" in profiles:
        return True
    return any(str(p) in profiles for p in wanted)


def _active_profiles(profiles: Iterable[str] | None, environ: Mapping[str, str]) -> set[str]:
    if profiles is not None:
        return {p for p in profiles if p}
    return {p.strip() for p in environ.get("COMPOSE_PROFILES", "").split(",") if p.strip()}


class _Canonicalizer:
    def __init__(
        self,
        *,
        project_name: str,
        working_dir: str,
        environ: Mapping[str, str],
        origin: Origin | None,
        read_env_file: EnvFileReader | None,
    ) -> None:
        self.project_name = project_name
        self.environ = environ
        self.paths = _Paths(working_dir, environ)
        self.origin = origin
        self.read_env_file = read_env_file or _default_env_reader
        self.diagnostics: list[Diagnostic] = []

    # -- diagnostics --------------------------------------------------------

    def report(self, slug: str, path: KeyPath, message: str, *, origin: str = "canonical",
               **kw: Any) -> None:
        file, span = self.origin(path) if self.origin else ("<config>", Span())
        self.diagnostics.append(
            codes.make(
                slug, file, span, message, json_path=json_path(path), origin=origin, **kw
            )
        )

    def lookup(self, name: str) -> str | None:
        return self.environ.get(name)

    # -- services -----------------------------------------------------------

    def service(self, name: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        path: KeyPath = ("services", name)
        svc: dict[str, Any] = {}
        unread: set[str] = set()
        for key, value in raw.items():
            if not isinstance(key, str) or key.startswith("x-"):
                continue
            try:
                converted = self.service_key(name, key, value, (*path, key))
            except CanonicalError as exc:
                message = str(exc) if str(exc).startswith(key) else f"{key}: {exc}"
                self.report("invalid-value", exc.path or (*path, key), message,
                            origin="compose-v2" if exc.compose_v2_only else "canonical")
                continue
            except _SHAPE_ERRORS:
                # a shape the schema refuses (and reports): nothing to print for it
                unread.add(key)
                continue
            if converted is not _DROP:
                svc[key] = converted
        self.inline_files(svc, raw, path)
        self.implicit_dependencies(svc)
        if "pull_policy" in svc and svc["pull_policy"] == "if_not_present":
            svc["pull_policy"] = "missing"
        if "network_mode" not in svc and not svc.get("networks"):
            svc["networks"] = {"default": None}
        self.consistency(name, svc, path, unread)
        return _shape(svc, SERVICE)

    def service_key(self, name: str, key: str, value: Any, path: KeyPath) -> Any:
        handler = _SERVICE_HANDLERS.get(key)
        if handler is not None:
            return handler(self, value, path)
        if key in _STRING_LISTS:
            return _list_of_str(value)
        if key in _BYTES_KEYS:
            return str(parse_bytes(value))
        if key in _INT_KEYS:
            return _int(value, key)
        if key in _FLOAT32_KEYS:
            return _float32(value, key)
        if key in _STRING_MAPS:
            return _sorted_map(_mapping(value))
        if isinstance(value, float | int) and not isinstance(value, bool):
            return value
        if isinstance(value, str | bool) or value is None:
            return value
        return copy.deepcopy(value)

    def inline_files(self, svc: dict[str, Any], raw: Mapping[str, Any], path: KeyPath) -> None:
        env_files = raw.get("env_file")
        if env_files is not None:
            inlined: dict[str, str | None] = {}
            for where, file, required in _file_list(env_files, (*path, "env_file")):
                inlined.update(self.load_env(file, required, where))
            env = {k: v for k, v in inlined.items() if v is not None}
            env.update(svc.get("environment") or {})
            svc["environment"] = _sorted_map(env)
        label_files = raw.get("label_file")
        if label_files is not None:
            labels: dict[str, str | None] = {}
            for where, file, _required in _file_list(label_files, (*path, "label_file")):
                labels.update(self.load_env(file, True, where))
            merged = {k: v if v is not None else "" for k, v in labels.items()}
            merged.update(svc.get("labels") or {})
            svc["labels"] = _sorted_map(merged)
        svc.pop("env_file", None)
        svc.pop("label_file", None)

    def load_env(self, file: str, required: bool, where: KeyPath) -> dict[str, str | None]:
        absolute = self.paths.absolute(file)
        if not os.path.isfile(absolute):
            if required:
                self.report("io-error", where, f"env file {absolute} not found")
            return {}
        values, diags = self.read_env_file(absolute, self.environ)
        self.diagnostics.extend(diags)
        resolved: dict[str, str | None] = {}
        for key, value in values.items():
            resolved[key] = value if value is not None else self.lookup(key)
        return resolved

    def implicit_dependencies(self, svc: dict[str, Any]) -> None:
        deps: dict[str, Any] = dict(svc.get("depends_on") or {})
        for link in svc.get("links") or []:
            parts = link.split(":")
            target = parts[0] if len(parts) == 2 else link
            deps.setdefault(
                target, {"condition": "service_started", "restart": True, "required": True}
            )
        for key in ("network_mode", "ipc", "pid", "uts", "cgroup"):
            ref = svc.get(key)
            if isinstance(ref, str) and ref.startswith("service:"):
                deps.setdefault(
                    ref[len("service:"):],
                    {"condition": "service_started", "restart": True, "required": True},
                )
        for ref in svc.get("volumes_from") or []:
            source = parse_volumes_from(ref)
            if source.kind == "service":
                deps.setdefault(source.name, {"condition": "service_started", "required": True})
        if deps:
            svc["depends_on"] = _sorted_map({k: _shape(v, DEPENDENCY) for k, v in deps.items()})

    def consistency(self, name: str, svc: dict[str, Any], path: KeyPath,
                    unread: Collection[str] = ()) -> None:
        """Compose's own refusals of a service (not schema errors).

        ``unread`` are the keys whose shape could not be read: what depends on
        them is left to the schema findings.
        """
        if svc.get("network_mode") and svc.get("networks"):
            self.report(
                "conflicting-options",
                (*path, "network_mode"),
                f"service {name} declares mutually exclusive `network_mode` and `networks`; "
                "compose refuses the file",
            )
        # An ``extends`` left in a merged service is one that could not be resolved
        # (reported): the image or build its base would give is unknown.
        if not svc.get("image") and not svc.get("build") \
                and not {"image", "build", "extends"} & (set(unread) | set(svc)):
            self.report(
                "missing-required-key",
                path,
                f'service "{name}" has neither an image nor a build context specified; '
                "compose refuses the file",
            )
        deploy = svc.get("deploy") or {}
        limits = (deploy.get("resources") or {}).get("limits")
        if svc.get("mem_limit") and limits is not None and limits.get("memory") != svc["mem_limit"]:
            self.report(
                "conflicting-options",
                (*path, "mem_limit"),
                f"services.{name}: can't set distinct values on 'mem_limit' and "
                "'deploy.resources.limits.memory'; compose refuses the file",
            )
        if svc.get("cpus") and limits is not None and limits.get("cpus") != svc["cpus"]:
            self.report(
                "conflicting-options",
                (*path, "cpus"),
                f"services.{name}: can't set distinct values on 'cpus' and "
                "'deploy.resources.limits.cpus'; compose refuses the file",
            )
        replicas = deploy.get("replicas")
        if svc.get("scale") is not None and replicas is not None and replicas != svc["scale"]:
            self.report(
                "conflicting-options",
                (*path, "scale"),
                f"services.{name}: can't set distinct values on 'scale' and "
                "'deploy.replicas'; compose refuses the file",
            )

    # -- individual keys ----------------------------------------------------

    def build(self, value: Any, path: KeyPath) -> dict[str, Any]:
        raw: dict[str, Any] = {"context": value} if isinstance(value, str) else _fields(value)
        out: dict[str, Any] = {}
        for key, item in raw.items():
            if key == "args":
                args = _mapping(item, null=None)
                resolved = {}
                for arg, val in args.items():
                    if val is None:
                        val = self.lookup(arg)
                    if val is not None:
                        resolved[arg] = val
                out[key] = _sorted_map(resolved)
            elif key in ("labels",):
                out[key] = _sorted_map(_mapping(item))
            elif key == "additional_contexts":
                contexts = _mapping(item)
                out[key] = _sorted_map(
                    {k: self.context_path(v or "") for k, v in contexts.items()}
                )
            elif key == "extra_hosts":
                out[key] = _hosts(item)
            elif key == "shm_size":
                out[key] = str(parse_bytes(item))
            elif key in ("cache_from", "cache_to", "no_cache_filter", "tags", "platforms",
                         "entitlements"):
                out[key] = _list_of_str(item)
            elif key == "ssh":
                out[key] = self.ssh(item)
            elif key == "secrets":
                out[key] = [self.file_ref(s, secret=False) for s in _seq(item)]
            elif key == "ulimits":
                out[key] = _ulimits(item)
            else:
                out[key] = copy.deepcopy(item)
        context = out.get("context")
        if context is None:
            context = "."
        out["context"] = self.context_path(_str(context))
        if not out.get("dockerfile") and not out.get("dockerfile_inline"):
            out["dockerfile"] = "Dockerfile"
        return _shape(out, BUILD)

    def context_path(self, context: str) -> str:
        if _is_remote_context(context) or context.startswith(
            ("docker-image://", "target:", "oci-layout://", "service:")
        ):
            return context
        return self.paths.absolute(context)

    def ssh(self, value: Any) -> list[str]:
        entries = _mapping(value, null=None)
        out = []
        for key, path in entries.items():
            if path is None:
                out.append(key)
            else:
                out.append(f"{key}={self.paths.absolute(path) if path else path}")
        return out

    def file_ref(self, value: Any, *, secret: bool) -> dict[str, Any]:
        ref: dict[str, Any] = {"source": value} if isinstance(value, str) else _fields(value)
        if secret and not ref.get("target"):
            ref["target"] = f"/run/secrets/{ref.get('source', '')}"
        for key in ("uid", "gid"):
            if key in ref and ref[key] is not None:
                ref[key] = _str(ref[key])
        if ref.get("mode") is not None:
            mode = ref["mode"]
            if isinstance(mode, str):
                try:
                    number = int(mode, 8)
                except ValueError:
                    raise CanonicalError(
                        f'mode: strconv.ParseInt: parsing "{mode}": invalid syntax'
                    ) from None
            else:
                number = _int(mode, "mode")
            ref["mode"] = f"0{number:o}"
        return _shape(ref, FILE_REF)

    def volume_mount(self, value: Any, path: KeyPath) -> dict[str, Any]:
        mount = parse_volume(value) if isinstance(value, str) else copy.deepcopy(_fields(value))
        kind = mount.get("type")
        source = mount.get("source")
        if kind == "bind" and isinstance(source, str):
            mount["source"] = self.paths.absolute(source)
        elif kind == "volume" and isinstance(source, str) and not isinstance(value, str):
            pass
        if mount.get("read_only") is not None:
            mount["read_only"] = bool(mount["read_only"])
        if isinstance(mount.get("bind"), Mapping):
            mount["bind"] = _shape(mount["bind"], MOUNT_BIND)
        elif "bind" in mount and mount["bind"] is None:
            mount["bind"] = {}
        if isinstance(mount.get("volume"), Mapping):
            vol = dict(mount["volume"])
            if "labels" in vol:
                vol["labels"] = _sorted_map(_mapping(vol["labels"]))
            mount["volume"] = _shape(vol, MOUNT_VOLUME)
        if isinstance(mount.get("tmpfs"), Mapping):
            tmpfs = dict(mount["tmpfs"])
            if "size" in tmpfs:
                tmpfs["size"] = str(parse_bytes(tmpfs["size"]))
            if "mode" in tmpfs and tmpfs["mode"] is not None:
                tmpfs["mode"] = _int(tmpfs["mode"], "tmpfs.mode")
            mount["tmpfs"] = _shape(tmpfs, MOUNT_TMPFS)
        if isinstance(mount.get("image"), Mapping):
            mount["image"] = _shape(mount["image"], MOUNT_IMAGE)
        return _shape(mount, MOUNT)

    def healthcheck(self, value: Any, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in _fields(value).items():
            if key == "test":
                out[key] = ["CMD-SHELL", item] if isinstance(item, str) else _list_of_str(item)
            elif key in ("timeout", "interval", "start_period", "start_interval"):
                out[key] = None if item is None else _duration(item)
            elif key == "retries":
                out[key] = None if item is None else _int(item, "retries")
            else:
                out[key] = item
        return _shape(out, HEALTHCHECK)

    def deploy(self, value: Any, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in _fields(value).items():
            if key == "labels":
                out[key] = _sorted_map(_mapping(item))
            elif key in ("update_config", "rollback_config"):
                cfg = _fields(item)
                for dkey in ("delay", "monitor"):
                    if dkey in cfg:
                        cfg[dkey] = _duration(cfg[dkey])
                if "max_failure_ratio" in cfg:
                    cfg["max_failure_ratio"] = _float32(cfg["max_failure_ratio"],
                                                        "max_failure_ratio")
                out[key] = _shape(cfg, UPDATE_CONFIG)
            elif key == "resources":
                res: dict[str, Any] = {}
                given = _fields(item)
                for rkey in ("limits", "reservations"):
                    if rkey in given:
                        res[rkey] = self.resource(given[rkey])
                out[key] = _shape(res, RESOURCES)
            elif key == "restart_policy":
                pol = _fields(item)
                for dkey in ("delay", "window"):
                    if pol.get(dkey) is not None:
                        pol[dkey] = _duration(pol[dkey])
                out[key] = _shape(pol, RESTART_POLICY)
            elif key == "placement":
                out[key] = _shape(_fields(item), PLACEMENT)
            elif key == "replicas":
                out[key] = None if item is None else _int(item, "replicas")
            else:
                out[key] = item
        out.setdefault("resources", {})
        out.setdefault("placement", {})
        return _shape(out, DEPLOY)

    def resource(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in _fields(value).items():
            if key == "cpus":
                out[key] = _float32(item, "cpus")
            elif key == "memory":
                out[key] = str(parse_bytes(item))
            elif key == "pids":
                out[key] = _int(item, "pids")
            elif key == "devices":
                out[key] = [_device_request(d) for d in _seq(item)]
            else:
                out[key] = item
        return _shape(out, RESOURCE)

    def hook(self, value: Any) -> dict[str, Any]:
        hook = copy.deepcopy(_fields(value))
        if "command" in hook:
            hook["command"] = _command(hook["command"])
        if "environment" in hook:
            hook["environment"] = self.environment(hook["environment"])
        return _shape(hook, HOOK)

    def environment(self, value: Any) -> dict[str, Any]:
        pairs = _mapping(value, null=None).items()
        return _sorted_map({k: (v if v is not None else self.lookup(k)) for k, v in pairs})

    def develop(self, value: Any) -> dict[str, Any]:
        out = copy.deepcopy(_fields(value))
        if "watch" in out:
            triggers = []
            for trigger in _seq(out["watch"]):
                trigger = _fields(trigger)
                paths = trigger.get("path")
                for path in paths if isinstance(paths, list) else [paths]:
                    if isinstance(path, Mapping | list):
                        raise TypeError("a watch path must be a string")
                    entry = dict(trigger)
                    entry["path"] = self.paths.absolute(_str(path))
                    entry["exec"] = self.hook(entry.get("exec"))
                    if "ignore" in entry:
                        entry["ignore"] = _list_of_str(entry["ignore"])
                    triggers.append(_shape(entry, WATCH))
            out["watch"] = triggers
        return _shape(out, DEVELOP)

    def networks(self, value: Any, path: KeyPath) -> dict[str, Any]:
        if isinstance(value, list):
            return _sorted_map({n: None for n in _list_of_str(value)})
        if not isinstance(value, Mapping):
            raise TypeError("networks must be a list or a mapping")
        out: dict[str, Any] = {}
        for net, cfg in value.items():
            net = _str(net)
            if cfg is None:
                out[net] = None
                continue
            entry = _fields(cfg)
            if "aliases" in entry:
                entry["aliases"] = _list_of_str(entry["aliases"])
            if "driver_opts" in entry:
                entry["driver_opts"] = _sorted_map(_mapping(entry["driver_opts"]))
            out[net] = _shape(entry, SERVICE_NETWORK)
        return _sorted_map(out)


_DROP = object()


def _file_list(value: Any, where: KeyPath) -> list[tuple[KeyPath, str, bool]]:
    """``env_file``/``label_file`` entries as ``(key path, file, required)``.

    Entries of a shape the schema refuses (a number, a mapping without a
    string ``path``) are left out.
    """
    if isinstance(value, str):
        return [(where, value, True)]
    out = []
    for index, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            required = _go_bool(item.get("required", True))
            out.append(((*where, index), item["path"], required is not False))
        elif isinstance(item, str):
            out.append(((*where, index), item, True))
    return out


def _go_bool(value: Any) -> bool | None:
    """A boolean, or a string Go's ``strconv.ParseBool`` reads; ``None`` otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in ("1", "t", "T", "true", "TRUE", "True"):
            return True
        if value in ("0", "f", "F", "false", "FALSE", "False"):
            return False
    return None


def _hosts(value: Any) -> list[str]:
    """``extra_hosts`` as sorted ``host=ip`` entries (one per address)."""
    entries: list[str] = []
    if isinstance(value, Mapping):
        for host, ips in value.items():
            for ip in _list_of_str(ips):
                entries.append(_host_entry(_str(host), ip, f"{_str(host)}={ip}"))
    else:
        for text in _list_of_str(value):
            if "=" in text:
                host, _, ips = text.partition("=")
            elif ":" in text:
                host, _, ips = text.partition(":")
            else:
                raise CanonicalError(f"invalid additional host, missing IP: {text}")
            for ip in ips.split(","):
                entries.append(_host_entry(host, ip, text))
    return sorted(entries)


def _host_entry(host: str, ip: str, text: str) -> str:
    if not host:
        raise CanonicalError(f"bad host name '' in {text!r}")
    return f"{host}={ip}"


def _ulimits(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in _fields(value).items():
        if isinstance(item, Mapping):
            out[key] = _shape(
                {
                    k: _int(v, f"ulimits.{key}.{k}")
                    for k, v in _fields(item).items()
                    if k in ("soft", "hard")
                },
                ULIMIT,
            )
        else:
            out[key] = _int(item, f"ulimits.{key}")
    return _sorted_map(out)


def _device_request(value: Any) -> dict[str, Any]:
    req = copy.deepcopy(_fields(value))
    if "count" in req:
        count = req["count"]
        req["count"] = -1 if count == "all" else _int(count, "count")
    if "capabilities" in req:
        req["capabilities"] = _list_of_str(req["capabilities"])
    if "device_ids" in req:
        req["device_ids"] = _list_of_str(req["device_ids"])
    if "options" in req:
        req["options"] = _sorted_map(_mapping(req["options"]))
    return _shape(req, DEVICE_REQUEST)


def _command(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise CanonicalError(f"cannot split command line: {exc}") from None
    return _list_of_str(_seq(value))


def _device(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return _shape(_fields(value), DEVICE)
    if not isinstance(value, str):
        raise TypeError("a device is a string or a mapping")
    parts = value.split(":")
    if len(parts) == 3:
        source, target, perms = parts
    elif len(parts) == 2:
        source, target, perms = parts[0], parts[1], "rwm"
    elif len(parts) == 1:
        source, target, perms = parts[0], parts[0], "rwm"
    else:
        raise CanonicalError(f"confusing device mapping, please use long syntax: {value}")
    return _shape({"source": source, "target": target, "permissions": perms}, DEVICE)


def _depends_on(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(value, list):
        for name in _list_of_str(value):
            out[name] = {"condition": "service_started", "required": True}
    elif isinstance(value, Mapping):
        for name, cfg in value.items():
            cfg = _fields(cfg)
            dep: dict[str, Any] = {"condition": cfg.get("condition") or "service_started"}
            if _go_bool(cfg.get("restart")):
                dep["restart"] = True
            dep["required"] = _go_bool(cfg.get("required", True)) is not False
            out[_str(name)] = dep
    elif value is not None:
        raise TypeError("depends_on is a list or a mapping")
    return out


def _weight(value: Any, path: KeyPath) -> int:
    """A blkio weight: Compose v2 decodes it as a number and refuses any string."""
    if isinstance(value, str):
        where = json_path(path[2:])[2:]  # from the service's key: blkio_config.weight
        raise CanonicalError(
            f"{where} is the string {value!r}: Compose v2 reads a weight only "
            "from a number (a quoted or interpolated value stays a string there); "
            "Compose v2 refuses the file", path, compose_v2_only=True)
    return _int(value, "weight")


def _blkio(value: Any, path: KeyPath) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in _fields(value).items():
        devices = [_fields(d) for d in _seq(item)] if key != "weight" else []
        if key == "weight":
            out[key] = _weight(item, (*path, key))
        elif key == "weight_device":
            out[key] = [{"Path": d.get("path"),
                         "Weight": _weight(d.get("weight", 0), (*path, key, i, "weight"))}
                        for i, d in enumerate(devices)]
        elif key in ("device_read_bps", "device_write_bps"):
            out[key] = [{"Path": d.get("path"), "Rate": str(parse_bytes(d.get("rate", 0)))}
                        for d in devices]
        elif key in ("device_read_iops", "device_write_iops"):
            out[key] = [{"Path": d.get("path"), "Rate": str(_int(d.get("rate", 0), "rate"))}
                        for d in devices]
    return _shape(out, BLKIO)


def _gpus(value: Any) -> list[dict[str, Any]]:
    if value == "all":
        return [{"count": -1}]
    return [_device_request(v) for v in _seq(value)]


def _ports(value: Any, path: KeyPath) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, item in enumerate(_seq(value)):
        if isinstance(item, Mapping):
            port = _fields(item)
            if port.get("published") is not None:
                port["published"] = _str(port["published"])
            if port.get("target") is not None:
                port["target"] = _int(port["target"], "target")
            port.setdefault("mode", "ingress")
            port.setdefault("protocol", "tcp")
            out.append(_shape(port, PORT))
        elif isinstance(item, str | int) and not isinstance(item, bool):
            try:
                out.extend(_shape(p, PORT) for p in parse_port(item))
            except CanonicalError as exc:
                raise CanonicalError(str(exc), (*path, index)) from None
        else:
            raise TypeError("a port is a string, a number or a mapping")
    return out


def _logging(value: Any) -> dict[str, Any]:
    out = _fields(value)
    if out.get("options"):
        out["options"] = _sorted_map(_mapping(out["options"]))
    return _shape(out, LOGGING)


def _expose(value: Any) -> list[str]:
    return _list_of_str(value)


_SERVICE_HANDLERS: dict[str, Callable[[_Canonicalizer, Any, KeyPath], Any]] = {
    "build": lambda c, v, p: c.build(v, p),
    "command": lambda c, v, p: _command(v),
    "entrypoint": lambda c, v, p: _command(v),
    "environment": lambda c, v, p: c.environment(v),
    "labels": lambda c, v, p: _sorted_map(_mapping(v)),
    "annotations": lambda c, v, p: _sorted_map(_mapping(v)),
    "env_file": lambda c, v, p: _DROP,
    "label_file": lambda c, v, p: _DROP,
    "depends_on": lambda c, v, p: _depends_on(v),
    "networks": lambda c, v, p: c.networks(v, p),
    "ports": lambda c, v, p: _ports(v, p),
    "expose": lambda c, v, p: _expose(v),
    "volumes": lambda c, v, p: [c.volume_mount(m, (*p, i)) for i, m in enumerate(_seq(v))],
    "secrets": lambda c, v, p: [c.file_ref(s, secret=True) for s in _seq(v)],
    "configs": lambda c, v, p: [c.file_ref(s, secret=False) for s in _seq(v)],
    "healthcheck": lambda c, v, p: c.healthcheck(v, p),
    "deploy": lambda c, v, p: c.deploy(v, p),
    "extra_hosts": lambda c, v, p: _hosts(v),
    "ulimits": lambda c, v, p: _ulimits(v),
    "devices": lambda c, v, p: [_device(d) for d in _seq(v)],
    "logging": lambda c, v, p: _logging(v),
    "blkio_config": lambda c, v, p: _blkio(v, p),
    "develop": lambda c, v, p: c.develop(v),
    "post_start": lambda c, v, p: [c.hook(h) for h in _seq(v)],
    "pre_stop": lambda c, v, p: [c.hook(h) for h in _seq(v)],
    "gpus": lambda c, v, p: _gpus(v),
    "stop_grace_period": lambda c, v, p: _duration(v),
    "extends": lambda c, v, p: _shape({"service": v} if isinstance(v, str) else _fields(v),
                                      EXTENDS),
    "credential_spec": lambda c, v, p: _shape(_fields(v), CREDENTIAL_SPEC),
    "scale": lambda c, v, p: _int(v, "scale"),
    "group_add": lambda c, v, p: _list_of_str(v),
    "sysctls": lambda c, v, p: _sorted_map(_mapping(v)),
}
_STRING_LISTS = frozenset(
    {"cap_add", "cap_drop", "dns", "dns_opt", "dns_search", "tmpfs", "security_opt",
     "external_links", "links", "volumes_from", "profiles", "device_cgroup_rules"}
)
_BYTES_KEYS = frozenset({"mem_limit", "mem_reservation", "memswap_limit", "mem_swappiness",
                         "shm_size"})
_INT_KEYS = frozenset({"cpu_count", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime",
                       "cpu_shares", "oom_score_adj", "pids_limit"})
_FLOAT32_KEYS = frozenset({"cpus", "cpu_percent"})
_STRING_MAPS = frozenset({"storage_opt", "log_opt"})


# ---------------------------------------------------------------------------
# top level
# ---------------------------------------------------------------------------


def _section(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A top-level mapping with string keys; empty when it is absent or not a mapping."""
    value = config.get(key)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items()}


def _used_resources(services: Mapping[str, Mapping[str, Any]]) -> dict[str, set[str]]:
    """The networks, named volumes, secrets and configs the canonical services use."""
    used: dict[str, set[str]] = {"networks": set(), "volumes": set(), "secrets": set(),
                                 "configs": set()}

    def sources(refs: Any) -> Iterable[str]:
        for ref in refs if isinstance(refs, list) else []:
            if isinstance(ref, Mapping) and isinstance(ref.get("source"), str):
                yield ref["source"]

    for svc in services.values():
        networks = svc.get("networks")
        if isinstance(networks, Mapping):
            used["networks"].update(str(n) for n in networks)
        mounts = svc.get("volumes")
        for mount in mounts if isinstance(mounts, list) else []:
            if (isinstance(mount, Mapping) and mount.get("type") == "volume"
                    and isinstance(mount.get("source"), str) and mount["source"]):
                used["volumes"].add(mount["source"])
        used["secrets"].update(sources(svc.get("secrets")))
        build = svc.get("build")
        if isinstance(build, Mapping):
            used["secrets"].update(sources(build.get("secrets")))
        used["configs"].update(sources(svc.get("configs")))
    return used


def _external(value: Any) -> tuple[bool, str | None]:
    if isinstance(value, Mapping):
        name = value.get("name")
        return True, None if name is None else _str(name)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "t"), None
    return bool(value), None


def canonicalize(
    config: Mapping[str, Any],
    *,
    project_name: str,
    working_dir: str,
    environ: Mapping[str, str],
    profiles: Iterable[str] | None = None,
    origin: Origin | None = None,
    read_env_file: EnvFileReader | None = None,
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Turn a merged, interpolated plain config into Compose's canonical JSON form.

    ``working_dir`` is the absolute project directory that relative host paths
    resolve against (paths from other files must already be absolute).
    ``environ`` resolves variables that have no value (``environment: [KEY]``,
    unset build args, env-file entries) and supplies ``HOME`` for ``~``.
    ``profiles`` are the active profiles; ``None`` reads ``COMPOSE_PROFILES``
    from ``environ``. ``origin`` maps a key path to ``(file, span)`` for
    diagnostics. ``read_env_file(path, environ)`` reads an ``env_file`` or
    ``label_file``; it defaults to :func:`composekit.loader.envfile.load_env_file`
    with ``environ`` as its lookup (bare ``KEY`` lines, ``${VAR}``).

    Returns the canonical document and the problems found on the way where
    Compose refuses the file with a message of its own (a value it cannot
    parse, conflicting options, a missing env file). It never raises: a value
    of a shape the schema refuses (a list where a mapping must be, ...) is left
    out of the document without a finding, since the schema check reports it.
    """
    conv = _Canonicalizer(
        project_name=project_name,
        working_dir=working_dir,
        environ=environ,
        origin=origin,
        read_env_file=read_env_file,
    )
    active = _active_profiles(profiles, environ)
    out: dict[str, Any] = {"name": project_name}
    if not isinstance(config, Mapping):
        config = {}

    services: dict[str, Any] = {}
    for name, raw in _section(config, "services").items():
        # a service that is not a mapping (null too) is a schema error: nothing to print
        if not isinstance(raw, Mapping) or not is_service_enabled(raw, active):
            continue
        try:
            services[name] = conv.service(name, raw)
        except _SHAPE_ERRORS:  # pragma: no cover - each key is read on its own
            continue
    services = _sorted_map(services)

    used = _used_resources(services)
    for section, layout in (
        ("networks", NETWORK),
        ("volumes", VOLUME),
        ("secrets", FILE_OBJECT),
        ("configs", FILE_OBJECT),
    ):
        declared = _section(config, section)
        if section == "networks" and "default" in used["networks"]:
            declared.setdefault("default", None)
        resources: dict[str, Any] = {}
        for key, raw_res in declared.items():
            if key not in used[section]:
                continue
            if raw_res is not None and not isinstance(raw_res, Mapping):
                continue  # a schema error
            try:
                resources[key] = _resource(conv, section, key, raw_res, layout)
            except _SHAPE_ERRORS:
                continue
        if resources:
            out[section] = _sorted_map(resources)
    out["services"] = services

    for key, value in config.items():
        if isinstance(key, str) and key.startswith("x-"):
            out[key] = _any_value(value)
    result = _escape_dollars(_sorted_map(out))
    return result, conv.diagnostics


def _resource(
    conv: _Canonicalizer,
    section: str,
    key: str,
    raw: Any,
    layout: tuple[tuple[str, str], ...],
) -> dict[str, Any]:
    res = copy.deepcopy(_fields(raw))
    if "external" in res:
        external, legacy_name = _external(res["external"])
        res["external"] = external
        if legacy_name is not None:
            if res.get("name") is None:
                res["name"] = legacy_name
            conv.report(
                "deprecated-syntax",
                (section, key, "external", "name"),
                f"{section}.{key}: external.name is deprecated; set name and external: true "
                "(compose warns)",
            )
    if res.get("name") is None:
        res["name"] = key if res.get("external") else f"{conv.project_name}_{key}"
    else:
        res["name"] = _str(res["name"])
    if "labels" in res:
        res["labels"] = _sorted_map(_mapping(res["labels"]))
    if "driver_opts" in res:
        res["driver_opts"] = _sorted_map(_mapping(res["driver_opts"]))
    if section == "networks":
        ipam = _fields(res.get("ipam"))
        if "config" in ipam:
            pools = []
            for pool in _seq(ipam["config"]):
                pool = _fields(pool)
                if "aux_addresses" in pool:
                    pool["aux_addresses"] = _sorted_map(_mapping(pool["aux_addresses"]))
                pools.append(_shape(pool, IPAM_POOL))
            ipam["config"] = pools
        res["ipam"] = _shape(ipam, IPAM)
    if section == "volumes":
        opts = res.get("driver_opts") or {}
        if res.get("driver") == "local" and opts.get("o") == "bind" and opts.get("device"):
            opts["device"] = conv.paths.absolute(opts["device"])
    if section in ("secrets", "configs") and isinstance(res.get("file"), str):
        res["file"] = conv.paths.absolute(res["file"])
    return _shape(res, layout)


def _any_value(value: Any) -> Any:
    """A free-form value (an extension) as Go prints an ``any``: maps sorted by key."""
    if isinstance(value, Mapping):
        items = {_str(k): _any_value(v) for k, v in value.items()}
        return {k: items[k] for k in sorted(items)}
    if isinstance(value, list):
        return [_any_value(v) for v in value]
    return value


def _escape_dollars(value: Any) -> Any:
    """Compose prints every ``$`` as ``$$`` so that its output can be loaded again."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {_escape_dollars(k): _escape_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_dollars(v) for v in value]
    return value


def to_json(document: Any) -> str:
    """Render a canonical document exactly as ``docker compose config --format json``.

    Go's encoder indents by two spaces, keeps non-ASCII characters, escapes
    ``<``, ``>``, ``&``, U+2028 and U+2029, and writes floats in fixed
    notation from ``1e-6`` up to ``1e21`` (``0.00001``, ``1000000``) and in
    exponent form outside (``1e-7``, ``1e+21``).
    """
    out: list[str] = []
    _encode(document, "", out)
    return "".join(out)


def _encode(value: Any, indent: str, out: list[str]) -> None:
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            out.append(f'{"," if index else ""}\n{inner}{_json_string(_str(key))}: ')
            _encode(item, inner, out)
        out.append(f"\n{indent}}}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        out.append("[")
        for index, item in enumerate(value):
            out.append(f'{"," if index else ""}\n{inner}')
            _encode(item, inner, out)
        out.append(f"\n{indent}]")
    elif isinstance(value, str):
        out.append(_json_string(value))
    elif value is None or isinstance(value, bool):
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(json_float(value))
    else:
        out.append(_json_string(str(value)))


def _json_string(text: str) -> str:
    return (
        json.dumps(text, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def json_float(value: float) -> str:
    """A float as Go's ``encoding/json`` writes it (shortest digits that read back).

    Fixed notation for ``1e-6 <= |value| < 1e21``, else the exponent form of
    ``%v`` with a one-digit negative exponent unpadded (``1e-7``, not ``1e-07``).
    Go refuses NaN and infinities; they are written as ``%v`` does.
    """
    magnitude = abs(value)
    if not math.isfinite(value) or (magnitude and not 1e-6 <= magnitude < 1e21):
        text = go_format(value)
        mantissa, sep, exponent = text.partition("e")
        if sep and exponent.startswith("-0"):
            exponent = "-" + exponent[2:]
        return f"{mantissa}{sep}{exponent}"
    return format(Decimal(repr(value)).normalize(), "f")
