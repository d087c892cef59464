"""``extends``: a service built on another one, in the same file or another.

Compose v2's rules (compose-go's loader as in ``docker compose`` 2.40, checked
by experiment):

* ``extends: NAME`` or ``extends: {service: NAME, file: PATH}``. The base is
  resolved first (chains work), then copied and the extending service merged
  over it with the same rules as an override file (:mod:`.merge`), ``!reset``
  and ``!override`` included.
* Everything is inherited, ``depends_on`` and ``volumes_from`` too (Compose
  v2 no longer drops them, unlike v1).
* ``file:`` is relative to the project directory for the project's own files
  (not to the file that says ``extends``, a Compose quirk), and relative to
  the extended file's directory inside an extended file.
* Relative paths inside an extended file (build context, bind mounts,
  ``env_file``, secret and config files, ...) are rebased on that file's
  directory; the extended file is interpolated with the project's variables.
* A chain that comes back to a service it already passed through is a cycle
  (``dependency-cycle``); a missing file or service is an ``extends-error``.
  A service whose ``extends`` fails keeps its ``extends`` key in the merged
  configuration (and so do the services built on it), unresolved.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span, json_path
from composekit.loader.files import FileReader
from composekit.loader.merge import (
    MergeContext,
    Node,
    apply_resets,
    merge_file,
    merge_nodes,
)
from composekit.loader.project import KeyPath, Origin

_REMOTE_PREFIXES = ("https://", "http://", "git://", "ssh://", "github.com/", "git@")


@dataclass
class _Scope:
    """Where a set of services was read: its file and the directory for ``file:``."""

    filename: str
    working_dir: str
    services: Node
    resets: Sequence[KeyPath] = ()


@dataclass
class ExtendsResolver:
    """Resolves every ``extends`` of one file's services, in place."""

    reader: FileReader
    environ: Mapping[str, str]
    ctx: MergeContext
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Services (file, name) whose ``extends`` could not be resolved.
    _failed: set[tuple[str, str]] = field(default_factory=set)

    def apply(self, cfg: Node, *, filename: str, working_dir: str,
              resets: Sequence[KeyPath] = ()) -> None:
        """Resolve the ``extends`` of each service of ``cfg`` (a file's tree)."""
        services = cfg.get("services")
        if services is None or not isinstance(services.value, dict):
            return
        scope = _Scope(filename, working_dir, services, resets)
        for name in list(services.value):
            self._resolve(name, scope, ())

    # -- one service ---------------------------------------------------------

    def _resolve(self, name: str, scope: _Scope, chain: tuple[tuple[str, str], ...]) -> Node | None:
        """Resolve the ``extends`` of service ``name`` of ``scope``, in place.

        A service whose ``extends`` cannot be resolved (reported once) keeps its
        ``extends`` key, and so does every service built on it: the merged
        configuration shows the failure, and the checks after the loader do not
        report what the base would have given (an image, a build) as missing.
        """
        assert isinstance(scope.services.value, dict)
        svc: Node | None = scope.services.value.get(name)
        if svc is None or svc.value is None:
            return None
        if not isinstance(svc.value, dict):
            return svc
        ext = svc.value.get("extends")
        if ext is None or (scope.filename, name) in self._failed:
            return svc
        ref, file = self._reference(name, ext, scope)
        if ref is None:
            return self._unresolved(svc, scope, name)
        target = scope
        if file is not None:
            loaded = self._load_file(name, ref, file, ext, scope)
            if loaded is None:
                return self._unresolved(svc, scope, name)
            target = loaded
        else:
            assert isinstance(scope.services.value, dict)
            if ref not in scope.services.value:
                at = ext.get("service") or ext
                here = os.path.basename(scope.filename)
                self._error(at, ("services", name, "extends"),
                            f"cannot extend service {name!r} in {here}: "
                            f"service {ref!r} not found",
                            help="name a service defined in this file, or add 'file:'")
                return self._unresolved(svc, scope, name)
        link = (target.filename, name)
        if link in chain:
            self._cycle(name, ext, (*chain, link))
            return self._unresolved(svc, scope, name)
        base = self._resolve(ref, target, (*chain, link))
        if base is None:
            del svc.value["extends"]
            return svc
        if isinstance(base.value, dict) and "extends" in base.value:
            return self._unresolved(svc, scope, name)  # the base's failure is reported
        source = base.clone()
        wrapper = Node({"services": Node({name: source})})
        apply_resets(wrapper, scope.resets)
        if not isinstance(source.value, dict):
            del svc.value["extends"]
            return svc
        merged = merge_nodes(source, svc, ("services", "x"), self.ctx)
        if isinstance(merged.value, dict):
            merged.value.pop("extends", None)
        merged.origin = svc.origin
        scope.services.value[name] = merged
        return merged

    def _unresolved(self, svc: Node, scope: _Scope, name: str) -> Node:
        self._failed.add((scope.filename, name))
        return svc

    def _reference(self, name: str, ext: Node, scope: _Scope) -> tuple[str | None, str | None]:
        if isinstance(ext.value, str):
            return ext.value, None
        if isinstance(ext.value, dict):
            service = ext.value.get("service")
            file = ext.value.get("file")
            if service is None or not isinstance(service.value, str):
                self._error(ext, ("services", name, "extends"),
                            f"extends.{name}.service is required",
                            help="write extends: {service: NAME} or extends: NAME")
                return None, None
            file_value = file.value if file is not None else None
            return service.value, file_value if isinstance(file_value, str) else None
        self._error(ext, ("services", name, "extends"),
                    f"services.{name}.extends must be a service name or a mapping")
        return None, None

    def _load_file(self, name: str, ref: str, file: str, ext: Node,
                   scope: _Scope) -> _Scope | None:
        if file.startswith(_REMOTE_PREFIXES) or "://" in file:
            self._error(ext, ("services", name, "extends", "file"),
                        f"cannot extend service {name!r}: remote file {file} is not supported "
                        "by composekit", severity_warning=True)
            return None
        path = absolute_path(file, scope.working_dir, self.environ)
        if not os.path.isfile(path):
            reason = "is a directory" if os.path.isdir(path) else "no such file"
            self._error(ext, ("services", name, "extends", "file"),
                        f"cannot extend service {name!r}: cannot read {file} ({path}: {reason})",
                        help="extends.file is relative to the project directory")
            return None
        parsed = self.reader.read(path, self.environ)
        if parsed is None:
            self._error(ext, ("services", name, "extends", "file"),
                        f"cannot extend service {name!r}: {file} cannot be loaded "
                        "(see the findings for that file)")
            return None
        model = merge_file(None, parsed.node, parsed.resets, self.ctx)
        base_dir = os.path.dirname(path)
        resolve_relative_paths(model, base_dir, self.environ)
        services = model.get("services")
        if services is None or not isinstance(services.value, dict):
            self._error(ext, ("services", name, "extends"),
                        f"cannot extend service {name!r} in {path}: no services section")
            return None
        if ref not in services.value:
            at = ext.get("service") or ext
            self._error(at, ("services", name, "extends", "service"),
                        f"cannot extend service {name!r} in {os.path.basename(scope.filename)}: "
                        f"service {ref!r} not found in {file}",
                        help=f"services in {file}: {', '.join(sorted(services.value)) or 'none'}")
            return None
        return _Scope(path, base_dir, services, parsed.resets)

    # -- findings ------------------------------------------------------------

    def _error(self, node: Node, path: KeyPath, message: str, *, help: str | None = None,
               severity_warning: bool = False) -> None:
        origin = node.origin
        where, span = ("<unknown>", Span())
        if origin is not None:
            # a name or path points at its value, a block at its key
            scalar = not isinstance(node.value, dict | list)
            where, span = origin.path, origin.span if scalar else origin.key_or_value

        self.diagnostics.append(codes.make(
            "extends-error", where, span, message, json_path=json_path(path), help=help,
            severity=Severity.WARNING if severity_warning else None, origin="extends"))

    def _cycle(self, name: str, ext: Node, chain: tuple[tuple[str, str], ...]) -> None:
        origin: Origin | None = ext.origin
        where, span = (origin.path, origin.key_or_value) if origin else ("<unknown>", Span())
        first_file, first = chain[0]
        steps = [f"{first} in {os.path.basename(first_file)}"]
        steps.extend(f"extends {svc} in {os.path.basename(file)}" for file, svc in chain[1:])
        self.diagnostics.append(codes.make(
            "dependency-cycle", where, span,
            "circular extends: " + ", ".join(steps),
            json_path=json_path(("services", name, "extends")),
            help="break the chain: a service cannot extend itself, directly or not",
            origin="extends"))


