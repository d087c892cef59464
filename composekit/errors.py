"""Exceptions, for the few cases where work cannot go on.

Problems in the user's Compose files are :class:`~composekit.diagnostics.Diagnostic`
values, never exceptions. These are for bad configuration, bad command-line
usage, or a missing piece of composekit itself; the CLI maps them to exit 2.
"""

from __future__ import annotations


class ComposekitError(Exception):
    """Root of every error composekit raises on purpose."""


class UsageError(ComposekitError):
    """The command line or the API was called wrongly."""


class ConfigError(ComposekitError):
    """composekit's own configuration (pyproject, .composekit.yaml) is invalid."""


class LoadError(ComposekitError):
    """A Compose project could not be loaded at all (not a per-file finding)."""


class SchemaError(ComposekitError):
    """A bundled schema is missing or broken: a packaging fault."""


class ConversionError(ComposekitError):
    """A conversion cannot produce a valid result."""


class HarnessError(ComposekitError):
    """The test harness could not bring a stack up or tear it down."""
