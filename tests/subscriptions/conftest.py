"""The subscriptions tests' app: jobs run only when a test drains them, retries come due quickly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.subscriptions.helpers import fast


async def _client(settings, max_attempts: int) -> AsyncIterator:
    from litestar.testing import AsyncTestClient

    from tests.conftest import app_for

    app = app_for(fast(settings, jobs_embedded=False, webhook_max_attempts=max_attempts))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def client(settings) -> AsyncIterator:
    """Four attempts, then a dead letter: the dead-letter tests reach it quickly."""
    async for made in _client(settings, 4):
        yield made


@pytest.fixture
async def patient_client(settings) -> AsyncIterator:
    """Fifty attempts: a receiver that is down for a while must not become a dead letter on a busy
    machine, where the fast back-off's retries can come due within one drain of the jobs."""
    async for made in _client(settings, 50):
        yield made
