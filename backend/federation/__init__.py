"""Trust between regions: this region's signed trust list, other regions' imported lists, and calls to their servers."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "schemas", "vocab")
