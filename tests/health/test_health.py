"""The service answers liveness, readiness, metrics, OpenAPI and clean error shapes."""

import pytest

pytestmark = pytest.mark.anyio


async def test_health_and_ready(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] is True and ready.json()["store"] is True


async def test_request_id_echoed(client):
    response = await client.get("/health", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"


async def test_unknown_route_is_json_404(client):
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route.not_found"


async def test_bad_token_is_401(client):
    response = await client.get("/health", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.invalid_token"


async def test_metrics_exposed(client):
    await client.get("/health")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "yikatong_requests_total" in response.text


async def test_openapi_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Yikatong API"
