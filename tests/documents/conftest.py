"""Fixtures: a World of holders with HR records and their statements."""

import pytest

from tests.documents.helpers import Docs


@pytest.fixture
async def world(client) -> Docs:
    return Docs(client)
