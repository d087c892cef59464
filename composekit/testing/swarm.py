"""``composekit test --swarm``: deploy a file in stack form on the local swarm, check it, remove it.

:class:`SwarmEnv` has the same shape as :class:`~composekit.testing.harness.ComposeEnv`
(``prepare``, ``launch``, ``run_checks``, ``close``, ``endpoint``, ``exec``, ``logs``):

1. lint the files, then read them with ``docker stack config`` (the docker
   CLI's own loader, so a file that is not in stack form is refused as
   ``docker stack deploy`` would refuse it); every image must exist locally,
   after the image map (a swarm cannot build, and nothing is pulled:
   ``--resolve-image never``);
2. join a swarm: use the active one, or ``docker swarm init --advertise-addr
   127.0.0.1`` and leave it again at the end (with ``docker_gwbridge`` when the
   init created it), so the engine is left as it was found;
3. ``docker stack deploy`` under a unique stack name, then wait until every
   service has its N/N replicas running (a task with a health check only counts
   once healthy); fails fast on repeated task failures or a missing image;
4. probe the published ports: ``mode: host`` ports through the task
   containers' bindings, ingress ports on the host (the routing mesh needs
   IPVS, which some machines lack: publish with ``mode: host`` there);
5. ``docker stack rm``, waiting until the stack's containers and networks are
   gone, then its volumes (which ``stack rm`` keeps) are removed.

Several composekit runs may share the swarm: a shared lock on
``$TMPDIR/composekit-swarm.lock`` marks a run in progress, and the swarm is
left only by the last run, and only if composekit initialised it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shlex
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from composekit.diagnostics import Diagnostic
from composekit.errors import HarnessError, UsageError
from composekit.testing.checks import Check, CheckRunner, EndpointError, probe_tcp
from composekit.testing.harness import (
    ERROR_LINES,
    MIN_PORT_WINDOW,
    POLL_INTERVAL,
    SUMMARY_INTERVAL,
    _deferred_signals,
    _tail,
    lint_outcome,
)
from composekit.testing.imagemap import ImageMap, image_map
from composekit.testing.results import ExecResult, Outcome, failed, passed, skipped
from composekit.testing.wait import Phase, ProgressEvent

STACK_LABEL = "com.docker.stack.namespace"
SERVICE_LABEL = "com.docker.swarm.service.name"
#: Seconds ``docker stack rm`` may take until the stack's containers and networks are gone.
REMOVE_TIMEOUT = 120.0
#: Failed tasks of one service that make a crash loop. A swarm reschedules a failed task
#: in a second or two, so three take about as long as five local container restarts.
CRASH_LOOP_TASKS = 3
#: Seconds a service must keep its replicas running (no new failed task) to be ready.
SETTLE = 1.0

ProgressCallback = Callable[[ProgressEvent], None]


def _lock_dir() -> str:
    return tempfile.gettempdir()


@dataclass
class _Docker:
    """Runs docker CLI commands with the stack's environment."""

    environ: dict[str, str]

    def run(self, *args: str, timeout: float = 60.0, check: bool = False) -> tuple[int, str, str]:
        from composekit.testing._driver import ProcessRunner

        runner = ProcessRunner(environ=self.environ)
        result = runner.run(["docker", *args], check=False, timeout=timeout)
        out = result.stdout.decode(errors="replace")
        err = result.stderr.decode(errors="replace")
        if check and result.returncode != 0:
            raise HarnessError(f"docker {' '.join(args[:3])} failed: {_tail(err, 5)}")
        return result.returncode, out, err

    def attempt(self, *args: str, timeout: float = 60.0) -> tuple[int, str, str]:
        """:meth:`run` that never raises: a timeout is exit code 124 with the reason."""
        try:
            return self.run(*args, timeout=timeout)
        except HarnessError as exc:
            return 124, "", str(exc)


