"""Findings a person can act on: one per problem, at the offending key (unknown, too new,
removed) or value (wrong type or value), naming the property and the fix.

Each case pins code, line, column, message and help. The version facts behind the hints
were checked against docker-compose 1.26.2 and ``docker stack config``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from composekit.schema import validate_document
from composekit.yamlio import parse_text

Finding = tuple[str, int, int, str, "str | None"]


def findings(text: str) -> list[tuple[str, int, int, str, str | None]]:
    doc, diags = parse_text(text, "compose.yaml")
    assert doc is not None, diags
    _, found = validate_document(doc)
    for d in found:
        assert d.path == "compose.yaml" and d.origin == "schema"
        assert d.json_path.startswith("$")
    return [(d.code, d.line, d.column, d.message, d.help) for d in found]


CASES: dict[str, tuple[str, list[Finding]]] = {
    "typo": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    enviroment:
      A: "1"
""",
        [
            ('CK022', 5, 5,
             'unknown key `enviroment` in services.web',
             'did you mean `environment`?'),
        ],
    ),
    "type": (
        """\
version: "2.4"
services:
  web:
    image: nginx
    environment: "A=1"
""",
        [
            ('CK026', 5, 18,
             "`services.web.environment` must be a mapping or a list, not the string 'A=1'",
             'write a list: - A=1'),
        ],
    ),
    "hc20": (
        """\
version: "2.0"
services:
  web:
    image: nginx
    healthcheck:
      test: ["CMD", "true"]
""",
        [
            ('CK023', 5, 5,
             '`services.web.healthcheck` needs file format 2.1 or later; this file is 2.0',
             'added in 2.1: raise `version:` to "2.1" or later'),
        ],
    ),
    "deploy24": (
        """\
version: "2.4"
services:
  web:
    image: nginx
    deploy:
      replicas: 2
""",
        [
            ('CK023', 5, 5,
             '`services.web.deploy` is not part of 2.x files (this file is 2.4)',
             'it exists in 3.x and the Compose Specification only'),
        ],
    ),
    "sp33": (
        """\
version: "3.3"
services:
  db:
    image: postgres
    healthcheck:
      test: ["CMD", "pg_isready"]
      start_period: 30s
""",
        [
            ('CK023', 7, 7,
             ('`services.db.healthcheck.start_period` needs file format 3.4 or later; this '
              'file is 3.3'),
             'added in 3.4: raise `version:` to "3.4" or later'),
        ],
    ),
    "cpu38": (
        """\
version: "3.8"
services:
  worker:
    image: w
    cpu_shares: 512
""",
        [
            ('CK024', 5, 5,
             '`services.worker.cpu_shares` was removed in 3.0; this file is 3.8',
             ('use `deploy.resources` instead; `services.worker.cpu_shares` exists in legacy '
              'v1, 2.x and the Compose Specification')),
        ],
    ),
    "badport": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    ports:
      - "8o:80"
      - 99999
      - "127.0.0.1:70000:80"
""",
        [
            ('CK027', 6, 9,
             ("`services.web.ports[0]`: '8o:80' is not a port mapping "
              '[[IP:]HOST:]CONTAINER[/tcp|udp|sctp] with ports 0-65535'),
             'for example "127.0.0.1:8080:80"'),
            ('CK027', 7, 9,
             '`services.web.ports[1]` must be at most 65535; got 99999',
             None),
            ('CK027', 8, 9,
             ("`services.web.ports[2]`: '127.0.0.1:70000:80' is not a port mapping "
              '[[IP:]HOST:]CONTAINER[/tcp|udp|sctp] with ports 0-65535'),
             'for example "127.0.0.1:8080:80"'),
        ],
    ),
    "duration": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    healthcheck:
      interval: 30
      timeout: "10"
      retries: 3
    stop_grace_period: 1x
""",
        [
            ('CK026', 6, 17,
             '`services.web.healthcheck.interval` must be a string, not the number 30',
             'write a duration with a unit, e.g. "30s"'),
            ('CK027', 7, 16,
             ("`services.web.healthcheck.timeout`: '10' is not a duration with a unit (ns, us, "
              'ms, s, m, h)'),
             'add a unit: "10s"'),
            ('CK027', 9, 24,
             ("`services.web.stop_grace_period`: '1x' is not a duration with a unit (ns, us, "
              'ms, s, m, h)'),
             'for example 1m30s'),
        ],
    ),
    "ports30": (
        """\
version: "3.0"
services:
  web:
    image: nginx
    ports:
      - target: 80
        published: 8080
""",
        [
            ('CK023', 6, 9,
             ('the long syntax of `services.web.ports` entries needs file format 3.2 or later; '
              'this file is 3.0'),
             'added in 3.2: raise `version:` to "3.2" or later'),
        ],
    ),
    "ports38": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    ports:
      - target: "abc"
        published: 8080
        protocol: tcpp
