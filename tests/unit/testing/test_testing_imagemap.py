"""Image substitution rules (--image-map): parsing, normalisation, precedence."""

from __future__ import annotations

import pytest

from composekit.errors import UsageError
from composekit.testing.imagemap import ImageMap, image_map, parse_reference, parse_rule


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest"),
    [
        ("redis", "docker.io", "library/redis", None, None),
        ("redis:7-alpine", "docker.io", "library/redis", "7-alpine", None),
        ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", None),
        ("docker.io/library/redis:7", "docker.io", "library/redis", "7", None),
        ("localhost:5000/app:1", "localhost:5000", "app", "1", None),
        ("localhost/app", "localhost", "app", None, None),
        ("ghcr.io/org/app@sha256:abc", "ghcr.io", "org/app", None, "sha256:abc"),
        ("ghcr.io/org/app:1.2@sha256:abc", "ghcr.io", "org/app", "1.2", "sha256:abc"),
    ],
)
def test_parse_reference(text: str, registry: str, path: str, tag: str | None,
                         digest: str | None) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (registry, path, tag, digest)


def test_normalized_forms_compare_equal() -> None:
    forms = {parse_reference(t).normalized() for t in
             ("redis", "redis:latest", "library/redis:latest", "docker.io/library/redis:latest")}
    assert forms == {"docker.io/library/redis:latest"}


def test_exact_rule_matches_every_spelling_of_the_reference() -> None:
    m = image_map(["redis:7-alpine=composekit/redis:bookworm-1"])
    assert m.apply("redis:7-alpine") == "composekit/redis:bookworm-1"
    assert m.apply("docker.io/library/redis:7-alpine") == "composekit/redis:bookworm-1"
    assert m.apply("redis:7") == "redis:7"
    assert m.apply("redis") == "redis"


def test_untagged_source_is_latest_for_exact_match_but_repository_rule_keeps_tags() -> None:
    exact = image_map(["redis:latest=local/redis:dev"])
    assert exact.apply("redis") == "local/redis:dev"
    repo = image_map(["redis=mirror.example.com/redis"])
    assert repo.apply("redis:7-alpine") == "mirror.example.com/redis:7-alpine"
    assert repo.apply("redis@sha256:abc") == "mirror.example.com/redis@sha256:abc"
    assert repo.apply("redis") == "mirror.example.com/redis"
    assert repo.apply("bitnami/redis:7") == "bitnami/redis:7"


def test_prefix_rules_longest_prefix_wins() -> None:
    m = image_map(["docker.io/=mirror.example.com/hub/",
                   "docker.io/bitnami/=mirror.example.com/bitnami/"])
    assert m.apply("bitnami/redis:7") == "mirror.example.com/bitnami/redis:7"
    assert m.apply("postgres:16") == "mirror.example.com/hub/library/postgres:16"
    assert m.apply("ghcr.io/org/app:1") == "ghcr.io/org/app:1"
    written = image_map(["ghcr.io/org/=registry.local/org/"])
    assert written.apply("ghcr.io/org/app:1") == "registry.local/org/app:1"


def test_exact_rule_beats_repository_and_prefix_rules() -> None:
    m = image_map(["docker.io/=mirror/", "redis=other/redis", "redis:7=pinned/redis:7"])
    assert m.apply("redis:7") == "pinned/redis:7"
    assert m.apply("redis:6") == "other/redis:6"
    assert m.apply("nginx:1") == "mirror/library/nginx:1"


def test_mapping_form_and_merge_precedence() -> None:
    base = image_map({"redis:7": "a/redis:7", "nginx:1": "a/nginx:1"})
    flags = image_map(["redis:7=b/redis:7"])
    merged = base.merged(flags)
    assert merged.apply("redis:7") == "b/redis:7"
    assert merged.apply("nginx:1") == "a/nginx:1"
    assert not ImageMap()
    assert merged.as_dict() == {"redis:7": "b/redis:7", "nginx:1": "a/nginx:1"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("redis", "expected FROM=TO"),
        ("=local/redis", "expected FROM=TO"),
        ("redis:7=", "expected FROM=TO"),
        ("docker.io/=mirror", "ends with '/' on both sides"),
        ("red is=x", "no spaces"),
    ],
)
def test_bad_rules_are_usage_errors(text: str, fragment: str) -> None:
    with pytest.raises(UsageError, match="bad image map") as info:
        parse_rule(text)
    assert fragment in str(info.value)
