"""Money through the card (Art. 8): payment orders from paying agencies, bank instructions, the ledger."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("schemas", "services")  # services: the ledger check and reconciliation (CLI)
