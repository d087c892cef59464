"""The named transforms, one per known mapping between file formats.

Each transform is attached to the rungs of the ladder (:mod:`composekit.convert.ladder`)
where what it rewrites appears or disappears, and has an ``up`` and/or a ``down`` function
for the two directions of crossing them. A transform only acts on keys the target format
does not have, and records every change it makes in the report (a ``rewrite`` when the
meaning is kept, a ``loss`` when the target cannot say it). Keys no transform handles are
dropped and reported by the catalogue sweep (:mod:`composekit.convert.sweep`), so a new
Compose key needs a catalogue entry, and a transform only when there is a way to rewrite it.

Transforms run in the order of :data:`TRANSFORMS` at each rung, in both directions.

The meanings are those of the reference tools: docker-compose 1.26.2 for v1 (services on the
default bridge network, ``volumes_from`` and ``net: container:X`` naming services before
containers, named volumes without a project prefix) and Compose v2 for the rest
(``mem_limit`` and ``deploy.resources.limits.memory`` are the same limit).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from composekit.catalog.model import (
    AnyMap,
    Avail,
    Bool,
    Int,
    ListOf,
    MapOf,
    Null,
    Num,
    Obj,
    OneOf,
    Str,
    T,
    When,
)
from composekit.catalog.versions import FileFormat
from composekit.convert.context import Context
from composekit.convert.edit import (
    clone,
    copy_entry,
    ensure_map,
    materialise,
    move,
    prune,
    quoted,
    restyle,
    scalar,
    text_of,
    verbatim,
)
from composekit.convert.model import Alias, Entry, Item, Map, Node, Scalar, Seq, deref, plain
from composekit.convert.report import Difference

__all__ = ["TRANSFORMS", "Transform", "by_name", "for_step", "phase"]

Fn = Callable[[Context], None]
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Transform:
    """A named rewrite between file formats (see the module docstring)."""

    name: str
    #: rungs ``(lower, upper)`` where it runs
    at: tuple[tuple[str, str], ...]
    #: catalogue keys it rewrites (``services.*.net``)
    keys: tuple[str, ...]
    up: Fn | None
    down: Fn | None
    doc: str
    #: ``step``: at its rungs; ``first``/``final``: once before/after the steps of every
    #: conversion that changes the format (its ``up`` function)
    phase: str = "step"

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name


TRANSFORMS: list[Transform] = []


def transform(name: str, *, at: tuple[tuple[str, str], ...] = (),
              keys: tuple[str, ...] = (), phase: str = "step") -> Callable[[type], type]:
    """Register a class with ``up``/``down`` static methods as a transform; its docstring
    is the transform's documentation. ``phase``: ``step`` (at the rungs ``at``),
    ``first`` or ``final`` (once before or after the steps)."""

    def register(cls: type) -> type:
        TRANSFORMS.append(Transform(name, at, keys, getattr(cls, "up", None),
                                    getattr(cls, "down", None), cls.__doc__ or "", phase))
        return cls

    return register


def by_name(name: str) -> Transform:
    for t in TRANSFORMS:
        if t.name == name:
            return t
    raise KeyError(name)


def phase(name: str) -> Iterator[tuple[Transform, Fn]]:
    """The transforms that run once before (``first``) or after (``final``) the steps."""
    for t in TRANSFORMS:
        if t.phase == name and t.up is not None:
            yield t, t.up


def for_step(boundary: tuple[str, str], up: bool) -> Iterator[tuple[Transform, Fn]]:
    """The transforms of a rung, with the function for the direction of the crossing."""
    for t in TRANSFORMS:
        if t.phase == "step" and boundary in t.at:
            fn = t.up if up else t.down
            if fn is not None:
                yield t, fn


def _svc(name: str, *rest: str | int) -> Path:
    return ("services", name, *rest)


V3_RUNG = ("2.4", "3.0")
SPEC_RUNG = ("3.14", "spec")
V1_RUNG = ("1", "2.0")


# =========================================================================================
# legacy v1 <-> 2.0
# =========================================================================================


@transform("v1-services", at=(V1_RUNG,))
class V1Services:
    """v1 -> 2.0: the services go under ``services:``.

    A v1 file is one mapping of services. Going up, that mapping becomes the value of a new
    ``services:`` key (the file's header comments stay at the top); going down (the last
    step to v1, see ``v1-unwrap``) the services come back to the top level.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        if not ctx.v1:
            return
        old = ctx.root
        root = Map()
        root.preamble = _head_lines(old, ctx)
        old.preamble = []
        root.set("services", old)
        ctx.root = root
        ctx.v1 = False


def _head_lines(m: Map, ctx: Context) -> list[str]:
    """The lines above the first entry of a block mapping (the file's header)."""
    if m.preamble is not None:
        return list(m.preamble)
    if m.block is None or not m.block.regions:
        return []
    nl = ctx.src.newline
    return [ctx.src.lines[i] if ctx.src.lines[i].endswith("\n") else ctx.src.lines[i] + nl
            for i in range(m.block.start, m.block.regions[0].lead)]


@transform("v1-net", at=(V1_RUNG,), keys=("services.*.net",))
class V1Net:
    """v1 ``net`` <-> ``network_mode``, and v1's default bridge network.

    Up: ``net: X`` becomes ``network_mode: X``; ``net: container:NAME`` becomes
    ``network_mode: service:NAME`` when NAME is a service (docker-compose 1.x reads it so).
    A v1 service without ``net`` runs on Docker's default bridge network, not on a project
    network (2.0 has those): it gets ``network_mode: bridge``, which keeps that (remove it
    to put the service on the project's network).

    Down: ``network_mode: bridge`` is v1's default and is removed; ``service:NAME`` becomes
    ``net: container:NAME``; other values become ``net``. A service on the project network
    (no ``network_mode``) can only be put on the default bridge network in v1: a loss.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        names = ctx.service_names()
        for name, svc in ctx.services():
            e = svc.entry("net")
            if e is not None:
                value = text_of(e.value) or ""
                svc.rename("net", "network_mode")
                if value.startswith("container:") and value[len("container:"):] in names:
                    svc.set("network_mode",
                            restyle(e.value, "service:" + value[len("container:"):]))
                ctx.rewrite("v1-net", e, _svc(name, "net"),
                            f"`net: {value}` is `network_mode` from 2.0 on",
                            reversible=value != "bridge")
            elif svc.owner("net") is None and svc.owner("network_mode") is None:
                at = _after_identity(svc)
                svc.set("network_mode", scalar("bridge"), at=at)
                ctx.rewrite("v1-net", _service_entry(ctx, name), _svc(name),
                            f"service `{name}`: v1 runs services on Docker's default bridge "
                            "network; `network_mode: bridge` keeps that (remove it to join "
                            "the project's network)")

    @staticmethod
    def down(ctx: Context) -> None:
        # decided first: removing `network_mode: bridge` from a merged mapping must not make
        # the services that merge it look like project-network services
        on_project = {name for name, svc in ctx.services() if svc.owner("network_mode") is None}
        for name, svc in ctx.services():
            e = svc.entry("network_mode")
            if e is not None:
                value = text_of(e.value) or ""
                if value == "bridge":
                    svc.remove(e)
                    ctx.rewrite("v1-net", e, _svc(name, "network_mode"),
                                "`network_mode: bridge` is v1's default; removed",
                                reversible=False)
                    continue
                svc.rename("network_mode", "net")
                if value.startswith("service:"):
                    svc.set("net", restyle(e.value, "container:" + value[len("service:"):]))
                ctx.rewrite("v1-net", e, _svc(name, "network_mode"),
                            f"`network_mode: {value}` is `net` in v1", reversible=False)
            elif name in on_project:
                ctx.loss("v1-net", _service_entry(ctx, name), _svc(name),
                         f"service `{name}` runs on the project's network; v1 has no project "
                         "networks and puts it on Docker's default bridge network (other "
                         "services are reachable only through `links`)",
                         Difference(_svc(name, "network_mode"), _svc(name, "network_mode")),
                         Difference(_svc(name, "networks"), _svc(name, "networks")))


def _service_entry(ctx: Context, name: str) -> Entry | None:
    """The entry of a service in the services mapping (for the position of findings)."""
    section = ctx.services_map()
    return section.entry(name) if section is not None else None


def _after_identity(svc: Map) -> int:
    """Where a new key goes in a service: after ``image``/``build`` when they lead."""
    at = 0
    for i, e in enumerate(svc.entries):
        if e.key in ("image", "build", "<<", "extends", "container_name"):
            at = i + 1
        else:
            break
    return at


@transform("v1-dockerfile", at=(V1_RUNG,), keys=("services.*.dockerfile",))
class V1Dockerfile:
    """v1 ``dockerfile`` <-> ``build.dockerfile``.

    Up: ``build: PATH`` and ``dockerfile: FILE`` become ``build: {context: PATH, dockerfile:
    FILE}``. Down: a ``build`` mapping becomes ``build: CONTEXT`` and ``dockerfile: FILE``;
    its other keys (``args``, ``target``...) have no v1 form and are lost.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        for name, svc in ctx.services():
            if "dockerfile" not in svc:
                continue
            build_e = svc.entry("build")
            df = svc.entry("dockerfile")
            assert df is not None
            if build_e is None or not isinstance(deref(build_e.value), Scalar):
                continue  # refused by v1's schema; left for the self-check
            context = build_e.value
            build = Map()
            build.set("context", context)
            svc.set("build", build)
            move(svc, "dockerfile", build, "dockerfile")
            ctx.rewrite("v1-dockerfile", df, _svc(name, "dockerfile"),
                        "`dockerfile` is `build.dockerfile` from 2.0 on")

    @staticmethod
    def down(ctx: Context) -> None:
        for name, svc in ctx.services():
            build = deref(materialise(svc, "build"))
            if not isinstance(build, Map):
                continue
            be = svc.entry("build")
            assert be is not None
            context = build.get("context")
            for e in list(build.entries):
                if e.key in ("context", "dockerfile"):
                    continue
                build.remove(e)
                ctx.loss("v1-dockerfile", e, _svc(name, "build", e.key),
                         f"`build.{e.key}` has no v1 form (a v1 build is a path); dropped",
                         Difference(_svc(name, "build", e.key), None))
            image = svc.entry("image")
            if image is not None:
                svc.remove(image)
                ctx.loss("v1-dockerfile", image, _svc(name, "image"),
                         f"v1 cannot name the image it builds: `image: {plain(image.value)}` "
                         "dropped (the image is named after the project and service)",
                         Difference(_svc(name, "image"), None))
            if context is None:
                ctx.loss("v1-dockerfile", be, _svc(name, "build"),
                         "a build without `context` has no v1 form; dropped",
                         Difference(_svc(name, "build"), None))
                svc.remove(be)
                continue
            df = build.entry("dockerfile")
            svc.set("build", context)
            if df is not None:
                df_entry = build.pop("dockerfile")
                svc.insert(df_entry, after="build")
            ctx.rewrite("v1-dockerfile", be, _svc(name, "build"),
                        "a v1 `build` is the context path; `build.dockerfile` becomes "
                        "`dockerfile`" if df is not None else
                        "a v1 `build` is the context path", reversible=False)


