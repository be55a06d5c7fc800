"""The electronic HR file (Art. 15): append-only employment, training, qualification, contract and contribution records."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "schemas")
