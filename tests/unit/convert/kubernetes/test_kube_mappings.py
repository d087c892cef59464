"""Each mapping, one Compose snippet at a time: what it becomes, and what is reported."""

from __future__ import annotations

from pathlib import Path

from kube_cases import container, convert_text, find, losses, pod_spec, rewrites


def _one(tmp_path: Path, service: str, **opts: object):  # type: ignore[no-untyped-def]
    text = "services:\n  app:\n" + "".join(f"    {line}\n" for line in service.splitlines())
    return convert_text(tmp_path, text, **opts)


def test_image_command_entrypoint_workdir(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: nginx:1.27\nentrypoint: [/init]\ncommand: run --port 80\n"
                       "working_dir: /srv\npull_policy: missing")
    c = container(r, "app")
    assert c["image"] == "nginx:1.27" and c["command"] == ["/init"]
    assert c["args"] == ["run", "--port", "80"] and c["workingDir"] == "/srv"
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert r.report.entries == []


def test_build_without_image_uses_composes_image_name(tmp_path: Path) -> None:
    r = _one(tmp_path, "build: .")
    assert container(r, "app")["image"] == f"{tmp_path.name.lower()}-app" or \
        container(r, "app")["image"].endswith("-app")
    assert any("`build` is not carried" in m for m in losses(r))


