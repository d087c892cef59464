"""Small rules and helpers for the engine tests (not registered anywhere).

Their codes (CK89x) lie in a range no family uses, so they never collide with the
registry. ``patch_catalogue`` makes the configuration know them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from composekit.checker import CheckOptions, LintOptions, Target, check_target
from composekit.diagnostics import Diagnostic, Edit, Fix, Severity
from composekit.lint import config as config_module
from composekit.lint.context import LintContext
from composekit.lint.fix import delete_entry, replace_scalar
from composekit.lint.rule import FixAvailability, Rule, Runtime


class LatestTag(Rule):
    """## What it does
    Flags images with the ``latest`` tag (engine-test rule).

    ## Why is this bad?
    The image changes under you.

    ## Example
    ```yaml
    image: nginx:latest
    ```

    ## Use instead:
    ```yaml
    image: nginx:1.25
    ```

    ## Options
    ``allowed`` names images that may use it.

    ## Fix safety
    Unsafe: the pinned tag is a guess.
    """

    code = "CK891"
    name = "test-latest-tag"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS

    @dataclass(frozen=True)
    class Options:
        allowed: tuple[str, ...] = ()
        pin: str = "1.0"

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, name, svc in ctx.raw_services():
            image = svc.get("image")
            if not isinstance(image, str) or not image.endswith(":latest"):
                continue
            repo = image.rsplit(":", 1)[0]
            if repo in self.options.allowed:
                continue
            doc = ctx.documents[path]
            parts = ("services", name, "image")
            edit = replace_scalar(doc.text, doc.data, parts, f"{repo}:{self.options.pin}")
            fix = Fix("Pin a version", (edit,), safe=False) if edit else None
            yield ctx.report(self, parts, f"image '{image}' uses the latest tag",
                             path=path, fix=fix)


class ObsoleteVersion(Rule):
    """## What it does
    Flags the top-level ``version`` key (engine-test rule).

    ## Why is this bad?
    Compose v2 ignores it.

    ## Example
    ```yaml
    version: "3.8"
    ```

    ## Use instead:
    ```yaml
    services: {}
    ```

    ## Fix safety
    Safe: Compose v2 ignores the key.
    """

    code = "CK892"
    name = "test-version-key"
    severity = Severity.INFO
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, doc in ctx.documents.items():
            if isinstance(doc.data, dict) and "version" in doc.data:
                edit = delete_entry(doc.text, doc.data, ("version",))
                fix = Fix("Remove the version key", (edit,)) if edit else None
                yield ctx.report(self, ("version",), "the version key is obsolete", key=True,
                                 path=path, fix=fix)


class StackOnly(Rule):
    """## What it does
    Flags ``container_name`` when the target is ``docker stack`` (engine-test rule).

    ## Why is this bad?
    Stack ignores it.

    ## Example
    ```yaml
    container_name: x
    ```

    ## Use instead:
    ```yaml
    {}
    ```
    """

    code = "CK893"
    name = "test-stack-container-name"
    severity = Severity.WARNING
    targets = frozenset({Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, name, svc in ctx.raw_services():
            if "container_name" in svc:
                yield ctx.report(self, ("services", name, "container_name"),
                                 "docker stack ignores container_name", key=True, path=path)


class Crashes(Rule):
    """## What it does
    Yields one finding per service, then raises (engine-test rule).

    ## Why is this bad?
    It is a test.

    ## Example
    ```yaml
    services: {}
    ```

    ## Use instead:
    ```yaml
    services: {}
    ```
    """

    code = "CK894"
    name = "test-crashes"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name in ctx.services:
            yield ctx.report(self, ("services", name), "before the crash", key=True)
        raise KeyError("boom")


class Reorder(Rule):
    """## What it does
    Wants ``image`` written with an upper-case ``IMG`` marker, twice per line: its two
    fixes overlap so the second waits for a second pass (engine-test rule).

    ## Why is this bad?
    It is a test.

    ## Example
    ```yaml
    image: a
    ```

    ## Use instead:
    ```yaml
    image: IMG-a
    ```
    """

    code = "CK895"
    name = "test-overlapping-fixes"
    severity = Severity.STYLE
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, name, svc in ctx.raw_services():
            image = svc.get("image")
            if not isinstance(image, str) or image.startswith("IMG-IMG-"):
                continue
            doc = ctx.documents[path]
            parts = ("services", name, "image")
            edit = replace_scalar(doc.text, doc.data, parts, f"IMG-{image}")
            if edit is None:
                continue
            for n in range(2):
                yield ctx.report(self, parts, f"image needs a marker ({n})", path=path,
                                 fix=Fix(f"Mark {n}", (Edit(edit.span, edit.text),)))


class BreaksFile(Rule):
    """## What it does
    Offers a fix that breaks the YAML (engine-test rule).

    ## Why is this bad?
    It is a test.

    ## Example
    ```yaml
    image: a
    ```

    ## Use instead:
    ```yaml
    image: a
    ```
    """

    code = "CK896"
    name = "test-breaking-fix"
    severity = Severity.WARNING
    fix_availability = FixAvailability.ALWAYS

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for path, name, svc in ctx.raw_services():
            if "image" in svc:
                doc = ctx.documents[path]
                edit = replace_scalar(doc.text, doc.data, ("services", name, "image"),
                                      '"unterminated')
                if edit is not None:
                    yield ctx.report(self, ("services", name, "image"), "breaks", path=path,
                                     fix=Fix("Break it", (edit,)))


TEST_RULES: tuple[type[Rule], ...] = (LatestTag, ObsoleteVersion, StackOnly, Crashes,
                                      Reorder, BreaksFile)


def patch_catalogue(monkeypatch: pytest.MonkeyPatch,
                    rules: tuple[type[Rule], ...] = TEST_RULES) -> None:
    """Make configuration, selectors and docs know the test rules (besides the registry)."""
    from composekit.lint.rules import ALL_RULES

    everything = tuple(ALL_RULES) + tuple(rules)
    monkeypatch.setattr(config_module, "rule_classes", lambda: everything)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lint_file(path: Path, *, rules: tuple[type[Rule], ...] = TEST_RULES, **lint: object
              ) -> list[Diagnostic]:
    """Lint one file with ``rules`` (and the built-in checks); options as LintOptions."""
    if "config" not in lint:
        lint.setdefault("isolated", True)
    options = CheckOptions(environ=dict(os.environ),
                           lint=LintOptions(rules=rules, **lint))  # type: ignore[arg-type]
    return check_target(Target(files=(str(path),)), options).diagnostics


def codes_of(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]
