"""The access record: who saw whose personal data, why, and with what result (append-only, hash-chained)."""
