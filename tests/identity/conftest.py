"""Identity test fixtures: the parametrised database (SQLite, PostgreSQL) and a keyring, for service-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.keys.keyring import DEV_PASSPHRASE, Keyring, KeyStore
from backend.lib.settings import Settings


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    from backend.lib import db

    async with db.lifespan(settings):
        yield settings


@pytest.fixture
def keyring(settings: Settings) -> Keyring:
    store = KeyStore(settings.keys_path, DEV_PASSPHRASE)
    store.init()
    return store.load()
