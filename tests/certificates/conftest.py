"""Fixtures: a World with agencies."""

import pytest

from tests.certificates.helpers import Agencies


@pytest.fixture
async def world(client) -> Agencies:
    return Agencies(client)
