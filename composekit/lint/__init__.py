"""The linter: rules that see what a schema cannot, run over a loaded project.

* :mod:`composekit.lint.rule` — the :class:`~composekit.lint.rule.Rule` base
  class, :class:`~composekit.lint.rule.Runtime` targets, fix availability;
* :mod:`composekit.lint.context` — :class:`~composekit.lint.context.LintContext`,
  what a rule sees (merged project, per-file trees, formats, target runtime);
* :mod:`composekit.lint.rules` — the registry: every rule, listed explicitly.
"""

from __future__ import annotations
