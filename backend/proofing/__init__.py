"""Proving who is behind an account before any e-card: at a counter, through the bank, by a provider."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
# Nothing yet: proofing is reached through its routes; it calls accounts and cards, not the reverse.
PUBLIC: tuple[str, ...] = ()
