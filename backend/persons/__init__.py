"""One person, one card: staff link a new document to a person and merge two records of one person."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ()
