"""The YAML writer: what it writes reads back as the same value with YAML 1.1 (kubectl,
Helm) and YAML 1.2 readers alike."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from kube_cases import load_all, load_all_12

from composekit.convert.kubernetes.emit import dump, scalar

TRICKY = ["yes", "No", "on", "OFF", "y", "n", "~", "null", "true", "1.27", "0755", "1e3",
          "0x1F", "2024-01-01", "12:30", "- item", "a: b", "#x", "x #y", "", " lead", "trail ",
          "*alias", "&anchor", "!tag", "@at", "`tick", "{a}", "[a]", "%pct", "'q'", '"dq"',
          "multi\nline\n", "no newline\nat end", "two\n\n", "tab\there", "ü̈nicode", "\x00",
          "line with trailing space \nnext\n", "=", "<<", ".inf", "-.5", "+1", "\u2028"]


def test_tricky_strings_read_back_as_strings() -> None:
    doc = {"items": TRICKY, "map": {t or "empty": t for t in TRICKY if t and "\n" not in t}}
    text = dump(doc)
    assert load_all(text) == [doc]
    assert load_all_12(text) == [doc]


def test_plain_scalars_stay_plain() -> None:
    assert scalar("nginx") == "nginx"
    assert scalar("app.kubernetes.io/name") == "app.kubernetes.io/name"
    assert scalar("yes") == '"yes"' and scalar("1.27") == '"1.27"'
    assert scalar(3) == "3" and scalar(True) == "true" and scalar(None) == "null"


def test_multi_line_text_is_a_literal_block() -> None:
    text = dump({"data": {"nginx.conf": "server {\n  listen 80;\n}\n"}})
    assert "nginx.conf: |\n    server {\n      listen 80;\n    }\n" in text


values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(min_size=1, max_size=12), children, max_size=4),
    max_leaves=20)


@given(st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=5))
def test_round_trip(doc: dict[str, Any]) -> None:
    text = dump(doc)
    assert load_all(text) == [doc]
    assert load_all_12(text) == [doc]
