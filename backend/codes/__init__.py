"""Dynamic QR codes: the online (server-verified) and offline (signed) code formats."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("format", "format_v2", "presented", "minting", "schemas")
