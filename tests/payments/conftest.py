"""Fixtures of the payments tests."""

import msgspec
import pytest

from tests.payments.helpers import Payments


@pytest.fixture
def settings(settings):
    """No embedded job worker: orders move when a test runs the jobs (world.run_jobs), so a test can
    change a card between submission and execution. (test_crash_property runs real worker processes.)"""
    return msgspec.structs.replace(settings, jobs_embedded=False)


@pytest.fixture
async def world(client) -> Payments:
    return Payments(client)
