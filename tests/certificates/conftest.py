"""Fixtures: a World with agencies, and a cheap Argon2id so sign-ins are fast."""

import pytest
from argon2 import PasswordHasher

from tests.certificates.helpers import Agencies


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    from backend.accounts import passwords

    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


@pytest.fixture
async def world(client) -> Agencies:
    return Agencies(client)
