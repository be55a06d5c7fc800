"""The family service (亲情服务): a proven holder manages and shows the card of relatives who cannot."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "schemas")