""",
        [
            ('CK026', 6, 17,
             "`services.web.ports[0].target` must be an integer, not the string 'abc'",
             None),
            ('CK027', 8, 19,
             ('`services.web.ports[0].protocol` must be one of tcp, udp, sctp; got the string '
              "'tcpp'"),
             "did you mean 'tcp'?"),
        ],
    ),
    "dep37": (
        """\
version: "3.7"
services:
  web:
    image: nginx
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres
""",
        [
            ('CK024', 6, 7,
             '`services.web.depends_on` as a mapping was removed in 3.0; this file is 3.7',
             'it exists in 2.1-2.4 and the Compose Specification'),
        ],
    ),
    "cond24": (
        """\
version: "2.4"
services:
  web:
    image: nginx
    depends_on:
      db:
        condition: service_completed_successfully
  db:
    image: postgres
""",
        [
            ('CK023', 7, 20,
             ("the value 'service_completed_successfully' of "
              '`services.web.depends_on.db.condition` is not part of 2.x files (this file is '
              '2.4)'),
             'it exists in the Compose Specification only'),
        ],
    ),
    "restart": (
        """\
services:
  web:
    image: nginx
    restart: allways
""",
        [
            ('CK027', 4, 14,
             ("`services.web.restart`: 'allways' is not one of no, always, "
              'on-failure[:max-retries], unless-stopped'),
             "did you mean 'always'?"),
        ],
    ),
    "required": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    ulimits:
      nofile:
        soft: 1024
    volumes:
      - source: data
        target: /data
volumes:
  data: {}
""",
        [
            ('CK028', 6, 7,
             '`services.web.ulimits.nofile` is missing the key `hard`',
             'add `hard:`'),
            ('CK028', 9, 9,
             '`services.web.volumes[0]` is missing the key `type`',
             'add `type: bind`, `type: volume` or `type: tmpfs`'),
        ],
    ),
    "dups": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    cap_add:
      - NET_ADMIN
      - SYS_TIME
      - NET_ADMIN
""",
        [
            ('CK027', 8, 9,
             '`services.web.cap_add` lists "NET_ADMIN" more than once',
             'remove the duplicate entry'),
        ],
    ),
    "name": (
        """\
version: "3.8"
services:
  "my web":
    image: nginx
""",
        [
            ('CK110', 3, 3,
             "service name 'my web' in services has characters Compose rejects",
             "use only letters, digits, '.', '_' and '-'"),
        ],
    ),
    "ext33": (
        """\
version: "3.3"
x-common: &c
  image: nginx
services:
  web: *c
""",
        [
            ('CK023', 2, 1,
             ('an extension key (`x-common`) in the top level needs file format 3.4 or later; '
              'this file is 3.3'),
             'added in 3.4: raise `version:` to "3.4" or later'),
        ],
    ),
    "interp": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    ports:
      - "${PORT}:80"
    healthcheck:
      interval: ${INTERVAL:-30s}
    privileged: ${PRIV}
""",
        [
        ],
    ),
    "yaml11": (
        """\
version: "2.4"
services:
  web:
    image: nginx
    tty: yes
    privileged: "yes"
""",
        [
            ('CK026', 6, 17,
             "`services.web.privileged` must be true or false, not the string 'yes'",
             'write true or false without quotes'),
        ],
    ),
    "merge": (
        """\
version: "3.8"
x-base: &base
  image: nginx
  restart: allways
services:
  a:
    <<: *base
  b:
    <<: *base
""",
        [
            ('CK027', 4, 12,
             ("`services.a.restart`: 'allways' is not one of no, always, "
              'on-failure[:max-retries], unless-stopped'),
             "did you mean 'always'?"),
        ],
    ),
    "resources": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    resources:
      limits:
        memory: 1g
