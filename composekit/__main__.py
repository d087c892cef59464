"""Allow ``python -m composekit``."""

from composekit.cli import main

main()
