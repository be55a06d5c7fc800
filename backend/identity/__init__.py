"""Identity documents: validating, masking and protecting the numbers people hold."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "tables", "documents", "protect", "schemas")
