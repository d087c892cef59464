"""Stable codes for the findings that loading and validation produce.

Lint rules (``composekit.lint``) register their own codes; the codes here are
the built-in ones that come from reading, interpolating, merging and
validating a project. A code is never reused once published.

Families:

* ``CK0xx`` reading and parsing: I/O, encoding, YAML syntax, YAML 1.1/1.2
  pitfalls, interpolation, env files.
* ``CK02x`` file-format versions and schema validation.
* ``CK03x`` converting between file-format versions (``composekit convert``).
* ``CK04x`` more reading and parsing: several documents, non-string keys,
  YAML number and timestamp pitfalls.
* ``CK1xx`` project structure: merging, ``extends``, ``include``, cross
  references and cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

from composekit.diagnostics import Diagnostic, Severity, Span


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str


_ALL: tuple[Code, ...] = (
    # --- reading and parsing -------------------------------------------------
    Code("CK000", "io-error", Severity.ERROR,
         "The file cannot be read: missing, a directory, unreadable or too large."),
    Code("CK001", "yaml-syntax", Severity.ERROR, "The file is not valid YAML."),
    Code("CK002", "not-utf8", Severity.ERROR, "The file is not UTF-8 text."),
    Code("CK003", "byte-order-mark", Severity.WARNING,
         "The file starts with a byte-order mark, which some tools reject."),
    Code("CK004", "empty-file", Severity.ERROR, "The file is empty or holds only comments."),
    Code("CK005", "root-not-mapping", Severity.ERROR,
         "The top level of a Compose file must be a mapping."),
    Code("CK006", "tab-indentation", Severity.ERROR, "YAML forbids tabs for indentation."),
    Code("CK007", "duplicate-key", Severity.ERROR, "A mapping has the same key twice."),
    Code("CK008", "typographic-quote", Severity.ERROR,
         "A typographic quote (‘ ’ “ ”) is used where YAML needs ' or \"."),
    Code("CK009", "alias-expansion-limit", Severity.ERROR,
         "Anchors and aliases expand beyond the limit (billion laughs)."),
    Code("CK010", "nesting-too-deep", Severity.ERROR, "The document nests deeper than the limit."),
    Code("CK011", "file-too-large", Severity.ERROR, "The file is larger than the size limit."),
    Code("CK012", "yaml11-sexagesimal", Severity.WARNING,
         "An unquoted value like 56:56 is a base-60 integer in YAML 1.1 (Compose v1)."),
    Code("CK013", "yaml11-boolean", Severity.WARNING,
         "An unquoted yes/no/on/off is a boolean in YAML 1.1 (Compose v1) but not in v2."),
    Code("CK014", "yaml-octal", Severity.WARNING,
         "An unquoted number with a leading zero is read as octal (0755 becomes 493)."),
    Code("CK015", "duplicate-merge-key", Severity.ERROR,
         "A mapping has more than one '<<' merge key."),
    Code("CK016", "invalid-interpolation", Severity.ERROR,
         "A ${...} expression is malformed."),
    Code("CK017", "required-variable", Severity.ERROR,
         "A variable marked required (${VAR:?err} or ${VAR?err}) is not set."),
    Code("CK018", "unset-variable", Severity.WARNING,
         "A variable is not set and defaults to an empty string."),
    Code("CK019", "env-file-syntax", Severity.ERROR, "A line of an env file cannot be parsed."),
    # --- versions and schemas ------------------------------------------------
    Code("CK020", "unknown-version", Severity.ERROR,
         "The 'version:' value is not a known Compose file format."),
    Code("CK021", "schema-violation", Severity.ERROR,
         "The file does not match the schema of its file-format version."),
    Code("CK022", "unknown-key", Severity.ERROR,
         "A key is not allowed here in this file-format version."),
    Code("CK023", "key-too-new", Severity.ERROR,
         "A key was added in a later file-format version than the file declares."),
    Code("CK024", "key-removed", Severity.ERROR,
         "A key was removed before the file-format version the file declares."),
    Code("CK025", "engine-too-old", Severity.ERROR,
         "The file format needs a newer Docker Engine than the one targeted."),
    Code("CK026", "invalid-type", Severity.ERROR, "A value has the wrong type."),
    Code("CK027", "invalid-value", Severity.ERROR, "A value is not one of the allowed ones."),
    Code("CK028", "missing-required-key", Severity.ERROR, "A required key is missing."),
    Code("CK029", "conflicting-keys", Severity.ERROR,
         "Keys the file format refuses together (external with driver, image with build "
         "in v1)."),
    # --- converting between file-format versions (CK03x) ---------------------
    Code("CK030", "conversion-loss", Severity.WARNING,
         "The target file-format version cannot carry a key or value: the conversion "
         "dropped or weakened it."),
    Code("CK031", "conversion-rewrite", Severity.INFO,
         "The conversion wrote a key another way that means the same in the target version."),
    Code("CK032", "conversion-invalid-output", Severity.ERROR,
         "The converted file would not be valid for the target version, so it was not "
         "written."),
    # --- reading and parsing, continued (CK04x) ------------------------------
    Code("CK040", "multiple-documents", Severity.WARNING,
         "The file holds several YAML documents (---): Compose v2 merges them in order, "
         "Compose v1 refuses the file."),
    Code("CK041", "non-string-key", Severity.ERROR,
         "A mapping key is read as a number, boolean, null or date; Compose v2 needs strings."),
    Code("CK042", "yaml11-number", Severity.WARNING,
         "An unquoted number such as 1e3, -.5 or 0X1F reads differently in YAML 1.1 "
         "(Compose v1) and in Compose v2."),
    Code("CK043", "yaml-timestamp", Severity.WARNING,
         "An unquoted date is a time value, not a string: Compose v2 refuses it in "
         "environment and labels and rewrites it elsewhere; Compose v1 reads a date."),
    # --- project structure ---------------------------------------------------
    Code("CK101", "undefined-service", Severity.ERROR,
         "A service is referenced (depends_on, links, extends, network_mode, ...) "
         "but not defined."),
    Code("CK102", "undefined-network", Severity.ERROR, "A network is used but not declared."),
    Code("CK103", "undefined-volume", Severity.ERROR, "A named volume is used but not declared."),
    Code("CK104", "undefined-secret", Severity.ERROR, "A secret is used but not declared."),
    Code("CK105", "undefined-config", Severity.ERROR, "A config is used but not declared."),
    Code("CK106", "dependency-cycle", Severity.ERROR,
         "Services depend on each other in a cycle (depends_on, links, volumes_from, "
         "extends)."),
    Code("CK107", "extends-error", Severity.ERROR,
         "An 'extends' cannot be resolved (missing file or service)."),
    Code("CK108", "include-error", Severity.ERROR,
         "An 'include' cannot be resolved, or it redefines a resource."),
    Code("CK109", "no-services", Severity.ERROR, "The project defines no services."),
    Code("CK110", "invalid-service-name", Severity.ERROR,
         "A service, network or volume name has characters Compose rejects."),
    Code("CK111", "ambiguous-compose-file", Severity.WARNING,
         "Several files with Compose's default names exist in one directory; "
         "Compose uses only the first."),
    Code("CK112", "merge-conflict", Severity.ERROR,
         "An override file or 'extends' sets a key to a different kind of value "
         "(a mapping where the base has a list, or the reverse), which Compose cannot merge."),
    Code("CK113", "invalid-project-name", Severity.ERROR,
         "The project name has characters Compose rejects."),
    Code("CK114", "disabled-dependency", Severity.ERROR,
         "A service depends on a service that no active profile enables."),
    Code("CK115", "conflicting-options", Severity.ERROR,
         "A service sets options Compose refuses together (network_mode with networks, "
         "scale or mem_limit or cpus different from their deploy: counterpart)."),
    Code("CK116", "deprecated-syntax", Severity.WARNING,
         "A deprecated form Compose still accepts with a warning (external.name, ...)."),
    # --- lint engine: suppressions and rule failures ---------------------------
    Code("CK117", "unused-suppression", Severity.WARNING,
         "A '# composekit: disable' comment suppresses nothing: the finding it names is gone."),
    Code("CK118", "invalid-suppression", Severity.WARNING,
         "A '# composekit:' comment is malformed, misplaced or names an unknown code."),
    Code("CK119", "rule-error", Severity.ERROR,
         "A lint rule failed with an internal error, so its findings are missing."),
    # --- project structure (continued) ---------------------------------------
    Code("CK100", "legacy-v1-format", Severity.WARNING,
         "The file uses the version 1 format (services at the top level), which only "
         "docker-compose 1.x reads; Compose v2 refuses it."),
)

CODES: dict[str, Code] = {c.code: c for c in _ALL}
BY_NAME: dict[str, Code] = {c.name: c for c in _ALL}
assert len(CODES) == len(_ALL) and len(BY_NAME) == len(_ALL), "codes and names must be unique"


def make(
    name: str,
    path: str,
    span: Span,
    message: str,
    *,
    json_path: str = "$",
    help: str | None = None,
    severity: Severity | None = None,
    origin: str = "parse",
) -> Diagnostic:
    """Build a :class:`Diagnostic` for one of the built-in codes, by slug."""
    code = BY_NAME[name]
    return Diagnostic(
        path=path,
        span=span,
        code=code.code,
        name=code.name,
        severity=severity if severity is not None else code.severity,
        message=message,
        json_path=json_path,
        help=help,
        origin=origin,
    )
