"""``composekit convert --to stack``: a Compose project in the form ``docker stack deploy`` runs.

``docker stack deploy -c FILE`` reads a 3.x file with the docker CLI's own loader. It refuses
some keys (``mem_limit``, ``extends``, a top-level ``name``, long-form ``depends_on``),
ignores others with a warning that scrolls by (``build``, ``restart``, ``privileged``,
``network_mode``...) and silently drops the meaning of a few more (``depends_on`` order,
``.env`` files, which it never reads). The stack converter works on the merged project
(:func:`composekit.loader.load_project`: every file merged, ``extends`` and ``include``
resolved, variables interpolated from ``.env``/``--env-file``) and writes a 3.x file that
``docker stack deploy`` accepts as it is:

* what has a stack form is rewritten into it (``restart`` -> ``deploy.restart_policy``,
  ``mem_limit``/``cpus`` -> ``deploy.resources``, ``container_name`` and ``links`` aliases ->
  network aliases, ``network_mode: host`` -> the external ``host`` network, ports in host
  mode with ``--publish-mode host``...);
* what has none is dropped, and each such key is a *loss* (CK030) at the line that wrote it,
  with the reason; ``strict`` makes every loss an error;
* the output declares the lowest 3.x version that carries what it uses, at most the newest
  one ``engine`` supports (3.8 without it), and is checked against composekit's own schema of
  that version before it is returned.

Every mapping is declared with :func:`_rule` next to the code that does it; :func:`mapping_table`
lists them together with what the key catalogue says about every other key, and
``docs/convert-stack.md`` is generated from it (:mod:`composekit.convert.stack_doc`).

Library code: nothing is printed, nothing raises for a problem in the project (bad options
raise :class:`~composekit.errors.UsageError`).
"""

from __future__ import annotations

import copy
import enum
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.catalog import Node, root
from composekit.catalog import key as catalogue_key
from composekit.catalog.model import Key
from composekit.catalog.model import Runtime as Behaviour
from composekit.catalog.versions import BY_VERSION, Family, FileFormat, family_formats
from composekit.convert.report import Kind
from composekit.convert.stack_report import StackEntry, StackReport
from composekit.convert.stack_yaml import Quoted, dump_stack
from composekit.diagnostics import Diagnostic, Severity, Span, json_path
from composekit.errors import UsageError
from composekit.loader.project import Project

__all__ = [
    "DEFAULT_CAP",
    "ENDPOINT_MODES",
    "PUBLISH_MODES",
    "MappingRow",
    "StackOptions",
    "StackResult",
    "Treatment",
    "convert_project",
    "convert_stack",
    "mapping_table",
    "stack_cap",
]

PathPart = str | int
KeyPath = tuple[PathPart, ...]
Tree = dict[str, Any]

#: The newest format the output may declare when no engine is named: docker stack deploy
#: reads it from Docker Engine 19.03 on, and docker-compose 1.x reads it too.
DEFAULT_CAP = "3.8"
PUBLISH_MODES = ("ingress", "host")
ENDPOINT_MODES = ("vip", "dnsrr")

#: Names given to the external networks that stand for ``network_mode: host``/``none``.
_MODE_NETWORKS = {"host": "hostnet", "none": "nonet"}

#: Service keys in the order they are written (the rest follow alphabetically, ``deploy``
#: last).
_SERVICE_ORDER = (
    "image", "command", "entrypoint", "working_dir", "user", "hostname", "environment",
    "ports", "volumes", "tmpfs", "networks", "secrets", "configs", "healthcheck",
)


# =========================================================================================
# options and result
# =========================================================================================


@dataclass(frozen=True)
class StackOptions:
    """How to convert.

    ``image_prefix``/``tag``: for a service that is built and names no image, run
    ``PREFIX/<project>-<service>:TAG`` (``TAG`` defaults to ``latest``; without a prefix the
    local name Compose gives the built image). ``publish_mode``: ``host`` publishes every
    port in host mode (long syntax, needs 3.2), ``ingress`` keeps the routing mesh.
    ``endpoint_mode``: set ``deploy.endpoint_mode`` on every service that does not set it
    (``dnsrr`` where the virtual IPs of the routing mesh are not available). ``engine``: the
    oldest Docker Engine the stack must deploy on; it caps the 3.x version (3.8 without it).
    ``strict``: every loss is an error. ``out_dir``: the directory the stack file is written
    to: paths of bind mounts, secret and config files inside it are written relative to it,
    the others absolute (all absolute when ``None``). ``env_files``: the ``--env-file``
    options given to the loader (named in the report of resolved variables).
    """

    image_prefix: str | None = None
    tag: str | None = None
    publish_mode: str = "ingress"
    endpoint_mode: str | None = None
    engine: str | None = None
    strict: bool = False
    out_dir: str | None = None
    env_files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.publish_mode not in PUBLISH_MODES:
            raise UsageError(f"invalid publish mode {self.publish_mode!r}: use "
                             f"{' or '.join(PUBLISH_MODES)}")
        if self.endpoint_mode is not None and self.endpoint_mode not in ENDPOINT_MODES:
            raise UsageError(f"invalid endpoint mode {self.endpoint_mode!r}: use "
                             f"{' or '.join(ENDPOINT_MODES)}")
        if self.tag is not None and not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
                                                     self.tag):
            raise UsageError(f"invalid image tag {self.tag!r}: up to 128 letters, digits, "
                             "'_', '.' and '-', not starting with '.' or '-'")
        if self.image_prefix is not None and (not self.image_prefix.strip("/")
                                              or any(c in self.image_prefix
                                                     for c in " :@\t")):
            raise UsageError(f"invalid image prefix {self.image_prefix!r}: a registry and "
                             "namespace such as registry.example.com/team")
        stack_cap(self.engine)


def stack_cap(engine: str | None) -> FileFormat:
    """The newest 3.x format a stack for Docker Engine ``engine`` may declare (3.8 without
    it). Raises :class:`UsageError` for a malformed or too old engine version."""
    if engine is None:
        return BY_VERSION[DEFAULT_CAP]
    from composekit.schema import parse_engine

    wanted = parse_engine(engine)
    fitting = [f for f in family_formats(Family.V3)
               if f.min_engine is not None and parse_engine(f.min_engine) <= wanted]
    if not fitting:
        raise UsageError(f"Docker Engine {engine} has no docker stack deploy: 3.0 needs "
                         f"{BY_VERSION['3.0'].min_engine} or later")
    return max(fitting)


