"""Each transform, up and down, on small files: the exact text written and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from composekit.catalog import key as catalogue_key
from composekit.convert import TRANSFORMS, convert_text
from composekit.convert.api import ConversionResult


def conv(text: str, to: str, tmp: Path | None = None, **kw: bool) -> ConversionResult:
    path = str((tmp or Path("/nonexistent")) / "compose.yaml")
    result = convert_text(text, path, to, **kw)
    assert result.ok, [d.message for d in result.diagnostics]
    return result


def entries(result: ConversionResult) -> list[tuple[str, str, int]]:
    return [(e.kind.value, e.transform, e.line) for e in result.report.sorted()]


def test_every_transform_is_documented_and_names_catalogue_keys() -> None:
    names = [t.name for t in TRANSFORMS]
    assert len(names) == len(set(names))
    for t in TRANSFORMS:
        assert t.doc.strip() and t.summary, t.name
        assert t.up is not None or t.down is not None, t.name
        assert t.phase in ("step", "first", "final"), t.name
        for dotted in t.keys:
            catalogue_key(dotted)  # raises KeyError for a key the catalogue does not have


# --- legacy v1 <-> 2.x ----------------------------------------------------------------------

V1 = """\
# shop
web:
  build: ./app
  dockerfile: Dockerfile.prod   # prod
  net: "container:db"
  log_driver: gelf
  log_opt:
    gelf-address: "udp://1.2.3.4:12201"
  volumes_from:
    - db:ro
    - other
db:
  image: pg
  volumes:
    - data:/data
"""

V1_AS_24 = """\
version: "2.4"

# shop
services:
  web:
    build:
      context: ./app
      dockerfile: Dockerfile.prod   # prod
    network_mode: "service:db"
    logging:
      driver: gelf
      options:
        gelf-address: "udp://1.2.3.4:12201"
    volumes_from:
      - db:ro
      - container:other
  db:
    image: pg
    network_mode: bridge
    volumes:
      - data:/data
volumes:
  data:
    name: data
"""


def test_v1_up() -> None:
    result = conv(V1, "2.4")
    assert result.text == V1_AS_24
    assert entries(result) == [
        ("rewrite", "version", 1),
        ("rewrite", "v1-dockerfile", 4),
        ("rewrite", "v1-net", 5),
        ("rewrite", "v1-logging", 6),
        ("rewrite", "v1-logging", 7),
        ("rewrite", "v1-volumes-from", 11),
        ("rewrite", "v1-net", 12),
        ("rewrite", "v1-named-volumes", 15),
    ]
    assert result.report.reversible


def test_v1_up_and_back_is_byte_identical() -> None:
    assert conv(conv(V1, "2.4").text or "", "1").text == V1


def test_v1_named_volume_before_2_1_is_external() -> None:
    result = conv("web:\n  image: pg\n  volumes:\n    - data:/data\n", "2.0")
    assert result.text == ('version: "2.0"\n\nservices:\n  web:\n    image: pg\n'
                           "    network_mode: bridge\n    volumes:\n      - data:/data\n"
                           "volumes:\n  data:\n    external: true\n")
    assert [e.transform for e in result.report.losses] == ["v1-named-volumes"]


def test_2x_down_to_v1_reports_what_v1_cannot_say() -> None:
    text = ('version: "2.0"\nservices:\n  web:\n    build:\n      context: ./app\n'
            "      args:\n        A: 1\n    image: me/web\n    networks: [front]\n"
            "networks:\n  front: {}\n")
    result = conv(text, "1")
    assert result.text == "web:\n  build: ./app\n"
    assert [(e.transform, e.line) for e in result.report.losses] == [
        ("v1-net", 3), ("v1-dockerfile", 6), ("v1-dockerfile", 8), ("sweep", 9),
        ("v1-unwrap", 10)]


# --- extends ------------------------------------------------------------------------------


def test_extends_inlined_with_compose_merge_rules() -> None:
    text = """\
version: "2.4"
services:
  base:
    image: nginx
    environment:
      A: "1"
      B: "2"
    volumes:
      - ./b:/b
      - ./a:/a
    dns: [1.1.1.1, 8.8.8.8]
  web:
    extends: base
    environment:
      B: "3"
    volumes:
      - ./c:/b   # mine
    dns:
      - 8.8.8.8
      - 9.9.9.9
    command: run
