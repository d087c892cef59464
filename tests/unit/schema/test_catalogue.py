"""The key catalogue is consistent: known versions, since <= until, children inside their
parents, a schema form in every format a key claims, and the facts the runtimes depend on."""

from __future__ import annotations

import pytest

from composekit.catalog import KEYS, key, node, root
from composekit.catalog.model import Avail, Key, Runtime, Str, split_path, walk_types
from composekit.catalog.versions import BY_VERSION, FORMATS, Family, family_formats, get
from composekit.schemagen import key_schema

IDS = [k.dotted for k in KEYS]


def test_paths_are_unique() -> None:
    assert len(IDS) == len(set(IDS))


def test_catalogue_size() -> None:
    # every key of every format: a shrinking catalogue means entries were lost
    assert len(KEYS) >= 330


def test_split_path() -> None:
    assert split_path("services.*.ports[].target") == ("services", "*", "ports", "[]", "target")
    assert split_path("include[]") == ("include", "[]")


@pytest.mark.parametrize("k", KEYS, ids=IDS)
def test_versions_are_known_and_ordered(k: Key) -> None:
    for lo, hi in k.avail.ranges:
        assert lo.version in BY_VERSION and hi.version in BY_VERSION
        assert lo.family is hi.family
        assert lo <= hi
    for family, since in k.since().items():
        until = k.until().get(family)
        assert until is None or since < until, (family, since, until)
    assert k.doc, "every key is documented"


@pytest.mark.parametrize("k", KEYS, ids=IDS)
def test_key_has_a_schema_in_each_of_its_formats(k: Key) -> None:
    for fmt in FORMATS:
        schema = key_schema(k, fmt)
        if fmt in k.avail:
            assert schema is not None, f"{k.dotted} claims {fmt} but has no form there"
        else:
            assert schema is None


@pytest.mark.parametrize("k", KEYS, ids=IDS)
def test_children_live_inside_their_parent(k: Key) -> None:
    parent = None
    for i in range(len(k.path) - 1, 0, -1):
        cur = root()
        for part in k.path[:i]:
            cur = cur.children[part]
        if cur.key is not None:
            parent = cur.key
            break
    if parent is None:
        assert len(k.path) == 1 or k.path[0] in ("services", "networks", "volumes",
                                                  "secrets", "configs", "models")
        return
    allowed = set(parent.avail.formats())
    if parent.dotted == "services":
        allowed.add(get("1"))  # a v1 file holds its services at the top level
    outside = [f.version for f in k.avail.formats() if f not in allowed]
    assert not outside, f"{k.dotted} is available where {parent.dotted} is not: {outside}"


@pytest.mark.parametrize("k", KEYS, ids=IDS)
def test_required_and_enum_versions_lie_inside_availability(k: Key) -> None:
    if k.required is not None:
        assert set(k.required.formats()) <= set(k.avail.formats())
    if k.needs_in is not None:
        assert set(k.needs_in.formats()) <= set(k.avail.formats())
    for t in walk_types(k.type):
        if isinstance(t, Str):
            for member in t.enum:
                if isinstance(member, tuple):
                    Avail.parse(member[1])  # parses: known formats only


def test_avail_notation() -> None:
    a = Avail.parse("1 2.3 3.4-3.8 spec")
    assert get("2.4") in a and get("2.2") not in a
    assert get("3.8") in a and get("3.9") not in a
    assert get("1") in a and get("spec") in a
    assert a.since(Family.V2) == get("2.3")
    assert a.until(Family.V3) == get("3.9")
    assert a.until(Family.V2) is None
    with pytest.raises(ValueError):
        Avail.parse("3.9-3.2")
    with pytest.raises(ValueError):
        Avail.parse("2.7")