@dataclass
class StackResult:
    """What :func:`convert_project` produced.

    ``text``: the stack file (``None`` when the project could not be converted at all);
    ``data``: the same as plain Python; ``version``: the 3.x format it declares, with
    ``version_reasons`` (the keys that need it); ``cap``: the newest format allowed.
    ``diagnostics``: the report as CK030/CK031 findings plus the errors (a service the
    stack cannot run, an output that would be invalid); ``input_diagnostics``: what the
    loader found in the project.
    """

    path: str
    text: str | None
    report: StackReport
    cap: FileFormat
    stack_name: str
    version: FileFormat | None = None
    data: Tree | None = None
    version_reasons: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    input_diagnostics: list[Diagnostic] = field(default_factory=list)
    strict: bool = False

    @property
    def ok(self) -> bool:
        """An output and no error (losses are errors with ``strict``)."""
        return self.text is not None and not self.errors

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity >= Severity.ERROR]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view: the report, the findings and the chosen version."""
        return {
            "path": self.path,
            "to": "stack",
            "version": self.version.version if self.version is not None else None,
            "version_reasons": list(self.version_reasons),
            "cap": self.cap.version,
            "stack_name": self.stack_name,
            "ok": self.ok,
            "strict": self.strict,
            "rewrites": len(self.report.rewrites),
            "losses": len(self.report.losses),
            "entries": [e.as_dict() for e in self.report.sorted()],
            "diagnostics": [d.as_dict() for d in self.diagnostics],
            "input_diagnostics": [d.as_dict() for d in self.input_diagnostics],
        }


# =========================================================================================
# the mapping table
# =========================================================================================


class Treatment(str, enum.Enum):
    """What the stack conversion does with a key."""

    KEPT = "kept"
    REWRITTEN = "rewritten"
    DROPPED = "dropped"


@dataclass(frozen=True)
class MappingRow:
    """One row of the mapping table: a Compose key and what stack conversion does with it.

    ``stack``: the stack form (empty when dropped); ``report``: how the report counts it
    (``rewrite``, ``loss``, ``none``, or both with the condition); ``note``: the details.
    ``explicit``: declared by a conversion rule (else derived from the key catalogue).
    """

    key: str
    treatment: Treatment
    stack: str
    report: str
    note: str
    explicit: bool = True


Handler = Callable[["_Converter", str, Tree, Tree], None]

_RULES: dict[str, MappingRow] = {}
_SERVICE_HANDLERS: dict[str, Handler] = {}


def _rule(key: str, treatment: Treatment, stack: str, report: str,
          note: str) -> Callable[[Handler], Handler]:
    """Declare the mapping of ``key`` (a catalogue key, or a ``(...)`` pseudo key) and, for a
    service key, register the function that does it."""
    row = MappingRow(key, treatment, stack, report, note)
    if key in _RULES:
        raise ValueError(f"duplicate stack mapping for {key}")
    _RULES[key] = row

    def register(fn: Handler) -> Handler:
        if key.startswith("services.*.") and key.count(".") == 2:
            _SERVICE_HANDLERS[key.split(".")[-1]] = fn
        return fn

    return register


def _declare(key: str, treatment: Treatment, stack: str, report: str, note: str) -> None:
    """A mapping done by code that is not a per-key service handler (top-level sections,
    nested keys); see :func:`_rule`."""
    _rule(key, treatment, stack, report, note)


# =========================================================================================
# the converter
# =========================================================================================


def convert_stack(
    files: Sequence[str] = (),
    *,
    project_dir: str | None = None,
    env_files: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
    project_name: str | None = None,
    options: StackOptions | None = None,
) -> StackResult:
    """Load a project like ``docker compose config`` and convert it to stack form.

    ``files``, ``project_dir``, ``env_files``, ``environ``, ``profiles`` and ``project_name``
    are :func:`~composekit.loader.load_project`'s. A project that cannot be read or has
    errors gives a result without text whose ``input_diagnostics`` say why.
    """
    from composekit.loader import load_project

    opts = options or StackOptions()
    if env_files and not opts.env_files:
        opts = _replace(opts, env_files=tuple(env_files))
    environ = dict(os.environ if environ is None else environ)
    project, diags = load_project(files, project_dir=project_dir, env_files=env_files,
                                  environ=environ, profiles=profiles, project_name=project_name)
    cap = stack_cap(opts.engine)
    if project is None:
        path = files[0] if files else (project_dir or ".")
        return StackResult(path, None, StackReport(path, None, cap), cap, "",
                           input_diagnostics=diags, strict=opts.strict)
    return convert_project(project, opts, environ=environ, input_diagnostics=diags)


def _replace(opts: StackOptions, **changes: Any) -> StackOptions:
    import dataclasses

    return dataclasses.replace(opts, **changes)


def convert_project(project: Project, options: StackOptions | None = None, *,
                    environ: Mapping[str, str] | None = None,
                    input_diagnostics: Sequence[Diagnostic] = ()) -> StackResult:
    """Convert a loaded project to stack form (see the module docstring).

    ``environ`` is the process environment the project was loaded with (to tell variables
    set there from those read from env files); ``input_diagnostics`` are the loader's
    findings: with an error among them nothing is converted.
    """
    opts = options or StackOptions()
    conv = _Converter(project, opts, dict(os.environ if environ is None else environ))
    return conv.run(list(input_diagnostics))


@dataclass
class _Where:
    file: str
    line: int
    column: int
    source: str


class _Converter:
    """One stack conversion."""

    def __init__(self, project: Project, options: StackOptions, environ: dict[str, str]) -> None:
        from composekit.catalog.versions import detect_format

        self.p = project
        self.o = options
        self.environ = environ
        self.cap = stack_cap(options.engine)
        main = project.main_file or project.working_dir
        self.main = main
        doc = project.documents.get(main)
        source = detect_format(doc.data, main)[0] if doc is not None else None
        self.report = StackReport(main, source, self.cap)
        self.errors: list[Diagnostic] = []
        #: service -> network aliases to add (from container_name and links)
        self.aliases: dict[str, list[tuple[str, KeyPath]]] = {}
        #: top-level networks to add (the external host/none networks)
        self.extra_networks: dict[str, Tree] = {}
        #: services attached to the host or none network (``network_mode``)
        self.mode_network: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}
        self._blocks: dict[str, tuple[str, int, int]] | None = None

    # -- positions and recording -----------------------------------------------------------

    def written(self, parts: KeyPath) -> bool:
        return tuple(parts) in self.p.origins

    def raw_key(self, service: str, key: str) -> _Where | None:
        """Where a file of the project writes ``key`` in ``service`` as read, before the
        loader resolved it (``extends`` is gone from the merged configuration)."""
        from composekit.yamlio import locate

        for path in self.p.files:
            doc = self.p.documents.get(path)
            data = doc.data if doc is not None else None
            services = data.get("services") if isinstance(data, Mapping) else None
            svc = services.get(service) if isinstance(services, Mapping) else None
            if isinstance(svc, Mapping) and key in svc:
                span = locate(data, ("services", service, key), key=True)
                return _Where(path, span.line, span.column, self._line(path, span.line))
        return None

    def where(self, parts: KeyPath, *, value: bool = False) -> _Where:
        """Where the key at ``parts`` (or its nearest written ancestor) was written; with
        ``value``, where its value starts."""
        if len(parts) == 3 and parts[0] == "services" and parts[2] == "extends":
            raw = self.raw_key(str(parts[1]), "extends")
            if raw is not None:
                return raw
        origin = self.p.origin(parts)
        if origin is None:
            return _Where(self.main, 1, 1, "")
        span = origin.span if value else origin.key_or_value
        return _Where(origin.path, span.line, span.column, self._line(origin.path, span.line))

    def _inside(self, service: str, w: _Where) -> bool:
        """Whether ``w`` is in the block of ``service`` (else it was merged in from an anchor
        or an ``extends`` base, which several services may share)."""
        if self._blocks is None:
            self._blocks = {}
            starts: list[tuple[str, int, str]] = []
            for name in self.p.services:
                origin = self.p.origins.get(("services", name))
                if origin is not None:
                    span = origin.key_or_value
                    starts.append((origin.path, span.line, str(name)))
            starts.sort()
            for i, (path, line, name) in enumerate(starts):
                end = starts[i + 1][1] if i + 1 < len(starts) and starts[i + 1][0] == path \
                    else 1 << 30
                self._blocks[name] = (path, line, end)
        block = self._blocks.get(service)
        return block is not None and block[0] == w.file and block[1] <= w.line < block[2]

    def _line(self, path: str, line: int) -> str:
        if path not in self._lines:
            doc = self.p.documents.get(path)
            self._lines[path] = doc.text.splitlines() if doc is not None else []
        lines = self._lines[path]
        return lines[line - 1].rstrip() if 0 < line <= len(lines) else ""

    def record(self, kind: Kind, transform: str, parts: KeyPath, message: str, *,
               help: str | None = None, key: str = "") -> None:
        w = self.where(parts)
        if len(parts) > 2 and parts[0] == "services" and not self._inside(str(parts[1]), w):
            message += f" (service '{parts[1]}')"
        self.report.add(StackEntry(kind=kind, transform=transform, path=json_path(parts),
                                   line=w.line, column=w.column, message=message, file=w.file,
                                   key=key or _catalogue_dotted(parts), source=w.source,
                                   help=help))

    def rewrite(self, transform: str, parts: KeyPath, message: str, *,
                help: str | None = None, key: str = "") -> None:
        self.record(Kind.REWRITE, transform, parts, message, help=help, key=key)

    def loss(self, transform: str, parts: KeyPath, message: str, *,
             help: str | None = None, key: str = "") -> None:
        self.record(Kind.LOSS, transform, parts, message, help=help, key=key)

    def error(self, parts: KeyPath, message: str, *, help: str | None = None) -> None:
        w = self.where(parts)
        self.errors.append(codes.make(
            "conversion-loss", w.file, Span(w.line, w.column), message,
            json_path=json_path(parts), origin="convert", help=help, severity=Severity.ERROR))

    # -- the catalogue ------------------------------------------------------------------------

    def available(self, dotted: str) -> bool:
        return self.cap in catalogue_key(dotted).avail

    def needs(self, dotted: str) -> tuple[str, str | None]:
        """Why ``dotted`` cannot be written at the cap: (reason, hint)."""
        return _needs(catalogue_key(dotted), self.cap)

    # -- the whole conversion -----------------------------------------------------------------

    def run(self, input_diagnostics: list[Diagnostic]) -> StackResult:
        result = StackResult(self.main, None, self.report, self.cap, self.p.name,
                             input_diagnostics=sorted(input_diagnostics), strict=self.o.strict)
        blocking = [d for d in input_diagnostics if d.severity >= Severity.ERROR]
        if blocking:
            return result
        tree = self.convert()
        self.prune(tree)
        version, reasons, problems = self.choose_version(tree)
        result.diagnostics = sorted(self.report.diagnostics(strict=self.o.strict)
                                    + self.errors + problems)
        if version is None:
            return result
        self.report.target = version
        result.version = version
        result.version_reasons = reasons
        data = {"version": version.version, **tree}
        result.data = data
        result.text = dump_stack(data, self.header(version))
        return result

    def header(self, version: FileFormat) -> list[str]:
        shown = self.main
        if self.o.out_dir is not None:
            shown = os.path.relpath(os.path.abspath(shown), os.path.abspath(self.o.out_dir))
        more = len(self.p.files) - 1
        if more > 0:
            shown += f" (and {more} more file{'s' if more > 1 else ''})"
        return [
            f"Docker stack file (format {version.version}) converted by `composekit convert "
            f"--to stack` from {shown}.",
            "Variables are resolved (docker stack deploy does not read .env files); "
            "re-run the conversion to change them.",
            f"Deploy with: docker stack deploy -c <this file> {self.p.name}",
        ]

    def convert(self) -> Tree:
        self.top_level()
        services: Tree = {}
        for name, svc in self.p.services.items():
            if isinstance(svc, dict):
                services[name] = self.service(name, svc)
        for name, svc in self.p.disabled_services.items():
            profiles = list((svc.get("profiles") if isinstance(svc, dict) else None) or [])
            shown = ", ".join(f"`{p}`" for p in profiles)
            plural = len(profiles) != 1
            self.rewrite("profiles", ("services", name),
                         f"service '{name}' is not in the stack: its profile"
                         f"{'s' if plural else ''} {shown} {'are' if plural else 'is'} not "
                         "active", help="activate it with --profile when converting",
                         key="services.*.profiles")
        self.apply_aliases(services)
        services = {name: _ordered(svc) for name, svc in services.items()}
        tree: Tree = {"services": services}
        networks = self.networks(services)
        if networks:
            tree["networks"] = networks
        for section in ("volumes", "secrets", "configs"):
            converted = self.resources(section)
            if converted:
                tree[section] = converted
        self.check_endpoints(services)
        self.variables()
        return tree

    # -- top level ------------------------------------------------------------------------------

    def top_level(self) -> None:
        for parts in sorted((k for k in self.p.origins if len(k) == 1), key=str):
            name = parts[0]
            if not isinstance(name, str):
                continue
            if name == "name":
                _top_name(self)
            elif name == "include":
                self.rewrite("include", parts, "`include` is resolved: the included projects' "
                             "services, networks and volumes are merged into the stack",
                             key="include")
            elif name.startswith("x-"):
                self.rewrite("extension", parts, f"`{name}` is left out: extension fields "
                             "only serve as YAML anchors, which are merged already",
                             key="(x- extension fields)")
            elif name == "version":
                self.rewrite("version", parts, "`version` is replaced: the stack file declares "
                             "the lowest 3.x format that carries what it uses", key="version")
            elif name == "models":
                self.loss("models", parts, "`models` is dropped: docker stack deploy has no "
                          "AI models (a Compose Specification key without a 3.x form)",
                          key="models")

    # -- services -------------------------------------------------------------------------------

    def service(self, name: str, svc: Tree) -> Tree:
        out: Tree = {}
        written = [k[2] for k in self.p.origins
                   if len(k) == 3 and k[:2] == ("services", name) and isinstance(k[2], str)]
        if self.raw_key(name, "extends") is not None:
            written.append("extends")
        keys: list[str] = []
        for k in ["deploy", "image", "build", "network_mode", "networks", *svc, *written]:
            if k not in keys and (k in svc or k in written):
                keys.append(k)
        for k in keys:
            handler = _SERVICE_HANDLERS.get(k)
            if handler is not None:
                handler(self, name, svc, out)
            else:
                self.generic(name, svc, out, k)
        if "restart" not in svc and "restart_policy" not in (out.get("deploy") or {}):
            self.rewrite(
                "restart", ("services", name),
                f"service '{name}' has no `restart`: Compose leaves its container stopped when "
                "it exits, swarm restarts the task (the default `deploy.restart_policy` is "
                "`condition: any`)",
                help="add `restart: \"no\"` (condition: none) to a service that runs once",
                key="services.*.restart")
        if self.o.endpoint_mode is not None:
            deploy = out.setdefault("deploy", {})
            if "endpoint_mode" not in deploy:
                deploy["endpoint_mode"] = self.o.endpoint_mode
                self.rewrite("endpoint-mode", ("services", name),
                             f"`deploy.endpoint_mode: {self.o.endpoint_mode}` is set "
                             "(--endpoint-mode)", key="services.*.deploy.endpoint_mode")
        if "deploy" in out:
            _prune_empty(out["deploy"])
            if not out["deploy"]:
                del out["deploy"]
        return _ordered(out)

    def generic(self, name: str, svc: Tree, out: Tree, key: str) -> None:
        """A key without a rule of its own: kept when the catalogue says the stack honours it
        in the target version, else dropped as a loss."""
        parts: KeyPath = ("services", name, key)
        if key not in svc:
            return  # written, then removed by the loader (its rule reports it)
        value = svc[key]
        if key.startswith("x-"):
            self.rewrite("extension", parts, f"`{key}` is left out: extension fields only "
                         "serve as YAML anchors", key="(x- extension fields)")
            return
        try:
            entry = catalogue_key(f"services.*.{key}")
        except KeyError:
            self.loss("unknown", parts, f"`{key}` is dropped: composekit does not know it, "
                      "and the 3.x schemas have no such key")
            return
        verdict = _stack_verdict(entry, self.cap)
        if verdict is None:
            if value is not None:
                out[key] = copy.deepcopy(value)
            return
        reason, hint = verdict
        if self.written(parts) or value not in (None, [], {}):
            self.loss(key, parts, f"`{key}` is dropped: {reason}", help=hint,
                      key=entry.dotted)

    # -- networks ---------------------------------------------------------------------------------

    def networks(self, services: Tree) -> Tree:
        """The top-level networks the stack needs."""
        used: set[str] = set()
        for svc in services.values():
            nets = svc.get("networks")
            if nets is None:
                used.add("default")
            elif isinstance(nets, (dict, list)):
                used.update(nets)
        config = self.p.config.get("networks")
        out: Tree = {}
        for net, cfg in (config or {}).items() if isinstance(config, dict) else ():
            parts: KeyPath = ("networks", net)
            if not self.written(parts):
                continue  # the default network Compose adds; the stack adds its own
            converted = self.network(net, cfg if isinstance(cfg, dict) else {})
            if net not in used:
                self.rewrite("networks", parts, f"network '{net}' is left out: no service "
                             "of the stack uses it", key="networks")
                continue
            out[net] = converted
        self.unused("networks")
        for net, cfg in self.extra_networks.items():
            out[net] = cfg
        return out

    def unused(self, section: str) -> None:
        """Report what a file declares in ``section`` and Compose left out: no service of the
        project uses it."""
        config = self.p.config.get(section)
        present = set(config) if isinstance(config, dict) else set()
        for parts in self.p.origins:
            if len(parts) == 2 and parts[0] == section and parts[1] not in present:
                what = section[:-1]
                self.rewrite(section, parts, f"{what} '{parts[1]}' is left out: no service "
                             "uses it (Compose leaves it out too)", key=section)

    def network(self, net: str, cfg: Tree) -> Tree:
        out: Tree = {}
        base: KeyPath = ("networks", net)
        external = bool(cfg.get("external"))
        for k, v in cfg.items():
            parts = (*base, k)
            if k == "name":
                if self.written(parts) or (external and v != net):
                    out[k] = v
            elif k == "driver":
                if v == "bridge":
                    out[k] = "overlay"
                    _network_bridge(self, parts)
                else:
                    out[k] = v
            elif k == "ipam":
                ipam = _network_ipam(self, base, v if isinstance(v, dict) else {})
                if ipam:
                    out[k] = ipam
            elif k == "external":
                if v:
                    out[k] = True
            else:
                out[k] = copy.deepcopy(v)
        return out

    # -- volumes, secrets, configs --------------------------------------------------------------

    def resources(self, section: str) -> Tree:
        self.unused(section)
        config = self.p.config.get(section)
        if not isinstance(config, dict):
            return {}
        out: Tree = {}
        for name, cfg in config.items():
            cfg = cfg if isinstance(cfg, dict) else {}
            base: KeyPath = (section, name)
            item: Tree = {}
            external = bool(cfg.get("external"))
            for k, v in cfg.items():
                parts = (*base, k)
                if k == "name":
                    if self.written(parts) or (external and v != name):
                        item[k] = v
                elif k == "external":
                    if v:
                        item[k] = True
                elif k == "file" and isinstance(v, str):
                    item[k] = self.path(v)
                elif k in ("environment", "content") and section in ("secrets", "configs"):
                    _resource_from_value(self, section, name, k, v, item)
                else:
                    item[k] = copy.deepcopy(v)
            out[name] = item
        return out

    def path(self, path: str) -> str:
        """A host path as the stack file writes it: relative to ``out_dir`` when inside it."""
        out_dir = self.o.out_dir
        if out_dir is None or not os.path.isabs(path):
            return path
        base = os.path.abspath(out_dir)
        if path == base:
            return "."
        if path.startswith(base.rstrip(os.sep) + os.sep):
            return "./" + os.path.relpath(path, base).replace(os.sep, "/")
        return path

    # -- aliases, endpoints -------------------------------------------------------------------

    def add_alias(self, service: str, alias: str, parts: KeyPath) -> None:
        entries = self.aliases.setdefault(service, [])
        if all(a != alias for a, _ in entries):
            entries.append((alias, parts))

    def apply_aliases(self, services: Tree) -> None:
        for service, aliases in self.aliases.items():
            svc = services.get(service)
            if svc is None:
                continue
            if service in self.mode_network:
                for alias, parts in aliases:
                    self.loss("aliases", parts, f"the name `{alias}` is lost: service "
                              f"'{service}' uses the {self.mode_network[service]} network, "
                              "which has no aliases", key="services.*.networks.*.aliases")
                continue
            nets = svc.get("networks")
            if nets is None:
                nets = {"default": None}
            if isinstance(nets, list):
                nets = {n: None for n in nets}
            for net in list(nets):
                cfg = dict(nets[net] or {})
                current = list(cfg.get("aliases") or [])
                for alias, _ in aliases:
                    if alias not in current:
                        current.append(alias)
                cfg["aliases"] = current
                nets[net] = cfg
            svc["networks"] = nets

    def check_endpoints(self, services: Tree) -> None:
        for name, svc in services.items():
            mode = (svc.get("deploy") or {}).get("endpoint_mode")
            if mode != "dnsrr":
                continue
            ingress = [p for p in svc.get("ports") or [] if not isinstance(p, dict)
                       or p.get("mode", "ingress") == "ingress"]
            if ingress:
                self.error(("services", name, "ports"),
                           f"service '{name}' publishes ports through the routing mesh "
                           "(ingress), which swarm refuses for `endpoint_mode: dnsrr`",
                           help="convert with --publish-mode host, or leave the endpoint "
                                "mode at vip")

    # -- variables ------------------------------------------------------------------------------

    def variables(self) -> None:
        """One rewrite per ``${VAR}`` in the files: the value it was resolved to, and where
        the value came from (docker stack deploy would read only its own environment)."""
        from composekit.loader.interpolate import find_references, interpolate_string
        from composekit.yamlio import locate, parse_text

        env_files = [os.path.basename(f) for f in self.o.env_files] or [".env"]
        for path in self.p.files:
            doc = self.p.documents.get(path)
            if doc is None or "$" not in doc.text:
                continue
            raw, _ = parse_text(doc.text, path)
            if raw is None:
                continue
            for parts, text in _strings(raw.data, ()):
                for ref in find_references(text):
                    if ref.nested:
                        continue
                    expr = text[ref.offset:ref.end]
                    value = interpolate_string(expr, self.p.environment).value
                    span = locate(raw.data, parts)
                    if ref.name in self.environ:
                        source = "from the environment"
                    elif ref.name in self.p.environment:
                        source = "from " + ", ".join(env_files)
                    elif ref.operator in (":-", "-"):
                        source = f"the default: {ref.name} is not set"
                    else:
                        source = f"{ref.name} is not set"
                    secret = bool(_SECRET_NAME.search(ref.name))
                    shown = "***" if secret else _short(value)
                    self.report.add(StackEntry(
                        kind=Kind.REWRITE, transform="variables", path=json_path(parts),
                        line=span.line, column=span.column,
                        message=f"`{expr}` is resolved to `{shown}` ({source}); docker stack "
                                "deploy does not read .env files",
                        file=path, key="(variables)", source=self._line(path, span.line),
                        help="the value is written in clear into the stack file: pass it as "
                             "a secret (`secrets:`) instead" if secret and value else None))

    # -- the version ------------------------------------------------------------------------------

    def prune(self, tree: Tree) -> None:
        """Remove what the target cannot carry (keys newer than the cap, or unknown), as
        losses: the rules handle the keys they know; this catches the rest, deep inside
        ``deploy``, ``healthcheck``, the long syntaxes..."""
        self._prune(tree, root(), ())

    def _prune(self, node: Any, cat: Node, parts: KeyPath) -> bool:
        """Prune ``node``; True when that left it empty (the caller removes it)."""
        if isinstance(node, dict):
            if not cat.children:
                return False  # free-form values (labels, environment, options)
            removed = False
            for k in list(node):
                here = (*parts, k)
                child = cat.step(k) if isinstance(k, str) else None
                if child is None:
                    del node[k]
                    removed = True
                    self.loss("schema", here, f"`{k}` is dropped: the 3.x "
                              "schemas have no such key here")
                    continue
                if child.key is not None and k in cat.children and \
                        self.cap not in child.key.avail:
                    del node[k]
                    removed = True
                    reason, hint = _needs(child.key, self.cap)
                    self.loss("version", here, f"`{_dotted(here)}` is dropped: "
                              f"{reason}", help=hint, key=child.key.dotted)
                    continue
                if self._prune(node[k], child, here):
                    del node[k]
                    removed = True
            return removed and not node
        if isinstance(node, list):
            item = cat.children.get("[]")
            if item is not None:
                for i, value in enumerate(node):
                    self._prune(value, item, (*parts, i))
        return False

    def choose_version(self, tree: Tree) -> tuple[FileFormat | None, list[str], list[Diagnostic]]:
        """The lowest 3.x format, at most the cap, that carries ``tree`` and validates."""
        from composekit.catalog.versions import detect_format
        from composekit.schema import minimum_requirements, validate_tree
        from composekit.yamlio import parse_text

        req = minimum_requirements(tree, self.cap)
        lowest = req.minimum_format
        reasons = [r.describe() for r in req.forced_by]
        last: list[Diagnostic] = []
        for cand in family_formats(Family.V3):
            if cand < lowest or cand > self.cap:
                continue
            text = dump_stack({"version": cand.version, **tree})
            doc, diags = parse_text(text, "<stack>")
            if doc is None or any(d.severity >= Severity.ERROR for d in diags):
                last = diags
                continue
            fmt, _ = detect_format(doc.data, "<stack>")
            found = [d for d in validate_tree(doc.data, "<stack>", cand)
                     if d.severity >= Severity.ERROR]
            if fmt == cand and not found:
                if cand != lowest:
                    reasons.append(f"values need {cand.version}")
                return cand, reasons, []
            last = found
        problems = [codes.make(
            "conversion-invalid-output", self.main, Span(),
            f"the stack file would be invalid for {self.cap.version}: line {d.line}: "
            f"{d.message}", origin="convert",
            help="this is a composekit bug unless the project is invalid; nothing was "
                 "written") for d in last] or [codes.make(
                     "conversion-invalid-output", self.main, Span(),
                     f"no 3.x format up to {self.cap.version} carries the stack "
                     f"(it needs {lowest.version})", origin="convert")]
        return None, [], problems


# =========================================================================================
# helpers
# =========================================================================================


_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY", re.IGNORECASE)


def _short(value: str, limit: int = 60) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= limit else value[:limit - 3] + "..."


def _dotted(parts: KeyPath) -> str:
    return json_path(parts).removeprefix("$.").removeprefix("$")


def _catalogue_dotted(parts: KeyPath) -> str:
    """The catalogue key of a concrete path (``services.*.ports[].mode``), or the path."""
    from composekit.catalog import node

    found = node(parts, BY_VERSION["3.8"])
    if found is not None and found.key is not None:
        return found.key.dotted
    return _dotted(parts)


def _strings(node: Any, parts: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _strings(v, (*parts, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, (*parts, i))
    elif isinstance(node, str) and "$" in node:
        yield parts, str(node)


def _instead(key: str) -> str | None:
    from composekit.lint.rules.runtime.stack_ignored_key import _INSTEAD

    text = _INSTEAD.get(key)
    return text[0].upper() + text[1:] if text else None


def _stack_verdict(entry: Key, cap: FileFormat) -> tuple[str, str | None] | None:
    """``None`` when a stack of format ``cap`` carries the key; else (reason, hint)."""
    behaviour = entry.runtime("stack")
    name = entry.name
    hint = _instead(name) or (f"Use `{entry.instead}`" if entry.instead else None)
    if behaviour.runtime is Behaviour.IGNORED:
        return "docker stack deploy ignores it", hint
    if behaviour.runtime is Behaviour.REFUSED:
        refused = "docker stack deploy refuses it"
        if Family.V3 not in entry.avail.families():
            refused += f" (it is in {entry.avail.describe()}, not in 3.x)"
        return refused, hint
    if cap not in entry.avail:
        return _needs(entry, cap)
    return None


def _needs(entry: Key, cap: FileFormat) -> tuple[str, str | None]:
    since = entry.avail.since(Family.V3)
    if since is None:
        return (f"the 3.x formats have no `{entry.name}` (it is in {entry.avail.describe()})",
                f"Use `{entry.instead}`" if entry.instead else None)
    until = entry.avail.until(Family.V3)
    if until is not None and cap >= until:
        return (f"3.x has it only in {since.version}-{_before(until).version}",
                None)
    engine = f" / Docker Engine {since.min_engine}" if since.min_engine else ""
    return (f"it needs {since.version}{engine} and the target is {cap.version}",
            f"Convert with --engine {since.min_engine} (or later) if the swarm runs it"
            if since.min_engine else None)


def _before(fmt: FileFormat) -> FileFormat:
    formats = family_formats(fmt.family)
    return formats[max(0, formats.index(fmt) - 1)]


def _prune_empty(node: Any) -> None:
    if isinstance(node, dict):
        for k in list(node):
            _prune_empty(node[k])
            if isinstance(node[k], dict) and not node[k]:
                del node[k]


def _ordered(service: Tree) -> Tree:
    rank = {k: i for i, k in enumerate(_SERVICE_ORDER)}
    keys = sorted(service, key=lambda k: (0, rank[k], "") if k in rank else
                  (2, 0, k) if k == "deploy" else (1, 0, k))
    return {k: service[k] for k in keys}


def _bytes_text(value: Any) -> str | None:
    """A byte count as Compose writes it (``"536870912"``) in the largest exact unit."""
    try:
        number = int(str(value))
    except ValueError:
        text = str(value).strip()
        return text or None
    for unit, size in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if number and number % size == 0:
            return f"{number // size}{unit}"
    return f"{number}B" if number else "0"


def _cpus_text(value: Any) -> str:
    try:
        number = float(str(value))
    except ValueError:
        return str(value)
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _deploy_map(out: Tree, *path: str) -> Tree:
    node: Tree = out.setdefault("deploy", {})
    for part in path:
        node = node.setdefault(part, {})
    return node


# =========================================================================================
# the rules
# =========================================================================================

# -- top level ----------------------------------------------------------------------------------

_declare("version", Treatment.REWRITTEN, "version", "rewrite",
         "Written as the lowest 3.x format that carries what the stack uses, at most the "
         f"newest the target engine reads ({DEFAULT_CAP} without --engine); the input's "
         "version does not matter.")


_declare("name", Treatment.DROPPED, "the stack name", "rewrite",
         "docker stack deploy refuses a top-level `name`: the stack is named on the command "
         "line, `docker stack deploy -c FILE NAME`; the header of the stack file names it.")


def _top_name(c: _Converter) -> None:
    c.rewrite("name", ("name",), f"`name` is left out: docker stack deploy refuses it; the "
              f"stack is named on the command line: docker stack deploy -c FILE {c.p.name}",
              key="name")


_declare("include", Treatment.REWRITTEN, "merged", "rewrite",
         "The included projects are merged into the stack (as `docker compose config` "
         "does).")
_declare("(x- extension fields)", Treatment.DROPPED, "", "rewrite",
         "Left out: they only hold YAML anchors, which are merged already.")
_declare("(variables)", Treatment.REWRITTEN, "values", "rewrite",
         "docker stack deploy interpolates with its own environment only and never reads "
         "`.env`: every `${VAR}` is resolved at conversion time from the environment, `.env` "
         "or --env-file, and each one is reported with the value and where it came from "
         "(values of variables whose name looks secret are masked). A literal `$$` stays "
         "`$$`.")
_declare("models", Treatment.DROPPED, "", "loss", "No 3.x form.")
_declare("networks", Treatment.REWRITTEN, "networks", "rewrite",
         "Networks Compose adds (`default`) and the `name` it derives are left out: the "
         "stack creates `<stack>_default` and prefixes names itself. A network no service "
         "uses is left out.")
_declare("networks.*.driver", Treatment.REWRITTEN, "driver", "rewrite",
         "`bridge` becomes `overlay` (a stack's networks span the swarm); other drivers are "
         "kept.")
_declare("configs.*.environment", Treatment.REWRITTEN, "external: true", "loss",
         "As `content`.")
_declare("services.*.networks.*.ipv4_address", Treatment.DROPPED, "", "loss",
         "docker stack deploy ignores it: swarm assigns the addresses of tasks itself.")
_declare("services.*.networks.*.ipv6_address", Treatment.DROPPED, "", "loss",
         "As `ipv4_address`.")
_declare("services.*.ports[].mode", Treatment.REWRITTEN, "ports[].mode", "rewrite",
         "`host` for every port with --publish-mode host (the long syntax, 3.2); a port "
         "written with `mode: host` stays in host mode.")
_declare("services.*.ports[].host_ip", Treatment.DROPPED, "", "loss",
         "Swarm publishes on every interface of the node.")
_declare("services.*.volumes[].bind.create_host_path", Treatment.DROPPED, "", "rewrite",
         "Swarm never creates a missing bind-mount path: each bind mount is reported.")
_declare("volumes", Treatment.KEPT, "volumes", "none",
         "Kept; the `name` Compose derives (`<project>_<volume>`) is left out, the stack "
         "prefixes its own.")
_declare("secrets.*.file", Treatment.REWRITTEN, "file", "none",
         "The path is written relative to the stack file's directory when the file is "
         "inside it, else absolute (docker stack deploy reads it on the deploying machine).")
_declare("configs.*.file", Treatment.REWRITTEN, "file", "none", "As `secrets.*.file`.")
_declare("secrets.*.environment", Treatment.REWRITTEN, "external: true", "loss",
         "A 3.x secret cannot come from a variable: the secret is declared external, and "
         "the report gives the `docker secret create` command that creates it first.")
_declare("configs.*.content", Treatment.REWRITTEN, "external: true", "loss",
         "A 3.x config cannot be inline or come from a variable (`environment`): the config "
         "is declared external, to be created first with `docker config create`.")


def _network_bridge(c: _Converter, parts: KeyPath) -> None:
    c.rewrite("networks", parts, "`driver: bridge` is `driver: overlay`: the networks of a "
              "stack span the swarm's nodes", key="networks.*.driver")


def _network_ipam(c: _Converter, base: KeyPath, ipam: Tree) -> Tree:
    out: Tree = {}
    for k, v in ipam.items():
        if k == "config" and isinstance(v, list):
            configs = []
            for i, cfg in enumerate(v):
                keep = {}
                for ck, cv in (cfg or {}).items():
                    if ck == "subnet":
                        keep[ck] = cv
                    else:
                        c.loss("networks", (*base, "ipam", "config", i, ck),
                               f"`ipam.config[].{ck}` is dropped: 3.x IPAM configurations "
                               "take only `subnet`", key=f"networks.*.ipam.config[].{ck}")
                if keep:
                    configs.append(keep)
            if configs:
                out[k] = configs
        elif v not in (None, {}, []):
            out[k] = copy.deepcopy(v)
    return out


def _resource_from_value(c: _Converter, section: str, name: str, k: str, v: Any,
                         item: Tree) -> None:
    kind = section[:-1]
    what = f"the variable {v}" if k == "environment" else "inline `content`"
    command = (f"printf '%s' \"${v}\" | docker {kind} create {name} -" if k == "environment"
               else f"docker {kind} create {name} FILE")
    item["external"] = True
    c.loss(section, (section, name, k),
           f"{kind} '{name}' comes from {what}, which a 3.x stack cannot say: it is declared "
           "external and must exist before the stack is deployed",
           help=f"create it first: {command}", key=f"{section}.*.{k}")


# -- services: what runs --------------------------------------------------------------------------


@_rule("services.*.image", Treatment.KEPT, "image", "none",
       "Kept. A service with neither `image` nor a derived one (see `build`) cannot be "
       "converted: an error.")
def _image(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    image = svc.get("image")
    if image:
        out["image"] = image
    elif svc.get("build") is None:
        c.error(("services", name), f"service '{name}' has no `image`: a stack can only run "
                "images", help="add `image:` to the service")


@_rule("services.*.build", Treatment.DROPPED, "image", "rewrite; error without image",
       "docker stack deploy does not build. With `image`, the stack runs it (build and "
       "push it first). Without, --image-prefix/--tag derive "
       "`PREFIX/<project>-<service>:TAG` (say so in the report); with neither, the "
       "conversion fails.")
def _build(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    build = svc.get("build")
    if build is None:
        return
    parts: KeyPath = ("services", name, "build")
    context = build.get("context") if isinstance(build, dict) else build
    shown = "."
    if isinstance(context, str):
        shown = c.path(context) if c.o.out_dir is not None else context
    image = svc.get("image")
    if image:
        c.rewrite("build", parts, f"`build` is left out: docker stack deploy does not build; "
                  f"the stack runs `{image}`, which must be built and pushed where every node "
                  "can pull it", help=f"docker build -t {image} {shown} && docker push {image}")
        return
    if c.o.image_prefix is None and c.o.tag is None:
        c.error(parts, f"service '{name}' is built (`build`) and names no `image`: docker "
                "stack deploy does not build, a stack can only run images",
                help="add `image:` to the service, or convert with --image-prefix "
                     "REGISTRY/NAMESPACE (and --tag) to derive one")
        return
    derived = f"{c.p.name}-{name}:{c.o.tag or 'latest'}"
    if c.o.image_prefix:
        derived = c.o.image_prefix.rstrip("/") + "/" + derived
    out["image"] = derived
    c.rewrite("build", parts, f"`build` is left out and the service runs `{derived}` "
              "(derived from --image-prefix/--tag): build and push that image first",
              help=f"docker build -t {derived} {shown} && docker push {derived}")


@_rule("services.*.pull_policy", Treatment.DROPPED, "", "rewrite or loss",
       "`build` goes with `build`; `missing`/`if_not_present` is what swarm nodes do "
       "anyway (rewrite); `always`, `never`, `daily`... have no stack form (loss: docker stack "
       "deploy resolves images with --resolve-image).")
def _pull_policy(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("pull_policy")
    parts: KeyPath = ("services", name, "pull_policy")
    if value == "build":
        c.rewrite("build", parts, "`pull_policy: build` is left out with `build`")
    elif value in ("missing", "if_not_present"):
        c.rewrite("pull_policy", parts, f"`pull_policy: {value}` is left out: a swarm node "
                  "pulls an image it does not have")
    elif value is not None:
        c.loss("pull_policy", parts, f"`pull_policy: {value}` is dropped: a stack has no "
               "per-service pull policy", help="docker stack deploy --resolve-image "
               "always|changed|never decides for the whole stack")


@_rule("services.*.command", Treatment.KEPT, "command", "none",
       "Kept (in the list form Compose parsed it into).")
def _command(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    if svc.get("command") is not None:
        out["command"] = copy.deepcopy(svc["command"])


@_rule("services.*.entrypoint", Treatment.KEPT, "entrypoint", "none", "Kept.")
def _entrypoint(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    if svc.get("entrypoint") is not None:
        out["entrypoint"] = copy.deepcopy(svc["entrypoint"])


@_rule("services.*.platform", Treatment.DROPPED, "", "loss",
       "A stack has no per-service platform: pin the nodes with placement constraints "
       "(`node.platform.os`, `node.platform.arch`).")
def _platform(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("platform")
    if value is None:
        return
    c.loss("platform", ("services", name, "platform"), f"`platform: {value}` is dropped: a "
           "stack has no per-service platform",
           help="pin nodes with deploy.placement.constraints (node.platform.os == linux, "
                "node.platform.arch == x86_64)")


# -- services: names, links, order ----------------------------------------------------------------


@_rule("services.*.container_name", Treatment.REWRITTEN, "networks.*.aliases", "rewrite",
       "Swarm names the task containers itself (`<stack>_<service>.<slot>...`); a name that "
       "differs from the service's is kept as a network alias, so other services still "
       "reach it by that name.")
def _container_name(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("container_name")
    parts: KeyPath = ("services", name, "container_name")
    if value is None:
        return
    if value == name:
        c.rewrite("container_name", parts, "`container_name` is left out: swarm names the "
                  f"task containers, and the service is reached as '{name}' already")
        return
    if name in c.mode_network:
        c.loss("container_name", parts, f"`container_name: {value}` is dropped: swarm names "
               f"the task containers, and the {c.mode_network[name]} network the service uses "
               "has no aliases to keep the name")
        return
    c.add_alias(name, str(value), parts)
    c.rewrite("container_name", parts, f"`container_name: {value}` is left out (swarm names "
              f"the containers {c.p.name}_{name}.N...); `{value}` is kept as a network alias "
              "so other services still reach it by that name")


@_rule("services.*.links", Treatment.REWRITTEN, "networks.*.aliases", "rewrite",
       "docker stack deploy ignores `links`: services on a shared network reach each other "
       "by name, and a link alias (`db:database`) becomes a network alias of the linked "
       "service.")
def _links(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    links = svc.get("links") or []
    parts: KeyPath = ("services", name, "links")
    aliases = []
    for link in links:
        target, _, alias = str(link).partition(":")
        if alias and alias != target:
            c.add_alias(target, alias, parts)
            aliases.append(f"`{alias}` of '{target}'")
    kept = f"; kept as network alias{'es' if len(aliases) > 1 else ''}: {', '.join(aliases)}" \
        if aliases else ""
    c.rewrite("links", parts, "`links` is left out (docker stack deploy ignores it): services "
              f"on a shared network reach each other by name{kept}")


@_rule("services.*.depends_on", Treatment.DROPPED, "", "loss",
       "Swarm starts services in no particular order and waits for no condition "
       "(`service_healthy`, `service_completed_successfully`): the service must retry its "
       "dependencies itself. Dependencies Compose derives from `links`/`volumes_from` are "
       "not reported again.")
def _depends_on(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    parts: KeyPath = ("services", name, "depends_on")
    deps = svc.get("depends_on")
    if not c.written(parts) or not deps:
        return
    names = list(deps) if isinstance(deps, dict) else [str(d) for d in deps]
    waits = []
    if isinstance(deps, dict):
        for dep, cfg in deps.items():
            cond = (cfg or {}).get("condition") if isinstance(cfg, dict) else None
            if cond == "service_healthy":
                waits.append(f"'{dep}' to be healthy")
            elif cond == "service_completed_successfully":
                waits.append(f"'{dep}' to complete")
    wait = f" and does not wait for {', '.join(waits)}" if waits else ""
    c.loss("depends_on", parts, f"`depends_on` ({', '.join(names)}) is dropped: swarm starts "
           f"services in no particular order{wait}", help=_instead("depends_on"))


@_rule("services.*.expose", Treatment.DROPPED, "", "rewrite",
       "docker stack deploy ignores it; services on a shared network reach each other on "
       "every port anyway.")
def _expose(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    if svc.get("expose"):
        c.rewrite("expose", ("services", name, "expose"), "`expose` is left out: docker stack "
                  "deploy ignores it, and services on a shared network reach each other on "
                  "every port")


@_rule("services.*.profiles", Treatment.DROPPED, "", "rewrite",
       "Profiles are applied when converting (--profile): the services of inactive profiles "
       "are left out, each one reported.")
def _profiles(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    if svc.get("profiles"):
        c.rewrite("profiles", ("services", name, "profiles"), "`profiles` is left out: the "
                  "service's profile is active, so it is in the stack")


@_rule("services.*.extends", Treatment.REWRITTEN, "merged", "rewrite",
       "docker stack deploy refuses `extends`; the base service is merged in (as `docker "
       "compose config` does).")
def _extends(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    c.rewrite("extends", ("services", name, "extends"), "`extends` is resolved: the base "
              "service's keys are merged into this one")


@_rule("services.*.env_file", Treatment.REWRITTEN, "environment", "rewrite",
       "The variables Compose reads from the files are written into `environment`: docker "
       "stack deploy would read the files with the docker CLI's simpler parser (no quotes, "
       "no `${VAR}`), relative to the stack file.")
def _env_file(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    parts: KeyPath = ("services", name, "env_file")
    if c.written(parts):
        c.rewrite("env_file", parts, "`env_file` is written into `environment`: these are the "
                  "values Compose reads (docker stack deploy would parse the files "
                  "differently and relative to the stack file)",
                  help="keep secrets out of env files: a stack file holds them in clear; use "
                       "`secrets:`")


@_rule("services.*.label_file", Treatment.REWRITTEN, "labels", "rewrite",
       "The labels read from the files are written into `labels`.")
def _label_file(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    parts: KeyPath = ("services", name, "label_file")
    if c.written(parts):
        c.rewrite("label_file", parts, "`label_file` is written into `labels` (no 3.x form)")


@_rule("services.*.environment", Treatment.KEPT, "environment", "none",
       "Kept, with the values of `env_file` added; a variable without value is passed from "
       "the deploying shell, as in Compose.")
def _environment(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    if svc.get("environment"):
        out["environment"] = copy.deepcopy(svc["environment"])


@_rule("services.*.extra_hosts", Treatment.KEPT, "extra_hosts", "none",
       "Kept, written `HOST:IP` (the form every engine reads).")
def _extra_hosts(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    hosts = svc.get("extra_hosts")
    if not hosts:
        return
    items = hosts.items() if isinstance(hosts, dict) else [
        str(h).partition("=")[::2] if "=" in str(h) else str(h).partition(":")[::2]
        for h in hosts]
    result = []
    for host, ip in items:
        for one in ip if isinstance(ip, list) else [ip]:
            result.append(f"{host}:{one}")
    out["extra_hosts"] = result


# -- services: restart and resources --------------------------------------------------------------

_CONDITIONS = {"always": "any", "unless-stopped": "any", "on-failure": "on-failure",
               "no": "none"}


@_rule("services.*.restart", Treatment.REWRITTEN, "deploy.restart_policy", "rewrite",
       "`always`/`unless-stopped` -> `condition: any`, `on-failure[:N]` -> `condition: "
       "on-failure` (`max_attempts: N`), `no` -> `condition: none`; an existing "
       "`deploy.restart_policy` wins (a loss when they differ). A service without `restart` "
       "is reported too: swarm restarts it, Compose does not.")
def _restart(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("restart")
    parts: KeyPath = ("services", name, "restart")
    if not isinstance(value, str):
        return
    cond, _, count = value.partition(":")
    condition = _CONDITIONS.get(cond)
    if condition is None:
        c.loss("restart", parts, f"`restart: {value}` is dropped: not a restart policy")
        return
    policy: Tree = {"condition": condition}
    if count.isdigit() and condition == "on-failure":
        policy["max_attempts"] = int(count)
    deploy = out.setdefault("deploy", {})
    existing = deploy.get("restart_policy")
    shown = ", ".join(f"{k}: {v}" for k, v in policy.items())
    if isinstance(existing, dict):
        if all(existing.get(k) == v for k, v in policy.items()):
            c.rewrite("restart", parts, f"`restart: {value}` is left out: "
                      "`deploy.restart_policy` says the same")
        else:
            c.loss("restart", parts, f"`restart: {value}` is dropped: it differs from "
                   "`deploy.restart_policy`, which docker stack deploy uses and which is "
                   "kept")
        return
    deploy["restart_policy"] = policy
    note = (" (swarm has no `unless-stopped`: a task is always restarted)"
            if cond == "unless-stopped" else "")
    c.rewrite("restart", parts, f"`restart: {value}` is `deploy.restart_policy: {{{shown}}}`"
              f"{note}; docker stack deploy ignores `restart`")


def _to_deploy(c: _Converter, name: str, key: str, out: Tree, path: tuple[str, ...],
               value: Any, shown: str, *, same: Callable[[Any, Any], bool] | None = None) -> None:
    """Move the service key ``key`` to ``deploy.<path>`` (reporting it), unless the target
    format has no such place (a loss) or ``deploy`` already says it."""
    parts: KeyPath = ("services", name, key)
    dotted = "services.*.deploy." + ".".join(path)
    target = "deploy." + ".".join(path)
    if not c.available(dotted):
        reason, hint = c.needs(dotted)
        c.loss(key, parts, f"`{key}` is dropped: its stack form `{target}` is not available "
               f"({reason})", help=hint)
        return
    parent = _deploy_map(out, *path[:-1])
    if path[-1] in parent:
        if (same or (lambda a, b: str(a) == str(b)))(parent[path[-1]], value):
            c.rewrite(key, parts, f"`{key}` is left out: `{target}` says the same")
        else:
            c.loss(key, parts, f"`{key}` is dropped: it differs from `{target}` "
                   f"({parent[path[-1]]}), which is kept")
        return
    parent[path[-1]] = value
    c.rewrite(key, parts, f"`{key}` is `{target}: {shown}`; docker stack deploy refuses "
              f"`{key}`")


def _same_bytes(a: Any, b: Any) -> bool:
    return _bytes_text(a) == _bytes_text(b)


def _same_cpus(a: Any, b: Any) -> bool:
    return _cpus_text(a) == _cpus_text(b)


@_rule("services.*.mem_limit", Treatment.REWRITTEN, "deploy.resources.limits.memory",
       "rewrite", "docker stack deploy refuses `mem_limit`; the value is written in the "
       "largest exact unit (`536870912` -> `512M`).")
def _mem_limit(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    text = _bytes_text(svc.get("mem_limit"))
    if text is not None:
        _to_deploy(c, name, "mem_limit", out, ("resources", "limits", "memory"), text, text,
                   same=_same_bytes)


@_rule("services.*.mem_reservation", Treatment.REWRITTEN,
       "deploy.resources.reservations.memory", "rewrite", "No 3.x service key.")
def _mem_reservation(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    text = _bytes_text(svc.get("mem_reservation"))
    if text is not None:
        _to_deploy(c, name, "mem_reservation", out, ("resources", "reservations", "memory"),
                   text, text, same=_same_bytes)


@_rule("services.*.cpus", Treatment.REWRITTEN, "deploy.resources.limits.cpus", "rewrite",
       "Written as a string (`\"0.5\"`), as 3.x wants it.")
def _cpus(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("cpus")
    if value is None:
        return
    text = _cpus_text(value)
    if text == "0":
        c.rewrite("cpus", ("services", name, "cpus"), "`cpus: 0` (no limit) is left out")
        return
    _to_deploy(c, name, "cpus", out, ("resources", "limits", "cpus"), text, f'"{text}"',
               same=_same_cpus)


@_rule("services.*.cpu_quota", Treatment.REWRITTEN, "deploy.resources.limits.cpus",
       "rewrite", "Quota / period (`cpu_period`, default 100000 us) as a number of CPUs; a "
       "loss when `cpus` is set too.")
def _cpu_quota(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    quota = svc.get("cpu_quota")
    parts: KeyPath = ("services", name, "cpu_quota")
    if quota is None:
        return
    if svc.get("cpus") is not None:
        c.loss("cpu_quota", parts, "`cpu_quota` is dropped: `cpus` is converted instead")
        return
    period = svc.get("cpu_period") or 100000
    try:
        cpus = int(str(quota)) / int(str(period))
    except (ValueError, ZeroDivisionError):
        c.loss("cpu_quota", parts, f"`cpu_quota: {quota}` is dropped: not a number of "
               "microseconds")
        return
    if cpus <= 0:
        c.rewrite("cpu_quota", parts, "`cpu_quota` without a limit is left out")
        return
    text = _cpus_text(cpus)
    _to_deploy(c, name, "cpu_quota", out, ("resources", "limits", "cpus"), text,
               f'"{text}" (quota {quota} / period {period} us)', same=_same_cpus)


@_rule("services.*.cpu_period", Treatment.REWRITTEN, "deploy.resources.limits.cpus",
       "rewrite or loss", "Folded into `cpus` with `cpu_quota`; alone, a loss.")
def _cpu_period(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    parts: KeyPath = ("services", name, "cpu_period")
    if svc.get("cpu_period") is None:
        return
    if svc.get("cpu_quota") is not None and svc.get("cpus") is None:
        c.rewrite("cpu_quota", parts, "`cpu_period` is folded into "
                  "`deploy.resources.limits.cpus` with `cpu_quota`")
    else:
        c.loss("cpu_period", parts, "`cpu_period` is dropped: swarm has no CFS period "
               "setting")


@_rule("services.*.pids_limit", Treatment.REWRITTEN, "deploy.resources.limits.pids",
       "rewrite; loss below 3.9", "Needs 3.9 (Docker Engine 20.10): with the default target "
       "3.8 it is a loss, --engine 20.10 or later keeps it.")
def _pids_limit(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("pids_limit")
    if value is None:
        return
    try:
        number = int(str(value))
    except ValueError:
        number = -1
    if number <= 0:
        c.rewrite("pids_limit", ("services", name, "pids_limit"),
                  f"`pids_limit: {value}` (no limit) is left out")
        return
    _to_deploy(c, name, "pids_limit", out, ("resources", "limits", "pids"), number,
               str(number))


@_rule("services.*.memswap_limit", Treatment.REWRITTEN, "deploy.resources.memory_swap",
       "rewrite; loss below 3.14", "docker stack deploy refuses `memswap_limit`; "
       "`deploy.resources.memory_swap` exists from 3.14 only.")
def _memswap(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("memswap_limit")
    if value is None:
        return
    try:
        number = int(str(value))
    except ValueError:
        c.loss("memswap_limit", ("services", name, "memswap_limit"),
               f"`memswap_limit: {value}` is dropped: not a byte count")
        return
    _to_deploy(c, name, "memswap_limit", out, ("resources", "memory_swap"), number, str(number))


@_rule("services.*.mem_swappiness", Treatment.REWRITTEN, "deploy.resources.memory_swappiness",
       "rewrite; loss below 3.14", "`deploy.resources.memory_swappiness` exists from 3.14 "
       "only.")
def _swappiness(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("mem_swappiness")
    if value is not None:
        _to_deploy(c, name, "mem_swappiness", out, ("resources", "memory_swappiness"),
                   int(value), str(value))


@_rule("services.*.scale", Treatment.REWRITTEN, "deploy.replicas", "rewrite",
       "A loss for a `global` service (one task per node).")
def _scale(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    value = svc.get("scale")
    if value is None:
        return
    if (out.get("deploy") or {}).get("mode") == "global":
        c.loss("scale", ("services", name, "scale"), "`scale` is dropped: a global service "
               "runs one task on every node")
        return
    _to_deploy(c, name, "scale", out, ("replicas",), int(value), str(value))


@_rule("services.*.deploy", Treatment.KEPT, "deploy", "none",
       "Kept; CPU counts are written as strings and byte sizes in units. `mode: "
       "replicated-job`/`global-job` (Compose Specification) is a loss. Keys newer than the "
       "target format are losses (`deploy.resources.limits.pids` before 3.9...).")
def _deploy(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    deploy = svc.get("deploy")
    if not isinstance(deploy, dict):
        return
    result = copy.deepcopy(deploy)
    parts: KeyPath = ("services", name, "deploy")
    mode = result.get("mode")
    if mode in ("replicated-job", "global-job"):
        del result["mode"]
        if mode == "global-job":
            result["mode"] = "global"
        c.loss("deploy", (*parts, "mode"), f"`deploy.mode: {mode}` is dropped: a 3.x stack "
               f"has no jobs; the service runs as {result.get('mode', 'replicated')} and is "
               "restarted when it exits unless its restart policy says otherwise",
               help="set deploy.restart_policy.condition: on-failure (or none)",
               key="services.*.deploy.mode")
    resources = result.get("resources")
    if isinstance(resources, dict):
        for section in ("limits", "reservations"):
            block = resources.get(section)
            if not isinstance(block, dict):
                continue
            if block.get("cpus") is not None:
                block["cpus"] = _cpus_text(block["cpus"])
            if block.get("memory") is not None:
                block["memory"] = _bytes_text(block["memory"])
    out["deploy"] = result


# -- services: network -----------------------------------------------------------------------------


@_rule("services.*.network_mode", Treatment.REWRITTEN, "networks (external host/none)",
       "rewrite or loss", "`host` and `none` become the external networks of that name "
       "(`hostnet`, `nonet`); `service:`/`container:` have no stack form (loss).")
def _network_mode(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    mode = svc.get("network_mode")
    parts: KeyPath = ("services", name, "network_mode")
    if mode is None:
        return
    if mode in _MODE_NETWORKS:
        net = _MODE_NETWORKS[mode]
        cfg: Tree = {"external": True}
        if c.available("networks.*.name"):
            cfg["name"] = mode
        else:
            cfg["external"] = {"name": mode}
        c.extra_networks[net] = cfg
        c.mode_network[name] = mode
        out["networks"] = [net]
        c.rewrite("network_mode", parts, f"`network_mode: {mode}` is the external `{mode}` "
                  f"network (`networks: [{net}]`); docker stack deploy ignores `network_mode`")
        return
    c.loss("network_mode", parts, f"`network_mode: {mode}` is dropped: a swarm task cannot "
           "share another container's network", help=_instead("network_mode"))


@_rule("services.*.networks", Treatment.KEPT, "networks", "none",
       "Kept; the `default` network Compose adds is left implicit. `aliases` are kept; "
       "`ipv4_address`/`ipv6_address` are losses (swarm assigns task addresses), so are "
       "`priority`, `link_local_ips` and the Compose Specification's endpoint keys.")
def _networks(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    if name in c.mode_network:
        return
    nets = svc.get("networks")
    parts: KeyPath = ("services", name, "networks")
    if not isinstance(nets, dict):
        return
    result: Tree = {}
    for net, cfg in nets.items():
        if cfg is None:
            result[net] = None
            continue
        keep: Tree = {}
        for k, v in cfg.items():
            here = (*parts, net, k)
            if k == "aliases":
                if v:
                    keep[k] = list(v)
            elif k in ("ipv4_address", "ipv6_address"):
                c.loss("networks", here, f"`{k}` is dropped: swarm assigns the addresses of "
                       "tasks itself (a service has a virtual IP, or DNS round robin)",
                       key=f"services.*.networks.*.{k}")
            else:
                keep[k] = copy.deepcopy(v)
        result[net] = keep or None
    if not c.written(parts) and set(result) == {"default"} and result["default"] is None:
        return  # the network Compose adds; a stack adds the same one
    if all(v is None for v in result.values()):
        out["networks"] = list(result)
    else:
        out["networks"] = result


def _port_text(port: Tree) -> str:
    target = port.get("target")
    published = port.get("published")
    proto = port.get("protocol") or "tcp"
    text = f"{published}:{target}" if published not in (None, "") else f"{target}"
    return text + (f"/{proto}" if proto != "tcp" else "")


@_rule("services.*.ports", Treatment.REWRITTEN, "ports", "rewrite or loss",
       "Short syntax through the routing mesh; with --publish-mode host (or a port written "
       "with `mode: host`) the long syntax with `mode: host` (3.2). `host_ip` is a loss: "
       "swarm publishes on every interface. A fixed host port in host mode lets only one "
       "task per node publish it (reported when the service has several replicas). Ports "
       "of a service on the host network are left out.")
def _ports(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    ports = svc.get("ports")
    if not ports:
        return
    base: KeyPath = ("services", name, "ports")
    if c.mode_network.get(name) == "host":
        c.rewrite("ports", base, "`ports` is left out: the service uses the node's own network, "
                  "where its ports are the node's")
        return
    deploy = out.get("deploy") or {}
    replicas = deploy.get("replicas", 1) if deploy.get("mode", "replicated") == "replicated" \
        else 1
    result: list[Any] = []
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            result.append(Quoted(str(port)))
            continue
        here = (*base, i)
        for k in ("host_ip", "name", "app_protocol"):
            if port.get(k) not in (None, ""):
                why = ("swarm publishes on every interface of the node; restrict access with "
                       "a firewall, or reach the service over an overlay network"
                       if k == "host_ip" else "3.x ports have no such key")
                c.loss("ports", (*here, k), f"`{k}: {port[k]}` of port {_port_text(port)} is "
                       f"dropped: {why}", key=f"services.*.ports[].{k}")
        published = port.get("published")
        host = c.o.publish_mode == "host" or port.get("mode") == "host"
        ranged = isinstance(published, str) and "-" in published
        if host and ranged:
            c.loss("ports", here, f"port {_port_text(port)} is published through the routing "
                   "mesh: a host port range cannot be written in host mode",
                   key="services.*.ports[].mode")
            host = False
        if not host:
            result.append(Quoted(_port_text(port)))
            continue
        entry: Tree = {"target": port.get("target")}
        if published not in (None, ""):
            entry["published"] = int(str(published))
        entry["protocol"] = port.get("protocol") or "tcp"
        entry["mode"] = "host"
        result.append(entry)
        if c.o.publish_mode == "host" and port.get("mode") != "host":
            fixed = ""
            if published in (None, ""):
                fixed = "; each task gets a host port of its own"
            elif isinstance(replicas, int) and replicas > 1:
                fixed = (f"; a node runs only one task that publishes host port {published}, "
                         f"so the {replicas} replicas need {replicas} nodes (leave out the "
                         "host port to give each task its own)")
            c.rewrite("ports", here, f"port {_port_text(port)} is published in host mode "
                      f"(--publish-mode host): on the node that runs the task, without the "
                      f"routing mesh{fixed}", key="services.*.ports[].mode")
    out["ports"] = result


# -- services: storage ---------------------------------------------------------------------


@_rule("services.*.volumes", Treatment.REWRITTEN, "volumes", "rewrite or loss",
       "Short syntax where it says everything, else the long syntax (3.2). Bind mounts: "
       "the path is relative to the stack file when inside its directory, else absolute, "
       "and each is reported: swarm mounts the path of the node that runs the task and does "
       "not create it. `bind.create_host_path`, `selinux`, `recursive`, `volume.subpath`, "
       "`tmpfs.mode` and `image`/`cluster` mounts are losses.")
def _volumes(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    volumes = svc.get("volumes")
    if not volumes:
        return
    base: KeyPath = ("services", name, "volumes")
    result: list[Any] = []
    for i, vol in enumerate(volumes):
        here = (*base, i)
        if not isinstance(vol, dict):
            result.append(str(vol))
            continue
        converted = _volume(c, name, vol, here)
        if converted is not None:
            result.append(converted)
    if result:
        out["volumes"] = result


def _volume(c: _Converter, name: str, vol: Tree, here: KeyPath) -> Any:
    kind = vol.get("type") or "volume"
    target = vol.get("target")
    if kind not in ("volume", "bind", "tmpfs", "npipe"):
        c.loss("volumes", here, f"the `{kind}` mount at {target} is dropped: 3.x mounts are "
               "volume, bind, tmpfs or npipe", key="services.*.volumes[].type")
        return None
    source = vol.get("source")
    long: Tree = {"type": kind}
    if source not in (None, ""):
        long["source"] = c.path(source) if kind == "bind" else source
    long["target"] = target
    if vol.get("read_only"):
        long["read_only"] = True
    if vol.get("consistency"):
        long["consistency"] = vol["consistency"]
    for section, keep in (("bind", ("propagation",)), ("volume", ("nocopy",)),
                          ("tmpfs", ("size",))):
        options = vol.get(section)
        if not isinstance(options, dict):
            continue
        kept: Tree = {}
        for k, v in options.items():
            if k in keep:
                kept[k] = int(str(v)) if k == "size" else v
            elif k == "create_host_path":
                continue  # reported with the bind mount below
            elif v not in (None, False, "", [], {}):
                c.loss("volumes", (*here, section, k), f"`{section}.{k}` of the mount at "
                       f"{target} is dropped: 3.x mounts have no such option",
                       key=f"services.*.volumes[].{section}.{k}")
        if kept:
            long[section] = kept
    if kind == "bind":
        written = _written_source(c, here)
        relative = f" (written `{written}`)" if written else ""
        c.rewrite("volumes", here, f"bind mount of {source}{relative}: swarm mounts that path "
                  "of the node that runs the task, and does not create it (Compose does): it "
                  "must exist on every node the task may run on",
                  help="use a named volume, or pin the service to the node with "
                       "deploy.placement.constraints", key="services.*.volumes[].source")
    simple = set(long) <= {"type", "source", "target", "read_only"} and kind in ("volume",
                                                                                  "bind")
    if simple and (kind == "volume" or long.get("source")):
        text = f"{long['source']}:{target}" if long.get("source") else str(target)
        return text + (":ro" if long.get("read_only") else "")
    return long


def _written_source(c: _Converter, here: KeyPath) -> str:
    """The relative path (``./data``, ``~/x``) a mount's source was written as, or ``""``."""
    long = c.written((*here, "source"))
    w = c.where((*here, "source") if long else here, value=True)
    text = w.source[w.column - 1:] if w.source else ""
    text = text.strip().strip("\"'")
    token = re.split(r"[\s#\"',}\]]", text, maxsplit=1)[0].split(":", 1)[0]
    return token if token.startswith((".", "~")) else ""


