"""auth_time is the session's last factor; max_age and prompt=login send the holder through step-up first."""

import datetime as dt
import time
import urllib.parse

import httpx
import pytest
from authlib.common.security import generate_token

from tests.oidc.helpers import BASE
from tests.venues.helpers import PASSWORD

pytestmark = pytest.mark.anyio


async def _age_sessions(person_id, seconds: int) -> int:
    """The holder's sessions last gave a factor `seconds` ago (set-up, as a clock would); returns that moment."""
    from backend.accounts.tables import Account, Session

    at = int(time.time()) - seconds
    account = await Account.select(Account.id).where(Account.person == person_id).first().run()
    await (
        Session.update({Session.stepped_up_at: dt.datetime.fromtimestamp(at, dt.UTC)})
        .where(Session.account == account["id"])
        .run()
    )
    return at


async def _start(world, rp, rp_client, **extra) -> tuple[httpx.AsyncClient, str, str]:
    verifier = generate_token(48)
    url, _ = rp_client.create_authorization_url(f"{BASE}/oauth/authorize", code_verifier=verifier, **extra)
    browser = httpx.AsyncClient(transport=world.transport(), base_url=BASE)
    started = await browser.get(url)
    assert started.status_code == 303, started.text
    return browser, verifier, started.headers["location"]


async def _auth_time(world, rp, rp_client, browser, verifier, handle, holder) -> int:
    approved = await browser.post(f"/api/v1/me/oidc/requests/{handle}/approve", headers=holder.headers)
    assert approved.status_code == 200, approved.text
    token = await rp_client.fetch_token(
        f"{BASE}/oauth/token", authorization_response=approved.json()["redirect_to"], code_verifier=verifier
    )
    claims = await world.verify_id_token(rp_client, token["id_token"], rp, None)
    return claims["auth_time"]


@pytest.mark.parametrize("ask", [{"max_age": "300"}, {"prompt": "login"}])
async def test_a_recent_sign_in_is_asked_for_through_step_up(world, ask):
    holder = await world.holder()
    rp = await world.rp("fresh.example")

    async def flow():
        stale = await _age_sessions(holder.person_id, 3600)
        async with world.oauth(rp, "openid card") as rp_client:
            # without max_age or prompt: any session will do, and auth_time is its last factor, not the approval
            browser, verifier, location = await _start(world, rp, rp_client)
            assert await _auth_time(world, rp, rp_client, browser, verifier, location.rsplit("/", 1)[1], holder) == stale
            await browser.aclose()

            browser, verifier, location = await _start(world, rp, rp_client, **ask)
            handle = location.rsplit("/", 1)[1]
            try:
                refused = await browser.post(f"/api/v1/me/oidc/requests/{handle}/approve", headers=holder.headers)
                assert refused.status_code == 403, refused.text
                assert refused.json()["error"]["code"] == "auth.step_up_required"
                view = await browser.get(f"/api/v1/me/oidc/requests/{handle}", headers=holder.headers)
                assert view.json()["status"] == "pending"  # still waiting for the holder
                stepped = await browser.post("/api/v1/me/step-up", json={"password": PASSWORD}, headers=holder.headers)
                assert stepped.status_code == 200, stepped.text
                assert await _auth_time(world, rp, rp_client, browser, verifier, handle, holder) > stale
            finally:
                await browser.aclose()

    await world.call(flow)


async def test_a_session_without_a_step_up_time_gives_its_sign_in_time_not_1970(world):
    """A session whose stepped_up_at is empty (made before sessions kept it): auth_time is when it
    signed in (its created_at), never 0."""
    from backend.accounts.tables import Account, Session

    holder = await world.holder()
    rp = await world.rp("fresh.example")

    async def flow():
        signed_in = int(time.time()) - 1800
        account = await Account.select(Account.id).where(Account.person == holder.person_id).first().run()
        await (
            Session.update({Session.stepped_up_at: None, Session.created_at: dt.datetime.fromtimestamp(signed_in, dt.UTC)})
            .where(Session.account == account["id"])
            .run()
        )
        async with world.oauth(rp, "openid card") as rp_client:
            browser, verifier, location = await _start(world, rp, rp_client)
            try:
                assert await _auth_time(world, rp, rp_client, browser, verifier, location.rsplit("/", 1)[1], holder) == signed_in
            finally:
                await browser.aclose()

    await world.call(flow)


async def test_a_bad_max_age_goes_back_as_invalid_request(world):
    rp = await world.rp("fresh.example")
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": "openid",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
        "max_age": "-5",
    }
    answer = await world.client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert answer.status_code == 303
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["location"]).query)["error"] == ["invalid_request"]