def test_environment_is_sorted_and_dollar_parens_escaped(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nenvironment:\n  B: '2'\n  A: $$(echo)\n  C: ''")
    env = container(r, "app")["env"]
    assert env == [{"name": "A", "value": "$$(echo)"}, {"name": "B", "value": "2"},
                   {"name": "C", "value": ""}]
    assert any("`$(` in `A`" in m for m in rewrites(r))


def test_env_file_becomes_a_configmap_and_environment_wins(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nenv_file: a.env\nenvironment:\n  A: from-env",
             files={"a.env": "A=from-file\nB=b\n"})
    cm = find(r, "ConfigMap", "app-env")
    assert cm["data"] == {"B": "b"}
    c = container(r, "app")
    assert c["envFrom"] == [{"configMapRef": {"name": "app-env"}}]
    assert c["env"] == [{"name": "A", "value": "from-env"}]


def test_healthcheck_becomes_probes(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nhealthcheck:\n  test: [CMD-SHELL, 'curl -f localhost']\n"
                       "  interval: 10s\n  timeout: 2s\n  retries: 4\n  start_period: 20s")
    c = container(r, "app")
    probe = {"exec": {"command": ["/bin/sh", "-c", "curl -f localhost"]}, "periodSeconds": 10,
             "timeoutSeconds": 2, "failureThreshold": 4}
    assert c["readinessProbe"] == probe and c["livenessProbe"] == probe
    assert c["startupProbe"]["periodSeconds"] == 5
    assert c["startupProbe"]["failureThreshold"] == 4 + 4


def test_healthcheck_defaults_are_composes(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nhealthcheck:\n  test: [CMD, /bin/check]")
    probe = container(r, "app")["livenessProbe"]
    assert probe["periodSeconds"] == 30 and probe["timeoutSeconds"] == 30
    assert probe["failureThreshold"] == 3 and "startupProbe" not in container(r, "app")


def test_disabled_healthcheck_gives_no_probe(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nhealthcheck:\n  test: [NONE]")
    assert "livenessProbe" not in container(r, "app") and r.report.entries == []


def test_resources(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\ndeploy:\n  resources:\n    limits: {cpus: '1.5', memory: 1G}\n"
                       "    reservations: {cpus: '0.001', memory: 1000}")
    assert container(r, "app")["resources"] == {
        "limits": {"cpu": "1500m", "memory": "1Gi"},
        "requests": {"cpu": "1m", "memory": "1000"}}


def test_service_level_limits_and_shares(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\ncpus: 2\nmem_limit: 512m\nmem_reservation: 128m\n"
                       "cpu_shares: 2048")
    assert container(r, "app")["resources"] == {
        "limits": {"cpu": "2", "memory": "512Mi"},
        "requests": {"cpu": "2", "memory": "128Mi"}}
    assert any("cpu_shares 2048" in m for m in rewrites(r))


def test_replicas_and_update_config(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\ndeploy:\n  replicas: 3\n  update_config:\n"
                       "    parallelism: 2\n    delay: 5s")
    spec = find(r, "Deployment", "app")["spec"]
    assert spec["replicas"] == 3 and spec["minReadySeconds"] == 5
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 2}}


def test_global_mode_is_a_daemonset(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\ndeploy:\n  mode: global")
    ds = find(r, "DaemonSet", "app")
    assert "replicas" not in ds["spec"]


def test_statefulset_by_flag_has_a_governing_headless_service(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nexpose: ['5432']\nvolumes: [data:/d]", statefulsets=["app"])
    text = "services:\n  app:\n    image: x\n    expose: ['5432']\n    volumes: [data:/d]\n" \
           "volumes:\n  data: {}\n"
    r = convert_text(tmp_path, text, statefulsets=["app"])
    sts = find(r, "StatefulSet", "app")
    assert sts["spec"]["serviceName"] == "app-headless"
    assert find(r, "Service", "app-headless")["spec"]["clusterIP"] == "None"
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    assert not [m for m in r.manifests if m.kind == "PersistentVolumeClaim"]


def test_restart(tmp_path: Path) -> None:
    assert pod_spec(_one(tmp_path, "image: x\nrestart: unless-stopped"), "app")[
        "restartPolicy"] == "Always"
    r = _one(tmp_path, "image: x\nrestart: on-failure:3")
    assert "restartPolicy" not in pod_spec(r, "app")
    assert any("`restart: on-failure:3` is not carried" in m for m in losses(r))


def test_ports_and_expose(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nports: ['8080:80', '53:53/udp']\nexpose: ['9000-9001']")
    svc = find(r, "Service", "app")["spec"]
    assert [(p["name"], p["port"], p["protocol"]) for p in svc["ports"]] == [
        ("tcp-80", 80, "TCP"), ("udp-53", 53, "UDP"), ("tcp-9000", 9000, "TCP"),
        ("tcp-9001", 9001, "TCP")]
    assert "type" not in svc and "clusterIP" not in svc
    assert len([m for m in losses(r) if "published port" in m]) == 2


def test_no_ports_gives_a_headless_service(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x")
    assert find(r, "Service", "app")["spec"] == {
        "selector": {"app.kubernetes.io/name": "app",
                     "app.kubernetes.io/part-of": tmp_path.name.lower().replace("_", "")
                     or "x"}, "clusterIP": "None"} or \
        find(r, "Service", "app")["spec"]["clusterIP"] == "None"


def test_load_balancer_by_flag(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nports: ['8080:80']", service_type="LoadBalancer")
    ext = find(r, "Service", "app-external")["spec"]
    assert ext["type"] == "LoadBalancer"
    assert ext["ports"] == [{"name": "tcp-8080", "port": 8080, "targetPort": 80,
                             "protocol": "TCP"}]
    assert not losses(r)


def test_host_mode_port_is_a_host_port(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nports:\n  - {target: 80, published: '8080', mode: host}")
    assert container(r, "app")["ports"] == [
        {"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]


def test_depends_on_init_containers(tmp_path: Path) -> None:
    text = """services:
  db:
    image: postgres
    expose: ['5432']
    healthcheck: {test: [CMD, pg_isready]}
  cache:
    image: redis
  app:
    image: x
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started}
"""
    r = convert_text(tmp_path, text)
    inits = pod_spec(r, "app")["initContainers"]
    assert [i["name"] for i in inits] == ["wait-for-cache", "wait-for-db"]
    cache, db = (i["command"][2] for i in inits)
    assert cache.startswith("until nslookup cache.$(COMPOSEKIT_NAMESPACE).svc.cluster.local")
    assert db.startswith("until nc -z -w 2 db.$(COMPOSEKIT_NAMESPACE).svc.cluster.local 5432")
    assert inits[0]["env"][0]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"


def test_volumes(tmp_path: Path) -> None:
    text = """services:
  app:
    image: x
    volumes: [data:/data, /anon, ./host:/host, 'data:/ro:ro']
    tmpfs: ['/run:size=1m']
    shm_size: 1g
volumes:
  data:
    labels: {composekit.kubernetes.volume-size: 5Gi, composekit.kubernetes.storage-class: ssd}
"""
    r = convert_text(tmp_path, text)
    pvc = find(r, "PersistentVolumeClaim", "data")["spec"]
    assert pvc == {"accessModes": ["ReadWriteOnce"], "storageClassName": "ssd",
                   "resources": {"requests": {"storage": "5Gi"}}} or (
        pvc["resources"]["requests"]["storage"] == "5Gi" and pvc["storageClassName"] == "ssd")
    mounts = {m["mountPath"]: m for m in container(r, "app")["volumeMounts"]}
    assert set(mounts) == {"/data", "/anon", "/ro", "/run", "/dev/shm"}
    assert mounts["/ro"]["readOnly"] is True
    vols = {v["name"]: v for v in pod_spec(r, "app")["volumes"]}
    assert vols[mounts["/dev/shm"]["name"]]["emptyDir"] == {"medium": "Memory",
                                                            "sizeLimit": "1Gi"}
    assert vols[mounts["/run"]["name"]]["emptyDir"] == {"medium": "Memory", "sizeLimit": "1Mi"}
    assert any("bind mount at /host" in m for m in losses(r))


def test_configs_and_secrets(tmp_path: Path) -> None:
    text = """services:
  app:
    image: x
    configs: [{source: cfg, target: /etc/app.conf, mode: 0440}]
    secrets: [pw]
configs:
  cfg: {content: "a=1\\n"}
secrets:
  pw: {environment: PW}
"""
    r = convert_text(tmp_path, text, environ={"PW": "hunter2"})
    assert find(r, "ConfigMap", "cfg")["data"] == {"cfg": "a=1\n"}
    assert find(r, "Secret", "pw")["data"] == {"pw": "aHVudGVyMg=="}
    mounts = container(r, "app")["volumeMounts"]
    assert {"name": "config-cfg", "mountPath": "/etc/app.conf", "subPath": "cfg",
            "readOnly": True} in mounts
    assert {"name": "secret-pw", "mountPath": "/run/secrets/pw", "subPath": "pw",
            "readOnly": True} in mounts
    vols = {v["name"]: v for v in pod_spec(r, "app")["volumes"]}
    assert vols["config-cfg"]["configMap"]["items"] == [{"key": "cfg", "path": "cfg",
                                                         "mode": 0o440}]


def test_labels_and_annotations(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nlabels:\n  tier: web\n  note: two words\n"
                       "  composekit.kubernetes.service-type: NodePort\n"
                       "annotations:\n  owner: me")
    meta = find(r, "Deployment", "app")["spec"]["template"]["metadata"]
    assert meta["labels"]["tier"] == "web"
    assert meta["annotations"] == {"note": "two words", "owner": "me"}
    assert "composekit.kubernetes.service-type" not in meta["labels"]


def test_security(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nuser: '1000:2000'\nprivileged: true\ncap_add: [CAP_NET_ADMIN]\n"
                       "cap_drop: [ALL]\nread_only: true\nsecurity_opt: [no-new-privileges]\n"
                       "network_mode: host\npid: host\nsysctls: {net.core.somaxconn: '1024'}")
    sc = container(r, "app")["securityContext"]
    assert sc == {"runAsUser": 1000, "runAsGroup": 2000, "privileged": True,
                  "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
                  "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False}
    spec = pod_spec(r, "app")
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert spec["hostPID"] is True
    assert spec["securityContext"] == {"sysctls": [{"name": "net.core.somaxconn",
                                                     "value": "1024"}]}


def test_apparmor_before_and_after_1_30(tmp_path: Path) -> None:
    new = _one(tmp_path, "image: x\nsecurity_opt: ['apparmor:unconfined']")
    assert container(new, "app")["securityContext"]["appArmorProfile"] == {"type": "Unconfined"}
    old = _one(tmp_path, "image: x\nsecurity_opt: ['apparmor:unconfined']", kube_version="1.29")
    assert "securityContext" not in container(old, "app", "Deployment")
    assert find(old, "Deployment", "app")["spec"]["template"]["metadata"]["annotations"] == {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined"}


def test_dns_hosts_lifecycle_platform(tmp_path: Path) -> None:
    r = _one(tmp_path, "image: x\nextra_hosts: ['a:10.0.0.1', 'b:10.0.0.1']\ndns: [9.9.9.9]\n"
                       "dns_search: [corp]\ndns_opt: ['ndots:1', edns0]\nstop_grace_period: 1m30s\n"
                       "platform: linux/arm64\npre_stop: [{command: [drain]}]")
    spec = pod_spec(r, "app")
    assert spec["hostAliases"] == [{"ip": "10.0.0.1", "hostnames": ["a", "b"]}]
    assert spec["dnsConfig"] == {"nameservers": ["9.9.9.9"], "searches": ["corp"],
                                 "options": [{"name": "ndots", "value": "1"},
                                             {"name": "edns0"}]}
    assert spec["terminationGracePeriodSeconds"] == 90
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"}
    assert container(r, "app")["lifecycle"] == {"preStop": {"exec": {"command": ["drain"]}}}


def test_unsupported_keys_use_the_lint_rules_reasons(tmp_path: Path) -> None:
    from composekit.lint.rules.runtime.kubernetes_unsupported_key import KUBERNETES_UNSUPPORTED

    r = _one(tmp_path, "image: x\nulimits: {nofile: 1024}\ncpuset: '0,1'\noom_score_adj: 100")
    for key in ("ulimits", "cpuset", "oom_score_adj"):
        assert f"`{key}` is not carried: {KUBERNETES_UNSUPPORTED[key]}" in losses(r)


def test_network_policies(tmp_path: Path) -> None:
    text = """services:
  web:
    image: x
    ports: ['80:80']
    networks: [front]
  db:
    image: y
    networks: [back]
networks:
  front: {}
  back: {internal: true}
"""
    plain = convert_text(tmp_path, text)
    assert not [m for m in plain.manifests if m.kind == "NetworkPolicy"]
    assert sum("network `" in m for m in losses(plain)) == 2
    r = convert_text(tmp_path, text, network_policy=True)
    names = sorted(m.name for m in r.manifests if m.kind == "NetworkPolicy")
    assert names == ["db-egress", "network-back", "network-front", "web-published"]
    back = find(r, "NetworkPolicy", "network-back")["spec"]
    assert back["podSelector"] == {"matchLabels": {"network.composekit.io/back": "true"}}
    assert find(r, "Deployment", "db")["spec"]["template"]["metadata"]["labels"][
        "network.composekit.io/back"] == "true"


def test_profiles_and_optional_dependencies(tmp_path: Path) -> None:
    text = """services:
  app:
    image: x
    depends_on:
      tools: {condition: service_started, required: false}
      db: {condition: service_started}
  db:
    image: y
    profiles: [full]
  tools:
    image: z
    profiles: [debug]
"""
    r = convert_text(tmp_path, text, environ={"COMPOSE_PROFILES": "full"})
    assert {m.service for m in r.manifests} == {"app", "db"}
    assert [i["name"] for i in pod_spec(r, "app")["initContainers"]] == ["wait-for-db"]
    assert r.report.entries == []
