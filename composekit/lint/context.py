"""What a rule sees: the loaded project, each file's tree and format, the target.

Rules that reason about meaning read :attr:`LintContext.services` (the merged,
canonical configuration, shaped like ``docker compose config --format json``);
rules about how a file is written read :attr:`LintContext.documents` (each
file's round-trip tree, comments and quoting kept). Either way,
:meth:`LintContext.report` turns a key path into a finding at the right file,
line and column.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from composekit.diagnostics import Diagnostic, Fix, Severity, Span, json_path
from composekit.lint.rule import Rule, Runtime
from composekit.yamlio import locate

if TYPE_CHECKING:
    from composekit.catalog import FileFormat
    from composekit.loader.project import KeyPath, Project
    from composekit.yamlio import YamlDocument


@dataclass
class LintContext:
    """The input of every rule for one project."""

    project: Project
    #: The declared file format of each file of the project, by path.
    formats: dict[str, FileFormat | None] = field(default_factory=dict)
    #: The runtime the user targets (``--target``, or what the version implies).
    target: Runtime = Runtime.COMPOSE_V2
    #: Severity overrides from configuration, by code.
    severities: dict[str, Severity] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        return self.project.config

    @property
    def services(self) -> dict[str, Any]:
        """The merged services (profiles applied), canonical form."""
        return self.project.services

    @property
    def documents(self) -> dict[str, YamlDocument]:
        return self.project.documents

    def format_of(self, path: str) -> FileFormat | None:
        return self.formats.get(path)

    @property
    def main_format(self) -> FileFormat | None:
        main = self.project.main_file
        return self.formats.get(main) if main is not None else None

    def raw_services(self) -> Iterator[tuple[str, str, Any]]:
        """``(path, service name, mapping)`` for each service as written in each file.

        Legacy v1 files have their services at the top level.
        """
        from ruamel.yaml.comments import CommentedMap

        for path, doc in self.documents.items():
            data = doc.data
            if not isinstance(data, CommentedMap):
                continue
            fmt = self.formats.get(path)
            if fmt is not None and fmt.version == "1":
                items = ((k, v) for k, v in data.items() if not str(k).startswith("x-"))
            else:
                services = data.get("services")
                items = iter(services.items()) if isinstance(services, CommentedMap) else iter(())
            for name, svc in items:
                if isinstance(svc, CommentedMap):
                    yield path, str(name), svc

    def position(self, parts: Sequence[str | int], *, key: bool = False) -> tuple[str, Span]:
        """Where the node at ``parts`` of the merged config was written."""
        found = self.project.origin(tuple(parts))
        if found is None:
            return self.project.main_file or "", Span()
        return found.path, (found.key_or_value if key else found.span)

    def report(
        self,
        rule: Rule | type[Rule],
        parts: KeyPath | Sequence[str | int],
        message: str,
        *,
        key: bool = False,
        help: str | None = None,
        fix: Fix | None = None,
        path: str | None = None,
    ) -> Diagnostic:
        """A finding of ``rule`` at ``parts``.

        Without ``path``, ``parts`` is a key path into the merged config and
        the position comes from the origins table; with ``path``, ``parts`` is
        a key path into that file's own tree.
        """
        if path is None:
            where, span = self.position(parts, key=key)
        else:
            where = path
            doc = self.documents.get(path)
            span = locate(doc.data if doc is not None else None, tuple(parts), key=key)
        return Diagnostic(
            path=where,
            span=span,
            code=rule.code,
            name=rule.name,
            severity=self.severities.get(rule.code, rule.severity),
            message=message,
            json_path=json_path(tuple(parts)),
            help=help,
            fix=fix,
            origin="lint",
        )
