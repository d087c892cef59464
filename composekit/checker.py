"""The lint and validate pipeline, separate from the CLI that drives it.

``resolve_targets`` turns what the user named (files, directories, ``-f``)
into projects to check; ``check_target`` loads one project, validates each of
its files against the schema of its own file-format version, and returns every
finding. Nothing here prints or exits.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span


@dataclass(frozen=True)
class Target:
    """One Compose project to check: explicit files, or a directory to search."""

    files: tuple[str, ...] = ()
    project_dir: str | None = None

    @property
    def label(self) -> str:
        return ", ".join(self.files) if self.files else (self.project_dir or ".")


@dataclass(frozen=True)
class CheckOptions:
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    engine: str | None = None
    environ: Mapping[str, str] | None = None


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def io_failed(self) -> bool:
        """True when a file could not be read at all (exit code 2)."""
        return any(d.origin == "io" for d in self.diagnostics)

    def worst(self) -> Severity | None:
        return max((d.severity for d in self.diagnostics), default=None)

    def extend(self, other: CheckResult) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.files.extend(f for f in other.files if f not in self.files)


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


def check_target(target: Target, options: CheckOptions, *, validate: bool = True) -> CheckResult:
    """Load one project and validate each of its files; collect every finding."""
    from composekit.loader import load_project

    environ = dict(os.environ if options.environ is None else options.environ)
    result = CheckResult()
    project, diags = load_project(
        target.files,
        project_dir=target.project_dir,
        env_files=options.env_files,
        environ=environ,
        profiles=options.profiles,
    )
    result.diagnostics.extend(diags)
    if project is None:
        result.files.extend(target.files)
        return _finish(result)
    result.files.extend(project.files)
    if validate:
        result.diagnostics.extend(_validate_documents(project.documents.values(), options))
    return _finish(result)


def _validate_documents(documents: object, options: CheckOptions) -> list[Diagnostic]:
    from composekit.schema import engine_findings, validate_document
    from composekit.yaml_dialects import check_dialects

    out: list[Diagnostic] = []
    for doc in documents:  # type: ignore[attr-defined]
        fmt, diags = validate_document(doc)
        out.extend(diags)
        out.extend(check_dialects(doc, fmt))
        if options.engine and fmt is not None:
            out.extend(engine_findings(fmt, options.engine, doc.path, _version_span(doc)))
    return out


def _version_span(doc: object) -> Span:
    from composekit.yamlio import locate

    return locate(getattr(doc, "data", None), ("version",))


def _finish(result: CheckResult) -> CheckResult:
    # One finding per (place, code, message): merged views can report twice.
    result.diagnostics = sorted(set(result.diagnostics))
    return result


def io_error(path: str, message: str) -> Diagnostic:
    return codes.make("io-error", path, Span(), message, origin="io")
