"""Paying agencies follow, retry and cancel their orders and read their event feed; no agency sees another's."""

from __future__ import annotations

from collections import defaultdict

import pytest

pytestmark = pytest.mark.anyio
ORDERS = "/api/v1/payments/orders"
EVENTS = "/api/v1/payments/events"


async def submit(world, payer, holder, amount: int = 150_000) -> dict:
    response = await world.client.post(ORDERS, json=world.line(holder, amount), headers=payer.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def ledger_of(world, order_id: str) -> dict[str, int]:
    """The order's ledger balances by account, as province staff read them on its detail."""
    detail = await world.client.get(f"/api/v1/staff/payments/orders/{order_id}", headers=await world.operator())
    assert detail.status_code == 200, detail.text
    out: dict[str, int] = defaultdict(int)
    for line in detail.json()["ledger"]:
        out[line["account"]] += line["amount_fen"]
    return dict(out)


async def agency_balance(world, code: str) -> int:
    from backend.payments.tables import LedgerEntry

    rows = await world.call(LedgerEntry.select(LedgerEntry.amount_fen).where(LedgerEntry.account == f"agency:{code}").run)
    return sum(r["amount_fen"] for r in rows)


async def held_order(world, payer, holder) -> dict:
    """An order executed while the holder's card has no account yet (World.holder's bank has not opened it): held."""
    order = await submit(world, payer, holder)
    await world.run_jobs()
    read = await world.client.get(f"{ORDERS}/{order['id']}", headers=payer.headers)
    assert read.json()["status"] == "held", read.text
    return read.json()


async def test_cancelling_an_accepted_order_gives_the_money_back_and_tells_the_feed(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    order = await submit(world, payer, holder, 99_900)
    assert await agency_balance(world, payer.code) == -99_900

    response = await world.client.post(
        f"{ORDERS}/{order['id']}/cancel", json={"reason": "Beneficiary deceased"}, headers=payer.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert all(fen == 0 for fen in (await ledger_of(world, order["id"])).values())
    assert await agency_balance(world, payer.code) == 0

    again = await world.client.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "twice"}, headers=payer.headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "payment.not_cancellable")
    retry = await world.client.post(f"{ORDERS}/{order['id']}/retry", headers=payer.headers)
    assert (retry.status_code, retry.json()["error"]["code"]) == (409, "payment.not_held")

    feed = (await world.client.get(EVENTS, headers=payer.headers)).json()["items"]
    assert [(e["kind"], e["order_id"]) for e in feed] == [("order.cancelled", order["id"])]
    assert feed[0]["detail"]["reason"] == "Beneficiary deceased"
    acked = await world.client.post(f"{EVENTS}/ack", json={"ids": [feed[0]["id"]]}, headers=payer.headers)
    assert acked.json() == {"acknowledged": 1}
    assert (await world.client.get(EVENTS, headers=payer.headers)).json()["items"] == []
    twice = await world.client.post(f"{EVENTS}/ack", json={"ids": [feed[0]["id"]]}, headers=payer.headers)
    assert twice.json() == {"acknowledged": 0}


async def test_only_a_held_order_is_retried_and_a_held_one_can_be_cancelled(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    accepted = await submit(world, payer, holder)
    early = await world.client.post(f"{ORDERS}/{accepted['id']}/retry", headers=payer.headers)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "payment.not_held")

    held = await held_order(world, payer, holder)
    assert held["hold_reason"] == "account_pending"
    assert (await ledger_of(world, held["id"]))["orders:held"] == held["amount_fen"]

    retried = await world.client.post(f"{ORDERS}/{held['id']}/retry", headers=payer.headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["hold_reason"]) == ("accepted", None)
    assert (await ledger_of(world, held["id"]))["orders:pending"] == held["amount_fen"]

    await world.run_jobs()  # still no account: held again
    assert (await world.client.get(f"{ORDERS}/{held['id']}", headers=payer.headers)).json()["status"] == "held"
    cancelled = await world.client.post(f"{ORDERS}/{held['id']}/cancel", json={"reason": "Paid by cheque"}, headers=payer.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert all(fen == 0 for fen in (await ledger_of(world, held["id"])).values())
    assert await agency_balance(world, payer.code) == -accepted["amount_fen"]  # the first order is still out


async def test_another_agency_sees_nothing_of_an_agencys_orders(world):
    payer, other = await world.payer("hrss"), await world.payer("hrss")
    holder = await world.holder()
    order = await submit(world, payer, holder)
    batch = await world.client.post(
        "/api/v1/payments/batches",
        json={"idempotency_key": "run-of-agency-a", "lines": [world.line(holder, 10)]},
        headers=payer.headers,
    )
    assert batch.status_code == 201, batch.text
    await world.client.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "Wrong month"}, headers=payer.headers)
    event_id = (await world.client.get(EVENTS, headers=payer.headers)).json()["items"][0]["id"]

    calls = [
        ("GET", f"{ORDERS}/{order['id']}", None),
        ("POST", f"{ORDERS}/{order['id']}/cancel", {"reason": "not mine"}),
        ("POST", f"{ORDERS}/{order['id']}/retry", None),
        ("GET", f"/api/v1/payments/batches/{batch.json()['id']}", None),
    ]
    for method, url, body in calls:
        response = await world.client.request(method, url, json=body, headers=other.headers)
        assert response.status_code == 404, (url, response.text)
    assert (await world.client.get(ORDERS, headers=other.headers)).json()["items"] == []
    assert (await world.client.get("/api/v1/payments/batches", headers=other.headers)).json()["items"] == []
    assert (await world.client.get(EVENTS, headers=other.headers)).json()["items"] == []
    assert (await world.client.post(f"{EVENTS}/ack", json={"ids": [event_id]}, headers=other.headers)).json() == {
        "acknowledged": 0
    }
    assert len((await world.client.get(EVENTS, headers=payer.headers)).json()["items"]) == 1
    # The same key is the other agency's own: no conflict across agencies.
    same_key = await world.client.post(
        "/api/v1/payments/batches",
        json={"idempotency_key": "run-of-agency-a", "lines": [world.line(holder, 20)]},
        headers=other.headers,
    )
    assert same_key.status_code == 201, same_key.text