"""
    result = conv(text, "3.8")
    assert result.text == """\
version: "3.8"
services:
  base:
    image: nginx
    environment:
      A: "1"
      B: "2"
    volumes:
      - ./b:/b
      - ./a:/a
    dns: [1.1.1.1, 8.8.8.8]
  web:
    image: nginx
    environment:
      A: "1"
      B: "3"
    volumes:
      - ./c:/b   # mine
      - ./a:/a
    dns:
      - 1.1.1.1
      - 8.8.8.8
      - 9.9.9.9
    command: run
"""
    assert entries(result) == [("rewrite", "version", 1), ("rewrite", "extends-inline", 13)]


def test_extends_kept_where_the_target_has_it() -> None:
    text = 'version: "2.4"\nservices:\n  a:\n    image: x\n  b:\n    extends: a\n'
    assert conv(text, "spec").text == "services:\n  a:\n    image: x\n  b:\n    extends: a\n"


def test_extends_of_a_missing_service_is_a_loss() -> None:
    text = 'version: "2.4"\nservices:\n  b:\n    image: x\n    extends: nowhere\n'
    result = conv(text, "3.8")
    assert result.text == 'version: "3.8"\nservices:\n  b:\n    image: x\n'
    assert [e.transform for e in result.report.losses] == ["extends-inline"]


def test_extends_from_another_file_is_inlined_for_older_tools(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(
        'version: "2.0"\nservices:\n  app:\n    image: app\n    build: ./app\n')
    (tmp_path / "sub").mkdir()
    text = 'version: "2.0"\nservices:\n  web:\n    extends:\n      file: common.yaml\n' \
           "      service: app\n"
    result = conv(text, "2.4", tmp_path)
    assert result.text == 'version: "2.4"\nservices:\n  web:\n    image: app\n    build: ./app\n'
    # the Compose Specification reads other files whatever their version: kept
    assert conv(text, "spec", tmp_path).text == text.replace('version: "2.0"\n', "")


def test_reset_and_override_tags_are_applied_when_inlining() -> None:
    text = ("services:\n  a:\n    image: x\n    ports: ['80']\n    dns: [1.1.1.1]\n"
            "  b:\n    extends: a\n    ports: !reset []\n    dns: !override [8.8.8.8]\n")
    result = conv(text, "2.4")
    assert result.text == ('version: "2.4"\n\nservices:\n  a:\n    image: x\n'
                           "    ports: ['80']\n    dns: [1.1.1.1]\n  b:\n    image: x\n"
                           "    dns: [8.8.8.8]\n")


# --- resources ------------------------------------------------------------------------------

RES_24 = """\
version: "2.4"
services:
  web:
    image: nginx
    # memory cap
    mem_limit: 512m  # hard
    cpus: 0.5
    mem_reservation: 128m
    scale: 2
    restart: always
"""

RES_38 = """\
version: "3.8"
services:
  web:
    image: nginx
    deploy:
      resources:
        limits:
          # memory cap
          memory: 512m  # hard
          cpus: "0.5"
        reservations:
          memory: 128m
      replicas: 2
    restart: always