def _reference_items(c: _Converter, name: str, key: str, svc: Tree, out: Tree) -> None:
    """``secrets``/``configs`` of a service: the short syntax when nothing else is set."""
    items = svc.get(key)
    if not items:
        return
    default_dir = "/run/secrets/" if key == "secrets" else "/"
    result: list[Any] = []
    for item in items:
        if not isinstance(item, dict):
            result.append(item)
            continue
        source = item.get("source")
        entry: Tree = {"source": source}
        target = item.get("target")
        if target not in (None, "", source, f"{default_dir}{source}"):
            if key == "secrets" and str(target).startswith("/run/secrets/"):
                target = str(target)[len("/run/secrets/"):]
            entry["target"] = target
        for k in ("uid", "gid"):
            if item.get(k) not in (None, ""):
                entry[k] = str(item[k])
        if item.get("mode") not in (None, ""):
            mode = item["mode"]
            entry["mode"] = int(mode, 8) if isinstance(mode, str) else int(mode)
        result.append(source if set(entry) == {"source"} else entry)
    out[key] = result


@_rule("services.*.secrets", Treatment.KEPT, "secrets", "none",
       "Kept, in the short syntax when only the name is set; `mode` is written as a decimal "
       "number (`0440` is 288), which every YAML reader reads the same way.")
