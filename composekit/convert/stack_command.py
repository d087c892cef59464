"""``composekit convert FILE --to stack``: what the command prints, writes and exits with.

The typer command (:mod:`composekit.commands.convert_cmd`) parses the options and hands them
to :func:`run_stack`, which converts, writes the output through the command's atomic writer
and returns the exit code with the text for standard output and standard error, so this
module prints nothing itself.

* text format: the stack file on standard output (or ``-o FILE``); on standard error one
  ``file:line:col: severity CODE message`` line per rewrite and loss (rewrites hidden by
  ``--quiet``), then a summary with the chosen version and the deploy command;
* json format: one object on standard output: the report, the findings, the chosen version
  and (unless written to a file) the stack file.

Exit codes: 0 converted; 1 a loss with ``--strict``, a service the stack cannot run, a
project with errors or an output that would be invalid; 2 usage or I/O errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from composekit.convert.stack import StackOptions, StackResult, convert_stack
from composekit.diagnostics import Diagnostic, Severity
from composekit.errors import UsageError

__all__ = ["StackCommandResult", "run_stack"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

Writer = Callable[..., None]


@dataclass
class StackCommandResult:
    """What the command must print and exit with."""

    exit_code: int
    stdout: str = ""
    stderr: str = ""
    written: str | None = None
    result: StackResult | None = field(default=None, repr=False)


def run_stack(
    file: str,
    *,
    output: str | None = None,
    strict: bool = False,
    json_format: bool = False,
    quiet: bool = False,
    image_prefix: str | None = None,
    tag: str | None = None,
    publish_mode: str = "ingress",
    endpoint_mode: str | None = None,
    engine: str | None = None,
    env_files: Sequence[str] = (),
    profiles: Sequence[str] = (),
    write: Writer,
) -> StackCommandResult:
    """Convert ``file`` (and its project) to stack form; see the module docstring.

    ``write(path, text, like=None)`` writes the output file atomically. Raises
    :class:`UsageError` for bad options.
    """
    out_dir = os.path.dirname(os.path.abspath(output)) if output else None
    options = StackOptions(image_prefix=image_prefix, tag=tag, publish_mode=publish_mode,
                           endpoint_mode=endpoint_mode, engine=engine, strict=strict,
                           out_dir=out_dir, env_files=tuple(env_files))
    if file != "-" and not os.path.exists(file):
        raise UsageError(f"cannot read '{file}': no such file")
    result = convert_stack([file], env_files=env_files, profiles=profiles, options=options)
    input_errors = [d for d in result.input_diagnostics if d.severity >= Severity.ERROR]
    io_error = any(d.code == "CK000" for d in input_errors)

    exit_code = EXIT_OK
    problems: list[str] = []
    written: str | None = None
    if io_error:
        exit_code = EXIT_USAGE
    elif input_errors:
        exit_code = EXIT_FINDINGS
        problems.append(f"{file}: the project has errors; fix them before converting it")
    elif not result.ok:
        exit_code = EXIT_FINDINGS
        why = "losses are errors with --strict" if strict and result.report.losses else \
            "see the errors above"
        problems.append(f"nothing written: {why}")
    elif output is not None and result.text is not None:
        try:
            write(output, result.text, like=None)
        except OSError as exc:
            problems.append(f"cannot write '{output}': {exc.strerror or exc}")
            exit_code = EXIT_USAGE
        else:
            written = output

    if json_format:
        payload = result.as_dict()
        payload["written"] = written
        payload["errors"] = problems
        payload["ok"] = exit_code == EXIT_OK
        payload["output"] = result.text if exit_code == EXIT_OK and output is None else None
        return StackCommandResult(exit_code, json.dumps(payload, indent=2) + "\n", "", written,
                                  result)

    err: list[str] = [_line(d) for d in _shown(result, quiet=quiet)]
    err.extend(f"composekit: error: {p}" for p in problems)
    if result.version is not None and not quiet:
        report = result.report
        why = f" ({'; '.join(result.version_reasons)})" if result.version_reasons else ""
        err.append(f"{result.path}: stack {result.version.version}{why}: "
                   f"{_count(len(report.rewrites), 'rewrite')}, "
                   f"{_count(len(report.losses), 'loss', 'losses')}")
        if exit_code == EXIT_OK:
            err.append(f"deploy with: docker stack deploy -c {written or 'STACK_FILE'} "
                       f"{result.stack_name}")
    out = result.text if exit_code == EXIT_OK and output is None and result.text else ""
    return StackCommandResult(exit_code, out or "", "".join(e + "\n" for e in err), written,
                              result)


def _shown(result: StackResult, *, quiet: bool) -> list[Diagnostic]:
    shown = [d for d in result.input_diagnostics
             if d.severity >= (Severity.WARNING if not quiet else Severity.ERROR)]
    shown.extend(d for d in result.diagnostics
                 if not quiet or d.severity >= Severity.WARNING)
    return shown


def _line(diag: Diagnostic) -> str:
    from composekit.report.text import format_line

    return format_line(diag)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
