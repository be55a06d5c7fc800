"""Fixtures of the bank simulator tests."""

import pytest

from tests.banksim.helpers import Bankland


@pytest.fixture
async def world(client) -> Bankland:
    return Bankland(client)
