"""Unit tests of the images rules (CK201-CK205).

The reference grammar facts were measured with Docker Engine 20.10.24 and
Compose v2.40.3 (``docker compose create --pull never`` reports the engine's
verdict without pulling): see ``REFERENCES`` below; the ``docker``-marked
test re-runs the table against the live engine. Compose v2 pulls ``image``
before building when a service has both (``a Pulling``), docker-compose 1.26.2
builds without pulling ("Image for service a was built because it did not
already exist").
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import oracles
import pytest

from composekit.catalog import detect_format
from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.config import build_options
from composekit.lint.context import LintContext
from composekit.lint.docs import parse_sections
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules import BY_CODE, images
from composekit.lint.rules.images._reference import problems, split
from composekit.lint.rules.images.build_and_image import BuildAndImage
from composekit.lint.rules.images.image_floating_tag import ImageFloatingTag
from composekit.lint.rules.images.image_without_digest import ImageWithoutDigest
from composekit.lint.rules.images.invalid_image_reference import InvalidImageReference
from composekit.lint.rules.images.unpinned_git_build_context import (
    UnpinnedGitBuildContext,
    git_ref,
    is_git_context,
)
from composekit.loader import load_project

ROOT = Path(__file__).parents[4]
SHA = "4032c6d5bfd752342c3e631c2f1de93ba6b86c41db6b167b9a35372c139e7706"


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def lint(rule: Rule, *paths: str, target: Runtime = Runtime.COMPOSE_V2,
         environ: dict[str, str] | None = None) -> list[Diagnostic]:
    project, _ = load_project(list(paths), environ=environ or {})
    assert project is not None
    formats = {p: detect_format(doc.data, p)[0] for p, doc in project.documents.items()}
    ctx = LintContext(project, formats, target=target)
    if not rule.applies_to(target):
        return []
    return sorted(rule.check(ctx))


def run(rule: Rule, tmp_path: Path, text: str, **kw: Any) -> list[Diagnostic]:
    return lint(rule, write(tmp_path, text), **kw)


def positions(diags: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diags]


# --- metadata and documentation ------------------------------------------------------------

PEERS = {
    "CK201": ("CL-0004", "service-image-require-explicit-tag"),
    "CK202": ("CL-0019",),
    "CK204": ("no-build-and-image",),
}


@pytest.mark.parametrize("rule", images.RULES, ids=lambda r: r.code)
def test_metadata_docs_and_fixtures(rule: type[Rule]) -> None:
    assert BY_CODE[rule.code] is rule
    assert re.fullmatch(r"CK2\d\d", rule.code)
    assert rule.name == rule.__module__.rsplit(".", 1)[1].replace("_", "-")
    sections = parse_sections(inspect.getdoc(rule) or "")
    order = ["What it does", "Why is this bad?", "Example", "Use instead:", "Options",
             "Fix safety", "Known problems", "References"]
    present = [s for s in order if s in sections]
    assert present[:4] == order[:4] and "References" in present
    assert list(sections) == present, "sections out of order or unknown"
    for peer in PEERS.get(rule.code, ()):
        assert peer in sections["References"]
    if dataclasses.fields(rule.Options):
        assert "Options" in sections
        for f in dataclasses.fields(rule.Options):
            assert f"`{f.name}`" in sections["Options"]
    for kind in ("pass", "fail"):
        assert list((ROOT / "fixtures" / "lint" / rule.code / kind).glob("*.yaml"))


def _yaml_block(section: str) -> str:
    m = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert m, section
    return m.group(1)


@pytest.mark.parametrize("rule", images.RULES, ids=lambda r: r.code)
def test_doc_examples(rule: type[Rule], tmp_path: Path) -> None:
    """The Example triggers the rule; Use instead does not."""
    sections = parse_sections(inspect.getdoc(rule) or "")
    bad = write(tmp_path, _yaml_block(sections["Example"]), "bad.yaml")
    good = write(tmp_path, _yaml_block(sections["Use instead:"]), "good.yaml")
    assert lint(rule(), bad)
    assert lint(rule(), good) == []


# --- the reference grammar -----------------------------------------------------------------

#: (reference, accepted by the engine) as measured with ``docker compose create --pull never``.
REFERENCES: list[tuple[str, bool]] = [
    ("nginx", True),
    ("nginx:1.27.2-alpine", True),
    ("library/nginx:1", True),
    ("ng__inx", True),
    ("ng--inx", True),
    ("a/b/c/d", True),
    ("localhost:5000/x", True),
    ("Example.com/foo:1", True),
    ("registry.example.com:5000/team/app:v1", True),
    ("nginx:_tag", True),
    ("nginx:" + "a" * 128, True),
    (f"nginx@sha256:{SHA}", True),
    (f"nginx:1.25@sha256:{SHA}", True),
    (f"nginx@sha512:{'a' * 128}", True),
    ("a" * 237 + ":1", True),
    (SHA, True),  # an image ID
    ("Nginx", False),
    ("library/Nginx:1", False),
    ("Foo/bar:1", False),
    ("nginx:Bad+tag", False),
    ("nginx:" + "a" * 129, False),
    ("nginx:.tag", False),
    ("nginx:-tag", False),
    ("ng___inx", False),
    ("ng-", False),
    ("nginx@sha256:abc", False),
    (f"nginx@sha256:{SHA.upper()}", False),
    ("nginx@md5:" + "a" * 32, False),
    (f"nginx@sha512:{'a' * 64}", False),
    ("nginx:1@sha256:x", False),
    ("a" * 238 + ":1", False),
    ("ex.io/" + "a" * 250, False),
    ("my image", False),
]


@pytest.mark.parametrize(("ref", "accepted"), REFERENCES, ids=lambda v: str(v)[:40])
def test_reference_grammar(ref: str, accepted: bool) -> None:
    assert (problems(ref) == []) is accepted, problems(ref)


def test_reference_messages() -> None:
    assert problems("Nginx") == ["the repository name 'Nginx' must be lowercase"]
    assert "registry host" in problems("MyOrg/app:1")[0]
    assert "128" in problems("nginx:" + "a" * 129)[0]
    assert "not supported" in problems("nginx@md5:" + "a" * 32)[0]
    assert "lowercase hexadecimal" in problems(f"nginx@sha256:{SHA.upper()}")[0]
    assert "has 128 hexadecimal digits, not 64" in problems(f"nginx@sha512:{'a' * 64}")[0]
    assert "255" in problems("a" * 238)[0]


def test_split() -> None:
    ref = split(f"localhost:5000/team/app:1.0@sha256:{SHA}")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (
        "localhost:5000", "team/app", "1.0", f"sha256:{SHA}")
    assert split("nginx").tag is None
    assert split("a.io:5000/x").tag is None


@pytest.mark.docker
@pytest.mark.slow
def test_reference_grammar_against_the_engine(tmp_path: Path, docker_engine: str,
                                              compose_v2_available: str) -> None:
    """Each reference of the table through ``docker compose create --pull never``: the
    engine refuses the invalid ones and only misses the valid ones (nothing is pulled)."""
    disagreements = []
    for ref, accepted in REFERENCES:
        if ref == SHA:
            continue  # an ID of an image that does not exist: "No such image" either way
        (tmp_path / "compose.yaml").write_text(f'services:\n  a:\n    image: "{ref}"\n')
        result = oracles.compose_v2(["-p", "ckh10refs", "create", "--pull", "never"],
                                    cwd=tmp_path, timeout=60)
        oracles.compose_v2(["-p", "ckh10refs", "down"], cwd=tmp_path, timeout=60)
        text = result.stdout + result.stderr
        refused = any(s in text for s in ("invalid reference format", "unsupported digest",
                                          "invalid checksum digest", "must be lowercase",
                                          "must not be more than"))
        if refused == accepted:
            disagreements.append((ref, text[-200:]))
    assert disagreements == []


# --- CK201 image-floating-tag --------------------------------------------------------------


def test_floating_tags(tmp_path: Path) -> None:
    diags = run(ImageFloatingTag(), tmp_path, f"""
        services:
          a: {{image: nginx}}
          b: {{image: "redis:latest"}}
          c: {{image: "node:lts-alpine"}}
          d: {{image: "nginx:stable"}}
          e: {{image: "nginx:1.27"}}
          f: {{image: "nginx@sha256:{SHA}"}}
          g: {{image: "nginx:latest@sha256:{SHA}"}}
          h: {{image: "nginx:LATEST"}}
          i: {{image: "nginx:latest-1.2"}}
        """)
    assert [d.json_path for d in diags] == [f"$.services.{s}.image" for s in "abcdhi"]
    assert "has no tag" in diags[0].message
    assert "moving tag 'latest'" in diags[1].message
    assert diags[0].severity is Severity.WARNING


def test_floating_tag_skips_built_images_invalid_and_unset(tmp_path: Path) -> None:
    diags = run(ImageFloatingTag(), tmp_path, """
        services:
          built: {build: ., image: "app:latest"}
          never: {build: ., image: "app:latest", pull_policy: never}
          pulled: {build: ., image: "app:latest", pull_policy: always}
          bad: {image: "Nginx:latest"}
          unset: {image: "${REGISTRY}/app"}
          default: {image: "${REGISTRY:-docker.io}/app"}
        """)
    assert [d.json_path for d in diags] == ["$.services.pulled.image", "$.services.default.image"]


def test_floating_tag_options(tmp_path: Path) -> None:
    rule = ImageFloatingTag(build_options(ImageFloatingTag, {"prohibited-tags": ["main"]}))
    diags = run(rule, tmp_path, """
        services:
          a: {image: "nginx:latest"}
          b: {image: "acme/app:main"}
          c: {image: "acme/app:main-2024"}
          d: {image: "acme/app"}
        """)
    assert [d.json_path for d in diags] == ["$.services.b.image", "$.services.c.image",
                                            "$.services.d.image"]


# --- CK202 image-without-digest ------------------------------------------------------------


def test_without_digest(tmp_path: Path) -> None:
    diags = run(ImageWithoutDigest(), tmp_path, f"""
        services:
          a:
            image: nginx:1.27.2
          b:
            image: nginx@sha256:{SHA}
          c:
            image: {SHA}
          d:
            build: .
            image: acme/d:1
        """)
    assert positions(diags) == [(3, 12)]
    assert diags[0].severity is Severity.INFO
    assert "nginx:1.27.2@sha256:<digest>" in (diags[0].help or "")


# --- CK203 invalid-image-reference ---------------------------------------------------------


def test_invalid_reference_positions_and_build_tags(tmp_path: Path) -> None:
    diags = run(InvalidImageReference(), tmp_path, """
        services:
          a:
            image: Acme/App:1
          b:
            build:
              context: .
              tags: ["acme/b:1", "acme/b:+x"]
          c:
            image: "${TAG_UNSET}app"
          d:
            image: “nginx”
        """)
    assert positions(diags) == [(3, 12), (7, 26)]
    assert "must be lowercase" in diags[0].message
    assert diags[1].message.startswith("Build tag 'acme/b:+x'")
    assert all(d.severity is Severity.ERROR for d in diags)


def test_invalid_reference_with_set_variable(tmp_path: Path) -> None:
    text = """
        services:
          a:
            image: "${REG}/App"
        """
    assert run(InvalidImageReference(), tmp_path, text) == []
    diags = run(InvalidImageReference(), tmp_path, text, environ={"REG": "ghcr.io"})
    assert positions(diags) == [(3, 12)]


# --- CK204 build-and-image -----------------------------------------------------------------


BOTH = """
    services:
      api:
        build: ./api
        image: acme/api:1.4
      pinned:
        build: ./api
        image: acme/api:1.4
        pull_policy: missing
      built:
        build: ./api
    """


def test_build_and_image(tmp_path: Path) -> None:
    diags = run(BuildAndImage(), tmp_path, BOTH)
    assert positions(diags) == [(4, 5)]
    assert "pull_policy: build" in (diags[0].help or "")


def test_build_and_image_option(tmp_path: Path) -> None:
    rule = BuildAndImage(build_options(BuildAndImage, {"allow-with-pull-policy": False}))
    assert positions(run(rule, tmp_path, BOTH)) == [(4, 5), (7, 5)]


@pytest.mark.parametrize("target", [Runtime.COMPOSE_V1, Runtime.STACK])
def test_build_and_image_targets(tmp_path: Path, target: Runtime) -> None:
    assert run(BuildAndImage(), tmp_path, BOTH, target=target) == []


# --- CK205 unpinned-git-build-context ------------------------------------------------------


@pytest.mark.parametrize(("context", "git", "ref"), [
    ("https://github.com/acme/app.git", True, ""),
    ("https://github.com/acme/app.git#v1.2", True, "v1.2"),
    ("https://github.com/acme/app.git#:docker", True, ""),
    ("git@github.com:acme/app.git#main:sub", True, "main"),
    ("github.com/acme/app", True, ""),
    ("ssh://git@example.com/app.git", True, ""),
    ("https://example.com/context.tar.gz", False, ""),
    ("./app", False, ""),
])
def test_git_context_parsing(context: str, git: bool, ref: str) -> None:
    assert is_git_context(context) is git
    assert git_ref(context) == ref


def test_unpinned_git_context(tmp_path: Path) -> None:
    diags = run(UnpinnedGitBuildContext(), tmp_path, """
        services:
          a:
            build: https://github.com/acme/a.git
          b:
            build: "https://github.com/acme/b.git#:docker"
          c:
            build: https://github.com/acme/c.git#v1.0
          d:
            build:
              context: .
              additional_contexts:
                lib: git@github.com:acme/lib.git
        """)
    assert positions(diags) == [(3, 12), (5, 12), (12, 14)]
    assert run(UnpinnedGitBuildContext(), tmp_path, "services: {a: {build: 'https://x.io/a.git'}}",
               target=Runtime.STACK) == []
