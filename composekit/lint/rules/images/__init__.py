"""Lint rules of the images family (CK2xx): what runs, and whether it is reproducible."""

from __future__ import annotations

from composekit.lint.rule import Rule
from composekit.lint.rules.images.build_and_image import BuildAndImage
from composekit.lint.rules.images.image_floating_tag import ImageFloatingTag
from composekit.lint.rules.images.image_without_digest import ImageWithoutDigest
from composekit.lint.rules.images.invalid_image_reference import InvalidImageReference
from composekit.lint.rules.images.unpinned_git_build_context import UnpinnedGitBuildContext

RULES: tuple[type[Rule], ...] = (
    ImageFloatingTag,
    ImageWithoutDigest,
    InvalidImageReference,
    BuildAndImage,
    UnpinnedGitBuildContext,
)
