"""The list of features: one place names them, so the app, migrations, workers and CLI agree."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

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
    "jobs",
    "payments",
    "employers",
    "hrfile",
    "contracts",
    "documents",
    "events",
    "federation",
    "oidc",
    "subscriptions",
    "enforcement",
)


def job_handlers() -> dict[str, Any]:
    """Every feature's job handlers (`backend/<feature>/workers.py`, `HANDLERS`: job kind -> handler)."""
    handlers: dict[str, Any] = {}
    for feature in FEATURES:
        name = f"backend.{feature}.workers"
        if importlib.util.find_spec(f"backend.{feature}") and importlib.util.find_spec(name):
            handlers.update(importlib.import_module(name).HANDLERS)
    return handlers


def periodic_jobs() -> dict[str, Any]:
    """Every feature's clock-driven jobs (`workers.py`, `PERIODIC`: job kind -> its period in
    seconds from the settings); a worker adds each once per period (backend/jobs/runner.py)."""
    periodic: dict[str, Any] = {}
    for feature in FEATURES:
        name = f"backend.{feature}.workers"
        if importlib.util.find_spec(f"backend.{feature}") and importlib.util.find_spec(name):
            periodic.update(getattr(importlib.import_module(name), "PERIODIC", {}))
    return periodic
