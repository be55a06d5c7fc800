"""Fixtures: an Oidc world; authlib may talk plain http to the in-process app."""

import pytest

from tests.oidc.helpers import Oidc


@pytest.fixture
async def world(client, monkeypatch) -> Oidc:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    return Oidc(client)
