"""composekit.yaml_dialects: how Compose v1 and Compose v2 read plain scalars.

The tables below are the readings observed with ``docker compose`` v2.40.3 and PyYAML 5.4.1
(docker-compose 1.26.2's YAML reader); the ``oracle`` tests check them against the tools
themselves, so a tool that reads differently fails here rather than in a user's project.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import oracles
import pytest

from composekit.yaml_dialects import (
    ReadError,
    Timestamp,
    compose_v2_string,
    dialect_diagnostics,
    go_format_float,
    needs_record,
    read_plain,
    to_plain,
)
from composekit.yamlio import parse_text

UTC = dt.timezone.utc

#: plain scalar -> Compose v2's reading (x- extension fields keep types)
V2: list[tuple[str, Any]] = [
    ("yes", "yes"), ("Yes", "Yes"), ("on", "on"), ("off", "off"), ("y", "y"), ("N", "N"),
    ("true", True), ("True", True), ("TRUE", True), ("tRuE", "tRuE"), ("False", False),
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
    ("56:56", "56:56"), ("1:20:30", "1:20:30"), ("190:20:30.15", "190:20:30.15"),
    ("0755", 493), ("+0755", 493), ("0o17", 15), ("0O17", 15), ("-0o17", -15),
    ("0x1F", 31), ("0X1F", 31), ("-0x1F", -31), ("0b101", 5), ("0B11", 3), ("+0b1", 1),
    ("08", 8.0), ("09", 9.0), ("0789", 789.0), ("012345678", 12345678.0), ("00", 0),
    ("1_000", 1000), ("1__0", 10), ("0x_1F", 31), ("0x1F_", 31), ("0x__1F", 31), ("1_", 1),
    ("0_", 0), ("_1", "_1"), ("0x", "0x"), ("0x_", "0x_"), ("0b2", "0b2"), ("0o8", "0o8"),
    ("+1", 1), ("-0", 0), ("1e3", 1000.0), ("1E3", 1000.0), ("1e+3", 1000.0),
    ("+12e03", 12000.0), ("1.0e+3", 1000.0), ("1.e+3", 1000.0), ("1e1_0", 1e10),
    ("0.", 0.0), ("1.", 1.0), (".5", 0.5), ("-.5", -0.5), ("+.5", 0.5), ("-0.0", -0.0),
    ("._5", "._5"), (".5_0", 0.5), ("+._5", 0.5), (".5e3", 500.0), (".5e1_0", 5e9),
    (".5_e3", ".5_e3"), (".e1", ".e1"), (".", "."), ("._", "._"), ("+", "+"), ("1e", "1e"),
    ("1_0.5", 10.5), ("1__2.5", 12.5), ("685.230_15e+03", 685230.15),
    ("1.5e400", "1.5e400"), (".5e400", ".5e400"), ("0.1e-400", 0.0), ("4.9e-324", 5e-324),
    ("1.2.3", "1.2.3"), ("0x1p3", "0x1p3"), ("1,000", "1,000"),
    ("9223372036854775807", 9223372036854775807), ("9223372036854775808", 2**63),
    ("18446744073709551615", 2**64 - 1), ("18446744073709551616", 1.8446744073709552e19),
    ("-9223372036854775809", -9.223372036854776e18), ("99999999999999999999", 1e20),
    ("0777777777777777777777", 2**63 - 1), ("0xFFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFF"),
    ("9_223_372_036_854_775_808", 2**63),
    ("2001-12-14", "2001-12-14T00:00:00Z"), ("2001-1-2", "2001-01-02T00:00:00Z"),
    ("0001-01-01", "0001-01-01T00:00:00Z"), ("2000-02-29", "2000-02-29T00:00:00Z"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.1-05:00"),
    ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"),
    ("2001-1-2T3:4:5Z", "2001-01-02T03:04:05Z"),
    ("2001-12-14T21:59:43.123456789+01:00", "2001-12-14T21:59:43.123456789+01:00"),
    ("2001-12-14T21:59:43.1234567891Z", "2001-12-14T21:59:43.123456789Z"),
    ("2001-12-14T21:59:43,5Z", "2001-12-14T21:59:43.5Z"),
    ("2001-12-14T21:59:43.000Z", "2001-12-14T21:59:43Z"),
    ("2001-12-14T21:59:43+00:00", "2001-12-14T21:59:43Z"),
    ("2001-12-14T21:59:43-00:00", "2001-12-14T21:59:43Z"),
    ("2001-12-14T21:59:43.5+14:30", "2001-12-14T21:59:43.5+14:30"),
    ("2001-12-14T21:59:43+01:60", "2001-12-14T21:59:43+02:00"),
    ("2001-12-14 21:59:43.10", "2001-12-14T21:59:43.1Z"),
    ("2001-12-14  21:59:43", "2001-12-14T21:59:43Z"),
    ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
    ("2001-12-14T21:59:43", "2001-12-14T21:59:43"), ("2002-02-30", "2002-02-30"),
    ("1900-02-29", "1900-02-29"), ("2001-12-14T24:00:00Z", "2001-12-14T24:00:00Z"),
    ("2001-12-14T23:59:60Z", "2001-12-14T23:59:60Z"),
    ("2001-12-14t21:59:43z", "2001-12-14t21:59:43z"),
    ("2001-12-14T21:59:43+0100", "2001-12-14T21:59:43+0100"),
    ("2001-12-14T21:59:43+01:61", "2001-12-14T21:59:43+01:61"),
    ("2001-12-14T21:59:43 +01:00", "2001-12-14T21:59:43 +01:00"),
    ("2001-12-14 21:59", "2001-12-14 21:59"),
    ("2001-012-14", "2001-012-14"), ("20011-12-14", "20011-12-14"),
    ("-2001-12-14", "-2001-12-14"), ("1_000-01-01", "1_000-01-01"),
    ("=", "="), ("<<", "<<"), ("nginx:1.25", "nginx:1.25"),
]
V2_SPECIAL = [(".inf", math.inf), ("+.Inf", math.inf), ("-.INF", -math.inf), (".NaN", math.nan)]

#: plain scalar -> Compose v1's reading (PyYAML 5.4.1 safe_load); ReadError: PyYAML raises
V1: list[tuple[str, Any]] = [
    ("yes", True), ("Yes", True), ("YES", True), ("no", False), ("on", True), ("On", True),
    ("off", False), ("y", "y"), ("n", "n"), ("Y", "Y"), ("true", True), ("tRuE", "tRuE"),
    ("~", None), ("null", None), ("", None),
    ("56:56", 3416), ("1:20:30", 4830), ("-1:30", -90), ("+1:30", 90), ("1:2", 62),
    ("190:20:30.15", 685230.15), ("12:30:45.5", 45045.5), ("8:30", 510),
    ("08:30", "08:30"), ("0:30", "0:30"), ("1:60", "1:60"), ("1_0:30", 630),
    ("0755", 493), ("+0755", 493), ("0o17", "0o17"), ("0O17", "0O17"), ("0X1F", "0X1F"),
    ("0x1F", 31), ("-0x1F", -31), ("0x_1F", 31), ("0b101", 5), ("0b_1", 1), ("-0b11", -3),
    ("08", "08"), ("09", "09"), ("0789", "0789"), ("012345678", "012345678"), ("00", 0),
    ("1_000", 1000), ("1__0", 10), ("1_", 1), ("_1", "_1"), ("+1", 1), ("-0", 0),
    ("1e3", "1e3"), ("1E3", "1E3"), ("1e+3", "1e+3"), ("+12e03", "+12e03"),
    ("1.0e+3", 1000.0), ("1.e+3", 1000.0), ("6.8523015e+5", 685230.15),
    ("0.", 0.0), ("1.", 1.0), (".5", 0.5), ("._5", 0.5), ("-.5", "-.5"), ("+.5", "+.5"),
    ("1_0.5", 10.5), ("1__2.5", 12.5), ("1.5e400", "1.5e400"), ("0.1e-400", 0.0),
    (".", "."), ("+", "+"), (".e1", ".e1"), ("1.2.3", "1.2.3"), ("0x", "0x"),
    ("99999999999999999999", 99999999999999999999),
    ("0xFFFFFFFFFFFFFFFFF", 0xFFFFFFFFFFFFFFFFF),
    ("2001-12-14", dt.date(2001, 12, 14)), ("2001-1-2", "2001-1-2"),
    ("2001-12-14 21:59:43.10", dt.datetime(2001, 12, 14, 21, 59, 43, 100000)),
    ("2001-12-14T21:59:43", dt.datetime(2001, 12, 14, 21, 59, 43)),
    ("2001-12-14T21:59:43Z", dt.datetime(2001, 12, 14, 21, 59, 43, tzinfo=UTC)),
    ("2001-12-14  21:59:43 Z", dt.datetime(2001, 12, 14, 21, 59, 43, tzinfo=UTC)),
    ("2001-12-14 21:59:43.10 -5",
     dt.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
    ("2001-12-14T21:59:43.123456789+01:00",
     dt.datetime(2001, 12, 14, 21, 59, 43, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
    ("2002-02-30", ReadError), ("0000-01-01", ReadError), ("0x_", ReadError), ("._", ReadError),
    ("=", ReadError), ("<<", ReadError), ("nginx:1.25", "nginx:1.25"),
]
V1_SPECIAL = [(".inf", math.inf), ("+.Inf", math.inf), ("-.INF", -math.inf), (".NaN", math.nan)]


def _same(got: Any, want: Any) -> bool:
    if want is ReadError:
        return isinstance(got, ReadError)
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(want, float) and want == 0:
        return isinstance(got, float) and math.copysign(1, got) == math.copysign(1, want)
    return type(got) is type(want) and got == want if not isinstance(want, str) \
        else isinstance(got, str) and str(got) == want


@pytest.mark.parametrize("text,want", V2 + V2_SPECIAL, ids=[repr(t) for t, _ in V2 + V2_SPECIAL])
def test_compose_v2_reading(text: str, want: Any) -> None:
    got = read_plain(text, "compose-v2")
    assert _same(got, want), f"{text!r}: {got!r} != {want!r}"


def test_tab_inside_a_plain_scalar() -> None:
    # Compose v2 read `x: 2001-12-14<TAB>21:59:43` as that string; PyYAML and ruamel.yaml
    # do not scan the tab as part of the scalar (composekit reads it as a space and warns).
    assert read_plain("2001-12-14\t21:59:43") == "2001-12-14\t21:59:43"
    doc, diags = parse_text("x: 2001-12-14\t21:59:43\n", "f.yaml")
    assert doc is not None and [d.code for d in diags] == ["CK006"]


def test_compose_v2_time_values_are_timestamps() -> None:
    assert isinstance(read_plain("2001-12-14"), Timestamp)
    assert type(read_plain("2002-02-30")) is str


@pytest.mark.parametrize("text,want", V1 + V1_SPECIAL, ids=[repr(t) for t, _ in V1 + V1_SPECIAL])
def test_compose_v1_reading(text: str, want: Any) -> None:
    got = read_plain(text, "compose-v1")
    assert _same(got, want), f"{text!r}: {got!r} != {want!r}"


def test_unknown_dialect() -> None:
    with pytest.raises(ValueError, match="unknown dialect"):
        read_plain("1", "yaml-1.3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown dialect"):
        to_plain({}, "yaml-1.3")  # type: ignore[arg-type]


ALL_SCALARS = sorted({t for t, _ in V1 + V2 + V1_SPECIAL + V2_SPECIAL} - {""})


def _pyyaml_script() -> str:
    return (
        "import json, sys, yaml, datetime\n"
        "out = {}\n"
        "for text in json.load(sys.stdin):\n"
        "    try:\n"
        "        v = yaml.safe_load('k: ' + text)['k']\n"
        "        out[text] = [type(v).__name__, repr(v)]\n"
        "    except Exception as e:\n"
        "        out[text] = ['error', type(e).__name__]\n"
        "print(json.dumps(out))\n")


def _ours_as_pyyaml(text: str) -> list[str]:
    got = read_plain(text, "compose-v1")
    if isinstance(got, ReadError):
        return ["error"]
    return [type(got).__name__, repr(got)]


#: Where PyYAML 6 reads differently from 5.4.1 (docker-compose 1.26.2 ships 5.4.1).
PYYAML_6_CHANGES = {"._5": ["str", "'._5'"], "._": ["str", "'._'"]}


def test_compose_v1_matches_installed_pyyaml() -> None:
    """A quick check without the oracle venv, against whatever PyYAML is installed."""
    yaml = pytest.importorskip("yaml")
    if not yaml.__version__.startswith(("5.", "6.")):
        pytest.skip(f"PyYAML {yaml.__version__} is not one whose differences are known")
    for text in ALL_SCALARS:
        if yaml.__version__.startswith("6.") and text in PYYAML_6_CHANGES:
            value = yaml.safe_load("k: " + text)["k"]
            assert [type(value).__name__, repr(value)] == PYYAML_6_CHANGES[text]
            continue
        try:
            value = yaml.safe_load("k: " + text)["k"]
            want = [type(value).__name__, repr(value)]
        except Exception:
            want = ["error"]
        assert _ours_as_pyyaml(text) == want, text


@pytest.mark.oracle
def test_compose_v1_matches_pyyaml_541(compose_v126_available: str) -> None:
    python = oracles.DC126_HOME / "bin" / "python"
    proc = subprocess.run([str(python), "-c", _pyyaml_script()], input=json.dumps(ALL_SCALARS),
                          capture_output=True, text=True, check=True, timeout=60)
    observed = json.loads(proc.stdout)
    for text in ALL_SCALARS:
        want = observed[text][:1] if observed[text][0] == "error" else observed[text]
        assert _ours_as_pyyaml(text) == want, text


# --------------------------------------------------------------------------
# Against docker compose config
# --------------------------------------------------------------------------

#: JSON cannot carry inf/NaN, and Go's JSON encoder refuses offsets of 24 h and more.
NOT_IN_JSON = {".inf", "+.Inf", "-.INF", ".NaN"}
#: Compose v2 refuses time values in environment and labels.
TIMES = {t for t, v in V2 if isinstance(read_plain(t), Timestamp)}


def _tricky_file(path: Path) -> list[str]:
    scalars = [t for t, _ in V2 + V2_SPECIAL]
    lines = ["services:", "  app:", "    image: alpine", "    environment:"]
    lines += [f"      E{i:03d}: {t}" for i, t in enumerate(scalars) if t not in TIMES | {"<<"}]
    lines += ["    labels:"]
    lines += [f"      l{i:03d}: {t}" for i, t in enumerate(scalars) if t not in TIMES | {"<<"}]
    lines += ["x-values:"]
    lines += [f"  k{i:03d}: {t}" for i, t in enumerate(scalars) if t not in NOT_IN_JSON]
    path.write_text("\n".join(lines) + "\n")
    return scalars


@pytest.mark.oracle
def test_to_plain_matches_docker_compose_config(compose_v2_available: str,
                                                tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    scalars = _tricky_file(path)
    config = oracles.compose_v2_config_json([path], cwd=tmp_path)
    assert isinstance(config, dict), config.describe()
    doc, diags = parse_text(path.read_text(), str(path))
    assert doc is not None and diags == []
    plain = to_plain(doc.data)
    ours_x, theirs_x = plain["x-values"], config["x-values"]
    ours_env = plain["services"]["app"]["environment"]
    theirs_env = config["services"]["app"]["environment"]
    theirs_labels = config["services"]["app"]["labels"]
    for i, text in enumerate(scalars):
        if f"k{i:03d}" in theirs_x:
            mine, theirs = ours_x[f"k{i:03d}"], theirs_x[f"k{i:03d}"]
            # JSON prints 1000.0 as 1000 (and 2.0**64 as 18446744073709552000), so a float
            # may come back as an int
            if isinstance(mine, float) and type(theirs) is int:
                theirs = float(theirs)
            if isinstance(mine, Timestamp):
                mine = str(mine)  # JSON writes the time value as its text
            ok = mine == theirs and type(mine) is type(theirs)
            assert ok, f"x- {text!r}: ours {mine!r}, compose {theirs!r}"
        if f"E{i:03d}" in theirs_env:
            mine_s = compose_v2_string(ours_env[f"E{i:03d}"])
            assert mine_s == theirs_env[f"E{i:03d}"], f"environment {text!r}"
            assert (mine_s or "") == theirs_labels[f"l{i:03d}"], f"labels {text!r}"


@pytest.mark.oracle
@pytest.mark.parametrize("key", ["0755", "true", "1.5", "~", "2001-12-14", "yes", "0x1F",
                                 '"0755"', "'1'", "null", "1e3", "on", "0O17", "1_000", "+1",
                                 "2001-1-2", "2002-02-30", "=", "!!int 7", "!!str 7"])
def test_non_string_keys_match_compose(compose_v2_available: str, tmp_path: Path,
                                       key: str) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(f"services:\n  app:\n    image: alpine\nx-k:\n  {key}: a\n")
    config = oracles.compose_v2_config_json([path], cwd=tmp_path)
    _, diags = parse_text(path.read_text(), str(path))
    flagged = [d for d in diags if d.name == "non-string-key"]
    if isinstance(config, dict):
        assert flagged == []
    else:
        assert "non-string key" in config.stderr
        assert [(d.line, d.column) for d in flagged] == [(5, 3)]


# --------------------------------------------------------------------------
# Go's number formatting
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value,text", [
    (1000.0, "1000"), (12345678.0, "1.2345678e+07"), (685230.15, "685230.15"),
    (1e20, "1e+20"), (1e6, "1e+06"), (999999.0, "999999"), (1234567.0, "1.234567e+06"),
    (0.5, "0.5"), (0.0001, "0.0001"), (0.00001, "1e-05"), (5e-324, "5e-324"),
    (-0.5, "-0.5"), (0.0, "0"), (-0.0, "-0"), (math.inf, "+Inf"), (-math.inf, "-Inf"),
    (math.nan, "NaN"), (1e10, "1e+10"), (123.456, "123.456"), (-1234567.5, "-1.2345675e+06"),
])
def test_go_format_float(value: float, text: str) -> None:
    assert go_format_float(value) == text


def test_compose_v2_string() -> None:
    assert compose_v2_string(True) == "true"
    assert compose_v2_string(493) == "493"
    assert compose_v2_string(2**64 - 1) == "18446744073709551615"
    assert compose_v2_string(1e20) == "1e+20"
    assert compose_v2_string("yes") == "yes"
    assert compose_v2_string(None) is None
    with pytest.raises(TypeError, match="time value"):
        compose_v2_string(Timestamp("2001-12-14T00:00:00Z"))
    with pytest.raises(TypeError):
        compose_v2_string([1])


# --------------------------------------------------------------------------
# to_plain on loaded trees
# --------------------------------------------------------------------------

TREE = """\
services:
  web:
    image: nginx
    user: 0755
    ports:
      - 56:56
      - "8080:80"
      - 0X1F
    environment:
      DEBUG: yes
      MODE: 0755
      QUOTED: "0755"
      F: 1e3
    labels:
      release: 2001-12-14
      flag: on