"""


def test_resources_up_to_deploy_and_back() -> None:
    up = conv(RES_24, "3.8")
    assert up.text == RES_38
    assert [e.transform for e in up.report.rewrites] == ["version"] + ["resources-to-deploy"] * 4
    assert up.report.reversible
    down = conv(RES_38, "2.4")
    assert down.text == RES_24


def test_cpus_before_2_2_is_a_cpu_quota() -> None:
    text = 'version: "3.8"\nservices:\n  web:\n    image: nginx\n    deploy:\n      resources:\n' \
           '        limits:\n          cpus: "0.5"\n'
    assert conv(text, "2.1").text == 'version: "2.1"\nservices:\n  web:\n    image: nginx\n' \
                                     "    cpu_quota: 50000\n"
    result = conv('version: "2.2"\nservices:\n  web:\n    image: nginx\n    cpus: 1.5\n', "2.0")
    assert result.text == 'version: "2.0"\nservices:\n  web:\n    image: nginx\n' \
                          "    cpu_quota: 150000\n"
    assert result.report.rewrites[-1].message == \
        "`cpus: 1.5` is `cpu_quota: 150000` (period 100000 us) before 2.2"


def test_keys_without_a_3x_counterpart_are_losses() -> None:
    text = ('version: "2.4"\nservices:\n  web:\n    image: nginx\n    cpu_shares: 512\n'
            "    pids_limit: 100\n    group_add: [audio]\n    oom_score_adj: 10\n")
    result = conv(text, "3.8")
    assert result.text == 'version: "3.8"\nservices:\n  web:\n    image: nginx\n'
    assert [(e.transform, e.path) for e in result.report.losses] == [
        ("sweep", "$.services.web.cpu_shares"), ("sweep", "$.services.web.pids_limit"),
        ("sweep", "$.services.web.group_add"), ("sweep", "$.services.web.oom_score_adj")]


def test_restart_policy_for_a_stack() -> None:
    text = 'version: "2.4"\nservices:\n  web:\n    image: nginx\n    restart: on-failure:3\n'
    assert conv(text, "3.8", target_stack=True).text == (
        'version: "3.8"\nservices:\n  web:\n    image: nginx\n    restart: on-failure:3\n'
        "    deploy:\n      restart_policy:\n        condition: on-failure\n"
        "        max_attempts: 3\n")
    assert "restart_policy" not in (conv(text, "3.8").text or "")


def test_merged_keys_are_rewritten_where_they_are_written() -> None:
    text = ('version: "2.4"\nx-defaults: &defaults\n  restart: always\n  cpu_shares: 10\n'
            "services:\n  a:\n    <<: *defaults\n    image: x\n  b:\n    <<: *defaults\n"
            "    image: y\n")
    result = conv(text, "3.8")
    assert result.text == ('version: "3.8"\nx-defaults: &defaults\n  restart: always\n'
                           "services:\n  a:\n    <<: *defaults\n    image: x\n  b:\n"
                           "    <<: *defaults\n    image: y\n")
    (loss,) = result.report.losses
    assert loss.line == 4
    assert [d.before for d in loss.differences] == [("services", "a", "cpu_shares"),
                                                    ("services", "b", "cpu_shares")]


# --- depends_on -----------------------------------------------------------------------------


def test_depends_on_conditions_down_to_3x() -> None:
    text = ('version: "2.4"\nservices:\n  web:\n    image: nginx\n    depends_on:\n'
            "      db:\n        condition: service_healthy\n      cache:\n"
            "        condition: service_started\n  db:\n    image: pg\n  cache:\n"
            "    image: redis\n")
    result = conv(text, "3.0")
    assert result.text == ('version: "3.0"\nservices:\n  web:\n    image: nginx\n'
                           "    depends_on:\n      - db\n      - cache\n  db:\n    image: pg\n"
                           "  cache:\n    image: redis\n")
    assert entries(result) == [("rewrite", "version", 1),
                               ("loss", "depends-on-conditions", 7),
                               ("rewrite", "depends-on-conditions", 9)]


def test_depends_on_spec_options_down_to_2x() -> None:
    text = ("services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n"
            "        condition: service_completed_successfully\n        required: true\n"
            "  db:\n    image: pg\n")
    result = conv(text, "2.4")
    assert result.text == ('version: "2.4"\n\nservices:\n  web:\n    image: nginx\n'
                           "    depends_on:\n      db:\n        condition: service_started\n"
                           "  db:\n    image: pg\n")
    assert entries(result) == [("rewrite", "version", 1),
                               ("loss", "depends-on-conditions", 6),
                               ("rewrite", "depends-on-conditions", 7)]


def test_flow_depends_on_stays_flow() -> None:
    text = ('version: "2.1"\nservices:\n  web:\n    image: nginx\n'
            "    depends_on: {db: {condition: service_started}}\n  db:\n    image: pg\n")
    assert conv(text, "2.0").text == ('version: "2.0"\nservices:\n  web:\n    image: nginx\n'
                                      "    depends_on: [db]\n  db:\n    image: pg\n")


# --- volumes_from, volume_driver -------------------------------------------------------------


def test_volumes_from_is_lost_in_3x_with_its_implied_dependency() -> None:
    text = ('version: "2.4"\nservices:\n  web:\n    image: nginx\n    volumes_from: [data]\n'
            "  data:\n    image: busybox\n")
    result = conv(text, "3.8")
    assert result.text == ('version: "3.8"\nservices:\n  web:\n    image: nginx\n'
                           "  data:\n    image: busybox\n")
    (loss,) = result.report.losses
    assert [d.before for d in loss.differences] == [
        ("services", "web", "volumes_from"), ("services", "web", "depends_on", "data")]


def test_volume_driver_moves_to_the_volume() -> None:
    text = ('version: "2.0"\nservices:\n  web:\n    image: nginx\n    volume_driver: local\n'
            "    volumes:\n      - data:/data\nvolumes:\n  data: {}\n")
    result = conv(text, "3.8")
    assert result.text == ('version: "3.8"\nservices:\n  web:\n    image: nginx\n'
                           "    volumes:\n      - data:/data\nvolumes:\n  data:\n"
                           "    driver: local\n")
    anonymous = text.replace("      - data:/data\n", "      - /data\n")
    assert [e.transform for e in conv(anonymous, "3.8").report.losses] == ["volume-driver"]


# --- long syntax ----------------------------------------------------------------------------

LONG = """\
version: "3.8"
services:
  web:
    image: nginx
    ports:
      - target: 80
        published: 8080
        protocol: udp
        mode: host
      - "443:443"
    volumes:
      - type: bind
        source: ./src
        target: /src
        read_only: true
      - type: volume
        source: data
        target: /data
        volume:
          nocopy: true
      - type: tmpfs
        target: /cache
