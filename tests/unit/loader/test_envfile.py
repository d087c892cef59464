"""Unit tests of composekit.loader.envfile.

Expected values were measured with ``docker compose config`` 2.40 (a ``.env`` beside a
compose file that echoes each variable); see ``fixtures/interpolation/dotenv-*`` for the cases
that are rerun against Compose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composekit.diagnostics import Severity
from composekit.errors import UsageError
from composekit.loader.envfile import load_env_file, parse_env_text, resolve_environment

PARSE = [
    # basics
    ("A=1", {"A": "1"}),
    ("A=1\nA=2", {"A": "2"}),
    ("A=", {"A": ""}),
    ("A= ", {"A": ""}),
    ('A=""', {"A": ""}),
    ("A=''", {"A": ""}),
    ("A=1=2\nB==x", {"A": "1=2", "B": "=x"}),
    ("A =1\nB= 2\nC =  3  ", {"A": "1", "B": "2", "C": "3"}),
    ("A:1\nB: 2\nC:=3", {"A": "1", "B": "2", "C": "=3"}),
    ("export A=1\nexport  B = 2\n  export\tC=3", {"A": "1", "B": "2", "C": "3"}),
    ("exportD=4", {"exportD": "4"}),
    ("export=1", {"export": "1"}),
    ("A=\tvalue", {"A": "value"}),
    ("A=\u00a0x\u00a0", {"A": "x"}),
    ("A=x\u2003", {"A": "x"}),
    ("A\u00a0=1", {"A": "1"}),
    # keys
    ("A-B=1\nA.B=2\nA[0]=3\n\u00c4=4\n1A=5", {"A-B": "1", "A.B": "2", "A[0]": "3", "\u00c4": "4",
                                              "1A": "5"}),
    # comments
    ("# c\n  # indented\n\nA=1 # inline", {"A": "1"}),
    ("A=x#y", {"A": "x#y"}),
    ("A=a  # b", {"A": "a"}),
    ("A=a\t#b", {"A": "a\t#b"}),
    ("A= #c", {"A": "#c"}),
    ("B=#notcomment", {"B": "#notcomment"}),
    ('A="q #x" #c\nB=\'a\' #c\nC="y"#c', {"A": "q #x", "B": "a", "C": "y"}),
    # quotes
    ("A='s $X \\n'", {"A": "s $X \\n"}),
    ("A='it\\'s'", {"A": "it's"}),
    ("A='a\\b'", {"A": "a\\b"}),
    ('A="it\\\'s"', {"A": "it\\'s"}),
    ('A="a\\"b"', {"A": 'a"b'}),
    ('A="a\\\\"\nB=2', {"A": "a\\", "B": "2"}),
    ('A="\\t\\a\\b\\f\\v\\r\\n|"', {"A": "\t\a\b\f\v\r\n|"}),
    ('A="\\x41 \\u0041 \\q \\c"', {"A": "\\x41 \\u0041 \\q \\c"}),
    ('A="\\0101 \\0 \\012 \\0777"', {"A": "A \\0 \\012 \\0777"}),
    ('A="multi\nline"\nB=2', {"A": "multi\nline", "B": "2"}),
    ("A='multi\nline'", {"A": "multi\nline"}),
    ('A="a\nb\\nc"  \nB=2', {"A": "a\nb\nc", "B": "2"}),
    ('A="a" B=2', {"A": "a", "B": "2"}),
    ('A="x"y\nB=2', {"A": "x", "B": "2"}),
    # unquoted values keep backslashes
    ("A=a\\nb\nB=x\\", {"A": "a\\nb", "B": "x\\"}),
    # interpolation
    ("A=1\nB=$A${A}\nC=\"${A}\"\nD='${A}'", {"A": "1", "B": "11", "C": "1", "D": "${A}"}),
    ("A=${B:-dflt}\nB=2\nC=${B}", {"A": "dflt", "B": "2", "C": "2"}),
    ('A="$${B}"\nB=$${B}\nC=\'$${B}\'', {"A": "${B}", "B": "${B}", "C": "$${B}"}),
    ('A="\\${X}"', {"A": "${X}"}),
    ("A=$\nB=a$\nC=$1", {"A": "$", "B": "a$", "C": "$1"}),
    # line ends and BOM
    ("\ufeffA=1", {"A": "1"}),
    ('A=1\r\nB=2\r\nC="x"\r\nD=y # c\r\n', {"A": "1", "B": "2", "C": "x", "D": "y"}),
    # bare keys: from the lookup, or left out
    ("A\nB=2", {"B": "2"}),
    ("A=1\n  B  \nC=3", {"A": "1", "C": "3"}),
    ("export\nB=1", {"B": "1"}),
]


@pytest.mark.parametrize(("text", "values"), PARSE)
def test_parse(text: str, values: dict[str, str]) -> None:
    got, diags = parse_env_text(text, ".env")
    assert [d for d in diags if d.severity >= Severity.WARNING] == []
    assert got == values


ERRORS = [
    # (text, code, line, column, message fragment, values read before the error)
    ("A B=1", "CK019", 1, 1, "contains a space", {}),
    ("GOOD=1\nBAD!=2", "CK019", 2, 4, "unexpected character '!'", {"GOOD": "1"}),
    ('A="x" junk here\nB=2', "CK019", 1, 7, "contains a space", {"A": "x"}),
    ('A="""x"""', "CK019", 1, 5, "unexpected character '\"'", {"A": ""}),
    ('A="unterminated\nB=2', "CK019", 1, 3, "unterminated quoted value", {}),
    ("X=1\nA='open", "CK019", 2, 3, "unterminated", {"X": "1"}),
    ('A="x\\"', "CK019", 1, 3, "unterminated", {}),
    ("A=${", "CK016", 1, 3, "'${'", {"A": "${"}),
    ('A=ok\nB="x ${}"', "CK016", 2, 6, "name is missing", {"A": "ok", "B": "x ${}"}),
    ("B=${A:?need A}", "CK017", 1, 3, "required variable A is not set: need A",
     {"B": "${A:?need A}"}),
]


@pytest.mark.parametrize(("text", "code", "line", "column", "fragment", "values"), ERRORS)
def test_errors(text: str, code: str, line: int, column: int, fragment: str,
                values: dict[str, str]) -> None:
    got, diags = parse_env_text(text, "app.env")
    errors = [d for d in diags if d.severity is Severity.ERROR]
    assert [(d.code, d.line, d.column) for d in errors] == [(code, line, column)]
    assert fragment in errors[0].message
    assert errors[0].path == "app.env"
    assert got == values


def test_syntax_error_stops_but_interpolation_errors_do_not() -> None:
    got, diags = parse_env_text("A=${}\nB=2\nC D=3\nE=4", ".env")
    assert [d.code for d in diags] == ["CK016", "CK019"]
    assert got == {"A": "${}", "B": "2"}


def test_position_inside_double_quotes_follows_escapes() -> None:
    _, diags = parse_env_text('X=1\nA="\\t\\"q\\" ${NOPE:?}"', ".env")
    assert [(d.code, d.line, d.column) for d in diags] == [("CK017", 2, 12)]


def test_last_line_without_separator_warns() -> None:
    got, diags = parse_env_text("A=x\nB", ".env")
    assert got == {"A": "x", "": "B"}  # what Compose does: B is not passed through
    assert [(d.code, d.severity, d.line, d.column) for d in diags] == [
        ("CK019", Severity.WARNING, 2, 1)]
    assert "no '='" in diags[0].message


def test_empty_name_warns() -> None:
    got, diags = parse_env_text("A=1\n=2", ".env")
    assert got == {"A": "1", "": "2"}
    assert [(d.code, d.severity, d.line) for d in diags] == [("CK019", Severity.WARNING, 2)]


def test_unset_variables_once_per_file() -> None:
    got, diags = parse_env_text("A=${NOPE}\nB=\"$NOPE x\"\nC=$OTHER", ".env")
    assert got == {"A": "", "B": " x", "C": ""}
    assert [(d.code, d.line, d.column) for d in diags] == [("CK018", 1, 3), ("CK018", 3, 3)]
    assert "also used at 2:4" in diags[0].message


def test_lookup_comes_before_earlier_keys_and_fills_bare_keys() -> None:
    # as for a service's env_file: ${A} sees the project's A, the key keeps its own value
    got, diags = parse_env_text("A=file\nB=${A}\nC\nD=${E}\nNOPE\n", ".env",
                                lookup={"A": "os", "C": "osc", "E": "e"})
    assert diags == []
    assert got == {"A": "file", "B": "os", "C": "osc", "D": "e"}


def test_load_env_file(tmp_path: Path) -> None:
    path = tmp_path / "app.env"
    path.write_bytes(b"\xef\xbb\xbfA=1\r\nB=\"${A}2\"\r\n")
    assert load_env_file(str(path)) == ({"A": "1", "B": "12"}, [])


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_load_env_file_problems(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "app.env"
    if kind == "directory":
        path.mkdir()
    values, diags = load_env_file(str(path))
    assert values == {}
    assert [(d.code, d.line, d.severity) for d in diags] == [("CK000", 1, Severity.ERROR)]


def test_bad_utf8_is_read_like_compose(tmp_path: Path) -> None:
    path = tmp_path / "app.env"
    path.write_bytes(b"A=1\nB=caf\xe9\n")
    values, diags = load_env_file(str(path))
    assert values == {"A": "1", "B": "caf\ufffd"}
    assert [(d.code, d.line, d.column, d.severity) for d in diags] == [
        ("CK002", 2, 6, Severity.WARNING)]
    path.write_bytes(b"\xe9=1\n")  # in a name it is not a letter, as for Compose
    _, diags = load_env_file(str(path))
    assert [d.code for d in diags] == ["CK002", "CK019"]


# --- resolve_environment ----------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    return tmp_path / "app"


def test_default_dotenv_and_process_environment_wins(project: Path) -> None:
    (project / ".env").write_text("A=file\nB=${A}\nC=file-c\nD=file-d\n")
    env, diags = resolve_environment(str(project), environ={"A": "os", "C": "", "PATH": "/bin"})
    assert diags == []
    assert env == {"A": "os", "B": "os", "C": "", "D": "file-d", "PATH": "/bin"}


def test_missing_default_dotenv_is_fine(project: Path) -> None:
    assert resolve_environment(str(project), environ={"X": "1"}) == ({"X": "1"}, [])


def test_dotenv_directory_is_ignored(project: Path) -> None:
    (project / ".env").mkdir()
    assert resolve_environment(str(project), environ={}) == ({}, [])


def test_env_files_replace_dotenv_in_order(project: Path) -> None:
    (project / ".env").write_text("DOT=1\n")
    (project.parent / "one.env").write_text("A=one\nS=one\n")
    (project / "two.env").write_text("A=two\nB=${A}\nC=${S}\nS\n")
    env, diags = resolve_environment(str(project), env_files=["one.env", "app/two.env"],
                                     environ={})
    assert diags == []
    # relative to the current directory; later files win; each sees the earlier ones
    assert env == {"A": "two", "S": "one", "B": "two", "C": "one"}


def test_missing_env_file_is_an_io_error(project: Path) -> None:
    env, diags = resolve_environment(str(project), env_files=["nope.env"], environ={"X": "1"})
    assert env == {"X": "1"}
    assert [(d.code, d.severity) for d in diags] == [("CK000", Severity.ERROR)]
    assert diags[0].path.endswith("nope.env")


def test_compose_env_files_variable(project: Path) -> None:
    (project / ".env").write_text("DOT=1\n")
    (project.parent / "a.env").write_text("A=1\n")
    (project.parent / "b.env").write_text("B=${A}2\n")
    env, diags = resolve_environment(str(project),
                                     environ={"COMPOSE_ENV_FILES": "a.env,b.env"})
    assert diags == []
    assert env == {"A": "1", "B": "12", "COMPOSE_ENV_FILES": "a.env,b.env"}


@pytest.mark.parametrize(("value", "read"), [
    ("1", False), ("true", False), ("TRUE", False), ("t", False),
    ("0", True), ("false", True), ("F", True),
])
def test_compose_disable_env_file(project: Path, value: str, read: bool) -> None:
    (project / ".env").write_text("DOT=1\n")
    env, _ = resolve_environment(str(project), environ={"COMPOSE_DISABLE_ENV_FILE": value})
    assert ("DOT" in env) is read


def test_compose_disable_env_file_needs_a_boolean(project: Path) -> None:
    with pytest.raises(UsageError, match="COMPOSE_DISABLE_ENV_FILE"):
        resolve_environment(str(project), environ={"COMPOSE_DISABLE_ENV_FILE": "yes"})


def test_explicit_env_files_ignore_disable(project: Path) -> None:
    (project / "x.env").write_text("X=1\n")
    env, _ = resolve_environment(str(project), env_files=["app/x.env"],
                                 environ={"COMPOSE_DISABLE_ENV_FILE": "1"})
    assert env["X"] == "1"


def test_findings_carry_the_env_file_path(project: Path) -> None:
    (project / ".env").write_text("OK=1\nBAD KEY=2\n")
    env, diags = resolve_environment(str(project), environ={})
    assert env == {"OK": "1"}
    assert [(d.code, d.path, d.line) for d in diags] == [
        ("CK019", str(project / ".env"), 2)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="AB=:#'\"\\$ {}\n\r\t-x\u00a0", max_size=40))
def test_parse_never_raises(text: str) -> None:
    values, diags = parse_env_text(text, ".env", lookup={"A": "1"})
    assert all(isinstance(v, str) for v in values.values())
    for d in diags:
        assert d.line >= 1 and d.column >= 1
