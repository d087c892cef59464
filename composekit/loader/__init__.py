"""Loading a Compose project the way Compose v2 does, keeping every origin.

:func:`load_project` finds the files (``-f``, ``COMPOSE_FILE``, or the default
names and the override file), reads the project's variables (``.env``),
interpolates each file, resolves ``extends`` and ``include``, merges the files
with Compose's own rules, applies profiles, and returns a
:class:`~composekit.loader.project.Project` whose ``config`` has the shape
``docker compose config --format json`` prints and whose ``origins`` point
each part back to the file, line and column it came from.

It never raises for bad input: every problem is a
:class:`~composekit.diagnostics.Diagnostic`, and the project is ``None`` only
when nothing usable could be read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from composekit import codes
from composekit.diagnostics import Diagnostic, Span, json_path
from composekit.loader.extends import ExtendsResolver
from composekit.loader.files import (
    STDIN,
    TOP_LEVEL_KEYS,
    FileReader,
    as_services,
    find_compose_files,
    is_legacy_v1,
    is_valid_project_name,
    no_files_diagnostic,
    normalize_project_name,
    select_files,
)
from composekit.loader.include import IncludeResolver
from composekit.loader.merge import MergeContext, Node, flatten, merge_file
from composekit.loader.project import KeyPath, Origin, Project
from composekit.yamlio import locate

__all__ = [
    "TOP_LEVEL_KEYS",
    "Origin",
    "Project",
    "as_services",
    "find_compose_files",
    "is_legacy_v1",
    "load_project",
]


def load_project(
    files: Sequence[str] = (),
    *,
    project_dir: str | None = None,
    env_files: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
    project_name: str | None = None,
    interpolate: bool = True,
) -> tuple[Project | None, list[Diagnostic]]:
    """Load a project like ``docker compose [-f FILE...] config`` does.

    ``files`` are the ``-f`` files (``-`` reads standard input); when empty,
    ``COMPOSE_FILE`` or the default file names are used, searched from
    ``project_dir`` (or the current directory) upwards. ``env_files`` replace
    the project's ``.env`` (``--env-file``). ``environ`` is the process
    environment (``os.environ`` when ``None``). ``profiles`` are the active
    profiles (``--profile``; ``COMPOSE_PROFILES`` when empty).
    """
    base_environ = dict(os.environ if environ is None else environ)
    return _Loader(
        files=files,
        project_dir=project_dir,
        env_files=env_files,
        environ=base_environ,
        profiles=profiles,
        project_name=project_name,
        interpolate=interpolate,
    ).load()


class _Loader:
    """One run of :func:`load_project`."""

    def __init__(self, *, files: Sequence[str], project_dir: str | None,
                 env_files: Sequence[str], environ: dict[str, str], profiles: Sequence[str],
                 project_name: str | None, interpolate: bool) -> None:
        self.files = list(files)
        self.project_dir = project_dir
        self.env_files = list(env_files)
        self.environ = environ
        self.profiles = list(profiles)
        self.project_name = project_name
        self.diagnostics: list[Diagnostic] = []
        stdin = sys.stdin.read() if STDIN in self.files and not sys.stdin.closed else None
        self.reader = FileReader(interpolate=interpolate, stdin=stdin, cwd=os.getcwd())
        self.ctx = MergeContext()
        self.extends = ExtendsResolver(self.reader, self.environ, self.ctx)
        self.include = IncludeResolver(self._load_included)

    # -- the whole load --------------------------------------------------------

    def load(self) -> tuple[Project | None, list[Diagnostic]]:
        cwd = os.getcwd()
        env = self.environ
        if not self.files and not self.project_dir:
            # Compose reads the current directory's .env first (it may set
            # COMPOSE_FILE), then the project directory's once it is known.
            env = self._resolve_env(cwd, env, self.env_files)
        selection = select_files(self.files, project_dir=self.project_dir, environ=env, cwd=cwd)
        self.diagnostics.extend(selection.diagnostics)
        if not selection.files:
            start = os.path.abspath(self.project_dir) if self.project_dir else cwd
            self.diagnostics.append(no_files_diagnostic(start))
            return None, self._finish()
        self.reader.name_files(selection.files, selection.given)
        working_dir = selection.project_dir
        env = self._resolve_env(working_dir, env, self.env_files)
        name = self._project_name(selection.files, working_dir, env)
        env = {**env, "COMPOSE_PROJECT_NAME": name}
        model = self.load_model(selection.files, working_dir, env, ())
        if model is None:
            return None, self._finish()
        self.extends.environ = env
        plain, origins = flatten(model)
        if not isinstance(plain, dict):  # pragma: no cover - files are mappings
            return None, self._finish()
        plain.pop("name", None)
        active = self._active_profiles(env)
        project = Project(
            name=name,
            working_dir=working_dir,
            files=list(self.reader.files),
            documents=dict(self.reader.documents),
            config=plain,
            origins=origins,
            environment=env,
            profiles=active,
        )
        self._disabled(project, plain, active)
        self._check_references(project, plain, active)
        self._canonicalize(project, plain, active)
        return project, self._finish()

    def _finish(self) -> list[Diagnostic]:
        found = (self.diagnostics + self.reader.diagnostics + self.ctx.diagnostics
                 + self.extends.diagnostics + self.include.diagnostics)
        return sorted(set(found))

    # -- files, merged -----------------------------------------------------------

    def load_model(self, files: Sequence[str], working_dir: str, env: Mapping[str, str],
                   chain: Sequence[str]) -> Node | None:
        """Read ``files`` and merge them: one project's (or included project's) model."""
        acc: Node | None = None
        saved = self.extends.environ
        self.extends.environ = env
        try:
            for path in files:
                parsed = self.reader.read(path, env)
                if parsed is None:
                    continue
                node, resets = parsed.node, parsed.resets
                if is_legacy_v1(node):
                    self._legacy_v1(node, parsed.document.path)
                    node = as_services(node)
                    resets = [("services", *r) for r in resets]
                self.extends.apply(node, filename=path, working_dir=working_dir, resets=resets)
                self.include.apply(node, working_dir=working_dir, environ=env,
                                   chain=[*chain, path])
                acc = merge_file(acc, node, resets, self.ctx)
                if isinstance(acc.value, dict):
                    acc.value.pop("version", None)
        finally:
            self.extends.environ = saved
        return acc

    def _legacy_v1(self, node: Node, path: str) -> None:
        assert isinstance(node.value, dict)
        first = next(iter(node.value.values()))
        span = first.origin.key_or_value if first.origin else Span()
        self.diagnostics.append(codes.make(
            "legacy-v1-format", path, span,
            "version 1 file format (services at the top level): docker-compose 1.x reads "
            "it, Compose v2 refuses it; composekit reads the top-level keys as services",
            help="move the services under 'services:' (composekit convert does it)",
            origin="load"))

    def _load_included(self, files: Sequence[str], working_dir: str,
                       env: Mapping[str, str], chain: Sequence[str]) -> Node | None:
        return self.load_model(files, working_dir, env, chain)

    # -- environment, name, profiles --------------------------------------------

    def _resolve_env(self, directory: str, environ: Mapping[str, str],
                     env_files: Sequence[str]) -> dict[str, str]:
        from composekit.loader.envfile import resolve_environment

        env, diags = resolve_environment(directory, env_files=tuple(env_files),
                                         environ=environ)
        self.diagnostics.extend(diags)
        return {k: v for k, v in dict(env).items() if v is not None}

    def _project_name(self, files: Sequence[str], working_dir: str,
                      env: Mapping[str, str]) -> str:
        explicit = self.project_name
        source = "--project-name"
        if not explicit and env.get("COMPOSE_PROJECT_NAME"):
            explicit, source = env["COMPOSE_PROJECT_NAME"], "COMPOSE_PROJECT_NAME"
        if explicit:
            if is_valid_project_name(explicit):
                return explicit
            fixed = normalize_project_name(explicit) or "default"
            self.diagnostics.append(codes.make(
                "invalid-project-name", files[0] if files else working_dir, Span(),
                f"invalid project name {explicit!r} (from {source}): it must consist only "
                "of lower-case letters, digits, '-' and '_', and start with a letter or digit",
                help=f"use {fixed!r}", origin="load"))
            return fixed
        from_file: str | None = None
        where: tuple[str, Span] | None = None
        for path in files:
            doc = self.reader.parse(path)
            if doc is None or not hasattr(doc.data, "get"):
                continue
            raw = doc.data.get("name")
            if raw is not None and str(raw) != "":
                from_file = str(raw)
                where = (path, locate(doc.data, ("name",)))
        if from_file is not None:
            value = interpolate_string(from_file, env) if self.reader.interpolate else from_file
            name = normalize_project_name(value)
            if name:
                return name
        name = normalize_project_name(os.path.basename(working_dir.rstrip("/")))
        if not name and any(self.reader.parse(p) is not None for p in files):
            # (A file that could not be read is reported already; no name finding on top.)
            path, span = where if where else (files[0], Span())
            self.diagnostics.append(codes.make(
                "invalid-project-name", path, span,
                "project name must not be empty: the directory name "
                f"{os.path.basename(working_dir)!r} has no usable character",
                help="set 'name:' in the Compose file or use --project-name", origin="load"))
            return "default"
        return name

    def _active_profiles(self, env: Mapping[str, str]) -> list[str]:
        if self.profiles:
            return [p for p in self.profiles if p]
        return [p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()]

    def _disabled(self, project: Project, plain: dict[str, Any], active: list[str]) -> None:
        from composekit.loader.canonical import is_service_enabled

        services = plain.get("services")
        if not isinstance(services, dict):
            return
        for name, svc in services.items():
            if isinstance(svc, dict) and not is_service_enabled(svc, active):
                project.disabled_services[name] = svc

    # -- checks and the canonical form ---------------------------------------------

    def _origin_fn(self, project: Project) -> Any:
        fallback = project.main_file or project.working_dir

        def origin(path: KeyPath) -> tuple[str, Span]:
            found = project.origin(path)
            if found is None:
                return fallback, Span()
            if found.key is not None and found.span.line > found.key.line:
                # A block mapping or sequence starts on the line after its key: a
                # finding about the whole node belongs at the key, not at its first child.
                return found.path, found.key
            return found.path, found.span

        return origin

    def _check_references(self, project: Project, plain: dict[str, Any],
                          active: list[str]) -> None:
        try:
            from composekit.loader.crossref import check_references
        except ImportError:  # pragma: no cover - crossref is part of composekit
            return
        # extends=False: the resolver reported every extends it could not resolve
        self.diagnostics.extend(check_references(plain, self._origin_fn(project),
                                                 profiles=active, extends=False))

    def _canonicalize(self, project: Project, plain: dict[str, Any],
                      active: list[str]) -> None:
        try:
            from composekit.loader.canonical import canonicalize
        except ImportError:  # pragma: no cover - canonical is part of composekit
            return
        # canonicalize reads every shape (it skips what the schema findings report)
        config, diags = canonicalize(
            plain,
            project_name=project.name,
            working_dir=project.working_dir,
            environ=project.environment,
            profiles=active,
            origin=self._origin_fn(project),
        )
        project.config = config
        self.diagnostics.extend(diags)


def interpolate_string(value: str, environ: Mapping[str, str]) -> str:
    """Interpolate one string (the project ``name``) with ``environ``."""
    try:
        from composekit.loader.interpolate import interpolate_string as interp
    except ImportError:  # pragma: no cover - interpolate is part of composekit
        return value
    return interp(value, environ).value


def describe(path: KeyPath) -> str:
    return json_path(path)
