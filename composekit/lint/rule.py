"""What a lint rule is.

A rule is a class with flat metadata and one ``check`` generator, in a module
of its own under ``composekit/lint/rules/<family>/<slug>.py``. Its docstring is
its documentation, with the sections (in this order) ``What it does``,
``Why is this bad?``, ``Example``, ``Use instead:``, and, where they apply,
``Options``, ``Fix safety``, ``Known problems``, ``References``.

Codes are ``CK`` plus three digits, a hundred per family, never reused:

* ``CK12x``-``CK19x`` structure and style (``CK101``-``CK119`` are the loader's);
* ``CK2xx`` images and reproducibility;
* ``CK3xx`` security;
* ``CK4xx`` networking and ports;
* ``CK5xx`` resources, healthchecks and lifecycle;
* ``CK6xx`` runtime compatibility (what a target runtime ignores, refuses or
  reads differently) and file-format requirements;
* ``CK9xx`` deprecations.
"""

from __future__ import annotations

import enum
import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from composekit.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from composekit.lint.context import LintContext


class FixAvailability(enum.Enum):
    """Whether a rule can fix what it finds: never, for some findings, always."""

    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Runtime(str, enum.Enum):
    """What will run the file (``--target``)."""

    COMPOSE_V1 = "compose-v1"
    COMPOSE_V2 = "compose-v2"
    STACK = "stack"
    KUBERNETES = "kubernetes"


@dataclass(frozen=True)
class NoOptions:
    """For rules that take no options."""


class Rule(ABC):
    """Base class of every lint rule; subclasses set the class attributes."""

    #: Stable code, e.g. ``"CK201"``.
    code: ClassVar[str]
    #: Readable slug naming the pattern flagged; reads as "allow <name>".
    name: ClassVar[str]
    #: Severity unless the user's configuration overrides it.
    severity: ClassVar[Severity]
    #: Whether and when :meth:`check` attaches a :class:`~composekit.diagnostics.Fix`.
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    #: The runtimes this rule is about; ``None`` means every runtime.
    targets: ClassVar[frozenset[Runtime] | None] = None
    #: Typed options (a frozen dataclass with defaults).
    Options: ClassVar[type[Any]] = NoOptions
    #: False for opt-in rules: hardening advice and house-style ordering that
    #: most files fail and many teams rightly decline. They run only when a
    #: selector names them (their code, a prefix such as ``CK3``, or ``ALL``).
    default_enabled: ClassVar[bool] = True

    def __init__(self, options: Any | None = None) -> None:
        self.options = options if options is not None else self.Options()

    @abstractmethod
    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        """Yield a finding for each problem (build them with ``ctx.report``)."""

    @classmethod
    def summary(cls) -> str:
        """The first sentence of the docstring's ``What it does`` section."""
        doc = inspect.getdoc(cls) or ""
        lines = doc.splitlines()
        start = 0
        for i, line in enumerate(lines):
            if line.strip().lstrip("#").strip().rstrip(":") == "What it does":
                start = i + 1
                break
        paragraph: list[str] = []
        for line in lines[start:]:
            if not line.strip():
                if paragraph:
                    break
                continue
            if line.lstrip().startswith("#"):
                break
            paragraph.append(line.strip())
        text = " ".join(paragraph)
        end = re.search(r"[.!?](\s|$)", text)
        return text[: end.start() + 1] if end else text

    @classmethod
    def applies_to(cls, target: Runtime) -> bool:
        return cls.targets is None or target in cls.targets
