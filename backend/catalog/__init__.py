"""The application catalog (一卡通应用目录): versioned items, city extensions, what is in effect when."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "tables", "schemas", "scenarios", "access", "compiled", "vocab")
