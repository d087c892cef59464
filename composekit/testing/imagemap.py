"""Image substitution for the harness: ``--image-map FROM=TO``.

Offline machines and private registries need a stack's image references
replaced before it starts. Three forms of rule, tried in this order:

``redis:7-alpine=local/redis:test``
    An exact reference (with tag or digest) maps to another reference.
``redis=mirror.example.com/redis``
    A repository without tag maps to another repository; the tag or digest of
    the reference is kept (``redis:7-alpine`` becomes
    ``mirror.example.com/redis:7-alpine``).
``docker.io/=mirror.example.com/hub/``
    A prefix ending in ``/`` maps every reference under it (registry or
    namespace mirrors).

References are compared in their normalised form, as Docker does:
``redis``, ``redis:latest``, ``library/redis:latest`` and
``docker.io/library/redis:latest`` are the same image.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from composekit.errors import UsageError

_DEFAULT_REGISTRY = "docker.io"
_OFFICIAL_NAMESPACE = "library"


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference: ``registry/path[:tag][@digest]``."""

    registry: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    @property
    def suffix(self) -> str:
        """``:tag``, ``@digest``, both, or empty."""
        out = f":{self.tag}" if self.tag else ""
        return out + (f"@{self.digest}" if self.digest else "")

    def normalized(self) -> str:
        """The full form, with ``latest`` when neither tag nor digest is given."""
        tag = self.tag if self.tag or self.digest else "latest"
        out = self.repository + (f":{tag}" if tag else "")
        return out + (f"@{self.digest}" if self.digest else "")


def parse_reference(text: str) -> ImageRef:
    """Split an image reference the way Docker reads it (no validation of characters)."""
    ref = text.strip()
    if not ref:
        raise ValueError("empty image reference")
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = _DEFAULT_REGISTRY, ref
    if registry == _DEFAULT_REGISTRY and "/" not in path:
        path = f"{_OFFICIAL_NAMESPACE}/{path}"
    return ImageRef(registry=registry, path=path, tag=tag or None, digest=digest or None)


@dataclass(frozen=True)
class ImageRule:
    """One ``FROM=TO`` rule."""

    source: str
    target: str

    @property
    def is_prefix(self) -> bool:
        return self.source.endswith("/")

    @property
    def is_repository(self) -> bool:
        """True for a rule without tag or digest on its left side."""
        if self.is_prefix:
            return False
        ref = parse_reference(self.source)
        return ref.tag is None and ref.digest is None

    def __str__(self) -> str:
        return f"{self.source}={self.target}"


@dataclass(frozen=True)
class ImageMap:
    """An ordered set of substitution rules; :meth:`apply` maps one reference."""

    rules: tuple[ImageRule, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def merged(self, other: ImageMap) -> ImageMap:
        """This map with ``other``'s rules taking precedence for the same source."""
        sources = {r.source for r in other.rules}
        kept = tuple(r for r in self.rules if r.source not in sources)
        return ImageMap(other.rules + kept)

    def apply(self, image: str) -> str:
        """The reference ``image`` maps to (itself when no rule matches)."""
        try:
            ref = parse_reference(image)
        except ValueError:
            return image
        full = ref.normalized()
        for rule in self.rules:
            if rule.is_prefix or rule.is_repository:
                continue
            if parse_reference(rule.source).normalized() == full:
                return rule.target
        for rule in self.rules:
            if rule.is_repository and parse_reference(rule.source).repository == ref.repository:
                return rule.target + ref.suffix
        best: ImageRule | None = None
        for rule in self.rules:
            if not rule.is_prefix:
                continue
            if _prefix_matches(rule.source, image, full) and (
                best is None or len(rule.source) > len(best.source)
            ):
                best = rule
        if best is not None:
            return _replace_prefix(best, image, full)
        return image

    def as_dict(self) -> dict[str, str]:
        return {r.source: r.target for r in self.rules}


def _prefix_matches(prefix: str, image: str, full: str) -> bool:
    return image.startswith(prefix) or full.startswith(_normalize_prefix(prefix))


def _normalize_prefix(prefix: str) -> str:
    """``library/`` and ``docker.io/`` prefixes in the normalised form."""
    first = prefix.split("/", 1)[0]
    if "." in first or ":" in first or first == "localhost":
        return prefix
    return f"{_DEFAULT_REGISTRY}/{prefix}"


def _replace_prefix(rule: ImageRule, image: str, full: str) -> str:
    if image.startswith(rule.source):
        return rule.target + image[len(rule.source):]
    return rule.target + full[len(_normalize_prefix(rule.source)):]


def parse_rule(text: str) -> ImageRule:
    """Parse ``FROM=TO``; raise :class:`UsageError` with the reason when malformed."""
    source, sep, target = text.partition("=")
    source, target = source.strip(), target.strip()
    if not sep or not source or not target:
        raise UsageError(f"bad image map {text!r}: expected FROM=TO, e.g. "
                         "redis:7-alpine=local/redis:test")
    if source.endswith("/") != target.endswith("/"):
        raise UsageError(f"bad image map {text!r}: a prefix rule ends with '/' on both sides, "
                         "e.g. docker.io/=mirror.example.com/")
    if any(c.isspace() for c in source + target):
        raise UsageError(f"bad image map {text!r}: image references have no spaces")
    return ImageRule(source, target)


def image_map(rules: Iterable[str] | Mapping[str, str] | ImageMap | None) -> ImageMap:
    """Build an :class:`ImageMap` from ``FROM=TO`` strings, a mapping, or a map."""
    if rules is None:
        return ImageMap()
    if isinstance(rules, ImageMap):
        return rules
    if isinstance(rules, Mapping):
        return ImageMap(tuple(parse_rule(f"{k}={v}") for k, v in rules.items()))
    return ImageMap(tuple(parse_rule(r) for r in rules))
