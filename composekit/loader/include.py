"""Top-level ``include``: other Compose projects imported into this one.

Compose v2's rules (``docker compose`` 2.40, checked by experiment):

* An entry is a path (``- ../db/compose.yaml``) or a mapping with ``path`` (a
  path or a list, the later files overriding the first), ``project_directory``
  and ``env_file``. Paths are relative to the including project's directory.
* The included project is loaded on its own: its directory is
  ``project_directory`` (default: the first file's directory), its relative
  paths are resolved there, and it is interpolated with the including
  project's variables completed (never overridden) by its ``env_file``
  (default: the ``.env`` in its directory).
* Its services, networks, volumes, secrets and configs are added to the file
  that includes it. A resource defined both there and in the included project
  is an error (``include-error``), unless both definitions are identical.
  A later ``-f`` file can still override an included service.
* A project that includes itself, directly or not, is an error.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from composekit import codes
from composekit.diagnostics import Diagnostic, Span, json_path
from composekit.loader.extends import absolute_path, resolve_relative_paths
from composekit.loader.merge import BARE, Node
from composekit.loader.project import KeyPath, relative_to_file

#: The sections an included project contributes.
RESOURCES = ("services", "volumes", "networks", "secrets", "configs", "models")

#: ``load_model(files, working_dir, environ, chain) -> model or None``
LoadModel = Callable[[Sequence[str], str, Mapping[str, str], Sequence[str]], "Node | None"]


@dataclass
class IncludeEntry:
    """One ``include`` item, its paths resolved."""

    paths: list[str]
    project_directory: str
    env_files: list[str]
    node: Node


@dataclass
class IncludeResolver:
    """Imports the projects a file includes into that file's tree."""

    load_model: LoadModel
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def apply(self, cfg: Node, *, working_dir: str, environ: Mapping[str, str],
              chain: Sequence[str]) -> None:
        """Replace ``cfg``'s ``include`` with the resources it imports."""
        if not isinstance(cfg.value, dict):
            return
        inc = cfg.value.pop("include", None)
        if inc is None or inc.value is None:
            return
        if not isinstance(inc.value, list):
            self._error(inc, ("include",), "`include` must be a list")
            return
        for index, item in enumerate(inc.value):
            entry = self._entry(item, index, working_dir, environ)
            if entry is None:
                continue
            if entry.paths[0] in chain:
                cycle = " -> ".join([*chain, entry.paths[0]])
                self._error(item, ("include", index),
                            f"include cycle detected: {cycle}",
                            help="a project cannot include itself, directly or not")
                continue
            env = self._environment(entry, item, index, environ)
            if env is None:
                continue
            model = self.load_model(entry.paths, entry.project_directory, env,
                                    [*chain, entry.paths[0]])
            if model is None:
                self._error(item, ("include", index),
                            f"included project {entry.paths[0]} cannot be loaded "
                            "(see the findings for its files)")
                continue
            resolve_relative_paths(model, entry.project_directory, env)
            for name, config in resolve_service_environment(model, env):
                where = config.origin
                self.diagnostics.append(codes.make(
                    "include-error", where.path if where else entry.paths[0],
                    where.key_or_value if where else Span(),
                    f"configs.{name}: file|environment|content attributes are mutually "
                    "exclusive: Compose fills 'content' from the variable for an included "
                    "project, then refuses the config",
                    json_path=json_path(("configs", name)),
                    help="declare the config in the including project, or use 'file:'",
                    origin="include"))
            self._import(model, cfg, item, entry)

    # -- one entry -----------------------------------------------------------

    def _entry(self, item: Node, index: int, working_dir: str,
               environ: Mapping[str, str]) -> IncludeEntry | None:
        where: KeyPath = ("include", index)
        if isinstance(item.value, str):
            raw_paths, pdir, env_files = [item], None, []
        elif isinstance(item.value, dict):
            p = item.value.get("path")
            if p is None:
                self._error(item, where, "include entry has no 'path'")
                return None
            raw_paths = p.value if isinstance(p.value, list) else [p]
            pd = item.value.get("project_directory")
            pdir = pd.value if pd is not None and isinstance(pd.value, str) else None
            ef = item.value.get("env_file")
            env_files = [] if ef is None else (ef.value if isinstance(ef.value, list) else [ef])
        else:
            self._error(item, where, "include entry must be a path or a mapping")
            return None
        paths: list[str] = []
        for raw in raw_paths:
            if not isinstance(raw.value, str) or not raw.value:
                self._error(raw, where, "include path must be a non-empty string")
                return None
            if "://" in raw.value or raw.value.startswith(("git@", "oci:")):
                self._error(raw, where,
                            f"remote include {raw.value} is not supported by composekit",
                            help="vendor the project locally to lint it")
                return None
            path = absolute_path(raw.value, working_dir, environ)
            if not os.path.isfile(path):
                reason = "is a directory" if os.path.isdir(path) else "no such file"
                self._error(raw, where, f"cannot include {raw.value}: {path}: {reason}",
                            help="include paths are relative to the project directory")
                return None
            paths.append(path)
        if not paths:
            self._error(item, where, "include entry has no path")
            return None
        project_dir = (absolute_path(pdir, working_dir, environ) if pdir
                       else os.path.dirname(paths[0]))
        files: list[str] = []
        for raw in env_files:
            if not isinstance(raw.value, str):
                continue
            files.append(absolute_path(raw.value, working_dir, environ))
        entry = IncludeEntry(paths, project_dir, files, item)
        entry.env_files = files if env_files else self._default_env(project_dir)
        return entry

    @staticmethod
    def _default_env(project_dir: str) -> list[str]:
        dotenv = os.path.join(project_dir, ".env")
        return [dotenv] if os.path.isfile(dotenv) else []

    def _environment(self, entry: IncludeEntry, item: Node, index: int,
                     environ: Mapping[str, str]) -> dict[str, str] | None:
        """The including project's variables, completed by the entry's env files."""
        from_files: dict[str, str] = {}
        for path in entry.env_files:
            if path == "/dev/null":
                continue
            if not os.path.isfile(path):
                self._error(item, ("include", index, "env_file"),
                            f"env file {path} not found" if not os.path.isdir(path)
                            else f"{path} is not a file")
                return None
            values, diags = read_env_file(path, ChainMap(from_files, dict(environ)))
            self.diagnostics.extend(diags)
            from_files.update({k: v for k, v in values.items() if v is not None})
        return {**from_files, **environ}

    def _import(self, model: Node, cfg: Node, item: Node, entry: IncludeEntry) -> None:
        assert isinstance(cfg.value, dict)
        if not isinstance(model.value, dict):
            return
        for section in RESOURCES:
            source = model.value.get(section)
            if source is None or not isinstance(source.value, dict):
                continue
            target = cfg.value.get(section)
            if target is None or not isinstance(target.value, dict):
                target = Node({}, source.origin)
                cfg.value[section] = target
            assert isinstance(target.value, dict)
            for name, res in source.value.items():
                existing = target.value.get(name)
                if existing is None:
                    target.value[name] = res
                    continue
                if existing.plain() == res.plain():
                    continue
                self._conflict(section, name, existing, res, entry)

    # -- findings ------------------------------------------------------------

    def _conflict(self, section: str, name: str, existing: Node, imported: Node,
                  entry: IncludeEntry) -> None:
        here = existing.origin
        there = imported.origin
        where, span = (here.path, here.key_or_value) if here else ("<unknown>", Span())
        other = (f"{relative_to_file(there.path, where)}:{there.key_or_value.line}" if there
                 else relative_to_file(entry.paths[0], where))
        kind = section[:-1] if section.endswith("s") else section
        self.diagnostics.append(codes.make(
            "include-error", where, span,
            f"{section}.{name} conflicts with imported resource: {kind} {name!r} is also "
            f"defined by included project {other}; Compose refuses the project",
            json_path=json_path((section, name)),
            help=f"rename one of them, or override the included {kind} from a later -f file",
            origin="include"))

    def _error(self, node: Node, path: KeyPath, message: str, *,
               help: str | None = None) -> None:
        origin = node.origin
        where, span = (origin.path, origin.span) if origin else ("<unknown>", Span())
        self.diagnostics.append(codes.make(
            "include-error", where, span, message, json_path=json_path(path), help=help,
            origin="include"))