async def test_orders_page_by_cursor_and_filter_by_status(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    made = [(await submit(world, payer, holder, 100 + i))["id"] for i in range(3)]
    reason = {"reason": f"Duplicate of the line for {holder.id_number}"}
    assert (await world.client.post(f"{ORDERS}/{made[1]}/cancel", json=reason, headers=payer.headers)).status_code == 200
    feed = await world.client.get(EVENTS, headers=payer.headers)
    assert holder.id_number not in feed.text and "[redacted]" in feed.json()["items"][0]["detail"]["reason"]
    first = (await world.client.get(f"{ORDERS}?limit=2", headers=payer.headers)).json()
    assert len(first["items"]) == 2 and first["next_after"]
    rest = (await world.client.get(f"{ORDERS}?limit=2&after={first['next_after']}", headers=payer.headers)).json()
    assert rest["next_after"] is None
    assert sorted(o["id"] for o in first["items"] + rest["items"]) == sorted(made)
    cancelled = (await world.client.get(f"{ORDERS}?status=cancelled", headers=payer.headers)).json()["items"]
    assert [o["id"] for o in cancelled] == [made[1]]
    stranger = await world.client.get(f"{ORDERS}?after=00000000-0000-4000-8000-000000000000", headers=payer.headers)
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (422, "payment.bad_cursor")
    for bad in ("limit=0", "limit=1001", "status=lost"):
        assert (await world.client.get(f"{ORDERS}?{bad}", headers=payer.headers)).status_code == 400
