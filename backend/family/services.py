"""What other features call of the family service: who showed a code for its holder."""

from __future__ import annotations

from backend.family.proxying import presenters

__all__ = ["presenters"]