@dataclass
class SwarmSession:
    """Membership of the local swarm for one run; see the module docstring."""

    docker: _Docker
    initialised: bool = False
    _lock: IO[str] | None = field(default=None, repr=False)

    @property
    def _owner_path(self) -> str:
        return os.path.join(_lock_dir(), "composekit-swarm.owner")

    def join(self) -> str:
        """Make sure this engine is an active swarm manager; a description of what was done."""
        self._lock = open(os.path.join(_lock_dir(), "composekit-swarm.lock"), "a+")  # noqa: SIM115
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            state, manager, node = self._state()
            if state == "active":
                if not manager:
                    raise HarnessError("this engine is a swarm worker; a stack can only be "
                                       "deployed on a manager")
                note = "using the active swarm"
            elif state == "inactive":
                gwbridge = self._network_exists("docker_gwbridge")
                code, _, err = self.docker.run("swarm", "init", "--advertise-addr", "127.0.0.1",
                                               timeout=60)
                if code != 0:
                    raise HarnessError(f"docker swarm init failed: {_tail(err, 5)}")
                _, _, node = self._state()
                with open(self._owner_path, "w", encoding="utf-8") as fh:
                    json.dump({"node": node, "gwbridge_existed": gwbridge}, fh)
                self.initialised = True
                note = "initialised a single-node swarm (it is left again afterwards)"
            else:
                raise HarnessError(f"the swarm is {state or 'in an unknown state'}; "
                                   "expected active or inactive")
        except BaseException:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None
            raise
        fcntl.flock(self._lock, fcntl.LOCK_SH)
        return note

    def leave(self) -> str:
        """Leave the swarm when composekit initialised it and no other run uses it."""
        if self._lock is None:
            return ""
        try:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return "the swarm is still used by another composekit run; left as it is"
            owner = self._owner()
            if owner is None:
                return ""
            _, _, node = self._state()
            if owner.get("node") != node:
                os.unlink(self._owner_path)
                return ""
            code, _, err = self.docker.run("swarm", "leave", "--force", timeout=60)
            if code != 0:
                return f"docker swarm leave failed: {_tail(err, 3)}"
            if not owner.get("gwbridge_existed"):
                self.docker.run("network", "rm", "docker_gwbridge", timeout=30)
            os.unlink(self._owner_path)
            return "left the swarm composekit had initialised"
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def disown(self) -> bool:
        """Keep the swarm (a stack stays on it): no later run leaves it. True if it was ours."""
        if self._lock is None:
            return False
        ours = self.initialised and self._owner() is not None
        if ours:
            with contextlib.suppress(OSError):
                os.unlink(self._owner_path)
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        self._lock = None
        return ours

    def _owner(self) -> dict[str, Any] | None:
        try:
            with open(self._owner_path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _state(self) -> tuple[str, bool, str]:
        code, out, err = self.docker.run(
            "info", "--format",
            "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}", timeout=30)
        if code != 0:
            raise HarnessError(f"docker info failed: {_tail(err, 3)}")
        parts = [*out.split(), "", "", ""]
        return parts[0], parts[1] == "true", parts[2]

    def _network_exists(self, name: str) -> bool:
        code, _, _ = self.docker.run("network", "inspect", name, timeout=30)
        return code == 0


@dataclass(frozen=True)
class Task:
    """One swarm task as ``docker stack ps`` shows it."""

    service: str
    slot: str
    current: str
    desired: str
    error: str

    @property
    def state(self) -> str:
        """The current state without its age (``Running``, ``Starting``, ``Failed``...)."""
        return self.current.split(" ", 1)[0] if self.current else ""


class SwarmEnv:
    """One stack deployed on the local swarm, always removed (unless ``keep``)."""

    def __init__(
        self,
        files: Sequence[str | os.PathLike[str]] = (),
        *,
        project_dir: str | os.PathLike[str] | None = None,
        stack_name: str | None = None,
        services: Sequence[str] | None = None,
        env_files: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        image_map: ImageMap | Mapping[str, str] | Sequence[str] | None = None,
        one_shot: Sequence[str] = (),
        timeout: float = 120.0,
        keep: bool = False,
        log_lines: int = 30,
        lint: bool = True,
        check_ports: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        self.files = [os.fspath(f) for f in files]
        self.project_dir = os.fspath(project_dir) if project_dir is not None else None
        self.requested_name = stack_name
        self.selected = list(services) if services else None
        self.env_files = [os.path.abspath(f) for f in env_files]
        self.environ = {**(os.environ if environ is None else environ), **(env or {})}
        self.image_map = _image_map(image_map)
        self.declared_one_shot = list(one_shot)
        if timeout <= 0:
            raise UsageError(f"timeout must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.keep = keep
        self.log_lines = log_lines
        self.lint = lint
        self.check_ports_enabled = check_ports
        self.on_progress = on_progress

        self.project_name = ""
        self.stack_files: list[str] = []
        self.config: dict[str, Any] = {}
        self.one_shot: frozenset[str] = frozenset()
        self.lint_diagnostics: list[Diagnostic] = []
        self.outcomes: list[Outcome] = []
        self.failure_logs: dict[str, str] = {}
        self.teardown_outcome: Outcome | None = None
        self._docker = _Docker(self.environ)
        self._session: SwarmSession | None = None
        self._deployed = False
        self._tmpdir: str | None = None
        self._started = False
        self._deadline = 0.0
        self._t0 = time.monotonic()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> SwarmEnv:
        try:
            outcomes = self.prepare()
            if not any(o.failed for o in outcomes):
                outcomes = self.launch()
        except BaseException:
            self.close()
            raise
        if any(o.failed for o in outcomes):
            from composekit.testing.harness import StackNotReady

            teardown = self.close()
            raise StackNotReady([*outcomes, teardown], self.project_name)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self) -> list[Outcome]:
        """Lint, read the stack with ``docker stack config``, check the images exist."""
        if self._started:
            raise UsageError("this SwarmEnv was already started; create a new one")
        self._started = True
        self._t0 = time.monotonic()
        return self._steps([self._lint_step, self._config_step])

    def launch(self) -> list[Outcome]:
        """Join the swarm, deploy, wait for every replica, probe the ports."""
        if not self._started:
            self.prepare()
        if any(o.failed for o in self.outcomes):
            return list(self.outcomes)
        steps: list[Callable[[], list[Outcome]]] = [self._deploy_step]
        if self.check_ports_enabled:
            steps.append(self._ports_step)
        return self._steps(steps)

    def close(self) -> Outcome:
        """Remove the stack and its volumes; leave the swarm if this run joined it."""
        if self.teardown_outcome is not None:
            return self.teardown_outcome
        if self.keep and self._deployed:
            note = ""
            if self._session is not None:
                if self._session.disown():
                    note = ("; the swarm initialised for it stays active (docker swarm leave "
                            "--force when done)")
                self._session = None
            self.teardown_outcome = skipped(
                "teardown", "teardown",
                f"kept running (--keep): stack {self.project_name}; remove it with "
                f"docker stack rm {self.project_name}{note}")
            return self.teardown_outcome
        start = time.monotonic()
        with _deferred_signals():
            outcome = self._teardown(start)
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
        self.teardown_outcome = outcome
        self._stage("teardown", f"teardown: {outcome.message}")
        return outcome

    def _steps(self, steps: Sequence[Callable[[], list[Outcome]]]) -> list[Outcome]:
        for step in steps:
            outcomes = step()
            self.outcomes.extend(outcomes)
            if any(o.failed for o in outcomes):
                self._collect_failure_logs()
                break
        return list(self.outcomes)

    # ------------------------------------------------------------------ steps

    def _lint_step(self) -> list[Outcome]:
        from composekit.loader.files import select_files

        selection = select_files(self.files, project_dir=self.project_dir,
                                 environ=self.environ)
        self.stack_files = list(selection.files)
        self._context = selection.project_dir
        if not self.lint:
            return []
        self._stage("lint", "lint " + ", ".join(self.stack_files))
        outcome, self.lint_diagnostics = lint_outcome(
            self.files, self.project_dir, env_files=self.env_files, profiles=(),
            environ=self.environ, runtime="stack")
        return [outcome]

    def _config_step(self) -> list[Outcome]:
        if not self.stack_files:
            return [failed("config", "stack config", "no stack file found")]
        if shutil.which("docker", path=self.environ.get("PATH")) is None:
            raise HarnessError("the docker command is not on PATH")
        if self.selected:
            return [failed("config", "stack config",
                           "--service cannot be used with --swarm: docker stack deploy "
                           "deploys every service of the file")]
        config, error = self._stack_config(self.stack_files)
        if config is None:
            return [failed("config", "stack config",
                           f"docker stack config refused the file (not in stack form?): {error}")]
        base = os.path.basename(self._context) or "stack"
        self.project_name = self.requested_name or _unique_stack_name(base)
        override = self._image_override(config)
        files = list(self.stack_files)
        if override:
            self._tmpdir = tempfile.mkdtemp(prefix="composekit-swarm-")
            path = os.path.join(self._tmpdir, "composekit-image-map.yaml")
            version = str(config.get("version") or "3.8")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump({"version": version, "services": override}, fh, indent=2)
            files.append(path)
            for name, spec in override.items():
                config["services"][name]["image"] = spec["image"]
        self.stack_files = files
        self.config = config
        problems = []
        for name, spec in self._services().items():
            image = spec.get("image")
            if not image:
                problems.append(f"service {name} has no image (a swarm cannot build; build it "
                                "first and name it under image:)")
                continue
            code, _, _ = self._docker.run("image", "inspect", str(image), timeout=30)
            if code != 0:
                problems.append(f"service {name}: image {image} is not on this machine "
                                "(nothing is pulled: build or load it, or map it with "
                                "--image-map)")
        if problems:
            return [failed("config", "stack config", "; ".join(problems))]
        unknown = [s for s in self.declared_one_shot if s not in self._services()]
        if unknown:
            return [failed("config", "stack config",
                           f"no service {', '.join(map(repr, unknown))} in the stack")]
        self.one_shot = frozenset(self.declared_one_shot)
        return []

    def _stack_config(self, files: Sequence[str]) -> tuple[dict[str, Any] | None, str]:
        from ruamel.yaml import YAML

        args = ["stack", "config"]
        for f in files:
            args += ["-c", f]
        code, out, err = self._docker.run(*args, timeout=60)
        if code != 0 and ("unknown command" in err or "is not a docker command" in err):
            raise HarnessError("this docker client has no `docker stack config` (it needs a "
                               "newer docker CLI); --swarm cannot read the stack")
        if code != 0:
            return None, _tail(err, ERROR_LINES)
        try:
            data = YAML(typ="safe").load(out)
        except Exception as exc:  # any YAML error from the CLI's output
            return None, f"unreadable output ({exc})"
        if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
            return None, "no services"
        return data, ""

    def _image_override(self, config: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        if not self.image_map:
            return out
        for name, spec in (config.get("services") or {}).items():
            image = spec.get("image") if isinstance(spec, dict) else None
            if isinstance(image, str) and self.image_map.apply(image) != image:
                out[name] = {"image": self.image_map.apply(image)}
        if out:
            self._stage("config", "image map: " + "; ".join(
                f"{n}: {config['services'][n]['image']} -> {s['image']}"
                for n, s in out.items()))
        return out

    def _deploy_step(self) -> list[Outcome]:
        self._session = SwarmSession(self._docker)
        try:
            note = self._session.join()
        except HarnessError as exc:
            self._session = None
            return [failed("up", "swarm", str(exc))]
        self._stage("up", f"swarm: {note}")
        started = time.monotonic()
        deadline = started + self.timeout
        self._deadline = deadline
        args = ["stack", "deploy", "--detach=true", "--resolve-image", "never"]
        for f in self.stack_files:
            args += ["-c", f]
        self._stage("up", f"docker stack deploy {self.project_name}")
        self._deployed = True
        code, _, err = self._docker.run(*args, self.project_name,
                                        timeout=max(5.0, deadline - time.monotonic()))
        if code != 0:
            return [failed("up", "docker stack deploy", "docker stack deploy failed",
                           details=_tail(err, ERROR_LINES))]
        states: dict[str, tuple[Phase, str]] = {}
        ready_at: dict[str, float] = {}
        stable_since: dict[str, tuple[float, int]] = {}  # service -> (since, failed tasks)
        last_summary = time.monotonic()
        timed_out = False
        while True:
            now = time.monotonic()
            tasks = self.tasks()
            for service in self._services():
                phase, text = self._service_phase(service, tasks)
                failures = sum(1 for t in tasks if t.service == service
                               and t.state in ("Failed", "Rejected"))
                if phase is Phase.READY and service not in self.one_shot:
                    # Replicas must stay up for SETTLE seconds with no task failing
                    # meanwhile: a crashing task is "Running" for a moment too.
                    since, seen = stable_since.setdefault(service, (now, failures))
                    if seen != failures:
                        stable_since[service] = (now, failures)
                        since = now
                    if now - since < SETTLE:
                        phase, text = Phase.WAITING, f"{text} (settling)"
                else:
                    stable_since.pop(service, None)
                if states.get(service) != (phase, text):
                    self._emit(ProgressEvent(service, phase, text, self._elapsed()))
                states[service] = (phase, text)
                if phase is Phase.READY:
                    ready_at.setdefault(service, now - started)
                else:
                    ready_at.pop(service, None)
            if any(p is Phase.FAILED for p, _ in states.values()):
                break
            if states and all(p is Phase.READY for p, _ in states.values()):
                break
            if now >= deadline:
                timed_out = True
                break
            if now - last_summary >= SUMMARY_INTERVAL:
                waiting = ", ".join(f"{s} {t}" for s, (p, t) in states.items()
                                    if p is Phase.WAITING)
                self._stage("wait", f"still waiting for {waiting}")
                last_summary = now
            time.sleep(min(POLL_INTERVAL, max(0.0, deadline - now)))
        outcomes = []
        for service, (phase, text) in states.items():
            name = f"service {service}"
            if phase is Phase.READY:
                outcomes.append(passed("service", name,
                                       f"{text} after {ready_at.get(service, 0.0):.1f}s",
                                       service=service, duration=ready_at.get(service, 0.0)))
            else:
                message = (f"not ready after {self.timeout:g}s (timeout): {text}"
                           if timed_out and phase is Phase.WAITING else text)
                outcomes.append(failed("service", name, message, service=service,
                                       duration=now - started,
                                       details=self._task_errors(service, tasks)))
        return outcomes

    def _service_phase(self, service: str, tasks: Sequence[Task]) -> tuple[Phase, str]:
        mine = [t for t in tasks if t.service == service]
        spec = self._services().get(service) or {}
        deploy = spec.get("deploy") or {}
        wanted = 1 if deploy.get("mode") == "global" else int(deploy.get("replicas", 1))
        failures = [t for t in mine if t.state in ("Failed", "Rejected")]
        missing_image = next((t for t in failures if "No such image" in t.error), None)
        if missing_image is not None:
            return Phase.FAILED, f"task rejected: {missing_image.error}"
        if service in self.one_shot:
            if any(t.state == "Complete" for t in mine):
                return Phase.READY, "completed"
            if len(failures) >= 1 and not any(t.desired == "Running" for t in mine
                                              if t.state not in ("Failed", "Rejected")):
                return Phase.FAILED, f"one-shot task failed: {failures[-1].error}"
        running = [t for t in mine if t.desired == "Running" and t.state == "Running"]
        if len(failures) >= CRASH_LOOP_TASKS:
            last = failures[0].error or failures[0].current
            return Phase.FAILED, f"crash loop: {len(failures)} tasks failed, last: {last}"
        if service not in self.one_shot and wanted > 0 and len(running) >= wanted:
            return Phase.READY, f"{len(running)}/{wanted} replicas running"
        if wanted == 0:
            return Phase.READY, "scaled to 0"
        current = [t for t in mine if t.desired == "Running"]
        states = ", ".join(sorted({t.state.lower() for t in current})) or "no task yet"
        return Phase.WAITING, f"{len(running)}/{wanted} replicas running ({states})"

    def _task_errors(self, service: str, tasks: Sequence[Task]) -> str:
        lines = [f"{t.service}.{t.slot}: {t.current}" + (f": {t.error}" if t.error else "")
                 for t in tasks if t.service == service][:8]
        return "\n".join(lines)

    def _ports_step(self) -> list[Outcome]:
        targets: list[tuple[str, str, int, int, str]] = []  # service, host, port, target, mode
        for service in self._services():
            if service in self.one_shot:
                continue
            for host, port, target, mode in self._published(service):
                targets.append((service, host, port, target, mode))
        if not targets:
            return []
        deadline = max(self._deadline, time.monotonic() + MIN_PORT_WINDOW)
        pending = {t: "not tried" for t in targets}
        started = time.monotonic()
        while pending:
            for t in list(pending):
                problem = probe_tcp(t[1], t[2])
                if problem is None:
                    del pending[t]
                else:
                    pending[t] = problem
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(POLL_INTERVAL)
        out = []
        for t in targets:
            service, host, port, target, mode = t
            name = f"port {service} {port}->{target}/tcp ({mode})"
            if t in pending:
                hint = ("the swarm routing mesh (ingress) needs IPVS; publish with mode: host "
                        "where it is missing" if mode == "ingress" else
                        f"nothing answered on container port {target}")
                out.append(failed("port", name, f"{host}:{port} does not accept connections: "
                                  f"{pending[t]}", service=service,
                                  duration=time.monotonic() - started, details=hint))
            else:
                out.append(passed("port", name, f"{host}:{port} accepts connections",
                                  service=service, duration=time.monotonic() - started))
        return out

    def _teardown(self, start: float) -> Outcome:
        notes: list[str] = []
        problems: list[str] = []
        left: dict[str, list[str]] = {}
        try:
            if self._deployed:
                self._remove_stack(notes, problems)
                left = self._inventory()  # while still in the swarm (service ls needs it)
        finally:
            if self._session is not None:
                note = self._session.leave()
                if note:
                    notes.append(note)
                self._session = None
        took = time.monotonic() - start
        if any(left.values()):
            remaining = ", ".join(f"{k} not verified (docker could not list them)" if "?" in v
                                  else f"{len(v)} {k}" for k, v in left.items() if v)
            return failed("teardown", "teardown",
                          f"could not remove everything: {remaining} left "
                          f"(stack {self.project_name})", duration=took,
                          details="\n".join(problems))
        what = "removed the stack" if self._deployed else "nothing was deployed"
        return passed("teardown", "teardown", "; ".join([what, *notes]) + f" in {took:.1f}s",
                      duration=took, details="\n".join(problems))

    def _remove_stack(self, notes: list[str], problems: list[str]) -> None:
        """``docker stack rm``, wait until its objects are gone, remove what is left."""
        code, _, err = self._docker.attempt("stack", "rm", self.project_name, timeout=120)
        if code != 0:
            problems.append(f"docker stack rm failed: {_tail(err, 3)}")
        deadline = time.monotonic() + REMOVE_TIMEOUT
        while time.monotonic() < deadline:
            left = self._inventory()
            if not left["containers"] and not left["networks"] and not left["services"]:
                break
            time.sleep(POLL_INTERVAL)
        left = self._inventory()
        removals = (("services", ["service", "rm"]), ("containers", ["rm", "-f", "-v"]),
                    ("volumes", ["volume", "rm", "-f"]), ("networks", ["network", "rm"]))
        for kind, argv in removals:
            ids = [i for i in left[kind] if i != "?"]
            if not ids:
                continue
            code, _, err = self._docker.attempt(*argv, *ids, timeout=60)
            if code != 0:
                problems.append(f"removing {kind}: {_tail(err, 3)}")
            elif kind == "volumes":
                notes.append(f"removed {len(ids)} volume(s)")

    # ------------------------------------------------------------------ the running stack

    def service_names(self) -> list[str]:
        return list(self._services())

    def tasks(self) -> list[Task]:
        """The stack's tasks now, newest first per slot."""
        code, out, _ = self._docker.run("stack", "ps", self.project_name, "--no-trunc",
                                        "--format", "{{json .}}", timeout=30)
        if code != 0:
            return []
        prefix = f"{self.project_name}_"
        tasks = []
        for line in out.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            name = str(row.get("Name", ""))
            base, _, slot = name.rpartition(".")
            # History entries are shown as "\_ name.1"; drop the marker.
            base = base.replace("\\_", "").strip()
            if not base.startswith(prefix):
                continue
            tasks.append(Task(service=base[len(prefix):], slot=slot,
                              current=str(row.get("CurrentState", "")),
                              desired=str(row.get("DesiredState", "")),
                              error=str(row.get("Error", "")).strip().strip('"')))
        return tasks

    def _containers(self, service: str) -> list[str]:
        code, out, _ = self._docker.run(
            "ps", "-q", "--filter", f"label={SERVICE_LABEL}={self.project_name}_{service}",
            "--filter", "status=running", timeout=30)
        return out.split() if code == 0 else []

    def _published(self, service: str) -> list[tuple[str, int, int, str]]:
        """``(host, host_port, container_port, mode)`` of every published TCP port."""
        out: list[tuple[str, int, int, str]] = []
        code, raw, _ = self._docker.run("service", "inspect", f"{self.project_name}_{service}",
                                        "--format", "{{json .Endpoint.Ports}}", timeout=30)
        if code == 0:
            try:
                ports = json.loads(raw) or []
            except ValueError:
                ports = []
            for p in ports:
                if p.get("PublishMode") == "ingress" and p.get("PublishedPort") and \
                        p.get("Protocol", "tcp") == "tcp":
                    out.append(("127.0.0.1", int(p["PublishedPort"]), int(p["TargetPort"]),
                                "ingress"))
        for cid in self._containers(service):
            code, raw, _ = self._docker.run("inspect", "--format",
                                            "{{json .NetworkSettings.Ports}}", cid, timeout=30)
            try:
                bindings = json.loads(raw) if code == 0 else {}
            except ValueError:
                bindings = {}
            for key, values in (bindings or {}).items():
                port, _, proto = key.partition("/")
                if proto != "tcp" or not values:
                    continue
                v4 = [v for v in values if ":" not in v.get("HostIp", "")] or values
                host_ip = v4[0].get("HostIp", "")
                host = "127.0.0.1" if host_ip in ("", "0.0.0.0") else (
                    "::1" if host_ip == "::" else host_ip)
                out.append((host, int(v4[0]["HostPort"]), int(port), "host"))
        return out

    def endpoint(self, service: str, port: int, protocol: str = "tcp") -> tuple[str, int]:
        for host, host_port, target, _ in self._published(service):
            if target == int(port):
                return host, host_port
        raise EndpointError(f"container port {port}/{protocol} of service {service} is not "
                            "published (ports: with mode: host)")

    def host_port(self, service: str, port: int) -> int:
        return self.endpoint(service, port)[1]

    def service_url(self, service: str, port: int, path: str = "", *,
                    scheme: str = "http") -> str:
        host, host_port = self.endpoint(service, port)
        shown = f"[{host}]" if ":" in host else host
        return f"{scheme}://{shown}:{host_port}{path}"

    def exec(self, service: str, command: str | Sequence[str], *,
             timeout: float = 60.0) -> ExecResult:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        containers = self._containers(service)
        if not containers:
            raise HarnessError(f"service {service} has no running task to exec in")
        code, out, err = self._docker.run("exec", containers[0], *argv, timeout=timeout)
        return ExecResult(code, out, err)

    def logs(self, service: str | None = None, *, tail: int | None = None) -> str:
        names = [service] if service else list(self._services())
        chunks = []
        for name in names:
            args = ["service", "logs", "--raw", "--no-trunc"]
            if tail is not None:
                args += ["--tail", str(tail)]
            _, out, err = self._docker.run(*args, f"{self.project_name}_{name}", timeout=60)
            chunks.append(out + err)
        return "".join(chunks)

    def run_checks(self, checks: Sequence[Check]) -> list[Outcome]:
        runner = CheckRunner(self)
        outcomes = []
        for check in checks:
            self._stage("check", f"check {check.label}")
            outcomes.append(runner.run(check))
        self.outcomes.extend(outcomes)
        if any(o.failed for o in outcomes):
            self._collect_failure_logs()
        return [o.with_logs(self.failure_logs.get(o.service, "")) if o.failed and o.service
                else o for o in outcomes]

    # ------------------------------------------------------------------ helpers

    def _services(self) -> dict[str, Any]:
        services = self.config.get("services")
        return services if isinstance(services, dict) else {}

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def _stage(self, stage: str, text: str) -> None:
        self._emit(ProgressEvent(None, Phase.WAITING, text, self._elapsed(), stage))

    def _elapsed(self) -> float:
        return time.monotonic() - self._t0

    def _inventory(self) -> dict[str, list[str]]:
        """The stack's services, containers, networks and volumes (``"?"``: not listed)."""
        label = f"label={STACK_LABEL}={self.project_name}"
        out: dict[str, list[str]] = {}
        for kind, args in (("services", ["service", "ls", "-q"]), ("containers", ["ps", "-aq"]),
                           ("networks", ["network", "ls", "-q"]),
                           ("volumes", ["volume", "ls", "-q"])):
            code, text, _ = self._docker.attempt(*args, "--filter", label, timeout=30)
            out[kind] = text.split() if code == 0 else ["?"]
        return out

    def _collect_failure_logs(self) -> None:
        if not self._deployed or self.log_lines <= 0:
            return
        wanted = {o.service for o in self.outcomes if o.failed and o.service}
        for service in sorted(s for s in wanted if s and s not in self.failure_logs):
            self.failure_logs[service] = self.logs(service, tail=self.log_lines).rstrip()
        self.outcomes = [o.with_logs(self.failure_logs.get(o.service, ""))
                         if o.failed and o.service and not o.logs else o for o in self.outcomes]


def _unique_stack_name(base: str) -> str:
    stem = re.sub(r"[^a-z0-9_-]", "", base.lower()).strip("_-")[:20] or "stack"
    return f"{stem}-ck{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _image_map(value: ImageMap | Mapping[str, str] | Sequence[str] | None) -> ImageMap:
    if isinstance(value, str):
        return image_map([value])
    return image_map(value)

