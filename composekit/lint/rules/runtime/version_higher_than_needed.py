"""CK608 version-higher-than-needed: the file could declare an older format."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Fix, Severity
from composekit.lint.rule import FixAvailability, Rule, Runtime

if TYPE_CHECKING:
    from composekit.catalog import FileFormat
    from composekit.lint.context import LintContext
    from composekit.yamlio import YamlDocument

#: ``${VAR:-x}``, ``${VAR-x}``, ``${VAR:?e}``, ``${VAR?e}`` (not ``$${...}``, which is literal).
_MODIFIER = re.compile(r"(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*:?[-?]")
_RESOURCES = ("volumes", "networks", "secrets", "configs")


def _floors(doc: YamlDocument, fmt: FileFormat) -> list[tuple[str, str]]:
    """Requirements of docker-compose 1.x that are not keys: ``(version, reason)``.

    * interpolation with a default or an error (``${VAR:-x}``) needs 2.1 in the 2.x line
      (2.0 reads only ``$VAR`` and ``${VAR}``);
    * a resource declared ``external`` with other attributes needs 2.1 or 3.4.
    """
    from composekit.catalog import Family

    out: list[tuple[str, str]] = []
    if fmt.family is Family.V2 and _MODIFIER.search(doc.text):
        out.append(("2.1", "`${VAR:-default}` interpolation needs 2.1"))
    data = doc.data
    if isinstance(data, Mapping):
        for section in _RESOURCES:
            entries = data.get(section)
            if not isinstance(entries, Mapping):
                continue
            for name, cfg in entries.items():
                if isinstance(cfg, Mapping) and cfg.get("external") and len(cfg) > 1:
                    version = "2.1" if fmt.family is Family.V2 else "3.4"
                    out.append((version, f"`{section}.{name}` is external with other "
                                         f"attributes, which needs {version}"))
    return out


def _lowest(path: str, doc: YamlDocument, fmt: FileFormat
            ) -> tuple[FileFormat, list[str]] | None:
    """The lowest format of ``fmt``'s family the file can declare, with the reasons."""
    from composekit.catalog.versions import BY_VERSION, family_formats
    from composekit.schema import minimum_requirements, validate_tree

    req = minimum_requirements(doc.data, fmt)
    lowest = req.minimum_format
    reasons = [r.describe() for r in req.forced_by]
    for version, reason in _floors(doc, fmt):
        floor = BY_VERSION[version]
        if floor > lowest:
            lowest, reasons = floor, [reason]
        elif floor == lowest:
            reasons.append(reason)
    if lowest >= fmt:
        return None
    skip = [("version",)]
    if validate_tree(doc.data, path, fmt, skip=skip):
        return None  # not valid for its own format: that comes first (CK02x)
    for cand in family_formats(fmt.family):
        if cand < lowest:
            continue
        if cand >= fmt:
            return None
        if not validate_tree(doc.data, path, cand, skip=skip):
            if cand != lowest:
                reasons = [f"the values of `{where}` need it"
                           for where in _paths_refused_below(doc, path, cand)]
            return cand, reasons
    return None


def _paths_refused_below(doc: YamlDocument, path: str, cand: FileFormat) -> list[str]:
    """What the format just below ``cand`` refuses (to explain why ``cand`` is needed)."""
    from composekit.catalog.versions import family_formats
    from composekit.schema import validate_tree

    formats = family_formats(cand.family)
    below = formats[formats.index(cand) - 1] if formats.index(cand) > 0 else None
    if below is None:
        return []
    found = validate_tree(doc.data, path, below, skip=[("version",)])
    return sorted({d.json_path.removeprefix("$.") for d in found})[:3]


def _quoted(old: str, version: str) -> str:
    quote = old[:1] if old[:1] in ("'", '"') else '"'
    return f"{quote}{version}{quote}"


