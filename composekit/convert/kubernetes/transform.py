"""Compose project -> Kubernetes objects: small named builders, one report entry per loss.

:func:`transform` plans the names first (:mod:`.names`), then builds, per service, a
workload (Deployment, or a DaemonSet for ``deploy.mode: global``, or a StatefulSet when
asked), a Service, and the ConfigMaps, Secrets, PersistentVolumeClaims and NetworkPolicies
the project needs. Each builder reads a few Compose keys and declares, with
:func:`~composekit.convert.kubernetes.mapping.maps`, which keys it carries and into which
fields: that declaration is the mapping table of the documentation. A written key that no
builder carries is reported as a loss, with its file, line and column, using the lint
rule CK607's reason where it has one.

The builders return plain dictionaries in the shape of the Kubernetes API; nothing here
writes YAML or validates (:mod:`.emit`, :mod:`.validate`).
"""

from __future__ import annotations

import base64
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit.convert.kubernetes.mapping import CARRIED_DESPITE_LINT, UNCONVERTED, Fate, maps
from composekit.convert.kubernetes.model import (
    Dependency,
    KeyPath,
    Port,
    ProjectView,
    dependencies,
    duration_seconds,
    exposed_ports,
    health,
    mounts,
    published_ports,
    whole_seconds,
)
from composekit.convert.kubernetes.names import (
    NameTable,
    is_label_key,
    is_label_value,
    is_port_name,
    label_value,
    port_name,
    sanitize,
)
from composekit.convert.kubernetes.options import KubeOptions, ServiceType, Workload
from composekit.convert.kubernetes.report import KubeEntry, KubeReport
from composekit.convert.report import Kind
from composekit.diagnostics import json_path

__all__ = ["Manifest", "transform"]

#: Labels that steer the conversion; they are read, not copied.
LABEL_WORKLOAD = "composekit.kubernetes.workload"
LABEL_SERVICE_TYPE = "composekit.kubernetes.service-type"
LABEL_VOLUME_SIZE = "composekit.kubernetes.volume-size"
LABEL_STORAGE_CLASS = "composekit.kubernetes.storage-class"
LABEL_ACCESS_MODE = "composekit.kubernetes.access-mode"
CONTROL_LABELS = frozenset({LABEL_WORKLOAD, LABEL_SERVICE_TYPE, LABEL_VOLUME_SIZE,
                            LABEL_STORAGE_CLASS, LABEL_ACCESS_MODE})

#: The labels that select a service's Pods, and the one every object carries.
NAME_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
NETWORK_LABEL_PREFIX = "network.composekit.io/"

_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_NUMERIC_USER = re.compile(r"^(\d+)(?::(\d+))?$")


