"""Fixtures of the jobs tests: apps without the embedded worker (the tests run the runner themselves)."""

import msgspec
import pytest

from tests.jobs.helpers import Jobs, Recorder


@pytest.fixture
def settings(settings):
    # The embedded worker would take the tests' jobs, whose kinds only the tests' handler table knows.
    return msgspec.structs.replace(settings, jobs_embedded=False)


@pytest.fixture
async def world(client) -> Jobs:
    return Jobs(client)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
