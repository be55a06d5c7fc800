"""Misuse of cards and services (Art. 18, 19): signals, cases, penalties, credit records, correction orders."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC: tuple[str, ...] = ()  # nothing: the top layer; the assembly picks up routes.py, workers.py and cli.py
