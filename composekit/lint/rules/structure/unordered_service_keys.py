"""CK125 unordered-service-keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import (
    first_out_of_order,
    mapping_fix,
    service_parts,
    sorted_order,
)
from composekit.lint.rules.structure._yamltext import has_merge, mapping_entries

#: The groups of service keys, in their default order, each with its keys in order.
DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    "core": ("image", "build", "container_name"),
    "dependencies": ("depends_on",),
    "data": ("volumes", "volumes_from", "configs", "secrets"),
    "environment": ("environment", "env_file"),
    "networking": ("ports", "networks", "network_mode", "extra_hosts"),
    "runtime": ("command", "entrypoint", "working_dir", "restart", "healthcheck"),
    "metadata": ("logging", "labels"),
    "security": ("user", "isolation"),
}
DEFAULT_GROUP_ORDER: tuple[str, ...] = tuple(DEFAULT_GROUPS)


@dataclass(frozen=True)
class Options:
    """``group_order``: the order of the groups; ``groups``: keys of a group, in order,
    replacing that group's default keys (a new group name must be in ``group_order``)."""

    group_order: tuple[str, ...] = DEFAULT_GROUP_ORDER
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.group_order, str):
            raise ValueError("group_order must be a list of group names")
        known = set(DEFAULT_GROUPS) | set(self.groups)
        unknown = [g for g in self.group_order if g not in known]
        if unknown:
            raise ValueError(
                f"unknown group {unknown[0]!r} in group_order; "
                f"known groups: {', '.join(sorted(known))}")
        if len(set(self.group_order)) != len(tuple(self.group_order)):
            raise ValueError("a group is listed twice in group_order")
        seen: dict[str, str] = {}
        for group in self.group_order:
            for key in self.keys_of(group):
                if key in seen:
                    raise ValueError(
                        f"key {key!r} is in groups {seen[key]!r} "
                        f"and {group!r}")
                seen[key] = group

    def keys_of(self, group: str) -> tuple[str, ...]:
        keys = self.groups.get(group)
        if keys is None:
            return DEFAULT_GROUPS.get(group, ())
        if isinstance(keys, str):
            raise ValueError(f"groups.{group} must be a list of keys")
        return tuple(keys)

    def ranks(self) -> dict[str, tuple[int, int]]:
        """``key -> (group rank, rank in group)`` for every grouped key."""
        out: dict[str, tuple[int, int]] = {}
        for g, group in enumerate(self.group_order):
            for k, key in enumerate(self.keys_of(group)):
                out[key] = (g, k)
        return out

    def group_of(self, key: str) -> str | None:
        for group in self.group_order:
            if key in self.keys_of(group):
                return group
        return None


class UnorderedServiceKeys(Rule):
    """
    ## What it does
    Checks that the keys of each service follow a fixed order of groups:
    what the service runs (`image`, `build`, `container_name`), its
    dependencies (`depends_on`), its data (`volumes`, `volumes_from`,
    `configs`, `secrets`), its environment (`environment`, `env_file`), its
    networking (`ports`, `networks`, `network_mode`, `extra_hosts`), how it
    runs (`command`, `entrypoint`, `working_dir`, `restart`, `healthcheck`),
    metadata (`logging`, `labels`) and its security context (`user`,
    `isolation`). Within a group, keys follow the order listed. Keys in no
    group come after all grouped keys, in any order.

    ## Why is this bad?
    When every service is written in the same order, a reader knows where to
    look for its image, its ports or its command, and reviews compare like
    with like. Compose does not care about the order of keys.

    ## Example
    ```yaml
    services:
      web:
        ports:
          - "8080:80"
        image: nginx:1.27
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080:80"
    ```

    ## Options
    - `group_order` (list of group names, default `["core", "dependencies",
      "data", "environment", "networking", "runtime", "metadata",
      "security"]`): the order of the groups. A group left out of the list is
      not checked: its keys count as keys in no group.
    - `groups` (mapping of group name to a list of keys, default `{}`): the
      keys of a group, in order, replacing its default keys; a new group name
      must also be listed in `group_order`. A key may be in one group only.

    ## Fix safety
    The fix moves each key with its value and the comment lines directly
    above it, keeping every line's indentation, and is safe: the order of a
    service's keys has no meaning. No fix is offered for a service written in
    flow style, one whose keys do not each start a line, or one that pulls
    keys in with `<<` (the merge line's place matters to readers).

    ## Known problems
    The default groups are those of dclint 3.1, so a file clean under
    dclint's `service-keys-order` is clean here; keys such as `deploy`,
    `profiles` or `cap_drop` are in no group and go at the end.

    ## References
    - dclint `service-keys-order` (its `groupOrder` and `groups` options are
      `group_order` and `groups` here, with short group names)
    """

    code = "CK125"
    name = "unordered-service-keys"
    severity = Severity.STYLE
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    Options = Options

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        options: Options = self.options
        ranks = options.ranks()
        other = (len(options.group_order), 0)
        for path, service, svc in ctx.raw_services():
            names = [str(k) for k, _, _ in mapping_entries(svc)]
            keys = [ranks.get(n, other) for n in names]
            found = first_out_of_order(keys)
            if found is None:
                continue
            i, j = found
            text = ctx.documents[path].text
            edit = None if has_merge(svc) else mapping_fix(text, svc, sorted_order(keys))
            fix = Fix("Reorder the service's keys", (edit,)) if edit else None
            group = options.group_of(names[i])
            where = f" ({group} group)" if group else ""
            yield ctx.report(
                self, (*service_parts(ctx, path, service), names[i]),
                f"Key '{names[i]}'{where} of service '{service}' should come before "
                f"'{names[j]}'",
                key=True, path=path,
                help="Order the keys: " + _describe(options), fix=fix)


def _describe(options: Any) -> str:
    groups = [", ".join(options.keys_of(g)) for g in options.group_order]
    return "; ".join(g for g in groups if g) + "; then any other key"
