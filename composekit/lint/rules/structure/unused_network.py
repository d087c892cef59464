"""CK129 unused-network."""

from __future__ import annotations

from composekit.lint.rules.structure._resources import UnusedResourceRule


class UnusedNetwork(UnusedResourceRule):
    """
    ## What it does
    Checks for networks declared under the top-level `networks` key that no
    service is attached to.

    ## Why is this bad?
    Compose creates only the networks services use, so an unused declaration
    does nothing. It is usually left over from a removed service, or the sign
    of a typo: a service meant to join `backend` that still sits on the
    default network, cut off from the services on `backend`.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:2.1
    networks:
      backend: {}
    ```

    ## Use instead:
    ```yaml
    services:
      api:
        image: example/api:2.1
        networks:
          - backend
    networks:
      backend: {}
    ```

    ## Known problems
    A network used only by services of profiles that are not active counts
    as used. The `default` network counts as used when a service has neither
    `networks` nor `network_mode`. An `external` network is reported too: it
    is not created by the project, but declaring it without attaching a
    service to it still does nothing.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Compose Specification: the top-level `networks` element.
    """

    code = "CK129"
    name = "unused-network"
    kind = "networks"
