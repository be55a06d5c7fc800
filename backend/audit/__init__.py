"""The access record: who saw whose personal data, why, and with what result (append-only, hash-chained)."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "chain")
