"""Fixtures for catalog tests: the venue tests' World and a Catalog of builders, with cheap Argon2id."""

import pytest
from argon2 import PasswordHasher

from tests.catalog.helpers import Catalog
from tests.venues.helpers import World


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    from backend.accounts import passwords

    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


@pytest.fixture
async def world(client) -> World:
    return World(client)


@pytest.fixture
async def catalog(world) -> Catalog:
    return Catalog(world)