""",
        [
            ('CK022', 5, 5,
             'unknown key `resources` in services.web',
             '`resources` belongs under `deploy`'),
        ],
    ),
    "toplevelsvc": (
        """\
version: "3.8"
web:
  image: nginx
services:
  db:
    image: postgres
""",
        [
            ('CK022', 2, 1,
             'unknown key `web` in the top level',
             'services go under the top-level `services:` key'),
        ],
    ),
    "v1volumes": (
        """\
web:
  image: nginx
volumes:
  data: {}
""",
        [
            ('CK023', 3, 1,
             ('top-level `volumes` needs a 2.x/3.x file or the Compose Specification; without '
              '`version:` and `services:` the file is read as legacy v1, where every top-level '
              'key is a service'),
             ('put the services under `services:` (Compose Specification), and add `version:` '
              'only for a 2.x/3.x file')),
        ],
    ),
    "memswap": (
        """\
version: "2.4"
services:
  web:
    image: nginx
    memswap_limit: 2g
""",
        [
            ('CK028', 5, 5,
             '`services.web.memswap_limit` needs `mem_limit` in the same mapping',
             'add `mem_limit`, or remove `memswap_limit`'),
        ],
    ),
    "external": (
        """\
version: "3.3"
services:
  web:
    image: nginx
volumes:
  data:
    external: true
    driver: local
""",
        [
            ('CK029', 8, 5,
             '`volumes.data.driver` cannot be used together with `external` in a 3.3 file',
             'remove `driver` or `external`'),
        ],
    ),
    "cpus": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    deploy:
      resources:
        limits:
          cpus: 0.5
""",
        [
            ('CK026', 8, 17,
             '`services.web.deploy.resources.limits.cpus` must be a string, not the number 0.5',
             'quote the value: "0.5"'),
        ],
    ),
    "specbool": (
        """\
services:
  web:
    image: nginx
    privileged: "maybe"
    scale: "two"
""",
        [
            ('CK027', 4, 17,
             "`services.web.privileged`: 'maybe' is not a boolean: true or false",
             'for example true'),
            ('CK027', 5, 12,
             "`services.web.scale`: 'two' is not an integer",
             'for example 3'),
        ],
    ),
    "labels35": (
        """\
version: "3.5"
services:
  web:
    image: nginx
    labels:
      tier: 1
""",
        [
            ('CK023', 6, 13,
             ('`services.web.labels.tier` as an integer needs file format 3.6 or later; this '
              'file is 3.5'),
             'added in 3.6: raise `version:` to "3.6" or later; or quote the value: "1"'),
        ],
    ),
    "labels36": (
        """\
version: "3.6"
services:
  web:
    image: nginx
    labels:
      tier: 1
""",
        [
        ],
    ),
    "intkeys": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    environment:
      1: a
    sysctls:
      true: 1
""",
        [
        ],
    ),
    "alias3": (
        """\
version: "3"
services:
  db:
    image: postgres
    healthcheck:
      start_period: 10s
