"""Convert a Compose project to Kubernetes manifests: the library entry points.

:func:`convert_to_kubernetes` takes a loaded project (:func:`composekit.loader.load_project`)
and returns a :class:`KubeResult`: the objects, the files of the chosen output format, the
report of every key not carried (and every rewrite), and the findings (CK030 loss, CK031
rewrite, CK032 for an object the Kubernetes schemas or API rules would refuse). It never
raises for a problem in the project and never prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from composekit import codes
from composekit.convert.kubernetes.emit import render
from composekit.convert.kubernetes.model import ProjectView
from composekit.convert.kubernetes.options import KubeOptions
from composekit.convert.kubernetes.report import KubeReport
from composekit.convert.kubernetes.transform import Manifest, transform
from composekit.diagnostics import Diagnostic, Severity, Span
from composekit.loader.project import Project

__all__ = ["KubeResult", "convert_project_files", "convert_to_kubernetes", "validate_all"]


@dataclass
class KubeResult:
    """What a conversion produced.

    ``manifests``: the Kubernetes objects (empty when the project could not be read).
    ``files``: the output of ``options.output`` by relative path. ``report``: losses and
    rewrites. ``diagnostics``: the report as findings (losses are errors with
    ``strict``) and CK032 for invalid objects. ``input_diagnostics``: what loading the
    project found. ``validated``: how many objects passed the schema check;
    ``validation_skipped``: why there was none (the schemas are not installed).
    """

    manifests: list[Manifest]
    report: KubeReport
    diagnostics: list[Diagnostic]
    options: KubeOptions
    files: dict[str, str] = field(default_factory=dict)
    input_diagnostics: list[Diagnostic] = field(default_factory=list)
    validated: int = 0
    validation_skipped: str | None = None
    project_name: str = ""

    @property
    def ok(self) -> bool:
        """True when there are manifests and no ERROR finding."""
        return bool(self.manifests) and not any(
            d.severity >= Severity.ERROR for d in self.diagnostics)

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project_name,
            "to": "kubernetes",
            "kube_version": self.options.kube_version,
            "output_format": self.options.output.value,
            "ok": self.ok,
            "strict": self.options.strict,
            "objects": [{"kind": m.kind, "name": m.name, "service": m.service}
                        for m in self.manifests],
            "validated": self.validated,
            "validation_skipped": self.validation_skipped,
            **{k: v for k, v in self.report.as_dict().items() if k != "to"},
            "diagnostics": [d.as_dict() for d in self.diagnostics],
            "input_diagnostics": [d.as_dict() for d in self.input_diagnostics],
        }


def convert_to_kubernetes(project: Project, options: KubeOptions | None = None,
                          *, input_diagnostics: Sequence[Diagnostic] = ()) -> KubeResult:
    """Convert a loaded project. ``input_diagnostics`` are the loader's findings: when one
    is an error, nothing is converted (the result holds them)."""
    options = options or KubeOptions()
    errors = [d for d in input_diagnostics if d.severity >= Severity.ERROR]
    if errors:
        return KubeResult([], KubeReport(), sorted(errors), options,
                          input_diagnostics=list(input_diagnostics), project_name=project.name)
    view = ProjectView(project)
    manifests, report = transform(view, options)
    where = project.main_file or project.working_dir
    result = KubeResult(manifests, report, report.diagnostics(strict=options.strict),
                        options, input_diagnostics=list(input_diagnostics),
                        project_name=project.name)
    if not view.services:
        result.diagnostics.append(codes.make(
            "conversion-invalid-output", where, Span(), "the project has no enabled "
            "service: nothing to convert", origin="convert"))
    if options.validate:
        problems, count, skipped = validate_all(manifests, options.kube_version, where)
        result.diagnostics.extend(problems)
        result.validated, result.validation_skipped = count, skipped
    result.diagnostics.sort()
    result.files = render(manifests, options.output, project.name,
                          wait_image=options.wait_image)
    return result


def validate_all(manifests: Sequence[Manifest], kube_version: str,
                 path: str) -> tuple[list[Diagnostic], int, str | None]:
    """Validate every object strictly against the schemas of ``kube_version`` and the API
    rules: ``(CK032 findings, objects that passed, reason validation was skipped)``."""
    from composekit.convert.kubernetes.validate import (
        SchemaUnavailable,
        api_rules,
        available,
        schema_errors,
    )

    if not available():
        return [], 0, ("the Kubernetes schemas are not installed (pip install "
                       "'composekit[kubernetes]')")
    out: list[Diagnostic] = []
    passed = 0
    for m in manifests:
        try:
            problems = schema_errors(m.body, kube_version) + api_rules(m.body)
        except SchemaUnavailable as exc:
            problems = [str(exc)]
        for problem in problems:
            out.append(codes.make(
                "conversion-invalid-output", path, Span(),
                f"the generated {m.kind} '{m.name}' is invalid for Kubernetes "
                f"{kube_version}: {problem}", origin="convert",
                help="this is a composekit bug: please report it with the Compose file"))
        if not problems:
            passed += 1
    return out, passed, None


def convert_project_files(files: Sequence[str], options: KubeOptions | None = None, *,
                          environ: Mapping[str, str] | None = None,
                          profiles: Sequence[str] = (),
                          project_name: str | None = None) -> KubeResult:
    """Load the project of ``files`` (as ``docker compose -f ...``) and convert it."""
    from composekit.loader import load_project

    options = options or KubeOptions()
    project, diags = load_project(files, environ=environ, profiles=profiles,
                                  project_name=project_name)
    if project is None:
        blocking = [d for d in diags if d.severity >= Severity.ERROR] or diags
        empty = Project(name="", working_dir=os.getcwd())
        return KubeResult([], KubeReport(), sorted(blocking), options,
                          input_diagnostics=list(diags), project_name=empty.name)
    return convert_to_kubernetes(project, options, input_diagnostics=diags)
