"""Cards test fixtures: cheap password hashing, and a database for direct service-level tests."""

from __future__ import annotations

from typing import AsyncIterator

import pytest
from argon2 import PasswordHasher

from backend.accounts import passwords
from backend.keys.store import DEV_PASSPHRASE, Keyring, KeyStore
from backend.settings import Settings


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    """Argon2id with tiny costs: same code paths, a fraction of the sign-in time."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    """The parametrised database (SQLite, PostgreSQL) opened in the test's own event loop."""
    from backend.lib import db

    async with db.lifespan(settings):
        yield settings


@pytest.fixture
def keyring(settings: Settings) -> Keyring:
    store = KeyStore(settings.keys_path, DEV_PASSPHRASE)
    store.init()
    return store.load()