@transform("v1-logging", at=(V1_RUNG,), keys=("services.*.log_driver", "services.*.log_opt"))
class V1Logging:
    """v1 ``log_driver``/``log_opt`` <-> ``logging.driver``/``logging.options``."""

    @staticmethod
    def up(ctx: Context) -> None:
        for name, svc in ctx.services():
            keys = [k for k in ("log_driver", "log_opt") if k in svc]
            if not keys:
                continue
            first = min(svc.index(k) for k in keys)
            logging = ensure_map(svc, "logging", at=first)
            for k, new_key in (("log_driver", "driver"), ("log_opt", "options")):
                if k in svc:
                    e = move(svc, k, logging, new_key)
                    ctx.rewrite("v1-logging", e, _svc(name, k),
                                f"`{k}` is `logging.{new_key}` from 2.0 on")

    @staticmethod
    def down(ctx: Context) -> None:
        for name, svc in ctx.services():
            logging = deref(materialise(svc, "logging"))
            if not isinstance(logging, Map):
                continue
            at = svc.index("logging")
            for k, old in (("driver", "log_driver"), ("options", "log_opt")):
                if k in logging:
                    e = move(logging, k, svc, old, at=at)
                    at += 1
                    ctx.rewrite("v1-logging", e, _svc(name, "logging", k),
                                f"`logging.{k}` is `{old}` in v1", reversible=False)
            for e in list(logging.entries):
                logging.remove(e)
                ctx.loss("v1-logging", e, _svc(name, "logging", e.key),
                         f"`logging.{e.key}` has no v1 form; dropped",
                         Difference(_svc(name, "logging", e.key), None))
            prune(svc, "logging")


@transform("v1-volumes-from", at=(V1_RUNG,), keys=("services.*.volumes_from",))
class V1VolumesFrom:
    """v1 ``volumes_from`` names a service or a container; 2.0 marks containers.

    In v1, ``volumes_from: [NAME]`` means the service NAME when there is one, else the
    container NAME. Up: container names get the ``container:`` prefix. Down: the prefix
    goes; a container named like a service would then mean the service: a loss.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        if not ctx.has("services.*.volumes_from"):
            return  # dropped later (volumes-from)
        names = ctx.service_names()
        for use in ctx.uses("volumes_from"):
            seq = deref(use.entry.value)
            if not isinstance(seq, Seq) or not ctx.once("v1-volumes-from", seq):
                continue
            for i, it in enumerate(seq.items):
                text = text_of(it.value)
                if text is None:
                    continue
                source = text.split(":")[0]
                if source not in names and not text.startswith("container:"):
                    seq.replace(i, restyle(it.value, "container:" + text))
                    ctx.rewrite("v1-volumes-from", it, _svc(use.services[0], "volumes_from", i),
                                f"`{source}` is not a service, so v1 reads it as a container: "
                                f"`container:{text}` from 2.0 on")

    @staticmethod
    def down(ctx: Context) -> None:
        names = ctx.service_names()
        for use in ctx.uses("volumes_from"):
            seq = deref(use.entry.value)
            if not isinstance(seq, Seq) or not ctx.once("v1-volumes-from", seq):
                continue
            for i, it in enumerate(seq.items):
                text = text_of(it.value)
                if text is None:
                    continue
                parts = text.split(":")
                if parts[0] not in ("container", "service") or len(parts) < 2:
                    continue
                kind, source, rest = parts[0], parts[1], parts[2:]
                value = ":".join([source, *rest])
                seq.replace(i, restyle(it.value, value))
                where = _svc(use.services[0], "volumes_from", i)
                if kind == "container" and source in names:
                    ctx.loss("v1-volumes-from", it, where,
                             f"v1 reads `{source}` as the service of that name, not the "
                             "container",
                             *(Difference(_svc(s, "volumes_from"), _svc(s, "volumes_from"))
                               for s in use.services))
                else:
                    ctx.rewrite("v1-volumes-from", it, where,
                                f"`{text}` is written `{value}` in v1", reversible=False)


def _named_volume(spec: Any) -> str | None:
    """The volume name a short volume spec mounts (``data:/data`` -> ``data``)."""
    if not isinstance(spec, str) or ":" not in spec:
        return None
    from composekit.loader.merge import parse_volume

    parsed = parse_volume(spec)
    if parsed is None or parsed.get("type") != "volume":
        return None
    source = parsed.get("source")
    if not isinstance(source, str) or not source or "$" in source:
        return None
    return source


@transform("v1-named-volumes", at=(V1_RUNG,), keys=("volumes",))
class V1NamedVolumes:
    """v1 named volumes <-> top-level ``volumes:`` declarations.

    v1 has no ``volumes:`` section: ``data:/data`` makes Docker create (or reuse) a volume
    called ``data``, without the project prefix. 2.0 wants named volumes declared. Up: each
    is declared with ``name: data`` where the target has ``name`` (2.1+, 3.4+), which keeps
    the same volume; else as ``external: true`` (the same volume, but it must exist before
    ``up``: a loss). A ``volume_driver`` the services agree on becomes the declaration's
    ``driver``. Down: declarations that v1 makes implicitly (``name`` equal to the key, or
    ``external: true``) are removed; others cannot be said in v1 (a project-scoped name, a
    driver): losses.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        used: dict[str, list[tuple[str, Item]]] = {}
        drivers: dict[str, set[str | None]] = {}
        for name, svc in ctx.services():
            seq = deref(svc.lookup("volumes"))
            driver = text_of(svc.lookup("volume_driver"))
            if not isinstance(seq, Seq):
                continue
            for it in seq.items:
                vol = _named_volume(plain(it.value))
                if vol is not None:
                    used.setdefault(vol, []).append((name, it))
                    drivers.setdefault(vol, set()).add(driver)
        if not used:
            return
        section = ctx.ensure_top("volumes")
        named = ctx.has("volumes.*.name")
        for vol in sorted(used, key=lambda v: ctx.position(used[v][0][1])):
            if vol in section:
                continue
            decl = Map()
            if named:
                decl.set("name", scalar(vol))
            else:
                decl.set("external", scalar(True))
            ds = drivers[vol]
            if len(ds) == 1 and None not in ds and named:
                decl.set("driver", scalar(next(iter(ds))))
            section.set(vol, decl)
            service, item = used[vol][0]
            if named:
                ctx.rewrite("v1-named-volumes", item, _svc(service, "volumes"),
                            f"named volume `{vol}` is declared under `volumes:` with "
                            f"`name: {vol}` (v1 names it without the project prefix)",
                            Difference(None, ("volumes", vol)))
            else:
                ctx.loss("v1-named-volumes", item, _svc(service, "volumes"),
                         f"named volume `{vol}` is declared `external: true`: "
                         f"{ctx.target.version} cannot name a volume without the project "
                         "prefix, so it must exist before `up` (v1 created it)",
                         Difference(None, ("volumes", vol)))

    @staticmethod
    def down(ctx: Context) -> None:
        section = ctx.top("volumes")
        if section is None:
            return
        entry = ctx.root.entry("volumes")
        for e in list(section.entries):
            decl = plain(e.value) or {}
            if not isinstance(decl, dict):
                decl = {}
            implicit = (decl == {"name": e.key} or decl == {"external": True}
                        or decl == {"external": {"name": e.key}})
            if implicit:
                ctx.rewrite("v1-named-volumes", e, ("volumes", e.key),
                            f"v1 creates named volume `{e.key}` when a service mounts it; "
                            "declaration removed", Difference(("volumes", e.key), None),
                            reversible=False)
            else:
                ctx.loss("v1-named-volumes", e, ("volumes", e.key),
                         f"volume `{e.key}`: v1 has no volume declarations; Docker creates "
                         f"`{e.key}` (no project prefix, default driver, no labels) when a "
                         "service mounts it",
                         Difference(("volumes", e.key), None))
        if entry is not None:
            ctx.root.remove(entry)


# =========================================================================================
# extends (2.x and the Compose Specification; not 3.x)
# =========================================================================================

#: keys whose mappings (or KEY=VALUE lists) merge by name
_KV_KEYS = {"environment", "labels", "annotations", "sysctls", "extra_hosts"}
#: keys whose value the extending service replaces
_REPLACED = {"command", "entrypoint"}
#: sequences Compose de-duplicates by the container path
_BY_TARGET = {"volumes", "devices"}


@transform("extends-other-file", phase="first", keys=("services.*.extends.file",))
class ExtendsOtherFile:
    """``extends`` from another file is inlined when the target tool could not read it.

    docker-compose 1.x refuses to extend a service of a file whose ``version`` differs from
    the extending file's ("Version mismatch"), and the other file keeps its version while
    this one changes; Compose v2 cannot extend a service of a v1 file (no ``services:``).
    So then the base is inlined first, and converted with the rest; so is a base in another
    file when the target has no ``extends`` at all (3.x), since that file's keys are in the
    source's format. (Bases in the same file are inlined by ``extends-inline``.)
    """

    @staticmethod
    def up(ctx: Context) -> None:
        done: set[int] = set()
        for name, svc in ctx.services():
            spec = plain(svc.get("extends"))
            if not (isinstance(spec, dict) and isinstance(spec.get("file"), str)) or \
                    _same_file(ctx, spec["file"]):
                continue
            other = _format_of(os.path.join(ctx.base_dir, spec["file"]))
            if ctx.target.family.value == "spec":
                if other is None or other.family.value != "1":
                    continue
                why = "Compose v2 cannot extend a service of a v1 file"
            elif not ctx.has("services.*.extends"):
                why = f"{ctx.target.version} has no `extends`"
            elif other == ctx.target:
                continue
            else:
                why = "docker-compose 1.x refuses to extend a file of another version"
            # first, so that the inlined keys are converted with the rest
            _inline(ctx, name, svc, done, (), why=why)