""",
        [
            ('CK023', 6, 7,
             ('`services.db.healthcheck.start_period` needs file format 3.4 or later; this '
              'file is 3.0'),
             ('added in 3.4: raise `version:` to "3.4" or later; `version: "3"` means 3.0 to '
              'docker-compose 1.x, while docker stack 23.0+ reads it as the newest 3.x')),
        ],
    ),
    "extnet": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    networks:
      front:
        aliase: [w]
networks:
  front: {}
""",
        [
            ('CK022', 7, 9,
             'unknown key `aliase` in services.web.networks.front',
             'did you mean `aliases`?'),
        ],
    ),
    "v1net": (
        """\
web:
  image: nginx
  net: host
  networks: [a]
""",
        [
            ('CK023', 4, 3,
             ('`web.networks` needs file format 2.0 or later; a file without `version:` whose '
              'services are at the top level is legacy v1'),
             ('put the services under `services:` (and add `version:` for a 2.x/3.x file, or '
              'leave it out for the Compose Specification)')),
        ],
    ),
    "spec_v1key": (
        """\
services:
  web:
    image: nginx
    log_driver: syslog
    volume_driver: x
""",
        [
            ('CK024', 4, 5,
             ('`services.web.log_driver` is not part of the Compose Specification; it exists '
              'in legacy v1'),
             'use `logging.driver` instead; `services.web.log_driver` exists in legacy v1'),
            ('CK024', 5, 5,
             ('`services.web.volume_driver` is not part of the Compose Specification; it '
              'exists in legacy v1 and 2.x'),
             ('use `volumes.<name>.driver` instead; `services.web.volume_driver` exists in '
              'legacy v1 and 2.x')),
        ],
    ),
    "deploy_null": (
        """\
version: "3.8"
services:
  web:
    image: nginx
    deploy:
networks:
  n:
""",
        [
        ],
    ),
    "net24null": (
        """\
version: "2.4"
services:
  web:
    image: nginx
networks:
  n:
""",
        [
            ('CK026', 6, 3,
             '`networks.n` must be a mapping, not empty (null)',
             'give it a value, or remove the key'),
        ],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_message(name: str) -> None:
    text, expected = CASES[name]
    assert findings(text) == expected


def test_all_problems_in_one_run_sorted_by_position() -> None:
    text = (
        'version: "2.0"\n'
        "services:\n"
        "  web:\n"
        "    image: nginx\n"
        "    enviroment: {A: b}\n"
        "    healthcheck:\n"
        "      test: [CMD, 'true']\n"
        "    deploy: {replicas: 2}\n"
        "    ports: ['8o:80']\n"
        "    restart: allways\n"
    )
    got = [(code, line, col) for code, line, col, _, _ in findings(text)]
    assert got == [("CK022", 5, 5), ("CK023", 6, 5), ("CK023", 8, 5), ("CK027", 9, 13),
                   ("CK027", 10, 14)]


def test_keys_report_an_end_column() -> None:
    doc, _ = parse_text('version: "3.8"\nservices:\n  web:\n    enviroment: {}\n', "c.yml")
    assert doc is not None
    [d] = validate_document(doc)[1]
    assert (d.span.line, d.span.column, d.span.end_line, d.span.end_column) == (4, 5, 4, 15)
    assert d.json_path == "$.services.web.enviroment"


def test_a_valid_file_has_no_findings() -> None:
    text = (Path(__file__).parent / "typical.yaml").read_text(encoding="utf-8")
    assert findings(text) == []


def test_compose_specification_secrets_need_a_source() -> None:
    text = "services:\n  web:\n    image: nginx\nsecrets:\n  token:\n    name: api-token\n"
    assert findings(text) == [
        ("CK028", 5, 3, "`secrets.token` needs one of `file`, `environment` or `external`",
         "add `file:`"),
    ]
    text = ("services:\n  web:\n    image: nginx\nconfigs:\n  app:\n    file: ./app.ini\n"
            "    content: x\n")
    assert findings(text) == [
        ("CK029", 7, 5, "`configs.app.content` cannot be used together with `file` in the "
         "Compose Specification", "remove `content` or `file`"),
    ]
    # 3.x files do not have the rule
    assert findings('version: "3.8"\nservices:\n  web:\n    image: nginx\nsecrets:\n'
                    "  token:\n    name: api-token\n") == []


def test_v1_image_and_build() -> None:
    assert findings("web:\n  image: nginx\n  build: .\n") == [
        ("CK029", 2, 3, "`web.image` cannot be used together with `build` in a legacy v1 file",
         "remove `image` or `build`"),
    ]


def test_uninterpolated_values_are_not_judged_but_keys_are() -> None:
    text = ('version: "3.8"\nservices:\n  web:\n    image: ${IMAGE}\n    mem_limit: ${MEM}\n'
            "    ports: ['${PORT:-8080}:80']\n")
    assert [(c, line, col) for c, line, col, _, _ in findings(text)] == [("CK024", 5, 5)]