# --------------------------------------------------------------------------
# Paths relative to another directory
# --------------------------------------------------------------------------


def expand_user(path: str, environ: Mapping[str, str]) -> str:
    if path == "~" or path.startswith("~/"):
        home = environ.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


def _is_windows_abs(path: str) -> bool:
    return (len(path) > 2 and path[0].isalpha() and path[1] == ":" and path[2] in "\\/") \
        or path.startswith("\\\\")


def absolute_path(path: str, base: str, environ: Mapping[str, str]) -> str:
    """``path`` made absolute against ``base`` (``~`` expanded), as Compose does."""
    path = expand_user(path, environ)
    if posixpath.isabs(path) or _is_windows_abs(path) or path == "":
        return path
    return posixpath.normpath(posixpath.join(base, path))


def _is_remote_context(context: str) -> bool:
    return "://" in context or context.startswith(_REMOTE_PREFIXES) \
        or context.startswith("service:")


def resolve_relative_paths(model: Node, base: str, environ: Mapping[str, str]) -> None:
    """Make the host paths of a model read from another directory absolute.

    The paths Compose resolves: build contexts and additional contexts,
    ``env_file`` and ``label_file``, ``extends.file``, ``develop.watch`` paths,
    bind-mount sources, secret and config ``file``, and the ``device`` of a
    local volume bound to a host directory.
    """
    if not isinstance(model.value, dict):
        return

    def fix(node: Node | None) -> None:
        if node is not None and isinstance(node.value, str) and node.value:
            node.value = absolute_path(node.value, base, environ)

    def fix_context(node: Node | None) -> None:
        if node is not None and isinstance(node.value, str) and not _is_remote_context(node.value):
            fix(node)

    services = model.value.get("services")
    if services is not None and isinstance(services.value, dict):
        for svc in services.value.values():
            if not isinstance(svc.value, dict):
                continue
            s = svc.value
            build = s.get("build")
            if build is not None and isinstance(build.value, dict):
                fix_context(build.value.get("context"))
                extra = build.value.get("additional_contexts")
                if extra is not None and isinstance(extra.value, dict):
                    for ctx in extra.value.values():
                        fix_context(ctx)
            elif build is not None and isinstance(build.value, str):
                fix_context(build)
            for key in ("env_file", "label_file"):
                files = s.get(key)
                if files is None:
                    continue
                items = files.value if isinstance(files.value, list) else [files]
                for item in items:
                    if isinstance(item.value, dict):
                        fix(item.value.get("path"))
                    else:
                        fix(item)
            ext = s.get("extends")
            if ext is not None and isinstance(ext.value, dict):
                file = ext.value.get("file")
                if file is not None and isinstance(file.value, str) \
                        and "://" not in file.value:
                    fix(file)
            develop = s.get("develop")
            watch = develop.get("watch") if develop is not None else None
            if watch is not None and isinstance(watch.value, list):
                for rule in watch.value:
                    fix(rule.get("path"))
            volumes = s.get("volumes")
            if volumes is not None and isinstance(volumes.value, list):
                for mount in volumes.value:
                    if isinstance(mount.value, dict):
                        kind = mount.value.get("type")
                        if kind is not None and kind.value == "bind":
                            fix(mount.value.get("source"))
    for section in ("secrets", "configs"):
        top = model.value.get(section)
        if top is not None and isinstance(top.value, dict):
            for res in top.value.values():
                fix(res.get("file"))
    volumes = model.value.get("volumes")
    if volumes is not None and isinstance(volumes.value, dict):
        for vol in volumes.value.values():
            driver = vol.get("driver")
            opts = vol.get("driver_opts")
            if driver is None or driver.value != "local" or opts is None:
                continue
            o = opts.get("o")
            if o is not None and o.value == "bind":
                fix(opts.get("device"))
