"""CK131 unused-secret."""

from __future__ import annotations

from composekit.lint.rules.structure._resources import UnusedResourceRule


class UnusedSecret(UnusedResourceRule):
    """
    ## What it does
    Checks for secrets declared under the top-level `secrets` key that no
    service (and no service's `build`) is granted.

    ## Why is this bad?
    A secret reaches a container only when the service lists it under
    `secrets`. An unused declaration usually means a service that was meant
    to read `/run/secrets/<name>` does not get the file and falls back to
    something else, such as a password in its environment.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    secrets:
      db_password:
        file: ./db_password.txt
    ```

    ## Use instead:
    ```yaml
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD_FILE: /run/secrets/db_password
        secrets:
          - db_password
    secrets:
      db_password:
        file: ./db_password.txt
    ```

    ## Known problems
    A secret granted only to services of profiles that are not active counts
    as used. An `external` secret is reported too.

    ## References
    - No dclint 3.1 or compose-lint 0.36 rule covers this.
    - Compose Specification: the top-level `secrets` element.
    """

    code = "CK131"
    name = "unused-secret"
    kind = "secrets"
