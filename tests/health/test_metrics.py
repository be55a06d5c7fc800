"""GET /metrics: counts every answer with its real status, and is not public."""

from __future__ import annotations

import re

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app, keystore_for
from backend.keys.keyring import DEV_PASSPHRASE
from tests.accounts.helpers import bearer, citizen

pytestmark = pytest.mark.anyio

TOKEN = "metrics-token-for-tests-0123456789"


def _count(text: str, method: str, path: str, status: str) -> float:
    """yikatong_requests_total for one method, route and status (0 when not there yet)."""
    for line in text.splitlines():
        if not line.startswith("yikatong_requests_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}", 1)[0]))
        if labels.get("method") == method and labels.get("path") == path and labels.get("status_code") == status:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_refusals_by_the_auth_middleware_are_counted_with_their_status(client):
    before = (await client.get("/metrics")).text
    await client.get("/health", headers={"Authorization": "Bearer nonsense"})
    await client.post("/api/v1/verify", json={"code": "x", "scenario": "library_entry"})
    _, token = await citizen(client)
    await client.post("/api/v1/verify", json={"code": "x", "scenario": "library_entry"}, headers=bearer(token))
    after = (await client.get("/metrics")).text
    assert _count(after, "GET", "/health", "401") == _count(before, "GET", "/health", "401") + 1
    assert _count(after, "POST", "/api/v1/verify", "401") == _count(before, "POST", "/api/v1/verify", "401") + 1
    assert _count(after, "POST", "/api/v1/verify", "403") == _count(before, "POST", "/api/v1/verify", "403") + 1
    assert _count(after, "GET", "/health", "500") == _count(before, "GET", "/health", "500")


async def test_refusals_by_any_middleware_are_counted_with_their_status(client):
    """Not only the auth middleware's: the request rules' 415 (lib/body.py) too."""
    before = (await client.get("/metrics")).text
    response = await client.post(
        "/health/echo", content=b'{"code": "a", "scenario": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers.get("x-request-id")
    after = (await client.get("/metrics")).text
    assert _count(after, "POST", "/health/echo", "415") == _count(before, "POST", "/health/echo", "415") + 1
    assert _count(after, "POST", "/health/echo", "200") == _count(before, "POST", "/health/echo", "200")


def _app(settings, **changes):
    if changes.get("env") == "prod":  # production refuses passkeys bound to localhost
        site = {"webauthn_rp_id": "yikatong.example", "webauthn_origins": "https://yikatong.example"}
        changes = {**site, "public_url": "https://yikatong.example", **changes}
    settings = msgspec.structs.replace(settings, **changes)
    if settings.env == "prod":
        keystore_for(msgspec.structs.replace(settings, env="test")).init()  # prod never creates one itself
    return create_app(settings)


@pytest.fixture(params=["sqlite+memory"])
def one_settings(request):
    return request.getfixturevalue("sqlite_settings")


async def test_with_a_token_metrics_need_it(one_settings):
    for env in ("test", "prod"):
        changes = {"env": env, "metrics_token": TOKEN}
        if env == "prod":
            changes["key_passphrase"] = DEV_PASSPHRASE
        async with AsyncTestClient(app=_app(one_settings, **changes)) as client:
            missing = await client.get("/metrics")
            assert missing.status_code == 401
            assert missing.json()["error"]["code"] == "metrics.token_required"
            wrong = await client.get("/metrics", headers=bearer(TOKEN + "x"))
            assert wrong.status_code == 401
            latin = {"Authorization": ("Bearer é" + TOKEN).encode("latin-1")}
            assert (await client.get("/metrics", headers=latin)).status_code == 401
            await client.get("/health")
            right = await client.get("/metrics", headers=bearer(TOKEN))
            assert right.status_code == 200, right.text
            assert "yikatong_requests_total" in right.text


async def test_without_a_token_metrics_are_absent_in_prod(one_settings):
    app = _app(one_settings, env="prod", key_passphrase=DEV_PASSPHRASE, metrics_token="")
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/metrics")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "route.not_found"
        assert "yikatong_requests_total" not in response.text


async def test_without_a_token_metrics_stay_open_in_dev_and_test(one_settings):
    for env in ("dev", "test"):
        async with AsyncTestClient(app=_app(one_settings, env=env, metrics_token="")) as client:
            assert (await client.get("/metrics")).status_code == 200
