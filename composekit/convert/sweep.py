"""The catalogue sweep: whatever the target format does not know is dropped and reported.

After the transforms, every key of the file is looked up in the key catalogue
(:mod:`composekit.catalog`); a key whose entry does not list the target format, and an
``x-`` extension field where the target allows none, is removed and reported as a loss at
its line. Keys reached through ``<<`` merges are removed from the mapping that holds them.
This is what makes the converter data-driven: a key added to the catalogue is handled here
without any code.
"""

from __future__ import annotations

from composekit.catalog import Node as CatNode
from composekit.catalog import root as catalogue_root
from composekit.catalog.keys import ROOT
from composekit.catalog.model import Avail, ListOf, MapOf, Obj, OneOf, T, When
from composekit.convert.context import Context
from composekit.convert.model import Entry, Map, Node, Seq, deref
from composekit.convert.report import Difference

__all__ = ["sweep"]

Path = tuple[str | int, ...]


def sweep(ctx: Context) -> None:
    """Drop and report every key and extension field the target format lacks."""
    cat = catalogue_root()
    users = _merge_users(ctx)
    if ctx.v1:
        services = cat.children["services"]
        _walk(ctx, ctx.root, services, ("services",), users, top=True)
    else:
        _walk(ctx, ctx.root, cat, (), users, top=True)


def _merge_users(ctx: Context) -> dict[int, list[str]]:
    """For each mapping merged into a service (``<<``), the services that get it."""
    out: dict[int, list[str]] = {}

    def add(m: Map, name: str, depth: int) -> None:
        if depth > 16:
            return
        for source in m.merge_sources():
            names = out.setdefault(id(source), [])
            if name not in names:
                names.append(name)
            add(source, name, depth + 1)

    for name, svc in ctx.services():
        add(svc, name, 0)
    return out


def _objects(t: T) -> list[Obj]:
    if isinstance(t, Obj):
        return [t]
    if isinstance(t, OneOf):
        return [o for alt in t.alts for o in _objects(alt)]
    if isinstance(t, When):
        return _objects(t.type)
    return []


def _member_types(cat: CatNode) -> list[T]:
    """The value types a mapping at catalogue node ``cat`` may have."""
    if not cat.path:
        return [ROOT]
    if cat.key is not None:
        return [cat.key.type]
    parent_path = cat.path[:-1]
    from composekit.catalog import root

    parent: CatNode | None = root()
    for part in parent_path:
        parent = parent.children.get(part) if parent is not None else None
    if parent is None or parent.key is None:
        return []
    t = parent.key.type
    out: list[T] = []
    for alt in (t.alts if isinstance(t, OneOf) else (t,)):
        if cat.path[-1] == "*" and isinstance(alt, MapOf):
            out.append(alt.value)
        elif cat.path[-1] == "[]" and isinstance(alt, ListOf):
            out.append(alt.item)
    return out


def _extensions_allowed(cat: CatNode, ctx: Context) -> bool | None:
    """Whether ``x-`` keys may appear in the mapping at ``cat`` in the target; ``None``
    when the catalogue does not say (free-form content)."""
    objects = [o for t in _member_types(cat) for o in _objects(t)]
    if not objects:
        return None
    return any(o.ext is not None and ctx.target in Avail.parse(o.ext) for o in objects)


def _walk(ctx: Context, m: Map, cat: CatNode, parts: Path, users: dict[int, list[str]],
          *, top: bool = False) -> None:
    if not ctx.once("sweep", m):
        return
    names = users.get(id(m))
    for e in list(m.entries):
        if e.key == "<<":
            continue
        here = (*parts, e.key)
        if top and ctx.v1 and e.key.startswith("x-"):
            _drop(ctx, m, e, here, "v1 has no extension fields", names)
            continue
        if e.key.startswith("x-") and "*" not in cat.children:
            allowed = _extensions_allowed(cat, ctx)
            if allowed is False:
                where = cat.dotted or "the top level"
                _drop(ctx, m, e, here, f"{ctx.target.version} allows no extension fields in "
                      f"{where}", names)
            continue
        child = cat.step(e.key)
        if child is None:
            continue
        literal = e.key in cat.children
        if child.key is not None and literal and ctx.target not in child.key.avail:
            _drop(ctx, m, e, here, _why(child, ctx), names)
            continue
        value = deref(e.value)
        # a service is a named member: the services that have it are itself
        sub_users = users
        if parts == ("services",) or (ctx.v1 and top):
            sub_users = dict(users)
            _mark(value, e.key, sub_users)
        if isinstance(value, Map):
            had = len(value.entries)
            _walk(ctx, value, child, here, sub_users)
            for source in value.merge_sources():
                _walk(ctx, source, child, here, sub_users)
            if had and not value.entries and literal and value is e.value:
                # an option mapping emptied by the drops (`update_config` without `order`)
                # goes too; a declaration (a network, a service) stays, even empty
                m.remove(e)
        elif isinstance(value, Seq) and "[]" in child.children:
            item_cat = child.children["[]"]
            for i, it in enumerate(value.items):
                v = deref(it.value)
                if isinstance(v, Map):
                    _walk(ctx, v, item_cat, (*here, i), sub_users)


def _mark(value: Node | None, name: str, users: dict[int, list[str]]) -> None:
    if isinstance(value, Map):
        users[id(value)] = [name]


def _why(child: CatNode, ctx: Context) -> str:
    assert child.key is not None
    avail = child.key.avail
    since = avail.since(ctx.target.family)
    until = avail.until(ctx.target.family)
    if since is not None and ctx.target < since:
        when = f"added in {since.version}"
    elif until is not None and ctx.target >= until:
        when = f"removed in {until.version}"
    else:
        when = f"only in {avail.describe()}"
    return f"{ctx.target.version} has no `{child.dotted}` ({when})"


def _drop(ctx: Context, m: Map, e: Entry, here: Path, why: str, names: list[str] | None
          ) -> None:
    m.remove(e)
    rest = here[2:] if names and len(here) >= 2 and here[0] == "services" else None
    shown = ("services", names[0], *rest) if names and rest is not None else here
    paths = [("services", n, *rest) for n in names] if names and rest is not None else [here]
    # a dropped mapping: each of its remaining keys differs (what transforms moved out of
    # it before is still compared where it went)
    value = deref(e.value)
    children = [c.key for c in value.entries if c.key != "<<"] if isinstance(value, Map) \
        else []
    diffs = [Difference((*p, c), (*p, c)) for p in paths for c in children] if children \
        else [Difference(p, p) for p in paths]
    listed = f" ({', '.join(children)})" if children else ""
    ctx.loss("sweep", e, shown, f"`{shown[-1]}`{listed} dropped: {why}", *diffs)
