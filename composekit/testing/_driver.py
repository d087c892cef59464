"""testcontainers' ``DockerCompose``, adapted for the harness.

Imported only when a stack is started: ``composekit lint`` must never import
testcontainers (or the Docker SDK it pulls in).

What the subclass changes:

* a project name (``--project-name``), unique per run;
* the environment given to every ``docker compose`` command (interpolation
  variables, without touching ``os.environ``);
* every command runs in its own process group with a time limit, and the
  harness can kill the commands still running (timeout, Ctrl-C, SIGTERM);
* a failing command never logs through ``logging`` (the harness reports it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from testcontainers.compose import DockerCompose  # type: ignore[import-untyped,unused-ignore]

from composekit.errors import HarnessError


class CommandTimeout(HarnessError):
    """A ``docker`` command did not finish within its time limit."""

    def __init__(self, argv: list[str], timeout: float) -> None:
        super().__init__(f"`{' '.join(argv[:6])}{' ...' if len(argv) > 6 else ''}` "
                         f"did not finish within {timeout:.0f}s")
        self.argv = argv
        self.timeout = timeout


@dataclass
class ProcessRunner:
    """Runs commands in their own process groups and can stop the ones still running."""

    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    default_timeout: float = 120.0
    _running: set[subprocess.Popen[bytes]] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def run(self, argv: list[str], *, cwd: str | None = None, check: bool = True,
            timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
        limit = self.default_timeout if timeout is None else timeout
        proc = subprocess.Popen(
            argv, cwd=cwd, env=self.environ, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        with self._lock:
            self._running.add(proc)
        try:
            try:
                out, err = proc.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                _stop(proc)
                proc.communicate()
                raise CommandTimeout(argv, limit) from None
            except BaseException:
                _stop(proc)
                proc.communicate()
                raise
        finally:
            with self._lock:
                self._running.discard(proc)
        result = subprocess.CompletedProcess(argv, proc.returncode, out, err)
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, argv, out, err)
        return result

    def stop_all(self) -> None:
        """Stop every command still running (SIGTERM to its group, then SIGKILL)."""
        with self._lock:
            procs = list(self._running)
        for proc in procs:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return
            time.sleep(0.05)


@dataclass
class ComposeDriver(DockerCompose):  # type: ignore[misc,unused-ignore]
    """``DockerCompose`` with a project name, an environment and killable commands."""

    project_name: str = ""
    runner: ProcessRunner = field(default_factory=ProcessRunner)
    #: Time limit of the command running now; the harness lowers it for ``up``.
    command_timeout: float = 120.0
    #: ``up --no-build``: the harness has built the images in a step of its own, and
    #: ``pull_policy: build`` would make ``up`` build them a second time.
    no_build: bool = False

    def start(self) -> None:
        """``DockerCompose.start`` (``up --detach``), with ``--no-build`` when asked."""
        if not self.no_build:
            super().start()
            return
        # testcontainers has no --no-build; it appends the services after its own
        # options, so the flag goes first in that list for the duration of the call.
        services = self.services
        self.services = ["--no-build", *(services or [])]
        try:
            super().start()
        finally:
            self.services = services

    @cached_property
    def compose_command_property(self) -> list[str]:
        cmd = [self.docker_command_path or "docker", "compose", "--ansi", "never"]
        if self.project_name:
            cmd += ["--project-name", self.project_name]
        files = self.compose_file_name or []
        for file in files if isinstance(files, list) else [files]:
            cmd += ["-f", str(file)]
        for profile in self.profiles or []:
            cmd += ["--profile", profile]
        env_files = self.env_file or []
        for env_file in env_files if isinstance(env_files, list) else [env_files]:
            cmd += ["--env-file", str(env_file)]
        return cmd

    def _run_command(
        self, cmd: str | list[str], context: str | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        argv = cmd.split() if isinstance(cmd, str) else list(cmd)
        return self.runner.run(argv, cwd=context or str(self.context), check=True,
                               timeout=self.command_timeout)

    def compose(self, *args: str, check: bool = False,
                timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run ``docker compose <project options> ARGS...``."""
        return self.runner.run([*self.compose_command_property, *args], cwd=str(self.context),
                               check=check, timeout=timeout)
