"""Web Push: subscriptions checked and refused, and the signed, encrypted request a push service
gets after an event (played by a local HTTP server); a gone subscription is never used again."""

from __future__ import annotations

import json
import time
import uuid

import anyio
import pytest

from backend.inbox import push
from backend.inbox import services as inbox
from backend.inbox.tables import Notice
from backend.lib import db
from tests.inbox import helpers as h

pytestmark = pytest.mark.anyio


async def _tell(person_id: str, event: str, params: dict | None = None) -> None:
    async with db.transaction():
        await inbox.tell(person_id, event, params or {}, now=int(time.time()))


async def _subscribe(client, who: dict, browser: h.Browser, endpoint: str, lang: str = "zh-Hans"):
    return await client.post("/api/v1/me/push/subscriptions", headers=who["headers"], json=browser.subscription(endpoint, lang))


async def test_vapid_public_key_is_a_p256_point(client):
    answer = await client.get("/api/v1/push/vapid-public-key")
    assert answer.status_code == 200
    body = answer.json()
    assert body["enabled"] is True
    raw = h.unb64url(body["public_key"])
    assert len(raw) == 65 and raw[0] == 4
    assert raw == __import__("backend.keys.keyring", fromlist=["vapid_public"]).vapid_public(h.app_keyring(client).vapid)


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        ("http://fcm.googleapis.com/fcm/send/abc", "push.bad_endpoint"),  # https only, but for this machine in test
        ("https://evil.example.com/push/abc", "push.unknown_service"),  # not a push service
        ("https://10.0.0.8/push/abc", "push.unknown_service"),  # an address, not a push service
        ("https://fcm.googleapis.com.evil.example/x", "push.unknown_service"),
        ("https://user:pw@fcm.googleapis.com/fcm/send/abc", "push.bad_endpoint"),
        ("http://192.168.1.10:8080/push/abc", "push.bad_endpoint"),
    ],
)
async def test_endpoints_refused(client, endpoint, code):
    holder = await h.citizen(client)
    response = await _subscribe(client, holder, h.Browser(), endpoint)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


async def test_keys_checked_and_subscriptions_listed_and_removed(client):
    holder = await h.citizen(client)
    browser = h.Browser()
    good = browser.subscription("https://fcm.googleapis.com/fcm/send/" + uuid.uuid4().hex)
    # Pushes tell of the person's card and data: an account not proven to be them cannot subscribe.
    unproven = await h.citizen(client, proven=False)
    refused = await client.post("/api/v1/me/push/subscriptions", headers=unproven["headers"], json=good)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "identity.not_proven"
    not_on_curve = {**good, "keys": {**good["keys"], "p256dh": h.b64url(b"\x04" + b"\x01" * 64)}}
    short_auth = {**good, "keys": {**good["keys"], "auth": h.b64url(b"x" * 17)}}
    for body in (not_on_curve, short_auth):
        response = await client.post("/api/v1/me/push/subscriptions", headers=holder["headers"], json=body)
        assert response.status_code == 422 and response.json()["error"]["code"] == "push.bad_keys", response.text
    unknown_field = await client.post("/api/v1/me/push/subscriptions", headers=holder["headers"], json={**good, "extra": 1})
    assert unknown_field.status_code == 400
    assert (await client.post("/api/v1/me/push/subscriptions", json=good)).status_code == 401

    made = await client.post("/api/v1/me/push/subscriptions", headers=holder["headers"], json=good)
    assert made.status_code == 201, made.text
    sub = made.json()
    assert sub["service"] == "fcm.googleapis.com" and sub["lang"] == "zh-Hans" and sub["last_ok_at"] is None
    # The same browser again: one subscription, its language updated.
    again = await client.post("/api/v1/me/push/subscriptions", headers=holder["headers"], json={**good, "lang": "en"})
    assert again.status_code == 201 and again.json()["id"] == sub["id"] and again.json()["lang"] == "en"
    listed = (await client.get("/api/v1/me/push/subscriptions", headers=holder["headers"])).json()
    assert [s["id"] for s in listed] == [sub["id"]]

    # Another person signs in on that browser and subscribes it: it is theirs now, not the first holder's.
    other = await h.citizen(client)
    moved = await client.post("/api/v1/me/push/subscriptions", headers=other["headers"], json=good)
    assert moved.status_code == 201 and moved.json()["id"] == sub["id"]
    assert (await client.get("/api/v1/me/push/subscriptions", headers=holder["headers"])).json() == []

    stolen = await client.delete(f"/api/v1/me/push/subscriptions/{sub['id']}", headers=holder["headers"])
    assert stolen.status_code == 404
    gone = await client.delete(f"/api/v1/me/push/subscriptions/{sub['id']}", headers=other["headers"])
    assert gone.status_code == 204
    assert (await client.get("/api/v1/me/push/subscriptions", headers=other["headers"])).json() == []


async def test_at_most_ten_browsers(client):
    holder = await h.citizen(client)
    for _ in range(10):
        endpoint = "https://updates.push.services.mozilla.com/wpush/v2/" + uuid.uuid4().hex
        assert (await _subscribe(client, holder, h.Browser(), endpoint)).status_code == 201
    response = await _subscribe(client, holder, h.Browser(), "https://web.push.apple.com/" + uuid.uuid4().hex)
    assert response.status_code == 409 and response.json()["error"]["code"] == "push.too_many"