def _secrets(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    _reference_items(c, name, "secrets", svc, out)


@_rule("services.*.configs", Treatment.KEPT, "configs", "none", "As `secrets`.")
def _configs(c: _Converter, name: str, svc: Tree, out: Tree) -> None:
    _reference_items(c, name, "configs", svc, out)


# -- the table -------------------------------------------------------------------------------

#: Keys whose content is merged into another key: what is below them is not listed.
_MERGED = frozenset({"services.*.env_file", "services.*.label_file", "services.*.extends"})

#: Top-level sections and the keys below them listed in the table besides the services'.
_SECTIONS = ("networks", "volumes", "secrets", "configs")


def mapping_table() -> list[MappingRow]:
    """Every Compose key and what the stack conversion does with it: the rules declared in
    this module, and for every other key what the key catalogue says (kept as it is, from the
    3.x version that has it; or dropped, because docker stack deploy ignores or refuses it or
    no 3.x format has it). Nested keys are listed where they differ from their parent."""
    rows: list[MappingRow] = []
    seen: set[str] = set()
    cap = BY_VERSION[DEFAULT_CAP]

    def add(row: MappingRow) -> None:
        if row.key not in seen:
            seen.add(row.key)
            rows.append(row)

    for key in ("version", "name", "include", "services", *_SECTIONS, "models"):
        if key in _RULES:
            add(_RULES[key])
        elif key == "services":
            add(MappingRow("services", Treatment.KEPT, "services", "none",
                           "Every enabled service; see the service keys below.",
                           explicit=False))
        else:
            add(_derived(catalogue_key(key), cap))
    for pseudo in ("(variables)", "(x- extension fields)"):
        add(_RULES[pseudo])
    for section in ("services", *_SECTIONS):
        node = root().children[section].children["*"]
        for entry in sorted(node.entries(), key=lambda k: k.name):
            row = _RULES.get(entry.dotted) or _derived(entry, cap)
            add(row)
            if row.treatment is Treatment.DROPPED or entry.dotted in _MERGED:
                continue  # what is below a dropped or merged key goes with it
            for nested in _nested(node.children[entry.name], entry):
                add(_RULES.get(nested.dotted) or _derived(nested, cap))
    for key, row in _RULES.items():
        if key not in seen:
            add(row)
    return rows


def _nested(node: Node, parent: Key) -> Iterator[Key]:
    """Keys below ``node`` whose stack treatment differs from ``parent``'s."""
    for child in node.children.values():
        entry = child.key
        if entry is not None:
            if entry.dotted in _RULES or _v3_since(entry) != _v3_since(parent):
                yield entry
            yield from _nested(child, entry)
        else:
            yield from _nested(child, parent)


def _v3_since(entry: Key) -> str | None:
    since = entry.avail.since(Family.V3)
    until = entry.avail.until(Family.V3)
    return None if since is None else f"{since.version}-{until.version if until else ''}"


def _derived(entry: Key, cap: FileFormat) -> MappingRow:
    behaviour = entry.runtime("stack")
    since = entry.avail.since(Family.V3)
    hint = _instead(entry.name) or (f"Use `{entry.instead}`." if entry.instead else "")
    if hint and not hint.endswith("."):
        hint += "."
    if behaviour.runtime in (Behaviour.IGNORED, Behaviour.REFUSED):
        verb = "ignores" if behaviour.runtime is Behaviour.IGNORED else "refuses"
        where = f": no 3.x form (in {entry.avail.describe()})" if since is None else ""
        return MappingRow(entry.dotted, Treatment.DROPPED, "", "loss",
                          f"docker stack deploy {verb} it{where}. {hint}".strip(),
                          explicit=False)
    if since is None:
        return MappingRow(entry.dotted, Treatment.DROPPED, "", "loss",
                          f"No 3.x form (in {entry.avail.describe()}). {hint}".strip(),
                          explicit=False)
    until = entry.avail.until(Family.V3)
    note = "Kept." if since.minor == 0 else f"Kept; needs {since.version}."
    if since > cap:
        note = (f"Kept from {since.version} (Docker Engine {since.min_engine}), with "
                f"--engine {since.min_engine} or later; a loss with the default target "
                f"{cap.version}.")
    if until is not None:
        note += f" Not after {_before(until).version}."
    return MappingRow(entry.dotted, Treatment.KEPT, entry.dotted.split(".", 2)[-1]
                      if entry.dotted.startswith("services.") else entry.dotted,
                      "none" if since <= cap else "loss below " + since.version, note,
                      explicit=False)