@transform("project-name", at=(SPEC_RUNG,), keys=("name",))
class ProjectName:
    """The Compose Specification's top-level ``name`` (the project name) has no other form.

    Without it, Compose names the project after the directory (or ``-p``), which changes
    the names of the networks, volumes and containers it creates: a loss.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        e = ctx.root.entry("name")
        if e is None or ctx.has("name"):
            return
        ctx.root.remove(e)
        diffs = [Difference(("name",), ("name",)),
                 Difference(("networks", "default", "name"), ("networks", "default", "name"))]
        for section_name in ("networks", "volumes", "secrets", "configs"):
            section = ctx.top(section_name)
            for key in section.keys() if section is not None else []:
                decl = plain(section.get(key)) if section is not None else None
                if not isinstance(decl, dict) or ("name" not in decl and not decl.get(
                        "external")):
                    diffs.append(Difference((section_name, key, "name"),
                                            (section_name, key, "name")))
        ctx.loss("project-name", e, ("name",),
                 f"`name: {plain(e.value)}` (the project name) has no form in "
                 f"{ctx.target.version}: Compose names the project after the directory or "
                 "-p, and its networks and volumes after the project", *diffs)


@transform("reset-override-tags", at=(SPEC_RUNG,))
class ResetOverrideTags:
    """Compose v2's ``!reset`` and ``!override`` tags, which no other format knows.

    In a service that ``extends`` another, they say how its keys merge with the base's, so
    the ``extends`` is inlined with those rules (``!reset``: the key is gone, ``!override``:
    the service's value replaces the base's). Elsewhere, ``!reset`` removes the key and
    ``!override`` is just its value.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        done: set[int] = set()
        for name, svc in ctx.services():
            if "extends" in svc and any(e.value.tag for e in svc.entries):
                _inline(ctx, name, svc, done, (), why=f"{ctx.target.version} has no "
                        "`!reset`/`!override`")
        for path, holder, node in list(_tagged(ctx.root, ())):
            if node.tag == "!reset":
                if isinstance(holder, Entry) and holder.home is not None:
                    holder.home.remove(holder)
                    ctx.rewrite("reset-override-tags", holder, path,
                                f"`!reset` removes `{path[-1]}`; removed")
            elif node.tag == "!override":
                fresh = clone(node, keep_text=False)
                fresh.tag = None
                _replace(holder, node, fresh)
                ctx.rewrite("reset-override-tags", holder, path,
                            f"`!override` on `{path[-1]}` dropped (nothing to override)")


def _tagged(node: Node, path: Path) -> Iterator[tuple[Path, Entry | Item, Node]]:
    if isinstance(node, Map):
        for e in list(node.entries):
            if e.value.tag in ("!reset", "!override"):
                yield (*path, e.key), e, e.value
            else:
                yield from _tagged(e.value, (*path, e.key))
    elif isinstance(node, Seq):
        for i, it in enumerate(node.items):
            if it.value.tag in ("!reset", "!override"):
                yield (*path, i), it, it.value
            else:
                yield from _tagged(it.value, (*path, i))


@transform("extends-inline", at=(V3_RUNG, SPEC_RUNG), keys=("services.*.extends",))
class ExtendsInline:
    """``extends`` (gone in 3.0-3.x) is inlined.

    The base service's keys are written into the extending service with Compose's merge
    rules: keys only the base has are copied (with their comments); mappings such as
    ``environment`` and ``labels`` merge key by key, the extending service winning; lists
    such as ``ports`` and ``dns`` are the base's items followed by the service's own;
    ``volumes`` and ``devices`` keep one mount per container path (the service's);
    ``command``, ``entrypoint`` and scalars are the service's. A base in another file is
    read from it (relative paths rebased on this file's directory). What cannot be resolved
    (a missing file or service, a cycle) is a loss.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        _inline_all(ctx)

    @staticmethod
    def down(ctx: Context) -> None:
        _inline_all(ctx)


def _inline_all(ctx: Context) -> None:
    if ctx.has("services.*.extends"):
        return
    done: set[int] = set()
    for name, svc in ctx.services():
        _inline(ctx, name, svc, done, ())


def _inline(ctx: Context, name: str, svc: Map, done: set[int],
            chain: tuple[str, ...], why: str = "") -> None:
    if id(svc) in done:
        return
    done.add(id(svc))
    e = svc.entry("extends")
    if e is None:
        return
    spec = plain(e.value)
    base_name: str | None = None
    file: str | None = None
    if isinstance(spec, str):
        base_name = spec
    elif isinstance(spec, dict):
        base_name = spec.get("service") if isinstance(spec.get("service"), str) else None
        file = spec.get("file") if isinstance(spec.get("file"), str) else None
    base: Map | None = None
    same_file = True
    rebase = ""
    problem = ""
    if base_name is None:
        problem = "`extends` names no service"
    elif file is None or _same_file(ctx, file):
        if base_name in chain or base_name == name:
            problem = f"`extends` makes a cycle through `{base_name}`"
        else:
            section = ctx.services_map()
            found = deref(section.get(base_name)) if section is not None else None
            if isinstance(found, Map):
                _inline(ctx, base_name, found, done, (*chain, name))
                base = found
            else:
                problem = f"service `{base_name}` does not exist"
    else:
        base, problem, rebase = _read_base(ctx, file, base_name, (*chain, name))
        same_file = False
    if base is None:
        svc.remove(e)
        ctx.loss("extends-inline", e, _svc(name, "extends"),
                 f"cannot inline `extends`: {problem}; dropped", Difference(_svc(name),
                                                                           _svc(name)))
        return
    skip = _apply_tags(svc)
    at = svc.index("extends")
    svc.remove(e)
    inherited = _merge_into(ctx, svc, base, at, same_file, rebase, skip)
    where = f"`{base_name}`" + (f" of {file}" if file and not same_file else "")
    reason = why or f"{ctx.target.version} has no `extends`"
    ctx.rewrite("extends-inline", e, _svc(name, "extends"),
                f"`extends: {base_name}` inlined ({reason}): "
                f"{inherited} key{'s' if inherited != 1 else ''} from {where}")


def _apply_tags(svc: Map) -> set[str]:
    """Compose v2's ``!reset`` (drop the key, inherit nothing) and ``!override`` (keep the
    service's value whole) on the extending service's keys; the tags themselves go, since
    formats without ``extends`` do not know them. The keys not to inherit."""
    skip: set[str] = set()
    for e in list(svc.entries):
        tag = e.value.tag
        if tag == "!reset":
            svc.remove(e)
            skip.add(e.key)
        elif tag == "!override":
            fresh = clone(e.value, keep_text=False)
            fresh.tag = None
            svc.set(e.key, fresh)
            skip.add(e.key)
    return skip


def _format_of(path: str) -> FileFormat | None:
    from composekit.catalog.versions import detect_format
    from composekit.yamlio import load_file

    doc, _diags = load_file(path)
    if doc is None:
        return None
    fmt, _found = detect_format(doc.data, path)
    return fmt


def _same_file(ctx: Context, file: str) -> bool:
    here = os.path.realpath(os.path.join(ctx.base_dir, os.path.basename(ctx.path)))
    there = os.path.realpath(os.path.join(ctx.base_dir, file))
    return here == there


def _read_base(ctx: Context, file: str, service: str, chain: tuple[str, ...]
               ) -> tuple[Map | None, str, str]:
    """The service ``service`` of another file, its own ``extends`` resolved."""
    from composekit.convert.model import build
    from composekit.diagnostics import Severity
    from composekit.yamlio import load_file

    path = os.path.join(ctx.base_dir, file)
    doc, diags = load_file(path)
    if doc is None or any(d.severity >= Severity.ERROR and d.origin == "parse" for d in diags):
        return None, f"cannot read {file}", ""
    root, src = build(doc.data, doc.text)
    services = deref(root.get("services")) if "services" in root else root
    if "version" not in root and "services" not in root:
        services = root  # a v1 file
    found = deref(services.get(service)) if isinstance(services, Map) else None
    if not isinstance(found, Map):
        return None, f"{file} has no service `{service}`", ""
    sub = Context(root, src, path, os.path.dirname(path) or ".", ctx.source, ctx.target)
    sub.v1 = services is root
    _inline(sub, service, found, set(), chain)
    rel = os.path.relpath(os.path.dirname(os.path.abspath(path)),
                          os.path.abspath(ctx.base_dir))
    return found, "", "" if rel == "." else rel


def _merge_into(ctx: Context, svc: Map, base: Map, at: int, same_file: bool,
                rebase: str, skip: set[str]) -> int:
    """Merge ``base`` under ``svc`` by Compose's rules; the count of keys it contributed.
    Keys in ``skip`` (``!reset`` or ``!override`` in the service) are not inherited."""
    count = 0
    for key, entry, _owner in list(base.effective()):
        if key == "extends" or key in skip:
            continue
        mine = svc.owner(key)
        if mine is None or (deref(svc.lookup(key)) is None and isinstance(
                deref(svc.lookup(key)), type(None))):
            copied = copy_entry(entry, same_file=same_file)
            if rebase:
                copied = Entry(key, _rebased(key, clone(copied.value, keep_text=False), rebase))
            svc.insert(copied, at=at)
            at += 1
            count += 1
            continue
        own = svc.lookup(key)
        if isinstance(own, Scalar) and own.value is None:
            svc.set(key, clone(entry.value, keep_text=same_file))
            count += 1
            continue
        if key in _REPLACED:
            continue
        theirs = deref(entry.value)
        if _merge_values(ctx, svc, key, own, theirs, same_file, rebase):
            count += 1
    return count


def _merge_values(ctx: Context, svc: Map, key: str, own: Node | None, theirs: Node | None,
                  same_file: bool, rebase: str) -> bool:
    """Merge the base's value of ``key`` into the service's; True when something came in."""
    if own is None or theirs is None:
        return False
    if key in _KV_KEYS:
        return _merge_kv(svc, key, own, theirs, same_file)
    if isinstance(own, Map) and isinstance(theirs, Map):
        changed = False
        for k, e, _o in list(theirs.effective()):
            if k not in own and own.owner(k) is None:
                own.insert(copy_entry(e, same_file=same_file))
                changed = True
            elif isinstance(own.lookup(k), Map) and isinstance(deref(e.value), Map) and \
                    k not in ("test",):
                changed = _merge_values(ctx, own, k, own.lookup(k), deref(e.value),
                                        same_file, rebase) or changed
        return changed
    if isinstance(own, Seq) and isinstance(theirs, Seq):
        # Compose appends the service's items to the base's, then keeps one item per key
        # (the container path for mounts, the value otherwise): a later item replaces an
        # earlier one in its place
        def key_of(item: Item) -> Any:
            value = plain(item.value)
            return _target_of(value) if key in _BY_TARGET else repr(value)

        mine = {key_of(it): it for it in own.items}
        merged: list[Item] = []
        used: set[Any] = set()
        for it in theirs.items:
            k = key_of(it)
            if k in mine:
                if k not in used:
                    merged.append(mine[k])
                    used.add(k)
                continue
            copied = copy_item(it, same_file)
            if rebase:
                copied = Item(_rebased(key, clone(copied.value, keep_text=False), rebase))
            merged.append(copied)
        merged += [it for it in own.items if key_of(it) not in used]
        if len(merged) == len(own.items):
            return False
        for it in merged:
            if it not in own.items:
                it.home = None
        own.items = merged
        own.dirty = True
        return True
    return False


def copy_item(it: Item, same_file: bool) -> Item:
    """A copy of a sequence item sharing nothing mutable with it (its text reused when it
    can be)."""
    keep = same_file and it.region is not None and it.written
    value = clone(it.value, keep_text=keep)
    if keep and not (value.dirty if isinstance(value, (Map, Seq)) else False):
        return Item(value, it.region, it.home, original=value)
    return Item(value)


def _merge_kv(svc: Map, key: str, own: Node, theirs: Node, same_file: bool) -> bool:
    """``environment``-like keys: the base's names the service does not set are added."""
    mine = _kv_names(plain(own))
    base_items: list[tuple[str | None, Entry | Item]]
    if isinstance(theirs, Map):
        base_items = [(k, e) for k, e, _o in theirs.effective()]
    elif isinstance(theirs, Seq):
        base_items = [(_kv_name(plain(it.value)), it) for it in theirs.items]
    else:
        return False
    missing = [(k, x) for k, x in base_items if k is not None and k not in mine]
    if not missing:
        return False
    if isinstance(own, Map):
        for n, (_k, x) in enumerate(missing):
            if isinstance(x, Entry):
                own.insert(copy_entry(x, same_file=same_file), at=n)
            else:
                name, _sep, value = str(plain(x.value)).partition("=")
                own.insert(Entry(name, scalar(value if _sep else None)), at=n)
    elif isinstance(own, Seq):
        for n, (k, x) in enumerate(missing):
            if isinstance(x, Item):
                copied = copy_item(x, same_file)
                copied.home = None
                own.items.insert(n, copied)
            else:
                value = plain(x.value)
                text = f"{k}={'' if value is None else _kv_text(value)}" if value is not None \
                    else str(k)
                own.items.insert(n, Item(scalar(text)))
        own.dirty = True
    return True


