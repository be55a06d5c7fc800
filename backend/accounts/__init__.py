"""Accounts and roles: citizen accounts, staff, sessions, TOTP, machine clients and permissions."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "tables", "permissions")
