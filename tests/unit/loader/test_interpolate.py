"""Unit tests of composekit.loader.interpolate.

The expected values come from ``docker compose config`` 2.40 (see
``tests/integration/test_interpolate_oracle.py`` for the differential run).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    PlainScalarString,
    SingleQuotedScalarString,
)

from composekit.diagnostics import Diagnostic, Severity
from composekit.loader.interpolate import (
    CAST_PATHS,
    COMPOSE_V1_CAST_PATHS,
    STACK_CAST_PATHS,
    Reference,
    TreeInterpolation,
    cast_for_path,
    cast_model,
    find_references,
    interpolate_in_place,
    interpolate_string,
    interpolate_tree,
)
from composekit.loader.merge import Node, from_yaml
from composekit.yamlio import parse_text

ENV = {"A": "1", "B": "two", "E": "", "S": "set", "\u017f": "long-s"}

# --- values -----------------------------------------------------------------------------------

VALUES = [
    # plain forms
    ("${A}", "1"),
    ("$A", "1"),
    ("a${A}b", "a1b"),
    ("$A$A", "11"),
    ("$A_B", ""),  # the name runs on: A_B is unset
    ("${A}_B", "1_B"),
    ("no variables", "no variables"),
    # defaults
    ("${U:-d}", "d"),
    ("${E:-d}", "d"),
    ("${S:-d}", "set"),
    ("${U-d}", "d"),
    ("${E-d}", ""),
    ("${S-d}", "set"),
    ("${U:-}", ""),
    ("${U:-a:-b?c+d}", "a:-b?c+d"),
    ("${A-a:-b}", "1"),
    ("${A:-x:?y}", "1"),
    # alternatives
    ("${S:+alt}", "alt"),
    ("${E:+alt}", ""),
    ("${U:+alt}", ""),
    ("${S+alt}", "alt"),
    ("${E+alt}", "alt"),
    ("${U+alt}", ""),
    ("${A:+}", ""),
    ("${S:+<${S}>}", "<set>"),
    # required, satisfied
    ("${A:?msg}", "1"),
    ("${A?}", "1"),
    ("${E?fine when empty}", ""),
    # nesting
    ("${U:-${B:-x}}", "two"),
    ("${U:-${V:-${W:-deep}}}", "deep"),
    ("${A:-${B:-x}}", "1"),
    ("${U:-${A}${B}}", "1two"),
    ("pre-${U:-in-${B}-ner}-post", "pre-in-two-ner-post"),
    # escapes
    ("$$A", "$A"),
    ("$${A}", "${A}"),
    ("$$$A", "$1"),
    ("$$$$", "$$"),
    ("${U:-$$A}", "$A"),
    ("$${", "${"),
    # a $ that starts nothing stays
    ("a $ b", "a $ b"),
    ("$", "$"),
    ("x$", "x$"),
    ("$1", "$1"),
    ("$-", "$-"),
    ("$ {A}", "$ {A}"),
    ("$\u00e9", "$\u00e9"),
    ("$\u0131", "$\u0131"),  # dotless i is not a name character for Go either
    ("${A:-$}", "1"),
    ("${U:-$}", "$"),
    # where an expression ends
    ("${A-x}}", "1}"),
    ("${A:-x}}", "1}"),
    ("${U:-a{}b}c}", "a{}b}c"),
    ("${U:-{{}}}", "{{}}"),
    ("${U:-{{x}}", "{{x}"),
    ("x}${A:-y}}", "x}1}"),
    ("${U:-a}b}", "ab}"),
    ("${A:-a{b}c}d}", "1d}"),
    ("${U:-{x}", "{x"),
    ("${A:-{}}", "1"),
    ("${U:-x}${U:-y}}", "xy}"),
    ("${A:-x}\n}", "1\n}"),
    ("a\n${U:-b}}\n${U:-c}", "a\nb}\nc"),
    ("${A:-x} $ ${B:-${C}}", "1 $ two"),
    # Go's case folding: long s and the Kelvin sign are name characters
    ("${\u017f}", "long-s"),
    ("$\u212a", ""),
]


@pytest.mark.parametrize(("text", "value"), VALUES)
def test_value(text: str, value: str) -> None:
    result = interpolate_string(text, ENV)
    assert result.ok, result.problems
    assert result.value == value


# --- problems ---------------------------------------------------------------------------------

PROBLEMS = [
    # (text, kind, offset, name, message fragment)
    ("${}", "invalid", 0, None, "name is missing"),
    ("${A", "invalid", 0, None, "not closed"),
    ("${A:-x", "invalid", 0, None, "not closed"),
    ("${A x}", "invalid", 0, None, "unexpected ' '"),
    ("${A }", "invalid", 0, None, "unexpected ' '"),
    ("${-x}", "invalid", 0, None, "'-' cannot start"),
    ("${1A}", "invalid", 0, None, "'1' cannot start"),
    ("${A:x}", "invalid", 0, None, "':' must be followed"),
    ("${A:}", "invalid", 0, None, "':' must be followed"),
    ("${A:-x\ny}", "invalid", 0, None, "same line"),
    ("${A:-${B}", "invalid", 5, None, "not closed"),
    ("${A:-x}${B", "invalid", 7, None, "not closed"),
    ("${A:-x}}${B", "invalid", 8, None, "not closed"),
    ("${A}${A", "invalid", 4, None, "not closed"),
    ("${A:?${}}", "invalid", 5, None, "name is missing"),
    ("ok ${U:?}", "required", 3, "U", "required variable U is not set"),
    ("${U?}", "required", 0, "U", "required variable U is not set"),
    ("${E:?}", "required", 0, "E", "required variable E is empty"),
    ("${U:?set U first}", "required", 0, "U", "not set: set U first"),
    ("${U?msg with ${A}}", "required", 0, "U", "not set: msg with 1"),
    # the argument is evaluated even when the variable is set
    ("${A:-${B2:?need B2}}", "required", 5, "B2", "required variable B2"),
]


@pytest.mark.parametrize(("text", "kind", "offset", "name", "fragment"), PROBLEMS)
def test_problem(text: str, kind: str, offset: int, name: str | None, fragment: str) -> None:
    result = interpolate_string(text, ENV)
    assert not result.ok
    first = result.errors[0]
    assert (first.kind, first.offset, first.name) == (kind, offset, name)
    assert fragment in first.message


def test_invalid_snippet_shows_the_bad_expression() -> None:
    result = interpolate_string("x ${A x} y", ENV)
    assert result.errors[0].snippet == "${A x}"
    result = interpolate_string("${A:-long\nrest", ENV)
    assert result.errors[0].snippet == "${A:-long"


UNSET = [
    ("$NOPE", [("NOPE", 0)]),
    ("a ${NOPE} b $NOPE", [("NOPE", 2), ("NOPE", 12)]),
    ("${A:-${C}}", [("C", 5)]),  # default evaluated eagerly: warns although unused
    ("${A:?${D}}", [("D", 5)]),
    ("${U:-x}", []),
    ("${U-x}", []),
    ("${U:+x}", []),
    ("${U+x}", []),
    ("$$NOPE", []),
]


@pytest.mark.parametrize(("text", "expected"), UNSET)
def test_unset_warnings(text: str, expected: list[tuple[str, int]]) -> None:
    result = interpolate_string(text, ENV)
    assert result.ok
    assert [(p.name, p.offset) for p in result.unset] == expected
    assert all(not p.is_error for p in result.unset)


def test_several_errors_are_all_reported() -> None:
    result = interpolate_string("${} and ${U:?}\n${1}", ENV)
    assert [(p.kind, p.offset) for p in result.errors] == [
        ("invalid", 0), ("required", 8), ("invalid", 15)]


def test_text_after_a_failed_expression_on_its_line_is_not_looked_at() -> None:
    # the expression runs to the last '}' of the line and is cut after the failure, as in
    # compose-go: the second problem is never reached
    result = interpolate_string("${U:?} and ${1}", ENV)
    assert [(p.kind, p.offset) for p in result.errors] == [("required", 0)]


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    text = "${A:-" * 1000 + "x" + "}" * 1000
    result = interpolate_string(text, {})
    assert not result.ok and "nested more than" in result.errors[0].message
    assert len(find_references(text)) == 100
    ok = "${A:-" * 50 + "x" + "}" * 50
    assert interpolate_string(ok, {}).value == "x"


def test_lookup_is_a_mapping_and_values_are_not_reinterpolated() -> None:
    result = interpolate_string("${X}", {"X": "${A} $$"})
    assert result.value == "${A} $$"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="$${}:-?+AB_1 \n\u017fé", max_size=40))
def test_never_raises(text: str) -> None:
    result = interpolate_string(text, {"A": "1", "B": ""})
    assert isinstance(result.value, str)
    for problem in result.problems:
        assert 0 <= problem.offset < max(len(text), 1)
        assert text[problem.offset] == "$"
    find_references(text)


# --- references -------------------------------------------------------------------------------


def test_find_references() -> None:
    refs = find_references("x ${A:-${B:-$C}} $$D $E ${F}} ${G?oops} ${}")
    assert refs == [
        Reference("A", 2, 16, ":-", "${B:-$C}", braced=True),
        Reference("B", 7, 15, ":-", "$C", braced=True, nested=True),
        Reference("C", 12, 14, nested=True),
        Reference("E", 21, 23),
        Reference("F", 24, 28, braced=True),
        Reference("G", 30, 39, "?", "oops", braced=True),
    ]
    assert refs[0].default == "${B:-$C}"
    assert refs[5].required and refs[5].default is None


def test_find_references_after_a_cut_expression() -> None:
    refs = find_references("${U:-a} ${V}}")
    assert [(r.name, r.offset, r.end) for r in refs] == [("U", 0, 7), ("V", 8, 12)]


# --- casts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("parts", "kind"), [
    (("services", "web", "deploy", "replicas"), "int"),
    (("services", "web", "ports", 0, "target"), "int"),
    (("services", "web", "ports", 0, "published"), None),
    (("services", "web", "ports", "x", "target"), None),
    (("services", "web", "cpus"), "float32"),
    (("services", "web", "tty"), "bool"),
    (("services", "web", "ulimits", "nproc"), "int"),
    (("services", "web", "ulimits", "nofile", "soft"), "int"),
    (("services", "web", "volumes", 2, "volume", "nocopy"), "bool"),
    (("services", "web", "mem_limit"), None),
    (("services", "web", "environment", "tty"), None),
    (("networks", "front", "enable_ipv4"), "bool"),
    (("secrets", "s", "external"), "bool"),
    (("x-tty",), None),
])
def test_cast_for_path(parts: tuple[str | int, ...], kind: str | None) -> None:
    assert cast_for_path(parts) == kind


def test_cast_paths_are_unique() -> None:
    patterns = [p for p, _ in CAST_PATHS]
    assert len(patterns) == len(set(patterns)) == 40


def _cast(field: str, text: str) -> tuple[Any, list[Diagnostic]]:
    doc, _ = parse_text(f"services:\n  web:\n    {field}: \"${{X}}\"\n", "c.yaml")
    assert doc is not None
    diags = interpolate_tree(doc.data, {"X": text}, path="c.yaml")
    return doc.data["services"]["web"][field], diags


@pytest.mark.parametrize(("field", "text", "value"), [
    ("scale", "3", 3), ("scale", "+3", 3), ("scale", "03", 3), ("scale", "-1", -1),
    ("pids_limit", "9223372036854775807", 9223372036854775807),
    ("cpus", "0.5", 0.5), ("cpus", "1e1", 10.0), ("cpus", "0.1", 0.1), ("cpus", ".5", 0.5),
    ("cpus", "0x1p-2", 0.25), ("cpus", "1_0", 10.0), ("cpus", "3", 3.0),
    ("cpus", "0.30000001", 0.3),  # printed as the shortest float32 text, like Go
    ("cpu_percent", "12.5", 12.5),
    ("tty", "true", True), ("tty", "TRUE", True), ("tty", "True", True), ("tty", "false", False),
    ("tty", "yes", True), ("tty", "Y", True), ("tty", "on", True),
    ("tty", "no", False), ("tty", "Off", False), ("tty", "n", False),
])
def test_cast_values(field: str, text: str, value: Any) -> None:
    got, diags = _cast(field, text)
    assert got == value and type(got) is type(value)
    assert all(d.code == "CK013" for d in diags)


@pytest.mark.parametrize(("field", "text"), [
    ("scale", "0x10"), ("scale", "1_000"), ("scale", " 3"), ("scale", "3.0"), ("scale", ""),
    ("scale", "99999999999999999999"), ("pids_limit", "9223372036854775808"),
    ("cpus", ""), ("cpus", "1e40"), ("cpus", "1__0"), ("cpus", "_1"), ("cpu_percent", "1e400"),
    ("tty", "1"), ("tty", "0"), ("tty", "t"), ("tty", ""), ("tty", " true"),
])
def test_cast_failures(field: str, text: str) -> None:
    got, diags = _cast(field, text)
    assert got == text  # left as the interpolated string
    assert [d.code for d in diags] == ["CK026"]
    assert diags[0].span.line == 3 and diags[0].severity is Severity.ERROR
    assert f"services.web.{field}" in diags[0].message


def test_special_floats_cast() -> None:
    got, _ = _cast("cpus", "inf")
    assert got == math.inf
    got, _ = _cast("cpu_percent", "NaN")
    assert math.isnan(got)


def test_yaml11_boolean_from_variable_warns() -> None:
    got, diags = _cast("tty", "yes")
    assert got is True
    assert [(d.code, d.severity) for d in diags] == [("CK013", Severity.WARNING)]


def test_literal_strings_are_cast_silently() -> None:
    doc, _ = parse_text('services:\n  web:\n    tty: "yes"\n    read_only: "maybe"\n', "c.yaml")
    assert doc is not None
    assert interpolate_tree(doc.data, {}, path="c.yaml") == []
    web = doc.data["services"]["web"]
    assert web["tty"] is True
    assert web["read_only"] == "maybe"  # left for schema validation to report


def test_cast_can_be_turned_off() -> None:
    doc, _ = parse_text('services:\n  web:\n    scale: "${N}"\n', "c.yaml")
    assert doc is not None
    interpolate_tree(doc.data, {"N": "2"}, path="c.yaml", cast=False)
    assert doc.data["services"]["web"]["scale"] == "2"


# --- trees ------------------------------------------------------------------------------------


def _tree(text: str) -> tuple[Any, str]:
    doc, diags = parse_text(text, "compose.yaml")
    assert doc is not None, diags
    return doc.data, doc.text


def _run(text: str, env: dict[str, str], *, source: bool = True) -> tuple[Any, list[Diagnostic]]:
    data, src = _tree(text)
    diags = interpolate_tree(data, env, path="compose.yaml", source=src if source else None)
    return data, diags


def test_values_keys_and_extensions() -> None:
    data, diags = _run(
        'x-top:\n  "${K}": "${V}"\n  list: ["${V}", 3, "$$V"]\n'
        'services:\n  web:\n    image: "busybox:${V}"\n    environment:\n      "${K}": v\n',
        {"K": "key", "V": "val"})
    assert diags == []
    assert dict(data["x-top"]) == {"${K}": "val", "list": ["val", 3, "$V"]}
    assert data["services"]["web"]["image"] == "busybox:val"
    assert list(data["services"]["web"]["environment"]) == ["${K}"]


def test_positions_survive_and_styles_are_kept() -> None:
    data, _ = _run('services:\n  web:\n    image: "a:${T}"\n    user: \'${U}\'\n',
                   {"T": "1", "U": "u"})
    web = data["services"]["web"]
    assert isinstance(web["image"], DoubleQuotedScalarString)
    assert web["image"] == "a:1"
    assert web.lc.value("image") == (2, 11)
    assert web.lc.value("user") == (3, 10)


def _spans(diags: list[Diagnostic], code: str) -> list[tuple[int, int]]:
    return [(d.span.line, d.span.column) for d in diags if d.code == code]


@pytest.mark.parametrize(("line", "column"), [
    ('    image: x${U:?}\n', 13),             # plain
    ('    image: "x${U:?}"\n', 14),           # double quoted
    ("    image: 'x${U:?}'\n", 14),           # single quoted
    ('    image: "\\"x\\\\${U:?}"\n', 18),    # escapes before the expression
    ("    image: 'it''s ${U:?}'\n", 19),      # doubled quote before it
    ("    image: \"\u00e9${U:?}\"\n", 14),    # characters, not bytes
    ("    image: [a, \"b${U:?}\"]\n", 18),    # flow sequence
])
def test_required_variable_column(line: str, column: int) -> None:
    for source in (True, False):
        _, diags = _run("services:\n  web:\n" + line, {}, source=source)
        assert _spans(diags, "CK017") == [(3, column)]
        assert "required variable U" in diags[0].message
        assert diags[0].json_path.startswith("$.services.web.image")


def test_literal_block_positions_need_the_source() -> None:
    text = "services:\n  web:\n    command: |\n      echo one\n        and ${U:?}\n"
    _, with_source = _run(text, {})
    _, without = _run(text, {}, source=False)
    assert _spans(with_source, "CK017") == [(5, 13)]
    assert _spans(without, "CK017") == [(3, 14)]  # the scalar's start


def test_folded_and_multiline_plain_fall_back_to_the_start() -> None:
    _, diags = _run("services:\n  web:\n    command: >\n      echo\n      ${U:?}\n", {})
    assert _spans(diags, "CK017") == [(3, 14)]
    _, diags = _run("services:\n  web:\n    command: echo\n      ${U:?}\n", {})
    assert _spans(diags, "CK017") == [(3, 14)]


def test_invalid_interpolation_diagnostic() -> None:
    data, diags = _run('services:\n  web:\n    image: "busybox:${TAG x}"\n', {"TAG": "1"})
    assert [(d.code, d.line, d.column) for d in diags] == [("CK016", 3, 21)]
    assert "'${TAG x}'" in diags[0].message
    assert data["services"]["web"]["image"] == "busybox:${TAG x}"  # left as written


def test_unset_variable_once_per_file_naming_every_place() -> None:
    _, diags = _run(
        "services:\n  web:\n    image: ${IMG}\n    environment:\n      A: $IMG $IMG\n"
        "      B: ${IMG}\n      C: $OTHER\n", {})
    unset = [d for d in diags if d.code == "CK018"]
    assert [(d.line, d.column, d.severity) for d in unset] == [
        (3, 12, Severity.WARNING), (7, 10, Severity.WARNING)]
    assert "'IMG'" in unset[0].message and "also used at 5:10, 6:10" in unset[0].message
    assert "also used" not in unset[1].message


def test_anchors_merges_and_aliases() -> None:
    data, diags = _run(
        'x-env: &env\n  FROM: "${A}"\nx-dep: &dep\n  replicas: "${R}"\n'
        "services:\n  web:\n    environment: *env\n    deploy: *dep\n"
        "  worker:\n    <<: {image: \"img:${A}\", tty: \"${T}\"}\n"
        "    environment:\n      <<: *env\n"
        "      OWN: \"$$A\"\n",
        {"A": "1", "R": "2", "T": "true"})
    assert diags == []
    web, worker = data["services"]["web"], data["services"]["worker"]
    assert web["environment"]["FROM"] == "1"
    assert web["deploy"]["replicas"] == 2  # cast at the service path through the alias
    assert worker["image"] == "img:1" and worker["tty"] is True
    assert dict(worker["environment"]) == {"OWN": "$A", "FROM": "1"}
    # merged keys stay merged (not copied into the map's own keys)
    assert "image" not in worker._ok and "FROM" not in worker["environment"]._ok


def test_shared_scalars_are_interpolated_once_per_place() -> None:
    data, _ = _run('x-a: &a "$$HOME ${V}"\nservices:\n  web:\n    image: *a\n', {"V": "v"})
    assert data["x-a"] == "$HOME v"
    assert data["services"]["web"]["image"] == "$HOME v"


def test_plain_dicts_are_accepted() -> None:
    tree: dict[str, Any] = {"services": {"web": {"image": "${I}", "scale": "${N}"}}}
    assert interpolate_tree(tree, {"I": "x", "N": "2"}, path="f") == []
    assert tree == {"services": {"web": {"image": "x", "scale": 2}}}


def test_non_string_scalars_untouched() -> None:
    data, diags = _run("services:\n  web:\n    scale: 2\n    tty: true\n    x: null\n", {})
    assert diags == []
    assert data["services"]["web"]["scale"] == 2


def test_commented_map_keys_not_required_to_be_strings() -> None:
    tree = CommentedMap({1: "${A}"})
    interpolate_tree(tree, {"A": "a"}, path="f")
    assert tree[1] == "a"


def test_inline_merge_sources_are_reported() -> None:
    data, diags = _run('services:\n  web:\n    <<: {image: "img:${U:?}", user: "$NOPE"}\n', {})
    assert [(d.code, d.line, d.column) for d in diags] == [("CK017", 3, 22), ("CK018", 3, 38)]
    assert data["services"]["web"]["user"] == ""


def test_merge_source_lists_and_anchors_reported_once() -> None:
    _, diags = _run(
        'x-a: &a {A: "$NOPE"}\nx-b: &b {B: "${U:?}"}\nservices:\n  web:\n'
        "    environment:\n      <<: [*a, *b]\n", {})
    assert [(d.code, d.line) for d in diags] == [("CK017", 2), ("CK018", 1)]


def test_crlf_source_positions() -> None:
    text = "services:\r\n  web:\r\n    command: |\r\n      a ${U:?}\r\n"
    data, src = _tree(text)
    diags = interpolate_tree(data, {}, path="c.yaml", source=src)
    assert [(d.line, d.column) for d in diags] == [(4, 9)]


# --- casting only what a variable changed (the documents schema validation sees) --------------


def _substituted(text: str, env: dict[str, str], **kw: Any) -> tuple[Any, TreeInterpolation]:
    data, src = _tree(text)
    done = interpolate_in_place(data, env, path="compose.yaml", source=src,
                                cast="substituted", **kw)
    return data, done


def test_substituted_casts_what_a_variable_gave_and_keeps_literals_as_written() -> None:
    data, done = _substituted(
        'services:\n  web:\n    init: "true"\n    tty: ${TTY}\n    read_only: "${RO}"\n'
        "    scale: ${N:-2}\n", {"TTY": "true", "RO": "false"})
    web = data["services"]["web"]
    assert web["init"] == "true" and isinstance(web["init"], str)  # literal: as written
    assert web["tty"] is True and web["read_only"] is False and web["scale"] == 2
    assert done.diagnostics == [] and done.failed == set() and done.cast_failed == set()
    assert done.uncast == {("services", "web", "tty"): "true",
                           ("services", "web", "read_only"): "false",
                           ("services", "web", "scale"): "2"}


def test_a_variable_that_gives_the_same_text_is_not_cast() -> None:
    # The docker CLI casts a string only when interpolation changed it.
    data, done = _substituted('services:\n  web:\n    tty: "$1"\n', {})
    assert data["services"]["web"]["tty"] == "$1" and done.diagnostics == []


def test_substituted_cast_failure_keeps_the_written_text() -> None:
    data, done = _substituted("services:\n  web:\n    deploy:\n      replicas: ${N}\n",
                              {"N": "three"})
    assert data["services"]["web"]["deploy"]["replicas"] == "${N}"  # schema skips it
    assert [(d.code, d.line, d.column, d.origin) for d in done.diagnostics] == [
        ("CK026", 4, 17, "interpolate")]
    assert "after interpolation services.web.deploy.replicas: 'three' is not an integer" \
        in done.diagnostics[0].message
    assert done.cast_failed == {("services", "web", "deploy", "replicas")}
    assert done.failed == set()


def test_interpolation_errors_are_listed_as_failed() -> None:
    data, done = _substituted("services:\n  web:\n    image: ${IMG:?set it}\n", {})
    assert data["services"]["web"]["image"] == "${IMG:?set it}"
    assert done.failed == {("services", "web", "image")}


def test_substituted_cast_through_an_alias_records_every_place() -> None:
    data, done = _substituted(
        'x-dep: &dep\n  replicas: "${R}"\nservices:\n  web:\n    deploy: *dep\n', {"R": "2"})
    assert data["services"]["web"]["deploy"]["replicas"] == 2
    assert done.uncast == {("x-dep", "replicas"): "2",
                           ("services", "web", "deploy", "replicas"): "2"}


def test_interpolated_plain_scalars_are_not_yaml_literals() -> None:
    # A variable that gives `yes` gives a string: marked plain, not a bare `str`, so that
    # schema validation does not read it as an unquoted YAML 1.1 boolean.
    data, _ = _substituted("services:\n  web:\n    init: ${INIT}\n    user: '${U}'\n",
                           {"INIT": "yes", "U": "u"}, cast_paths=STACK_CAST_PATHS)
    web = data["services"]["web"]
    assert type(web["init"]) is PlainScalarString and web["init"] == "yes"
    assert isinstance(web["user"], SingleQuotedScalarString)


@pytest.mark.parametrize(("table", "parts", "kind"), [
    (STACK_CAST_PATHS, ("services", "w", "init"), None),
    (STACK_CAST_PATHS, ("services", "w", "ports", 0, "published"), "int"),
    (STACK_CAST_PATHS, ("services", "w", "secrets", 1, "mode"), "int"),
    (STACK_CAST_PATHS, ("services", "w", "volumes", 0, "tmpfs", "size"), None),
    (STACK_CAST_PATHS, ("networks", "n", "attachable"), "bool"),
    (COMPOSE_V1_CAST_PATHS, ("services", "w", "mem_swappiness"), "int"),
    (COMPOSE_V1_CAST_PATHS, ("services", "w", "blkio_config", "weight"), "int"),
    (COMPOSE_V1_CAST_PATHS, ("services", "w", "cpu_percent"), None),
    (COMPOSE_V1_CAST_PATHS, ("services", "w", "init"), None),
    (CAST_PATHS, ("services", "w", "init"), "bool"),
])
def test_cast_tables_of_each_tool(table: Any, parts: tuple[str | int, ...],
                                  kind: str | None) -> None:
    assert cast_for_path(parts, table) == kind


def test_the_table_and_prefix_decide_what_is_cast() -> None:
    data, _ = _substituted("app:\n  image: x\n  init: ${I}\n  tty: ${T}\n",
                           {"I": "true", "T": "true"}, cast_paths=COMPOSE_V1_CAST_PATHS,
                           prefix=("services",))
    assert data["app"]["init"] == "true" and data["app"]["tty"] is True


# --- Compose v2's casts on a file's model ----------------------------------------------------


def _model(text: str) -> Node:
    doc, _ = parse_text(text, "c.yaml")
    assert doc is not None
    return from_yaml(doc.data, "c.yaml")


def test_cast_model_casts_literals_like_compose_go() -> None:
    node = _model('services:\n  web:\n    init: "true"\n    cpus: "0.5"\n    image: "1"\n')
    assert cast_model(node) == []
    web = node.plain()["services"]["web"]
    assert web == {"init": True, "cpus": 0.5, "image": "1"}


def test_cast_model_drops_and_reports_what_does_not_cast() -> None:
    node = _model("services:\n  web:\n    image: x\n    cpu_rt_period: 1400us\n")
    [found] = cast_model(node)
    assert (found.code, found.line, found.column, found.origin) == ("CK026", 4, 20, "compose-v2")
    assert found.json_path == "$.services.web.cpu_rt_period"
    assert found.message.endswith("Compose v2 refuses the file")
    assert "'1400us' is not an integer" in found.message
    assert node.plain()["services"]["web"] == {"image": "x"}


def test_cast_model_prefix_skip_drop_and_texts() -> None:
    node = _model("app:\n  image: x\n  tty: ${T:?}\n  scale: 3\n  mem_swappiness: 10\n"
                  "  read_only: bad\n")
    found = cast_model(node, prefix=("services",), skip={("app", "tty")},
                       drop={("app", "read_only")},
                       texts={("app", "mem_swappiness"): "10", ("app", "scale"): "4"})
    assert found == []
    # tty failed to interpolate: dropped from its cast path; read_only: dropped; the
    # texts come back before the cast (mem_swappiness is no cast path for Compose v2).
    assert node.plain()["app"] == {"image": "x", "scale": 4, "mem_swappiness": "10"}