def _kv_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kv_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value}
    if isinstance(value, list):
        return {n for v in value if (n := _kv_name(v)) is not None}
    return set()


def _kv_name(item: Any) -> str | None:
    if not isinstance(item, str):
        return None
    return item.split("=", 1)[0]


def _target_of(spec: Any) -> Any:
    if isinstance(spec, dict):
        return spec.get("target")
    if isinstance(spec, str):
        from composekit.loader.merge import parse_volume

        parsed = parse_volume(spec)
        if parsed is not None:
            return parsed.get("target")
    return spec


def _rebased(key: str, node: Node, rel: str) -> Node:
    """Relative paths of a base read from another directory, made relative to this one."""

    def fix(path: str) -> str:
        if path.startswith((".", "..")) or (path and not path.startswith(("/", "~", "$"))
                                             and key in ("build", "env_file")):
            return posixpath.normpath(posixpath.join(rel, path))
        return path

    if key == "build":
        if isinstance(node, Scalar) and isinstance(node.value, str) and "://" not in node.value:
            return scalar(fix(node.value))
        if isinstance(node, Map):
            ctx_node = node.get("context")
            if isinstance(ctx_node, Scalar) and isinstance(ctx_node.value, str):
                node.set("context", scalar(fix(ctx_node.value)))
        return node
    if key == "env_file":
        if isinstance(node, Scalar) and isinstance(node.value, str):
            return scalar(fix(node.value))
        if isinstance(node, Seq):
            for i, it in enumerate(node.items):
                if isinstance(it.value, Scalar) and isinstance(it.value.value, str):
                    node.replace(i, scalar(fix(it.value.value)))
        return node
    if key == "volumes":
        if isinstance(node, Scalar) and isinstance(node.value, str):
            source, sep, rest = node.value.partition(":")
            if sep and source.startswith("."):
                return scalar(fix(source) + ":" + rest)
        return node
    return node


# =========================================================================================
# resources: 2.x keys <-> deploy.resources (3.x)
# =========================================================================================

#: service key -> (path under deploy, how the value is written there)
_RESOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "mem_limit": (("resources", "limits", "memory"), "bytes"),
    "mem_reservation": (("resources", "reservations", "memory"), "bytes"),
    "cpus": (("resources", "limits", "cpus"), "cpus"),
    "pids_limit": (("resources", "limits", "pids"), "int"),
    "scale": (("replicas",), "int"),
}


@transform("resources-to-deploy", at=(V3_RUNG, SPEC_RUNG),
           keys=("services.*.mem_limit", "services.*.mem_reservation", "services.*.cpus",
                 "services.*.cpu_quota", "services.*.pids_limit", "services.*.scale"))
