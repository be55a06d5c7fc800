"""Money through the card (Art. 8): payment orders from paying agencies, bank instructions, the ledger."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("schemas",)  # add "services" when the CLI or demo calls a use case (ledger check, reconciliation)
