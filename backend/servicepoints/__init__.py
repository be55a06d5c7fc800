"""Service points and self-service terminals (服务网点), and tickets: consultations and complaints (Art. 5, 11)."""

# What other features may import (docs/conventions.md, "How a feature shows itself"; tests/test_architecture.py).
PUBLIC = ("tables",)  # tables: enforcement names a service point in a correction order
