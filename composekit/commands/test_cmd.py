"""``composekit test``: bring each project up, check it, always tear it down.

Only typer and the standard library are imported here: ``composekit.cli``
imports this module to register the command, and ``composekit lint`` must not
pay for (or need) testcontainers. The harness is imported when the command runs.

Exit codes: 0 every check passed; 1 a check failed or a stack did not come up
(lint errors included); 2 usage or I/O errors (a bad expectations file is
reported with file, line and column); 130 interrupted (after teardown).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from composekit.checker import Target
    from composekit.diagnostics import Diagnostic
    from composekit.testing.expectations import Expectations
    from composekit.testing.results import Outcome, RunReport
    from composekit.testing.runner import RunOptions

#: The module's name matches pytest's test file pattern; its ``test`` is not a test.
__test__ = False

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def test(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Compose files or project directories, each tested as its own "
                            "project. Default: the project of the current directory.",
                       show_default=False),
    ] = None,
    file: Annotated[
        list[str] | None,
        typer.Option("-f", "--file", help="A file of one multi-file project (repeatable), "
                                          "like docker compose -f.", show_default=False),
    ] = None,
    env_file: Annotated[
        list[str] | None,
        typer.Option("--env-file", help="Read variables from this file instead of .env "
                                        "(repeatable).", show_default=False),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", help="Enable a profile (repeatable).", show_default=False),
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option("-s", "--service", help="Start only this service and its dependencies "
                                             "(repeatable).", show_default=False),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=1, help="Seconds the stack may take to become ready "
                                              "(default: the expectations file's, else 120).",
                     show_default=False),
    ] = None,
    build_timeout: Annotated[
        float, typer.Option("--build-timeout", min=1, help="Seconds the image builds may take.")
    ] = 900.0,
    no_build: Annotated[
        bool, typer.Option("--no-build", help="Do not build images (use what exists).")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the stack running after the checks "
                                          "(prints how to remove it).")
    ] = False,
    junit: Annotated[
        str | None,
        typer.Option("--junit", metavar="FILE", help="Also write the results as JUnit XML.",
                     show_default=False),
    ] = None,
    image_map: Annotated[
        list[str] | None,
        typer.Option("--image-map", metavar="FROM=TO",
                     help="Substitute an image reference (repeatable): exact "
                          "(redis:7-alpine=local/redis:test), repository (redis=mirror/redis, "
                          "tag kept) or prefix (docker.io/=mirror.example.com/).",
                     show_default=False),
    ] = None,
    expectations: Annotated[
        str | None,
        typer.Option("--expectations", metavar="FILE",
                     help="Expectations file to use (default: composekit-test.yaml beside "
                          "the Compose file).", show_default=False),
    ] = None,
    no_expectations: Annotated[
        bool, typer.Option("--no-expectations", help="Ignore composekit-test.yaml.")
    ] = False,
    http: Annotated[
        list[str] | None,
        typer.Option("--http", metavar="SERVICE:PORT[/PATH]",
                     help="Check that GET answers 200 (repeatable).", show_default=False),
    ] = None,
    tcp: Annotated[
        list[str] | None,
        typer.Option("--tcp", metavar="SERVICE:PORT",
                     help="Check that the port accepts connections (repeatable).",
                     show_default=False),
    ] = None,
    exec_: Annotated[
        list[str] | None,
        typer.Option("--exec", metavar="'SERVICE: COMMAND'",
                     help="Check that the command exits 0 in the service (repeatable).",
                     show_default=False),
    ] = None,
    log: Annotated[
        list[str] | None,
        typer.Option("--log", metavar="'SERVICE: TEXT'",
                     help="Check that a log line of the service contains TEXT (repeatable).",
                     show_default=False),
    ] = None,
    check: Annotated[
        list[str] | None,
        typer.Option("--check", metavar="YAML",
                     help="A check written as in the expectations file, e.g. "
                          "'{http: web:5000/, status: 200, body_contains: Hello}' (repeatable).",
                     show_default=False),
    ] = None,
    one_shot: Annotated[
        list[str] | None,
        typer.Option("--one-shot", metavar="SERVICE",
                     help="A service that must exit 0 rather than stay up (repeatable).",
                     show_default=False),
    ] = None,
    no_port_check: Annotated[
        bool, typer.Option("--no-port-check", help="Do not probe the published ports.")
    ] = False,
    log_lines: Annotated[
        int | None,
        typer.Option("--log-lines", min=0, help="Log lines shown for a failed service "
                                                "(default: 30).", show_default=False),
    ] = None,
    swarm: Annotated[
        bool, typer.Option("--swarm", help="Deploy the file (in stack form) on the local swarm "
                                           "instead; initialises a single-node swarm if "
                                           "needed and leaves it afterwards.")
    ] = False,
) -> None:
    """Bring the stack up, wait until it is ready, check it, and always tear it down."""
    from composekit.checker import resolve_targets
    from composekit.errors import ComposekitError
    from composekit.testing.junit import render_junit
    from composekit.testing.runner import RunOptions

    try:
        flags, diags = _flag_expectations(
            services=service, image_map=image_map, http=http, tcp=tcp, exec_=exec_, log=log,
            check=check, one_shot=one_shot, no_port_check=no_port_check, log_lines=log_lines,
        )
    except ComposekitError as exc:
        _err(f"composekit test: error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if diags:
        _print_diagnostics(diags)
        raise typer.Exit(EXIT_USAGE)
    options = RunOptions(
        env_files=tuple(env_file or ()), profiles=tuple(profile or ()), timeout=timeout,
        build=not no_build, build_timeout=build_timeout, keep=keep, swarm=swarm, flags=flags,
        expectations_file=expectations, use_expectations_file=not no_expectations,
    )
    if expectations is not None and not os.path.isfile(expectations):
        _err(f"composekit test: error: no such expectations file: {expectations}")
        raise typer.Exit(EXIT_USAGE)
    color = _use_color()
    reports: list[RunReport] = []
    with _sigterm_interrupts():
        try:
            exit_code = _run_all(resolve_targets(paths or [], file or []), options, swarm,
                                 color, reports)
        except KeyboardInterrupt:  # between two projects; each one tears itself down
            exit_code = EXIT_INTERRUPTED
        except ComposekitError as exc:  # Docker cannot be used at all (after teardown)
            _err(f"composekit test: error: {exc}")
            exit_code = EXIT_USAGE
    if junit:
        try:
            with open(junit, "w", encoding="utf-8") as fh:
                fh.write(render_junit(reports))
        except OSError as exc:
            _err(f"composekit test: error: cannot write {junit}: {exc.strerror or exc}")
            raise typer.Exit(EXIT_USAGE) from None
    if exit_code == EXIT_INTERRUPTED:
        _err("composekit test: interrupted; the stack was torn down")
    raise typer.Exit(exit_code)


def _run_all(targets: Sequence[Target], options: RunOptions, swarm: bool, color: bool,
             reports: list[RunReport]) -> int:
    """Test each project in turn, printing as it goes; the exit code."""
    from composekit.testing.runner import run_target

    exit_code = EXIT_OK
    for target in targets:
        _err(f"composekit test {target.label}" + (" (swarm)" if swarm else ""))
        report, diags = run_target(
            target, options,
            on_progress=lambda e: _err("  " + e.line()),
            on_outcomes=lambda outs: _print_outcomes(outs, color),
        )
        reports.append(report)
        if diags:
            _print_diagnostics(diags)
        _print_extra_logs(report)
        _out(_summary(report))
        if report.interrupted:
            return EXIT_INTERRUPTED
        if report.usage_error:
            exit_code = max(exit_code, EXIT_USAGE)
        elif not report.ok:
            exit_code = max(exit_code, EXIT_FAILED)
    return exit_code


def _flag_expectations(*, services: list[str] | None, image_map: list[str] | None,
                       http: list[str] | None, tcp: list[str] | None, exec_: list[str] | None,
                       log: list[str] | None, check: list[str] | None,
                       one_shot: list[str] | None, no_port_check: bool,
                       log_lines: int | None) -> tuple[Expectations, list[Diagnostic]]:
    from composekit.testing.checks import Check
    from composekit.testing.expectations import (
        Expectations,
        exec_flag,
        http_flag,
        log_flag,
        parse_check_text,
        tcp_flag,
    )
    from composekit.testing.imagemap import image_map as make_map

    checks: list[Check] = []
    checks += [http_flag(t) for t in http or ()]
    checks += [tcp_flag(t) for t in tcp or ()]
    checks += [exec_flag(t) for t in exec_ or ()]
    checks += [log_flag(t) for t in log or ()]
    diags: list[Diagnostic] = []
    for i, text in enumerate(check or (), start=1):
        parsed, problems = parse_check_text(text, f"--check[{i}]")
        diags.extend(problems)
        if parsed is not None:
            checks.append(parsed)
    flags = Expectations(
        services=tuple(services) if services else None,
        one_shot=tuple(one_shot or ()),
        image_map=make_map(image_map or ()),
        check_ports=False if no_port_check else None,
        log_lines=log_lines,
        checks=tuple(checks),
    )
    return flags, diags


def _print_outcomes(outcomes: Sequence[Outcome], color: bool) -> None:
    from composekit.testing.text import format_outcome

    for outcome in outcomes:
        _out(format_outcome(outcome, color=color))


def _print_extra_logs(report: RunReport) -> None:
    from composekit.testing.text import format_extra_logs, shown_services

    text = format_extra_logs(report.extra_logs, shown_services(report.outcomes))
    if text:
        _out(text)


def _summary(report: RunReport) -> str:
    from composekit.testing.text import format_summary

    return format_summary(report)


def _print_diagnostics(diags: Sequence[Diagnostic]) -> None:
    from composekit.report.text import render_text

    sys.stdout.write(render_text(list(diags)))
    sys.stdout.flush()


def _use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) stops the run like Ctrl-C: teardown, then exit 130."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
