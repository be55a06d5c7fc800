"""Protocol details: POST to the authorization endpoint, revocation hints, OAuth-shaped errors for oversized bodies."""

import urllib.parse

import pytest

pytestmark = pytest.mark.anyio


async def test_the_authorization_endpoint_takes_post(world):
    """OIDC Core 3.1.2.1: GET and POST (form) alike."""
    rp = await world.rp("post.example")
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": "openid",
        "state": "s-post",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    posted = await world.client.post("/oauth/authorize", data=params, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].startswith("/wallet/#/authorize/")
    twice = await world.client.post(
        "/oauth/authorize",
        content=urllib.parse.urlencode([*params.items(), ("scope", "openid card")]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(twice.headers["location"]).query)
    assert back["error"] == ["invalid_request"] and back["state"] == ["s-post"]


async def test_revocation_ignores_an_unknown_token_type_hint(world):
    """RFC 7009 2.1: the server may ignore the hint; an unknown one is no error."""
    holder = await world.holder()
    rp = await world.rp("hint.example")
    done = await world.sign_in(rp, holder, scope="openid")
    access = done.token["access_token"]
    revoked = await world.client.post(
        "/oauth/revoke", data={"token": access, "token_type_hint": "id_token"}, auth=(rp.client_id, rp.client_secret)
    )
    assert revoked.status_code == 200, revoked.text
    after = await world.client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert after.status_code == 401


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/device_authorization", "/oauth/revoke"])
async def test_an_oversized_body_gets_an_oauth_error(world, path):
    answer = await world.client.post(
        path, content=b"a=" + b"x" * 200_000, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "invalid_request" and "error_description" in answer.json()
    assert answer.headers["access-control-allow-origin"] == "*"
