"""Starting sign-ins is rate-limited per address and per client; expired requests, codes and tokens are purged."""

import datetime as dt
import secrets
import urllib.parse

import httpx
import pytest

from tests.oidc.helpers import BASE

pytestmark = pytest.mark.anyio


def _from(world, address: str) -> httpx.AsyncClient:
    """A caller at its own address (each test its own, so counters are not shared)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.client.app, client=(address, 40000)), base_url=BASE)


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


async def test_one_address_cannot_store_requests_without_end(world):
    rp = await world.rp("busy.example")
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": "openid",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }

    async def flow():
        async with _from(world, _address()) as caller:
            answers = [await caller.get("/oauth/authorize", params=params) for _ in range(31)]
            assert all(a.headers["location"].startswith("/wallet/#/authorize/") for a in answers[:30])
            back = urllib.parse.parse_qs(urllib.parse.urlsplit(answers[30].headers["location"]).query)
            assert back["error"] == ["temporarily_unavailable"]
        async with _from(world, _address()) as terminal:
            started = [
                await terminal.post(
                    "/oauth/device_authorization", data={"scope": "openid"}, auth=(rp.client_id, rp.client_secret)
                )
                for _ in range(31)
            ]
            assert [s.status_code for s in started] == [200] * 30 + [429], started[-1].text
            assert started[30].json()["error"] == "temporarily_unavailable" and started[30].headers["retry-after"] == "60"
        async with _from(world, _address()) as elsewhere:  # another address is not held back
            fine = await elsewhere.post(
                "/oauth/device_authorization", data={"scope": "openid"}, auth=(rp.client_id, rp.client_secret)
            )
            assert fine.status_code == 200, fine.text

    await world.call(flow)


async def test_expired_rows_are_purged(world):
    from backend.oidc.tables import AccessToken, AuthCode, AuthRequest

    holder = await world.holder()
    rp = await world.rp("purge.example")
    done = await world.sign_in(rp, holder, scope="openid")

    async def flow():
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        request = await AuthRequest.select(AuthRequest.id).where(AuthRequest.handle == done.handle).first().run()
        # two days pass (set-up, as a clock would)
        await AuthRequest.update({AuthRequest.expires_at: old}).where(AuthRequest.id == request["id"]).run()
        await AuthCode.update({AuthCode.expires_at: old}).where(AuthCode.request == request["id"]).run()
        await AccessToken.update({AccessToken.expires_at: old}).where(AccessToken.request == request["id"]).run()
        await world.store.delete("oidc:purge")  # the last purge's minute is over
        async with _from(world, _address()) as terminal:
            started = await terminal.post(
                "/oauth/device_authorization", data={"scope": "openid"}, auth=(rp.client_id, rp.client_secret)
            )
            assert started.status_code == 200, started.text
        assert not await AuthRequest.exists().where(AuthRequest.id == request["id"]).run()
        assert not await AuthCode.exists().where(AuthCode.request == request["id"]).run()
        assert not await AccessToken.exists().where(AccessToken.request == request["id"]).run()
        # the holder's list of sites is not an expiring row: it stays
        grants = await world.client_call_get("/api/v1/me/oidc/grants", holder)
        assert [g["client_id"] for g in grants] == [rp.client_id]

    await world.call(flow)
