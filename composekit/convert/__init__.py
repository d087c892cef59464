"""``composekit convert``: rewrite a Compose file for another file-format version.

* :func:`convert_text` / :func:`convert_file` (:mod:`.api`): the entry points;
* :mod:`.ladder`: the version ladder and the steps of a conversion;
* :mod:`.transforms`: the named transforms (:data:`TRANSFORMS`), and :mod:`.sweep`, which
  drops and reports what the catalogue says the target does not have;
* :mod:`.report`: the loss report (:class:`Report`, :class:`ReportEntry`,
  :class:`Difference`);
* :mod:`.model` and :mod:`.emit`: the editable view of a file and the writer that keeps
  every untouched byte.
"""

from __future__ import annotations

from composekit.convert.api import ConversionResult, convert_file, convert_text
from composekit.convert.ladder import LADDER, TARGETS, parse_target, steps
from composekit.convert.report import Difference, Kind, Report, ReportEntry
from composekit.convert.transforms import TRANSFORMS, Transform

__all__ = [
    "LADDER",
    "TARGETS",
    "TRANSFORMS",
    "ConversionResult",
    "Difference",
    "Kind",
    "Report",
    "ReportEntry",
    "Transform",
    "convert_file",
    "convert_text",
    "parse_target",
    "steps",
]
