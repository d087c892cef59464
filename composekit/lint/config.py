"""Lint configuration: where it is found, what it may say, and what it decides.

Where
-----

``composekit lint FILE`` looks for a configuration in the directory of
``FILE`` and then in each parent directory, and uses the nearest one:

* ``.composekit.yaml`` (or ``.composekit.yml``): the keys below at the top
  level;
* ``pyproject.toml`` with a ``[tool.composekit]`` table (a ``pyproject.toml``
  without that table is passed over).

In one directory ``.composekit.yaml`` wins over ``pyproject.toml``. The walk
stops after the first directory that holds ``.git`` (the repository root), so
a configuration above the repository never applies. ``--config FILE`` names
the file instead (no walk); ``--isolated`` uses the defaults.

What
----

Every key is optional; an unknown key is an error, with the file, line and
column where it was written::

    [tool.composekit]
    select = ["CK"]       # codes, prefixes ("CK3"), slugs or "ALL"; default: all but opt-in
    ignore = ["CK201", "image-latest-tag", "CK9"]
    target = "compose-v2"           # compose-v1 | compose-v2 | stack | kubernetes
    fail-on = "warning"             # error | warning | info | style

    [tool.composekit.severity-overrides]
    CK301 = "error"                 # selector -> severity; the most specific one wins
    CK9 = "info"

    [tool.composekit.rules.image-latest-tag]   # per-rule options, by code or slug
    allowed-tags = ["stable"]

    [[tool.composekit.overrides]]   # per-path: globs relative to the config's directory
    files = ["deploy/**/*.yaml", "test-*.yml"]
    ignore = ["CK3"]
    select = ["CK301"]
    severity-overrides = { CK201 = "info" }

What it decides
---------------

A selector is a full code (``CK301``), a code prefix (``CK3``, ``CK``), a
rule slug (``privileged-container``, the same as its code) or ``ALL``. A code
is enabled when the most specific ``select`` selector matching it is more
specific than the most specific ``ignore`` selector matching it (ties go to
``ignore``); by default everything is selected except the opt-in rules
(hardening and ordering rules whose ``default_enabled`` is false, marked
"opt-in" in ``composekit rules``), which any selector naming them (their
code, a prefix such as ``CK3``, or ``ALL``) turns on. Per-path overrides are
layers on top, in order: the last one whose ``files`` match the file and that
has a selector matching the code decides. Severity overrides work the same
way (the most specific selector, later layers first).

Built-in codes (:mod:`composekit.codes`) take part too, except the ones that
mean a file could not be read at all (:data:`UNIGNORABLE`), which always show.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.diagnostics import Severity
from composekit.errors import ConfigError
from composekit.lint.rule import Rule, Runtime

#: Names of composekit's own configuration files, most preferred first.
CONFIG_FILES = (".composekit.yaml", ".composekit.yml")
PYPROJECT = "pyproject.toml"

#: Built-in codes that no configuration or suppression hides: the file could
#: not be read at all (I/O, encoding, syntax, limits), or a rule crashed.
UNIGNORABLE = frozenset({
    "CK000", "CK001", "CK002", "CK004", "CK005", "CK009", "CK010", "CK011", "CK119",
})

_TOP_KEYS = ("select", "ignore", "severity-overrides", "rules", "overrides", "fail-on", "target")
_OVERRIDE_KEYS = ("files", "select", "ignore", "severity-overrides")
_CODE_RE = re.compile(r"CK[0-9]{0,3}")

PathPart = str | int


# --------------------------------------------------------------------------
# The catalogue of codes a selector may name
# --------------------------------------------------------------------------


def rule_classes() -> tuple[type[Rule], ...]:
    """Every registered rule class (imported lazily: the registry imports every rule)."""
    from composekit.lint.rules import ALL_RULES

    return ALL_RULES


def known_codes() -> dict[str, str]:
    """Every code, built-in and rule, mapped to its slug."""
    out = {c.code: c.name for c in codes.CODES.values()}
    out.update({r.code: r.name for r in rule_classes()})
    return out


@functools.cache
def opt_in_codes() -> frozenset[str]:
    """Codes of the rules that run only when selected (``default_enabled = False``)."""
    return frozenset(r.code for r in rule_classes() if not r.default_enabled)


def resolve_code(ident: str) -> str | None:
    """The code that ``ident`` (a code in any case, or a slug) names, or ``None``."""
    table = known_codes()
    upper = ident.strip().upper()
    if upper in table:
        return upper
    for code, slug in table.items():
        if slug == ident.strip():
            return code
    return None


@dataclass(frozen=True)
class Selector:
    """``CK301``, ``CK3``, ``privileged-container`` or ``ALL``, as a code prefix."""

    text: str
    prefix: str
    #: Whether the selector also matches opt-in rules (``default_enabled = False``);
    #: only the implicit default selection does not.
    opt_in: bool = True

    @property
    def specificity(self) -> int:
        return len(self.prefix)

    def matches(self, code: str) -> bool:
        if not self.opt_in and code in opt_in_codes():
            return False
        return code.startswith(self.prefix)

    @classmethod
    def parse(cls, text: object, where: str) -> Selector:
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{where}: a selector must be a non-empty string, got {text!r}")
        raw = text.strip()
        if raw.upper() == "ALL":
            return cls(raw, "")
        table = known_codes()
        upper = raw.upper()
        if _CODE_RE.fullmatch(upper):
            if not any(code.startswith(upper) for code in table):
                raise ConfigError(f"{where}: no code starts with '{raw}'")
            return cls(raw, upper)
        code = resolve_code(raw)
        if code is None:
            raise ConfigError(f"{where}: unknown rule '{raw}' (not a code, prefix or slug; "
                              "see `composekit rules`)")
        return cls(raw, code)


#: What is selected when nothing is: every code but the opt-in rules'.
DEFAULT_SELECTION = Selector("DEFAULT", "", opt_in=False)


def _best(selectors: Iterable[Selector], code: str) -> int | None:
    return max((s.specificity for s in selectors if s.matches(code)), default=None)


def _decide(select: Sequence[Selector] | None, ignore: Sequence[Selector],
            code: str) -> bool | None:
    """True/False when this layer has an opinion on ``code``, else ``None``."""
    chosen = _best(select, code) if select is not None else None
    dropped = _best(ignore, code)
    if chosen is None and dropped is None:
        return None
    if dropped is None:
        return True
    if chosen is None:
        return False
    return chosen > dropped


def _severity(table: Sequence[tuple[Selector, Severity]], code: str) -> Severity | None:
    best: tuple[int, Severity] | None = None
    for sel, sev in table:
        if sel.matches(code) and (best is None or sel.specificity >= best[0]):
            best = (sel.specificity, sev)
    return best[1] if best is not None else None


# --------------------------------------------------------------------------
# Globs
# --------------------------------------------------------------------------


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex for a path glob: ``*``, ``?``, ``[...]`` and ``**/`` (any depth)."""
    p = pattern.strip().replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    if p.endswith("/"):
        p += "**"
    out: list[str] = []
    i, n = 0, len(p)
    while i < n:
        if p.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif p[i] == "*":
            out.append("[^/]*")
            i += 1
        elif p[i] == "?":
            out.append("[^/]")
            i += 1
        elif p[i] == "[" and "]" in p[i + 2:]:
            end = p.index("]", i + 2)
            body = p[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(p[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class PathOverride:
    """Settings for the files that match ``files`` (globs relative to the config)."""

    files: tuple[str, ...]
    select: tuple[Selector, ...] | None = None
    ignore: tuple[Selector, ...] = ()
    severities: tuple[tuple[Selector, Severity], ...] = ()
    _regexes: tuple[tuple[bool, re.Pattern[str]], ...] = field(default=(), compare=False,
                                                               repr=False)

    def __post_init__(self) -> None:
        compiled = tuple(("/" not in f.strip().rstrip("/"), glob_regex(f)) for f in self.files)
        object.__setattr__(self, "_regexes", compiled)

    def matches(self, relative: str | None, basename: str) -> bool:
        for base_only, regex in self._regexes:
            if base_only and regex.match(basename):
                return True
            if relative is not None and regex.match(relative):
                return True
        return False


# --------------------------------------------------------------------------
# The configuration
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LintConfig:
    """One resolved configuration (the defaults when ``path`` is ``None``)."""

    #: The file it was read from.
    path: str | None = None
    #: The directory that per-path globs are relative to.
    root: str = "."
    #: ``None``: everything.
    select: tuple[Selector, ...] | None = None
    ignore: tuple[Selector, ...] = ()
    severities: tuple[tuple[Selector, Severity], ...] = ()
    #: Options instance by rule code.
    options: Mapping[str, Any] = field(default_factory=dict)
    overrides: tuple[PathOverride, ...] = ()
    fail_on: Severity | None = None
    target: Runtime | None = None

    def __hash__(self) -> int:
        return hash((self.path, self.root, self.select, self.ignore, self.severities,
                     self.overrides, self.fail_on, self.target))

    # -- decisions ------------------------------------------------------------

    def _layers(self, path: str | None) -> list[PathOverride]:
        if path is None or not self.overrides:
            return []
        absolute = os.path.abspath(path)
        relative: str | None = os.path.relpath(absolute, os.path.abspath(self.root))
        if relative is not None:
            relative = relative.replace(os.sep, "/")
            if relative.startswith("../") or relative == "..":
                relative = None
        base = os.path.basename(absolute)
        return [o for o in self.overrides if o.matches(relative, base)]

    def is_enabled(self, code: str, path: str | None = None) -> bool:
        """Whether findings of ``code`` in ``path`` are reported."""
        if code in UNIGNORABLE:
            return True
        for layer in reversed(self._layers(path)):
            verdict = _decide(layer.select, layer.ignore, code)
            if verdict is not None:
                return verdict
        verdict = _decide(self.select if self.select is not None else (DEFAULT_SELECTION,),
                          self.ignore, code)
        return bool(verdict)

    def may_enable(self, code: str) -> bool:
        """Whether ``code`` is enabled for some file (so its rule must run)."""
        if self.is_enabled(code):
            return True
        return any(_best(o.select, code) is not None for o in self.overrides
                   if o.select is not None)

    def severity_for(self, code: str, path: str | None = None) -> Severity | None:
        """The configured severity of ``code`` in ``path``, or ``None`` for the default."""
        for layer in reversed(self._layers(path)):
            found = _severity(layer.severities, code)
            if found is not None:
                return found
        return _severity(self.severities, code)

    def options_for(self, rule: type[Rule]) -> Any:
        """The rule's options: configured, or its defaults."""
        found = self.options.get(rule.code)
        return found if found is not None else rule.Options()

    # -- the command line on top ------------------------------------------------

    def with_overrides(
        self,
        *,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        extend_select: Sequence[str] = (),
        target: Runtime | None = None,
        fail_on: Severity | None = None,
    ) -> LintConfig:
        """This configuration with command-line options on top.

        ``--select`` replaces the configured selection, ``--extend-select`` adds
        to it, ``--ignore`` adds to the ignored codes.
        """
        new_select = self.select
        if select is not None:
            new_select = tuple(Selector.parse(s, "--select") for s in _split(select))
        if extend_select:
            extra = tuple(Selector.parse(s, "--extend-select") for s in _split(extend_select))
            new_select = (new_select if new_select is not None else (DEFAULT_SELECTION,)) + extra
        return dataclasses.replace(
            self,
            select=new_select,
            ignore=self.ignore + tuple(Selector.parse(s, "--ignore") for s in _split(ignore)),
            target=target if target is not None else self.target,
            fail_on=fail_on if fail_on is not None else self.fail_on,
        )


def _split(values: Sequence[str]) -> list[str]:
    """``["CK1,CK2", "CK3"]`` -> ``["CK1", "CK2", "CK3"]`` (comma lists on the CLI)."""
    out: list[str] = []
    for v in values:
        out.extend(part.strip() for part in v.split(",") if part.strip())
    return out


# --------------------------------------------------------------------------
# Reading configuration files
# --------------------------------------------------------------------------


class _Source:
    """A configuration file's data and a way to name where each key was written."""

    def __init__(self, path: str, data: Any, base: tuple[PathPart, ...] = (),
                 positions: Mapping[tuple[PathPart, ...], tuple[int, int]] | None = None,
                 tree: Any = None) -> None:
        self.path = path
        self.data = data
        self.base = base
        self._positions = positions or {}
        self._tree = tree

    def where(self, *parts: PathPart) -> str:
        """``path:line:col`` of the key at ``parts`` (relative to the composekit table)."""
        if self._tree is not None:
            from composekit.yamlio import locate

            span = locate(self._tree, parts, key=True)
            return f"{self.path}:{span.line}:{span.column}"
        full = self.base + tuple(parts)
        while full:
            pos = self._positions.get(full)
            if pos is not None:
                return f"{self.path}:{pos[0]}:{pos[1]}"
            full = full[:-1]
        return self.path


def _load_toml(path: str, text: str) -> tuple[dict[str, Any], dict[tuple[PathPart, ...],
                                                                  tuple[int, int]]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", detail)
        if m:
            where = f"{path}:{m.group(1)}:{m.group(2)}"
        else:  # "(at end of document)"
            where = f"{path}:{text.count(chr(10)) + 1}:{len(text) - text.rfind(chr(10))}"
        detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", detail)
        raise ConfigError(f"{where}: not valid TOML: {detail}") from None
    return data, toml_key_positions(text)


_TOML_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_TOML_DOTTED = rf"{_TOML_KEY}(?:\s*\.\s*{_TOML_KEY})*"
_TOML_TABLE = re.compile(rf"^\s*(\[\[?)\s*({_TOML_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_TOML_ASSIGN = re.compile(rf"^(\s*)({_TOML_DOTTED})\s*=")
_TOML_PART = re.compile(_TOML_KEY)


def _toml_parts(dotted: str) -> tuple[str, ...]:
    parts: list[str] = []
    for m in _TOML_PART.finditer(dotted):
        tok = m.group(0)
        if tok[0] in "\"'":
            tok = tok[1:-1]
            if m.group(0)[0] == '"':
                tok = tok.encode("utf-8").decode("unicode_escape")
        parts.append(tok)
    return tuple(parts)


def toml_key_positions(text: str) -> dict[tuple[PathPart, ...], tuple[int, int]]:
    """Where each table and key of a TOML document was written: ``{path: (line, col)}``.

    Line based: tables, arrays of tables (indexed) and ``key = value`` lines;
    keys inside inline tables are not located (their parent key is).
    """
    out: dict[tuple[PathPart, ...], tuple[int, int]] = {}
    current: tuple[PathPart, ...] = ()
    counts: dict[tuple[PathPart, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _TOML_TABLE.match(line)
        if m:
            parts: tuple[PathPart, ...] = _toml_parts(m.group(2))
            col = line.index(m.group(2)) + 1
            if m.group(1) == "[[":
                index = counts.get(parts, 0)
                counts[parts] = index + 1
                out.setdefault(parts, (number, col))
                parts = (*parts, index)
            current = parts
            out.setdefault(parts, (number, col))
            continue
        m = _TOML_ASSIGN.match(line)
        if m:
            key = current + _toml_parts(m.group(2))
            out.setdefault(key, (number, len(m.group(1)) + 1))
    return out


def _read_source(path: str) -> _Source | None:
    """The composekit settings in ``path``; ``None`` for a pyproject.toml without them."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the configuration is not UTF-8 text") from None
    if path.endswith(".toml"):
        data, positions = _load_toml(path, text)
        tool = data.get("tool")
        if isinstance(tool, dict) and "composekit" in tool:
            return _Source(path, tool["composekit"], ("tool", "composekit"), positions)
        if os.path.basename(path) == PYPROJECT:
            return None
        return _Source(path, data, (), positions)
    return _yaml_source(path, text)


def _yaml_source(path: str, text: str) -> _Source:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return _Source(path, data, tree=data)


def load_config(path: str) -> LintConfig:
    """Read one configuration file (``.composekit.yaml``, ``pyproject.toml``, other ``.toml``)."""
    source = _read_source(path)
    if source is None:
        raise ConfigError(f"{path}: no [tool.composekit] table")
    return parse_config(source)


def find_config_file(start: str) -> str | None:
    """The nearest configuration file at or above ``start`` (a file or directory)."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return candidate
        candidate = os.path.join(here, PYPROJECT)
        if os.path.isfile(candidate) and _has_tool_table(candidate):
            return candidate
        if os.path.exists(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\[?\s*tool\s*\.\s*composekit\b", text, re.MULTILINE) is not None


class ConfigResolver:
    """Finds and reads the configuration of each linted file, once per directory."""

    def __init__(self, *, explicit: str | None = None, isolated: bool = False) -> None:
        self.explicit = explicit
        self.isolated = isolated
        self._by_dir: dict[str, str | None] = {}
        self._by_file: dict[str, LintConfig] = {}

    def for_path(self, path: str) -> LintConfig:
        """The configuration that applies to ``path`` (a file or a directory)."""
        if self.isolated:
            return LintConfig()
        if self.explicit is not None:
            return self._load(self.explicit)
        here = os.path.abspath(path)
        directory = here if os.path.isdir(here) else os.path.dirname(here)
        if directory not in self._by_dir:
            self._by_dir[directory] = find_config_file(directory)
        found = self._by_dir[directory]
        return self._load(found) if found is not None else LintConfig()

    def _load(self, path: str) -> LintConfig:
        key = os.path.abspath(path)
        if key not in self._by_file:
            self._by_file[key] = load_config(path)
        return self._by_file[key]


# --------------------------------------------------------------------------
# Validating the settings
# --------------------------------------------------------------------------


def _check_keys(table: Mapping[Any, Any], allowed: Sequence[str], source: _Source,
                *parts: PathPart) -> None:
    for key in table:
        if key not in allowed:
            hint = ""
            if isinstance(key, str) and key.replace("_", "-") in allowed:
                hint = f" (did you mean '{key.replace('_', '-')}'?)"
            where = source.where(*parts, key)
            raise ConfigError(f"{where}: unknown setting '{key}'{hint}; expected one of "
                              + ", ".join(allowed))


def _selectors(value: Any, source: _Source, *parts: PathPart) -> tuple[Selector, ...]:
    if isinstance(value, str) or not isinstance(value, list):
        raise ConfigError(f"{source.where(*parts)}: '{parts[-1]}' must be a list of codes, "
                          f"prefixes or slugs, got {_kind(value)}")
    return tuple(Selector.parse(v, source.where(*parts, i)) for i, v in enumerate(value))


def _severity_table(value: Any, source: _Source, *parts: PathPart
                    ) -> tuple[tuple[Selector, Severity], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source.where(*parts)}: '{parts[-1]}' must be a table of "
                          f"selector = severity, got {_kind(value)}")
    out: list[tuple[Selector, Severity]] = []
    for key, sev in value.items():
        where = source.where(*parts, key)
        selector = Selector.parse(key, where)
        out.append((selector, _parse_severity(sev, where)))
    return tuple(out)


def _parse_severity(value: Any, where: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: a severity must be a string, got {_kind(value)}")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def parse_config(source: _Source) -> LintConfig:
    """Validate the settings of one source and build the :class:`LintConfig`."""
    data = source.data
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source.where()}: the composekit configuration must be a table "
                          f"of settings, got {_kind(data)}")
    _check_keys(data, _TOP_KEYS, source)
    root = os.path.dirname(os.path.abspath(source.path))
    select = _selectors(data["select"], source, "select") if "select" in data else None
    ignore = _selectors(data["ignore"], source, "ignore") if "ignore" in data else ()
    severities = (_severity_table(data["severity-overrides"], source, "severity-overrides")
                  if "severity-overrides" in data else ())
    fail_on = (_parse_severity(data["fail-on"], source.where("fail-on"))
               if "fail-on" in data else None)
    target = None
    if "target" in data:
        target = parse_target(data["target"], source.where("target"))
    options: dict[str, Any] = {}
    if "rules" in data:
        rules = data["rules"]
        if not isinstance(rules, Mapping):
            raise ConfigError(f"{source.where('rules')}: 'rules' must be a table of rule = "
                              f"{{options}}, got {_kind(rules)}")
        for ident, raw in rules.items():
            rule, instance = _rule_options(str(ident), raw, source)
            options[rule.code] = instance
    overrides: list[PathOverride] = []
    if "overrides" in data:
        value = data["overrides"]
        if not isinstance(value, list):
            raise ConfigError(f"{source.where('overrides')}: 'overrides' must be a list of "
                              f"tables with 'files', got {_kind(value)}")
        for i, item in enumerate(value):
            overrides.append(_override(item, source, i))
    return LintConfig(path=source.path, root=root, select=select, ignore=ignore,
                      severities=severities, options=options, overrides=tuple(overrides),
                      fail_on=fail_on, target=target)


def parse_target(value: Any, where: str) -> Runtime:
    names = ", ".join(r.value for r in Runtime)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: target must be one of {names}, got {_kind(value)}")
    try:
        return Runtime(value.strip())
    except ValueError:
        raise ConfigError(f"{where}: unknown target '{value}'; expected one of {names}") from None


def _override(item: Any, source: _Source, index: int) -> PathOverride:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{source.where('overrides', index)}: each override must be a table "
                          f"with 'files', got {_kind(item)}")
    _check_keys(item, _OVERRIDE_KEYS, source, "overrides", index)
    files = item.get("files")
    if isinstance(files, str):
        files = [files]
    if (not isinstance(files, list) or not files
            or not all(isinstance(f, str) and f.strip() for f in files)):
        raise ConfigError(f"{source.where('overrides', index)}: an override needs 'files', "
                          "a list of glob patterns")
    select = (_selectors(item["select"], source, "overrides", index, "select")
              if "select" in item else None)
    ignore = (_selectors(item["ignore"], source, "overrides", index, "ignore")
              if "ignore" in item else ())
    severities = (_severity_table(item["severity-overrides"], source, "overrides", index,
                                  "severity-overrides")
                  if "severity-overrides" in item else ())
    return PathOverride(files=tuple(files), select=select, ignore=ignore, severities=severities)


def _rule_options(ident: str, raw: Any, source: _Source) -> tuple[type[Rule], Any]:
    where = source.where("rules", ident)
    rule = next((r for r in rule_classes() if r.code == ident.upper() or r.name == ident), None)
    if rule is None:
        if resolve_code(ident) is not None:
            raise ConfigError(f"{where}: '{ident}' is a built-in check; it has no options")
        raise ConfigError(f"{where}: unknown rule '{ident}' (see `composekit rules`)")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: the options of {rule.code} ({rule.name}) must be a "
                          f"table, got {_kind(raw)}")
    return rule, build_options(rule, raw, lambda *p: source.where("rules", ident, *p))


def build_options(rule: type[Rule], raw: Mapping[str, Any],
                  where: typing.Callable[..., str] | None = None) -> Any:
    """An instance of ``rule.Options`` from a mapping of option names (kebab or snake case).

    Raises :class:`ConfigError` for an unknown option or a value of the wrong type.
    """
    place = where or (lambda *p: f"options of {rule.code}")
    cls = rule.Options
    known = {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
    hints = typing.get_type_hints(cls) if known else {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name not in known:
            listed = ", ".join(n.replace("_", "-") for n in known) or "none"
            raise ConfigError(f"{place(key)}: unknown option '{key}' for rule {rule.code} "
                              f"({rule.name}); its options: {listed}")
        try:
            values[name] = _coerce(value, hints.get(name, Any))
        except _BadValue as exc:
            raise ConfigError(f"{place(key)}: option '{key}' of {rule.code} ({rule.name}) "
                              f"must be {exc.expected}, got {_kind(value)}") from None
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{place()}: bad options for {rule.code} ({rule.name}): {exc}") from None


class _BadValue(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _coerce(value: Any, tp: Any) -> Any:
    """``value`` (from TOML or YAML) as type ``tp``, or :class:`_BadValue`."""
    if tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors: list[str] = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg)
            except _BadValue as exc:
                errors.append(exc.expected)
        raise _BadValue(" or ".join(errors))
    if origin is typing.Literal:
        if value in args:
            return value
        raise _BadValue("one of " + ", ".join(repr(a) for a in args))
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _BadValue("true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        raise _BadValue("an integer")
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _BadValue("a number")
    if tp is str:
        if isinstance(value, str):
            return str(value)
        raise _BadValue("a string")
    if origin in (tuple, list, frozenset, set) or tp in (tuple, list, frozenset, set):
        if not isinstance(value, list | tuple):
            raise _BadValue("a list")
        homogeneous = origin is not tuple or (len(args) == 2 and args[1] is Ellipsis)
        item = args[0] if args and homogeneous else Any
        items = [_coerce(v, item) for v in value]
        container = origin or tp
        return container(items)
    if origin in (dict, Mapping) or tp in (dict,):
        if not isinstance(value, Mapping):
            raise _BadValue("a table")
        kt, vt = (*args, Any, Any)[:2]
        return {_coerce(k, kt): _coerce(v, vt) for k, v in value.items()}
    if tp is Severity:
        if isinstance(value, str) and value.strip().upper() in Severity.__members__:
            return Severity.parse(value)
        raise _BadValue("one of " + ", ".join(s.label for s in Severity))
    if tp is Runtime:
        try:
            return Runtime(value)
        except ValueError:
            raise _BadValue("one of " + ", ".join(r.value for r in Runtime)) from None
    return value

