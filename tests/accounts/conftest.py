"""Accounts test fixtures: a client with a low lockout threshold."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest


@pytest.fixture
async def strict_client(settings) -> AsyncIterator:
    """Like `client`, but sign-in locks after 3 failures (address: 12)."""
    from litestar.testing import AsyncTestClient

    from tests.conftest import app_for

    async with AsyncTestClient(app=app_for(msgspec.structs.replace(settings, login_max_failures=3))) as test_client:
        yield test_client
