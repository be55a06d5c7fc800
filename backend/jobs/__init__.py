"""Work after the commit: a transactional outbox of jobs in the database, run by workers with leases."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services",)
