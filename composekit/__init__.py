"""composekit: make Docker Compose files safe to change.

Lints Compose files against version-aware schemas, converts them between
file-format versions and into Swarm stack and Kubernetes form, and tests them
by bringing stacks up.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
