"""The ``composekit`` command line: parse options, call the library, report, exit.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage, I/O or
internal error. No traceback reaches the user unless ``COMPOSEKIT_DEBUG`` is
set.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, NoReturn

import typer

from composekit import __version__
from composekit.diagnostics import Severity
from composekit.errors import ComposekitError

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

app = typer.Typer(
    name="composekit",
    help="Lint, validate and convert Docker Compose files.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    style = "style"


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"composekit {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
) -> None:
    """Make Docker Compose files safe to change."""


PathsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Compose files or project directories. Default: the Compose file "
                        "of the current directory, found as Compose finds it.",
                   show_default=False),
]
FileOpt = Annotated[
    list[str] | None,
    typer.Option("-f", "--file", help="A file of one multi-file project (repeatable), "
                                      "like docker compose -f.", show_default=False),
]
EnvFileOpt = Annotated[
    list[str] | None,
    typer.Option("--env-file", help="Read variables from this file instead of .env "
                                    "(repeatable).", show_default=False),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option("--profile", help="Enable a profile (repeatable).", show_default=False),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
QuietOpt = Annotated[
    bool, typer.Option("-q", "--quiet", help="Print errors only, and no summary.")
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", envvar="COMPOSEKIT_ENGINE",
                 help="Docker Engine version to check file formats against, e.g. 18.09.",
                 show_default=False),
]
ColorOpt = Annotated[ColorMode, typer.Option("--color", help="Colour the text output.")]
FailOnOpt = Annotated[
    FailOn, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1.")
]


def _use_color(mode: ColorMode) -> bool:
    if mode is ColorMode.always:
        return True
    if mode is ColorMode.never or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _run_checks(
    *,
    paths: list[str] | None,
    files: list[str] | None,
    env_files: list[str] | None,
    profiles: list[str] | None,
    engine: str | None,
    output: OutputFormat,
    quiet: bool,
    color: ColorMode,
    fail_on: Severity,
    validate: bool,
) -> NoReturn:
    from composekit.checker import CheckOptions, CheckResult, check_target, resolve_targets
    from composekit.report import REPORTERS
    from composekit.report.text import summary

    options = CheckOptions(
        env_files=tuple(env_files or ()),
        profiles=tuple(profiles or ()),
        engine=engine,
    )
    total = CheckResult()
    for target in resolve_targets(paths or [], files or []):
        total.extend(check_target(target, options, validate=validate))
    shown = [d for d in total.diagnostics if not quiet or d.severity >= Severity.ERROR]
    use_color = _use_color(color) and output is OutputFormat.text
    sys.stdout.write(REPORTERS[output.value](shown, use_color))
    if output is OutputFormat.text and not quiet:
        sys.stderr.write(summary(total.diagnostics, len(total.files)) + "\n")
    if total.io_failed:
        raise typer.Exit(EXIT_ERROR)
    failing = any(d.severity >= fail_on for d in total.diagnostics)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


@app.command()
def lint(
    paths: PathsArg = None,
    file: FileOpt = None,
    env_file: EnvFileOpt = None,
    profile: ProfileOpt = None,
    output: FormatOpt = OutputFormat.text,
    quiet: QuietOpt = False,
    engine: EngineOpt = None,
    color: ColorOpt = ColorMode.auto,
    fail_on: FailOnOpt = FailOn.warning,
) -> None:
    """Check Compose files: syntax, interpolation, merge, schema of their version."""
    _run_checks(paths=paths, files=file, env_files=env_file, profiles=profile, engine=engine,
                output=output, quiet=quiet, color=color, fail_on=Severity.parse(fail_on.value),
                validate=True)


@app.command()
def validate(
    paths: PathsArg = None,
    file: FileOpt = None,
    env_file: EnvFileOpt = None,
    profile: ProfileOpt = None,
    output: FormatOpt = OutputFormat.text,
    quiet: QuietOpt = False,
    engine: EngineOpt = None,
    color: ColorOpt = ColorMode.auto,
) -> None:
    """The verdict alone: exit 0 when each file is valid for its declared format, else 1."""
    _run_checks(paths=paths, files=file, env_files=env_file, profiles=profile, engine=engine,
                output=output, quiet=quiet, color=color, fail_on=Severity.ERROR, validate=True)


@app.command()
def versions(output: FormatOpt = OutputFormat.text) -> None:
    """The Compose file formats: minimum Docker Engine and what each one added."""
    import json
    import textwrap

    from composekit.schema import versions_table

    rows = versions_table()
    if output is OutputFormat.json:
        data = [
            {
                "version": r.format.version,
                "min_engine": r.min_engine,
                "engine_note": r.engine_note or None,
                "compose_v1": r.compose_v1,
                "stack": r.stack,
                "added": list(r.added),
                "removed": list(r.removed),
            }
            for r in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        raise typer.Exit(EXIT_CLEAN)
    for r in rows:
        engine = r.min_engine or "-"
        runtimes = ", ".join(
            name for name, ok in (("compose v1", r.compose_v1), ("stack", r.stack)) if ok
        )
        sys.stdout.write(f"{r.format.version:<6} engine >= {engine:<9} {runtimes}\n")
        if r.engine_note:
            sys.stdout.write(f"       note: {r.engine_note}\n")
        for label, keys in (("added", r.added), ("removed", r.removed)):
            if keys:
                text = textwrap.fill(f"{label}: {', '.join(keys)}", width=100,
                                     initial_indent=" " * 7, subsequent_indent=" " * 9)
                sys.stdout.write(text + "\n")
    raise typer.Exit(EXIT_CLEAN)


def main() -> NoReturn:
    """Console entry point: run the app and turn any escape into exit code 2."""
    try:
        app(prog_name="composekit")
    except SystemExit:
        raise
    except ComposekitError as exc:
        sys.stderr.write(f"composekit: error: {exc}\n")
        raise SystemExit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        sys.stderr.write("composekit: interrupted\n")
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("COMPOSEKIT_DEBUG"):
            raise
        sys.stderr.write(
            f"composekit: internal error: {type(exc).__name__}: {exc} "
            "(set COMPOSEKIT_DEBUG=1 for a traceback; please report it)\n"
        )
        raise SystemExit(EXIT_ERROR) from None
    raise SystemExit(EXIT_CLEAN)
