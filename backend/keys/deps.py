"""The `keyring` dependency: handlers ask for it by parameter name (as for lib.deps' settings)."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from backend.keys.keyring import Keyring, KeyStore


def _keyring(state: State) -> Keyring:
    # Cheap: re-reads the file only after a rotation changed it.
    keystore: KeyStore = state.keystore
    return keystore.load()


DEPENDENCIES = {"keyring": Provide(_keyring, sync_to_thread=False)}