class ResourcesToDeploy:
    """``mem_limit``, ``mem_reservation``, ``cpus``, ``pids_limit``, ``scale`` <->
    ``deploy.resources`` / ``deploy.replicas``.

    Up (to 3.x, which has no ``mem_limit``): each becomes its ``deploy`` counterpart
    (``mem_limit`` -> ``deploy.resources.limits.memory``, ``cpus`` ->
    ``deploy.resources.limits.cpus`` written as a string, ``scale`` -> ``deploy.replicas``;
    ``cpu_quota`` -> ``limits.cpus`` as quota / period), which Compose v2 applies the same
    way and ``docker stack`` honours. docker-compose 1.x applies ``deploy`` only with
    ``--compatibility``. Where the target has no counterpart (``pids_limit`` before 3.9) or
    the values cannot be expressed, the key is lost (the sweep reports it).

    Down (to 2.x): ``deploy.resources.limits.memory`` -> ``mem_limit``, ``...reservations
    .memory`` -> ``mem_reservation``, ``limits.cpus`` -> ``cpus`` (2.2+) or ``cpu_quota``
    (before 2.2), ``limits.pids`` -> ``pids_limit``, ``replicas`` -> ``scale`` (2.2+).
    The rest of ``deploy`` has no 2.x form and is lost.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        if not ctx.has("services.*.deploy"):
            return
        for name, svc in ctx.services():
            _to_deploy(ctx, name, svc)

    @staticmethod
    def down(ctx: Context) -> None:
        if ctx.has("services.*.deploy"):
            if not ctx.has("services.*.mem_limit"):
                ResourcesToDeploy.up(ctx)
            return
        for name, svc in ctx.services():
            _from_deploy(ctx, name, svc)


def _up_value(ctx: Context, kind: str, value: Any, node: Node) -> Node | None:
    """How a service-level value is written under ``deploy`` (``None``: as it is)."""
    if kind == "cpus" and isinstance(value, (int, float)) and not isinstance(value, bool):
        scalar_node = deref(node)
        text = _as_text(ctx, scalar_node) if isinstance(scalar_node, Scalar) else str(value)
        return verbatim(DoubleQuotedScalarString(text), f'"{text}"')
    if kind == "bytes" and isinstance(value, int) and not isinstance(value, bool):
        return verbatim(DoubleQuotedScalarString(str(value)), f'"{value}"')
    return None


def _down_value(kind: str, value: Any, node: Node) -> Node | None:
    """How a ``deploy`` value is written as a service-level key (``None``: as it is)."""
    if kind == "cpus" and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return verbatim(int(number) if number.is_integer() and "." not in value else number,
                        value)
    return None


def _to_deploy(ctx: Context, name: str, svc: Map) -> None:
    keys = [k for k in list(svc.keys()) if k in _RESOURCES and not ctx.has(f"services.*.{k}")
            and ctx.has("services.*.deploy." + ".".join(_RESOURCES[k][0]))]
    for k in keys:
        sub, kind = _RESOURCES[k]
        shown = "deploy." + ".".join(sub)
        deploy = ensure_map(svc, "deploy", at=svc.index(k))
        parent = deploy
        for part in sub[:-1]:
            parent = ensure_map(parent, part)
        e = svc.entry(k)
        assert e is not None
        value = plain(e.value)
        if sub[-1] in parent:
            svc.remove(e)
            if _same_resource(kind, value, plain(parent.get(sub[-1]))):
                ctx.rewrite("resources-to-deploy", e, _svc(name, k),
                            f"`{k}` repeats `{shown}`; removed",
                            Difference(_svc(name, k), None), reversible=False)
            else:
                ctx.loss("resources-to-deploy", e, _svc(name, k),
                         f"`{k}` differs from `{shown}`; the `deploy` value is kept",
                         Difference(_svc(name, k), None))
            continue
        moved = move(svc, k, parent, sub[-1])
        replacement = _up_value(ctx, kind, value, e.value)
        if replacement is not None:
            parent.set(sub[-1], replacement)
        ctx.rewrite("resources-to-deploy", moved, _svc(name, k),
                    f"`{k}` is `{shown}` in {ctx.target.version}; Compose v2 applies it the "
                    "same way (docker-compose 1.x only with --compatibility)",
                    Difference(_svc(name, k), _svc(name, "deploy", *sub),
                               same=replacement is None or kind == "cpus"))
    quota = svc.entry("cpu_quota")
    if quota is None or ctx.has("services.*.cpu_quota") or "cpus" in svc or \
            not ctx.has("services.*.deploy.resources.limits.cpus"):
        return
    period = plain(svc.get("cpu_period")) if "cpu_period" in svc else 100000
    q = plain(quota.value)
    try:
        cpus = int(str(q)) / int(str(period))
    except (ValueError, ZeroDivisionError):
        return
    limits = ensure_map(ensure_map(ensure_map(svc, "deploy", at=svc.index("cpu_quota")),
                                   "resources"), "limits")
    if cpus <= 0 or "cpus" in limits:
        return
    text = f"{cpus:.6f}".rstrip("0").rstrip(".")
    limits.set("cpus", verbatim(DoubleQuotedScalarString(text), f'"{text}"'))
    svc.remove(quota)
    ctx.rewrite("resources-to-deploy", quota, _svc(name, "cpu_quota"),
                f"`cpu_quota: {q}` (period {period} us) is `deploy.resources.limits.cpus: "
                f"\"{text}\"` in {ctx.target.version}",
                Difference(_svc(name, "cpu_quota"),
                           _svc(name, "deploy", "resources", "limits", "cpus")),
                reversible=False)
    pe = svc.entry("cpu_period")
    if pe is not None and not ctx.has("services.*.cpu_period"):
        svc.remove(pe)
        ctx.rewrite("resources-to-deploy", pe, _svc(name, "cpu_period"),
                    "`cpu_period` is folded into `deploy.resources.limits.cpus`",
                    Difference(_svc(name, "cpu_period"), None), reversible=False)


def _same_resource(kind: str, a: Any, b: Any) -> bool:
    if kind == "cpus":
        try:
            return float(str(a)) == float(str(b))
        except ValueError:
            return False
    return str(a).lower() == str(b).lower()


#: a ``deploy`` path -> the service key it comes from
_FROM_DEPLOY = {sub: k for k, (sub, _kind) in _RESOURCES.items()}


def _deploy_leaves(m: Map, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Map]]:
    """The paths under ``deploy`` that map to service keys, in the order written."""
    out: list[tuple[tuple[str, ...], Map]] = []
    for e in m.entries:
        here = (*prefix, e.key)
        if here in _FROM_DEPLOY:
            out.append((here, m))
        value = deref(e.value)
        if isinstance(value, Map) and any(p[:len(here)] == here for p in _FROM_DEPLOY):
            out.extend(_deploy_leaves(value, here))
    return out


def _from_deploy(ctx: Context, name: str, svc: Map) -> None:
    deploy = deref(materialise(svc, "deploy"))
    if not isinstance(deploy, Map):
        return
    at = svc.index("deploy")
    for sub, parent in _deploy_leaves(deploy):
        k = _FROM_DEPLOY[sub]
        kind = _RESOURCES[k][1]
        here = _svc(name, "deploy", *sub)
        e = parent.entry(sub[-1])
        assert e is not None
        value = plain(e.value)
        if k == "cpus" and not ctx.has("services.*.cpus"):
            if not ctx.has("services.*.cpu_quota") or "cpu_quota" in svc:
                continue
            try:
                quota = round(float(str(value)) * 100000)
            except ValueError:
                continue
            parent.remove(e)
            svc.insert(Entry("cpu_quota", scalar(quota)), at=at)
            at += 1
            ctx.rewrite("resources-to-deploy", e, here,
                        f"`deploy.resources.limits.cpus` is `cpu_quota: {quota}` (period "
                        f"100000 us) in {ctx.target.version}",
                        Difference(here, _svc(name, "cpu_quota")), reversible=False)
            continue
        if not ctx.has(f"services.*.{k}"):
            continue  # the sweep reports it with the rest of deploy
        shown = "deploy." + ".".join(sub)
        if k in svc:
            parent.remove(e)
            if _same_resource(kind, value, plain(svc.get(k))):
                ctx.rewrite("resources-to-deploy", e, here, f"`{shown}` repeats `{k}`; removed",
                            Difference(here, None), reversible=False)
            else:
                ctx.loss("resources-to-deploy", e, here,
                         f"`{shown}` differs from `{k}`; `{k}` is kept", Difference(here, None))
            continue
        moved = move(parent, sub[-1], svc, k, at=at)
        at += 1
        replacement = _down_value(kind, value, e.value)
        if replacement is not None:
            svc.set(k, replacement)
        ctx.rewrite("resources-to-deploy", moved, here,
                    f"`{shown}` is `{k}` in {ctx.target.version}",
                    Difference(here, _svc(name, k), same=replacement is None or kind == "cpus"))
    for path in (("resources", "limits"), ("resources", "reservations"), ("resources",)):
        prune(deploy, *path)
    if not deploy.entries:
        svc.pop("deploy")


@transform("restart-policy", at=(V3_RUNG,), keys=("services.*.restart",))
class RestartPolicy:
    """For a swarm stack: ``restart`` -> ``deploy.restart_policy`` (``restart`` is kept).

    Only with ``target_stack``: ``docker stack deploy`` ignores ``restart``. ``always`` and
    ``unless-stopped`` become ``condition: any``, ``on-failure[:N]`` becomes ``condition:
    on-failure`` (with ``max_attempts: N``), ``no`` becomes ``condition: none``.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        if not ctx.stack or not ctx.has("services.*.deploy.restart_policy"):
            return
        for name, svc in ctx.services():
            e = svc.entry("restart")
            value = text_of(e.value) if e is not None else None
            if e is None or value is None:
                continue
            deploy = ensure_map(svc, "deploy", at=svc.index("restart") + 1)
            if "restart_policy" in deploy:
                continue
            policy = Map()
            cond, _sep, count = value.partition(":")
            condition = {"always": "any", "unless-stopped": "any", "on-failure": "on-failure",
                         "no": "none"}.get(cond)
            if condition is None:
                continue
            policy.set("condition", scalar(condition))
            if count.isdigit():
                policy.set("max_attempts", scalar(int(count)))
            deploy.set("restart_policy", policy)
            note = " (swarm has no `unless-stopped`: `any`)" if cond == "unless-stopped" else ""
            ctx.rewrite("restart-policy", e, _svc(name, "restart"),
                        f"`restart: {value}` is also written as `deploy.restart_policy` for "
                        f"docker stack{note}",
                        Difference(None, _svc(name, "deploy", "restart_policy")))


# =========================================================================================
# depends_on conditions
# =========================================================================================


@transform("depends-on-conditions", at=(("2.0", "2.1"), V3_RUNG, SPEC_RUNG),
           keys=("services.*.depends_on.*.condition", "services.*.depends_on.*.required",
                 "services.*.depends_on.*.restart"))
class DependsOnConditions:
    """``depends_on`` conditions (2.1-2.4 and the Compose Specification) <-> a list.

    Where the target has no conditions (2.0, 3.x), the mapping form becomes a list of
    service names. ``condition: service_started`` is what a list means: a rewrite.
    ``service_healthy`` and ``service_completed_successfully`` (waiting for a health check
    or for a one-shot service to finish) cannot be said: losses. The Compose
    Specification's ``required: false`` and ``restart: true`` are losses in every other
    format; ``service_completed_successfully`` in 2.x becomes ``service_started`` (a loss).
    docker-compose's 3.x schema refuses conditions, which composeverter writes anyway.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        _fit_depends_on(ctx)

    @staticmethod
    def down(ctx: Context) -> None:
        _fit_depends_on(ctx)


def _fit_depends_on(ctx: Context) -> None:
    conditions = ctx.has("services.*.depends_on.*.condition")
    for use in ctx.uses("depends_on"):
        deps = deref(use.entry.value)
        if not isinstance(deps, Map):
            continue
        if ctx.once("depends-on-conditions", deps):
            _fit_options(ctx, deps, use.services, conditions)
        if conditions:
            continue
        names = [e.key for e in deps.entries if e.key != "<<"]
        lost = any(_condition(e.value) not in (None, "service_started") for e in deps.entries)
        listed = Seq(flow=deps.flow)
        for n in names:
            listed.append(scalar(n))
        use.owner.set("depends_on", listed)
        if not lost:
            ctx.rewrite("depends-on-conditions", use.entry, _svc(use.services[0], "depends_on"),
                        f"`depends_on` is a list of services in {ctx.target.version}")


def _condition(node: Node) -> str | None:
    value = deref(node)
    return text_of(value.get("condition")) if isinstance(value, Map) else None


def _fit_options(ctx: Context, deps: Map, services: list[str], conditions: bool) -> None:
    """Per dependency: the options the target lacks are removed (and reported)."""
    first = services[0]
    for dep_e in deps.entries:
        if dep_e.key == "<<":
            continue
        dep = deref(dep_e.value)
        opts = dep if isinstance(dep, Map) else Map()
        for k in ("required", "restart"):
            ke = opts.entry(k)
            if ke is None or ctx.has(f"services.*.depends_on.*.{k}"):
                continue
            value = plain(ke.value)
            default = k == "required"
            opts.remove(ke)
            where = _svc(first, "depends_on", dep_e.key, k)
            if str(value).lower() == str(default).lower():
                ctx.rewrite("depends-on-conditions", ke, where,
                            f"`{k}: {str(value).lower()}` is the default; removed")
            else:
                ctx.loss("depends-on-conditions", ke, where,
                         f"`depends_on.{dep_e.key}.{k}: {str(value).lower()}` has no form "
                         f"in {ctx.target.version}; dropped",
                         *(Difference(_svc(s, "depends_on", dep_e.key, k),
                                      _svc(s, "depends_on", dep_e.key, k)) for s in services))
        ce = opts.entry("condition")
        cond = text_of(ce.value) if ce is not None else None
        diffs = [Difference(_svc(s, "depends_on", dep_e.key, "condition"),
                            _svc(s, "depends_on", dep_e.key, "condition")) for s in services]
        if ce is None or cond is None:
            continue
        if conditions and not _enum_has(ctx, cond):
            opts.set("condition", scalar("service_started"))
            ctx.loss("depends-on-conditions", ce, _svc(first, "depends_on", dep_e.key),
                     f"`condition: {cond}` is not in {ctx.target.version}; "
                     "`service_started` waits only for the start", *diffs)
        elif not conditions and cond != "service_started":
            ctx.loss("depends-on-conditions", ce, _svc(first, "depends_on", dep_e.key),
                     f"`{dep_e.key}: condition: {cond}`: {ctx.target.version} cannot wait "
                     f"for more than the start of `{dep_e.key}`", *diffs)
        elif not conditions:
            ctx.rewrite("depends-on-conditions", ce, _svc(first, "depends_on", dep_e.key),
                        f"`condition: service_started` is what a `depends_on` list means "
                        f"in {ctx.target.version}")


def _enum_has(ctx: Context, value: str) -> bool:
    from composekit.catalog import key as catalogue_key
    from composekit.catalog.model import Str

    t = catalogue_key("services.*.depends_on.*.condition").type
    return isinstance(t, Str) and value in t.enum_values(ctx.target)


# =========================================================================================
# volume_driver (1, 2.x)
# =========================================================================================


@transform("volumes-from", at=(V3_RUNG, SPEC_RUNG), keys=("services.*.volumes_from",))
class VolumesFrom:
    """``volumes_from`` (1, 2.x and the Compose Specification) has no 3.x form: a loss.

    Besides the mounts, Compose starts the services it names first (an implicit
    ``depends_on``); that goes too, unless ``depends_on`` says so itself.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        if ctx.has("services.*.volumes_from"):
            return
        names = ctx.service_names()
        for use in ctx.uses("volumes_from"):
            if not ctx.once("volumes-from", use.owner):
                continue
            items = plain(use.entry.value)
            use.owner.remove(use.entry)
            refs = [str(v).split(":")[0] for v in items or [] if isinstance(v, str)
                    and not v.startswith("container:")]
            refs = [r[len("service:"):] if r.startswith("service:") else r for r in refs]
            diffs = [Difference(_svc(s, "volumes_from"), _svc(s, "volumes_from"))
                     for s in use.services]
            diffs += [Difference(_svc(s, "depends_on", r), _svc(s, "depends_on", r))
                      for s in use.services for r in refs if r in names]
            shown = ", ".join(str(v) for v in items or [])
            ctx.loss("volumes-from", use.entry, _svc(use.services[0], "volumes_from"),
                     f"`volumes_from` ({shown}) has no form in {ctx.target.version}; dropped "
                     "(declare shared named volumes instead)", *diffs)

    down = up


