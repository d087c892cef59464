"""Convert a Compose file between file-format versions: the library entry points.

:func:`convert_text` reads the file, walks the ladder from its format to the target
(:mod:`composekit.convert.ladder`), applies the transforms and the catalogue sweep, writes the
result back with everything untouched kept byte for byte (:mod:`composekit.convert.emit`),
and validates the result against the target's schema before returning it. It never raises
for a problem in the file and never prints: everything is in the returned
:class:`ConversionResult`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from composekit import codes
from composekit.catalog.versions import Family, FileFormat, detect_format
from composekit.convert.context import Context
from composekit.convert.edit import quoted
from composekit.convert.emit import detect_style, emit
from composekit.convert.ladder import parse_target, steps
from composekit.convert.model import Map, build, deref
from composekit.convert.report import Difference, Report
from composekit.convert.sweep import sweep
from composekit.convert.transforms import for_step, phase, rescue_anchors
from composekit.diagnostics import Diagnostic, Severity, Span

if TYPE_CHECKING:
    from composekit.yamlio import YamlDocument

__all__ = ["ConversionResult", "convert_file", "convert_text"]

_BOM = "\ufeff"


@dataclass
class ConversionResult:
    """What :func:`convert_text` produced.

    ``text``: the converted file (``None`` when the conversion failed: the input could not
    be read, or the output would be invalid). ``report``: rewrites and losses.
    ``input_diagnostics``: what is wrong with the input for its own version (the conversion
    still runs). ``diagnostics``: the conversion's findings: the report as CK030/CK031,
    CK032 for an invalid output, and the reasons the input could not be converted.
    """

    path: str
    text: str | None
    report: Report
    source: FileFormat | None
    target: FileFormat
    original: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    input_diagnostics: list[Diagnostic] = field(default_factory=list)
    strict: bool = False

    @property
    def ok(self) -> bool:
        """True when there is an output and no ERROR finding (losses are errors with
        ``strict``)."""
        return self.text is not None and not any(
            d.severity >= Severity.ERROR for d in self.diagnostics)

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original

    @property
    def input_errors(self) -> list[Diagnostic]:
        return [d for d in self.input_diagnostics if d.severity >= Severity.ERROR]


def convert_file(path: str, to: str | FileFormat, *, strict: bool = False,
                 target_stack: bool = False) -> ConversionResult:
    """:func:`convert_text` on a file; an unreadable file gives a result without text and
    with the ``io-error`` finding."""
    from composekit.yamlio import load_file

    target = to if isinstance(to, FileFormat) else parse_target(to)
    doc, diags = load_file(path)
    if doc is None:
        return ConversionResult(path, None, Report(path, None, target), None, target,
                                diagnostics=diags, strict=strict)
    text = doc.text
    try:
        with open(path, "rb") as fh:
            if fh.read(3) == b"\xef\xbb\xbf":
                text = _BOM + text.lstrip(_BOM)
    except OSError:
        pass
    return _convert(text, doc, diags, path, to, target, strict=strict,
                    target_stack=target_stack, base_dir=None)


def convert_text(text: str, path: str, to: str | FileFormat, *, strict: bool = False,
                 target_stack: bool = False, base_dir: str | None = None) -> ConversionResult:
    """Convert the Compose file ``text`` (read from ``path``) to the format ``to``
    (``"1"``, ``"2.0"``-``"2.4"``, ``"3.0"``-``"3.8"``, ``"spec"`` or a
    :class:`~composekit.catalog.versions.FileFormat`).

    ``strict``: every loss is an error. ``target_stack``: also write ``docker stack``'s
    forms (``deploy.restart_policy`` from ``restart``). ``base_dir``: where ``extends:
    {file: ...}`` is resolved (default: the directory of ``path``).
    Raises :class:`~composekit.errors.UsageError` for an unknown ``to``.
    """
    from composekit.yamlio import parse_text

    target = to if isinstance(to, FileFormat) else parse_target(to)
    body = text[len(_BOM):] if text.startswith(_BOM) else text
    doc, diags = parse_text(body, path)
    return _convert(text, doc, diags, path, to, target, strict=strict,
                    target_stack=target_stack, base_dir=base_dir)


def _convert(text: str, doc: YamlDocument | None, parse_diags: list[Diagnostic], path: str,
             to: str | FileFormat, target: FileFormat, *, strict: bool, target_stack: bool,
             base_dir: str | None) -> ConversionResult:
    from composekit.schema import validate_tree

    bom = text.startswith(_BOM)
    body = text[len(_BOM):] if bom else text
    report = Report(path, None, target)
    result = ConversionResult(path, None, report, None, target, original=text, strict=strict)
    if doc is None:
        result.diagnostics = parse_diags
        return result
    blocking = [d for d in parse_diags if d.severity >= Severity.ERROR]
    if len(doc.documents) > 1:
        blocking.append(codes.make(
            "multiple-documents", path, Span(), "cannot convert a file with several YAML "
            "documents; split it first", severity=Severity.ERROR, origin="convert"))
    if blocking:
        result.diagnostics = sorted(set(parse_diags) | set(blocking))
        return result
    source, version_diags = detect_format(doc.data, path)
    if source is None:
        result.diagnostics = version_diags
        return result
    result.source = source
    report.source = source
    result.input_diagnostics = sorted(version_diags + validate_tree(doc.data, path, source))

    root, src = build(doc.data, body)
    style = detect_style(root, src)
    ctx = Context(root, src, path, base_dir or os.path.dirname(path) or ".", source, target,
                  stack=target_stack)
    ctx.report = report
    ctx.v1 = source.family is Family.V1
    if source != target:
        for _t, fn in phase("first"):
            fn(ctx)
        for step in steps(source, target):
            for _t, fn in for_step(step.boundary, step.up):
                fn(ctx)
        for _t, fn in phase("final"):
            fn(ctx)
        sweep(ctx)
        rescue_anchors(ctx)
        _set_version(ctx, to if isinstance(to, str) and to.strip() in ("2", "3") else None)
    out = emit(ctx.root, src, style)
    if bom:
        out = _BOM + out
    problems = _self_check(out[len(_BOM):] if bom else out, path, target)
    result.diagnostics = sorted(report.diagnostics(strict=strict) + problems)
    if problems:
        return result
    result.text = out
    return result


def _set_version(ctx: Context, spelling: str | None) -> None:
    """Write ``version:`` for the target: a quoted string for 2.x/3.x (``spelling`` when the
    caller wrote ``2`` or ``3``), none for v1 and the Compose Specification.

    A new ``version:`` goes at the very top, followed by a blank line and the file's header
    comments; removing it also removes the blank lines after it, so the two directions undo
    each other."""
    root = ctx.root
    target = ctx.target
    text = spelling or target.version
    e = root.entry("version") if not ctx.v1 else None
    old = deref(e.value) if e is not None else None
    old_text = getattr(old, "value", None)
    if target.family in (Family.SPEC, Family.V1):
        if e is not None:
            root.remove(e)
            ctx.rewrite("version", e, ("version",),
                        "the Compose Specification has no `version`; removed"
                        if target.family is Family.SPEC else "v1 files have no `version`",
                        Difference(("version",), None), reversible=_at_top(ctx, e))
        return
    value = quoted(text, old_text)
    if e is not None:
        root.set("version", value)
        ctx.rewrite("version", e, ("version",), f"`version: \"{old_text}\"` -> "
                    f"`version: \"{text}\"`")
        return
    entry = root.set("version", value, at=0)
    header = _header(root, ctx) or []
    root.preamble = []
    entry.trailer = header if header and not header[0].strip() else [ctx.src.newline, *header]
    ctx.rewrite("version", None, ("version",), f"`version: \"{text}\"` added")


def _at_top(ctx: Context, e: object) -> bool:
    """Whether a ``version:`` entry is written the way :func:`_set_version` adds one: the
    file's first line, ``version: "X.Y"``, a blank line after it."""
    from composekit.convert.model import Entry

    if not isinstance(e, Entry) or e.region is None:
        return False
    r = e.region
    return (r.lead == 0 and r.line == 0 and ctx.src.line(0) == f'version: "{ctx.source.version}"'
            and r.end == 1 and ctx.src.blank(1))


