"""Cards test fixtures: cheap password hashing, and a database for direct service-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.keys.keyring import DEV_PASSPHRASE, Keyring, KeyStore
from backend.lib.settings import Settings


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
