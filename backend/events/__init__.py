"""What happened to a holder's card, account or certificates, written in the change's own transaction for subscribers."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC: tuple[str, ...] = ("services", "tables")
