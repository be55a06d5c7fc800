"""Agencies' subscriptions to the events they have a basis for: signed webhooks and a cursor feed."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC: tuple[str, ...] = ()  # nothing: the top layer; the assembly picks up routes.py and workers.py
