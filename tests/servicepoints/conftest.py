"""Fixtures for service-point and complaint tests: the venue tests' World, cheap Argon2id."""

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
async def staffing(world) -> Catalog:
    """Cities and their supervisors (the catalog tests' builders do that already)."""
    return Catalog(world)