def _sub(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``mapping[key]`` when it is a mapping, else an empty one."""
    value = mapping.get(key)
    return value if isinstance(value, Mapping) else {}

# ---------------------------------------------------------------------------
# the output objects
# ---------------------------------------------------------------------------


@dataclass
class Manifest:
    """One Kubernetes object; ``service`` is the Compose service it was made for."""

    body: dict[str, Any]
    service: str | None = None

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def api_version(self) -> str:
        return str(self.body["apiVersion"])

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.kind.lower()}.yaml"


#: The order objects are written in (the order ``kubectl apply`` and Helm create them).
KIND_ORDER = ("NetworkPolicy", "ConfigMap", "Secret", "PersistentVolumeClaim", "Service",
              "StatefulSet", "Deployment", "DaemonSet")


def sort_key(m: Manifest) -> tuple[int, str]:
    kind = m.kind
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), m.name)


# ---------------------------------------------------------------------------
# quantities and small conversions
# ---------------------------------------------------------------------------


def cpu_quantity(cores: float) -> str:
    """``0.5`` -> ``"500m"``, ``2`` -> ``"2"`` (rounded up to a millicore)."""
    milli = max(1, math.ceil(round(cores * 1000, 6)))
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def memory_quantity(size: int) -> str:
    """``536870912`` -> ``"512Mi"``; exact binary units, else bytes."""
    for suffix, unit in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def _bytes(value: Any) -> int | None:
    from composekit.loader.canonical import CanonicalError, parse_bytes

    try:
        return parse_bytes(value)
    except (CanonicalError, TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def escape_dollars(text: str) -> str:
    """Kubernetes expands ``$(VAR)`` in env values, command and args; ``$$`` keeps a
    literal ``$``. A Compose value means its text literally, so ``$(`` becomes ``$$(``."""
    return text.replace("$(", "$$(")


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``"registry:5000/app:1.2@sha256:..."`` -> ``(repository, tag, digest)``."""
    rest, _, digest = image.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1:], digest or None
    return rest, None, digest or None


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------


@dataclass
class Names:
    """The Kubernetes names of everything the conversion writes, planned up front."""

    services: NameTable = field(default_factory=lambda: NameTable(dns1035=True))
    workloads: NameTable = field(default_factory=lambda: NameTable(limit=52))
    configmaps: NameTable = field(default_factory=lambda: NameTable(limit=253))
    secrets: NameTable = field(default_factory=lambda: NameTable(limit=253))
    claims: NameTable = field(default_factory=lambda: NameTable(limit=253))
    policies: NameTable = field(default_factory=lambda: NameTable(limit=253))
    containers: NameTable = field(default_factory=NameTable)

    def resolve(self) -> None:
        for table in (self.services, self.workloads, self.configmaps, self.secrets,
                      self.claims, self.policies, self.containers):
            table.resolve()


# ---------------------------------------------------------------------------
# the per-service plan (decided before building, so names can be planned)
# ---------------------------------------------------------------------------


@dataclass
class Plan:
    name: str
    svc: dict[str, Any]
    workload: Workload
    ports: list[Port]
    published: list[Port]
    external_type: ServiceType
    headless: bool
    env_file: dict[str, str]
    networks: list[str]


def _labels(svc: Mapping[str, Any]) -> dict[str, str]:
    labels = svc.get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}


def _workload(name: str, svc: Mapping[str, Any], options: KubeOptions) -> Workload:
    label = _labels(svc).get(LABEL_WORKLOAD, "").strip().lower()
    deploy = _sub(svc, "deploy")
    if name in options.statefulsets or label == "statefulset":
        return Workload.STATEFULSET
    if label == "daemonset" or (label != "deployment" and deploy.get("mode") in (
            "global", "global-job")):
        return Workload.DAEMONSET
    return Workload.DEPLOYMENT


def _service_type(svc: Mapping[str, Any], options: KubeOptions) -> ServiceType:
    label = _labels(svc).get(LABEL_SERVICE_TYPE, "").strip().lower()
    for t in ServiceType:
        if label == t.value.lower():
            return t
    return options.service_type


def _env_from_files(view: ProjectView, name: str, svc: Mapping[str, Any]) -> dict[str, str]:
    """Variables that came from ``env_file`` (not written under ``environment``)."""
    if not view.written(("services", name, "env_file")):
        return {}
    env = svc.get("environment")
    if not isinstance(env, Mapping):
        return {}
    return {str(k): str(v) for k, v in env.items()
            if v is not None and not view.written(("services", name, "environment", str(k)))}


def plan(view: ProjectView, options: KubeOptions) -> tuple[dict[str, Plan], Names]:
    plans: dict[str, Plan] = {}
    names = Names()
    for name, svc in view.services.items():
        ports = [p for p in published_ports(name, svc) if p.mode != "host"]
        exposed, _bad = exposed_ports(name, svc)
        all_ports = _dedupe_ports([*ports, *exposed])
        deploy = _sub(svc, "deploy")
        nets = svc.get("networks")
        p = Plan(
            name=name,
            svc=svc,
            workload=_workload(name, svc, options),
            ports=all_ports,
            published=ports,
            external_type=_service_type(svc, options),
            headless=not all_ports or deploy.get("endpoint_mode") == "dnsrr",
            env_file=_env_from_files(view, name, svc),
            networks=sorted(str(n) for n in nets) if isinstance(nets, Mapping) else [],
        )
        plans[name] = p
        names.services.add(f"svc:{name}", name)
        names.workloads.add(f"wl:{name}", name)
        names.containers.add(f"c:{name}", name)
        if p.published and p.external_type is not ServiceType.CLUSTER_IP:
            names.services.add(f"ext:{name}", f"{name}-external")
        if p.workload is Workload.STATEFULSET and not p.headless:
            names.services.add(f"headless:{name}", f"{name}-headless")
        if p.env_file:
            names.configmaps.add(f"env:{name}", f"{name}-env")
        if options.network_policy and p.published:
            names.policies.add(f"pub:{name}", f"{name}-published")
        if options.network_policy and _internal_only(view, p):
            names.policies.add(f"egress:{name}", f"{name}-egress")
        for alias in _aliases(svc):
            names.services.add(f"alias:{name}:{alias}", alias)
    for key, cfg in view.configs.items():
        names.configmaps.add(f"cfg:{key}", _resource_name(key, cfg))
    for key, sec in view.secrets.items():
        names.secrets.add(f"sec:{key}", _resource_name(key, sec))
    for key, vol in view.volumes.items():
        names.claims.add(f"vol:{key}", _resource_name(key, vol))
    if options.network_policy:
        for key in view.networks:
            if any(key in p.networks for p in plans.values()):
                names.policies.add(f"net:{key}", f"network-{key}")
    names.resolve()
    return plans, names


def _resource_name(key: str, spec: Mapping[str, Any]) -> str:
    """A top-level resource's name: its external name, else its key."""
    if spec.get("external") and spec.get("name"):
        return str(spec["name"])
    return key


def _aliases(svc: Mapping[str, Any]) -> list[str]:
    nets = svc.get("networks")
    out: list[str] = []
    if isinstance(nets, Mapping):
        for spec in nets.values():
            if isinstance(spec, Mapping):
                for alias in spec.get("aliases") or []:
                    if str(alias) not in out:
                        out.append(str(alias))
    return out


def _internal_only(view: ProjectView, p: Plan) -> bool:
    nets = view.networks
    return bool(p.networks) and all(
        isinstance(nets.get(n), Mapping) and nets[n].get("internal") is True
        for n in p.networks)


def _dedupe_ports(ports: Iterable[Port]) -> list[Port]:
    seen: set[tuple[int, str]] = set()
    out = []
    for p in ports:
        if (p.target, p.protocol) in seen:
            continue
        seen.add((p.target, p.protocol))
        out.append(p)
    return out


# ---------------------------------------------------------------------------
# the conversion context
# ---------------------------------------------------------------------------


@dataclass
class Context:
    view: ProjectView
    options: KubeOptions
    names: Names
    plans: dict[str, Plan]
    report: KubeReport = field(default_factory=KubeReport)
    manifests: list[Manifest] = field(default_factory=list)
    #: Named volumes: which services use them (for access modes and claim templates).
    volume_users: dict[str, list[str]] = field(default_factory=dict)

    def entry(self, kind: Kind, parts: KeyPath, message: str, transform: str,
              key: str | None = None) -> None:
        file, span = self.view.source(parts)
        self.report.add(KubeEntry(
            kind=kind, transform=transform, path=json_path(parts), line=span.line,
            column=span.column, message=message, file=file,
            key=key or _catalogue_key(parts)))

    def loss(self, parts: KeyPath, message: str, transform: str, key: str | None = None) -> None:
        self.entry(Kind.LOSS, parts, message, transform, key)

    def rewrite(self, parts: KeyPath, message: str, transform: str,
                key: str | None = None) -> None:
        self.entry(Kind.REWRITE, parts, message, transform, key)

    def written(self, parts: KeyPath) -> bool:
        return self.view.written(parts)

    def common_labels(self, service: str | None = None) -> dict[str, str]:
        labels = {}
        if service is not None:
            labels[NAME_LABEL] = label_value(service)
        labels[PART_OF_LABEL] = label_value(self.view.name)
        labels[MANAGED_BY_LABEL] = "composekit"
        return labels

    def selector(self, service: str) -> dict[str, str]:
        return {NAME_LABEL: label_value(service), PART_OF_LABEL: label_value(self.view.name)}

    def metadata(self, name: str, service: str | None = None) -> dict[str, Any]:
        return {"name": name, "labels": self.common_labels(service)}

    def add(self, body: dict[str, Any], service: str | None = None) -> None:
        self.manifests.append(Manifest(body, service))


def _catalogue_key(parts: KeyPath) -> str:
    """``("services", "web", "ports", 0)`` -> ``services.*.ports``."""
    out: list[str] = []
    for i, part in enumerate(parts):
        if isinstance(part, int):
            continue
        if i == 1 and parts[0] in ("services", "volumes", "networks", "configs", "secrets"):
            out.append("*")
        elif len(parts) > 3 and parts[0] == "services" and i == 3 and parts[2] in (
                "networks", "depends_on", "environment", "labels", "sysctls", "ulimits",
                "annotations", "extra_hosts"):
            continue
        else:
            out.append(str(part))
    return ".".join(out)


@dataclass
class Pod:
    """What the builders of one service fill in."""

    plan: Plan
    container: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    workload_labels: dict[str, str] = field(default_factory=dict)
    workload_annotations: dict[str, str] = field(default_factory=dict)
    workload_spec: dict[str, Any] = field(default_factory=dict)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    init_containers: list[dict[str, Any]] = field(default_factory=list)
    claim_templates: list[dict[str, Any]] = field(default_factory=list)
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    security: dict[str, Any] = field(default_factory=dict)
    pod_security: dict[str, Any] = field(default_factory=dict)
    replicas: int = 1
    volume_names: NameTable = field(default_factory=NameTable)

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def svc(self) -> dict[str, Any]:
        return self.plan.svc

    def volume(self, wanted: str, body: dict[str, Any]) -> str:
        """Add a Pod volume with a unique DNS label name; returns the name."""
        base = sanitize(wanted)
        taken = {v["name"] for v in self.volumes}
        name, n = base, 2
        while name in taken:
            suffix = f"-{n}"
            name = base[:63 - len(suffix)].rstrip("-") + suffix
            n += 1
        self.volumes.append({"name": name, **body})
        return name


Builder = Callable[[Context, Pod], None]
BUILDERS: list[Builder] = []
#: Service keys some builder reads (the others are reported as not carried).
HANDLED_KEYS: set[str] = set()


def builder(*keys: str) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        BUILDERS.append(fn)
        HANDLED_KEYS.update(keys)
        return fn

    return deco


def _p(pod: Pod, *rest: str | int) -> KeyPath:
    return ("services", pod.name, *rest)


# ---------------------------------------------------------------------------
# image, command, environment
# ---------------------------------------------------------------------------

_PULL_POLICIES = {"always": "Always", "never": "Never", "missing": "IfNotPresent",
                  "if_not_present": "IfNotPresent"}


@builder("image", "build", "pull_policy", "pull_refresh_after", "dockerfile")
@maps(("services.*.image", "containers[].image", Fate.CARRIED,
       "Helm: values `services.<name>.image.repository`, `.tag`, `.digest`"),
      ("services.*.build", "", Fate.LOST,
       "Kubernetes runs images from a registry: build and push the image first; without "
       "`image`, the image is named `<project>-<service>` as Compose names it"),
      ("services.*.pull_policy", "containers[].imagePullPolicy", Fate.PARTIAL,
       "always, never, missing/if_not_present; build and refresh schedules are not carried"),
      ("services.*.pull_refresh_after", "", Fate.LOST, "Kubernetes has no image refresh "
       "schedule"),
      ("services.*.dockerfile", "", Fate.LOST, "part of the build (version 1 files)"))
def build_image(ctx: Context, pod: Pod) -> None:
    svc = pod.svc
    image = svc.get("image")
    if svc.get("dockerfile") and ctx.written(_p(pod, "dockerfile")):
        ctx.loss(_p(pod, "dockerfile"), "`dockerfile` is not carried: Kubernetes runs "
                 "images from a registry", "image")
    if ctx.written(_p(pod, "build")):
        if image:
            ctx.loss(_p(pod, "build"), f"`build` is not carried: Kubernetes pulls `{image}`; "
                     "build and push it before deploying", "image")
        else:
            image = f"{ctx.view.name}-{pod.name}"
            ctx.loss(_p(pod, "build"), f"`build` is not carried and the service has no "
                     f"`image`: the container runs `{image}` (Compose's name for the built "
                     "image); push it to a registry the cluster can pull from", "image")
    pod.container["image"] = str(image or f"{ctx.view.name}-{pod.name}")
    policy = svc.get("pull_policy")
    if policy is not None and ctx.written(_p(pod, "pull_policy")):
        mapped = _PULL_POLICIES.get(str(policy))
        if mapped:
            pod.container["imagePullPolicy"] = mapped
        else:
            ctx.loss(_p(pod, "pull_policy"), f"`pull_policy: {policy}` has no Kubernetes "
                     "counterpart (imagePullPolicy is Always, IfNotPresent or Never); the "
                     "cluster's default applies", "image")
    if ctx.written(_p(pod, "pull_refresh_after")):
        ctx.loss(_p(pod, "pull_refresh_after"), "`pull_refresh_after` is not carried: "
                 "Kubernetes has no image refresh schedule", "image")


@builder("command", "entrypoint")
@maps(("services.*.entrypoint", "containers[].command", Fate.CARRIED,
       "`$(` is written `$$(` so Kubernetes does not expand it"),
      ("services.*.command", "containers[].args", Fate.CARRIED,
       "`$(` is written `$$(` so Kubernetes does not expand it"))
def build_command(ctx: Context, pod: Pod) -> None:
    for key, field_name in (("entrypoint", "command"), ("command", "args")):
        value = pod.svc.get(key)
        if isinstance(value, list):
            words = [str(w) for w in value]
            escaped = [escape_dollars(w) for w in words]
            if escaped != words:
                ctx.rewrite(_p(pod, key), f"`$(` in `{key}` written as `$$(` so that "
                            "Kubernetes does not expand it as a variable reference", "command")
            pod.container[field_name] = escaped


@builder("environment", "env_file", "label_file")
@maps(("services.*.environment", "containers[].env", Fate.CARRIED,
       "name/value pairs, sorted; Helm: values `services.<name>.env`"),
      ("services.*.env_file", "ConfigMap `<service>-env` + containers[].envFrom", Fate.REWRITTEN,
       "the variables read from the files (as Compose resolves them) go to a ConfigMap; "
       "`environment` still wins, as in Compose"),
      ("services.*.label_file", "metadata.labels / annotations", Fate.CARRIED,
       "read into `labels` by the loader"))
def build_environment(ctx: Context, pod: Pod) -> None:
    env = pod.svc.get("environment")
    from_files = pod.plan.env_file
    if isinstance(env, Mapping):
        items = []
        for key in sorted(env, key=str):
            value = env[key]
            if key in from_files:
                continue
            parts = _p(pod, "environment", str(key))
            if value is None:
                ctx.loss(parts, f"variable `{key}` has no value (it is unset where the "
                         "conversion ran): not carried", "environment")
                continue
            if not _ENV_NAME.match(str(key)):
                ctx.loss(parts, f"variable name `{key}` is not valid in Kubernetes (letters, "
                         "digits, `_`, `-` and `.`, not starting with a digit)", "environment")
                continue
            text = str(value)
            if escape_dollars(text) != text:
                ctx.rewrite(parts, f"`$(` in `{key}` written as `$$(` so that Kubernetes "
                            "does not expand it", "environment")
            items.append({"name": str(key), "value": escape_dollars(text)})
        if items:
            pod.container["env"] = items
    if from_files:
        name = ctx.names.configmaps.get(f"env:{pod.name}")
        data: dict[str, str] = {}
        for key, value in sorted(from_files.items()):
            if not _CONFIG_KEY.match(key) or not _ENV_NAME.match(key):
                ctx.loss(_p(pod, "env_file"), f"variable `{key}` from env_file is not a valid "
                         "Kubernetes variable name: not carried", "environment")
                continue
            data[key] = value
        ctx.add({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": ctx.metadata(name, pod.name), "data": data}, pod.name)
        pod.container["envFrom"] = [{"configMapRef": {"name": name}}]
        if any("$(" in v for v in data.values()):
            ctx.rewrite(_p(pod, "env_file"), "values from env_file that hold `$(` are "
                        "literal in a ConfigMap (envFrom does not expand)", "environment")


# ---------------------------------------------------------------------------
# process settings
# ---------------------------------------------------------------------------


@builder("working_dir", "user", "group_add", "hostname", "domainname", "tty", "stdin_open",
         "init")
@maps(("services.*.working_dir", "containers[].workingDir", Fate.CARRIED),
      ("services.*.user", "securityContext.runAsUser, runAsGroup", Fate.PARTIAL,
       "numeric `uid[:gid]` only: Pods take numeric IDs"),
      ("services.*.group_add", "securityContext.supplementalGroups (Pod)", Fate.PARTIAL,
       "numeric groups only"),
      ("services.*.hostname", "hostname (Pod)", Fate.CARRIED, "made a DNS label if needed"),
      ("services.*.domainname", "", Fate.LOST,
       "a Pod's domain comes from its subdomain and a headless Service"),
      ("services.*.tty", "containers[].tty", Fate.CARRIED),
      ("services.*.stdin_open", "containers[].stdin", Fate.CARRIED),
      ("services.*.init", "shareProcessNamespace (Pod)", Fate.REWRITTEN,
       "with a shared process namespace the Pod's pause process is PID 1 and reaps zombies"))
def build_process(ctx: Context, pod: Pod) -> None:
    svc = pod.svc
    if svc.get("working_dir"):
        pod.container["workingDir"] = str(svc["working_dir"])
    user = svc.get("user")
    if user not in (None, "") and ctx.written(_p(pod, "user")):
        match = _NUMERIC_USER.match(str(user))
        if match:
            pod.security["runAsUser"] = int(match.group(1))
            if match.group(2) is not None:
                pod.security["runAsGroup"] = int(match.group(2))
        else:
            ctx.loss(_p(pod, "user"), f"user '{user}' is a name; Pods take numeric IDs "
                     "(securityContext.runAsUser/runAsGroup): not carried", "process")
    groups = svc.get("group_add")
    if isinstance(groups, list) and groups:
        numeric = [int(g) for g in (str(x) for x in groups) if g.isdigit()]
        if numeric:
            pod.pod_security["supplementalGroups"] = numeric
        names_ = [str(g) for g in groups if not str(g).isdigit()]
        if names_:
            ctx.loss(_p(pod, "group_add"), f"group names {', '.join(names_)} not carried: "
                     "Pods take numeric group IDs", "process")
    hostname = svc.get("hostname")
    if hostname:
        text = str(hostname)
        fixed = sanitize(text)
        if fixed != text:
            ctx.rewrite(_p(pod, "hostname"), f"hostname `{text}` written as `{fixed}` (a Pod "
                        "hostname is a DNS label)", "process")
        pod.spec["hostname"] = fixed
    if svc.get("domainname") and ctx.written(_p(pod, "domainname")):
        ctx.loss(_p(pod, "domainname"), "`domainname` is not carried: a Pod's domain comes "
                 "from its subdomain and a headless Service", "process")
    if svc.get("tty") is True:
        pod.container["tty"] = True
    if svc.get("stdin_open") is True:
        pod.container["stdin"] = True
    if svc.get("init") is True:
        pod.spec["shareProcessNamespace"] = True
        ctx.rewrite(_p(pod, "init"), "`init: true` written as shareProcessNamespace: the "
                    "Pod's pause process becomes PID 1 and reaps zombies (the containers "
                    "also see each other's processes)", "process")


# ---------------------------------------------------------------------------
# ports and Services
# ---------------------------------------------------------------------------


@builder("ports", "expose")
@maps(("services.*.ports", "containers[].ports; Service `<service>` (ClusterIP); "
       "Service `<service>-external` (NodePort/LoadBalancer)", Fate.PARTIAL,
       "the Service keeps the container port, so other services reach it as in Compose; "
       "published ports leave the cluster only with --service-type or the label "
       f"`{LABEL_SERVICE_TYPE}` (a NodePort is the published port when it is in "
       "30000-32767); `mode: host` becomes hostPort; `host_ip` is not carried"),
      ("services.*.expose", "containers[].ports; Service `<service>` ports", Fate.CARRIED),
      ("services.*.ports.protocol", "ports[].protocol (TCP, UDP, SCTP)", Fate.CARRIED),
      ("services.*.ports.name", "ports[].name", Fate.CARRIED,
       "made an IANA service name (15 characters) if needed"),
      ("services.*.ports.app_protocol", "ports[].appProtocol", Fate.CARRIED))
def build_ports(ctx: Context, pod: Pod) -> None:
    name = pod.name
    published = published_ports(name, pod.svc)
    _exposed, bad = exposed_ports(name, pod.svc)
    for path in bad:
        ctx.loss(path, "unreadable `expose` entry: not carried", "ports")
    container_ports: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for p in published:
        if p.mode == "host" and p.published is not None:
            key = (p.target, p.protocol)
            if key in seen:
                continue
            seen.add(key)
            entry: dict[str, Any] = {"containerPort": p.target, "hostPort": p.published,
                                     "protocol": p.protocol.upper()}
            if p.host_ip and p.host_ip not in ("0.0.0.0", "::"):
                entry["hostIP"] = p.host_ip
            container_ports.append(entry)
            ctx.rewrite(p.path, f"port {p.published}:{p.target} in `mode: host` written as "
                        "a hostPort on the node that runs the Pod", "ports")
    for p in pod.plan.ports:
        key = (p.target, p.protocol)
        if key in seen:
            continue
        seen.add(key)
        entry = {"containerPort": p.target, "protocol": p.protocol.upper()}
        pname = _port_name(ctx, p)
        if pname:
            entry["name"] = pname
        container_ports.append(entry)
    if container_ports:
        pod.container["ports"] = container_ports
    _service(ctx, pod)
    _external_service(ctx, pod)
    for p in pod.plan.published:
        if pod.plan.external_type is ServiceType.CLUSTER_IP:
            where = f"{p.host_ip}:" if p.host_ip else ""
            shown = (f"published port {where}{p.published}" if p.published is not None
                     else f"port {p.target} (published on an ephemeral host port)")
            ctx.loss(p.path, f"{shown} is not carried: the "
                     f"Service `{ctx.names.services.get(f'svc:{name}')}` is reachable in "
                     f"the cluster on port {p.target}; use --service-type NodePort or "
                     f"LoadBalancer (or the label `{LABEL_SERVICE_TYPE}`) to publish it",
                     "ports")
        elif p.host_ip and p.host_ip not in ("0.0.0.0", "::"):
            ctx.loss(p.path, f"host_ip {p.host_ip} is not carried: a "
                     f"{pod.plan.external_type.value} Service listens on every node "
                     "address", "ports")


def _port_name(ctx: Context, p: Port) -> str | None:
    if p.name:
        if is_port_name(p.name):
            return p.name
        fixed = sanitize(p.name, limit=15)
        if is_port_name(fixed):
            ctx.rewrite(p.path, f"port name `{p.name}` written as `{fixed}` (an IANA "
                        "service name: 15 characters, lower case)", "ports")
            return fixed
    return port_name(p.protocol, p.target)


def _service_port(ctx: Context, p: Port) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": _port_name(ctx, p) or port_name(p.protocol, p.target),
                             "port": p.target, "targetPort": p.target,
                             "protocol": p.protocol.upper()}
    if p.app_protocol:
        entry["appProtocol"] = p.app_protocol
    return entry


def _service(ctx: Context, pod: Pod) -> None:
    """The Service named after the Compose service, so its name resolves as in Compose:
    ClusterIP with the declared ports, headless when there are none (then the name
    resolves to the Pods and every port is reachable, as on a Compose network)."""
    plan = pod.plan
    name = ctx.names.services.get(f"svc:{pod.name}")
    if ctx.names.services.changed(f"svc:{pod.name}"):
        ctx.rewrite(("services", pod.name), f"service `{pod.name}` is reachable as `{name}` "
                    "in Kubernetes (a Service name is a DNS label): update the places that "
                    "use the old name", "ports", key="services.*")
    spec: dict[str, Any] = {"selector": ctx.selector(pod.name)}
    if plan.headless:
        spec["clusterIP"] = "None"
    if plan.ports:
        spec["ports"] = [_service_port(ctx, p) for p in plan.ports]
    ctx.add({"apiVersion": "v1", "kind": "Service",
             "metadata": ctx.metadata(name, pod.name), "spec": spec}, pod.name)
    if plan.workload is Workload.STATEFULSET and not plan.headless:
        hname = ctx.names.services.get(f"headless:{pod.name}")
        ctx.add({"apiVersion": "v1", "kind": "Service",
                 "metadata": ctx.metadata(hname, pod.name),
                 "spec": {**spec, "clusterIP": "None"}}, pod.name)
    for alias in _aliases(pod.svc):
        aname = ctx.names.services.get(f"alias:{pod.name}:{alias}")
        ctx.add({"apiVersion": "v1", "kind": "Service",
                 "metadata": ctx.metadata(aname, pod.name), "spec": dict(spec)}, pod.name)


def _external_service(ctx: Context, pod: Pod) -> None:
    plan = pod.plan
    if not plan.published or plan.external_type is ServiceType.CLUSTER_IP:
        return
    name = ctx.names.services.get(f"ext:{pod.name}")
    ports = []
    seen: set[tuple[int, str]] = set()
    for p in plan.published:
        port = p.published if p.published is not None else p.target
        if (port, p.protocol) in seen:
            continue
        seen.add((port, p.protocol))
        entry: dict[str, Any] = {"name": port_name(p.protocol, port), "port": port,
                                 "targetPort": p.target, "protocol": p.protocol.upper()}
        if p.published is not None and 30000 <= p.published <= 32767:
            entry["nodePort"] = p.published
        elif p.published is not None and plan.external_type is ServiceType.NODE_PORT:
            ctx.rewrite(p.path, f"published port {p.published} is outside the NodePort range "
                        "30000-32767: the cluster picks the node port", "ports")
        ports.append(entry)
    ctx.add({"apiVersion": "v1", "kind": "Service",
             "metadata": ctx.metadata(name, pod.name),
             "spec": {"type": plan.external_type.value, "selector": ctx.selector(pod.name),
                      "ports": ports}}, pod.name)


# ---------------------------------------------------------------------------
# health checks
# ---------------------------------------------------------------------------


@builder("healthcheck")
@maps(("services.*.healthcheck", "containers[].readinessProbe, livenessProbe, startupProbe",
       Fate.REWRITTEN,
       "test -> exec (CMD-SHELL through `/bin/sh -c`); interval -> periodSeconds; timeout -> "
       "timeoutSeconds; retries -> failureThreshold; start_period and start_interval -> a "
       "startupProbe; whole seconds, rounded up; `disable` -> no probes. Unlike plain "
       "Compose (and like Swarm), a failing liveness probe restarts the container"))
def build_health(ctx: Context, pod: Pod) -> None:
    hc = health(pod.svc)
    if hc is None:
        return
    parts = _p(pod, "healthcheck")
    if hc.command is None:
        raw = pod.svc.get("healthcheck") or {}
        if isinstance(raw, Mapping) and raw.get("disable") is not True and not (
                isinstance(raw.get("test"), list) and raw["test"][:1] == ["NONE"]):
            ctx.loss(parts, "the health check has no `test` (it completes the image's "
                     "HEALTHCHECK, which the conversion cannot see): no probes", "healthcheck")
        return
    command = ["/bin/sh", "-c", hc.command[0]] if hc.shell else list(hc.command)
    rounded = [k for k, v in (("interval", hc.interval), ("timeout", hc.timeout),
                              ("start_period", hc.start_period),
                              ("start_interval", hc.start_interval))
               if v and abs(v - round(v)) > 1e-9 and ctx.written((*parts, k))]
    if rounded:
        ctx.rewrite(parts, f"health check {', '.join(rounded)} rounded up to whole seconds "
                    "(Kubernetes probes count in seconds)", "healthcheck")
    base = {"exec": {"command": command},
            "periodSeconds": max(1, whole_seconds(hc.interval)),
            "timeoutSeconds": max(1, whole_seconds(hc.timeout)),
            "failureThreshold": hc.retries}
    pod.container["readinessProbe"] = dict(base)
    pod.container["livenessProbe"] = dict(base)
    if hc.start_period > 0:
        period = max(1, whole_seconds(hc.start_interval))
        pod.container["startupProbe"] = {
            "exec": {"command": command}, "periodSeconds": period,
            "timeoutSeconds": max(1, whole_seconds(hc.timeout)),
            "failureThreshold": max(1, math.ceil(hc.start_period / period)) + hc.retries}


# ---------------------------------------------------------------------------
# deploy: workload kind, replicas, resources, rollout, placement
# ---------------------------------------------------------------------------


@builder("deploy", "scale", "restart", "cpus", "mem_limit", "mem_reservation", "cpu_shares",
         "cpu_quota", "cpu_period", "gpus")
@maps(("services.*.deploy.mode", "Deployment / DaemonSet", Fate.CARRIED,
       "replicated -> Deployment, global -> DaemonSet; a StatefulSet with --statefulset or "
       f"the label `{LABEL_WORKLOAD}: statefulset`"),
      ("services.*.deploy.replicas", "spec.replicas", Fate.CARRIED,
       "Helm: values `services.<name>.replicas`"),
      ("services.*.scale", "spec.replicas", Fate.CARRIED),
      ("services.*.deploy.update_config", "spec.strategy (Deployment), spec.updateStrategy "
       "(DaemonSet), spec.minReadySeconds", Fate.PARTIAL,
       "parallelism -> maxUnavailable (stop-first) or maxSurge (start-first); delay -> "
       "minReadySeconds; failure_action, monitor, max_failure_ratio are not carried"),
      ("services.*.deploy.rollback_config", "", Fate.LOST,
       "Kubernetes rolls back on request (kubectl rollout undo), not by policy"),
      ("services.*.deploy.restart_policy", "restartPolicy (Pod)", Fate.PARTIAL,
       "condition `any` only: Deployments, StatefulSets and DaemonSets always restart"),
      ("services.*.restart", "restartPolicy (Pod)", Fate.PARTIAL,
       "always and unless-stopped -> Always; `no` and `on-failure` are not carried "
       "(workload controllers always restart)"),
      ("services.*.deploy.placement", "nodeSelector, affinity.nodeAffinity", Fate.PARTIAL,
       "node.labels.X==/!=, node.hostname, node.platform.os/arch; node.role, node.id, "
       "preferences and max_replicas_per_node are not carried"),
      ("services.*.deploy.labels", "metadata.labels / annotations (workload)", Fate.CARRIED),
      ("services.*.deploy.endpoint_mode", "Service spec.clusterIP", Fate.CARRIED,
       "dnsrr -> a headless Service"),
      ("services.*.deploy.resources", "containers[].resources", Fate.PARTIAL,
       "limits.cpus/memory -> limits; reservations.cpus/memory -> requests; GPU devices -> "
       "nvidia.com/gpu; pids, generic_resources and swap are not carried. Helm: values "
       "`services.<name>.resources`"),
      ("services.*.cpus", "containers[].resources.limits.cpu", Fate.CARRIED),
      ("services.*.mem_limit", "containers[].resources.limits.memory", Fate.CARRIED),
      ("services.*.mem_reservation", "containers[].resources.requests.memory", Fate.CARRIED),
      ("services.*.cpu_shares", "containers[].resources.requests.cpu", Fate.REWRITTEN,
       "1024 shares = 1 CPU, the weight Kubernetes derives from requests"),
      ("services.*.cpu_quota", "containers[].resources.limits.cpu", Fate.REWRITTEN,
       "quota / period CPUs"),
      ("services.*.cpu_period", "containers[].resources.limits.cpu", Fate.REWRITTEN,
       "with cpu_quota"),
      ("services.*.gpus", "containers[].resources.limits[nvidia.com/gpu]", Fate.PARTIAL,
       "a count of GPUs only"))
def build_deploy(ctx: Context, pod: Pod) -> None:
    svc = pod.svc
    deploy = _sub(svc, "deploy")
    d = _p(pod, "deploy")
    kind = pod.plan.workload
    replicas = deploy.get("replicas")
    if replicas is None:
        replicas = svc.get("scale")
    if kind is Workload.DAEMONSET:
        if replicas is not None and (ctx.written((*d, "replicas")) or ctx.written(
                _p(pod, "scale"))):
            ctx.loss((*d, "replicas") if ctx.written((*d, "replicas")) else _p(pod, "scale"),
                     "replicas of a global service: a DaemonSet runs one Pod per node",
                     "deploy")
    elif isinstance(replicas, int) and replicas >= 0:
        pod.replicas = replicas
    if deploy.get("mode") in ("replicated-job", "global-job"):
        ctx.loss((*d, "mode"), f"`mode: {deploy['mode']}` is not carried: it becomes a "
                 f"{kind.value}, which keeps restarting the container (use a Job)", "deploy")
    if kind is Workload.STATEFULSET and ctx.written((*d, "mode")) and deploy.get(
            "mode") == "global":
        ctx.loss((*d, "mode"), "`mode: global` overridden by the StatefulSet choice", "deploy")
    _resources(ctx, pod, deploy)
    _update_config(ctx, pod, deploy)
    _restart(ctx, pod, deploy)
    _placement(ctx, pod, deploy)
    labels = deploy.get("labels")
    if isinstance(labels, Mapping):
        for k, v in labels.items():
            _label_or_annotation(ctx, str(k), str(v), pod.workload_labels,
                                 pod.workload_annotations, (*d, "labels", str(k)))
    if deploy.get("endpoint_mode") not in (None, "vip", "dnsrr"):
        ctx.loss((*d, "endpoint_mode"), f"endpoint_mode {deploy['endpoint_mode']!r} is "
                 "not carried", "deploy")
    if ctx.written((*d, "rollback_config")):
        ctx.loss((*d, "rollback_config"), "`rollback_config` is not carried: Kubernetes "
                 "rolls back on request (kubectl rollout undo), not by policy", "deploy")


def _resources(ctx: Context, pod: Pod, deploy: Mapping[str, Any]) -> None:
    svc = pod.svc
    r = _sub(deploy, "resources")
    base = (*_p(pod, "deploy"), "resources")
    limits = _sub(r, "limits")
    reservations = _sub(r, "reservations")
    cpu = _float(limits.get("cpus"))
    if cpu is None:
        cpu = _float(svc.get("cpus"))
    if cpu is None and svc.get("cpu_quota") is not None:
        quota = _float(svc.get("cpu_quota"))
        period = _float(svc.get("cpu_period")) or 100000.0
        if quota and quota > 0:
            cpu = quota / period
            ctx.rewrite(_p(pod, "cpu_quota"), f"cpu_quota/cpu_period written as a CPU "
                        f"limit of {cpu_quantity(cpu)}", "resources")
    elif svc.get("cpu_period") is not None and ctx.written(_p(pod, "cpu_period")) and (
            svc.get("cpu_quota") is None):
        ctx.loss(_p(pod, "cpu_period"), "cpu_period without cpu_quota is not carried",
                 "resources")
    if cpu is not None and cpu > 0:
        pod.limits["cpu"] = cpu_quantity(cpu)
    mem = _bytes(limits.get("memory")) if limits.get("memory") is not None else None
    if mem is None and svc.get("mem_limit") is not None:
        mem = _bytes(svc.get("mem_limit"))
    if mem:
        pod.limits["memory"] = memory_quantity(mem)
    rcpu = _float(reservations.get("cpus"))
    if rcpu is None and svc.get("cpu_shares") is not None:
        shares = _float(svc.get("cpu_shares"))
        if shares and shares > 0:
            rcpu = shares / 1024
            ctx.rewrite(_p(pod, "cpu_shares"), f"cpu_shares {int(shares)} written as a CPU "
                        f"request of {cpu_quantity(rcpu)} (1024 shares = 1 CPU)", "resources")
    if rcpu is not None and rcpu > 0:
        pod.requests["cpu"] = cpu_quantity(rcpu)
    rmem = _bytes(reservations.get("memory")) if reservations.get("memory") is not None \
        else None
    if rmem is None and svc.get("mem_reservation") is not None:
        rmem = _bytes(svc.get("mem_reservation"))
    if rmem:
        pod.requests["memory"] = memory_quantity(rmem)
    from composekit.lint.rules.runtime.kubernetes_unsupported_key import (
        KUBERNETES_UNSUPPORTED,
    )

    if _float(limits.get("pids")) and ctx.written((*base, "limits", "pids")):
        ctx.loss((*base, "limits", "pids"), "limits.pids is not carried: "
                 f"{KUBERNETES_UNSUPPORTED['pids_limit']}", "resources")
    for key in ("memory_swap", "memory_swappiness"):
        if ctx.written((*base, key)):
            ctx.loss((*base, key), f"resources.{key} is not carried: "
                     f"{KUBERNETES_UNSUPPORTED['memswap_limit']}", "resources")
    if ctx.written((*base, "reservations", "generic_resources")):
        ctx.loss((*base, "reservations", "generic_resources"), "generic_resources are not "
                 "carried (Kubernetes exposes such resources through device plugins)",
                 "resources")
    devices = reservations.get("devices")
    if isinstance(devices, list):
        _gpus(ctx, pod, devices, (*base, "reservations", "devices"))
    gpus = svc.get("gpus")
    if isinstance(gpus, list) and ctx.written(_p(pod, "gpus")):
        _gpus(ctx, pod, gpus, _p(pod, "gpus"))


def _gpus(ctx: Context, pod: Pod, requests: Sequence[Any], parts: KeyPath) -> None:
    total = 0
    for i, req in enumerate(requests):
        if not isinstance(req, Mapping):
            continue
        caps = {str(c) for c in req.get("capabilities") or []}
        driver = str(req.get("driver") or "nvidia")
        count = req.get("count")
        if "gpu" in caps and driver == "nvidia" and isinstance(count, int) and count > 0 \
                and not req.get("device_ids"):
            total += count
        else:
            ctx.loss((*parts, i), "device request not carried: only a count of NVIDIA GPUs "
                     "becomes a `nvidia.com/gpu` limit", "resources")
    if total:
        pod.limits["nvidia.com/gpu"] = str(total)
        ctx.rewrite(parts, f"{total} GPU(s) written as the limit `nvidia.com/gpu` (the "
                    "NVIDIA device plugin's resource)", "resources")


def _update_config(ctx: Context, pod: Pod, deploy: Mapping[str, Any]) -> None:
    uc = deploy.get("update_config")
    parts = (*_p(pod, "deploy"), "update_config")
    if not isinstance(uc, Mapping) or not ctx.written(parts):
        return
    parallelism = uc.get("parallelism", 1)
    order = str(uc.get("order") or "stop-first")
    step: int | str = "100%" if parallelism == 0 else int(parallelism)
    kind = pod.plan.workload
    start_first = order == "start-first"
    rolling = {"maxSurge": step if start_first else 0,
               "maxUnavailable": 0 if start_first else step}
    if kind is Workload.DEPLOYMENT:
        pod.workload_spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    elif kind is Workload.DAEMONSET:
        pod.workload_spec["updateStrategy"] = {"type": "RollingUpdate",
                                               "rollingUpdate": rolling}
    else:
        pod.workload_spec["updateStrategy"] = {"type": "RollingUpdate"}
        if start_first or step != 1:
            ctx.loss(parts, "a StatefulSet replaces its Pods one at a time, stopping each "
                     "first: parallelism and order are not carried", "deploy")
    delay = duration_seconds(uc.get("delay"))
    if delay:
        pod.workload_spec["minReadySeconds"] = whole_seconds(delay)
        ctx.rewrite((*parts, "delay"), f"update delay written as minReadySeconds: "
                    f"{whole_seconds(delay)} (a new Pod must stay ready that long before the "
                    "rollout goes on)", "deploy")
    for key in ("failure_action", "monitor", "max_failure_ratio"):
        if ctx.written((*parts, key)):
            ctx.loss((*parts, key), f"update_config.{key} is not carried: Kubernetes stops "
                     "a failing rollout after progressDeadlineSeconds and never rolls back "
                     "by itself", "deploy")


def _restart(ctx: Context, pod: Pod, deploy: Mapping[str, Any]) -> None:
    restart = pod.svc.get("restart")
    if restart is not None and ctx.written(_p(pod, "restart")):
        text = str(restart)
        if text in ("always", "unless-stopped"):
            pod.spec["restartPolicy"] = "Always"
        else:
            ctx.loss(_p(pod, "restart"), f"`restart: {text}` is not carried: a "
                     f"{pod.plan.workload.value} always restarts its containers "
                     "(restartPolicy Always)", "deploy")
    rp = deploy.get("restart_policy")
    parts = (*_p(pod, "deploy"), "restart_policy")
    if isinstance(rp, Mapping) and ctx.written(parts):
        cond = str(rp.get("condition") or "any")
        if cond == "any":
            pod.spec["restartPolicy"] = "Always"
        else:
            ctx.loss((*parts, "condition"), f"restart_policy condition `{cond}` is not "
                     f"carried: a {pod.plan.workload.value} always restarts its containers",
                     "deploy")
        for key in ("delay", "max_attempts", "window"):
            if ctx.written((*parts, key)):
                ctx.loss((*parts, key), f"restart_policy.{key} is not carried: the kubelet "
                         "restarts with its own back-off", "deploy")


_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
         "armv7l": "arm", "arm": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


def _placement(ctx: Context, pod: Pod, deploy: Mapping[str, Any]) -> None:
    placement = deploy.get("placement")
    parts = (*_p(pod, "deploy"), "placement")
    if not isinstance(placement, Mapping):
        return
    selector: dict[str, str] = pod.spec.setdefault("nodeSelector", {})
    not_in: list[dict[str, Any]] = []
    for i, raw in enumerate(placement.get("constraints") or []):
        text = str(raw).replace(" ", "")
        op = "==" if "==" in text else "!=" if "!=" in text else None
        lhs, _, value = text.partition(op) if op else (text, "", "")
        key: str | None = None
        if lhs.startswith(("node.labels.", "engine.labels.")):
            key = lhs.split(".labels.", 1)[1]
        elif lhs == "node.hostname":
            key = "kubernetes.io/hostname"
        elif lhs == "node.platform.os":
            key = "kubernetes.io/os"
        elif lhs == "node.platform.arch":
            key, value = "kubernetes.io/arch", _ARCH.get(value, value)
        if op is None or key is None or not is_label_key(key) or not is_label_value(value):
            ctx.loss((*parts, "constraints", i), f"placement constraint `{raw}` is not "
                     "carried (only node labels, hostname, os and arch have a Kubernetes "
                     "form)", "placement")
            continue
        if lhs.startswith("engine.labels."):
            ctx.rewrite((*parts, "constraints", i), f"engine label constraint `{raw}` "
                        "written as a node label selector", "placement")
        if op == "==":
            selector[key] = value
        else:
            not_in.append({"key": key, "operator": "NotIn", "values": [value]})
    if not_in:
        pod.spec["affinity"] = {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": not_in}]}}}
    if not selector:
        pod.spec.pop("nodeSelector", None)
    for key in ("preferences", "max_replicas_per_node"):
        if placement.get(key) and ctx.written((*parts, key)):
            ctx.loss((*parts, key), f"placement.{key} is not carried (use "
                     "topologySpreadConstraints or podAntiAffinity by hand)", "placement")


@builder("platform")
@maps(("services.*.platform", "nodeSelector kubernetes.io/os, kubernetes.io/arch",
       Fate.REWRITTEN, "the variant (arm/v7) is not carried"))
def build_platform(ctx: Context, pod: Pod) -> None:
    platform = pod.svc.get("platform")
    if not platform:
        return
    os_, _, rest = str(platform).partition("/")
    arch, _, variant = rest.partition("/")
    selector = pod.spec.setdefault("nodeSelector", {})
    selector["kubernetes.io/os"] = os_
    if arch:
        selector["kubernetes.io/arch"] = _ARCH.get(arch, arch)
    ctx.rewrite(_p(pod, "platform"), f"platform `{platform}` written as a node selector: "
                "the Pod runs only on such nodes", "placement")
    if variant:
        ctx.loss(_p(pod, "platform"), f"platform variant `{variant}` is not carried (nodes "
                 "have no variant label)", "placement")


# ---------------------------------------------------------------------------
# volumes, tmpfs, configs, secrets
# ---------------------------------------------------------------------------


@builder("volumes", "tmpfs", "shm_size", "volumes_from")
@maps(("services.*.volumes", "volumes, containers[].volumeMounts", Fate.PARTIAL,
       "a named volume -> a PersistentVolumeClaim (volumeClaimTemplates in a StatefulSet); "
       "an anonymous volume -> emptyDir; tmpfs -> emptyDir (Memory); bind mounts, npipe "
       "and cluster volumes are not carried; read_only -> readOnly; volume.subpath -> "
       "subPath. Kubernetes never copies the image's files into a new volume"),
      ("services.*.tmpfs", "emptyDir {medium: Memory}", Fate.CARRIED),
      ("services.*.shm_size", "emptyDir {medium: Memory, sizeLimit} at /dev/shm",
       Fate.REWRITTEN, "the lint rule CK607 lists it: Pods have no /dev/shm size setting"),
      ("services.*.volumes_from", "", Fate.LOST,
       "mount the same claims in each workload instead"))
def build_volumes(ctx: Context, pod: Pod) -> None:
    for m in mounts(pod.name, pod.svc):
        mount: dict[str, Any] = {}
        if m.type == "volume" and m.source:
            claim = _claim_for(ctx, pod, m.source, m.path)
            if claim is None:
                continue
            vname = sanitize(m.source)
            if claim == "template":
                mount["name"] = _template_name(ctx, pod, m.source)
            else:
                same = [v["name"] for v in pod.volumes
                        if v.get("persistentVolumeClaim", {}).get("claimName") == claim]
                mount["name"] = same[0] if same else pod.volume(vname, {
                    "persistentVolumeClaim": {"claimName": claim}})
        elif m.type == "volume":
            mount["name"] = pod.volume("anonymous", {"emptyDir": {}})
            ctx.rewrite(m.path, f"anonymous volume at {m.target} written as an emptyDir: "
                        "it lives as long as the Pod", "volumes")
        elif m.type == "tmpfs":
            body: dict[str, Any] = {"medium": "Memory"}
            if m.tmpfs_size:
                body["sizeLimit"] = memory_quantity(m.tmpfs_size)
            mount["name"] = pod.volume("tmpfs", {"emptyDir": body})
            raw_tmpfs = m.raw.get("tmpfs")
            if isinstance(raw_tmpfs, Mapping) and raw_tmpfs.get("mode") is not None:
                ctx.loss((*m.path, "tmpfs", "mode"), "tmpfs mode is not carried (emptyDir "
                         "has no mode)", "volumes")
        else:
            ctx.loss(m.path, f"{m.type} mount at {m.target} is not carried: a Pod cannot "
                     f"mount a path of the machine that ran Compose (use a ConfigMap, a "
                     "PersistentVolumeClaim, or a hostPath volume by hand)"
                     if m.type == "bind" else f"{m.type} mount at {m.target} is not carried",
                     "volumes")
            continue
        mount["mountPath"] = m.target
        if m.read_only:
            mount["readOnly"] = True
        if m.subpath:
            mount["subPath"] = m.subpath
        for key in ("consistency",):
            if m.raw.get(key) and ctx.written((*m.path, key)):
                ctx.loss((*m.path, key), f"mount {key} is not carried", "volumes")
        bind = m.raw.get("bind")
        if isinstance(bind, Mapping) and bind.get("propagation") and ctx.written(
                (*m.path, "bind", "propagation")):
            ctx.loss((*m.path, "bind", "propagation"), "bind propagation is not carried",
                     "volumes")
        pod.mounts.append(mount)
    tmpfs = pod.svc.get("tmpfs")
    for i, entry in enumerate(tmpfs if isinstance(tmpfs, list) else []):
        target, _, opts = str(entry).partition(":")
        body = {"medium": "Memory"}
        size = re.search(r"(?:^|,)size=([^,]+)", opts)
        if size and _bytes(size.group(1)):
            body["sizeLimit"] = memory_quantity(_bytes(size.group(1)) or 0)
        other = [o for o in opts.split(",") if o and not o.startswith("size=")]
        if other:
            ctx.loss(_p(pod, "tmpfs", i), f"tmpfs options {','.join(other)} are not carried "
                     "(emptyDir has a size only)", "volumes")
        pod.mounts.append({"name": pod.volume("tmpfs", {"emptyDir": body}),
                           "mountPath": target})
    shm = pod.svc.get("shm_size")
    shm_bytes = _bytes(shm) if shm is not None else None
    if shm_bytes:
        pod.mounts.append({"name": pod.volume("dshm", {"emptyDir": {
            "medium": "Memory", "sizeLimit": memory_quantity(shm_bytes)}}),
            "mountPath": "/dev/shm"})
        ctx.rewrite(_p(pod, "shm_size"), f"shm_size written as a memory-backed emptyDir of "
                    f"{memory_quantity(shm_bytes)} at /dev/shm", "volumes")
    if pod.svc.get("volumes_from") and ctx.written(_p(pod, "volumes_from")):
        ctx.loss(_p(pod, "volumes_from"), "`volumes_from` is not carried: mount the same "
                 "claims in this workload instead", "volumes")


def _claim_for(ctx: Context, pod: Pod, source: str, parts: KeyPath) -> str | None:
    vol = ctx.view.volumes.get(source)
    if vol is None:
        ctx.loss(parts, f"volume `{source}` is not declared: not carried", "volumes")
        return None
    if pod.plan.workload is Workload.STATEFULSET and not vol.get("external") and \
            ctx.volume_users.get(source) == [pod.name]:
        return "template"
    return ctx.names.claims.get(f"vol:{source}")


def _template_name(ctx: Context, pod: Pod, source: str) -> str:
    name = sanitize(source)
    if not any(t["metadata"]["name"] == name for t in pod.claim_templates):
        spec = _claim_spec(ctx, source, shared=False)
        pod.claim_templates.append({"metadata": {"name": name}, "spec": spec})
        ctx.rewrite(("volumes", source), f"volume `{source}` written as a volumeClaimTemplate "
                    f"of the StatefulSet `{ctx.names.workloads.get(f'wl:{pod.name}')}`: each "
                    "replica gets its own claim", "volumes", key="volumes.*")
    return name


def _claim_spec(ctx: Context, key: str, *, shared: bool) -> dict[str, Any]:
    vol = ctx.view.volumes.get(key) or {}
    labels = _labels(vol)
    size = labels.get(LABEL_VOLUME_SIZE) or ctx.options.volume_size
    mode = labels.get(LABEL_ACCESS_MODE) or ("ReadWriteMany" if shared else "ReadWriteOnce")
    spec: dict[str, Any] = {"accessModes": [mode], "resources": {"requests": {
        "storage": size}}}
    if labels.get(LABEL_STORAGE_CLASS):
        spec["storageClassName"] = labels[LABEL_STORAGE_CLASS]
    return spec


@maps(("volumes.*", "PersistentVolumeClaim", Fate.REWRITTEN,
       f"size from the label `{LABEL_VOLUME_SIZE}` (default 1Gi), class from "
       f"`{LABEL_STORAGE_CLASS}`, access mode from `{LABEL_ACCESS_MODE}` (default "
       "ReadWriteOnce; ReadWriteMany when several workloads or replicas share it)"),
      ("volumes.*.external", "claimName", Fate.CARRIED,
       "no claim is written; the workload mounts the existing claim of that name"),
      ("volumes.*.name", "metadata.name", Fate.CARRIED),
      ("volumes.*.labels", "metadata.labels / annotations", Fate.CARRIED),
      ("volumes.*.driver", "", Fate.LOST, "storage comes from a StorageClass"),
      ("volumes.*.driver_opts", "", Fate.LOST, "storage comes from a StorageClass"))
def build_claims(ctx: Context) -> None:
    for key, vol in ctx.view.volumes.items():
        users = ctx.volume_users.get(key, [])
        parts: KeyPath = ("volumes", key)
        for opt in ("driver", "driver_opts"):
            if vol.get(opt) and ctx.written((*parts, opt)):
                ctx.loss((*parts, opt), f"volume {opt} is not carried: storage comes from "
                         "a StorageClass (label "
                         f"`{LABEL_STORAGE_CLASS}`)", "volumes")
        if vol.get("external"):
            claim = ctx.names.claims.get(f"vol:{key}")
            if users:
                ctx.rewrite(parts, f"external volume `{key}`: no claim written; the "
                            f"workloads mount the existing claim `{claim}`", "volumes")
            continue
        if not users:
            continue
        plans = [ctx.plans[u] for u in users if u in ctx.plans]
        if len(plans) == 1 and plans[0].workload is Workload.STATEFULSET:
            continue  # a volumeClaimTemplate
        replicas = sum(_replicas(p) for p in plans)
        shared = len(plans) > 1 or replicas > 1
        name = ctx.names.claims.get(f"vol:{key}")
        meta = ctx.metadata(name)
        _copy_labels(ctx, vol, meta, parts)
        spec = _claim_spec(ctx, key, shared=shared)
        if shared and not _labels(vol).get(LABEL_ACCESS_MODE):
            ctx.rewrite(parts, f"volume `{key}` is shared by {len(plans)} workload(s) with "
                        f"{replicas} Pod(s): its claim asks for ReadWriteMany, which needs "
                        "storage that supports it", "volumes")
        ctx.add({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
                 "spec": spec})


def _replicas(p: Plan) -> int:
    deploy = _sub(p.svc, "deploy")
    value = deploy.get("replicas", p.svc.get("scale", 1))
    if p.workload is Workload.DAEMONSET:
        return 2
    return value if isinstance(value, int) else 1


def _copy_labels(ctx: Context, spec: Mapping[str, Any], meta: dict[str, Any],
                 parts: KeyPath) -> None:
    labels = spec.get("labels")
    if not isinstance(labels, Mapping):
        return
    annotations: dict[str, str] = {}
    for k, v in labels.items():
        if str(k) in CONTROL_LABELS:
            continue
        _label_or_annotation(ctx, str(k), str(v), meta["labels"], annotations,
                             (*parts, "labels", str(k)))
    if annotations:
        meta["annotations"] = annotations


@builder("configs", "secrets")
@maps(("services.*.configs", "volumes[].configMap + volumeMounts[] (subPath)", Fate.PARTIAL,
       "target (default /<name>) -> mountPath; mode -> items[].mode; uid and gid are not "
       "carried"),
      ("services.*.secrets", "volumes[].secret + volumeMounts[] (subPath)", Fate.PARTIAL,
       "target (default /run/secrets/<name>) -> mountPath; mode -> items[].mode; uid and "
       "gid are not carried"))
def build_files(ctx: Context, pod: Pod) -> None:
    for kind in ("configs", "secrets"):
        refs = pod.svc.get(kind)
        for i, ref in enumerate(refs if isinstance(refs, list) else []):
            if not isinstance(ref, Mapping) or not ref.get("source"):
                continue
            source = str(ref["source"])
            parts = _p(pod, kind, i)
            top = (ctx.view.configs if kind == "configs" else ctx.view.secrets).get(source)
            if top is None:
                ctx.loss(parts, f"{kind[:-1]} `{source}` is not declared: not carried",
                         "files")
                continue
            target = str(ref.get("target") or "")
            if kind == "configs":
                target = target or f"/{source}"
                if not target.startswith("/"):
                    target = "/" + target
            else:
                target = target or f"/run/secrets/{source}"
                if not target.startswith("/"):
                    target = f"/run/secrets/{target}"
            key = data_key(source, top)
            item: dict[str, Any] = {"key": key, "path": key}
            mode = _mode(ref.get("mode"))
            if mode is not None:
                item["mode"] = mode
            if kind == "configs":
                name = ctx.names.configmaps.get(f"cfg:{source}")
                volume = {"configMap": {"name": name, "items": [item]}}
            else:
                name = ctx.names.secrets.get(f"sec:{source}")
                volume = {"secret": {"secretName": name, "items": [item]}}
            vname = pod.volume(f"{kind[:-1]}-{source}", volume)
            pod.mounts.append({"name": vname, "mountPath": target, "subPath": key,
                               "readOnly": True})
            for opt in ("uid", "gid"):
                if ref.get(opt) is not None and ctx.written((*parts, opt)):
                    ctx.loss((*parts, opt), f"{kind[:-1]} {opt} is not carried: the file "
                             "belongs to root (fsGroup applies to the whole Pod)", "files")


def data_key(source: str, spec: Mapping[str, Any]) -> str:
    """The key of a config's or secret's data: the file's name, else the resource's name."""
    base = os.path.basename(str(spec["file"])) if spec.get("file") else source
    return base if _CONFIG_KEY.match(base) else re.sub(r"[^-._a-zA-Z0-9]+", "-", base) or "data"


def _mode(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value), 8)
    except ValueError:
        return None


@maps(("configs.*", "ConfigMap", Fate.CARRIED,
       "file -> data (binaryData when not UTF-8); content -> data; environment -> data from "
       "the variable where the conversion runs; external -> the existing ConfigMap of that "
       "name, with the config's name as key"),
      ("configs.*.template_driver", "", Fate.LOST),
      ("secrets.*", "Secret (Opaque)", Fate.CARRIED,
       "file or environment -> data, base64 (the value is in the manifest: keep the output "
       "out of version control or use an external secret store); external -> the existing "
       "Secret of that name"),
      ("secrets.*.driver", "", Fate.LOST), ("secrets.*.driver_opts", "", Fate.LOST),
      ("secrets.*.template_driver", "", Fate.LOST),
      ("configs.*.labels", "metadata.labels / annotations", Fate.CARRIED),
      ("secrets.*.labels", "metadata.labels / annotations", Fate.CARRIED))
def build_file_objects(ctx: Context, used: dict[str, set[str]]) -> None:
    for kind, section in (("configs", ctx.view.configs), ("secrets", ctx.view.secrets)):
        for key, spec in section.items():
            if key not in used[kind]:
                continue
            parts: KeyPath = (kind, key)
            for opt in ("template_driver", "driver", "driver_opts"):
                if spec.get(opt) and ctx.written((*parts, opt)):
                    ctx.loss((*parts, opt), f"{kind[:-1]} {opt} is not carried", "files")
            if spec.get("external"):
                name = (ctx.names.configmaps.get(f"cfg:{key}") if kind == "configs"
                        else ctx.names.secrets.get(f"sec:{key}"))
                ctx.rewrite(parts, f"external {kind[:-1]} `{key}`: nothing written; the "
                            f"{'ConfigMap' if kind == 'configs' else 'Secret'} `{name}` must "
                            f"exist with the key `{data_key(key, spec)}`", "files")
                continue
            content = _file_content(ctx, spec, parts)
            if content is None:
                continue
            dkey = data_key(key, spec)
            if kind == "configs":
                name = ctx.names.configmaps.get(f"cfg:{key}")
                meta = ctx.metadata(name)
                body: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": meta}
                try:
                    body["data"] = {dkey: content.decode("utf-8")}
                except UnicodeDecodeError:
                    body["binaryData"] = {dkey: base64.b64encode(content).decode("ascii")}
            else:
                name = ctx.names.secrets.get(f"sec:{key}")
                meta = ctx.metadata(name)
                body = {"apiVersion": "v1", "kind": "Secret", "metadata": meta,
                        "type": "Opaque",
                        "data": {dkey: base64.b64encode(content).decode("ascii")}}
                ctx.rewrite(parts, f"secret `{key}` written into the Secret `{name}` (its "
                            "value is in the manifest: keep the output out of version "
                            "control)", "files")
            _copy_labels(ctx, spec, meta, parts)
            ctx.add(body)


def _file_content(ctx: Context, spec: Mapping[str, Any], parts: KeyPath) -> bytes | None:
    if spec.get("content") is not None:
        return str(spec["content"]).encode("utf-8")
    if spec.get("environment"):
        var = str(spec["environment"])
        value = ctx.view.environment.get(var)
        if value is None:
            ctx.loss((*parts, "environment"), f"variable `{var}` is not set where the "
                     "conversion ran: nothing written", "files")
            return None
        return value.encode("utf-8")
    if spec.get("file"):
        data = ctx.view.read_file(str(spec["file"]))
        if data is None:
            ctx.loss((*parts, "file"), f"cannot read `{spec['file']}`: nothing written",
                     "files")
        return data
    ctx.loss(parts, "no file, content or environment: nothing written", "files")
    return None


# ---------------------------------------------------------------------------
# start-up order
# ---------------------------------------------------------------------------


@builder("depends_on", "links")
@maps(("services.*.depends_on", "initContainers[] `wait-for-<service>`", Fate.REWRITTEN,
       "service_healthy -> wait until the dependency's Service has a ready Pod (a TCP "
       "connection to its first port, or a DNS answer from its headless Service); "
       "service_started -> wait until its name resolves; service_completed_successfully "
       "and restart are not carried. The lint rule CK607 lists depends_on: Kubernetes "
       "itself has no start-up order"),
      ("services.*.links", "Service names", Fate.PARTIAL,
       "a link resolves through the dependency's Service; an alias is not carried"))
def build_dependencies(ctx: Context, pod: Pod) -> None:
    for dep in dependencies(pod.name, pod.svc):
        _wait_for(ctx, pod, dep)
    links = pod.svc.get("links")
    for i, link in enumerate(links if isinstance(links, list) else []):
        target, _, alias = str(link).partition(":")
        if alias and alias != target:
            shown = ctx.names.services.get(f"svc:{target}") if target in ctx.plans else target
            ctx.loss(_p(pod, "links", i), f"link alias '{alias}' for '{target}': Pods have "
                     f"no links, only Service names (reach it as '{shown}')", "dependencies")


def _wait_for(ctx: Context, pod: Pod, dep: Dependency) -> None:
    written = ctx.written(dep.path)
    target = ctx.plans.get(dep.service)
    if target is None:
        if written and dep.required:
            ctx.loss(dep.path, f"dependency `{dep.service}` is not converted (disabled or "
                     "missing): no wait", "dependencies")
        return
    spec = pod.svc.get("depends_on", {}).get(dep.service, {})
    if isinstance(spec, Mapping) and spec.get("restart") is True and ctx.written(
            (*dep.path, "restart")):
        ctx.loss((*dep.path, "restart"), "`restart: true` is not carried: Kubernetes does "
                 "not restart dependants", "dependencies")
    host = (f"{ctx.names.services.get(f'svc:{dep.service}')}.$(COMPOSEKIT_NAMESPACE).svc."
            f"{ctx.options.cluster_domain}")
    condition = dep.condition
    if condition == "service_completed_successfully" and written:
        ctx.loss((*dep.path, "condition"), "condition service_completed_successfully is not "
                 "carried: Kubernetes cannot see another workload finish; the init "
                 "container waits for it to start (run it as a Job instead)",
                 "dependencies")
    if condition == "service_healthy" and target.ports and not target.headless:
        port = target.ports[0]
        if port.protocol == "tcp":
            check = f"nc -z -w 2 {host} {port.target}"
            what = f"port {port.target} of {dep.service} to accept connections"
        else:
            check = f"nslookup {host}"
            what = f"{dep.service} to resolve"
    elif condition == "service_healthy":
        check = f"nslookup {host}"
        what = f"{dep.service} to have a ready Pod"
    else:
        check = f"nslookup {host}"
        what = f"{dep.service} to resolve"
    if condition == "service_healthy" and target.svc.get("healthcheck") is None and written:
        ctx.rewrite((*dep.path, "condition"), f"`{dep.service}` has no health check: "
                    "waiting for its Pod to be ready means waiting for it to run",
                    "dependencies")
    script = (f"until {check} >/dev/null 2>&1; do echo 'waiting for {what}'; sleep 2; "
              "done")
    name = sanitize(f"wait-for-{dep.service}")
    pod.init_containers.append({
        "name": name,
        "image": ctx.options.wait_image,
        "command": ["sh", "-c", script],
        "env": [{"name": "COMPOSEKIT_NAMESPACE",
                 "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
    })


# ---------------------------------------------------------------------------
# labels and annotations
# ---------------------------------------------------------------------------


@builder("labels", "annotations", "container_name", "profiles", "extends")
@maps(("services.*.labels", "metadata.labels (Pod template, workload); annotations",
       Fate.CARRIED,
       "a label whose key and value are valid Kubernetes labels stays a label; the others "
       "become annotations; `composekit.kubernetes.*` labels steer the conversion and are "
       "not copied"),
      ("services.*.annotations", "metadata.annotations (Pod template)", Fate.CARRIED),
      ("services.*.container_name", "", Fate.LOST,
       "Pods are named by their controller; the Service keeps the service's name"),
      ("services.*.profiles", "", Fate.CONSUMED,
       "only the services of the active profiles are converted"),
      ("services.*.extends", "", Fate.CONSUMED, "resolved by the loader"))
def build_labels(ctx: Context, pod: Pod) -> None:
    for k, v in _labels(pod.svc).items():
        if k in CONTROL_LABELS:
            continue
        _label_or_annotation(ctx, k, v, pod.labels, pod.annotations,
                             _p(pod, "labels", k))
    annotations = pod.svc.get("annotations")
    if isinstance(annotations, Mapping):
        for k, v in annotations.items():
            if is_label_key(str(k)):
                pod.annotations[str(k)] = str(v)
            else:
                ctx.loss(_p(pod, "annotations", str(k)), f"annotation key `{k}` is not a "
                         "valid Kubernetes key: not carried", "labels")
    if pod.svc.get("container_name") and ctx.written(_p(pod, "container_name")):
        ctx.loss(_p(pod, "container_name"), "`container_name` is not carried: Pods are "
                 "named by their controller (the Service keeps the name "
                 f"`{ctx.names.services.get(f'svc:{pod.name}')}`)", "labels")


def _label_or_annotation(ctx: Context, key: str, value: str, labels: dict[str, str],
                         annotations: dict[str, str], parts: KeyPath) -> None:
    if key in (NAME_LABEL, PART_OF_LABEL, MANAGED_BY_LABEL):
        annotations[key] = value
        ctx.rewrite(parts, f"label `{key}` is set by composekit: the written value is kept "
                    "as an annotation", "labels")
    elif is_label_key(key) and is_label_value(value):
        labels[key] = value
    elif is_label_key(key):
        annotations[key] = value
        ctx.rewrite(parts, f"label `{key}` written as an annotation (its value is not a "
                    "valid label value)", "labels")
    else:
        ctx.loss(parts, f"label key `{key}` is not a valid Kubernetes key: not carried",
                 "labels")


# ---------------------------------------------------------------------------
# security and namespaces
# ---------------------------------------------------------------------------


@builder("privileged", "cap_add", "cap_drop", "read_only", "security_opt", "sysctls",
         "network_mode", "net", "pid", "ipc", "userns_mode", "runtime")
@maps(("services.*.privileged", "containers[].securityContext.privileged", Fate.CARRIED),
      ("services.*.cap_add", "containers[].securityContext.capabilities.add", Fate.CARRIED),
      ("services.*.cap_drop", "containers[].securityContext.capabilities.drop", Fate.CARRIED),
      ("services.*.read_only", "containers[].securityContext.readOnlyRootFilesystem",
       Fate.CARRIED),
      ("services.*.security_opt", "containers[].securityContext", Fate.PARTIAL,
       "no-new-privileges -> allowPrivilegeEscalation: false; seccomp:unconfined and "
       "apparmor:unconfined -> profiles of type Unconfined; label:user/role/type/level -> "
       "seLinuxOptions; other options are not carried"),
      ("services.*.sysctls", "securityContext.sysctls (Pod)", Fate.CARRIED,
       "unsafe sysctls must be allowed on the kubelet"),
      ("services.*.network_mode", "hostNetwork (Pod)", Fate.PARTIAL,
       "host -> hostNetwork (dnsPolicy ClusterFirstWithHostNet); none, service: and "
       "container: are not carried"),
      ("services.*.net", "hostNetwork (Pod)", Fate.PARTIAL, "as network_mode"),
      ("services.*.pid", "hostPID (Pod)", Fate.PARTIAL, "host only"),
      ("services.*.ipc", "hostIPC (Pod)", Fate.PARTIAL, "host only; shareable and private "
       "need nothing"),
      ("services.*.userns_mode", "", Fate.PARTIAL,
       "host is Kubernetes' default; other modes are not carried"),
      ("services.*.runtime", "runtimeClassName (Pod)", Fate.REWRITTEN,
       "a RuntimeClass of that name must exist"))
def build_security(ctx: Context, pod: Pod) -> None:
    svc = pod.svc
    if svc.get("privileged") is True:
        pod.security["privileged"] = True
    caps: dict[str, list[str]] = {}
    for key, field_name in (("cap_add", "add"), ("cap_drop", "drop")):
        values = svc.get(key)
        if isinstance(values, list) and values:
            caps[field_name] = [_cap(str(v)) for v in values]
    if caps:
        pod.security["capabilities"] = caps
    if svc.get("read_only") is True:
        pod.security["readOnlyRootFilesystem"] = True
    opts = svc.get("security_opt")
    for i, opt in enumerate(opts if isinstance(opts, list) else []):
        _security_opt(ctx, pod, str(opt), _p(pod, "security_opt", i))
    sysctls = svc.get("sysctls")
    if isinstance(sysctls, Mapping) and sysctls:
        pod.pod_security["sysctls"] = [{"name": str(k), "value": str(v)}
                                       for k, v in sysctls.items()]
    mode_key = "network_mode" if svc.get("network_mode") is not None else "net"
    mode = svc.get(mode_key)
    if mode is not None and ctx.written(_p(pod, mode_key)):
        text = str(mode)
        if text == "host":
            pod.spec["hostNetwork"] = True
            pod.spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        elif text not in ("bridge", "default") and not text.startswith("bridge"):
            ctx.loss(_p(pod, mode_key), f"network_mode '{text}' has no Pod equivalent "
                     "(containers share a network namespace only inside one Pod)",
                     "security")
    for key, field_name in (("pid", "hostPID"), ("ipc", "hostIPC")):
        value = svc.get(key)
        if value is None or not ctx.written(_p(pod, key)):
            continue
        if value == "host":
            pod.spec[field_name] = True
        elif value not in ("private", "shareable"):
            ctx.loss(_p(pod, key), f"{key} '{value}' has no Pod equivalent (only containers "
                     "of one Pod share namespaces)", "security")
    userns = svc.get("userns_mode")
    if userns not in (None, "", "host") and ctx.written(_p(pod, "userns_mode")):
        ctx.loss(_p(pod, "userns_mode"), f"userns_mode '{userns}' is not carried", "security")
    runtime = svc.get("runtime")
    if runtime:
        pod.spec["runtimeClassName"] = sanitize(str(runtime), limit=253)
        ctx.rewrite(_p(pod, "runtime"), f"runtime `{runtime}` written as runtimeClassName: "
                    "a RuntimeClass of that name must exist in the cluster", "security")


def _cap(name: str) -> str:
    upper = name.upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def _security_opt(ctx: Context, pod: Pod, opt: str, parts: KeyPath) -> None:
    key, sep, value = opt.replace("=", ":", 1).partition(":")
    if key == "no-new-privileges" and (not sep or value in ("true", "")):
        pod.security["allowPrivilegeEscalation"] = False
        return
    if key == "no-new-privileges" and value == "false":
        return
    if key == "seccomp" and value == "unconfined":
        pod.security["seccompProfile"] = {"type": "Unconfined"}
        return
    if key == "apparmor" and value == "unconfined":
        if ctx.options.kube_minor >= 30:
            pod.security["appArmorProfile"] = {"type": "Unconfined"}
        else:
            cname = ctx.names.containers.get(f"c:{pod.name}")
            pod.annotations[f"container.apparmor.security.beta.kubernetes.io/{cname}"] = \
                "unconfined"
        return
    if key == "label":
        sub, _, lvalue = value.partition(":")
        if sub in ("user", "role", "type", "level") and lvalue:
            pod.security.setdefault("seLinuxOptions", {})[sub] = lvalue
            return
    ctx.loss(parts, f"security_opt `{opt}` is not carried", "security")


# ---------------------------------------------------------------------------
# name resolution, lifecycle
# ---------------------------------------------------------------------------


@builder("extra_hosts", "dns", "dns_search", "dns_opt")
@maps(("services.*.extra_hosts", "hostAliases (Pod)", Fate.CARRIED,
       "host-gateway is not carried"),
      ("services.*.dns", "dnsConfig.nameservers (Pod)", Fate.REWRITTEN,
       "added to the cluster's DNS server (which still answers first), at most 3"),
      ("services.*.dns_search", "dnsConfig.searches (Pod)", Fate.CARRIED),
      ("services.*.dns_opt", "dnsConfig.options (Pod)", Fate.CARRIED))
def build_dns(ctx: Context, pod: Pod) -> None:
    svc = pod.svc
    hosts = svc.get("extra_hosts")
    aliases: dict[str, list[str]] = {}
    for i, entry in enumerate(hosts if isinstance(hosts, list) else []):
        host, _, ip = str(entry).partition("=")
        if ip == "host-gateway" or not ip:
            ctx.loss(_p(pod, "extra_hosts", i), f"extra host `{entry}` is not carried "
                     "(host-gateway is Docker's address of the host)", "dns")
            continue
        aliases.setdefault(ip, []).append(host)
    if aliases:
        pod.spec["hostAliases"] = [{"ip": ip, "hostnames": names_}
                                   for ip, names_ in aliases.items()]
    config: dict[str, Any] = {}
    dns = svc.get("dns")
    if isinstance(dns, list) and dns:
        config["nameservers"] = [str(d) for d in dns[:3]]
        ctx.rewrite(_p(pod, "dns"), "dns servers are added after the cluster's DNS server "
                    "(Service names keep resolving)", "dns")
        if len(dns) > 3:
            ctx.loss(_p(pod, "dns"), "more than 3 DNS servers: the others are not carried",
                     "dns")
    search = svc.get("dns_search")
    if isinstance(search, list) and search:
        config["searches"] = [str(s) for s in search]
    opts = svc.get("dns_opt")
    if isinstance(opts, list) and opts:
        out = []
        for o in opts:
            name, sep, value = str(o).partition(":")
            out.append({"name": name, "value": value} if sep else {"name": name})
        config["options"] = out
    if config:
        pod.spec["dnsConfig"] = config


@builder("stop_grace_period", "post_start", "pre_stop")
@maps(("services.*.stop_grace_period", "terminationGracePeriodSeconds (Pod)", Fate.CARRIED,
       "whole seconds, rounded up"),
      ("services.*.post_start", "containers[].lifecycle.postStart.exec", Fate.PARTIAL,
       "one hook; user, privileged, working_dir and environment are not carried"),
      ("services.*.pre_stop", "containers[].lifecycle.preStop.exec", Fate.PARTIAL,
       "one hook; user, privileged, working_dir and environment are not carried"))
def build_lifecycle(ctx: Context, pod: Pod) -> None:
    grace = duration_seconds(pod.svc.get("stop_grace_period"))
    if grace is not None:
        pod.spec["terminationGracePeriodSeconds"] = whole_seconds(grace)
    lifecycle: dict[str, Any] = {}
    for key, field_name in (("post_start", "postStart"), ("pre_stop", "preStop")):
        hooks = pod.svc.get(key)
        if not isinstance(hooks, list) or not hooks:
            continue
        first = hooks[0] if isinstance(hooks[0], Mapping) else {}
        command = first.get("command")
        if isinstance(command, list) and command:
            lifecycle[field_name] = {"exec": {"command": [escape_dollars(str(c))
                                                          for c in command]}}
        for extra in ("user", "privileged", "working_dir", "environment"):
            if first.get(extra) and ctx.written(_p(pod, key, 0, extra)):
                ctx.loss(_p(pod, key, 0, extra), f"{key} hook {extra} is not carried "
                         "(the hook runs like the container)", "lifecycle")
        for i in range(1, len(hooks)):
            ctx.loss(_p(pod, key, i), f"only the first {key} hook is carried (a container "
                     "has one)", "lifecycle")
    if lifecycle:
        pod.container["lifecycle"] = lifecycle


# ---------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------


@builder("networks")
@maps(("services.*.networks", "NetworkPolicy `network-<name>` (with --network-policy)",
       Fate.PARTIAL,
       "each network admits traffic from its members; published ports admit everyone; "
       "internal networks also limit egress. aliases -> extra Services; ipv4_address, "
       "ipv6_address, mac_address, link_local_ips, priority and driver_opts are not "
       "carried"),
      ("networks.*", "NetworkPolicy (with --network-policy)", Fate.PARTIAL,
       "without --network-policy every Pod reaches every other"),
      ("networks.*.internal", "NetworkPolicy egress", Fate.CARRIED, "with --network-policy"),
      ("networks.*.driver", "", Fate.LOST), ("networks.*.driver_opts", "", Fate.LOST),
      ("networks.*.ipam", "", Fate.LOST), ("networks.*.attachable", "", Fate.LOST),
      ("networks.*.enable_ipv6", "", Fate.LOST), ("networks.*.enable_ipv4", "", Fate.LOST),
      ("networks.*.external", "", Fate.LOST), ("networks.*.labels", "", Fate.LOST),
      ("networks.*.name", "", Fate.CONSUMED))
def build_networks(ctx: Context, pod: Pod) -> None:
    nets = pod.svc.get("networks")
    if not isinstance(nets, Mapping):
        return
    for net, spec in nets.items():
        if ctx.options.network_policy:
            pod.labels[NETWORK_LABEL_PREFIX + sanitize(str(net))] = "true"
        if not isinstance(spec, Mapping):
            continue
        parts = _p(pod, "networks", str(net))
        for key in ("ipv4_address", "ipv6_address", "mac_address", "link_local_ips",
                    "priority", "gw_priority", "driver_opts", "interface_name"):
            if spec.get(key) and ctx.written((*parts, key)):
                ctx.loss((*parts, key), f"network {key} is not carried: the cluster "
                         "assigns Pod addresses", "networks")
        if spec.get("aliases") and ctx.written((*parts, "aliases")):
            ctx.rewrite((*parts, "aliases"), "network aliases written as extra Services "
                        "(they resolve in the whole namespace, not only on this network)",
                        "networks")


def build_network_policies(ctx: Context) -> None:
    nets = ctx.view.networks
    used = {n for p in ctx.plans.values() for n in p.networks}
    if not ctx.options.network_policy:
        for n in sorted(used):
            parts: KeyPath = ("networks", n)
            if ctx.written(parts):
                ctx.loss(parts, f"network `{n}` is not carried: every Pod can reach every "
                         "other (use --network-policy to write NetworkPolicies)", "networks")
        return
    for n in sorted(used):
        spec = nets.get(n) or {}
        for key in ("driver", "driver_opts", "ipam", "attachable", "enable_ipv6",
                    "enable_ipv4", "labels"):
            if spec.get(key) and ctx.written(("networks", n, key)):
                ctx.loss(("networks", n, key), f"network {key} is not carried (the cluster's "
                         "network plugin decides)", "networks")
        if spec.get("external") and ctx.written(("networks", n, "external")):
            ctx.loss(("networks", n, "external"), "an external network is written as a "
                     "policy over this project's Pods only", "networks")
        label = NETWORK_LABEL_PREFIX + sanitize(n)
        members = {"matchLabels": {label: "true"}}
        ctx.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": ctx.metadata(ctx.names.policies.get(f"net:{n}")),
                 "spec": {"podSelector": members, "policyTypes": ["Ingress"],
                          "ingress": [{"from": [{"podSelector": members}]}]}})
    for name, p in ctx.plans.items():
        if p.published:
            ports = sorted({(q.target, q.protocol) for q in p.published})
            ctx.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": ctx.metadata(ctx.names.policies.get(f"pub:{name}"), name),
                     "spec": {"podSelector": {"matchLabels": ctx.selector(name)},
                              "policyTypes": ["Ingress"],
                              "ingress": [{"ports": [{"port": t, "protocol": proto.upper()}
                                                     for t, proto in ports]}]}}, name)
        if _internal_only(ctx.view, p):
            egress: list[dict[str, Any]] = [
                {"to": [{"podSelector": {"matchLabels": {
                    NETWORK_LABEL_PREFIX + sanitize(n): "true"}}}]} for n in p.networks]
            egress.append({"ports": [{"port": 53, "protocol": "UDP"},
                                     {"port": 53, "protocol": "TCP"}]})
            ctx.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": ctx.metadata(ctx.names.policies.get(f"egress:{name}"), name),
                     "spec": {"podSelector": {"matchLabels": ctx.selector(name)},
                              "policyTypes": ["Egress"], "egress": egress}}, name)


