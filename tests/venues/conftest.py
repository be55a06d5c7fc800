"""Fixtures for venue tests: a World of builders."""

import pytest

from tests.venues.helpers import World


@pytest.fixture
async def world(client) -> World:
    return World(client)
