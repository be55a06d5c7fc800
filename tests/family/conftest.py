"""Fixtures for the family tests: a World of builders (tests/venues/helpers.py)."""

import pytest

from tests.venues.helpers import World


@pytest.fixture
async def world(client) -> World:
    return World(client)