# ---------------------------------------------------------------------------
# assembling a workload
# ---------------------------------------------------------------------------

_CONTAINER_ORDER = ("name", "image", "imagePullPolicy", "command", "args", "workingDir",
                    "env", "envFrom", "ports", "resources", "readinessProbe", "livenessProbe",
                    "startupProbe", "lifecycle", "securityContext", "volumeMounts", "tty",
                    "stdin")


def _workload_manifest(ctx: Context, pod: Pod) -> dict[str, Any]:
    name = ctx.names.workloads.get(f"wl:{pod.name}")
    container = dict(pod.container)
    container["name"] = ctx.names.containers.get(f"c:{pod.name}")
    resources: dict[str, Any] = {}
    if pod.limits:
        resources["limits"] = dict(sorted(pod.limits.items()))
    if pod.requests:
        resources["requests"] = dict(sorted(pod.requests.items()))
    if resources:
        container["resources"] = resources
    if pod.security:
        container["securityContext"] = pod.security
    if pod.mounts:
        container["volumeMounts"] = pod.mounts
    container = {k: container[k] for k in _CONTAINER_ORDER if k in container}
    spec: dict[str, Any] = {}
    if pod.init_containers:
        spec["initContainers"] = pod.init_containers
    spec["containers"] = [container]
    for key in ("restartPolicy", "terminationGracePeriodSeconds", "hostname",
                "shareProcessNamespace", "hostNetwork", "hostPID", "hostIPC", "dnsPolicy",
                "dnsConfig", "hostAliases", "nodeSelector", "affinity", "runtimeClassName"):
        if key in pod.spec:
            spec[key] = pod.spec[key]
    if pod.pod_security:
        spec["securityContext"] = pod.pod_security
    if pod.volumes:
        spec["volumes"] = pod.volumes
    template_meta: dict[str, Any] = {"labels": {**ctx.selector(pod.name), **pod.labels}}
    if pod.annotations:
        template_meta["annotations"] = dict(sorted(pod.annotations.items()))
    meta = ctx.metadata(name, pod.name)
    meta["labels"].update(pod.workload_labels)
    if pod.workload_annotations:
        meta["annotations"] = dict(sorted(pod.workload_annotations.items()))
    kind = pod.plan.workload
    wspec: dict[str, Any] = {}
    if kind is not Workload.DAEMONSET:
        wspec["replicas"] = pod.replicas
    if kind is Workload.STATEFULSET:
        key = "headless" if not pod.plan.headless else "svc"
        wspec["serviceName"] = ctx.names.services.get(f"{key}:{pod.name}")
    wspec["selector"] = {"matchLabels": ctx.selector(pod.name)}
    wspec.update(pod.workload_spec)
    wspec["template"] = {"metadata": template_meta, "spec": spec}
    if pod.claim_templates:
        wspec["volumeClaimTemplates"] = [
            {"metadata": {"name": t["metadata"]["name"],
                          "labels": ctx.common_labels(pod.name)}, "spec": t["spec"]}
            for t in pod.claim_templates]
    return {"apiVersion": "apps/v1", "kind": kind.value, "metadata": meta, "spec": wspec}


