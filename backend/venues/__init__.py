"""Venues, their scanners, code verification at venues and the record of every verification."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "tables")
