"""The e-card as a login: an OpenID Connect provider for registered relying parties."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC: tuple[str, ...] = ()  # grows as the feature is built
