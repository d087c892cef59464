"""The lint, validate and fix pipeline, separate from the CLI that drives it.

``resolve_targets`` turns what the user named (files, directories, ``-f``)
into projects to check; ``check_target`` loads one project, validates each of
its files against the schema of its own file-format version and, for ``lint``,
runs the rules and applies the configuration and suppression comments;
``fix_target`` applies the rules' fixes, pass after pass. Nothing here prints
or exits.

``composekit validate`` (``CheckOptions.lint is None``) gives the verdict of
reading (the loader's checks included) and schema validation alone: no rules
run and no lint configuration is read, so configuration can never change that
verdict. Each file is judged by its own declared format: a refusal that only
Compose v2 makes (origin :data:`COMPOSE_V2_ONLY`) is a warning in a 1/2.x/3.x
file (:func:`for_declared_formats`), and a later stage's finding that echoes
a schema error is dropped (:func:`drop_echoes`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span

if TYPE_CHECKING:
    from composekit.catalog import FileFormat
    from composekit.lint.config import ConfigResolver, LintConfig
    from composekit.lint.fix import FileFix
    from composekit.lint.rule import Rule, Runtime
    from composekit.loader.project import Project
    from composekit.yamlio import YamlDocument

#: The failure threshold when neither ``--fail-on`` nor the configuration sets one.
DEFAULT_FAIL_ON = Severity.WARNING
#: Most fix passes over one project (each pass re-lints the fixed files).
MAX_FIX_PASSES = 10


@dataclass(frozen=True)
class Target:
    """One Compose project to check: explicit files, or a directory to search."""

    files: tuple[str, ...] = ()
    project_dir: str | None = None

    @property
    def label(self) -> str:
        return ", ".join(self.files) if self.files else (self.project_dir or ".")

    @property
    def start(self) -> str:
        """Where the configuration search starts."""
        first = next((f for f in self.files if f != "-"), None)
        if first is not None:
            return first
        return self.project_dir or os.getcwd()


@dataclass(frozen=True)
class LintOptions:
    """How to lint: configuration file, command-line selection, target, threshold."""

    #: ``--config FILE``: use this file instead of searching.
    config: str | None = None
    #: ``--isolated``: ignore every configuration file.
    isolated: bool = False
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    target: Runtime | None = None
    fail_on: Severity | None = None
    #: The rules to run (the registry when ``None``); for tests and embedding.
    rules: tuple[type[Rule], ...] | None = None


@dataclass(frozen=True)
class CheckOptions:
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    engine: str | None = None
    environ: Mapping[str, str] | None = None
    #: ``None`` for ``validate``: no rules, no lint configuration.
    lint: LintOptions | None = None


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: True when a finding is at or above its project's failure threshold.
    failed: bool = False
    #: The failure threshold used (the last project's, when they differ).
    fail_on: Severity = DEFAULT_FAIL_ON
    #: The runtime each project was linted for, by target label.
    runtimes: dict[str, Runtime] = field(default_factory=dict)

    @property
    def io_failed(self) -> bool:
        """True when a file could not be read at all (exit code 2)."""
        return any(d.origin == "io" for d in self.diagnostics)

    def worst(self) -> Severity | None:
        return max((d.severity for d in self.diagnostics), default=None)

    def extend(self, other: CheckResult) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.files.extend(f for f in other.files if f not in self.files)
        self.failed = self.failed or other.failed
        self.fail_on = other.fail_on
        self.runtimes.update(other.runtimes)


def resolve_targets(paths: Sequence[str], compose_files: Sequence[str]) -> list[Target]:
    """What to check. ``-f`` files form one project; each path is its own.

    A file path is a one-file project (as ``docker compose -f FILE``); a
    directory is the project Compose would find there, override file included.
    With nothing named, the current directory is searched as Compose does.
    """
    targets: list[Target] = []
    if compose_files:
        targets.append(Target(files=tuple(compose_files)))
    for p in paths:
        if os.path.isdir(p):
            targets.append(Target(project_dir=p))
        else:
            targets.append(Target(files=(p,)))
    if not targets:
        targets.append(Target(project_dir=None))
    return targets


def lint_config(target: Target, options: LintOptions,
                resolver: ConfigResolver | None = None) -> LintConfig:
    """The configuration for one target: the file found (or named), then the CLI on top.

    Raises :class:`~composekit.errors.ConfigError` for a bad configuration.
    """
    from composekit.lint.config import ConfigResolver

    resolver = resolver or ConfigResolver(explicit=options.config, isolated=options.isolated)
    base = resolver.for_path(target.start)
    return base.with_overrides(select=options.select, ignore=options.ignore,
                               extend_select=options.extend_select, target=options.target,
                               fail_on=options.fail_on)


def check_target(
    target: Target,
    options: CheckOptions,
    *,
    validate: bool = True,
    resolver: ConfigResolver | None = None,
    sources: Mapping[str, str] | None = None,
) -> CheckResult:
    """Load one project, validate each of its files and (for lint) run the rules.

    Raises :class:`~composekit.errors.ConfigError` when the lint configuration
    is invalid; every problem in the Compose files is a finding.
    """
    result, _project = _check(target, options, validate=validate, resolver=resolver,
                              sources=sources)
    return result


def _check(
    target: Target,
    options: CheckOptions,
    *,
    validate: bool,
    resolver: ConfigResolver | None,
    sources: Mapping[str, str] | None,
) -> tuple[CheckResult, Project | None]:
    config = lint_config(target, options.lint, resolver) if options.lint is not None else None
    environ = dict(os.environ if options.environ is None else options.environ)
    result = CheckResult()
    project, diags = _load(target, options, environ, sources)
    if project is None:
        result.files.extend(target.files)
        if config is not None:
            from composekit.lint.engine import apply_config

            diags = apply_config(diags, config)
        result.diagnostics.extend(diags)
        return _finish(result, config), None
    result.files.extend(project.files)
    formats: dict[str, FileFormat | None] = {}
    if validate:
        diags = diags + _validate_documents(project.documents.values(), options, formats)
    v1_files = {path for path, fmt in formats.items() if fmt is not None and fmt.version == "1"}
    if config is None:
        diags = for_declared_formats(diags, formats)
        result.diagnostics.extend(diags)
        return _finish(result, None, v1_files), project
    from composekit.lint.engine import default_target, lint_project
    from composekit.lint.rule import Runtime

    runtime = config.target or default_target(formats, project.main_file)
    if runtime is not Runtime.COMPOSE_V2:
        diags = for_declared_formats(diags, formats)
    lint = options.lint
    rules = lint.rules if lint is not None else None
    linted = lint_project(project, formats, diags, config=config, target=runtime, rules=rules)
    result.diagnostics.extend(linted.diagnostics)
    result.runtimes[target.label] = linted.target
    return _finish(result, config, v1_files), project


def _supports_sources() -> bool:
    from composekit.loader import load_project

    return "sources" in inspect.signature(load_project).parameters


def _load(target: Target, options: CheckOptions, environ: dict[str, str],
          sources: Mapping[str, str] | None) -> tuple[Project | None, list[Diagnostic]]:
    from composekit.loader import load_project

    kwargs: dict[str, Any] = {}
    if sources:
        # Texts to read instead of the files on disk (fix passes); needs a loader that
        # takes them, which :func:`fix_target` checks first.
        kwargs["sources"] = dict(sources)
    loaded: tuple[Project | None, list[Diagnostic]] = cast(Any, load_project)(
        target.files,
        project_dir=target.project_dir,
        env_files=options.env_files,
        environ=environ,
        profiles=options.profiles,
        **kwargs,
    )
    return loaded


def _validate_documents(documents: Sequence[YamlDocument] | Any, options: CheckOptions,
                        formats: dict[str, FileFormat | None]) -> list[Diagnostic]:
    from composekit.schema import engine_findings, validate_document
    from composekit.yaml_dialects import dialect_diagnostics

    out: list[Diagnostic] = []
    for doc in documents:
        fmt, diags = validate_document(doc)
        formats[doc.path] = fmt
        out.extend(diags)
        out.extend(dialect_diagnostics(doc.data, doc.path))
        if options.engine and fmt is not None:
            out.extend(engine_findings(fmt, options.engine, doc.path, _version_span(doc)))
    return out


def _version_span(doc: YamlDocument) -> Span:
    from composekit.yamlio import locate

    return locate(doc.data, ("version",))


#: The origin of the loader's findings that only Compose v2 makes: refusals that
#: neither docker-compose 1.x nor ``docker stack`` nor a 1/2.x/3.x schema makes
#: (see :mod:`composekit.loader`).
COMPOSE_V2_ONLY = "compose-v2"
#: How such a finding's message ends (the loader writes it so).
_V2_REFUSES = "Compose v2 refuses the file"


def for_declared_formats(diags: list[Diagnostic],
                         formats: Mapping[str, FileFormat | None]) -> list[Diagnostic]:
    """Judge each file by its own declared format: refusals only Compose v2 makes are warnings.

    Compose v2 ignores ``version:`` and reads every file as the Compose
    Specification; a 1/2.x/3.x file is valid when its own format accepts it.
    An error of origin :data:`COMPOSE_V2_ONLY` in such a file becomes a
    warning whose message says that Compose v2 refuses it. (``lint
    --target compose-v2`` keeps them errors: the target refuses the file.)
    """
    from composekit.catalog.versions import Family

    out: list[Diagnostic] = []
    for d in diags:
        fmt = formats.get(d.path)
        if (d.origin != COMPOSE_V2_ONLY or d.severity < Severity.ERROR or fmt is None
                or fmt.family is Family.SPEC):
            out.append(d)
            continue
        refuses = ("Compose v2 refuses this (it ignores `version:`), though file format "
                   f"{fmt.version} allows it")
        message = d.message
        if message.endswith(_V2_REFUSES):
            message = message[: -len(_V2_REFUSES)] + refuses
        else:
            message = f"{message}; {refuses}"
        out.append(replace(d, severity=Severity.WARNING, message=message))
    return out


#: Stages after the schema whose findings can echo a schema finding.
_ECHOING_STAGES = frozenset({"canonical", COMPOSE_V2_ONLY, "crossref", "extends", "include",
                             "load", "merge"})
#: The lint rule that reports what Compose v2's own schema refuses in a 2.x/3.x file.
_REJECTED_BY_TARGET_SCHEMA = "CK602"


def _within(inner: str, outer: str) -> bool:
    """Whether JSON path ``inner`` is ``outer`` or below it."""
    return inner == outer or inner.startswith((outer + ".", outer + "["))


def _file_json_path(d: Diagnostic, v1_files: Collection[str]) -> str:
    """Where a loader finding is in its file's own tree.

    The loader reports paths in the merged view (``$.services.app``); a version 1
    file has its services at the top level (``$.app``), as its schema findings say.
    """
    if d.path in v1_files and d.origin in _ECHOING_STAGES and _within(d.json_path, "$.services"):
        return "$" + d.json_path[len("$.services"):]
    return d.json_path


def drop_echoes(diags: list[Diagnostic], v1_files: Collection[str] = ()) -> list[Diagnostic]:
    """One finding per real problem: drop what a later stage says about a schema error.

    The loader reads what the schema refuses too (a bad duration, a string for a
    number, an ``extends`` without ``service``) and says so in its own words. When
    the schema already reported an error in the same file at that node or above
    it, or (with the same code) below it, the schema's finding is kept: it names
    the property and the version. ``v1_files`` are the version 1 files, whose
    services the loader's paths put under ``services``. A refusal only Compose v2
    makes is dropped too where ``rejected-by-target-schema`` (CK602) reports
    Compose v2's schema refusing the same node.
    """
    schema = [d for d in diags if (d.origin == "schema" and d.severity >= Severity.ERROR)
              or (d.origin == "lint" and d.code == _REJECTED_BY_TARGET_SCHEMA)]
    if not schema:
        return diags

    def echoes(d: Diagnostic) -> bool:
        if d.origin not in _ECHOING_STAGES:
            return False
        where = _file_json_path(d, v1_files)
        return any(
            s.path == d.path
            and (s.origin == "schema" or d.origin == COMPOSE_V2_ONLY)
            and (_within(where, s.json_path)
                 or (s.code == d.code and _within(s.json_path, where)))
            for s in schema)

    return [d for d in diags if not echoes(d)]


def _finish(result: CheckResult, config: LintConfig | None,
            v1_files: Collection[str] = ()) -> CheckResult:
    # One finding per (place, code, message): merged views can report twice.
    from composekit.lint.engine import sort_key

    result.diagnostics = sorted(drop_echoes(list(set(result.diagnostics)), v1_files),
                                key=sort_key)
    if config is None:
        result.fail_on = Severity.ERROR
    else:
        result.fail_on = config.fail_on or DEFAULT_FAIL_ON
    result.failed = any(d.severity >= result.fail_on for d in result.diagnostics)
    return result


def io_error(path: str, message: str) -> Diagnostic:
    return codes.make("io-error", path, Span(), message, origin="io")


# --------------------------------------------------------------------------
# Fixing
# --------------------------------------------------------------------------


@dataclass
class FixResult:
    """What :func:`fix_target` did."""

    #: The findings left after fixing (a fresh lint of the fixed files).
    check: CheckResult
    #: Each file that changed, with its original and fixed text.
    files: list[FileFix] = field(default_factory=list)
    #: Fixes that were not applied, as ``(finding, reason)``.
    refused: list[tuple[Diagnostic, str]] = field(default_factory=list)
    #: Problems that stopped a file from being written.
    errors: list[str] = field(default_factory=list)
    passes: int = 0
    #: True when more fixes would need another pass that could not run
    #: (``--diff`` with a loader that cannot read fixed texts from memory).
    incomplete: bool = False

    @property
    def applied(self) -> int:
        return sum(len(f.applied) for f in self.files)


def fix_target(
    target: Target,
    options: CheckOptions,
    *,
    write: bool,
    unsafe: bool = False,
    resolver: ConfigResolver | None = None,
    max_passes: int = MAX_FIX_PASSES,
) -> FixResult:
    """Lint ``target`` and apply every fix, pass after pass, until none is left.

    With ``write`` the fixed files are written atomically (a file that changed
    on disk meanwhile is left alone); without it nothing is written and the
    result holds the fixed texts (``--diff``). Only safe fixes are applied
    unless ``unsafe``. A file is never written when it does not parse, and a
    fix that would add an error to a file is refused.
    """
    from composekit.lint.fix import FileFix, StaleFileError, fix_text, fixable, write_atomic
    from composekit.loader.files import STDIN

    if options.lint is None:
        options = CheckOptions(env_files=options.env_files, profiles=options.profiles,
                               engine=options.engine, environ=options.environ,
                               lint=LintOptions())
    overlay_ok = _supports_sources()
    overlay: dict[str, str] = {}
    fixes: dict[str, FileFix] = {}
    refused: dict[tuple[Diagnostic, str], None] = {}
    outcome = FixResult(check=CheckResult())
    stale = False
    for _ in range(max_passes):
        result, project = _check(target, options, validate=True, resolver=resolver,
                                 sources=overlay if overlay_ok else None)
        outcome.check = result
        stale = False
        if project is None:
            break
        outcome.passes += 1
        changed = False
        pending = len(fixable(result.diagnostics, unsafe=unsafe))
        for path, doc in project.documents.items():
            if path == STDIN:
                continue
            new, applied, bad = fix_text(doc.text, path, result.diagnostics, unsafe=unsafe)
            pending -= len(applied) + len(bad)
            for item in bad:
                refused[item] = None
            if new == doc.text:
                continue
            record = fixes.setdefault(path, FileFix(path, original=doc.text, fixed=doc.text))
            record.fixed = new
            record.applied.extend(applied)
            changed = True
            if overlay_ok:
                overlay[path] = new
            elif write:
                try:
                    write_atomic(path, doc.text, new)
                except (StaleFileError, OSError) as exc:
                    outcome.errors.append(f"{path}: not written: {exc}")
                    record.fixed = doc.text
                    changed = False
                    break
        if not changed:
            break
        stale = True
        if not overlay_ok and not write:
            outcome.incomplete = pending > 0
            break
    if stale and (overlay_ok or write):
        outcome.check, _ = _check(target, options, validate=True, resolver=resolver,
                                  sources=overlay if overlay_ok else None)
    if write and overlay_ok:
        for record in fixes.values():
            if not record.changed:
                continue
            try:
                write_atomic(record.path, record.original, record.fixed)
            except (StaleFileError, OSError) as exc:
                outcome.errors.append(f"{record.path}: not written: {exc}")
    outcome.files = [f for f in fixes.values() if f.changed]
    outcome.refused = list(refused)
    return outcome
