"""composekit's pytest plugin: Docker Compose stacks as fixtures (entry point ``pytest11``).

A marker names the stack; the ``compose_env`` fixture brings it up (lint, build,
wait until every service is running and healthy, probe the published ports) and
tears it down at the end of its scope::

    import pytest, urllib.request

    @pytest.mark.compose("compose.yaml", services=["web"], scope="module")
    def test_counter(compose_env):
        url = compose_env.service_url("web", 5000, "/")
        assert b"Hello" in urllib.request.urlopen(url).read()
        assert compose_env.exec("redis", "redis-cli ping").output.strip() == "PONG"

Marker: ``@pytest.mark.compose(*files, services=None, scope=None, env=None,
image_map=None, one_shot=(), profiles=(), env_files=(), timeout=None)``. Relative
files are looked up beside the test module, then under the rootdir. ``scope`` is
``function``, ``class``, ``module``, ``package`` or ``session`` (default:
``--compose-scope``, else ``module``); tests with the same stack and settings in
one scope share one running stack.

``compose_project`` is the factory behind it, for stacks chosen at run time:
``compose_project("a.yaml", "b.yaml", services=[...], scope="function")``.

Fixtures (each can be overridden in a ``conftest.py``): ``compose_settings``
(the marker and options, merged), ``compose_project_name`` (a function giving a
unique project name: base name, pid and a short uuid), ``compose_project`` and
``compose_env``. Options: ``--compose-keep``, ``--compose-timeout``,
``--compose-image-map FROM=TO`` (repeatable), ``--compose-scope``; ini keys
``compose_image_map``, ``compose_env`` (``KEY=VALUE`` lines) and
``compose_timeout``.

Only the standard library and pytest are imported here: the plugin is loaded in
every pytest run once composekit is installed. The harness (and testcontainers)
is imported when a stack is first requested.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from composekit.testing.harness import ComposeEnv

SCOPES = ("function", "class", "module", "package", "session")
DEFAULT_SCOPE = "module"
DEFAULT_TIMEOUT = 120.0

_log = logging.getLogger("composekit.pytest")


# --------------------------------------------------------------------------
# Options and markers
# --------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("composekit", "composekit: Docker Compose stacks as fixtures")
    group.addoption("--compose-keep", action="store_true", default=False,
                    help="Leave the stacks running after the tests (their names are listed "
                         "at the end).")
    group.addoption("--compose-timeout", type=float, default=None, metavar="SECONDS",
                    help="Seconds a stack may take to become ready (default: ini "
                         f"compose_timeout, else {DEFAULT_TIMEOUT:g}).")
    group.addoption("--compose-image-map", action="append", default=[], metavar="FROM=TO",
                    help="Substitute an image reference in every stack (repeatable), "
                         "e.g. redis:7-alpine=local/redis:test.")
    group.addoption("--compose-scope", choices=SCOPES, default=None,
                    help=f"Default scope of @pytest.mark.compose stacks (default: "
                         f"{DEFAULT_SCOPE}).")
    parser.addini("compose_image_map", type="linelist", default=[],
                  help="FROM=TO image substitutions for every stack, one per line.")
    parser.addini("compose_env", type="linelist", default=[],
                  help="KEY=VALUE variables for every stack (interpolation), one per line.")
    parser.addini("compose_timeout", type="string", default="",
                  help="Seconds a stack may take to become ready.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "compose(*files, services=None, scope=None, env=None, image_map=None, one_shot=(), "
        "profiles=(), env_files=(), timeout=None): bring up this Docker Compose stack for "
        "the test; use the compose_env fixture to reach it.")
    config.addinivalue_line("markers", "docker: needs a Docker engine.")
    # Bad option or ini values stop the run at once, as pytest's own usage errors do.
    _option_env(config)
    _option_timeout(config)
    _check_image_map(config)
    config.stash[_POOL_KEY] = _Pool()


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(_POOL_KEY, None)
    if pool is not None:
        pool.close_all()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    pool = config.stash.get(_POOL_KEY, None)
    if pool is None or not pool.kept:
        return
    terminalreporter.section("composekit: stacks left running (--compose-keep)")
    for line in pool.kept:
        terminalreporter.write_line(line)


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComposeSettings:
    """One stack request: the marker's (or factory's) arguments merged with the options."""

    files: tuple[str, ...]
    project_dir: str | None = None
    services: tuple[str, ...] | None = None
    scope: str = DEFAULT_SCOPE
    env: tuple[tuple[str, str], ...] = ()
    image_map: tuple[str, ...] = ()
    one_shot: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    keep: bool = False

    def key(self) -> tuple[Any, ...]:
        """What makes two requests the same stack (the scope decides the lifetime)."""
        return (self.files, self.project_dir, self.services, self.env, self.image_map,
                self.one_shot, self.profiles, self.env_files, self.timeout)


class ComposeUsageError(Exception):
    """A compose marker or factory call is malformed."""


def _option_timeout(config: pytest.Config) -> float:
    value = config.getoption("compose_timeout")
    if value is not None:
        return float(value)
    raw = str(config.getini("compose_timeout") or "").strip()
    if raw:
        try:
            return float(raw)
        except ValueError:
            raise pytest.UsageError(f"ini compose_timeout: not a number: {raw!r}") from None
    return DEFAULT_TIMEOUT


def _option_env(config: pytest.Config) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in config.getini("compose_env"):
        key, sep, value = str(line).partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(f"ini compose_env: expected KEY=VALUE, got {line!r}")
        out[key.strip()] = value
    return out


def _check_image_map(config: pytest.Config) -> None:
    from composekit.errors import UsageError
    from composekit.testing.imagemap import parse_rule

    sources = [("ini compose_image_map", r) for r in config.getini("compose_image_map")]
    sources += [("--compose-image-map", r) for r in config.getoption("compose_image_map")]
    for where, rule in sources:
        try:
            parse_rule(str(rule))
        except UsageError as exc:
            raise pytest.UsageError(f"{where}: {exc}") from None


def build_settings(
    config: pytest.Config,
    base_dir: Path,
    files: Sequence[str | os.PathLike[str]],
    *,
    services: Sequence[str] | None = None,
    scope: str | None = None,
    env: Mapping[str, str] | None = None,
    image_map: Mapping[str, str] | Sequence[str] | None = None,
    one_shot: Sequence[str] = (),
    profiles: Sequence[str] = (),
    env_files: Sequence[str | os.PathLike[str]] = (),
    timeout: float | None = None,
    project_dir: str | os.PathLike[str] | None = None,
) -> ComposeSettings:
    """Merge one request with the command-line options and ini keys."""
    if not files and project_dir is None:
        raise ComposeUsageError("name at least one Compose file, e.g. "
                                "@pytest.mark.compose('compose.yaml')")
    chosen_scope = scope or config.getoption("compose_scope") or DEFAULT_SCOPE
    if chosen_scope not in SCOPES:
        raise ComposeUsageError(f"scope must be one of {', '.join(SCOPES)}, "
                                f"not {chosen_scope!r}")
    if isinstance(services, str) or isinstance(one_shot, str) or isinstance(profiles, str):
        raise ComposeUsageError("services, one_shot and profiles are lists of names")
    rules = list(config.getini("compose_image_map")) + list(config.getoption("compose_image_map"))
    if isinstance(image_map, Mapping):
        rules += [f"{k}={v}" for k, v in image_map.items()]
    elif image_map is not None:
        rules += [str(r) for r in ([image_map] if isinstance(image_map, str) else image_map)]
    variables = {**_option_env(config), **{str(k): str(v) for k, v in (env or {}).items()}}
    rootdir = Path(str(config.rootpath))
    return ComposeSettings(
        files=tuple(_resolve(f, base_dir, rootdir) for f in files),
        project_dir=_resolve(project_dir, base_dir, rootdir) if project_dir is not None
        else None,
        services=tuple(services) if services else None,
        scope=chosen_scope,
        env=tuple(sorted(variables.items())),
        image_map=tuple(rules),
        one_shot=tuple(one_shot),
        profiles=tuple(profiles),
        env_files=tuple(_resolve(f, base_dir, rootdir) for f in env_files),
        timeout=float(timeout) if timeout is not None else _option_timeout(config),
        keep=bool(config.getoption("compose_keep")),
    )


def _resolve(path: str | os.PathLike[str], base_dir: Path, rootdir: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        return str(p)
    for base in (base_dir, rootdir):
        if (base / p).exists():
            return str((base / p).resolve())
    raise ComposeUsageError(f"no such file: {os.fspath(path)} (looked beside the test module "
                            f"in {base_dir} and under the rootdir {rootdir})")


# --------------------------------------------------------------------------
# The pool of running stacks
# --------------------------------------------------------------------------


@dataclass
class _Failed:
    message: str


@dataclass
class _Pool:
    """Running stacks by (scope, scope node, settings); closed at the end of their scope."""

    entries: dict[tuple[Any, ...], ComposeEnv | _Failed] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    def get(self, key: tuple[Any, ...], start: Callable[[], ComposeEnv],
            register: Callable[[Callable[[], None]], None]) -> ComposeEnv:
        entry = self.entries.get(key)
        if entry is None:
            try:
                entry = start()
            except _StartFailed as exc:
                entry = _Failed(exc.message)
            self.entries[key] = entry
            register(lambda: self.release(key))
        if isinstance(entry, _Failed):
            pytest.fail(entry.message, pytrace=False)
        return entry

    def release(self, key: tuple[Any, ...]) -> None:
        entry = self.entries.pop(key, None)
        if entry is None or isinstance(entry, _Failed):
            return
        outcome = entry.close()
        if entry.keep:
            self.kept.append(outcome.message)
        elif outcome.failed:
            _log.warning("teardown of %s: %s", entry.project_name, outcome.message)

    def close_all(self) -> None:
        for key in list(self.entries):
            self.release(key)


class _StartFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_POOL_KEY = pytest.StashKey[_Pool]()


def _start(settings: ComposeSettings, name_for: Callable[[str], str]) -> ComposeEnv:
    from composekit.errors import ComposekitError
    from composekit.testing.harness import ComposeEnv, StackNotReady, describe_failures

    base = Path(settings.files[0]).parent.name if settings.files else (
        Path(settings.project_dir or ".").name)
    env = ComposeEnv(
        settings.files, project_dir=settings.project_dir, project_name=name_for(base),
        services=settings.services, env_files=settings.env_files, profiles=settings.profiles,
        env=dict(settings.env), image_map=list(settings.image_map), one_shot=settings.one_shot,
        timeout=settings.timeout, keep=settings.keep,
        on_progress=lambda event: _log.info("%s", event.line()),
    )
    try:
        env.start()
    except StackNotReady as exc:
        where = ", ".join(settings.files) or str(settings.project_dir)
        raise _StartFailed(f"the stack {where} did not come up "
                           f"(project {exc.project_name}):\n{describe_failures(exc.outcomes)}"
                           ) from None
    except ComposekitError as exc:
        raise _StartFailed(f"cannot start the stack: {exc}") from None
    return env


def _scope_node(request: pytest.FixtureRequest, scope: str) -> pytest.Item | pytest.Collector:
    node: Any = request.node
    if scope == "session":
        return request.session
    wanted = {"class": pytest.Class, "module": pytest.Module, "package": pytest.Package}
    if scope in wanted:
        parent = node.getparent(wanted[scope])
        if parent is None and scope == "class":
            parent = node.getparent(pytest.Module)
        return parent if parent is not None else request.session
    return node  # type: ignore[no-any-return]


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture
def compose_settings(request: pytest.FixtureRequest) -> ComposeSettings | None:
    """The closest ``@pytest.mark.compose`` merged with the options (None without a marker)."""
    marker = request.node.get_closest_marker("compose")
    if marker is None:
        return None
    base_dir = Path(str(request.node.path)).parent
    try:
        return build_settings(request.config, base_dir, marker.args, **marker.kwargs)
    except (ComposeUsageError, TypeError, ValueError) as exc:
        pytest.fail(f"@pytest.mark.compose: {exc}", pytrace=False)


@pytest.fixture
def compose_project_name() -> Callable[[str], str]:
    """A function giving a unique Compose project name for a base name (pid + short uuid)."""
    from composekit.testing.harness import unique_project_name

    return unique_project_name


@pytest.fixture
def compose_project(request: pytest.FixtureRequest,
                    compose_project_name: Callable[[str], str]) -> Callable[..., ComposeEnv]:
    """Factory: ``compose_project(*files, services=..., scope="function", ...)`` -> a started env.

    Takes the marker's keyword arguments. The stack lives until the end of
    ``scope`` (default ``function`` here); the same request in the same scope
    returns the same running stack.
    """
    pool = request.config.stash[_POOL_KEY]
    base_dir = Path(str(request.node.path)).parent

    def factory(*files: str | os.PathLike[str], scope: str | None = "function",
                **kwargs: Any) -> ComposeEnv:
        try:
            settings = build_settings(request.config, base_dir, files, scope=scope, **kwargs)
        except (ComposeUsageError, TypeError, ValueError) as exc:
            pytest.fail(f"compose_project: {exc}", pytrace=False)
        return _get(request, pool, settings, compose_project_name)

    return factory


@pytest.fixture
def compose_env(request: pytest.FixtureRequest, compose_settings: ComposeSettings | None,
                compose_project_name: Callable[[str], str]) -> ComposeEnv:
    """The running stack of the test's ``@pytest.mark.compose`` marker."""
    if compose_settings is None:
        pytest.fail("compose_env needs a @pytest.mark.compose('path/compose.yaml', ...) marker "
                    "on the test, its class or its module (or use the compose_project factory)",
                    pytrace=False)
    return _get(request, request.config.stash[_POOL_KEY], compose_settings,
                compose_project_name)


def _get(request: pytest.FixtureRequest, pool: _Pool, settings: ComposeSettings,
         name_for: Callable[[str], str]) -> ComposeEnv:
    node = _scope_node(request, settings.scope)
    key = (settings.scope, node.nodeid, *settings.key())
    return pool.get(key, lambda: _start(settings, name_for), node.addfinalizer)
