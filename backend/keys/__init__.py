"""Key store and key tooling: data keys, online-code secrets and issuer signing keys."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("keyring", "trust")
