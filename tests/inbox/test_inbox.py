"""The inbox: a notice told inside a transaction, listed newest first with the unread count, marked read."""

from __future__ import annotations

import uuid

import pytest

from backend.inbox import services as inbox
from backend.lib import db
from tests.inbox import helpers as h

pytestmark = pytest.mark.anyio


async def _tell_in_transaction(person_id: str, event: str, params: dict, now: int, fail: bool = False) -> None:
    async with db.transaction():
        await inbox.tell(person_id, event, params, now=now)
        if fail:
            raise RuntimeError("the change fails")


async def test_tell_list_read_and_unread_count(client):
    # The inbox is the person's: an account nobody proved to be them does not read it.
    stranger = await h.citizen(client, proven=False)
    for method, path in (
        ("GET", "/api/v1/me/inbox"),
        ("GET", "/api/v1/me/inbox/unread-count"),
        ("POST", "/api/v1/me/inbox/read-all"),
    ):
        refused = await client.request(method, path, headers=stranger["headers"])
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "identity.not_proven", path
    holder = await h.citizen(client)
    # Signing in was the first notice (account.session_created): read, and oldest of all below.
    assert await h.events(client, holder) == ["account.session_created"]
    assert (await client.post("/api/v1/me/inbox/read-all", headers=holder["headers"])).json() == {"marked": 1, "unread": 0}
    base = 1_900_000_000
    for i, event in enumerate(["certificate.issued", "card.loss_reported", "consent.used"]):
        await h.in_app(client, _tell_in_transaction, holder["person_id"], event, {"n": i}, base + i)
    with pytest.raises(RuntimeError):
        await h.in_app(client, _tell_in_transaction, holder["person_id"], "card.cancelled", {}, base + 9, True)

    page = await h.inbox(client, holder)
    assert [n["event"] for n in page["items"]] == [
        "consent.used",
        "card.loss_reported",
        "certificate.issued",
        "account.session_created",
    ]
    assert page["total"] == 4 and page["unread"] == 3 and page["items"][0]["params"] == {"n": 2}
    assert page["items"][0]["read"] is False and page["items"][0]["read_at"] is None
    second = await h.inbox(client, holder, limit=2, offset=2)
    assert [n["event"] for n in second["items"]] == ["certificate.issued", "account.session_created"] and second["offset"] == 2

    count = await client.get("/api/v1/me/inbox/unread-count", headers=holder["headers"])
    assert count.status_code == 200 and count.json() == {"unread": 3}
    assert (
        "no-store" in count.headers["cache-control"]
        and "no-store" in (await client.get("/api/v1/me/inbox", headers=holder["headers"])).headers["cache-control"]
    )

    first = page["items"][1]["id"]
    read = await client.post(f"/api/v1/me/inbox/{first}/read", headers=holder["headers"])
    assert read.status_code == 200 and read.json()["read"] is True and read.json()["read_at"]
    again = await client.post(f"/api/v1/me/inbox/{first}/read", headers=holder["headers"])
    assert again.json()["read_at"] == read.json()["read_at"]  # the first time stays
    assert (await client.get("/api/v1/me/inbox/unread-count", headers=holder["headers"])).json() == {"unread": 2}

    everything = await client.post("/api/v1/me/inbox/read-all", headers=holder["headers"])
    assert everything.status_code == 200 and everything.json() == {"marked": 2, "unread": 0}
    assert (await h.inbox(client, holder))["unread"] == 0


async def test_a_notice_is_the_holders_alone(client):
    holder = await h.citizen(client)
    other = await h.citizen(client)
    await h.in_app(client, _tell_in_transaction, holder["person_id"], "card.replaced", {}, 1_900_000_000)
    notice = (await h.inbox(client, holder))["items"][0]["id"]
    assert await h.events(client, other) == ["account.session_created"]  # their own sign-in only
    stolen = await client.post(f"/api/v1/me/inbox/{notice}/read", headers=other["headers"])
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "notice.not_found"
    missing = await client.post(f"/api/v1/me/inbox/{uuid.uuid4()}/read", headers=holder["headers"])
    assert missing.status_code == 404
    assert (await h.inbox(client, holder))["unread"] == 2  # the replacement and the sign-in
    assert (await client.get("/api/v1/me/inbox")).status_code == 401


async def test_params_never_keep_an_identity_number(client):
    holder = await h.citizen(client)
    await h.in_app(
        client, _tell_in_transaction, holder["person_id"], "data.agency_query", {"purpose": f"check {holder['id_number']}"}, 1
    )
    notice = next(n for n in (await h.inbox(client, holder))["items"] if n["event"] == "data.agency_query")
    assert holder["id_number"] not in notice["params"]["purpose"] and "[redacted]" in notice["params"]["purpose"]


async def test_staff_have_no_inbox(client):
    from tests.accounts import helpers as accounts

    member = await accounts.staff(client, "counter_operator")
    response = await client.get("/api/v1/me/inbox", headers=h.bearer(member["token"]))
    assert response.status_code == 403
