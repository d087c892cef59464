"""The rule catalogue as documentation: ``composekit rules``, ``composekit explain``,
``docs/rules.md`` and the SARIF rule metadata all come from here.

A rule's docstring is its documentation, in Markdown with ``## `` section
headings in this order: ``What it does``, ``Why is this bad?``, ``Example``,
``Use instead:``, then where they apply ``Options``, ``Fix safety``, ``Known
problems``, ``References``. Built-in codes (:mod:`composekit.codes`) have a
one-line summary instead.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.diagnostics import Severity
from composekit.lint.rule import FixAvailability, Rule

#: Section headings of a rule docstring, in order.
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead:", "Options",
            "Fix safety", "Known problems", "References")
#: Sections every rule must have.
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead:")

_HEADING = re.compile(r"^#{1,3}\s+(?P<title>.+?)\s*$")
_STAGES = (
    ("CK00", "reading and parsing"),
    ("CK01", "reading, YAML dialects and interpolation"),
    ("CK02", "file-format versions and schema validation"),
    ("CK03", "file-format versions and schema validation"),
    ("CK04", "reading and parsing"),
    ("CK117", "suppression comments"),
    ("CK118", "suppression comments"),
    ("CK119", "the lint engine"),
    ("CK1", "project structure: merging, extends, include, references"),
)


@dataclass(frozen=True)
class OptionDoc:
    name: str
    type: str
    default: Any

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": _jsonable(self.default)}


@dataclass(frozen=True)
class RuleDoc:
    """Everything the catalogue says about one code."""

    code: str
    name: str
    severity: Severity
    fix: FixAvailability
    summary: str
    #: ``"builtin"`` or the rule's family package (``images``, ``security``, ...).
    family: str
    #: Runtime names the rule is about; empty for every runtime.
    targets: tuple[str, ...] = ()
    #: The docstring (Markdown), or the built-in code's summary.
    body: str = ""
    sections: Mapping[str, str] = field(default_factory=dict)
    options: tuple[OptionDoc, ...] = ()
    #: False for opt-in rules, which run only when a selector names them.
    default_enabled: bool = True

    @property
    def builtin(self) -> bool:
        return self.family == "builtin"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "slug": self.name,
            "severity": self.severity.label,
            "fixable": self.fix.value,
            "family": self.family,
            "builtin": self.builtin,
            "targets": list(self.targets) or None,
            "default_enabled": self.default_enabled,
            "summary": self.summary,
            "options": [o.as_dict() for o in self.options],
            "documentation": self.body,
        }

    def header(self) -> str:
        fix = {FixAvailability.NONE: "not fixable", FixAvailability.SOMETIMES:
               "sometimes fixable", FixAvailability.ALWAYS: "fixable"}[self.fix]
        targets = ", ".join(self.targets) if self.targets else "every target"
        kind = "built-in check" if self.builtin else f"{self.family} rule"
        opt_in = "" if self.default_enabled else "; opt-in: runs only when selected"
        return (f"{self.code} {self.name} ({kind}; default severity {self.severity.label}; "
                f"{fix}; {targets}{opt_in})")

    def to_text(self) -> str:
        """What ``composekit explain`` prints."""
        lines = [self.header(), ""]
        lines.append(self.body.strip() if self.body else self.summary)
        if self.builtin:
            lines += ["", f"Reported by composekit itself ({_stage(self.code)})."]
            from composekit.lint.config import UNIGNORABLE

            if self.code in UNIGNORABLE:
                lines.append("It cannot be ignored or suppressed: the file could not be checked.")
            else:
                lines.append("It can be selected, ignored, re-graded and suppressed like a rule.")
        if self.options:
            lines += ["", "Option defaults:"]
            lines += [f"  {o.name} = {json.dumps(_jsonable(o.default))}  ({o.type})"
                      for o in self.options]
        return "\n".join(lines).rstrip() + "\n"

    def help_markdown(self) -> str:
        """The body for SARIF ``help.markdown`` and the docs page."""
        return self.body.strip() if self.body else self.summary


def _stage(code: str) -> str:
    return next((label for prefix, label in _STAGES if code.startswith(prefix)), "loading")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list | frozenset | set):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, frozenset | set) else items
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "value"):
        return _jsonable(value.value)
    return str(value)


def parse_sections(doc: str) -> dict[str, str]:
    """The docstring's sections by heading (``## What it does`` or a bare known heading).

    Text before the first heading is under ``""``.
    """
    out: dict[str, list[str]] = {"": []}
    current = ""
    in_code = False
    for line in doc.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = _HEADING.match(line) if not in_code else None
        title = m.group("title") if m else (line.strip() if not in_code
                                             and line.strip() in SECTIONS else None)
        if title is not None:
            current = title
            out.setdefault(current, [])
            continue
        out.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in out.items() if k or "\n".join(v).strip()}


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def options_of(rule: type[Rule]) -> tuple[OptionDoc, ...]:
    cls = rule.Options
    if not dataclasses.is_dataclass(cls):
        return ()
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # an annotation that does not resolve: show it as written
        hints = {}
    out: list[OptionDoc] = []
    defaults = cls()
    for f in dataclasses.fields(cls):
        out.append(OptionDoc(f.name.replace("_", "-"), _type_name(hints.get(f.name, f.type)),
                             getattr(defaults, f.name)))
    return tuple(out)


def _family(rule: type[Rule]) -> str:
    parts = rule.__module__.split(".")
    if len(parts) >= 4 and parts[:3] == ["composekit", "lint", "rules"]:
        return parts[3]
    return "custom"


def rule_doc(rule: type[Rule]) -> RuleDoc:
    body = inspect.getdoc(rule) or ""
    return RuleDoc(
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        fix=rule.fix_availability,
        summary=rule.summary(),
        family=_family(rule),
        targets=tuple(sorted(t.value for t in rule.targets)) if rule.targets else (),
        body=body,
        sections=parse_sections(body),
        options=options_of(rule),
        default_enabled=rule.default_enabled,
    )


def builtin_doc(code: codes.Code) -> RuleDoc:
    return RuleDoc(code=code.code, name=code.name, severity=code.severity,
                   fix=(FixAvailability.SOMETIMES if code.code == "CK117"
                        else FixAvailability.NONE),
                   summary=code.summary, family="builtin", body="")


def all_docs(rules: Sequence[type[Rule]] | None = None, *,
             builtin: bool = True) -> list[RuleDoc]:
    """Every code's documentation, sorted by code."""
    if rules is None:
        from composekit.lint.rules import ALL_RULES

        rules = ALL_RULES
    docs = [rule_doc(r) for r in rules]
    if builtin:
        docs += [builtin_doc(c) for c in codes.CODES.values()]
    return sorted(docs, key=lambda d: d.code)


