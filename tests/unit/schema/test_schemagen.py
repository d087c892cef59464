"""The committed schemas are what the generator gives, are valid draft-07, and are read
through one accessor, from the wheel as well as from a source checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from composekit import schema as schema_mod
from composekit.catalog.versions import FORMATS, get
from composekit.errors import SchemaError
from composekit.schemagen import build_schema, default_dir, main, render

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "schemas"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.schema_name)
def test_committed_schema_matches_generator(fmt: object) -> None:
    path = SCHEMAS / f"{fmt.schema_name}.json"  # type: ignore[attr-defined]
    assert path.is_file(), f"{path.name} missing: run python -m composekit.schemagen"
    assert path.read_text(encoding="utf-8") == render(fmt), (  # type: ignore[arg-type]
        f"{path.name} differs from the catalogue: run python -m composekit.schemagen")


def test_no_stray_schema_files() -> None:
    expected = {f"{f.schema_name}.json" for f in FORMATS}
    present = {p.name for p in SCHEMAS.glob("*.json")}
    assert present == expected


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.schema_name)
def test_schema_is_valid_draft7(fmt: object) -> None:
    from jsonschema import Draft7Validator

    Draft7Validator.check_schema(build_schema(fmt))  # type: ignore[arg-type]


def test_default_dir_is_the_repository_schemas() -> None:
    assert default_dir() == SCHEMAS


def test_check_mode_reports_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "compose-v2.4.json").write_text("{}", encoding="utf-8")
    assert main(["--check", "--out", str(tmp_path)]) == 1


def test_spec_schema_shape() -> None:
    spec = build_schema(get("spec"))
    assert spec["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "version" in spec["properties"] and "name" in spec["properties"]
    service = spec["properties"]["services"]["patternProperties"]["^[a-zA-Z0-9._-]+$"]
    assert service["additionalProperties"] is False
    assert "^x-" in service["patternProperties"]
    # descriptions carry the versions
    assert service["properties"]["init"]["description"].endswith("[2.2+, 3.7+, spec]")


def test_v1_schema_holds_services_at_the_top_level() -> None:
    v1 = build_schema(get("1"))
    service = v1["patternProperties"]["^[a-zA-Z0-9._-]+$"]
    assert "log_driver" in service["properties"]
    assert "networks" not in service["properties"]
    assert v1["additionalProperties"] is False


def test_load_schema_reads_the_generated_file() -> None:
    for fmt in FORMATS:
        assert schema_mod.load_schema(fmt) == json.loads(
            (SCHEMAS / f"{fmt.schema_name}.json").read_text(encoding="utf-8"))


def test_load_schema_reports_a_missing_file(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setattr(schema_mod, "_source_dir", lambda: tmp_path)
    schema_mod.load_schema.cache_clear()
    try:
        with pytest.raises(SchemaError, match=r"compose-v2\.4\.json is missing"):
            schema_mod.load_schema(get("2.4"))
        (tmp_path / "compose-v2.4.json").write_text("{not json", encoding="utf-8")
        with pytest.raises(SchemaError, match="not valid JSON"):
            schema_mod.load_schema(get("2.4"))
    finally:
        schema_mod.load_schema.cache_clear()


def test_jsonschema_is_not_imported_by_the_package() -> None:
    code = ("import sys, composekit, composekit.schema, composekit.catalog; "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_wheel_ships_the_schemas(tmp_path: Path) -> None:
    """Build the wheel and validate a file with it alone (no source tree on the path)."""
    if shutil.which("pip") is None and not (Path(sys.executable).parent / "pip").exists():
        pytest.skip("pip is not available")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(REPO)], capture_output=True, text=True, timeout=600)
    if build.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {build.stderr.strip()[-300:]}")
    wheel = next((tmp_path / "dist").glob("composekit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for fmt in FORMATS:
        assert f"composekit/_schemas/{fmt.schema_name}.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import composekit.schema as s\n"
        "from composekit.yamlio import parse_text\n"
        "from importlib import resources\n"
        "assert not s._source_dir().exists()\n"
        "assert resources.files('composekit').joinpath('_schemas').joinpath("
        "'compose-v3.8.json').is_file()\n"
        "doc, _ = parse_text('version: \"3.8\"\\nservices:\\n  w:\\n    image: x\\n"
        "    enviroment: {}\\n', 'f.yml')\n"
        "fmt, diags = s.validate_document(doc)\n"
        "print(fmt, [d.code for d in diags])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3.8 ['CK022']"
