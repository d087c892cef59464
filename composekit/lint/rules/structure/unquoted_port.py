"""CK121 unquoted-port."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from ruamel.yaml.comments import CommentedSeq

from composekit.diagnostics import Diagnostic, Edit, Fix, Severity
from composekit.lint.context import LintContext
from composekit.lint.rule import FixAvailability, Rule
from composekit.lint.rules.structure._ordering import service_parts
from composekit.lint.rules.structure._yamltext import (
    is_flow,
    lines_of,
    quoted,
    scalar_extent,
)

_QUOTE_TYPES = {"any": '"', "double": '"', "single": "'"}
_SECTIONS: tuple[Literal["ports", "expose"], ...] = ("ports", "expose")


@dataclass(frozen=True)
class Options:
    """``quote_type``: ``"any"``, ``"double"`` or ``"single"``; ``sections``: the
    service keys whose entries are checked (``ports``, ``expose``)."""

    quote_type: Literal["any", "double", "single"] = "any"
    sections: tuple[Literal["ports", "expose"], ...] = _SECTIONS

    def __post_init__(self) -> None:
        if self.quote_type not in _QUOTE_TYPES:
            raise ValueError(
                f"quote_type must be one of {', '.join(_QUOTE_TYPES)}, not {self.quote_type!r}")
        if isinstance(self.sections, str) or any(s not in _SECTIONS for s in self.sections):
            raise ValueError("sections must be a list of 'ports' and 'expose'")


class UnquotedPort(Rule):
    """
    ## What it does
    Checks that short-syntax entries of a service's `ports` and `expose` lists
    are quoted strings, such as `- "8080:80"`.

    ## Why is this bad?
    Unquoted, a port entry is read by YAML's rules for numbers: docker-compose
    1.x (YAML 1.1) reads `- 22:22` as the base-60 number 1342, and Compose v2
    reads `- 0755` style values as octal. Quoting every entry means nobody has
    to remember which values are safe, and keeps the list uniform.

    ## Example
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - 8080:80
        expose:
          - 9000
    ```

    ## Use instead:
    ```yaml
    services:
      web:
        image: nginx:1.27
        ports:
          - "8080:80"
        expose:
          - "9000"
    ```

    ## Options
    - `quote_type` (`"any"`, `"double"` or `"single"`; default `"any"`): with
      `"double"` or `"single"`, entries in the other kind of quotes are
      reported too. The fix writes double quotes under `"any"`.
    - `sections` (list, default `["ports", "expose"]`): which lists to check.

    ## Fix safety
    The fix adds (or swaps) the quotes around the text as written, and is
    safe: Compose reads a quoted port as the string it would have read for a
    number that YAML did not mangle. It is not offered for a multi-line
    scalar or when the quotes would need escapes.

    ## Known problems
    A value that YAML 1.1 reads as a base-60 number is also reported by
    `yaml11-sexagesimal` (CK012), which names the number docker-compose 1.x
    would use. The long syntax (`published: 8080`) is not checked: its
    values are plain numbers that YAML reads safely.

    ## References
    - dclint `require-quotes-in-ports` (its `quoteType` and `portsSections`
      options are `quote_type` and `sections` here)
    """

    code = "CK121"
    name = "unquoted-port"
    severity = Severity.STYLE
    fix_availability = FixAvailability.SOMETIMES
    Options = Options

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        options: Options = self.options
        want = _QUOTE_TYPES[options.quote_type]
        strict = options.quote_type != "any"
        for path, service, svc in ctx.raw_services():
            text_lines: Sequence[str] | None = None
            for section in options.sections:
                items = svc.get(section)
                if not isinstance(items, CommentedSeq):
                    continue
                if text_lines is None:
                    text_lines = lines_of(ctx.documents[path].text)
                yield from self._section(ctx, path, service, section, items, text_lines,
                                         want, strict)

    def _section(self, ctx: LintContext, path: str, service: str, section: str,
                 items: CommentedSeq, text_lines: Sequence[str], want: str, strict: bool
                 ) -> Iterator[Diagnostic]:
        flow = is_flow(items)
        what = "Port" if section == "ports" else "Exposed port"
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, str | int):
                continue
            try:
                line0, col0 = (int(v) for v in items.lc.item(i))
            except (KeyError, TypeError, AttributeError, ValueError):
                continue
            if not 0 <= line0 < len(text_lines) or col0 >= len(text_lines[line0]):
                continue
            first = text_lines[line0][col0]
            found = scalar_extent(text_lines, line0, col0, flow=flow)
            parts: tuple[str | int, ...] = (*service_parts(ctx, path, service), section, i)
            if first in "'\"":
                if not strict or first == want:
                    continue
                value = found.value() if found is not None else None
                new = quoted(value, want) if value is not None else None
                kind = "double" if want == '"' else "single"
                fix = Fix(f"Use {kind} quotes", (Edit(found.span(), new),)) \
                    if found is not None and new is not None else None
                yield ctx.report(
                    self, parts,
                    f"{what} '{value if value is not None else item}' of service "
                    f"'{service}' is not in {kind} quotes",
                    path=path, help=f"Write it in {kind} quotes", fix=fix)
                continue
            raw = found.raw if found is not None else str(item)
            new = quoted(raw, want) if found is not None else None
            fix = Fix("Quote the port", (Edit(found.span(), new),)) \
                if found is not None and new is not None else None
            yield ctx.report(
                self, parts, f"{what} '{raw}' of service '{service}' is not quoted",
                path=path, help="Quote it, e.g. \"8080:80\"", fix=fix)
