"""Running the lint rules over a loaded project, then configuration and suppressions.

:func:`run_rules` runs every rule that is enabled and applies to the target
runtime on the merged project and returns their findings, with the
configuration's per-path selection and severities applied. A rule that raises
is reported as ``CK119 rule-error`` naming the rule, never as a traceback.

:func:`lint_project` is the whole lint step: the rules' findings plus the
built-in findings of loading and validation, all filtered and re-graded by the
configuration, then filtered by ``# composekit: disable`` comments, with
``CK117 unused-suppression`` and ``CK118 invalid-suppression`` findings added.

The target runtime
------------------

Without ``--target`` (or ``target =`` in the configuration), the target is
what the main file's format implies: a legacy v1 file (no ``version:``,
services at the top level) targets ``compose-v1``, because only docker-compose
1.x reads it; every other file targets ``compose-v2``, since Compose v2 is what
reads 2.x, 3.x and Compose Specification files today (it ignores ``version:``).
A 3.x file is *not* taken to mean ``stack``, even with ``deploy:`` keys, since
Compose v2 reads those too: ask for ``--target stack`` to lint for ``docker
stack deploy`` and ``--target kubernetes`` for a conversion to Kubernetes.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from composekit import codes
from composekit.diagnostics import Diagnostic, Span
from composekit.lint.config import UNIGNORABLE, LintConfig
from composekit.lint.context import LintContext
from composekit.lint.rule import Rule, Runtime

if TYPE_CHECKING:
    from composekit.catalog import FileFormat
    from composekit.loader.project import Project
    from composekit.yamlio import YamlDocument

__all__ = ["LintResult", "default_target", "lint_project", "run_rules", "sort_key"]


def sort_key(d: Diagnostic) -> tuple[object, ...]:
    """Findings in file order: path, line, column, code, then the rest (ends may be unset)."""
    span = d.span
    return (d.path, span.line, span.column, d.code, span.end_line or 0, span.end_column or 0,
            d.message, d.json_path)


def default_target(formats: Mapping[str, FileFormat | None], main: str | None = None) -> Runtime:
    """The runtime a project's main file implies (see the module docstring)."""
    fmt = formats.get(main) if main is not None else next(iter(formats.values()), None)
    if fmt is not None and fmt.version == "1":
        return Runtime.COMPOSE_V1
    return Runtime.COMPOSE_V2


def _rules(rules: Sequence[type[Rule]] | None) -> Sequence[type[Rule]]:
    if rules is not None:
        return rules
    from composekit.lint.rules import ALL_RULES

    return ALL_RULES


def active_rules(config: LintConfig, target: Runtime,
                 rules: Sequence[type[Rule]] | None = None) -> list[type[Rule]]:
    """The rules that run: enabled for some file, and about ``target``."""
    return [r for r in _rules(rules) if r.applies_to(target) and config.may_enable(r.code)]


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    name = last.filename
    marker = "composekit/"
    if marker in name.replace("\\", "/"):
        name = name.replace("\\", "/")
        name = name[name.rindex(marker):]
    return f" (at {name}:{last.lineno})"


def _rule_error(rule: type[Rule], project: Project, exc: BaseException) -> Diagnostic:
    return codes.make(
        "rule-error", project.main_file or project.working_dir or ".", Span(),
        f"rule {rule.code} ({rule.name}) failed: {type(exc).__name__}: {exc}{_where(exc)}; "
        "its findings for this project are missing",
        help=f"please report this bug; meanwhile '--ignore {rule.code}' skips the rule",
        origin="lint",
    )