def find_doc(ident: str, rules: Sequence[type[Rule]] | None = None) -> RuleDoc:
    """The documentation of a code or slug; ``KeyError`` with suggestions when unknown."""
    docs = all_docs(rules)
    wanted = ident.strip()
    for d in docs:
        if d.code == wanted.upper() or d.name == wanted:
            return d
    import difflib

    names = [d.name for d in docs] + [d.code for d in docs]
    close = difflib.get_close_matches(wanted, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `composekit rules`"
    raise KeyError(f"unknown rule '{ident}'{hint}")


# --------------------------------------------------------------------------
# Renderings
# --------------------------------------------------------------------------


def catalogue_text(docs: Sequence[RuleDoc]) -> str:
    """``composekit rules``: one line per code."""
    width = max((len(d.name) for d in docs), default=10)
    fix = {FixAvailability.NONE: " ", FixAvailability.SOMETIMES: "~",
           FixAvailability.ALWAYS: "*"}
    lines = []
    for d in docs:
        family = "built-in" if d.builtin else d.family
        opt = " " if d.default_enabled else "o"
        lines.append(f"{d.code}  {d.name:<{width}}  {d.severity.label:<7}  {fix[d.fix]}{opt}  "
                     f"{family:<12}  {d.summary}")
    lines.append("")
    lines.append("fix: * always fixable, ~ sometimes; o: opt-in (runs only when selected); "
                 "`composekit explain CODE` for details")
    return "\n".join(lines) + "\n"


def catalogue_json(docs: Sequence[RuleDoc]) -> str:
    return json.dumps([d.as_dict() for d in docs], indent=2, ensure_ascii=False) + "\n"


def _demote(markdown: str, levels: int = 2) -> str:
    out = []
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("#"):
            line = "#" * levels + line
        elif not in_code and line.strip() in SECTIONS:
            line = "#" * (levels + 2) + " " + line.strip()
        out.append(line)
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_markdown(docs: Sequence[RuleDoc]) -> str:
    """``docs/rules.md``: the catalogue as one Markdown page."""
    rules = [d for d in docs if not d.builtin]
    builtins = [d for d in docs if d.builtin]
    fix = {FixAvailability.NONE: "", FixAvailability.SOMETIMES: "sometimes",
           FixAvailability.ALWAYS: "yes"}
    out = [
        "# composekit rules",
        "",
        "<!-- Generated by `composekit rules --format markdown > docs/rules.md`; do not edit. -->",
        "",
        f"composekit reports {len(builtins)} built-in checks (reading, validation and the "
        f"lint engine) and {len(rules)} lint rules. Every code can be selected, ignored and "
        "re-graded in the configuration (`[tool.composekit]` in `pyproject.toml` or "
        "`.composekit.yaml`) and suppressed with `# composekit: disable=CODE`, except the "
        "built-in checks that mean a file could not be read at all. "
        "`composekit explain CODE` prints one entry.",
        "",
        "## Lint rules",
        "",
        "Opt-in rules (hardening advice and house-style ordering that most files fail and "
        "many teams rightly decline) run only when a selector names them: their code, a "
        "prefix such as `CK3`, or `ALL`.",
        "",
        "| Code | Name | Severity | Fix | Targets | Default | Summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in rules:
        anchor = f"{d.code.lower()}-{d.name}"
        targets = ", ".join(d.targets) if d.targets else "all"
        default = "on" if d.default_enabled else "opt-in"
        out.append(f"| [{d.code}](#{anchor}) | `{d.name}` | {d.severity.label} | "
                   f"{fix[d.fix]} | {targets} | {default} | {_cell(d.summary)} |")
    out += ["", "## Built-in checks", "", "| Code | Name | Severity | Summary |",
            "|---|---|---|---|"]
    for d in builtins:
        out.append(f"| {d.code} | `{d.name}` | {d.severity.label} | {_cell(d.summary)} |")
    for d in rules:
        targets = ", ".join(d.targets) if d.targets else "every target"
        out += ["", f"### {d.code} {d.name}", "",
                f"Family: {d.family} · Default severity: {d.severity.label} · "
                f"Fix: {fix[d.fix] or 'no'} · Targets: {targets} · "
                f"{'On by default' if d.default_enabled else 'Opt-in'}", "",
                _demote(d.body.strip())]
        if d.options:
            out += ["", "Option defaults:", ""]
            out += [f"- `{o.name}` ({o.type}): `{json.dumps(_jsonable(o.default))}`"
                    for o in d.options]
    return "\n".join(out).rstrip() + "\n"
