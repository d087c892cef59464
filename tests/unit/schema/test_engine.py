"""Engine compatibility: minimum engines per format, ``engine-too-old`` (CK025), what a file
really needs, and the ``composekit versions`` table."""

from __future__ import annotations

import pytest

from composekit.catalog.versions import FORMATS, SPEC, get
from composekit.diagnostics import Span
from composekit.errors import UsageError
from composekit.schema import (
    engine_findings,
    minimum_requirements,
    parse_engine,
    versions_table,
)
from composekit.yamlio import parse_text

#: the Compose file reference's compatibility matrix
MATRIX = {
    "3.8": "19.03.0", "3.7": "18.06.0", "3.6": "18.02.0", "3.5": "17.12.0", "3.4": "17.09.0",
    "3.3": "17.06.0", "3.2": "17.04.0", "3.1": "1.13.1", "3.0": "1.13.0", "2.4": "17.12.0",
    "2.3": "17.06.0", "2.2": "1.13.0", "2.1": "1.12.0", "2.0": "1.10.0", "1": "1.9.1",
}


@pytest.mark.parametrize(("version", "engine"), sorted(MATRIX.items()))
def test_minimum_engines(version: str, engine: str) -> None:
    assert get(version).min_engine == engine


def test_later_3x_formats_come_from_the_docker_cli() -> None:
    engines = [get(f"3.{m}").min_engine for m in range(9, 15)]
    assert engines == ["20.10.0", "23.0.0", "24.0.0", "25.0.0", "27.0.0", "29.0.0"]
    assert all("docker CLI" in get(f"3.{m}").engine_note for m in range(9, 15))
    assert not any(get(f"3.{m}").compose_v1 for m in range(9, 15))
    assert all(get(f"3.{m}").stack for m in range(0, 15))