def run_rules(
    project: Project,
    formats: Mapping[str, FileFormat | None],
    *,
    config: LintConfig | None = None,
    target: Runtime | None = None,
    rules: Sequence[type[Rule]] | None = None,
) -> list[Diagnostic]:
    """Run the enabled rules on ``project``; findings with configuration applied.

    ``target`` defaults to the configuration's, then to :func:`default_target`;
    ``rules`` to the registry. Suppression comments are not applied here (see
    :func:`lint_project`).
    """
    config = config or LintConfig()
    target = target or config.target or default_target(formats, project.main_file)
    out: list[Diagnostic] = []
    for rule_cls in active_rules(config, target, rules):
        severities = {}
        sev = config.severity_for(rule_cls.code)
        if sev is not None:
            severities[rule_cls.code] = sev
        ctx = LintContext(project=project, formats=dict(formats), target=target,
                          severities=severities)
        found: list[Diagnostic] = []
        try:
            rule = rule_cls(config.options_for(rule_cls))
            for diag in rule.check(ctx):
                if not isinstance(diag, Diagnostic):
                    raise TypeError(f"check() yielded {type(diag).__name__}, not a Diagnostic")
                found.append(diag)
        except Exception as exc:  # a broken rule must not end the run
            found.append(_rule_error(rule_cls, project, exc))
        out.extend(found)
    return apply_config(out, config)


def apply_config(diags: Iterable[Diagnostic], config: LintConfig) -> list[Diagnostic]:
    """Drop the findings the configuration disables; set configured severities."""
    out: list[Diagnostic] = []
    for d in diags:
        if not config.is_enabled(d.code, d.path):
            continue
        if d.code not in UNIGNORABLE:
            sev = config.severity_for(d.code, d.path)
            if sev is not None and sev != d.severity:
                d = replace(d, severity=sev)
        out.append(d)
    return out


@dataclass
class LintResult:
    """What :func:`lint_project` found, and what it decided on the way."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    target: Runtime = Runtime.COMPOSE_V2
    #: Codes of the rules that ran.
    rules_run: tuple[str, ...] = ()
    #: Findings removed by suppression comments.
    suppressed: list[Diagnostic] = field(default_factory=list)


def lint_project(
    project: Project,
    formats: Mapping[str, FileFormat | None],
    findings: Iterable[Diagnostic] = (),
    *,
    config: LintConfig | None = None,
    target: Runtime | None = None,
    rules: Sequence[type[Rule]] | None = None,
) -> LintResult:
    """The whole lint step for one project.

    ``findings`` are the built-in findings of loading and validating it; they
    and the rules' findings go through the configuration, then through the
    suppression comments of each file.
    """
    config = config or LintConfig()
    target = target or config.target or default_target(formats, project.main_file)
    ran = tuple(r.code for r in active_rules(config, target, rules))
    diags = run_rules(project, formats, config=config, target=target, rules=rules)
    diags.extend(apply_config(findings, config))
    rule_codes = {r.code for r in _rules(rules)}

    def checked(code: str, path: str) -> bool:
        if not config.is_enabled(code, path):
            return False
        return code in ran or (code not in rule_codes and code in codes.CODES)

    kept, suppressed = suppress(diags, project.documents, checked=checked, config=config)
    return LintResult(diagnostics=sorted(set(kept), key=sort_key), target=target, rules_run=ran,
                      suppressed=suppressed)


def _bind(checked: Callable[[str, str], bool], path: str) -> Callable[[str], bool]:
    return lambda code: checked(code, path)


def suppress(
    diags: Sequence[Diagnostic],
    documents: Mapping[str, YamlDocument],
    *,
    checked: Callable[[str, str], bool],
    config: LintConfig | None = None,
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Apply each file's suppression comments: ``(kept, suppressed)``.

    ``kept`` also holds ``unused-suppression`` findings for entries naming a
    code that was ``checked`` in that file and suppressed nothing, and
    ``invalid-suppression`` findings (both filtered by ``config``).
    """
    from composekit.lint.pragmas import FilePragmas, parse_pragmas

    config = config or LintConfig()
    pragmas: dict[str, FilePragmas] = {}
    for path, doc in documents.items():
        found = parse_pragmas(doc.text, path)
        if found.entries or found.problems:
            pragmas[path] = found
    if not pragmas:
        return list(diags), []
    kept: list[Diagnostic] = []
    dropped: list[Diagnostic] = []
    for d in diags:
        table = pragmas.get(d.path)
        if table is not None and d.code not in UNIGNORABLE and table.match(d) is not None:
            dropped.append(d)
        else:
            kept.append(d)
    for path, table in pragmas.items():
        extra = table.problems + table.unused(_bind(checked, path))
        for d in apply_config(extra, config):
            if table.match(d) is None:
                kept.append(d)
            else:
                dropped.append(d)
    return kept, dropped
