"""Grants: revoking a site also ends the codes and scan approvals it has not yet exchanged; parallel first sign-ins."""

import asyncio
import urllib.parse

import httpx
import pytest
from authlib.common.security import generate_token

from tests.oidc.helpers import BASE

pytestmark = pytest.mark.anyio
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


async def test_revoking_a_site_ends_its_unexchanged_codes_and_scan_approvals(world):
    holder = await world.holder()
    rp = await world.rp("revoked.example")

    async def flow():
        async with world.oauth(rp, "openid card") as rp_client:
            verifier, _, _, redirect_to = await world.authorize(rp_client, holder)
            code = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect_to).query)["code"][0]
            await world.client_call_post(f"/api/v1/me/oidc/grants/{rp.client_id}/revoke", holder)
            late = await rp_client.post(
                f"{BASE}/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "code_verifier": verifier,
                    "redirect_uri": rp.redirect_uri,
                },
                auth=(rp.client_id, rp.client_secret),
            )
            assert late.status_code == 400 and late.json()["error"] == "invalid_grant", late.text

            started = await rp_client.post(
                f"{BASE}/oauth/device_authorization", data={"scope": "openid card"}, auth=(rp.client_id, rp.client_secret)
            )
            assert started.status_code == 200, started.text
            device = started.json()
            view = await world.client_call_get(f"/api/v1/me/oidc/device/{device['user_code']}", holder)
            await world.client_call_post(f"/api/v1/me/oidc/requests/{view['id']}/approve", holder)
            await world.client_call_post(f"/api/v1/me/oidc/grants/{rp.client_id}/revoke", holder)
            poll = await rp_client.post(
                f"{BASE}/oauth/token",
                data={"grant_type": DEVICE_GRANT, "device_code": device["device_code"]},
                auth=(rp.client_id, rp.client_secret),
            )
            assert poll.status_code == 400 and poll.json()["error"] == "access_denied", poll.text

    await world.call(flow)


async def test_two_first_sign_ins_to_one_site_at_once(world):
    holder = await world.holder()
    rp = await world.rp("twice.example")

    async def flow():
        handles = []
        async with httpx.AsyncClient(transport=world.transport(), base_url=BASE) as browser:
            for _ in range(2):
                async with world.oauth(rp, "openid") as rp_client:
                    url, _ = rp_client.create_authorization_url(f"{BASE}/oauth/authorize", code_verifier=generate_token(48))
                started = await browser.get(url)
                assert started.status_code == 303, started.text
                handles.append(started.headers["location"].rsplit("/", 1)[1])
            answers = await asyncio.gather(
                *(browser.post(f"/api/v1/me/oidc/requests/{h}/approve", headers=holder.headers) for h in handles)
            )
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]

    await world.call(flow)
    grants = (await world.client.get("/api/v1/me/oidc/grants", headers=holder.headers)).json()
    assert [(g["client_id"], g["count"]) for g in grants] == [(rp.client_id, 2)]
    notices = (await world.client.get("/api/v1/me/inbox?limit=50", headers=holder.headers)).json()["items"]
    assert [n["event"] for n in notices].count("oidc.first_signin") == 1