class VersionHigherThanNeeded(Rule):
    """## What it does
    Works out the oldest file format (and so the oldest Docker Engine) that
    the keys and values of a 2.x or 3.x file really need, and reports the
    `version:` of a file that declares a newer one: "declares 3.8, needs
    only 3.4 (`volumes.data.name` needs 3.4 / Engine 17.09.0)".

    ## Why is this bad?
    `version:` decides which engines and tools accept the file. A file that
    declares more than it uses refuses older engines for nothing
    (`docker stack deploy` on Engine 17.12 cannot read 3.8), and readers
    assume it relies on the newer format. It is not wrong, hence
    informational: it tells you what you can promise.

    ## Example
    ```yaml
    # linted with --target stack
    version: "3.8"
    services:
      web:
        image: nginx:1.27
    volumes:
      data:
        name: web-data
    ```

    ## Use instead:
    ```yaml
    # linted with --target stack
    version: "3.4"
    services:
      web:
        image: nginx:1.27
    volumes:
      data:
        name: web-data
    ```

    ## Fix safety
    Unsafe: the new version is the lowest one the schemas accept and the
    known non-key requirements allow (`${VAR:-x}` needs 2.1, `external` with
    other attributes needs 2.1/3.4, as docker-compose 1.26 checks), but a
    tool may depend on the declared version in ways the linter cannot see,
    and a later edit may need the newer format again.

    ## Known problems
    Reported for `--target compose-v1` and `--target stack` only: Compose v2
    ignores `version:` (CK901 suggests removing it). Override files are
    checked on their own.

    ## References
    - Uses `composekit.schema.minimum_requirements` (the key catalogue's
      per-format availability) and re-validates the file with each candidate
      format's schema.
    - docker-compose 1.26.2 `compose/config/interpolation.py` (2.0 has no
      default-value interpolation) and `validate_external`.
    - https://docs.docker.com/reference/compose-file/legacy-versions/
    """

    code = "CK608"
    name = "version-higher-than-needed"
    severity = Severity.INFO
    fix_availability = FixAvailability.SOMETIMES
    targets = frozenset({Runtime.COMPOSE_V1, Runtime.STACK})

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        from composekit.catalog import Family
        from composekit.lint.fix import replace_scalar, scalar_span

        for path, doc in ctx.documents.items():
            fmt = ctx.format_of(path)
            data: Any = doc.data
            if fmt is None or not isinstance(data, Mapping) or "version" not in data:
                continue
            if fmt.family not in (Family.V2, Family.V3):
                continue
            if ctx.target is Runtime.STACK and fmt.family is not Family.V3:
                continue  # CK601
            if ctx.target is Runtime.COMPOSE_V1 and not fmt.compose_v1:
                continue  # CK601
            found = _lowest(path, doc, fmt)
            if found is None:
                continue
            lowest, reasons = found
            why = "; ".join(reasons[:3]) if reasons else "no key needs a newer format"
            if len(reasons) > 3:
                why += f"; {len(reasons) - 3} more"
            engines = ""
            if lowest.min_engine and fmt.min_engine:
                engines = (f"; {lowest.version} is read by Docker Engine {lowest.min_engine} "
                           f"and later, {fmt.version} needs {fmt.min_engine}")
            fix = None
            span = scalar_span(doc.text, data, ("version",))
            if span is not None:
                line = doc.text.splitlines()[span.line - 1]
                old = line[span.column - 1:(span.end_column or span.column) - 1]
                edit = replace_scalar(doc.text, data, ("version",), _quoted(old, lowest.version))
                if edit is not None:
                    fix = Fix(f"Declare version {lowest.version}", (edit,), safe=False)
            yield ctx.report(
                self, ("version",),
                f"The file declares {fmt.version} but needs only {lowest.version} ({why})"
                f"{engines}",
                help=f"Declare version \"{lowest.version}\" to support older engines, or "
                     "keep the version on purpose",
                fix=fix, path=path)