def read_env_file(path: str, lookup: Mapping[str, str]
                  ) -> tuple[dict[str, str], list[Diagnostic]]:
    """Read an env file with the project's env-file reader."""
    from composekit.loader.envfile import load_env_file

    values, diags = load_env_file(path, lookup=lookup)
    return dict(values), list(diags)


def resolve_service_environment(model: Node, environ: Mapping[str, str]
                                ) -> list[tuple[str, Node]]:
    """Give an included project's ``[KEY]`` entries their value from its variables.

    Compose does this for each included project, with that project's
    variables, before importing it: only for ``environment`` entries written
    in list form without ``=`` (or merged from several files, which Compose
    does as lists), and for configs taken from an ``environment`` variable
    (returned: Compose then refuses them, having both ``environment`` and
    ``content``). Other unset entries are resolved later with the including
    project's variables.
    """
    filled: list[tuple[str, Node]] = []
    if not isinstance(model.value, dict):
        return filled
    services = model.value.get("services")
    if services is not None and isinstance(services.value, dict):
        for svc in services.value.values():
            env = svc.get("environment")
            if env is None or not isinstance(env.value, dict):
                continue
            for key, value in env.value.items():
                if value.value is None and value.tag == BARE and key in environ:
                    value.value = environ[key]
                    value.tag = None
    configs = model.value.get("configs")
    if configs is not None and isinstance(configs.value, dict):
        for name, config in configs.value.items():
            var = config.get("environment")
            if var is not None and isinstance(var.value, str) and var.value in environ \
                    and isinstance(config.value, dict):
                config.value["content"] = Node(environ[var.value], var.origin)
                filled.append((name, config))
    return filled
