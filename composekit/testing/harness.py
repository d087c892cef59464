"""``ComposeEnv``: bring a Compose project up, wait until it is ready, check it, tear it down.

Used by ``composekit test`` and by the pytest plugin; also a plain context manager::

    from composekit.testing import ComposeEnv

    with ComposeEnv(["fixtures/hitcounter/compose.yaml"],
                    image_map={"redis:7-alpine": "composekit/redis:bookworm-1"}) as env:
        url = env.service_url("web", 5000)          # http://127.0.0.1:49157
        print(env.exec("redis", "redis-cli ping").output)

The steps of :meth:`ComposeEnv.up`, each ending in an
:class:`~composekit.testing.results.Outcome`:

1. lint the files with composekit (a file with errors is never started);
2. ``docker compose config`` (the project as Compose reads it), and an
   override file for the image map;
3. ``docker compose build`` for services with a ``build`` section;
4. ``docker compose up --detach`` (testcontainers' ``DockerCompose.start``) in a
   worker thread, while the containers are polled: every service running and,
   where it has a health check, healthy; one-shot services exited 0; bounded by
   ``timeout``; fails fast on a crash, a crash loop or an unhealthy service;
5. every published TCP port accepts a connection.

:meth:`ComposeEnv.close` always runs ``docker compose down --volumes
--remove-orphans`` (unless ``keep``), then removes anything still labelled with
the project (a failed ``down``), with Ctrl-C deferred until it is done.
The project name is unique per instance (``<name>-ck<pid>-<6 hex>``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Severity
from composekit.errors import HarnessError, UsageError
from composekit.testing.checks import Check, CheckRunner, EndpointError, probe_tcp
from composekit.testing.imagemap import ImageMap, image_map
from composekit.testing.results import ExecResult, Outcome, failed, passed, skipped
from composekit.testing.wait import (
    DEFAULT_SETTLE,
    ContainerState,
    Phase,
    ProgressEvent,
    ReadinessTracker,
)

if TYPE_CHECKING:
    from composekit.testing._driver import ComposeDriver, ProcessRunner

#: Seconds between two polls of the containers.
POLL_INTERVAL = 0.5
#: Seconds between two "still waiting" summaries.
SUMMARY_INTERVAL = 10.0
#: Seconds ``docker compose down`` may take.
TEARDOWN_TIMEOUT = 180.0
#: Seconds every published port gets at least, even when readiness used the whole timeout.
MIN_PORT_WINDOW = 3.0
#: Seconds a listing of the running containers is reused by port lookups.
PS_CACHE_SECONDS = 1.0
#: Lines of compose's error output kept in an outcome.
ERROR_LINES = 20

ProgressCallback = Callable[[ProgressEvent], None]
PathArg = str | os.PathLike[str]


class StackNotReady(HarnessError):
    """The stack did not come up: lint errors, a failed build, a service down, a closed port."""

    def __init__(self, outcomes: Sequence[Outcome], project_name: str = "") -> None:
        self.outcomes = list(outcomes)
        self.project_name = project_name
        super().__init__(describe_failures(self.outcomes))


def describe_failures(outcomes: Sequence[Outcome]) -> str:
    """The failed outcomes with their details and log lines, as plain text."""
    lines: list[str] = []
    for o in outcomes:
        if not o.failed:
            continue
        lines.append(f"FAIL {o.name}: {o.message}")
        lines.extend(f"    {ln}" for ln in o.details.splitlines())
        if o.logs:
            lines.append(f"    --- last log lines of {o.service} ---")
            lines.extend(f"    {ln}" for ln in o.logs.splitlines())
    return "\n".join(lines) if lines else "no failure"


def unique_project_name(base: str) -> str:
    """``<base>-ck<pid>-<6 hex>``, a valid Compose project name."""
    from composekit.loader.files import normalize_project_name

    stem = normalize_project_name(base)[:40].rstrip("_-") or "stack"
    return f"{stem}-ck{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Publisher:
    """A published port of one container."""

    service: str
    host_ip: str
    host_port: int
    container_port: int
    protocol: str

    @property
    def host(self) -> str:
        if self.host_ip in ("", "0.0.0.0"):
            return "127.0.0.1"
        if self.host_ip == "::":
            return "::1"
        return self.host_ip

    @property
    def label(self) -> str:
        return f"{self.host_port}->{self.container_port}/{self.protocol}"


class ComposeEnv:
    """One Compose project, started under a unique name and always torn down.

    ``files`` are the Compose files (``-f``); ``project_dir`` a directory whose
    default files are used when ``files`` is empty. ``environ`` is the base
    environment (``os.environ`` when None) and ``env`` extra variables, both for
    interpolation and for ``docker compose``. ``services`` starts only these
    (and their dependencies). ``one_shot`` services must exit 0 (services others
    depend on with ``condition: service_completed_successfully`` are one-shot
    without saying so). ``timeout`` bounds the wait for readiness (and for the
    ports); ``build_timeout`` the image builds. With ``keep`` the stack is left
    running. ``on_progress`` receives a :class:`ProgressEvent` whenever a
    service changes state.
    """

    def __init__(
        self,
        files: Sequence[PathArg] = (),
        *,
        project_dir: PathArg | None = None,
        project_name: str | None = None,
        services: Sequence[str] | None = None,
        env_files: Sequence[PathArg] = (),
        profiles: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        image_map: ImageMap | Mapping[str, str] | Sequence[str] | None = None,
        one_shot: Sequence[str] = (),
        timeout: float = 120.0,
        build: bool = True,
        build_timeout: float = 900.0,
        keep: bool = False,
        log_lines: int = 30,
        lint: bool = True,
        check_ports: bool = True,
        settle: float = DEFAULT_SETTLE,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        self.files = [os.fspath(f) for f in files]
        self.project_dir = os.fspath(project_dir) if project_dir is not None else None
        self.requested_name = project_name
        self.selected = list(services) if services else None
        # docker compose runs in the project directory: make --env-file paths absolute.
        self.env_files = [os.path.abspath(os.fspath(f)) for f in env_files]
        self.profiles = list(profiles)
        self.environ = {**(os.environ if environ is None else environ), **(env or {})}
        self.image_map = _image_map(image_map)
        self.declared_one_shot = list(one_shot)
        if timeout <= 0:
            raise UsageError(f"timeout must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.build = build
        self.build_timeout = float(build_timeout)
        self.keep = keep
        self.log_lines = log_lines
        self.lint = lint
        self.check_ports_enabled = check_ports
        self.settle = settle
        self.on_progress = on_progress

        self.project_name = ""
        self.compose_files: list[str] = []
        self.config: dict[str, Any] = {}
        self.expected: list[str] = []
        self.one_shot: frozenset[str] = frozenset()
        self.lint_diagnostics: list[Diagnostic] = []
        self.outcomes: list[Outcome] = []
        #: Last log lines of each service that failed or was unhealthy/exited, by service.
        self.failure_logs: dict[str, str] = {}
        self.teardown_outcome: Outcome | None = None
        self._driver: ComposeDriver | None = None
        self._runner: ProcessRunner | None = None
        self._tmpdir: str | None = None
        self._context = self.project_dir or os.getcwd()
        self._mapped: dict[str, tuple[str, str]] = {}
        self._deadline = 0.0
        self._ps_cache: tuple[float, list[Any]] | None = None
        self._started = False
        self._t0 = time.monotonic()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> ComposeEnv:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> ComposeEnv:
        """:meth:`up`, and on any failure tear down and raise :class:`StackNotReady`."""
        try:
            outcomes = self.up()
        except BaseException:
            self.close()
            raise
        if any(o.failed for o in outcomes):
            teardown = self.close()
            raise StackNotReady([*outcomes, teardown], self.project_name)
        return self

    def up(self) -> list[Outcome]:
        """:meth:`prepare` then :meth:`launch`: every step's outcome (never raises for the stack).

        Raises :class:`~composekit.errors.HarnessError` only when Docker itself
        cannot be used (no ``docker`` command). Stops at the first failed step;
        the caller must :meth:`close` afterwards (the context manager does).
        """
        outcomes = self.prepare()
        if any(o.failed for o in outcomes):
            return outcomes
        return self.launch()

    def prepare(self) -> list[Outcome]:
        """Lint the files and read the project (``docker compose config``); nothing starts.

        Afterwards :attr:`config`, :attr:`expected` and :attr:`project_name` are known.
        """
        if self._started:
            raise UsageError("this ComposeEnv was already started; create a new one")
        self._started = True
        self._t0 = time.monotonic()
        return self._steps([self._lint_step, self._config_step])

    def launch(self) -> list[Outcome]:
        """Build, start and wait for the stack, then probe its ports (after :meth:`prepare`)."""
        if not self._started:
            self.prepare()
        if any(o.failed for o in self.outcomes):
            return list(self.outcomes)
        steps: list[Callable[[], list[Outcome]]] = [self._build_step, self._up_step]
        if self.check_ports_enabled:
            steps.append(self._ports_step)
        return self._steps(steps)

    def _steps(self, steps: Sequence[Callable[[], list[Outcome]]]) -> list[Outcome]:
        for step in steps:
            outcomes = step()
            self.outcomes.extend(outcomes)
            if any(o.failed for o in outcomes):
                self._collect_failure_logs()
                break
        return list(self.outcomes)

    def close(self) -> Outcome:
        """Tear the stack down (idempotent); the teardown's outcome."""
        if self.teardown_outcome is not None:
            return self.teardown_outcome
        if self.keep and self._driver is not None:
            files = " ".join(f"-f {shlex.quote(f)}" for f in self.compose_files)
            self.teardown_outcome = skipped(
                "teardown", "teardown",
                f"kept running (--keep): project {self.project_name}; remove it with "
                f"docker compose -p {self.project_name} {files} down -v --remove-orphans")
            return self.teardown_outcome
        start = time.monotonic()
        with _deferred_signals():
            if self._runner is not None:
                self._runner.stop_all()
            outcome = self._teardown(start)
            if self._tmpdir is not None and not self.keep:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
        self.teardown_outcome = outcome
        self._stage("teardown", f"teardown: {outcome.message}")
        return outcome

    # ------------------------------------------------------------------ steps

    def _lint_step(self) -> list[Outcome]:
        from composekit.loader.files import select_files

        selection = select_files(self.files, project_dir=self.project_dir,
                                 environ=self.environ)
        self.compose_files = [f for f in selection.files]
        self._context = selection.project_dir
        if not self.lint:
            return []
        self._stage("lint", "lint " + ", ".join(self.compose_files))
        outcome, self.lint_diagnostics = lint_outcome(
            self.files, self.project_dir, env_files=self.env_files, profiles=self.profiles,
            environ=self.environ, runtime="compose-v2")
        return [outcome]

    def _config_step(self) -> list[Outcome]:
        from composekit.testing._driver import ComposeDriver, ProcessRunner

        if not self.compose_files:
            where = self.project_dir or os.getcwd()
            return [failed("config", "compose config", f"no Compose file found in {where}")]
        if shutil.which("docker", path=self.environ.get("PATH")) is None:
            raise HarnessError("the docker command is not on PATH")
        self._runner = ProcessRunner(environ=dict(self.environ))
        probe = ComposeDriver(context=self._context, compose_file_name=self.compose_files,
                              env_file=self.env_files or None, profiles=self.profiles or None,
                              runner=self._runner)
        config, error = self._read_config(probe)
        if config is None:
            version = self._runner.run(["docker", "compose", "version"], check=False, timeout=30)
            if version.returncode != 0:
                raise HarnessError("`docker compose` (Compose v2) is not available: "
                                   + _tail(version.stderr.decode(errors="replace"), 2))
            return [failed("config", "compose config",
                           f"docker compose config refused the project: {error}")]
        self.project_name = self.requested_name or unique_project_name(
            str(config.get("name") or os.path.basename(self._context)))
        files = list(self.compose_files)
        override = self._image_override(config)
        if override:
            self._tmpdir = tempfile.mkdtemp(prefix="composekit-test-")
            path = os.path.join(self._tmpdir, "composekit-image-map.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump({"services": override}, fh, indent=2)
            files.append(path)
        self._driver = ComposeDriver(
            context=self._context, compose_file_name=files, env_file=self.env_files or None,
            profiles=self.profiles or None, services=None, build=False, wait=False,
            project_name=self.project_name, runner=self._runner,
        )
        self.compose_files = files
        for name, spec in override.items():
            config["services"][name]["image"] = spec["image"]
        self.config = config
        known = set(self._services_config())
        unknown = [s for s in (self.selected or []) + self.declared_one_shot if s not in known]
        if unknown:
            return [failed("config", "compose config",
                           f"no service {', '.join(map(repr, unknown))} in the project "
                           f"(services: {', '.join(sorted(known))})")]
        self.expected = self._expected_services()
        self._driver.services = self.selected
        self.one_shot = frozenset(self.declared_one_shot) | self._completion_dependencies()
        mapped = [f"{svc}: {old} -> {new}" for svc, (old, new) in self._mapped.items()]
        if mapped:
            self._stage("config", "image map: " + "; ".join(mapped))
        return []

    def _read_config(self, driver: ComposeDriver) -> tuple[dict[str, Any] | None, str]:
        try:
            result = driver.compose("config", "--format", "json", check=False, timeout=60)
        except HarnessError as exc:
            return None, str(exc)
        if result.returncode != 0:
            return None, _tail(result.stderr.decode(errors="replace"), ERROR_LINES)
        try:
            data = json.loads(result.stdout)
        except ValueError as exc:
            return None, f"unreadable output ({exc})"
        return (data if isinstance(data, dict) else None), "not a JSON object"

    def _image_override(self, config: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        self._mapped = {}
        if not self.image_map:
            return {}
        out: dict[str, dict[str, str]] = {}
        services = config.get("services") or {}
        for name, spec in services.items():
            image = spec.get("image") if isinstance(spec, dict) else None
            if not isinstance(image, str):
                continue
            new = self.image_map.apply(image)
            if new != image:
                out[name] = {"image": new}
                self._mapped[name] = (image, new)
        return out

    def _build_step(self) -> list[Outcome]:
        assert self._driver is not None
        services = self._services_config()
        to_build = [s for s in self.expected if isinstance(services.get(s), dict)
                    and services[s].get("build") is not None]
        if not self.build or not to_build:
            return []
        started = time.monotonic()
        self._stage("build", f"docker compose build {' '.join(to_build)}")
        try:
            result = self._driver.compose("build", *to_build, timeout=self.build_timeout)
        except HarnessError as exc:
            return [failed("build", f"build {', '.join(to_build)}", str(exc),
                           duration=time.monotonic() - started)]
        took = time.monotonic() - started
        self._driver.no_build = result.returncode == 0
        if result.returncode != 0:
            err = result.stderr.decode(errors="replace")
            return [failed("build", f"build {', '.join(to_build)}",
                           f"docker compose build failed (exit {result.returncode})",
                           duration=took, details=_tail(err, ERROR_LINES * 2))]
        return [passed("build", f"build {', '.join(to_build)}", f"built in {took:.1f}s",
                       duration=took)]

    def _up_step(self) -> list[Outcome]:
        assert self._driver is not None
        driver = self._driver
        started = time.monotonic()
        deadline = started + self.timeout
        self._deadline = deadline
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                driver.command_timeout = max(1.0, deadline - time.monotonic())
                driver.start()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        self._stage("up", f"docker compose up --detach (project {self.project_name})")
        tracker = self._tracker()
        thread = threading.Thread(target=worker, name="composekit-up", daemon=True)
        thread.start()
        last_summary = time.monotonic()
        timed_out = False
        try:
            while True:
                now = time.monotonic()
                for event in tracker.update(self.containers(), now - self._t0):
                    self._emit(event)
                up_done = not thread.is_alive()
                if up_done and errors:
                    break
                if tracker.failed:
                    break
                if up_done and tracker.all_ready:
                    break
                if now >= deadline:
                    timed_out = True
                    break
                if now - last_summary >= SUMMARY_INTERVAL:
                    self._emit(tracker.summary(now - self._t0))
                    last_summary = now
                time.sleep(min(POLL_INTERVAL, max(0.0, deadline - now)))
        finally:
            if thread.is_alive() and self._runner is not None:
                # Stopped here (failure seen, timeout, Ctrl-C): its own error is noise.
                self._runner.stop_all()
                thread.join(timeout=30)
                errors.clear()
            thread.join(timeout=30)
        return self._up_outcomes(tracker, errors, timed_out, time.monotonic() - started,
                                 started - self._t0)

    def _up_outcomes(self, tracker: ReadinessTracker, errors: Sequence[BaseException],
                     timed_out: bool, took: float, offset: float) -> list[Outcome]:
        outcomes: list[Outcome] = []
        up_error = _error_text(errors[0]) if errors else ""
        if up_error and not timed_out:
            outcomes.append(failed("up", "docker compose up",
                                   f"docker compose up failed: {up_error.splitlines()[-1]}",
                                   duration=took, details="\n".join(up_error.splitlines()[:-1])))
        for service in self.expected:
            state = tracker.states.get(service)
            name = f"service {service}"
            if state is not None and state.phase is Phase.READY:
                after = max(0.0, (tracker.ready_after(service) or offset) - offset)
                outcomes.append(passed("service", name, f"{state.text} after {after:.1f}s",
                                       service=service, duration=after))
                continue
            text = state.text if state is not None else "no container"
            details = self._health_details(state.containers if state else ())
            deps = self._services_config().get(service, {}).get("depends_on") or {}
            failed_deps = [d for d in deps if tracker.states.get(d) is not None
                           and tracker.states[d].phase is Phase.FAILED]
            if state is not None and state.phase is Phase.FAILED:
                message = text
            elif failed_deps:
                message = (f"not started: it depends on {', '.join(failed_deps)}, which failed "
                           f"({text})")
            elif timed_out:
                message = f"not ready after {self.timeout:g}s (timeout): {text}"
            elif up_error:
                message = f"not started: {text} (docker compose up failed)"
            else:
                message = f"not ready: {text}"
            outcomes.append(failed("service", name, message, service=service, duration=took,
                                   details=details))
        return outcomes

    def _ports_step(self) -> list[Outcome]:
        publishers = self.published_ports()
        if not publishers:
            return []
        healthy = self._healthchecked()
        grace = time.monotonic() + MIN_PORT_WINDOW
        # A healthy service is listening already: a short grace is enough. Without a
        # health check the program may still be starting: wait up to the timeout.
        deadlines = {p: grace if p.service in healthy else max(self._deadline, grace)
                     for p in publishers}
        pending = {p: "not tried" for p in publishers if p.protocol == "tcp"}
        results: dict[Publisher, Outcome] = {}
        for p in publishers:
            if p.protocol != "tcp":
                results[p] = skipped("port", f"port {p.service} {p.label}",
                                     f"{p.protocol} ports are not checked", service=p.service)
        started = time.monotonic()
        while pending:
            for p in list(pending):
                problem = probe_tcp(p.host, p.host_port)
                if problem is None:
                    del pending[p]
                    results[p] = passed("port", f"port {p.service} {p.label}",
                                        f"{p.host}:{p.host_port} accepts connections",
                                        service=p.service, duration=time.monotonic() - started)
                else:
                    pending[p] = problem
            now = time.monotonic()
            if not pending or all(now >= deadlines[p] for p in pending):
                break
            time.sleep(POLL_INTERVAL)
        for p, problem in pending.items():
            results[p] = failed(
                "port", f"port {p.service} {p.label}",
                f"{p.host}:{p.host_port} does not accept connections: {problem}",
                service=p.service, duration=time.monotonic() - started,
                details=f"nothing answered on container port {p.container_port} of "
                        f"{p.service}; check the port mapping and the port the program "
                        "listens on")
        return [results[p] for p in publishers]

    def _teardown(self, start: float) -> Outcome:
        if self._driver is None:
            return passed("teardown", "teardown", "nothing was started")
        before = self._inventory()
        problems: list[str] = []
        try:
            result = self._driver.compose("down", "--volumes", "--remove-orphans",
                                          timeout=TEARDOWN_TIMEOUT)
            if result.returncode != 0:
                problems.append("docker compose down failed: "
                                + _tail(result.stderr.decode(errors="replace"), 5))
        except HarnessError as exc:
            problems.append(str(exc))
        left = self._inventory()
        if any(left.values()):
            problems.extend(self._sweep(left))
            left = self._inventory()
        took = time.monotonic() - start
        if any(left.values()):
            remaining = ", ".join(f"{k} not verified (docker could not list them)" if "?" in v
                                  else f"{len(v)} {k}" for k, v in left.items() if v)
            return failed("teardown", "teardown",
                          f"could not remove everything: {remaining} left "
                          f"(project {self.project_name})", duration=took,
                          details="\n".join(problems))
        removed = ", ".join(f"? {k}" if "?" in v else _plural(len(v), k[:-1])
                            for k, v in before.items())
        return passed("teardown", "teardown", f"removed {removed} in {took:.1f}s",
                      duration=took, details="\n".join(problems))

    # ------------------------------------------------------------------ the running stack

    def service_names(self) -> list[str]:
        """The services of the project (after profiles), once :meth:`prepare` has run."""
        return list(self._services_config())

    def containers(self) -> list[ContainerState]:
        """The project's containers now, all states (``docker compose ps -a`` + ``inspect``).

        ``ps`` lists them; ``inspect`` adds what ``ps`` lacks: the restart count (to see
        a restart between two polls) and the exit code of a restarting container.
        """
        driver = self._require_driver()
        try:
            raw = driver.get_containers(include_all=True)
        except (subprocess.CalledProcessError, HarnessError, ValueError):
            return []
        details = {str(info.get("Id", ""))[:12]: info
                   for info in self._inspect([c.ID for c in raw if c.ID])}
        out: list[ContainerState] = []
        for c in raw:
            info = details.get((c.ID or "")[:12], {})
            state = info.get("State") or {}
            health = (state.get("Health") or {}).get("Status") or c.Health or ""
            exit_code = state.get("ExitCode", c.ExitCode)
            out.append(ContainerState(
                id=c.ID or "", name=c.Name or "", service=c.Service or "",
                state=str(state.get("Status") or c.State or "").lower(),
                health=str(health).lower(),
                exit_code=exit_code if isinstance(exit_code, int) else None,
                restart_count=int(info.get("RestartCount") or 0)))
        return out

    def published_ports(self) -> list[Publisher]:
        """Every published port of the expected services' containers (IPv4 preferred)."""
        raw = self._running_containers()
        seen: dict[tuple[str, str, int, str], Publisher] = {}
        for c in raw:
            service = c.Service or ""
            if service not in self.expected or service in self.one_shot:
                continue
            for pub in c.Publishers:
                if not pub.PublishedPort or not pub.TargetPort:
                    continue
                proto = (pub.Protocol or "tcp").lower()
                key = (c.Name or "", service, int(pub.TargetPort), proto)
                candidate = Publisher(service, pub.URL or "", int(pub.PublishedPort),
                                      int(pub.TargetPort), proto)
                # One entry per container port: the IPv4 binding when there are both.
                if key not in seen or (":" in seen[key].host_ip and ":" not in candidate.host_ip):
                    seen[key] = candidate
        return sorted(seen.values(), key=lambda p: (p.service, p.container_port, p.host_port))

    def endpoint(self, service: str, port: int, protocol: str = "tcp") -> tuple[str, int]:
        """``(host, host_port)`` that reaches container port ``port`` of ``service``."""
        self._require_driver()
        for p in self.published_ports_of(service):
            if p.container_port == int(port) and p.protocol == protocol:
                return p.host, p.host_port
        raise EndpointError(f"container port {port}/{protocol} of service {service} is not "
                            "published to the host (add it under ports:, e.g. "
                            f"- \"{port}\" for a random host port)")

    def _running_containers(self) -> list[Any]:
        """``docker compose ps`` (running containers), reused for up to a second.

        Checks look a port up at every attempt; one listing serves a burst of them.
        """
        driver = self._require_driver()
        now = time.monotonic()
        if self._ps_cache is not None and now - self._ps_cache[0] < PS_CACHE_SECONDS:
            return self._ps_cache[1]
        try:
            raw = driver.get_containers(include_all=False)
        except (subprocess.CalledProcessError, HarnessError, ValueError):
            return []
        self._ps_cache = (now, raw)
        return raw

    def published_ports_of(self, service: str) -> list[Publisher]:
        raw = self._running_containers()
        if not any(c.Service == service for c in raw):
            raise EndpointError(f"service {service} has no running container")
        out: list[Publisher] = []
        for c in raw:
            if c.Service != service:
                continue
            for pub in c.Publishers:
                if pub.PublishedPort and pub.TargetPort and ":" not in (pub.URL or ""):
                    out.append(Publisher(service, pub.URL or "", int(pub.PublishedPort),
                                         int(pub.TargetPort), (pub.Protocol or "tcp").lower()))
        return out

    def host_port(self, service: str, port: int) -> int:
        """The host port published for container port ``port`` of ``service``."""
        return self.endpoint(service, port)[1]

    def service_url(self, service: str, port: int, path: str = "", *,
                    scheme: str = "http") -> str:
        """``http://127.0.0.1:<host port>`` (plus ``path``) for container port ``port``."""
        host, host_port = self.endpoint(service, port)
        shown = f"[{host}]" if ":" in host else host
        return f"{scheme}://{shown}:{host_port}{path}"

    def exec(self, service: str, command: str | Sequence[str], *,
             timeout: float = 60.0) -> ExecResult:
        """Run ``command`` in the (first) container of ``service``; its exit code and output."""
        driver = self._require_driver()
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv:
            raise UsageError("exec: empty command")
        result = driver.compose("exec", "-T", service, *argv, timeout=timeout)
        err = result.stderr.decode(errors="replace")
        if result.returncode != 0 and re.search(
                rf'^(service "?{re.escape(service)}"? is not running|no such service: '
                rf'{re.escape(service)}$)', err, re.MULTILINE):
            # compose's own failure, not the command's exit code
            raise HarnessError(f"service {service} has no running container to exec in")
        return ExecResult(result.returncode, result.stdout.decode(errors="replace"), err)

    def logs(self, service: str | None = None, *, tail: int | None = None) -> str:
        """The logs of ``service`` (every service when None), oldest first, without prefixes."""
        driver = self._require_driver()
        args = ["logs", "--no-color"]
        if service is not None:
            args.append("--no-log-prefix")
        if tail is not None:
            args += ["--tail", str(tail)]
        if service is not None:
            args.append(service)
        result = driver.compose(*args, timeout=60)
        return (result.stdout + result.stderr).decode(errors="replace")

    def wait_healthy(self, services: Sequence[str] | None = None, *,
                     timeout: float | None = None) -> None:
        """Wait until ``services`` (all expected ones by default) are ready again.

        Raises :class:`StackNotReady` naming the services that failed or are
        still not ready when ``timeout`` (default: the env's) runs out.
        """
        wanted = list(services) if services else list(self.expected)
        limit = self.timeout if timeout is None else timeout
        tracker = ReadinessTracker(
            wanted, one_shot=self.one_shot & set(wanted),
            healthchecks=frozenset(self._healthchecked()) & set(wanted),
            scale=self._scales(), settle=self.settle)
        started = time.monotonic()
        while True:
            now = time.monotonic()
            for event in tracker.update(self.containers(), now - started):
                self._emit(event)
            if tracker.all_ready or tracker.failed or now - started >= limit:
                break
            time.sleep(POLL_INTERVAL)
        if tracker.all_ready:
            return
        outcomes = []
        for service in wanted:
            state = tracker.states.get(service)
            if state is None or state.phase is not Phase.READY:
                text = state.text if state else "no container"
                outcomes.append(failed("service", f"service {service}", text, service=service,
                                       details=self._health_details(
                                           state.containers if state else ())))
        self.outcomes.extend(outcomes)
        self._collect_failure_logs()
        raise StackNotReady([o.with_logs(self.failure_logs.get(o.service or "", ""))
                             for o in outcomes], self.project_name)

    def run_checks(self, checks: Sequence[Check]) -> list[Outcome]:
        """Run declared checks; failed ones carry the last log lines of their service."""
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

    def check_ports(self) -> list[Outcome]:
        """Probe every published TCP port again."""
        return self._ports_step()

    # ------------------------------------------------------------------ helpers

    def _require_driver(self) -> ComposeDriver:
        if self._driver is None:
            raise UsageError("the stack is not started (call start() or use `with`)")
        return self._driver

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def _stage(self, stage: str, text: str) -> None:
        self._emit(ProgressEvent(None, Phase.WAITING, text, self._elapsed(), stage))

    def _elapsed(self) -> float:
        return time.monotonic() - self._t0

    def _services_config(self) -> dict[str, Any]:
        services = self.config.get("services")
        return services if isinstance(services, dict) else {}

    def _expected_services(self) -> list[str]:
        services = self._services_config()
        if not self.selected:
            return list(services)
        wanted: list[str] = []
        stack = list(self.selected)
        while stack:
            name = stack.pop()
            if name in wanted or name not in services:
                continue
            wanted.append(name)
            deps = services[name].get("depends_on") or {}
            stack.extend(deps if isinstance(deps, (dict, list)) else [])
        return [s for s in services if s in wanted]

    def _completion_dependencies(self) -> frozenset[str]:
        out: set[str] = set()
        for spec in self._services_config().values():
            deps = spec.get("depends_on") if isinstance(spec, dict) else None
            if isinstance(deps, dict):
                for dep, cond in deps.items():
                    if isinstance(cond, dict) and \
                            cond.get("condition") == "service_completed_successfully":
                        out.add(dep)
        return frozenset(out)

    def _healthchecked(self) -> set[str]:
        out = set()
        for name, spec in self._services_config().items():
            hc = spec.get("healthcheck") if isinstance(spec, dict) else None
            if isinstance(hc, dict) and not hc.get("disable") and hc.get("test") not in (
                    ["NONE"], "NONE"):
                out.add(name)
        return out

    def _scales(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, spec in self._services_config().items():
            if not isinstance(spec, dict):
                continue
            replicas = (spec.get("deploy") or {}).get("replicas")
            scale = spec.get("scale", replicas)
            if isinstance(scale, int):
                out[name] = scale
        return out

    def _tracker(self) -> ReadinessTracker:
        return ReadinessTracker(self.expected, one_shot=self.one_shot,
                                healthchecks=frozenset(self._healthchecked()),
                                scale=self._scales(), settle=self.settle)

    def _inspect(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        if not ids or self._runner is None:
            return []
        try:
            result = self._runner.run(["docker", "inspect", *ids], check=False, timeout=30)
            data = json.loads(result.stdout or b"[]")
        except (HarnessError, ValueError):
            return []
        return data if isinstance(data, list) else []

    def _health_details(self, containers: Sequence[ContainerState]) -> str:
        """The last health check output and the exit codes of ``containers``."""
        lines: list[str] = []
        for info in self._inspect([c.id for c in containers if c.id]):
            state = info.get("State") or {}
            name = str(info.get("Name", "")).lstrip("/")
            health = state.get("Health") or {}
            log = health.get("Log") or []
            if log:
                last = log[-1]
                output = " ".join(str(last.get("Output", "")).split())
                if len(output) > 300:  # the end says what went wrong (tracebacks, errors)
                    output = "..." + output[-300:]
                lines.append(f"{name}: last health check exited {last.get('ExitCode')}: "
                             f"{output or '(no output)'} "
                             f"({health.get('FailingStreak', 0)} failing in a row)")
            if state.get("Status") in ("exited", "restarting", "dead"):
                lines.append(f"{name}: {state.get('Status')}, exit code {state.get('ExitCode')}"
                             f", restarted {info.get('RestartCount', 0)} times"
                             + (f", error: {state['Error']}" if state.get("Error") else ""))
        return "\n".join(lines)

    def _collect_failure_logs(self) -> None:
        """Read the last log lines of every failed service and every unhealthy/exited one."""
        if self._driver is None or self.log_lines <= 0:
            return
        wanted = {o.service for o in self.outcomes if o.failed and o.service}
        for c in self.containers():
            if c.state in ("exited", "dead", "restarting") and not (
                    c.service in self.one_shot and c.exit_code == 0):
                wanted.add(c.service)
            if c.health == "unhealthy":
                wanted.add(c.service)
        for service in sorted(s for s in wanted if s and s not in self.failure_logs):
            try:
                self.failure_logs[service] = self.logs(service, tail=self.log_lines).rstrip()
            except HarnessError as exc:
                self.failure_logs[service] = f"(logs unavailable: {exc})"
        self.outcomes = [o.with_logs(self.failure_logs.get(o.service, ""))
                         if o.failed and o.service and not o.logs else o for o in self.outcomes]

    def _inventory(self) -> dict[str, list[str]]:
        """IDs of the containers, networks and volumes labelled with this project.

        The three listings run at once. One that fails counts as one unknown object
        (``"?"``), so that a teardown is never reported clean without being checked.
        """
        label = f"label=com.docker.compose.project={self.project_name}"
        commands = {
            # Images that compose builds carry its project label too, and pass it on to
            # containers that other tools (docker run, a swarm) create from them: only
            # containers compose created (they have the oneoff label) belong here.
            "containers": ["docker", "ps", "-aq", "--filter", label, "--filter",
                           "label=com.docker.compose.oneoff"],
            "networks": ["docker", "network", "ls", "-q", "--filter", label],
            "volumes": ["docker", "volume", "ls", "-q", "--filter", label],
        }
        runner = self._runner
        assert runner is not None

        def listing(argv: list[str]) -> list[str]:
            try:
                result = runner.run(argv, check=False, timeout=30)
            except HarnessError:
                return ["?"]
            return result.stdout.decode().split() if result.returncode == 0 else ["?"]

        with ThreadPoolExecutor(max_workers=len(commands)) as pool:
            futures = {kind: pool.submit(listing, argv) for kind, argv in commands.items()}
            return {kind: future.result() for kind, future in futures.items()}

    def _sweep(self, left: Mapping[str, list[str]]) -> list[str]:
        """Remove what ``down`` left behind; the problems met."""
        assert self._runner is not None
        problems = []
        commands = [
            ("containers", ["docker", "rm", "-f", "-v"]),
            ("networks", ["docker", "network", "rm"]),
            ("volumes", ["docker", "volume", "rm", "-f"]),
        ]
        for kind, argv in commands:
            ids = [i for i in left.get(kind, []) if i != "?"]
            if not ids:
                continue
            try:
                result = self._runner.run([*argv, *ids], check=False, timeout=60)
                if result.returncode != 0:
                    problems.append(f"removing {kind}: "
                                    + _tail(result.stderr.decode(errors="replace"), 3))
            except HarnessError as exc:
                problems.append(f"removing {kind}: {exc}")
        return problems


# ---------------------------------------------------------------------- module helpers


def lint_outcome(files: Sequence[str], project_dir: str | None, *, env_files: Sequence[str],
                 profiles: Sequence[str], environ: Mapping[str, str],
                 runtime: str) -> tuple[Outcome, list[Diagnostic]]:
    """Lint the project as ``composekit lint --target RUNTIME`` would; errors fail the outcome."""
    from composekit.checker import CheckOptions, LintOptions, Target, check_target
    from composekit.errors import ComposekitError
    from composekit.lint.rule import Runtime

    started = time.monotonic()
    try:
        result = check_target(
            Target(files=tuple(files), project_dir=project_dir),
            CheckOptions(env_files=tuple(env_files), profiles=tuple(profiles), environ=environ,
                         lint=LintOptions(target=Runtime(runtime))),
        )
    except ComposekitError as exc:
        return failed("lint", "lint", f"cannot lint: {exc}",
                      duration=time.monotonic() - started), []
    diags = list(result.diagnostics)
    errors = [d for d in diags if d.severity >= Severity.ERROR]
    took = time.monotonic() - started
    text = _render_diagnostics(diags)
    if errors:
        return failed("lint", "lint", f"{len(errors)} error(s) in the Compose files; "
                                      "refusing to start them", duration=took,
                      details=text), diags
    note = f"no errors ({_plural(len(diags), 'other finding')})" if diags else "clean"
    return passed("lint", "lint", note, duration=took, details=text), diags


def _image_map(value: ImageMap | Mapping[str, str] | Sequence[str] | None) -> ImageMap:
    if isinstance(value, str):
        return image_map([value])
    return image_map(value)


def _render_diagnostics(diags: Sequence[Diagnostic]) -> str:
    if not diags:
        return ""
    from composekit.report.text import render_text

    return render_text(diags).rstrip()


def _tail(text: str, lines: int) -> str:
    kept = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(kept[-lines:])


_PROGRESS = re.compile(
    r"^\s*(?:(?:Container|Network|Volume|Image|Service)\s+)?\S+\s+"
    r"(Creating|Created|Starting|Started|Waiting|Healthy|Running|Recreate|Recreated|Stopping|"
    r"Stopped|Removing|Removed|Pulling|Pulled|Building|Built|Exited)\s*$")


def compose_error_text(stderr: str) -> str:
    """Compose's error output without its progress lines, duplicates dropped."""
    kept: list[str] = []
    for line in stderr.splitlines():
        text = line.strip()
        if not text or _PROGRESS.match(line) or "level=warning" in text:
            continue
        text = re.sub(r"^(Container|Network|Volume|Service)\s+\S+\s+", "", text)
        if text not in kept:
            kept.append(text)
    return "\n".join(kept[-ERROR_LINES:])


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        return compose_error_text(err) or f"exit code {exc.returncode}"
    return str(exc) or type(exc).__name__


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@contextlib.contextmanager
def _deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then raise KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            raise KeyboardInterrupt
