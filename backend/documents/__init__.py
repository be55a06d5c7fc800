"""Statements that verify themselves: PAdES-signed PDFs with a QR code to a public verification page."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC: tuple[str, ...] = ()  # filled as the feature grows