def _header(root: Map, ctx: Context) -> list[str] | None:
    if root.preamble is not None:
        return list(root.preamble)
    block = root.block
    if block is None or not block.regions:
        return None
    nl = ctx.src.newline
    lines = ctx.src.lines
    return [lines[i] if lines[i].endswith("\n") else lines[i] + nl
            for i in range(block.start, block.regions[0].lead)]


def _self_check(text: str, path: str, target: FileFormat) -> list[Diagnostic]:
    """The converted text must parse, declare the target format and be valid for it."""
    from composekit.schema import validate_tree as validate
    from composekit.yamlio import parse_text as parse

    def invalid(message: str) -> Diagnostic:
        return codes.make("conversion-invalid-output", path, Span(), message,
                          origin="convert",
                          help="this is a composekit bug unless the input is invalid; the "
                               "input was not changed")

    doc, diags = parse(text, path)
    errors = [d for d in diags if d.severity >= Severity.ERROR]
    if doc is None or errors:
        return [invalid(f"the converted file would not be valid YAML: line {d.line}: "
                        f"{d.message}") for d in errors] or [invalid("the converted file would "
                                                                     "not be valid YAML")]
    fmt, _found = detect_format(doc.data, path)
    if fmt != target:
        shown = fmt.version if fmt is not None else "unknown"
        return [invalid(f"the converted file would read as {shown}, not {target.version}")]
    out = []
    for d in validate(doc.data, path, target):
        if d.severity >= Severity.ERROR:
            out.append(invalid(f"the converted file would be invalid for {target.version}: "
                               f"line {d.line}: {d.message}"))
    return out


