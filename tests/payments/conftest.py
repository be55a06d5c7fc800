"""Fixtures of the payments tests."""

import pytest

from tests.payments.helpers import Payments


@pytest.fixture
async def world(client) -> Payments:
    return Payments(client)