@pytest.mark.parametrize(
    ("path", "since", "absent"),
    [
        # the facts the brief names, each checked against docker-compose 1.26.2 / docker stack
        ("services.*.healthcheck.start_period", {"2": "2.3", "3": "3.4"}, []),
        ("services.*.init", {"2": "2.2", "3": "3.7"}, []),
        ("services.*.deploy", {"3": "3.0"}, ["1", "2.4"]),
        ("services.*.runtime", {"2": "2.3"}, ["3.8"]),
        ("services.*.platform", {"2": "2.4"}, ["3.8"]),
        ("services.*.extends", {"1": "1", "2": "2.0"}, ["3.0", "3.14"]),
        ("services.*.volume_driver", {"2": "2.0"}, ["3.0", "spec"]),
        ("services.*.cpu_shares", {"2": "2.0"}, ["3.8"]),
        ("services.*.depends_on.*.condition", {"2": "2.1"}, ["2.0", "3.8"]),
        ("secrets", {"3": "3.1"}, ["3.0", "2.4"]),
        ("configs", {"3": "3.3"}, ["3.2"]),
        ("volumes.*.name", {"2": "2.1", "3": "3.4"}, ["3.3"]),
        ("networks.*.name", {"2": "2.1", "3": "3.5"}, ["3.4"]),
        ("services.*.deploy.rollback_config", {"3": "3.7"}, ["3.6"]),
        ("name", {"spec": "spec"}, ["3.14", "2.4"]),
        ("services.*.healthcheck.start_interval", {"3": "3.12"}, ["3.11"]),
        ("services.*.networks.*.driver_opts", {"3": "3.13"}, ["3.12"]),
        ("services.*.deploy.resources.limits.pids", {"3": "3.9"}, ["3.8"]),
        ("services.*.ports[].target", {"3": "3.2"}, ["3.1", "2.4"]),
        ("services.*.volumes[].type", {"2": "2.3", "3": "3.2"}, ["2.2", "3.1"]),
    ],
)
def test_documented_facts(path: str, since: dict[str, str], absent: list[str]) -> None:
    k = key(path)
    got = {fam.value: fmt.version for fam, fmt in k.since().items()}
    for family, version in since.items():
        assert got.get(family) == version, (path, got)
    for version in absent:
        assert get(version) not in k.avail, (path, version)


def test_extends_is_back_in_the_compose_specification() -> None:
    k = key("services.*.extends")
    assert get("spec") in k.avail
    assert Family.V2 not in k.until()  # never removed within 2.x
    assert Family.V3 not in k.since()


def test_runtimes() -> None:
    assert key("services.*.build").runtime("stack").runtime is Runtime.IGNORED
    assert key("services.*.cpu_shares").runtime("stack").runtime is Runtime.REFUSED
    assert key("services.*.volume_driver").runtime("stack").runtime is Runtime.REFUSED
    assert key("services.*.deploy").runtime("compose-v1").runtime is Runtime.IGNORED
    assert key("services.*.image").runtime("stack").runtime is Runtime.HONOURED
    assert key("services.*.profiles").runtime("stack").runtime is Runtime.REFUSED
    assert key("services.*.dockerfile").runtime("compose-v2").runtime is Runtime.REFUSED
    assert key("version").runtime("compose-v2").runtime is Runtime.IGNORED
    assert key("services.*.cgroupns_mode").runtime("compose-v1").runtime is Runtime.REFUSED


def test_node_lookup_follows_names_and_items() -> None:
    fmt = get("3.8")
    n = node(("services", "web", "ports", 0, "target"), fmt)
    assert n is not None and n.key is not None
    assert n.key.dotted == "services.*.ports[].target"
    # a service called like a key is still a service
    n = node(("services", "image", "image"), fmt)
    assert n is not None and n.key is not None and n.key.dotted == "services.*.image"
    # v1: services at the top level
    n = node(("web", "log_driver"), get("1"))
    assert n is not None and n.key is not None and n.key.dotted == "services.*.log_driver"
    assert node(("services", "web", "labels", "a", "b"), fmt) is None


def test_formats_cover_every_family_in_order() -> None:
    versions = [f.version for f in FORMATS]
    assert versions[0] == "1" and versions[-1] == "spec"
    assert [f.version for f in family_formats(Family.V2)] == ["2.0", "2.1", "2.2", "2.3", "2.4"]
    assert [f.version for f in family_formats(Family.V3)] == [f"3.{m}" for m in range(15)]
    assert sorted(FORMATS) == list(FORMATS)