@transform("volume-driver", at=(V3_RUNG,), keys=("services.*.volume_driver",))
class VolumeDriver:
    """``volume_driver`` (1 and 2.x) -> the ``driver`` of the volumes it applies to.

    ``volume_driver`` makes the service's named volumes use a driver. 3.x and the Compose
    Specification say so on the volume instead: when every named volume of the service is
    declared without another driver and no service mounts it with a different one, each
    declaration gets ``driver:``. Otherwise (anonymous volumes, a conflict) it is lost.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        if ctx.has("services.*.volume_driver"):
            return
        section = ctx.top("volumes")
        wanted: dict[str, set[str | None]] = {}
        per_service: list[tuple[str, Map, Entry, str, list[str], bool]] = []
        for name, svc in ctx.services():
            driver_node = svc.lookup("volume_driver")
            driver = text_of(driver_node)
            vols = deref(svc.lookup("volumes"))
            names: list[str] = []
            anonymous = False
            if isinstance(vols, Seq):
                for it in vols.items:
                    spec = plain(it.value)
                    vol = _named_volume(spec)
                    if vol is not None:
                        names.append(vol)
                    elif isinstance(spec, str) and ":" not in spec:
                        anonymous = True
                    elif isinstance(spec, dict) and spec.get("type") == "volume":
                        src = spec.get("source")
                        if isinstance(src, str) and src:
                            names.append(src)
                        else:
                            anonymous = True
            for vol in names:
                wanted.setdefault(vol, set()).add(driver)
            owner = svc.owner("volume_driver")
            if driver is not None and owner is not None:
                e = owner.entry("volume_driver")
                assert e is not None
                per_service.append((name, owner, e, driver, names, anonymous))
        for name, owner, e, driver, names, anonymous in per_service:
            ok = not anonymous and section is not None and all(
                wanted.get(v) == {driver} and isinstance(deref(section.get(v)), (Map, Scalar))
                and not _declared_driver(section, v, driver) for v in names)
            if e in owner.entries:
                owner.remove(e)
            if ok and names and section is not None:
                for v in names:
                    decl = deref(section.get(v))
                    if isinstance(decl, Scalar) or decl is None:
                        decl = Map()
                        section.set(v, decl)
                    if isinstance(decl, Map) and "driver" not in decl:
                        decl.set("driver", scalar(driver))
                ctx.rewrite("volume-driver", e, _svc(name, "volume_driver"),
                            f"`volume_driver: {driver}` is the `driver` of volume"
                            f"{'s' if len(names) > 1 else ''} "
                            f"{', '.join('`' + v + '`' for v in names)}",
                            Difference(_svc(name, "volume_driver"), None),
                            *(Difference(None, ("volumes", v, "driver")) for v in names))
            else:
                why = ("anonymous volumes take it too" if anonymous else
                       "its volumes are not all declared, or other services mount them "
                       "with another driver" if names else "the service mounts no named volume")
                ctx.loss("volume-driver", e, _svc(name, "volume_driver"),
                         f"`volume_driver: {driver}` cannot move to the volumes' `driver` "
                         f"({why}); dropped",
                         Difference(_svc(name, "volume_driver"), None))


def _declared_driver(section: Map, vol: str, driver: str) -> bool:
    decl = deref(section.get(vol))
    if isinstance(decl, Map):
        other = text_of(decl.get("driver"))
        return other is not None and other != driver
    return False


# =========================================================================================
# cpus (2.2+) -> cpu_quota, init path, cpu_rt durations
# =========================================================================================


@transform("cpus-to-cpu-quota", at=(("2.1", "2.2"),), keys=("services.*.cpus",))
class CpusToCpuQuota:
    """``cpus`` (2.2+) -> ``cpu_quota`` (before 2.2).

    ``cpus: 0.5`` is a CFS quota of half the default period (100000 us): ``cpu_quota:
    50000``. Not when the service sets its own ``cpu_period`` or ``cpu_quota``.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        if ctx.has("services.*.cpus") or not ctx.has("services.*.cpu_quota"):
            return
        for name, svc in ctx.services():
            e = svc.entry("cpus")
            if e is None or "cpu_quota" in svc or "cpu_period" in svc:
                continue
            cpus = plain(e.value)
            try:
                quota = round(float(str(cpus)) * 100000)
            except ValueError:
                continue
            svc.set("cpus", scalar(quota))
            svc.rename("cpus", "cpu_quota")
            ctx.rewrite("cpus-to-cpu-quota", e, _svc(name, "cpus"),
                        f"`cpus: {cpus}` is `cpu_quota: {quota}` (period 100000 us) before 2.2",
                        Difference(_svc(name, "cpus"), _svc(name, "cpu_quota")))


