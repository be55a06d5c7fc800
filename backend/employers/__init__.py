"""Employers (用人单位): the registry by unified social credit code, their signing keys and client credentials."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "schemas")
