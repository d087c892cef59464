"""``composekit convert``: rewrite a Compose file for another file-format version.

Only typer and the standard library are imported here (``composekit.cli`` imports this
module to register the command); the converter is imported when the command runs.

Output: the converted file on standard output (or ``-o FILE``, or the input itself with
``--in-place``), and the report of rewrites and losses on standard error, one
``file:line:col: severity CODE message`` line each. With ``--format json`` standard output
is one JSON object: the report, the findings and (unless written to a file) the output.

Exit codes: 0 converted (or, with ``--check``, already in the target form); 1 the file is
not in the target form (``--check``), a loss with ``--strict``, an input composekit cannot
convert (YAML errors; any error for ``--in-place``), or an output that would be invalid;
2 usage or I/O errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from composekit.convert.api import ConversionResult
    from composekit.diagnostics import Diagnostic

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class ConvertFormat(str, Enum):
    text = "text"
    json = "json"


class KubeOutput(str, Enum):
    multi = "multi"
    dir = "dir"
    kustomize = "kustomize"
    helm = "helm"


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"composekit: error: {message}\n")
    raise typer.Exit(EXIT_USAGE)


def convert(
    file: Annotated[str, typer.Argument(help="The Compose file to convert.",
                                        show_default=False)],
    to: Annotated[str, typer.Option(
        "--to", help="Target file-format version: 1, 2.0-2.4, 3.0-3.8 or spec (the Compose "
                     "Specification).", show_default=False)],
    output: Annotated[str | None, typer.Option(
        "-o", "--output", help="Write the converted file here instead of standard output.",
        show_default=False)] = None,
    in_place: Annotated[bool, typer.Option(
        "--in-place", help="Replace FILE (atomically, keeping its mode); refused when FILE "
                           "has errors.")] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 when FILE is not already in the target "
                        "form.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Any loss is an error: nothing is written and the exit code is 1.")]
    = False,
    output_format: Annotated[ConvertFormat, typer.Option(
        "--format", help="text: the file on stdout, the report on stderr; json: one JSON "
                         "object with the report (and the file unless written elsewhere).")]
    = ConvertFormat.text,
    quiet: Annotated[bool, typer.Option(
        "-q", "--quiet", help="Do not print rewrites (losses and errors are still "
                              "printed).")] = False,
    image_prefix: Annotated[str | None, typer.Option(
        "--image-prefix", help="--to stack: run a built service that names no image as "
                               "PREFIX/<project>-<service>:TAG.", show_default=False)] = None,
    tag: Annotated[str | None, typer.Option(
        "--tag", help="--to stack: the tag of derived images (default latest).",
        show_default=False)] = None,
    publish_mode: Annotated[str, typer.Option(
        "--publish-mode", help="--to stack: ingress (the routing mesh) or host (on the node "
                               "that runs the task; long syntax).")] = "ingress",
    endpoint_mode: Annotated[str | None, typer.Option(
        "--endpoint-mode", help="--to stack: vip or dnsrr, for every service that sets no "
                                "deploy.endpoint_mode.", show_default=False)] = None,
    engine: Annotated[str | None, typer.Option(
        "--engine", help="--to stack: the oldest Docker Engine of the swarm; caps the 3.x "
                         "version (3.8 without it).", show_default=False)] = None,
    env_file: Annotated[list[str] | None, typer.Option(
        "--env-file", help="--to stack: read variables from this file instead of .env "
                           "(repeatable).", show_default=False)] = None,
    profile: Annotated[list[str] | None, typer.Option(
        "--profile", help="--to stack: activate this profile (repeatable).",
        show_default=False)] = None,
    kube_output: Annotated[KubeOutput, typer.Option(
        "--output-format", help="--to kubernetes: multi (one YAML stream), dir (a file per "
                                "object), kustomize (files and kustomization.yaml) or helm "
                                "(a chart); all but multi need -o DIR.")] = None,  # type: ignore[assignment]
    chart: Annotated[bool, typer.Option(
        "--chart", help="--to kubernetes: write a Helm chart (--output-format helm).")]
    = False,
    kube_version: Annotated[str | None, typer.Option(
        "--kube-version", help="--to kubernetes: the Kubernetes version to write and "
                               "validate for (1.25-1.37; default the newest).",
        show_default=False)] = None,
    service_type: Annotated[str | None, typer.Option(
        "--service-type", help="--to kubernetes: ClusterIP (default), NodePort or "
                               "LoadBalancer for published ports.", show_default=False)]
    = None,
    statefulset: Annotated[list[str] | None, typer.Option(
        "--statefulset", help="--to kubernetes: make this service a StatefulSet "
                              "(repeatable).", show_default=False)] = None,
    network_policy: Annotated[bool, typer.Option(
        "--network-policy", help="--to kubernetes: write a NetworkPolicy per Compose "
                                 "network.")] = False,
) -> None:
    """Rewrite a Compose file for another file-format version, keeping what it means.

    Comments, key order, quoting, anchors and ${VAR} expressions are kept; what the target
    version cannot say is reported with its line (and is an error with --strict).
    """
    from composekit.convert.api import convert_file
    from composekit.errors import UsageError

    if to.strip().lower() == "stack":
        _convert_stack(file, output=output, in_place=in_place, check=check, strict=strict,
                       json_out=output_format is ConvertFormat.json, quiet=quiet,
                       image_prefix=image_prefix, tag=tag, publish_mode=publish_mode,
                       endpoint_mode=endpoint_mode, engine=engine, env_files=env_file or [],
                       profiles=profile or [])
    if (image_prefix, tag, endpoint_mode, engine, env_file, profile) != (None,) * 6 or \
            publish_mode != "ingress":
        _fail("--image-prefix, --tag, --publish-mode, --endpoint-mode, --engine, --env-file "
              "and --profile apply to --to stack only")
    if to.strip().lower() in ("kubernetes", "k8s"):
        if in_place or check:
            _fail("--in-place and --check do not apply to --to kubernetes")
        _convert_kubernetes(file, output=output, strict=strict, json_out=output_format
                            is ConvertFormat.json, quiet=quiet,
                            fmt="helm" if chart else (kube_output.value if kube_output
                                                      else "multi"),
                            kube_version=kube_version, service_type=service_type,
                            statefulsets=statefulset or [], network_policy=network_policy)
    if sum((output is not None, in_place, check)) > 1:
        _fail("use only one of -o/--output, --in-place and --check")
    try:
        result = convert_file(file, to, strict=strict)
    except UsageError as exc:
        _fail(str(exc))
    io_error = result.text is None and any(d.code == "CK000" for d in result.diagnostics)

    written: str | None = None
    exit_code = EXIT_OK
    problems: list[str] = []
    if io_error:
        exit_code = EXIT_USAGE
    elif not result.ok:
        exit_code = EXIT_FINDINGS
    elif check:
        exit_code = EXIT_FINDINGS if result.changed else EXIT_OK
    elif in_place and result.input_errors:
        exit_code = EXIT_FINDINGS
        problems.append(f"{file} has errors for its own version "
                        f"({result.source.version if result.source else '?'}); not "
                        "converted in place")
    elif in_place or output is not None:
        destination = file if in_place else output
        assert destination is not None and result.text is not None
        if result.changed or not in_place:
            try:
                _write_atomic(destination, result.text, like=file if in_place else None)
            except OSError as exc:
                problems.append(f"cannot write '{destination}': {exc.strerror or exc}")
                exit_code = EXIT_USAGE
            else:
                written = destination

    if output_format is ConvertFormat.json:
        sys.stdout.write(json.dumps(_as_json(result, written=written, check=check,
                                             include_output=not (in_place or output or check)
                                             and exit_code == EXIT_OK, problems=problems),
                                    indent=2) + "\n")
    else:
        _print_text(result, check=check, quiet=quiet, show_input=in_place)
        for message in problems:
            sys.stderr.write(f"composekit: error: {message}\n")
        if (exit_code == EXIT_OK and not check and not in_place and output is None
                and result.text is not None):
            sys.stdout.write(result.text)
        if check and result.ok and not io_error:
            src = result.source.version if result.source else "?"
            state = (f"would convert {file} from {src} to {result.target.version}"
                     if result.changed else f"{file} is already in {result.target.version} form")
            sys.stderr.write(state + "\n")
    raise typer.Exit(exit_code)


def _print_text(result: ConversionResult, *, check: bool, quiet: bool,
                show_input: bool) -> None:
    from composekit.diagnostics import Severity
    from composekit.report.text import format_line

    shown: list[Diagnostic] = []
    if show_input or result.text is None:
        shown.extend(d for d in result.input_diagnostics if d.severity >= Severity.ERROR)
    for d in result.diagnostics:
        if quiet and d.severity < Severity.WARNING:
            continue
        shown.append(d)
    for d in shown:
        sys.stderr.write(format_line(d) + "\n")
    if not quiet and result.text is not None:
        report = result.report
        src = result.source.version if result.source else "?"
        sys.stderr.write(f"{result.path}: {src} -> {result.target.version}: "
                         f"{len(report.rewrites)} rewrite{'s' if len(report.rewrites) != 1 else ''}"
                         f", {len(report.losses)} loss{'es' if len(report.losses) != 1 else ''}"
                         "\n")
    _ = check


def _as_json(result: ConversionResult, *, written: str | None, check: bool,
             include_output: bool, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": result.path,
        "from": result.source.version if result.source else None,
        "to": result.target.version,
        "ok": result.ok and not problems,
        "changed": result.changed,
        "written": written,
        "strict": result.strict,
        "rewrites": len(result.report.rewrites),
        "losses": len(result.report.losses),
        "entries": [e.as_dict() for e in result.report.sorted()],
        "diagnostics": [d.as_dict() for d in result.diagnostics],
        "input_diagnostics": [d.as_dict() for d in result.input_diagnostics],
        "errors": problems,
    }
    if check:
        out["check"] = "differs" if result.changed else "same"
    out["output"] = result.text if include_output else None
    return out


def _write_atomic(path: str, text: str, *, like: str | None) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and
    ``os.replace``; the mode of ``like`` (the replaced file) is kept, else the existing
    file's, else the umask default."""
    real = os.path.realpath(path)
    directory = os.path.dirname(real) or "."
    mode: int | None = None
    for candidate in (like, path):
        if candidate is not None and os.path.exists(candidate):
            mode = stat.S_IMODE(os.stat(candidate).st_mode)
            break
    fd, tmp = tempfile.mkstemp(prefix=".composekit-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _convert_kubernetes(file: str, *, output: str | None, strict: bool, json_out: bool,
                        quiet: bool, fmt: str, kube_version: str | None,
                        service_type: str | None, statefulsets: list[str],
                        network_policy: bool) -> NoReturn:
    """``--to kubernetes``: load the project of FILE, convert, write, report."""
    from composekit.convert.kubernetes import (
        DEFAULT_KUBE_VERSION,
        KubeOptions,
        OutputFormat,
        ServiceType,
        convert_project_files,
    )
    from composekit.convert.kubernetes.emit import write_files
    from composekit.diagnostics import Severity
    from composekit.errors import UsageError
    from composekit.report.text import format_line

    out_fmt = OutputFormat(fmt)
    if out_fmt is not OutputFormat.MULTI and output is None:
        _fail(f"--output-format {fmt} writes several files: give the directory with -o DIR")
    types = {t.value.lower(): t for t in ServiceType}
    if service_type is not None and service_type.lower() not in types:
        _fail(f"unknown --service-type {service_type!r}; use ClusterIP, NodePort or "
              "LoadBalancer")
    try:
        options = KubeOptions(
            kube_version=kube_version or DEFAULT_KUBE_VERSION, output=out_fmt,
            service_type=types[service_type.lower()] if service_type else
            ServiceType.CLUSTER_IP, statefulsets=frozenset(statefulsets),
            network_policy=network_policy, strict=strict)
    except UsageError as exc:
        _fail(str(exc))
    if not os.path.exists(file):
        _fail(f"cannot read '{file}': no such file")
    result = convert_project_files([file], options)
    unknown = sorted(set(statefulsets) - {m.service for m in result.manifests if m.service})
    if unknown and result.manifests:
        _fail(f"--statefulset names no service: {', '.join(unknown)}")
    io_error = not result.manifests and any(d.code == "CK000" for d in result.diagnostics)
    exit_code = EXIT_USAGE if io_error else EXIT_OK if result.ok else EXIT_FINDINGS
    written: list[str] = []
    problems: list[str] = []
    if exit_code == EXIT_OK and output is not None:
        try:
            if out_fmt is OutputFormat.MULTI:
                text = next(iter(result.files.values()))
                _write_atomic(output, text, like=None)
                written = [output]
            else:
                written, _removed = write_files(result.files, output)
        except OSError as exc:
            problems.append(f"cannot write '{output}': {exc.strerror or exc}")
            exit_code = EXIT_USAGE
    if json_out:
        payload = result.as_dict()
        payload.update({"path": file, "written": written, "errors": problems})
        payload["output"] = (next(iter(result.files.values())) if exit_code == EXIT_OK
                             and output is None else None)
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        raise typer.Exit(exit_code)
    for d in [*(d for d in result.input_diagnostics if d.severity >= Severity.ERROR
                and d not in result.diagnostics), *result.diagnostics]:
        if quiet and d.severity < Severity.WARNING:
            continue
        sys.stderr.write(format_line(d) + "\n")
    for message in problems:
        sys.stderr.write(f"composekit: error: {message}\n")
    if exit_code == EXIT_OK and output is None:
        sys.stdout.write(next(iter(result.files.values())))
    if result.manifests and not quiet:
        losses, rewrites = len(result.report.losses), len(result.report.rewrites)
        checked = (f"{result.validated} valid for Kubernetes {options.kube_version}"
                   if result.validation_skipped is None else
                   f"not validated: {result.validation_skipped}")
        sys.stderr.write(f"{file}: kubernetes: {len(result.manifests)} objects ({checked}), "
                         f"{losses} loss{'es' if losses != 1 else ''}, {rewrites} "
                         f"rewrite{'s' if rewrites != 1 else ''}"
                         + (f"; wrote {len(written)} files to {output}"
                            if written and out_fmt is not OutputFormat.MULTI else "") + "\n")
    raise typer.Exit(exit_code)


def _convert_stack(file: str, *, output: str | None, in_place: bool, check: bool,
                   strict: bool, json_out: bool, quiet: bool, **stack: Any) -> NoReturn:
    """``--to stack``: see :mod:`composekit.convert.stack_command`."""
    from composekit.convert.stack_command import run_stack
    from composekit.errors import UsageError

    if in_place or check:
        _fail("--in-place and --check do not apply to --to stack")
    try:
        done = run_stack(file, output=output, strict=strict, json_format=json_out,
                         quiet=quiet, write=_write_atomic, **stack)
    except UsageError as exc:
        _fail(str(exc))
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    raise typer.Exit(done.exit_code)