@transform("init-path", at=(V3_RUNG,), keys=("services.*.init",))
class InitPath:
    """2.2-2.4 ``init: /path/to/init`` -> ``init: true`` (a loss of the path).

    3.7+ and the Compose Specification take only a boolean: the engine's own init runs.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        for use in ctx.uses("init"):
            value = plain(use.entry.value)
            if not isinstance(value, str) or not ctx.has("services.*.init"):
                continue
            if value.lower() in ("true", "false"):
                continue
            use.owner.set("init", scalar(True))
            ctx.loss("init-path", use.entry, _svc(use.services[0], "init"),
                     f"`init: {value}`: {ctx.target.version} cannot choose the init binary; "
                     "`init: true` runs the engine's default one",
                     *(Difference(_svc(s, "init"), _svc(s, "init")) for s in use.services))


# =========================================================================================
# long syntax -> short syntax
# =========================================================================================


def _port_short(spec: dict[str, Any]) -> tuple[str | None, list[str]]:
    """A long port mapping as short syntax, and the fields that had to be dropped."""
    target = spec.get("target")
    if target is None:
        return None, []
    published = spec.get("published")
    host_ip = spec.get("host_ip")
    protocol = spec.get("protocol")
    dropped: list[str] = [k for k in ("mode", "name", "app_protocol") if k in spec and not (
        k == "mode" and spec.get("mode") == "ingress")]
    text = str(target)
    if published is not None and str(published) != "":
        text = f"{published}:{text}"
        if host_ip:
            ip = str(host_ip)
            text = f"[{ip}]:{text}" if ":" in ip else f"{ip}:{text}"
    elif host_ip:
        dropped.append("host_ip")
    if protocol and protocol != "tcp":
        text += f"/{protocol}"
    return text, dropped


@transform("long-ports", at=(("3.1", "3.2"), V3_RUNG, SPEC_RUNG),
           keys=("services.*.ports[].target", "services.*.ports[].published",
                 "services.*.ports[].protocol", "services.*.ports[].mode",
                 "services.*.ports[].host_ip", "services.*.ports[].name",
                 "services.*.ports[].app_protocol"))
class LongPorts:
    """Long-syntax ports the target cannot hold -> short syntax.

    ``{target: 80, published: 8080, protocol: udp, host_ip: 127.0.0.1}`` becomes
    ``"127.0.0.1:8080:80/udp"``. ``mode: host``, ``name`` and ``app_protocol`` have no
    short form: losses (``mode: ingress`` is the default).
    """

    @staticmethod
    def down(ctx: Context) -> None:
        long_ok = ctx.has("services.*.ports[].target")
        for use in ctx.uses("ports"):
            seq = deref(use.entry.value)
            if not isinstance(seq, Seq) or not ctx.once("long-ports", seq):
                continue
            for i, it in enumerate(seq.items):
                spec = plain(it.value)
                if not isinstance(spec, dict):
                    continue
                if long_ok and all(ctx.has(f"services.*.ports[].{k}") for k in spec):
                    continue
                text, dropped = _port_short(spec)
                if text is None:
                    continue
                seq.replace(i, quoted(text))
                where = _svc(use.services[0], "ports", i)
                ctx.rewrite("long-ports", it, where,
                            f"port {text}: long syntax is written short in "
                            f"{ctx.target.version}")
                for k in dropped:
                    ctx.loss("long-ports", it, (*where, k),
                             f"port {text}: `{k}: {spec[k]}` has no short form; dropped",
                             *(Difference(_svc(s, "ports", i, k), _svc(s, "ports", i, k))
                               for s in use.services))

    up = down


_PROPAGATION = {"rprivate", "private", "rshared", "shared", "rslave", "slave"}


def _volume_short(spec: dict[str, Any]) -> tuple[str | None, list[str]]:
    """A long volume mount as short syntax, and what had to be dropped."""
    kind = spec.get("type")
    target = spec.get("target")
    if kind not in ("bind", "volume") or not isinstance(target, str):
        return None, []
    source = spec.get("source")
    opts: list[str] = []
    dropped: list[str] = []
    if spec.get("read_only") in (True, "true"):
        opts.append("ro")
    bind: dict[str, Any] = spec["bind"] if isinstance(spec.get("bind"), dict) else {}
    volume: dict[str, Any] = spec["volume"] if isinstance(spec.get("volume"), dict) else {}
    if bind.get("propagation") in _PROPAGATION:
        opts.append(str(bind["propagation"]))
    if bind.get("selinux") in ("z", "Z"):
        opts.append(str(bind["selinux"]))
    if volume.get("nocopy") in (True, "true"):
        opts.append("nocopy")
    consistency = spec.get("consistency")
    if consistency in ("cached", "delegated", "consistent"):
        opts.append(str(consistency))
    for k, v in bind.items():
        if k in ("propagation", "selinux"):
            continue
        if k == "create_host_path" and v in (True, "true"):
            continue
        dropped.append(f"bind.{k}")
    if kind == "bind" and bind.get("create_host_path") in (None, False, "false"):
        dropped.append("bind.create_host_path")
    for k in volume:
        if k != "nocopy":
            dropped.append(f"volume.{k}")
    for k in spec:
        if k not in ("type", "source", "target", "read_only", "bind", "volume", "consistency"):
            dropped.append(k)
    if not source:
        if kind == "bind":
            return None, []
        text = target
    else:
        text = f"{source}:{target}"
    if opts:
        if not source:
            return None, []
        text += ":" + ",".join(opts)
    return text, dropped


@transform("long-volumes", at=(("2.2", "2.3"), ("3.1", "3.2"), V3_RUNG, SPEC_RUNG),
           keys=("services.*.volumes[].type", "services.*.volumes[].source",
                 "services.*.volumes[].target", "services.*.volumes[].read_only",
                 "services.*.volumes[].bind", "services.*.volumes[].volume",
                 "services.*.volumes[].consistency", "services.*.volumes[].tmpfs"))
class LongVolumes:
    """Long-syntax mounts the target cannot hold -> short syntax.

    ``{type: bind, source: ./src, target: /src, read_only: true, bind: {propagation:
    rshared}}`` becomes ``./src:/src:ro,rshared``; ``volume.nocopy`` becomes ``nocopy``.
    A short bind mount creates a missing host directory, which a long one does not by
    default (``bind.create_host_path``): reported. A ``tmpfs`` mount becomes an item of the
    service's ``tmpfs`` list (its size and mode are lost); ``npipe`` and spec-only options
    (``subpath``, ``recursive``) are losses.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        long_ok = ctx.has("services.*.volumes[].type")
        for use in ctx.uses("volumes"):
            seq = deref(use.entry.value)
            if not isinstance(seq, Seq) or not ctx.once("long-volumes", seq):
                continue
            tmpfs_targets: list[tuple[str, Item, dict[str, Any]]] = []
            for i, it in enumerate(list(seq.items)):
                spec = plain(it.value)
                if not isinstance(spec, dict):
                    continue
                if long_ok and _long_volume_fits(ctx, spec):
                    continue
                where = _svc(use.services[0], "volumes", i)
                if spec.get("type") == "tmpfs" and isinstance(spec.get("target"), str):
                    tmpfs_targets.append((spec["target"], it, spec))
                    continue
                text, dropped = _volume_short(spec)
                if text is None:
                    continue
                seq.replace(seq.items.index(it), quoted(text) if text[:1] in "*&!{[" or
                            ": " in text else scalar(text))
                ctx.rewrite("long-volumes", it, where,
                            f"mount {text}: long syntax is written short in "
                            f"{ctx.target.version}")
                for k in dropped:
                    diff_path: tuple[str, ...] = tuple(k.split("."))
                    message = (f"mount {text}: a short bind mount creates a missing host path "
                               "(the long form did not)" if k == "bind.create_host_path" else
                               f"mount {text}: `{k}` has no short form; dropped")
                    ctx.loss("long-volumes", it, (*where, *diff_path), message,
                             *(Difference(_svc(s, "volumes", i, *diff_path),
                                          _svc(s, "volumes", i, *diff_path))
                               for s in use.services))
            for target, it, spec in tmpfs_targets:
                if not ctx.has("services.*.tmpfs"):
                    seq.remove(seq.items.index(it))
                    ctx.loss("long-volumes", it, _svc(use.services[0], "volumes"),
                             f"tmpfs mount {target}: {ctx.target.version} has no tmpfs mounts; "
                             "dropped",
                             *(Difference(_svc(s, "volumes"), _svc(s, "volumes"))
                               for s in use.services))
                    continue
                idx = seq.items.index(it)
                seq.remove(idx)
                owner = use.owner
                tmp = deref(owner.get("tmpfs"))
                if isinstance(tmp, Scalar):
                    lst = Seq()
                    lst.append(tmp)
                    owner.set("tmpfs", lst)
                    tmp = lst
                if not isinstance(tmp, Seq):
                    tmp = Seq()
                    owner.set("tmpfs", tmp, after="volumes")
                tmp.append(scalar(target))
                ctx.rewrite("long-volumes", it, _svc(use.services[0], "volumes"),
                            f"tmpfs mount {target} is an item of `tmpfs` in "
                            f"{ctx.target.version}",
                            *(Difference(_svc(s, "volumes"), _svc(s, "volumes"))
                              for s in use.services),
                            *(Difference(_svc(s, "tmpfs"), _svc(s, "tmpfs"))
                              for s in use.services))
                opts: dict[str, Any] = spec["tmpfs"] if isinstance(spec.get("tmpfs"), dict) else {}
                for k in opts:
                    ctx.loss("long-volumes", it, _svc(use.services[0], "volumes"),
                             f"tmpfs mount {target}: `tmpfs.{k}` has no short form; dropped")
            if not seq.items:
                use.owner.pop("volumes")

    up = down


def _long_volume_fits(ctx: Context, spec: dict[str, Any]) -> bool:
    for k, v in spec.items():
        if not ctx.has(f"services.*.volumes[].{k}"):
            return False
        if isinstance(v, dict):
            for sub in v:
                if not ctx.has(f"services.*.volumes[].{k}.{sub}"):
                    return False
    kind = spec.get("type")
    from composekit.catalog import key as catalogue_key
    from composekit.catalog.model import Str

    t = catalogue_key("services.*.volumes[].type").type
    return not (isinstance(t, Str) and kind not in t.enum_values(ctx.target))


@transform("env-file-long", at=(SPEC_RUNG,), keys=("services.*.env_file[].path",
                                                  "services.*.env_file[].required"))
class EnvFileLong:
    """The Compose Specification's ``env_file: [{path, required}]`` -> a list of paths.

    ``required: true`` is what a path means; ``required: false`` (a missing file is fine)
    cannot be said: a loss. ``format`` is lost too.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        if ctx.has("services.*.env_file[].path"):
            return
        for use in ctx.uses("env_file"):
            seq = deref(use.entry.value)
            if not isinstance(seq, Seq) or not ctx.once("env-file-long", seq):
                continue
            for i, it in enumerate(seq.items):
                spec = plain(it.value)
                if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                    continue
                seq.replace(i, scalar(spec["path"]))
                where = _svc(use.services[0], "env_file", i)
                required = spec.get("required", True)
                if required in (False, "false"):
                    ctx.loss("env-file-long", it, where,
                             f"env file {spec['path']}: `required: false` has no form in "
                             f"{ctx.target.version}: the file must exist")
                else:
                    ctx.rewrite("env-file-long", it, where,
                                f"env file {spec['path']} is written as a path")
                if "format" in spec:
                    ctx.loss("env-file-long", it, (*where, "format"),
                             f"env file {spec['path']}: `format` is dropped")


# =========================================================================================
# resources outside services: external names, labels
# =========================================================================================


@transform("external-name", at=(("2.0", "2.1"), ("3.3", "3.4"), ("3.4", "3.5")),
           keys=("networks.*.name", "volumes.*.name", "secrets.*.name", "configs.*.name"))
class ExternalName:
    """``external: true`` with ``name: N`` -> ``external: {name: N}`` where the target has
    no ``name`` (2.0, 3.0-3.3 for volumes, 3.0-3.4 for networks, secrets and configs).

    A ``name`` without ``external`` (a fixed, unprefixed name for a volume Compose creates)
    has no such form: the sweep reports the loss.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        for section_name in ("networks", "volumes", "secrets", "configs"):
            section = ctx.top(section_name)
            if section is None or ctx.has(f"{section_name}.*.name"):
                continue
            for e in section.entries:
                decl = deref(e.value)
                if not isinstance(decl, Map):
                    continue
                name_e = decl.entry("name")
                ext = plain(decl.get("external"))
                if name_e is None or ext not in (True, "true"):
                    continue
                value = decl.get("name")
                assert value is not None
                decl.remove(name_e)
                inner = Map()
                inner.set("name", value)
                decl.set("external", inner)
                ctx.rewrite("external-name", name_e, (section_name, e.key, "name"),
                            f"`name` of external {section_name[:-1]} `{e.key}` is "
                            f"`external.name` in {ctx.target.version}")


