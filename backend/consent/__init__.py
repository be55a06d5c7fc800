"""Consents holders give agencies and employers, and agency queries on a legal basis or a consent."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "schemas")  # schemas: the HR record kinds the HR file takes as its own