# ---------------------------------------------------------------------------
# the whole project
# ---------------------------------------------------------------------------

@maps(("name", "label app.kubernetes.io/part-of", Fate.CARRIED,
       "on every object; no namespace is written (use kubectl -n or the kustomization)"),
      ("include", "", Fate.CONSUMED, "resolved by the loader"),
      ("version", "", Fate.CONSUMED, "obsolete; ignored as by Compose"),
      ("models", "", Fate.LOST, "Kubernetes has no model runner"))
def build_top_level(ctx: Context) -> None:
    if ctx.view.written(("models",)):
        ctx.loss(("models",), "`models` is not carried: Kubernetes has no model runner",
                 "unsupported")


def _unhandled(ctx: Context, name: str, svc: Mapping[str, Any]) -> None:
    """A loss for each written service key no builder carries."""
    from composekit.lint.rules.runtime.kubernetes_unsupported_key import (
        KUBERNETES_UNSUPPORTED,
    )

    for key in svc:
        if key in HANDLED_KEYS or not isinstance(key, str) or key.startswith("x-"):
            continue
        parts: KeyPath = ("services", name, key)
        value = svc[key]
        if not ctx.written(parts) or value in (None, [], {}, ""):
            continue
        if key == "pids_limit" and (_float(value) or 0) <= 0:
            continue  # unlimited, as on Kubernetes
        reason = KUBERNETES_UNSUPPORTED.get(key) if key not in CARRIED_DESPITE_LINT else None
        ctx.loss(parts, f"`{key}` is not carried: {reason or UNCONVERTED}", "unsupported")


def transform(view: ProjectView, options: KubeOptions) -> tuple[list[Manifest], KubeReport]:
    """Every Kubernetes object for the project's enabled services, and the report."""
    plans, names = plan(view, options)
    ctx = Context(view, options, names, plans)
    for name, svc in view.services.items():
        for m in mounts(name, svc):
            if m.type == "volume" and m.source:
                users = ctx.volume_users.setdefault(m.source, [])
                if name not in users:
                    users.append(name)
    used: dict[str, set[str]] = {"configs": set(), "secrets": set()}
    for name, p in plans.items():
        pod = Pod(p)
        for fn in BUILDERS:
            fn(ctx, pod)
        _unhandled(ctx, name, p.svc)
        for kind in ("configs", "secrets"):
            for ref in p.svc.get(kind) or []:
                if isinstance(ref, Mapping) and ref.get("source"):
                    used[kind].add(str(ref["source"]))
        ctx.add(_workload_manifest(ctx, pod), name)
    build_claims(ctx)
    build_file_objects(ctx, used)
    build_network_policies(ctx)
    build_top_level(ctx)
    manifests = sorted(ctx.manifests, key=sort_key)
    return manifests, ctx.report
