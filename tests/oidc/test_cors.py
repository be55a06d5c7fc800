"""A relying party in a browser on another origin can call the endpoints: the CORS preflight
answers with Access-Control-Allow-* (oidc-client-ts's userinfo call sends Authorization)."""

import pytest

pytestmark = pytest.mark.anyio

PATHS = ("/oauth/userinfo", "/oauth/token", "/oauth/jwks", "/oauth/device_authorization", "/oauth/revoke")


@pytest.mark.parametrize("path", PATHS)
async def test_preflight_allows_a_browser_relying_party(client, path):
    answer = await client.options(
        path,
        headers={
            "Origin": "http://rp.example",
            "Access-Control-Request-Method": "GET" if path in ("/oauth/userinfo", "/oauth/jwks") else "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert answer.status_code in (200, 204), answer.text
    assert answer.headers.get("access-control-allow-origin") == "*"
    allowed = {h.strip().lower() for h in answer.headers.get("access-control-allow-headers", "").split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "access-control-allow-credentials" not in answer.headers  # bearer tokens, never cookies