def test_compose_specification_has_no_engine_minimum() -> None:
    assert SPEC.min_engine is None
    assert "no Engine minimum" in SPEC.engine_note
    assert engine_findings(SPEC, "1.13.0", "c.yml", Span(1, 1)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19.03.0", (19, 3, 0)),
        ("v24.0.7", (24, 0, 7)),
        ("17.06.0-ce", (17, 6, 0)),
        ("20.10", (20, 10, 0)),
        ("28", (28, 0, 0)),
        ("1.13.1", (1, 13, 1)),
        (" 25.0.3+dfsg1 ", (25, 0, 3)),
    ],
)
def test_parse_engine(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_engine(text) == expected


@pytest.mark.parametrize("text", ["", "latest", "nineteen", "19.x", "1.2.3.4.5"])
def test_parse_engine_refuses_nonsense(text: str) -> None:
    with pytest.raises(UsageError, match="invalid Docker Engine version"):
        parse_engine(text)


def test_engine_too_old() -> None:
    [d] = engine_findings(get("3.8"), "18.09.1", "c.yml", Span(1, 10))
    assert (d.code, d.name, d.line, d.column, d.json_path) == (
        "CK025", "engine-too-old", 1, 10, "$.version")
    assert d.message == ("file format 3.8 needs Docker Engine 19.03.0 or later; the target "
                         "engine is 18.09.1")
    assert d.help == ('Engine 18.09.1 supports 3.x up to 3.7: lower `version:` to "3.7" (if the '
                      "file's keys allow it), or upgrade the engine")


def test_engine_new_enough() -> None:
    assert engine_findings(get("3.8"), "19.03.0", "c.yml", Span(1, 10)) == []
    assert engine_findings(get("2.4"), "24.0.7", "c.yml", Span(1, 10)) == []
    for fmt in FORMATS:
        assert engine_findings(fmt, "99.0.0", "c.yml", Span()) == []


def test_engine_older_than_the_whole_family() -> None:
    [d] = engine_findings(get("3.0"), "1.12.6", "c.yml", Span(1, 10))
    assert d.help == "upgrade the engine to 1.13.0 or later"


def test_stack_only_format_names_its_source() -> None:
    [d] = engine_findings(get("3.12"), "24.0.9", "c.yml", Span(1, 10))
    assert "docker CLI 25.0.0" in d.message
    assert '"3.11"' in (d.help or "")


def requirements(text: str, version: str) -> tuple[str, str | None, list[str]]:
    doc, _ = parse_text(text, "c.yml")
    assert doc is not None
    r = minimum_requirements(doc.data, get(version))
    return r.minimum_format.version, r.minimum_engine, [u.describe() for u in r.forced_by]


def test_minimum_requirements_names_the_key() -> None:
    text = ('version: "3.8"\nservices:\n  web:\n    image: nginx\nvolumes:\n  data:\n'
            "    name: app-data\n")
    assert requirements(text, "3.8") == (
        "3.4", "17.09.0", ["`volumes.data.name` needs 3.4 / Engine 17.09.0"])


def test_minimum_requirements_of_a_plain_file_is_the_family_start() -> None:
    text = 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    ports: ["80:80"]\n'
    fmt, engine, forced = requirements(text, "3.8")
    assert (fmt, engine, forced) == ("3.0", "1.13.0", [])
    doc, _ = parse_text(text, "c.yml")
    assert doc is not None
    assert minimum_requirements(doc.data, get("3.8")).describe() == "3.0 is enough / Engine 1.13.0"


def test_minimum_requirements_sees_long_syntax_and_extensions() -> None:
    text = ('version: "3.8"\nx-defaults: &d\n  image: nginx\nservices:\n  web:\n    <<: *d\n'
            "    ports:\n      - target: 80\n")
    assert requirements(text, "3.8") == (
        "3.4", "17.09.0", ["`x-defaults` needs 3.4 / Engine 17.09.0"])
    text = 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n'
    assert requirements(text, "3.8")[0] == "3.2"


def test_minimum_requirements_in_2x() -> None:
    text = ('version: "2.4"\nservices:\n  web:\n    image: nginx\n    depends_on:\n      db:\n'
            "        condition: service_healthy\n  db:\n    image: redis\n    init: true\n")
    assert requirements(text, "2.4") == (
        "2.2", "1.13.0", ["`services.db.init` needs 2.2 / Engine 1.13.0"])


def test_minimum_requirements_of_v1_and_spec() -> None:
    assert requirements("web:\n  image: nginx\n  net: host\n", "1") == ("1", "1.9.1", [])
    assert requirements("services:\n  web:\n    image: nginx\n", "spec") == ("spec", None, [])


def test_versions_table() -> None:
    rows = {row.format.version: row for row in versions_table()}
    assert list(rows) == [f.version for f in FORMATS]
    assert rows["3.8"].min_engine == "19.03.0"
    assert "services.*.healthcheck" in rows["2.1"].added
    assert "services.*.healthcheck.start_period" in rows["2.3"].added
    assert "services.*.deploy" in rows["3.0"].added
    assert "services.*.extends" in rows["3.0"].removed
    assert "services.*.cpu_shares" in rows["3.0"].removed
    assert "secrets" in rows["3.1"].added and "configs" in rows["3.3"].added
    assert "services.*.ports[] (long syntax)" in rows["3.2"].added
    assert "volumes.*.name" in rows["3.4"].added
    assert "x- extension keys in the top level" in rows["3.4"].added
    assert "services.*.init" in rows["3.7"].added
    assert "version (now optional)" in rows["3.10"].added
    assert "any key in services.*.build (no longer checked)" in rows["3.11"].added
    assert "services.*.healthcheck.start_interval" in rows["3.12"].added
    assert "name" in rows["spec"].added and "services.*.extends" in rows["spec"].added
    assert rows["2.0"].removed == ("services.*.dockerfile", "services.*.log_driver",
                                   "services.*.log_opt", "services.*.net")
    assert rows["3.9"].compose_v1 is False and rows["3.8"].compose_v1 is True
    assert rows["spec"].min_engine is None
