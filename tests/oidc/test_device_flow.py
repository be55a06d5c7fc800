"""Scan to sign in (RFC 8628): a terminal (authlib's client) polls while the holder approves through the wallet API."""

import datetime as dt
import urllib.parse

import pytest
from authlib.integrations.base_client.errors import OAuthError

from tests.oidc.helpers import BASE

pytestmark = pytest.mark.anyio
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


async def _expire(handle: str) -> None:
    """The request's time runs out (set-up of a state, as a clock would)."""
    from backend.oidc.tables import AuthRequest

    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await AuthRequest.update({AuthRequest.expires_at: past}).where(AuthRequest.handle == handle).run()


async def test_scan_to_sign_in(world):
    holder = await world.holder(name="陈大文")
    rp = await world.rp("kiosk.example", method="none")

    async def flow():
        async with world.oauth(rp, "openid masked_name") as terminal:

            async def start() -> dict:
                answer = await terminal.request(
                    "POST",
                    f"{BASE}/oauth/device_authorization",
                    data={"client_id": rp.client_id, "scope": "openid masked_name"},
                    withhold_token=True,
                )
                assert answer.status_code == 200, answer.text
                return answer.json()

            async def poll(device_code: str) -> str | dict:
                try:
                    return dict(
                        await terminal.fetch_token(f"{BASE}/oauth/token", grant_type=DEVICE_GRANT, device_code=device_code)
                    )
                except OAuthError as error:
                    return error.error

            started = await start()
            assert started["verification_uri"] == f"{BASE}/wallet/#/device"
            user_code = urllib.parse.parse_qs(started["verification_uri_complete"].split("?", 1)[1])["user_code"][0]
            assert user_code == started["user_code"] and len(user_code) == 9
            assert await poll(started["device_code"]) == "authorization_pending"
            assert await poll(started["device_code"]) == "slow_down"  # polled again at once

            # the holder scans the QR code (verification_uri_complete) with the wallet
            view = await world.client_call_get(f"/api/v1/me/oidc/device/{user_code.lower().replace('-', '')}", holder)
            assert view["kind"] == "device" and view["client"]["id"] == rp.client_id
            assert [c["value"] for c in view["claims"]] == ["陈**"]
            approved = await world.client_call_post(f"/api/v1/me/oidc/requests/{view['id']}/approve", holder)
            assert approved == {"redirect_to": None}

            fresh = await start()  # a second terminal; its first poll after approval gets the tokens
            fresh_view = await world.client_call_get(f"/api/v1/me/oidc/device/{fresh['user_code']}", holder)
            await world.client_call_post(f"/api/v1/me/oidc/requests/{fresh_view['id']}/approve", holder)
            token = await poll(fresh["device_code"])
            assert isinstance(token, dict), token
            claims = await world.verify_id_token(terminal, token["id_token"], rp, None)
            assert claims["yk_masked_name"] == "陈**"
            assert await poll(fresh["device_code"]) == "invalid_grant"  # handed out once

            denied = await start()
            denied_view = await world.client_call_get(f"/api/v1/me/oidc/device/{denied['user_code']}", holder)
            assert await world.client_call_post(f"/api/v1/me/oidc/requests/{denied_view['id']}/deny", holder) == {
                "redirect_to": None
            }
            assert await poll(denied["device_code"]) == "access_denied"

            late = await start()
            late_view = await world.client_call_get(f"/api/v1/me/oidc/device/{late['user_code']}", holder)
            await _expire(late_view["id"])
            assert await poll(late["device_code"]) == "expired_token"

    await world.call(flow)


async def test_user_codes_cannot_be_guessed_quickly(world):
    holder = await world.holder()
    answers = []
    for _ in range(12):
        response = await world.client.get("/api/v1/me/oidc/device/BCDF-GHJK", headers=holder.headers)
        answers.append(response.status_code)
        if response.status_code == 404:
            assert response.json()["error"]["code"] == "oidc.unknown_user_code"
    assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]


async def test_scan_to_sign_in_never_releases_identity(world):
    """A QR code can be photographed and spread (RFC 8628 5.4): whoever started the request gets
    what a victim approves, so the device flow gives at most the card's validity and a masked name."""
    basis = "《中华人民共和国社会保险法》第七十二条"
    rp = await world.rp("gov-kiosk.example", scopes=["openid", "card", "identity"], legal_basis=basis)
    refused = await world.client.post(
        "/oauth/device_authorization", data={"scope": "openid identity"}, auth=(rp.client_id, rp.client_secret)
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope", refused.text
    allowed = await world.client.post(
        "/oauth/device_authorization", data={"scope": "openid card"}, auth=(rp.client_id, rp.client_secret)
    )
    assert allowed.status_code == 200, allowed.text
    holder = await world.holder()
    view = await world.client.get(f"/api/v1/me/oidc/device/{allowed.json()['user_code']}", headers=holder.headers)
    assert view.status_code == 200, view.text
    # the wallet shows how long ago the request was started (a request started elsewhere is old)
    assert 0 <= view.json()["age_seconds"] <= 600
