"""Linked electronic certificates: types, issuing by agencies, signatures, holder view and concessions."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "tables", "schemas", "linked", "registry")
