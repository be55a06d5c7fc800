"""Fixtures for catalog tests: the venue tests' World and a Catalog of builders, with cheap Argon2id."""

import pytest

from tests.catalog.helpers import Catalog
from tests.venues.helpers import World


@pytest.fixture
async def world(client) -> World:
    return World(client)


@pytest.fixture
async def catalog(world) -> Catalog:
    return Catalog(world)
