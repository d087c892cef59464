"""CK130 unused-volume."""

from __future__ import annotations

from composekit.lint.rules.structure._resources import UnusedResourceRule


class UnusedVolume(UnusedResourceRule):
    """
    ## What it does
    Checks for named volumes declared under the top-level `volumes` key that
    no service mounts.

    ## Why is this bad?
    Compose creates only the volumes services mount. An unused declaration is
    often a mistake with data at stake: `db-data` is declared, but the service
    mounts `./db-data:/var/lib/postgresql/data`, a bind mount of a directory
    next to the file, so the data does not live in the volume the file seems
    to promise.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        volumes:
          - ./db-data:/var/lib/postgresql/data
    volumes:
      db-data: {}
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        volumes:
          - db-data:/var/lib/postgresql/data
    volumes:
      db-data: {}
    ```

    ## Known problems
    A volume mounted only by services of profiles that are not active counts
    as used. An `external` volume is reported too.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Compose Specification: the top-level `volumes` element.
    """

    code = "CK130"
    name = "unused-volume"
    kind = "volumes"