x-base: &base
  mode: 0o17
  on: 1
  shared: &s 0755
x-merged:
  <<: *base
  hex: 0X1F
  again: *s
  big: 99999999999999999999
  odd: 1.5e400
  when: 2001-12-14t21:59:43.10-05:00
  tag: !custom 0755
  0x10: sixteen
"""


def _tree() -> Any:
    doc, diags = parse_text(TREE, "compose.yaml")
    assert doc is not None
    assert [d.code for d in diags] == ["CK041"]  # the 0x10 key
    return doc.data


def test_to_plain_compose_v2() -> None:
    plain = to_plain(_tree())
    web = plain["services"]["web"]
    assert web["user"] == 493
    assert web["ports"] == ["56:56", "8080:80", 31]
    assert web["environment"] == {"DEBUG": "yes", "MODE": 493, "QUOTED": "0755", "F": 1000.0}
    assert web["labels"] == {"release": "2001-12-14T00:00:00Z", "flag": "on"}
    assert isinstance(web["labels"]["release"], Timestamp)
    merged = plain["x-merged"]
    assert merged == {"hex": 31, "again": 493, "big": 1e20, "odd": "1.5e400",
                      "when": "2001-12-14T21:59:43.1-05:00", "tag": "0755", 16: "sixteen",
                      "mode": 15, "on": 1, "shared": 493}
    del merged[16]
    assert json.loads(json.dumps(plain)) == plain  # plain data only


def test_to_plain_compose_v1() -> None:
    plain = to_plain(_tree(), "compose-v1")
    web = plain["services"]["web"]
    assert web["ports"] == [3416, "8080:80", "0X1F"]
    assert web["environment"] == {"DEBUG": True, "MODE": 493, "QUOTED": "0755", "F": "1e3"}
    assert web["labels"] == {"release": dt.date(2001, 12, 14), "flag": True}
    assert plain["x-base"] == {"mode": "0o17", True: 1, "shared": 493}
    assert plain["x-merged"][True] == 1  # a merged key keeps its source text


def test_to_plain_lone_scalars() -> None:
    tree = _tree()
    assert to_plain(tree["services"]["web"]["user"]) == 493  # ruamel alone: 755
    assert to_plain(tree["x-merged"]["when"]) == "2001-12-14T21:59:43.1-05:00"
    assert to_plain(tree["services"]["web"]["labels"]["release"]) == "2001-12-14T00:00:00Z"
    assert to_plain(tree["x-merged"]["big"]) == 1e20
    # a str that Compose v2 reads as a number cannot carry its source on its own
    assert to_plain(tree["x-merged"]["hex"]) == "0X1F"


def test_values_set_later_are_kept() -> None:
    tree = _tree()
    tree["services"]["web"]["environment"]["MODE"] = "0755"  # e.g. interpolated
    tree["services"]["web"]["ports"][2] = "0X1F"
    plain = to_plain(tree)
    assert plain["services"]["web"]["environment"]["MODE"] == "0755"
    assert plain["services"]["web"]["ports"][2] == "0X1F"


def test_deep_copies_keep_scalar_sources() -> None:
    tree = copy.deepcopy(_tree())
    plain = to_plain(tree)
    assert plain["services"]["web"]["user"] == 493
    assert plain["x-merged"]["hex"] == "0X1F"  # the mapping's record is not copied


def test_needs_record() -> None:
    assert not needs_record("nginx", "nginx")
    assert not needs_record("56 56", "56 56")
    assert needs_record("yes", "yes")  # YAML 1.1: a boolean
    assert needs_record("56:56", "56:56")
    assert needs_record("0O17", "0O17")  # Compose v2: a number
    assert needs_record("0755", 755)


# --------------------------------------------------------------------------
# dialect_diagnostics
# --------------------------------------------------------------------------


def test_dialect_diagnostics() -> None:
    found = [(d.code, d.line, d.column, d.json_path)
             for d in dialect_diagnostics(_tree(), "compose.yaml")]
    assert found == [
        ("CK014", 4, 11, "$.services.web.user"),
        ("CK012", 6, 9, "$.services.web.ports[0]"),
        ("CK042", 8, 9, "$.services.web.ports[2]"),
        ("CK013", 10, 14, "$.services.web.environment.DEBUG"),
        ("CK014", 11, 13, "$.services.web.environment.MODE"),
        ("CK042", 13, 10, "$.services.web.environment.F"),
        ("CK043", 15, 16, "$.services.web.labels.release"),
        ("CK013", 16, 13, "$.services.web.labels.flag"),
        ("CK014", 18, 9, "$.x-base.mode"),
        ("CK013", 19, 3, "$.x-base.on"),
        ("CK014", 20, 11, "$.x-base.shared"),  # not again for its alias *s
        ("CK042", 23, 8, "$.x-merged.hex"),
        ("CK042", 25, 8, "$.x-merged.big"),
        ("CK043", 27, 9, "$.x-merged.when"),
    ]  # 0x10 is 16 for every reader: only the reader's non-string-key error


def _messages(text: str) -> dict[str, Any]:
    doc, _ = parse_text(text, "f.yaml")
    assert doc is not None
    return {d.json_path: d for d in dialect_diagnostics(doc.data, "f.yaml")}


def test_dialect_messages_give_both_readings() -> None:
    found = _messages("services:\n  web:\n    ports:\n      - 56:56\n    environment:\n"
                      "      DEBUG: yes\n    labels:\n      when: 2024-01-01\nx-mode: 0755\n")
    port = found["$.services.web.ports[0]"]
    assert port.message == (
        "unquoted value 56:56 reads differently: Compose v1 (YAML 1.1) reads the number 3416, "
        "Compose v2 reads the string \"56:56\"; as a port mapping it breaks under Compose v1")
    assert port.help == 'quote it ("56:56") so that every Compose version reads a string'
    assert port.span.end_column == port.span.column + 5
    debug = found["$.services.web.environment.DEBUG"]
    assert "Compose v1 (YAML 1.1) reads the boolean true" in debug.message
    assert "Compose v2 reads the string \"yes\"" in debug.message
    assert "Compose v1 then refuses the file" in debug.message
    when = found["$.services.web.labels.when"]
    assert "Compose v2 refuses a time value here" in when.message
    mode = found["$.x-mode"]
    assert "both read it as octal, the number 493" in mode.message
    assert "ruamel.yaml read the number 755" in mode.message


def test_quoted_and_agreeing_values_are_not_reported() -> None:
    assert _messages("a: '56:56'\nb: \"yes\"\nc: 0\nd: 00\ne: 1.5\nf: true\ng: ~\nh: 1_000\n"
                     "i: 0x1F\nj: 1.5e400\nk: =\nl: !!str 0755\n") == {}


def test_shared_nodes_are_reported_once() -> None:
    found = _messages("a: &a {x: yes}\nb: *a\nc:\n  <<: *a\n  y: 1\n")
    assert list(found) == ["$.a.x"]


def test_tree_without_records() -> None:
    # plain data (no records) yields nothing and converts as is
    assert dialect_diagnostics({"a": "yes", "b": [1, {"c": None}]}, "f") == []
    assert to_plain({"a": "yes", "b": (1, 2)}) == {"a": "yes", "b": [1, 2]}
