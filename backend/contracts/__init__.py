"""Electronic labour contracts: signed by the employer's key and the employee's device key, terminated by a signed event."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("services", "schemas")
