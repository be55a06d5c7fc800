"""Fixtures of the contracts tests."""

import pytest

from tests.contracts.helpers import Contracts


@pytest.fixture
async def world(client) -> Contracts:
    return Contracts(client)
