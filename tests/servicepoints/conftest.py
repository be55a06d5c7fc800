"""Fixtures for service-point and ticket tests: the venue tests' World, cheap Argon2id."""

import pytest

from tests.catalog.helpers import Catalog
from tests.venues.helpers import World


@pytest.fixture
async def world(client) -> World:
    return World(client)


@pytest.fixture
async def staffing(world) -> Catalog:
    """Cities and their supervisors (the catalog tests' builders do that already)."""
    return Catalog(world)
