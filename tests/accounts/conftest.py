"""Accounts test fixtures: a cheap Argon2id for speed, a client with a low lockout threshold."""

from __future__ import annotations

from typing import AsyncIterator

import msgspec
import pytest
from argon2 import PasswordHasher

from backend.accounts import passwords


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    """Argon2id with tiny costs: same algorithm and code paths, a fraction of the time.
    Tests about the production parameters build their own hasher."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


@pytest.fixture
async def strict_client(settings) -> AsyncIterator:
    """Like `client`, but sign-in locks after 3 failures (address: 12)."""
    from litestar.testing import AsyncTestClient

    from backend.app import create_app

    async with AsyncTestClient(app=create_app(msgspec.structs.replace(settings, login_max_failures=3))) as test_client:
        yield test_client
