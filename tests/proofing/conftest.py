"""Proofing fixtures: an app with the test-only face-match provider enabled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest


@pytest.fixture
async def client(settings) -> AsyncIterator:
    """The app on the parametrised backend, with `test-only-face-match` as the provider."""
    from litestar.testing import AsyncTestClient

    from tests.conftest import app_for

    chosen = msgspec.structs.replace(settings, idv_provider="test-only-face-match")
    async with AsyncTestClient(app=app_for(chosen)) as test_client:
        yield test_client
