"""Dependencies every controller may ask for by name: settings, store, now (keys/deps.py adds keyring)."""

from __future__ import annotations

import time

from litestar.datastructures import State
from litestar.di import Provide

from backend.lib.settings import Settings
from backend.lib.store import Store


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def _store(state: State) -> Store:
    store: Store = state.store
    return store


def _now() -> int:
    return int(time.time())


DEPENDENCIES = {
    "settings": Provide(_settings, sync_to_thread=False),
    "store": Provide(_store, sync_to_thread=False),
    "now": Provide(_now, sync_to_thread=False),
}
