"""CK603 stack-ignored-key: a service key `docker stack deploy` ignores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from composekit.diagnostics import Diagnostic, Severity
from composekit.lint.rule import Rule, Runtime
from composekit.lint.rules.runtime._support import service_key, svc_path, written_service_keys

if TYPE_CHECKING:
    from composekit.lint.context import LintContext

#: What to do instead, for the keys where there is something to do.
_INSTEAD = {
    "build": "build and push the image first; the stack only pulls `image`",
    "container_name": "remove it: swarm names the task containers",
    "depends_on": "make the service wait for its dependencies itself (retry on start-up): "
                  "swarm starts services in no particular order",
    "expose": "remove it: services on a shared network reach each other on every port",
    "links": "use a shared network (and network aliases) instead",
    "external_links": "attach the service to the external network instead",
    "network_mode": "use `networks:` (an overlay network, or the `host` network by name)",
    "restart": "use deploy.restart_policy",
}


class StackIgnoredKey(Rule):
    """## What it does
    Flags service keys that `docker stack deploy` does not apply: it warns
    "Ignoring unsupported options" for `build`, `cgroup_parent`,
    `cgroupns_mode`, `devices`, `domainname`, `external_links`, `ipc`,
    `links`, `mac_address`, `network_mode`, `pid`, `privileged`, `restart`,
    `security_opt`, `shm_size` and `userns_mode`, "Ignoring deprecated
    options" for `container_name` and `expose`, and drops `depends_on`
    without a word.

    ## Why is this bad?
    The file looks as if it configured something that swarm never does: a
    `restart: always` that is not the restart policy (that is
    `deploy.restart_policy`), a `privileged` or `devices` the tasks do not
    get, a start-up order that does not exist. The warnings scroll by at
    deploy time; the linter shows them where they are written.

    ## Example
    ```yaml
    # linted with --target stack
    version: "3.8"
    services:
      api:
        image: acme/api:1.4
        restart: always
    ```

    ## Use instead:
    ```yaml
    # linted with --target stack
    version: "3.8"
    services:
      api:
        image: acme/api:1.4
        deploy:
          restart_policy:
            condition: any
    ```

    ## Known problems
    A file shared between Compose and swarm may keep these keys on purpose
    (Compose honours them); silence the rule for such files, or keep the
    Compose-only keys in an override file. The list is the catalogue's
    record of the docker CLI (`cli/compose/types`); older CLIs also ignored
    `cap_add`, `cap_drop`, `sysctls`, `ulimits`, `tmpfs` and `read_only`.

    ## References
    - Verified with `docker stack deploy` of docker 28.2.2, which prints its
      "Ignoring unsupported options" and "Ignoring deprecated options"
      warnings before it contacts the swarm.
    - https://docs.docker.com/reference/cli/docker/stack/deploy/
    """

    code = "CK603"
    name = "stack-ignored-key"
    severity = Severity.WARNING
    targets = frozenset({Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        from composekit.catalog.model import Runtime as Behaviour

        for name, _svc, key in written_service_keys(ctx):
            entry = service_key(key)
            if entry is None or entry.runtime("stack").runtime is not Behaviour.IGNORED:
                continue
            help = _INSTEAD.get(key, "remove it, or keep it in a Compose-only override file")
            yield ctx.report(
                self, svc_path(name, key),
                f"docker stack deploy ignores `{key}` (service '{name}')",
                key=True, help=help[0].upper() + help[1:])