volumes:
  data: {}
"""


def test_long_syntax_written_short() -> None:
    result = conv(LONG, "3.1")
    assert result.text == """\
version: "3.1"
services:
  web:
    image: nginx
    ports:
      - "8080:80/udp"
      - "443:443"
    volumes:
      - ./src:/src:ro
      - data:/data:nocopy
    tmpfs:
      - /cache
volumes:
  data: {}
"""
    assert entries(result) == [
        ("rewrite", "version", 1), ("loss", "long-ports", 6), ("rewrite", "long-ports", 6),
        ("loss", "long-volumes", 12), ("rewrite", "long-volumes", 12),
        ("rewrite", "long-volumes", 16), ("rewrite", "long-volumes", 21)]


def test_long_syntax_kept_where_the_target_has_it() -> None:
    assert conv(LONG, "3.2").report.entries[0].transform == "version"
    assert len(conv(LONG, "3.2").report.entries) == 1


# --- values, names, interpolation ------------------------------------------------------------


def test_values_in_forms_the_target_takes() -> None:
    text = ("services:\n  web:\n    image: nginx\n    env_file:\n      - path: ./a.env\n"
            "        required: false\n      - ./b.env\n    labels:\n      tier: 1\n"
            "    environment:\n      DEBUG: true\n      EMPTY:\n")
    result = conv(text, "3.5")
    assert result.text == ('version: "3.5"\n\nservices:\n  web:\n    image: nginx\n'
                           "    env_file:\n      - ./a.env\n      - ./b.env\n    labels:\n"
                           '      tier: "1"\n    environment:\n      DEBUG: "true"\n'
                           "      EMPTY:\n")
    assert entries(result) == [("rewrite", "version", 1), ("loss", "env-file-long", 5),
                               ("rewrite", "value-forms", 9), ("rewrite", "value-forms", 11)]


def test_external_name_before_3_5() -> None:
    text = ('version: "3.5"\nservices:\n  web:\n    image: nginx\nnetworks:\n  front:\n'
            "    external: true\n    name: shared-front\n")
    assert conv(text, "3.4").text == ('version: "3.4"\nservices:\n  web:\n    image: nginx\n'
                                      "networks:\n  front:\n    external:\n"
                                      "      name: shared-front\n")


def test_interpolation_is_carried_as_written() -> None:
    text = ('version: "2.4"\nservices:\n  web:\n    image: "nginx:${TAG:-latest}"\n'
            "    environment:\n      A: ${A:?set A}\n      B: $$literal\n")
    assert conv(text, "3.8").text == text.replace('"2.4"', '"3.8"')
    assert conv(text, "spec").text == text.replace('version: "2.4"\n', "")


def test_interpolation_defaults_before_2_1_are_lost() -> None:
    text = ('version: "2.4"\nservices:\n  web:\n    image: "nginx:${TAG:-latest}"\n'
            "    environment:\n      A: ${A:?set A}\n      B: $B\n")
    result = conv(text, "2.0")
    assert result.text == ('version: "2.0"\nservices:\n  web:\n    image: "nginx:${TAG}"\n'
                           "    environment:\n      A: ${A}\n      B: $B\n")
    assert [(e.transform, e.line) for e in result.report.losses] == [
        ("interpolation-defaults", 4), ("interpolation-defaults", 6)]


def test_init_path_before_3_7() -> None:
    text = 'version: "2.4"\nservices:\n  web:\n    image: nginx\n    init: /usr/bin/tini\n'
    result = conv(text, "3.7")
    assert result.text == 'version: "3.7"\nservices:\n  web:\n    image: nginx\n    init: true\n'
    assert [e.transform for e in result.report.losses] == ["init-path"]


def test_project_name_is_lost_with_the_names_it_made() -> None:
    text = "name: shop\nservices:\n  web:\n    image: nginx\nvolumes:\n  data: {}\n"
    result = conv(text, "3.8")
    assert result.text == 'version: "3.8"\n\nservices:\n  web:\n    image: nginx\n' \
                          "volumes:\n  data: {}\n"
    (loss,) = result.report.losses
    assert loss.transform == "project-name"
    assert ("volumes", "data", "name") in [d.before for d in loss.differences]


# --- extension fields and anchors -----------------------------------------------------------


def test_extension_fields_dropped_where_not_allowed_and_anchors_kept() -> None:
    text = ('version: "3.7"\nx-logging: &logging\n  driver: json-file\nservices:\n'
            "  web:\n    image: nginx\n    logging: *logging\n    x-note: hi\n"
            "  db:\n    image: pg\n    logging: *logging\n")
    result = conv(text, "3.3")
    assert result.text == ('version: "3.3"\nservices:\n  web:\n    image: nginx\n'
                           "    logging: &logging\n      driver: json-file\n  db:\n"
                           "    image: pg\n    logging: *logging\n")
    assert [(e.transform, e.line) for e in result.report.losses] == [("sweep", 2),
                                                                     ("sweep", 8)]
    # where extension fields exist they stay, with their anchors and aliases
    assert conv(text, "3.8").text == text.replace('"3.7"', '"3.8"')


@pytest.mark.parametrize("target", ["2.0", "3.0", "3.8", "spec"])
def test_same_format_is_left_alone(target: str) -> None:
    text = {"2.0": 'version: "2"\nservices:\n  a:\n    image: x\n',
            "3.0": "version: '3'\nservices:\n  a:\n    image: x\n",
            "3.8": 'version: "3.8"\nservices:\n  a:\n    image: x   # c\n',
            "spec": "services:\n  a:\n    image: x\n"}[target]
    result = conv(text, target)
    assert result.text == text and not result.changed and not result.report.entries


# --- data-driven: a new catalogue key needs no code ---------------------------------------


def test_a_key_added_to_the_catalogue_is_swept_without_code(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A new Compose key is one catalogue entry: converting to a format without it drops it
    and reports the loss with the catalogue's own wording of where it exists."""
    from composekit.catalog import Node, root
    from composekit.catalog.keys import STRING
    from composekit.catalog.model import make_key

    service = root().children["services"].children["*"]
    node = Node((*service.path, "frobnicate"), make_key("services.*.frobnicate", STRING, "spec"))
    monkeypatch.setitem(service.children, "frobnicate", node)
    text = "services:\n  web:\n    image: nginx\n    frobnicate: yes please\n"
    result = conv(text, "3.8")
    assert result.text == 'version: "3.8"\n\nservices:\n  web:\n    image: nginx\n'
    (loss,) = result.report.losses
    assert (loss.transform, loss.line, loss.column) == ("sweep", 4, 5)
    assert loss.message == ("`frobnicate` dropped: 3.8 has no `services.*.frobnicate` (only in "
                            "the Compose Specification)")
