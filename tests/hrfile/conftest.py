"""Fixtures: a World with agencies, employers, staff and holders."""

import pytest

from tests.hrfile.helpers import HrWorld


@pytest.fixture
async def world(client) -> HrWorld:
    return HrWorld(client)
