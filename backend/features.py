"""The list of features: one place names them, so the app, migrations and CLI agree."""

# Order matters for migrations only through each app's declared dependencies.
FEATURES: tuple[str, ...] = (
    "health",
    "org",
    "identity",
    "inbox",
    "accounts",
    "cards",
    "keys",
    "codes",
    "venues",
    "audit",
    "certificates",
    "consent",
    "catalog",
    "servicepoints",
    "proofing",
    "persons",
    "family",
)
