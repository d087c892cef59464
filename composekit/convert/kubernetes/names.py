"""Kubernetes names for Compose names: valid, stable and collision-free.

Kubernetes names follow RFC 1123 (lower-case letters, digits and ``-``; a label is at most
63 characters, a subdomain at most 253 and may hold dots); a Service name is an RFC 1035
label (it must start with a letter). Compose allows upper case, ``_`` and ``.`` and names
starting with a digit, so some names must change.

The rules, for one kind of object at a time:

* a name that is already valid is kept as it is;
* otherwise it is lower-cased, each run of other characters becomes ``-``, and it is cut to
  the length limit;
* if two objects would end up with the same name, each of the *changed* ones gets a suffix
  made from a hash of its original name (a name kept as written never changes).

The result depends only on the set of names, never on their order, so converting the same
project twice gives the same names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "DNS1035_LABEL",
    "DNS1123_LABEL",
    "DNS1123_SUBDOMAIN",
    "NameTable",
    "is_label_key",
    "is_label_value",
    "is_port_name",
    "label_value",
    "port_name",
    "sanitize",
]

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def _hash(text: str, n: int = 5) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def sanitize(name: str, *, limit: int = 63, dns1035: bool = False) -> str:
    """``name`` as an RFC 1123 label (RFC 1035 with ``dns1035``): lower case, other
    characters as ``-``, at most ``limit`` characters. Never empty."""
    out = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if dns1035 and out and not out[0].isalpha():
        out = "x-" + out
    if not out:
        out = "x-" + _hash(name)
    if len(out) > limit:
        out = out[:limit].rstrip("-")
    return out


def is_valid(name: str, *, limit: int = 63, dns1035: bool = False) -> bool:
    pattern = DNS1035_LABEL if dns1035 else DNS1123_LABEL
    return len(name) <= limit and pattern.match(name) is not None


def _with_suffix(base: str, original: str, limit: int) -> str:
    suffix = _hash(original)
    keep = limit - len(suffix) - 1
    return f"{base[:keep].rstrip('-')}-{suffix}"


@dataclass
class NameTable:
    """Names of one kind of Kubernetes object (one namespace of names).

    :meth:`add` every wanted name first (with a key identifying what it names), then
    :meth:`resolve`; :meth:`get` returns the final name of a key.
    """

    limit: int = 63
    dns1035: bool = False
    _wanted: dict[str, str] = field(default_factory=dict)
    _final: dict[str, str] | None = None

    def add(self, key: str, name: str) -> None:
        if self._final is not None:
            raise RuntimeError("NameTable.add after resolve")
        self._wanted[key] = name

    def add_all(self, items: Iterable[tuple[str, str]]) -> None:
        for key, name in items:
            self.add(key, name)

    def resolve(self) -> None:
        final: dict[str, str] = {}
        first: dict[str, str] = {}
        for key, name in self._wanted.items():
            if is_valid(name, limit=self.limit, dns1035=self.dns1035):
                first[key] = name
            else:
                first[key] = sanitize(name, limit=self.limit, dns1035=self.dns1035)
        taken: dict[str, list[str]] = {}
        for key, name in first.items():
            taken.setdefault(name, []).append(key)
        kept = {name for name, keys in taken.items()
                for k in keys if self._wanted[k] == name}
        for key, name in first.items():
            changed = self._wanted[key] != name
            if changed and (len(taken[name]) > 1 or name in kept):
                final[key] = _with_suffix(name, key, self.limit)
            else:
                final[key] = name
        self._final = final

    def get(self, key: str) -> str:
        if self._final is None:
            self.resolve()
        assert self._final is not None
        return self._final[key]

    def changed(self, key: str) -> bool:
        return self.get(key) != self._wanted[key]


def is_label_key(key: str) -> bool:
    """A valid label or annotation key: an optional DNS subdomain prefix and ``/``, then a
    name of at most 63 characters."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and _LABEL_NAME.match(name) is not None


def is_label_value(value: str) -> bool:
    """A valid label value: empty, or at most 63 characters of letters, digits, ``-``, ``_``
    and ``.``, starting and ending with a letter or digit."""
    return value == "" or (len(value) <= 63 and _LABEL_NAME.match(value) is not None)


def label_value(text: str) -> str:
    """``text`` made a valid label value (other characters as ``-``; at most 63)."""
    if is_label_value(text):
        return text
    out = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)
    out = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", out)
    if len(out) > 63:
        out = re.sub(r"[^A-Za-z0-9]+$", "", out[:57]) + "-" + _hash(text)
    return out


def is_port_name(name: str) -> bool:
    """An IANA service name as Kubernetes wants a port name: at most 15 characters of
    lower-case letters, digits and single ``-``, with at least one letter."""
    return (len(name) <= 15 and _PORT_NAME.match(name) is not None and "--" not in name
            and any(c.isalpha() for c in name))


def port_name(protocol: str, port: int) -> str:
    """The name composekit gives a port: ``tcp-80``, ``udp-53``."""
    return f"{protocol.lower()}-{port}"
