"""Telling the holder: the inbox of notices about their card, account and data, and Web Push."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services",)
