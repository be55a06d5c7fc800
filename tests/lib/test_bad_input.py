"""Bad input anywhere gets a 4xx with a machine-readable code, never a 500."""

import pytest

pytestmark = pytest.mark.anyio


async def test_oversized_body_is_413(client):
    response = await client.post(
        "/health/echo",
        content=b'{"code": "' + b"A" * 70_000 + b'", "scenario": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request.too_large"


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "request.bad_encoding"),
        (b'{"code": "\xff\xfe", "scenario": "x"}', "request.bad_encoding"),
        (b'{"code": "a", "scenario": "x", "extra": 1}', "request.unknown_field"),
        (b'{"code": 5, "scenario": "x"}', "request.invalid"),
        (b'{"scenario": "x"}', "request.invalid"),
        (b"[]", "request.invalid"),
        (b"", "request.body_missing"),
    ],
)
async def test_malformed_bodies_have_codes(client, body, code):
    response = await client.post("/health/echo", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("prefix", ["/wallet", "/scanner", "/catalog", "/shared", "/vendor"])
async def test_a_file_name_too_long_for_the_file_system_is_404(client, prefix):
    # The operating system refuses names over 255 bytes (ENAMETOOLONG): no such file, not a 500.
    for name in ("x" * 10_000, "a/" + "y" * 300 + "/b.js"):
        for method in ("GET", "HEAD"):
            response = await client.request(method, f"{prefix}/{name}")
            assert response.status_code == 404, (method, prefix, response.status_code)
            if method == "GET":
                assert response.json()["error"]["code"]


async def test_an_unknown_path_under_the_api_reference_has_the_error_body(client):
    # Litestar answers these with an HTML page of its own; every other 404 is the service's error body.
    for path in ("/schema/abc", "/schema/%ff", "/schema/" + "x" * 5_000):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "route.not_found"
        assert response.json()["request_id"] == response.headers["x-request-id"]
    assert (await client.get("/schema/openapi.json")).status_code == 200
    assert (await client.get("/schema/swagger")).status_code == 200


def test_a_framework_5xx_is_logged_as_a_server_error(caplog):
    """An HTTPException of 500 raised by the framework is our fault: code `server.error`, logged."""
    from litestar import Litestar, get
    from litestar.exceptions import InternalServerException
    from litestar.testing import TestClient

    from backend.lib.errors import EXCEPTION_HANDLERS

    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise InternalServerException()

    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS, logging_config=None)
    with TestClient(app) as client, caplog.at_level("ERROR"):
        answer = client.get("/boom")
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "server.error"
    assert any(r.name == "yikatong.errors" for r in caplog.records)
