"""Property-based tests: nothing fed to the YAML reader raises, runs long or eats memory.

Three sources of input: YAML-ish text built from the characters that matter to YAML, random
bytes, and random mutations of valid Compose files. For each, ``parse_bytes`` must return
``(document or None, findings)`` with well-formed positions, within a time and memory bound,
and whatever it returns must convert (``to_plain``) and check (``dialect_diagnostics``)
without raising. The whole module runs in about 15 s by default
(``COMPOSEKIT_FUZZ_EXAMPLES`` sets the examples per test).
"""

from __future__ import annotations

import os
import time
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity
from composekit.yaml_dialects import dialect_diagnostics, to_plain
from composekit.yamlio import YamlDocument, parse_bytes

#: Per call: seconds and bytes (tracemalloc peak). Generous for small inputs: they guard
#: against blow-ups (alias bombs, quadratic scans), not against a slow machine.
TIME_LIMIT = 2.0
MEMORY_LIMIT = 64 * 2**20

#: Examples per test; COMPOSEKIT_FUZZ_EXAMPLES=5000 for a long run.
EXAMPLES = int(os.environ.get("COMPOSEKIT_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASES = [
    """\
services:
  web:
    image: "nginx:1.25"
    ports:
      - "8080:80"
      - 56:56
    environment:
      DEBUG: yes
      MODE: 0755
    depends_on: [db]
  db:
    image: postgres:16
    volumes:
      - data:/var/lib/postgresql/data
volumes:
  data: {}
""",
    """\
version: '3.8'
x-defaults: &defaults
  restart: unless-stopped
  logging: {driver: json-file, options: {max-size: 10m}}
services:
  api:
    <<: *defaults
    build: {context: ., args: [A=1, B=2]}
    command: ["sh", "-c", "echo ok"]
    healthcheck:
      test: |
        curl -f http://localhost || exit 1
      interval: 30s
  worker:
    <<: *defaults
    image: &img worker:latest
    labels:
      release: 2001-12-14
      flag: on
""",
]

#: Characters that steer a YAML scanner, plus some that commonly break files.
YAMLISH = st.sampled_from([
    *" \t\n\r:-[]{},#&*!|>'\"%@`?<=~.\\0123456789",
    "yes", "no", "on", "0x", "0o", "1e3", "---", "...", "<<: ", "- ", ": ", "&a ", "*a",
    "!!int ", "!!str ", "%YAML 1.1\n", "\u2018", "\u2019", "\u201c", "\u201d", "\ufeff",
    "\x00", "\x85", "\u2028", "é", "services:", "image: x", "\n  ", "\n    "])


def _check(raw: bytes) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = parse_bytes(raw, "fuzz.yaml")
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < TIME_LIMIT, f"{elapsed:.2f}s for {raw[:200]!r}"
    assert peak < MEMORY_LIMIT, f"{peak} bytes for {raw[:200]!r}"

    assert isinstance(result, tuple) and len(result) == 2
    doc, diags = result
    assert isinstance(diags, list)
    text = raw.decode("utf-8", errors="replace")
    lines = max(text.count("\n"), len(text.splitlines())) + 1
    for diag in diags:
        assert isinstance(diag, Diagnostic)
        assert diag.code in codes.CODES and diag.message
        assert diag.path == "fuzz.yaml"
        assert 1 <= diag.line <= lines + 1, (diag, raw[:200])
        assert diag.column >= 1
    if doc is None:
        assert any(d.severity is Severity.ERROR for d in diags), (diags, raw[:200])
        return
    assert isinstance(doc, YamlDocument)
    assert doc.diagnostics == diags
    assert doc.documents and doc.data is doc.documents[0]
    for tree in doc.documents:
        to_plain(tree)
        to_plain(tree, "compose-v1")
        for diag in dialect_diagnostics(tree, "fuzz.yaml"):
            assert 1 <= diag.line <= lines + 1


@FUZZ
@given(st.lists(YAMLISH, max_size=120).map("".join))
def test_yamlish_text(text: str) -> None:
    _check(text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "drop-line"]))
        if op == "insert":
            text = text[:pos] + draw(YAMLISH) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)):]
        elif op == "replace":
            text = text[:pos] + draw(YAMLISH) + text[pos + 1:]
        else:
            lines = text.split("\n")
            at = draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(at, lines[at])
            else:
                del lines[at]
            text = "\n".join(lines)
    raw = text.encode("utf-8")
    if draw(st.booleans()):  # sometimes break a byte too
        pos = draw(st.integers(0, max(0, len(raw) - 1)))
        raw = raw[:pos] + bytes([draw(st.integers(0, 255))]) + raw[pos + 1:]
    return raw


@FUZZ
@given(mutated())
def test_mutated_compose_files(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=25, deadline=None, database=None)
@given(st.integers(2, 12), st.integers(2, 12))
def test_alias_fan_out(levels: int, fan: int) -> None:
    # Nested aliases of any shape: refused when too big, never slow.
    lines = ["l0: &l0 [x]"] + [
        f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan) + "]" for i in range(1, levels)]
    _check(("\n".join(lines) + "\n").encode())
