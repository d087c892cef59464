"""The ``composekit`` command line: parse options, call the library, report, exit.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage, I/O or
internal error. No traceback reaches the user unless ``COMPOSEKIT_DEBUG`` is
set.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from composekit import __version__
from composekit.diagnostics import Severity
from composekit.errors import ComposekitError

if TYPE_CHECKING:
    from composekit.checker import CheckOptions, LintOptions

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
    sarif = "sarif"
    github = "github"
    junit = "junit"


class TableFormat(str, Enum):
    text = "text"
    json = "json"


class RulesFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    style = "style"


class TargetRuntime(str, Enum):
    compose_v1 = "compose-v1"
    compose_v2 = "compose-v2"
    stack = "stack"
    kubernetes = "kubernetes"


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
OutputOpt = Annotated[
    str | None,
    typer.Option("-o", "--output", help="Write the report to this file instead of standard "
                                        "output.", show_default=False),
]
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
    FailOn | None,
    typer.Option("--fail-on", help="Lowest severity that makes the exit code 1 "
                                   "[default: the configuration's fail-on, else warning].",
                 show_default=False),
]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option("--select", help="Report only these codes, prefixes (CK3) or slugs; "
                                  "replaces the configured selection (repeatable, or "
                                  "comma-separated).", show_default=False),
]
ExtendSelectOpt = Annotated[
    list[str] | None,
    typer.Option("--extend-select", help="Add codes, prefixes or slugs to the selection.",
                 show_default=False),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Do not report these codes, prefixes or slugs "
                                  "(added to the configured ones).", show_default=False),
]
TargetOpt = Annotated[
    TargetRuntime | None,
    typer.Option("--target", help="The runtime to lint for [default: what the file's "
                                  "version implies: compose-v1 for legacy v1 files, else "
                                  "compose-v2].", show_default=False),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", help="Read this configuration file (.composekit.yaml or a "
                                  "TOML file) instead of searching for one.",
                 show_default=False),
]
IsolatedOpt = Annotated[
    bool, typer.Option("--isolated", help="Ignore every configuration file.")
]


def _use_color(mode: ColorMode, *, to_file: bool = False) -> bool:
    if mode is ColorMode.always:
        return True
    if mode is ColorMode.never or os.environ.get("NO_COLOR") or to_file:
        return False
    return sys.stdout.isatty()


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"composekit: error: {message}\n")
    raise typer.Exit(EXIT_ERROR)


def _emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        _fail(f"cannot write the report to '{output}': {exc.strerror or exc}")


def _check_options(env_files: list[str] | None, profiles: list[str] | None, engine: str | None,
                   lint: LintOptions | None) -> CheckOptions:
    from composekit.checker import CheckOptions

    if engine:
        from composekit.schema import parse_engine

        try:
            parse_engine(engine)
        except ValueError as exc:
            _fail(f"--engine: {exc}")
    return CheckOptions(env_files=tuple(env_files or ()), profiles=tuple(profiles or ()),
                        engine=engine, lint=lint)


def _lint_options(*, select: list[str] | None, extend_select: list[str] | None,
                  ignore: list[str] | None, target: TargetRuntime | None, config: str | None,
                  isolated: bool, fail_on: FailOn | None) -> LintOptions:
    from composekit.checker import LintOptions
    from composekit.lint.rule import Runtime

    if config is not None and not os.path.isfile(config):
        _fail(f"--config: no such file: '{config}'")
    return LintOptions(
        config=config,
        isolated=isolated,
        select=tuple(select) if select is not None else None,
        extend_select=tuple(extend_select or ()),
        ignore=tuple(ignore or ()),
        target=Runtime(target.value) if target is not None else None,
        fail_on=Severity.parse(fail_on.value) if fail_on is not None else None,
    )


def _run_checks(
    *,
    paths: list[str] | None,
    files: list[str] | None,
    options: CheckOptions,
    output: OutputFormat,
    output_file: str | None,
    quiet: bool,
    color: ColorMode,
    validate: bool,
) -> NoReturn:
    from composekit.checker import CheckResult, check_target, resolve_targets
    from composekit.lint.config import ConfigResolver
    from composekit.report import REPORTERS, ReportOptions
    from composekit.report.text import summary

    lint = options.lint
    resolver = (ConfigResolver(explicit=lint.config, isolated=lint.isolated)
                if lint is not None else None)
    total = CheckResult()
    try:
        for target in resolve_targets(paths or [], files or []):
            total.extend(check_target(target, options, validate=validate, resolver=resolver))
    except ComposekitError as exc:
        _fail(str(exc))
    shown = [d for d in total.diagnostics if not quiet or d.severity >= Severity.ERROR]
    use_color = _use_color(color, to_file=output_file is not None)
    use_color = use_color and output is OutputFormat.text
    report = REPORTERS[output.value](shown, ReportOptions(color=use_color,
                                                          files=tuple(total.files),
                                                          fail_on=total.fail_on))
    _emit(report, output_file)
    if output is OutputFormat.text and not quiet:
        sys.stderr.write(summary(total.diagnostics, len(total.files)) + "\n")
    if total.io_failed:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if total.failed else EXIT_CLEAN)


def _run_fix(
    *,
    paths: list[str] | None,
    files: list[str] | None,
    options: CheckOptions,
    output: OutputFormat,
    output_file: str | None,
    quiet: bool,
    color: ColorMode,
    diff: bool,
    unsafe: bool,
) -> NoReturn:
    from composekit.checker import CheckResult, fix_target, resolve_targets
    from composekit.lint.config import ConfigResolver
    from composekit.lint.fix import unified_diff
    from composekit.report import REPORTERS, ReportOptions
    from composekit.report.text import summary

    lint = options.lint
    assert lint is not None
    resolver = ConfigResolver(explicit=lint.config, isolated=lint.isolated)
    total = CheckResult()
    diffs: list[str] = []
    applied = changed = 0
    errors: list[str] = []
    incomplete = False
    try:
        for target in resolve_targets(paths or [], files or []):
            outcome = fix_target(target, options, write=not diff, unsafe=unsafe,
                                 resolver=resolver)
            total.extend(outcome.check)
            errors.extend(outcome.errors)
            incomplete = incomplete or outcome.incomplete
            applied += outcome.applied
            changed += len(outcome.files)
            diffs.extend(unified_diff(f.path, f.original, f.fixed) for f in outcome.files)
            for d, reason in outcome.refused:
                sys.stderr.write(f"composekit: fix not applied: {d.path}:{d.span.line}:"
                                 f"{d.span.column}: {d.code} {d.name}: {reason}\n")
    except ComposekitError as exc:
        _fail(str(exc))
    for message in errors:
        sys.stderr.write(f"composekit: error: {message}\n")
    if diff:
        _emit("".join(diffs), output_file)
        if not quiet:
            sys.stderr.write(f"{applied} fix{'es' if applied != 1 else ''} would change "
                             f"{changed} file{'s' if changed != 1 else ''}\n")
            if incomplete:
                sys.stderr.write("composekit: more fixes need another pass; run --fix to "
                                 "apply them all\n")
        if errors or total.io_failed:
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(EXIT_FINDINGS if diffs else EXIT_CLEAN)
    shown = [d for d in total.diagnostics if not quiet or d.severity >= Severity.ERROR]
    use_color = _use_color(color, to_file=output_file is not None)
    use_color = use_color and output is OutputFormat.text
    report = REPORTERS[output.value](shown, ReportOptions(color=use_color,
                                                          files=tuple(total.files),
                                                          fail_on=total.fail_on))
    _emit(report, output_file)
    if not quiet:
        sys.stderr.write(f"fixed {applied} finding{'s' if applied != 1 else ''} in {changed} "
                         f"file{'s' if changed != 1 else ''}; "
                         + summary(total.diagnostics, len(total.files)) + "\n")
    if errors or total.io_failed:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if total.failed else EXIT_CLEAN)


@app.command()
def lint(
    paths: PathsArg = None,
    file: FileOpt = None,
    env_file: EnvFileOpt = None,
    profile: ProfileOpt = None,
    output: FormatOpt = OutputFormat.text,
    output_file: OutputOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = None,
    color: ColorOpt = ColorMode.auto,
    fail_on: FailOnOpt = None,
    select: SelectOpt = None,
    extend_select: ExtendSelectOpt = None,
    ignore: IgnoreOpt = None,
    target: TargetOpt = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the fixes and write the files; "
                                                    "report what is left.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a unified diff "
                                                      "and write nothing.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply fixes "
                                               "that may change what the file means.")
                            ] = False,
) -> None:
    """Check Compose files: syntax, schema of their version, and the lint rules."""
    lint_opts = _lint_options(select=select, extend_select=extend_select, ignore=ignore,
                              target=target, config=config, isolated=isolated,
                              fail_on=fail_on)
    options = _check_options(env_file, profile, engine, lint_opts)
    if fix or diff:
        _run_fix(paths=paths, files=file, options=options, output=output,
                 output_file=output_file, quiet=quiet, color=color, diff=diff,
                 unsafe=unsafe_fixes)
    _run_checks(paths=paths, files=file, options=options, output=output,
                output_file=output_file, quiet=quiet, color=color, validate=True)


@app.command()
def validate(
    paths: PathsArg = None,
    file: FileOpt = None,
    env_file: EnvFileOpt = None,
    profile: ProfileOpt = None,
    output: FormatOpt = OutputFormat.text,
    output_file: OutputOpt = None,
    quiet: QuietOpt = False,
    engine: EngineOpt = None,
    color: ColorOpt = ColorMode.auto,
) -> None:
    """The verdict alone: exit 0 when each file is valid for its declared format, else 1.

    No lint rule runs and no lint configuration is read.
    """
    options = _check_options(env_file, profile, engine, None)
    _run_checks(paths=paths, files=file, options=options, output=output,
                output_file=output_file, quiet=quiet, color=color, validate=True)


@app.command()
def rules(
    output: Annotated[RulesFormat, typer.Option("--format", help="Output format.")]
    = RulesFormat.text,
) -> None:
    """List every code: the lint rules and the built-in checks."""
    from composekit.lint.docs import all_docs, catalogue_json, catalogue_markdown, catalogue_text

    docs = all_docs()
    render = {RulesFormat.text: catalogue_text, RulesFormat.json: catalogue_json,
              RulesFormat.markdown: catalogue_markdown}[output]
    sys.stdout.write(render(docs))
    raise typer.Exit(EXIT_CLEAN)


@app.command()
def explain(
    rule: Annotated[str, typer.Argument(help="A code (CK201) or slug (image-latest-tag).",
                                        show_default=False)],
) -> None:
    """Print one rule's documentation: what it does, why, examples, options, fix safety."""
    from composekit.lint.docs import find_doc

    try:
        doc = find_doc(rule)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    sys.stdout.write(doc.to_text())
    raise typer.Exit(EXIT_CLEAN)


@app.command()
def versions(
    output: Annotated[TableFormat, typer.Option("--format", help="Output format.")]
    = TableFormat.text,
) -> None:
    """The Compose file formats: minimum Docker Engine and what each one added."""
    import json
    import textwrap

    from composekit.schema import versions_table

    rows = versions_table()
    if output is TableFormat.json:
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


from composekit.commands import test_cmd  # noqa: E402  (light: imports the harness lazily)

app.command("test")(test_cmd.test)

from composekit.commands import convert_cmd  # noqa: E402  (light: imports the converter lazily)

app.command("convert")(convert_cmd.convert)


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