async def test_an_event_is_pushed_signed_and_encrypted(client):
    holder = await h.citizen(client)
    await _quiet(client, holder)
    vapid_key = (await client.get("/api/v1/push/vapid-public-key")).json()["public_key"]
    with h.PushService() as service:
        browser = h.Browser()
        endpoint = service.endpoint()
        path = endpoint.removeprefix(service.origin)
        subscribed = await _subscribe(client, holder, browser, endpoint, lang="en")
        assert subscribed.status_code == 201, subscribed.text

        await h.in_app(client, _tell, holder["person_id"], "card.loss_reported", {"kind": "temporary", "by": "citizen"})
        got = await anyio.to_thread.run_sync(service.wait_for, path)
        assert len(got) == 1, "the push service got no request after the event"
        request = got[0]

        claims = h.verify_vapid(request.headers["authorization"], vapid_key)
        assert claims["aud"] == service.origin  # the endpoint's origin
        assert claims["sub"] == client.app.state.settings.vapid_subject
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600
        assert request.headers["ttl"] == str(push.TTL_SECONDS)
        assert request.headers["content-encoding"] == "aes128gcm"
        assert request.headers["urgency"] == "high"

        payload = json.loads(browser.decrypt(request.body))
        notice = next(n for n in (await h.inbox(client, holder))["items"] if n["event"] == "card.loss_reported")
        assert payload == {
            "id": notice["id"],
            "event": "card.loss_reported",
            "title": "Your card was reported lost",
            "body": "Open your e-card wallet for the details.",
            "url": "/wallet/#/inbox",
        }
        assert request.headers["topic"] == uuid.UUID(notice["id"]).hex
        assert holder["id_number"] not in request.body.decode("latin-1") and holder["id_number"] not in json.dumps(payload)
        # A wrong key cannot read it: it is encrypted to this browser alone.
        with pytest.raises(Exception):  # noqa: B017 - http_ece raises a bare cryptography error
            h.Browser().decrypt(request.body)

        assert await _settled(client, notice["id"]) == "sent"
        listed = (await client.get("/api/v1/me/push/subscriptions", headers=holder["headers"])).json()
        assert listed[0]["last_ok_at"] is not None


async def _push_state(notice_id: str) -> dict:
    return await Notice.select(Notice.push_state, Notice.push_attempts).where(Notice.id == uuid.UUID(notice_id)).first().run()


async def _settled(client, notice_id: str) -> str:
    """The notice's push state once the sender has recorded how its push went."""
    for _ in range(200):
        state = (await h.in_app(client, _push_state, notice_id))["push_state"]
        if state != "pending":
            return state
        await anyio.sleep(0.05)
    return state


async def test_a_410_marks_the_subscription_gone(client):
    holder = await h.citizen(client)
    await _quiet(client, holder)
    with h.PushService() as service:
        endpoint = service.endpoint()
        path = endpoint.removeprefix(service.origin)
        service.status[path] = 410
        assert (await _subscribe(client, holder, h.Browser(), endpoint)).status_code == 201
        await h.in_app(client, _tell, holder["person_id"], "account.device_added", {"label": "phone"})
        assert len(await anyio.to_thread.run_sync(service.wait_for, path)) == 1
        notice = next(n for n in (await h.inbox(client, holder))["items"] if n["event"] == "account.device_added")
        assert await _settled(client, notice["id"]) == "sent"  # nothing left to try
        assert (await client.get("/api/v1/me/push/subscriptions", headers=holder["headers"])).json() == []

        # The next event finds no live subscription: nothing is sent to the gone one.
        await h.in_app(client, _tell, holder["person_id"], "account.session_created", {})
        await anyio.sleep(0.5)
        assert len(service.wait_for(path, count=2, timeout=0.1)) == 1


async def _pending(person_id: str) -> int:
    return await Notice.count().where((Notice.person == uuid.UUID(person_id)) & (Notice.push_state == "pending")).run()


async def _quiet(client, who: dict) -> None:
    """Wait until the sender has dealt with the holder's earlier notices (the sign-in's), so a
    browser subscribed now receives only what the test makes."""
    for _ in range(200):
        if await h.in_app(client, _pending, who["person_id"]) == 0:
            return
        await anyio.sleep(0.05)
    raise AssertionError("earlier notices still pending")


async def _retry_now(notice_id: str) -> str:
    await Notice.update({Notice.push_next_at: None}).where(Notice.id == uuid.UUID(notice_id)).run()
    sender = push.current()
    assert sender is not None
    await sender.drain()
    return (await _push_state(notice_id))["push_state"]


async def test_a_busy_push_service_is_tried_again(client):
    holder = await h.citizen(client)
    await _quiet(client, holder)
    with h.PushService() as service:
        ok_endpoint, busy_endpoint = service.endpoint(), service.endpoint()
        ok_path, busy_path = (e.removeprefix(service.origin) for e in (ok_endpoint, busy_endpoint))
        service.status[busy_path] = 503
        assert (await _subscribe(client, holder, h.Browser(), ok_endpoint)).status_code == 201
        assert (await _subscribe(client, holder, h.Browser(), busy_endpoint)).status_code == 201
        await h.in_app(client, _tell, holder["person_id"], "certificate.revoked", {})
        assert len(await anyio.to_thread.run_sync(service.wait_for, busy_path)) == 1
        notice = next(n for n in (await h.inbox(client, holder))["items"] if n["event"] == "certificate.revoked")
        for _ in range(100):
            state = await h.in_app(client, _push_state, notice["id"])
            if state["push_attempts"] == 1 and state["push_state"] == "pending":
                break
            await anyio.sleep(0.05)
        del service.status[busy_path]
        assert await h.in_app(client, _retry_now, notice["id"]) == "sent"
        # The retry went to the busy browser only; the other had its push already.
        assert len(service.wait_for(ok_path, timeout=0.1)) == 1
        assert len(service.wait_for(busy_path, count=2, timeout=1)) == 2
