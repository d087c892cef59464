"""CK132 unused-config."""

from __future__ import annotations

from composekit.lint.rules.structure._resources import UnusedResourceRule


class UnusedConfig(UnusedResourceRule):
    """
    ## What it does
    Checks for configs declared under the top-level `configs` key that no
    service is granted.

    ## Why is this bad?
    A config is mounted into a container only when the service lists it under
    `configs`. An unused declaration does nothing; a service that expects the
    file starts with its built-in configuration instead.

    ## Example
    ```yaml
    services:
      proxy:
        image: nginx:1.27
    configs:
      proxy_conf:
        file: ./nginx.conf
    ```

    ## Use instead:
    ```yaml
    services:
      proxy:
        image: nginx:1.27
        configs:
          - source: proxy_conf
            target: /etc/nginx/nginx.conf
    configs:
      proxy_conf:
        file: ./nginx.conf
    ```

    ## Known problems
    A config granted only to services of profiles that are not active counts
    as used. An `external` config is reported too.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Compose Specification: the top-level `configs` element.
    """

    code = "CK132"
    name = "unused-config"
    kind = "configs"
