"""The province's organisation: cities, offices, cooperating banks and agencies."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("tables",)
