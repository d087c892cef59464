"""Docker image references, read the way the engine reads them (not a rule module).

The grammar is Docker's (``distribution/reference``, with ``go-digest`` for
the digest), measured against Docker Engine 20.10 (``docker create``):

* ``reference := name [":" tag] ["@" digest]``;
* ``name := [domain "/"] path``; path components are lowercase letters and
  digits joined by one ``.``, one or two ``_`` or any number of ``-``
  (``ng__inx`` and ``ng--inx`` are fine, ``ng___inx`` is not);
* the first component is a registry host when it holds a ``.`` or a ``:``,
  is ``localhost``, or (newer engines) has an uppercase letter; the host may
  use uppercase letters, the path may not ("repository name must be
  lowercase"); an uppercase first component is refused by older engines and
  sent to a host of that name by newer ones;
* the name, once completed to ``docker.io/library/<name>``, has at most 255
  characters (a 238-character ``aaa…`` is refused);
* ``tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`` (at most 128 characters, not
  starting with ``.`` or ``-``);
* ``digest := algorithm ":" hex``: the grammar wants 32 or more hex digits
  ("invalid reference format" below that); then the algorithm must be
  ``sha256``, ``sha384`` or ``sha512`` ("unsupported digest algorithm"),
  the hex lowercase ("invalid checksum digest format") and exactly 64, 96
  or 128 digits long ("invalid checksum digest length").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = _ALNUM + r"(?:" + _SEPARATOR + _ALNUM + r")*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = (r"(?:" + _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*"
           + r"|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

PATH_RE = re.compile(r"^" + _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*$")
DOMAIN_RE = re.compile(r"^" + _DOMAIN + r"$")
TAG_RE = re.compile(r"^" + _TAG + r"$")
DIGEST_RE = re.compile(r"^" + _DIGEST + r"$")
IDENTIFIER_RE = re.compile(r"^[a-f0-9]{64}$")

#: Digest algorithms the engine knows, with their hex length.
DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
#: Longest repository name (with its domain), after completion to docker.io/library/.
NAME_MAX = 255


@dataclass(frozen=True)
class ImageReference:
    """A split image reference (not necessarily valid)."""

    text: str
    domain: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}" if self.domain else self.path


def built_locally(service: dict[str, object]) -> bool:
    """Whether a service's ``image`` names what ``build`` produces rather than what is pulled.

    True with ``build`` and no ``pull_policy`` (Compose v2 tries a pull first; that
    ambiguity is ``build-and-image``, CK204), ``pull_policy: build`` or ``never``.
    """
    return "build" in service and service.get("pull_policy") in (None, "build", "never")


def split(text: str) -> ImageReference:
    """Split ``text`` into domain, path, tag and digest, without validating."""
    rest, _, digest = text.partition("@")
    name, tag = rest, None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1:]
    domain: str | None = None
    first, sep, remainder = name.partition("/")
    if sep and (first == "localhost" or any(c in first for c in ".:") or first.lower() != first):
        domain, name = first, remainder
    return ImageReference(text, domain, name, tag, digest if "@" in text else None)


def problems(text: str) -> list[str]:
    """Why the engine refuses ``text`` as an image reference; empty when it accepts it."""
    if not text:
        return ["the image name is empty"]
    if IDENTIFIER_RE.match(text):
        return []  # a full image ID
    if any(c.isspace() for c in text):
        return ["an image reference cannot contain white space"]
    ref = split(text)
    out: list[str] = []
    if not ref.path:
        out.append("the repository name is empty")
    elif not PATH_RE.match(ref.path):
        if PATH_RE.match(ref.path.lower()):
            out.append(f"the repository name '{ref.path}' must be lowercase")
        else:
            out.append(f"the repository name '{ref.path}' is not valid: use lowercase letters "
                       "and digits, separated by '/', '.', '_', '__' or dashes")
    if ref.domain is not None and ref.domain.lower() != ref.domain and "." not in ref.domain \
            and ":" not in ref.domain:
        out.append(
            f"'{ref.domain}' has uppercase letters, so Docker reads it as a registry host, not "
            "a Docker Hub namespace (older engines refuse it: repository names must be lowercase)")
    elif ref.domain is not None and not DOMAIN_RE.match(ref.domain):
        out.append(f"'{ref.domain}' is not a valid registry host")
    if ref.tag is not None:
        if not ref.tag:
            out.append("the tag after ':' is empty")
        elif len(ref.tag) > 128:
            out.append(f"the tag is {len(ref.tag)} characters long; at most 128 are allowed")
        elif not TAG_RE.match(ref.tag):
            out.append(f"the tag '{ref.tag}' is not valid: use letters, digits, '_', '.' and "
                       "'-', not starting with '.' or '-'")
    if ref.digest is not None:
        out.extend(_digest_problems(ref.digest))
    if not out:
        full = ref.repository if ref.domain else (
            "docker.io/" + (ref.path if "/" in ref.path else "library/" + ref.path))
        if len(full) > NAME_MAX:
            out.append(f"the repository name is {len(full)} characters long (as "
                       f"'{full[:24]}…'); at most {NAME_MAX} are allowed")
    return out


def _digest_problems(digest: str) -> list[str]:
    if not DIGEST_RE.match(digest):
        return [f"the digest '{_short(digest)}' is not valid: write it as "
                "'sha256:' followed by 64 hexadecimal digits"]
    algorithm, _, encoded = digest.partition(":")
    length = DIGEST_LENGTHS.get(algorithm)
    if length is None:
        known = ", ".join(DIGEST_LENGTHS)
        return [f"the digest algorithm '{algorithm}' is not supported (use {known})"]
    if encoded.lower() != encoded:
        return ["the digest must use lowercase hexadecimal digits"]
    if len(encoded) != length:
        return [f"a {algorithm} digest has {length} hexadecimal digits, not {len(encoded)}"]
    return []


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
