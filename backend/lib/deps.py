"""Dependencies every controller may ask for by name: settings, store, keys, now."""

from __future__ import annotations

import time

from litestar.datastructures import State
from litestar.di import Provide

from backend.keys.store import Keyring, KeyStore
from backend.lib.store import Store
from backend.settings import Settings


def _settings(state: State) -> Settings:
    return state.settings


def _store(state: State) -> Store:
    return state.store


def _keyring(state: State) -> Keyring:
    # Cheap: re-reads the file only after a rotation changed it.
    keystore: KeyStore = state.keystore
    return keystore.load()


def _now() -> int:
    return int(time.time())


DEPENDENCIES = {
    "settings": Provide(_settings, sync_to_thread=False),
    "store": Provide(_store, sync_to_thread=False),
    "keyring": Provide(_keyring, sync_to_thread=False),
    "now": Provide(_now, sync_to_thread=False),
}
