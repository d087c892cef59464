"""Cross-reference checks on a merged project: what ``docker compose config`` refuses.

:func:`check_references` runs on the merged plain config (before
canonicalisation) and reports, with the file and position of the offending
reference:

* ``CK101`` a service referenced by ``depends_on``, ``links``, ``volumes_from``
  (not ``container:``), ``network_mode``/``ipc``/``pid``/``uts``/``cgroup``
  ``service:NAME`` or ``extends`` (same file) that is not defined;
* ``CK114`` a reference from an enabled service to a service that only an
  inactive profile enables (Compose reports it as undefined), unless the
  service's own ``depends_on`` entry for it says ``required: false`` (Compose
  keeps that entry, and it covers the ``links``, ``volumes_from`` and
  ``service:`` references to the same service);
* ``CK102``-``CK105`` a network, named volume, secret (also ``build.secrets``)
  or config used by a service but not declared at the top level;
* ``CK106`` a cycle through those service references, named in full
  (``a -> b -> a``) and located at the reference that closes it;
* ``CK109`` no services (a warning: ``config`` accepts it, ``up`` stops with
  "no service selected");
* ``CK110`` a service, volume, secret or config name outside
  ``[a-zA-Z0-9._-]`` (Compose's schema refuses it; network names are free);
* ``CK027`` a ``volumes_from`` entry in docker-compose 1.x's explicit form
  ``service:NAME:MODE`` (2.x files): it names service ``NAME`` and is
  checked as such, but Compose v2 reads ``service`` as the service name and
  refuses the file. Only Compose v2 refuses it, so the finding's origin is
  ``compose-v2`` (a refusal that does not decide the verdict on a 2.x file).

A network, volume, secret or config is not reported as undefined when the
top-level section that should declare it is not a mapping (the schema
reports that section). Every error here is a file that Compose v2 refuses;
the messages say so.
Compose checks only the services that the active profiles enable: the same
problems in a disabled service (or a cycle through one) are warnings, since
Compose refuses the file only once one of its profiles is active.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from composekit import codes
from composekit.diagnostics import Diagnostic, Severity, Span, json_path
from composekit.loader.canonical import (
    CanonicalError,
    is_service_enabled,
    parse_volume,
    parse_volumes_from,
)

__all__ = ["NAME_PATTERN", "Reference", "check_references", "service_references"]

KeyPath = tuple[str | int, ...]
Origin = Callable[[KeyPath], tuple[str, Span]]

#: Compose's schema pattern for service, volume, secret and config keys.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9._-]+$")

_NAMESPACES = ("network_mode", "ipc", "pid", "uts", "cgroup")


class Reference:
    """One reference from a service to another service, with where it is written.

    ``required`` is false only for a ``depends_on`` entry that says
    ``required: false``.
    """

    __slots__ = ("kind", "path", "required", "source", "target")

    def __init__(self, source: str, target: str, kind: str, path: KeyPath,
                 required: bool = True) -> None:
        self.source = source
        self.target = target
        self.kind = kind
        self.path = path
        self.required = required

    def __repr__(self) -> str:
        return f"Reference({self.source!r} -> {self.target!r} via {self.kind} at {self.path})"


def _services(config: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    raw = config.get("services")
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): (v if isinstance(v, Mapping) else {}) for k, v in raw.items()}


def service_references(name: str, service: Mapping[str, Any]) -> Iterator[Reference]:
    """Every service that ``service`` refers to, in file order."""
    base: KeyPath = ("services", name)
    depends = service.get("depends_on")
    if isinstance(depends, list):
        for index, target in enumerate(depends):
            yield Reference(name, str(target), "depends_on", (*base, "depends_on", index))
    elif isinstance(depends, Mapping):
        for target, entry in depends.items():
            required = not (isinstance(entry, Mapping) and entry.get("required") is False)
            yield Reference(name, str(target), "depends_on", (*base, "depends_on", str(target)),
                            required)
    for index, link in enumerate(_list(service.get("links"))):
        parts = str(link).split(":")
        target = parts[0] if len(parts) == 2 else str(link)
        yield Reference(name, target, "links", (*base, "links", index))
    for index, ref in enumerate(_list(service.get("volumes_from"))):
        source = parse_volumes_from(str(ref))
        if source.kind == "service":
            yield Reference(name, source.name, "volumes_from", (*base, "volumes_from", index))
    for key in _NAMESPACES:
        value = service.get(key)
        if isinstance(value, str) and value.startswith("service:"):
            yield Reference(name, value[len("service:"):], key, (*base, key))
    extends = service.get("extends")
    if isinstance(extends, str):
        yield Reference(name, extends, "extends", (*base, "extends"))
    elif isinstance(extends, Mapping) and not extends.get("file") and extends.get("service"):
        yield Reference(name, str(extends["service"]), "extends", (*base, "extends", "service"))


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


class _Checker:
    def __init__(self, config: Mapping[str, Any], origin: Origin, profiles: Collection[str],
                 extends: bool = True):
        self.config = config
        self.origin = origin
        self.profiles = set(profiles)
        self.extends = extends
        self.services = _services(config)
        self.enabled = {
            name for name, svc in self.services.items() if is_service_enabled(svc, self.profiles)
        }
        self.findings: list[Diagnostic] = []

    def report(
        self, slug: str, path: KeyPath, message: str, *, severity: Severity | None = None,
        help: str | None = None, origin: str = "crossref",
    ) -> None:
        try:
            file, span = self.origin(path)
        except (KeyError, LookupError):
            file, span = self.origin(path[:2]) if len(path) > 2 else ("<config>", Span())
        self.findings.append(
            codes.make(
                slug, file, span, message, json_path=json_path(path), help=help,
                severity=severity, origin=origin,
            )
        )

    # -- checks ---------------------------------------------------------------

    def no_services(self) -> None:
        if self.config.get("services") is not None and not isinstance(
            self.config.get("services"), Mapping
        ):
            return  # a shape the schema reports
        if not self.services:
            path: KeyPath = ("services",) if "services" in self.config else ()
            self.report(
                "no-services", path,
                "the project defines no services; `docker compose config` accepts it but "
                "`docker compose up` stops with 'no service selected'",
                severity=Severity.WARNING,
            )
        elif not self.enabled:
            active = ", ".join(sorted(self.profiles)) or "none"
            self.report(
                "no-services", ("services",),
                f"no service is enabled with the active profiles ({active}); "
                "`docker compose up` stops with 'no service selected'",
                severity=Severity.WARNING,
            )

    def names(self) -> None:
        for section in ("services", "volumes", "secrets", "configs"):
            block = self.config.get(section)
            if not isinstance(block, Mapping):
                continue
            for key in block:
                if not NAME_PATTERN.match(str(key)):
                    self.report(
                        "invalid-service-name", (section, str(key)),
                        f"{section[:-1]} name {str(key)!r} may only contain letters, digits, "
                        "'.', '_' and '-'; compose refuses the file",
                    )

    def _profiles_of(self, name: str) -> str:
        wanted = self.services[name].get("profiles")
        items = wanted if isinstance(wanted, list) else [wanted] if wanted else []
        return ", ".join(str(p) for p in items)

    def _refusal(self, name: str) -> tuple[str, Severity | None]:
        """How to end a message about service ``name``, and its severity.

        Compose checks only enabled services: in a disabled one the problem
        is a warning, since Compose refuses the file once its profile is on.
        """
        if name in self.enabled:
            return "compose refuses the file", None
        return self._once_enabled([name]), Severity.WARNING

    def _once_enabled(self, names: list[str]) -> str:
        which = ", ".join(f'"{n}" (profiles: {self._profiles_of(n)})' for n in names)
        return (f"compose checks only enabled services, and refuses the file once {which} "
                f"{'is' if len(names) == 1 else 'are'} enabled")

    def service_refs(self) -> None:
        for name, service in self.services.items():
            refs = list(service_references(name, service))
            # Compose folds links, volumes_from and service: references into depends_on
            # unless depends_on names the service already: its `required` covers them all.
            optional = {r.target for r in refs if r.kind == "depends_on" and not r.required}
            end, severity = self._refusal(name)
            for ref in refs:
                if ref.kind == "extends" and not self.extends:
                    continue
                if ref.target not in self.services:
                    what = "extends" if ref.kind == "extends" else "depends on"
                    self.report(
                        "undefined-service", ref.path,
                        f'service "{name}" {what} undefined service "{ref.target}" '
                        f"({ref.kind}); {end}",
                        severity=severity if ref.kind != "extends" else None,
                    )
                elif (
                    ref.kind != "extends"
                    and name in self.enabled
                    and ref.target not in self.enabled
                    and ref.target not in optional
                ):
                    wanted = self._profiles_of(ref.target)
                    active = ", ".join(sorted(self.profiles)) or "none"
                    self.report(
                        "disabled-dependency", ref.path,
                        f'service "{name}" depends on service "{ref.target}", which only '
                        f"profile(s) {wanted} enable (active: {active}); compose refuses the "
                        "file as if it were undefined",
                        help=f"activate a profile of {ref.target!r}, give {name!r} the same "
                        "profiles, or mark the dependency `required: false`",
                    )

    def volumes_from_forms(self) -> None:
        """docker-compose 1.x's ``service:NAME:MODE``, which Compose v2 misreads."""
        for name, service in self.services.items():
            if name not in self.enabled:
                continue
            for index, ref in enumerate(_list(service.get("volumes_from"))):
                source = parse_volumes_from(str(ref))
                if not source.explicit_service or source.name not in self.services:
                    continue  # an undefined service is reported as such
                short = f"{source.name}:{source.mode}" if source.mode else source.name
                self.report(
                    "invalid-value", ("services", name, "volumes_from", index),
                    f'volumes_from "{ref}" of service "{name}" names service '
                    f'"{source.name}" in docker-compose 1.x\'s form, which Compose v2 reads as '
                    'a dependency on a service called "service"; Compose v2 refuses the file',

                    help=f'write "{short}", which every Compose version reads',
                    origin="compose-v2",
                )

    def resources(self) -> None:
        sections = ("networks", "volumes", "secrets", "configs")
        declared = {
            section: set(map(str, (self.config.get(section) or {}).keys()))
            if isinstance(self.config.get(section), Mapping) else set()
            for section in sections
        }
        # A top-level section that is not a mapping (a list of names, ...) is a schema
        # error; what it declares is unknown, so nothing is reported as undefined in it.
        unreadable = {
            section for section in sections
            if self.config.get(section) is not None
            and not isinstance(self.config.get(section), Mapping)
        }
        for name, service in self.services.items():
            base: KeyPath = ("services", name)
            end, severity = self._refusal(name)
            nets = service.get("networks")
            if isinstance(nets, list):
                items: list[tuple[str, KeyPath]] = [
                    (str(n), (*base, "networks", i)) for i, n in enumerate(nets)
                ]
            elif isinstance(nets, Mapping):
                items = [(str(n), (*base, "networks", str(n))) for n in nets]
            else:
                items = []
            for net, path in items:
                if "networks" in unreadable:
                    break
                if net != "default" and net not in declared["networks"]:
                    self.report(
                        "undefined-network", path,
                        f'service "{name}" refers to undefined network {net}; {end}',
                        severity=severity,
                    )
            for index, mount in enumerate(_list(service.get("volumes"))):
                source = _named_volume(mount)
                if source is not None and source not in declared["volumes"] \
                        and "volumes" not in unreadable:
                    self.report(
                        "undefined-volume", (*base, "volumes", index),
                        f'service "{name}" refers to undefined volume {source}; {end}',
                        severity=severity,
                        help="declare it under the top-level 'volumes:' key, or write a path "
                        "starting with ./ or / for a bind mount",
                    )
            for section, slug, label, where in (
                ("secrets", "undefined-secret", "secret", ("secrets",)),
                ("configs", "undefined-config", "config", ("configs",)),
                ("secrets", "undefined-secret", "build secret", ("build", "secrets")),
            ):
                holder: Any = service
                for key in where[:-1]:
                    holder = holder.get(key) if isinstance(holder, Mapping) else None
                refs = holder.get(where[-1]) if isinstance(holder, Mapping) else None
                for index, ref in enumerate(_list(refs)):
                    source = ref.get("source") if isinstance(ref, Mapping) else ref
                    if source is None:
                        continue
                    if str(source) not in declared[section] and section not in unreadable:
                        self.report(
                            slug, (*base, *where, index),
                            f'service "{name}" refers to undefined {label} {source}; {end}',
                            severity=severity,
                        )

    def cycles(self) -> None:
        """Report each dependency cycle once, at the reference that closes it.

        Cycles among enabled services are errors; a cycle through a disabled
        service is a warning (Compose checks only the enabled ones).
        """
        graph: dict[str, list[Reference]] = {name: [] for name in self.services}
        for name, service in self.services.items():
            for ref in service_references(name, service):
                if ref.kind != "extends" and ref.target in self.services:
                    graph[name].append(ref)
        seen_cycles: set[tuple[str, ...]] = set()
        self._find_cycles(graph, self.enabled, seen_cycles)
        self._find_cycles(graph, set(self.services), seen_cycles)

    def _find_cycles(self, graph: Mapping[str, list[Reference]], nodes: Collection[str],
                     seen_cycles: set[tuple[str, ...]]) -> None:
        done: set[str] = set()

        def visit(node: str, stack: list[str]) -> None:
            stack.append(node)
            for ref in sorted(graph[node], key=lambda r: r.target):
                if ref.target not in nodes:
                    continue
                if ref.target in stack:
                    start = stack.index(ref.target)
                    members = stack[start:]
                    pivot = members.index(min(members))
                    key = tuple(members[pivot:] + members[:pivot])
                    if key not in seen_cycles:
                        seen_cycles.add(key)
                        self._report_cycle(members, ref, node)
                elif ref.target not in done:
                    visit(ref.target, stack)
            stack.pop()
            done.add(node)

        for name in sorted(nodes):
            if name not in done:
                visit(name, [])

    def _report_cycle(self, members: list[str], ref: Reference, node: str) -> None:
        chain = " -> ".join([*members, ref.target])
        disabled = [m for m in members if m not in self.enabled]
        if disabled:
            end, severity = self._once_enabled(sorted(disabled)), Severity.WARNING
        else:
            end, severity = "compose refuses the file", None
        self.report(
            "dependency-cycle", ref.path,
            f'dependency cycle detected: {chain} (closed by {ref.kind} of "{node}"); {end}',
            severity=severity,
        )


def _named_volume(mount: Any) -> str | None:
    if isinstance(mount, str):
        try:
            parsed = parse_volume(mount)
        except CanonicalError:
            return None
    elif isinstance(mount, Mapping):
        parsed = dict(mount)
    else:
        return None
    source = parsed.get("source")
    if parsed.get("type") == "volume" and source:
        return str(source)
    return None


def check_references(
    config: Mapping[str, Any],
    origin: Origin,
    *,
    profiles: Collection[str] = (),
    extends: bool = True,
) -> list[Diagnostic]:
    """Report undefined references, cycles and invalid names in a merged config.

    ``origin`` maps a key path (``("services", "web", "depends_on", 0)``) to the
    file and span where that key or item is written. ``profiles`` are the active
    profiles (Compose's default is none): services whose profiles are all
    inactive are not started, so an enabled service depending on one is refused.
    ``extends`` says whether to check same-file ``extends`` references: the
    project loader resolves them first and reports those it cannot resolve
    (an ``extends`` left in ``config`` is one that failed).
    """
    checker = _Checker(config, origin, profiles, extends)
    checker.no_services()
    checker.names()
    checker.service_refs()
    checker.volumes_from_forms()
    checker.resources()
    checker.cycles()
    return sorted(checker.findings)
