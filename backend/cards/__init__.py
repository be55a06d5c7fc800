"""The card lifecycle: applications, cards and e-cards, devices, cooperating banks, revocations."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "tables")