def _kinds(t: T, fmt: FileFormat) -> set[str]:
    """What kinds of value (``str``, ``num``, ``bool``, ``null``, ``map``, ``list``) the
    catalogue type ``t`` accepts in ``fmt``."""
    if isinstance(t, When):
        return _kinds(t.type, fmt) if fmt in Avail.parse(t.avail) else set()
    if isinstance(t, OneOf):
        return set().union(*(_kinds(a, fmt) for a in t.alts))
    if isinstance(t, Str):
        return {"str"}
    if isinstance(t, (Int, Num)):
        return {"num"}
    if isinstance(t, Bool):
        return {"bool"}
    if isinstance(t, Null):
        return {"null"}
    if isinstance(t, (MapOf, Obj, AnyMap)):
        return {"map"}
    if isinstance(t, ListOf):
        return {"list"}
    return {"str", "num", "bool", "null", "map", "list"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "num"
    if isinstance(value, str):
        return "str"
    return "map" if isinstance(value, dict) else "list"


def _member_type(dotted: str) -> T | None:
    """The value type of the members of a name-keyed mapping (``labels``: a label value)."""
    from composekit.catalog import key as catalogue_key

    t = catalogue_key(dotted).type
    for alt in (t.alts if isinstance(t, OneOf) else (t,)):
        if isinstance(alt, MapOf):
            return alt.value
    return None


#: name-keyed mappings whose member values have a type per format
_VALUE_MAPS = ("services.*.labels", "services.*.environment", "services.*.deploy.labels",
               "services.*.build.args", "services.*.build.labels", "services.*.sysctls",
               "networks.*.labels", "volumes.*.labels")
#: top-level sections whose members may be empty in some formats only
_SECTIONS = ("networks", "volumes", "secrets", "configs")


@transform("value-forms", keys=_VALUE_MAPS + _SECTIONS, phase="final")
class ValueForms:
    """Values written in a form the target does not accept are written in one it does.

    Label values are strings before 3.6 (``tier: 1`` -> ``tier: "1"``, an empty label
    ``""``); ``environment`` values outside the Compose Specification are strings or numbers
    (``DEBUG: true`` -> ``DEBUG: "true"``, which is what Compose passes); a network declared
    empty (``front:``) is written ``front: {}`` where the catalogue wants a mapping. Compose
    reads each the same. Which forms a format accepts comes from the key catalogue. It
    runs after the steps of every conversion.
    """

    @staticmethod
    def up(ctx: Context) -> None:
        for dotted in _VALUE_MAPS:
            member = _member_type(dotted)
            if member is None:
                continue
            accepted = _kinds(member, ctx.target)
            for where, node in _instances(ctx, dotted):
                if not isinstance(node, Map) or not ctx.once(f"value-forms:{dotted}", node):
                    continue
                for e in node.entries:
                    value = deref(e.value)
                    if e.key == "<<" or not isinstance(value, Scalar):
                        continue
                    kind = _kind(value.value)
                    if kind in accepted or "str" not in accepted or (
                            kind == "null" and dotted == "services.*.environment"):
                        continue
                    text = _as_text(ctx, value)
                    node.set(e.key, quoted(text))
                    ctx.rewrite("value-forms", e, (*where, e.key),
                                f"`{e.key}: {text if kind != 'null' else ''}`: "
                                f"{ctx.target.version} wants a string here; written "
                                f"\"{text}\"")
        from composekit.catalog import key as catalogue_key

        for section_name in _SECTIONS:
            section = ctx.top(section_name)
            member = _member_type(section_name)
            if section is None or member is None or "null" in _kinds(member, ctx.target):
                continue
            for e in section.entries:
                if isinstance(deref(e.value), Scalar) and plain(e.value) is None:
                    section.set(e.key, Map(flow=True))
                    ctx.rewrite("value-forms", e, (section_name, e.key),
                                f"{section_name[:-1]} `{e.key}` declared empty is written "
                                f"`{e.key}: {{}}` for {ctx.target.version}")
        _ = catalogue_key


_DURATION_UNITS = {"us": 1, "ms": 1000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}


def _microseconds(text: str) -> int | None:
    """``"400ms"`` -> 400000; ``None`` when ``text`` is not a duration."""
    import re

    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return round(sum(float(n) * _DURATION_UNITS[u] for n, u in parts))


@transform("realtime-durations", keys=("services.*.cpu_rt_period", "services.*.cpu_rt_runtime"),
           phase="final")
class RealtimeDurations:
    """2.2-2.4 also take ``cpu_rt_period``/``cpu_rt_runtime`` as durations (``400ms``),
    which docker-compose turns into microseconds; elsewhere they are integers: written
    ``400000``. Runs after the steps of every conversion."""

    @staticmethod
    def up(ctx: Context) -> None:
        if ctx.target.family.value == "2":
            return
        for key in ("cpu_rt_period", "cpu_rt_runtime"):
            for use in ctx.uses(key):
                value = plain(use.entry.value)
                if not isinstance(value, str) or value.isdigit():
                    continue
                micro = _microseconds(value)
                if micro is None:
                    continue
                use.owner.set(key, scalar(micro))
                ctx.rewrite("realtime-durations", use.entry, _svc(use.services[0], key),
                            f"`{key}: {value}` is `{micro}` (microseconds) in "
                            f"{ctx.target.version}",
                            *(Difference(_svc(s, key), _svc(s, key)) for s in use.services),
                            reversible=False)


def _as_text(ctx: Context, node: Scalar) -> str:
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if node.pos is not None and not node.fresh:
        from composekit.convert.emit import Emitter, Style

        text = Emitter(ctx.src, Style())._source_scalar(node.pos)
        if text is not None and not text.startswith(("&", "!", "*")):
            return text
    return str(value)


def _instances(ctx: Context, dotted: str) -> Iterator[tuple[Path, Node]]:
    """The nodes at a catalogue path (``services.*.labels``) with their paths."""
    parts = dotted.split(".")

    def walk(node: Node | None, rest: list[str], path: Path) -> Iterator[tuple[Path, Node]]:
        node = deref(node)
        if node is None:
            return
        if not rest:
            yield path, node
            return
        if not isinstance(node, Map):
            return
        head, tail = rest[0], rest[1:]
        if head == "*":
            for e in node.entries:
                if e.key != "<<" and not e.key.startswith("x-"):
                    yield from walk(e.value, tail, (*path, e.key))
        else:
            found = node.lookup(head)
            if found is not None:
                yield from walk(found, tail, (*path, head))

    root: Node = ctx.root
    if ctx.v1 and parts[0] == "services":
        yield from walk(root, parts[1:], ("services",))
    else:
        yield from walk(root, parts, ())


# =========================================================================================
# interpolation
# =========================================================================================


@transform("interpolation-defaults", at=(("2.0", "2.1"),))
class InterpolationDefaults:
    """``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}`` -> ``${VAR}``
    in v1 and 2.0.

    docker-compose 1.x reads only ``$VAR`` and ``${VAR}`` in v1 and 2.0 files and refuses the
    rest ("Invalid interpolation format"). The default (or the required-variable check) is
    lost: an unset variable becomes an empty string. Every other expression is carried as
    written, never resolved.
    """

    @staticmethod
    def down(ctx: Context) -> None:
        if ctx.target > _v("2.0"):
            return
        from composekit.loader.interpolate import find_references

        for path, node in list(_scalar_nodes(ctx)):
            value = node[1].value
            if not isinstance(value, str) or "$" not in value:
                continue
            refs = [r for r in find_references(value) if not r.nested and r.operator]
            if not refs:
                continue
            out = value
            for r in sorted(refs, key=lambda r: r.offset, reverse=True):
                out = out[:r.offset] + "${" + r.name + "}" + out[r.end:]
            holder, scalar_node = node
            _replace(holder, scalar_node, restyle(scalar_node, out))
            lost = ", ".join(f"`{value[r.offset:r.end]}`" for r in refs)
            ctx.loss("interpolation-defaults", holder if isinstance(holder, (Entry, Item))
                     else scalar_node, path,
                     f"{lost}: {ctx.target.version} reads only `$VAR` and `${{VAR}}`; written "
                     f"`{out}` (an unset variable is now empty)", Difference(path, path))


def _v(version: str) -> FileFormat:
    from composekit.catalog.versions import BY_VERSION

    return BY_VERSION[version]


def _scalar_nodes(ctx: Context) -> Iterator[tuple[Path, tuple[Entry | Item, Scalar]]]:
    """Every scalar value of the file with the entry or item holding it."""
    seen: set[int] = set()

    def walk(node: Node, path: Path) -> Iterator[tuple[Path, tuple[Entry | Item, Scalar]]]:
        if id(node) in seen or isinstance(node, Alias):
            return
        seen.add(id(node))
        if isinstance(node, Map):
            for e in node.entries:
                if isinstance(e.value, Scalar):
                    yield (*path, e.key), (e, e.value)
                else:
                    yield from walk(e.value, (*path, e.key))
        elif isinstance(node, Seq):
            for i, it in enumerate(node.items):
                if isinstance(it.value, Scalar):
                    yield (*path, i), (it, it.value)
                else:
                    yield from walk(it.value, (*path, i))

    yield from walk(ctx.root, ("services",) if ctx.v1 else ())


def _replace(holder: Entry | Item, old: Node, new: Node) -> None:
    holder.value = new
    home = holder.home
    if home is not None:
        home.dirty = True


# =========================================================================================
# v1: back to the top level (the last step down)
# =========================================================================================


@transform("v1-unwrap", at=(V1_RUNG,))
class V1Unwrap:
    """2.0 -> v1: the services come back to the top level (the last step down).

    Every other top-level key has no v1 form: ``networks`` and the rest are losses (named
    volumes are handled by ``v1-named-volumes`` before this step).
    """

    @staticmethod
    def down(ctx: Context) -> None:
        if ctx.v1:
            return
        section = ctx.services_map()
        header = _unwrap_header(ctx)
        for e in list(ctx.root.entries):
            if e.key in ("services", "version"):
                continue
            ctx.root.remove(e)
            if e.key.startswith("x-"):
                ctx.loss("v1-unwrap", e, (e.key,),
                         f"extension field `{e.key}`: v1 has no extension fields; dropped",
                         Difference((e.key,), None))
                continue
            ctx.loss("v1-unwrap", e, (e.key,),
                     f"top-level `{e.key}` has no v1 form; dropped",
                     Difference((e.key,), None))
        if section is None:
            section = Map()
        section.preamble = header
        ctx.root = section
        ctx.v1 = True


def _unwrap_header(ctx: Context) -> list[str]:
    """The comments above ``services:`` (the file's header, and the lead of ``services``),
    without the lines of the top-level keys that go, nor blank lines at the top."""
    root = ctx.root
    e = root.entry("services")
    if root.block is None or e is None or e.region is None:
        return _head_lines(root, ctx)
    taken = {i for region in root.block.regions if region is not e.region
             for i in range(region.lead, region.end)}
    nl = ctx.src.newline
    lines = [ctx.src.lines[i] if ctx.src.lines[i].endswith("\n") else ctx.src.lines[i] + nl
             for i in range(root.block.start, e.region.line) if i not in taken]
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def rescue_anchors(ctx: Context) -> None:
    """After keys were dropped: an alias whose anchored node is gone from the file gets the
    node itself (with its anchor) at its first remaining use, so the file stays valid."""
    present: set[int] = set()
    aliases: list[tuple[Map | Seq, Entry | Item, Alias]] = []

    def walk(node: Node) -> None:
        if id(node) in present:
            return
        if isinstance(node, Alias):
            return
        present.add(id(node))
        if isinstance(node, Map):
            for e in node.entries:
                if isinstance(e.value, Alias):
                    aliases.append((node, e, e.value))
                walk(e.value)
        elif isinstance(node, Seq):
            for it in node.items:
                if isinstance(it.value, Alias):
                    aliases.append((node, it, it.value))
                walk(it.value)

    walk(ctx.root)
    for parent, holder, alias in aliases:
        target = alias.target
        if target is None or id(target) in present:
            continue
        present.add(id(target))
        if isinstance(holder, Entry):
            assert isinstance(parent, Map)
            holder.value = target
            parent.dirty = True
        else:
            assert isinstance(parent, Seq)
            holder.value = target
            parent.dirty = True
        for sub in _nodes(target):
            present.add(id(sub))


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Map):
        for e in node.entries:
            if not isinstance(e.value, Alias):
                yield from _nodes(e.value)
    elif isinstance(node, Seq):
        for it in node.items:
            if not isinstance(it.value, Alias):
                yield from _nodes(it.value)


