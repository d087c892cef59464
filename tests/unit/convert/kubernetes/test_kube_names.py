"""Kubernetes names: valid names kept, others fixed, collisions resolved stably."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from composekit.convert.kubernetes.names import (
    DNS1035_LABEL,
    DNS1123_LABEL,
    NameTable,
    is_label_key,
    is_label_value,
    is_port_name,
    label_value,
    sanitize,
)


def test_valid_names_are_kept() -> None:
    t = NameTable(dns1035=True)
    t.add("a", "web")
    t.add("b", "db-1")
    assert t.get("a") == "web" and t.get("b") == "db-1"
    assert not t.changed("a")


def test_invalid_names_are_fixed() -> None:
    assert sanitize("My_DB") == "my-db"
    assert sanitize("web.front") == "web-front"
    assert sanitize("1api", dns1035=True) == "x-1api"
    assert sanitize("___") .startswith("x-")
    assert len(sanitize("a" * 80)) == 63


def test_collisions_get_a_hash_suffix_and_kept_names_never_change() -> None:
    t = NameTable()
    t.add("svc:my-db", "my-db")
    t.add("svc:My_DB", "My_DB")
    t.add("svc:my.db", "my.db")
    assert t.get("svc:my-db") == "my-db"
    fixed = {t.get("svc:My_DB"), t.get("svc:my.db")}
    assert len(fixed) == 2 and all(n.startswith("my-db-") for n in fixed)


def test_names_do_not_depend_on_order() -> None:
    names = ["My_DB", "my.db", "web", "Web", "a" * 70, "a" * 71]
    first, second = NameTable(), NameTable()
    for n in names:
        first.add(n, n)
    for n in reversed(names):
        second.add(n, n)
    assert all(first.get(n) == second.get(n) for n in names)


@given(st.lists(st.text(alphabet="abcABC_.-019", min_size=1, max_size=80), min_size=1,
                max_size=12, unique=True))
def test_resolved_names_are_valid_and_distinct(names: list[str]) -> None:
    t = NameTable(dns1035=True)
    for n in names:
        t.add(n, n)
    out = [t.get(n) for n in names]
    assert len(set(out)) == len(out)
    assert all(DNS1035_LABEL.match(n) and len(n) <= 63 for n in out)
    assert all(DNS1123_LABEL.match(sanitize(n)) for n in names)


def test_label_syntax() -> None:
    assert is_label_key("app.kubernetes.io/name") and is_label_key("tier")
    assert not is_label_key("bad key") and not is_label_key("/x")
    assert is_label_value("") and is_label_value("v1.2_3")
    assert not is_label_value("has space") and not is_label_value("a" * 64)
    assert label_value("Names_And.Losses") == "Names_And.Losses"
    assert is_label_value(label_value("-weird value-")) and is_label_value(label_value("x" * 90))


def test_port_names() -> None:
    assert is_port_name("http") and is_port_name("tcp-8080")
    assert not is_port_name("8080") and not is_port_name("a-very-long-port-name")
    assert not is_port_name("a--b") and not is_port_name("HTTP")
