"""Province staff read runs, holds and orders in full (on the holder's access record) and retry held orders."""

from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.anyio
STAFF = "/api/v1/staff/payments"


async def run(world, payer, *holders, amount: int = 50_000) -> dict:
    body = {
        "idempotency_key": f"run-{secrets.token_hex(6)}",
        "name": "月度补贴",
        "lines": [world.line(h, amount) for h in holders],
    }
    response = await world.client.post("/api/v1/payments/batches", json=body, headers=payer.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_staff_see_a_run_its_holds_and_an_order_in_full_on_the_holders_record(world):
    staff = await world.operator()
    payer = await world.payer("hrss")
    holder = await world.holder(name="赵敏")
    batch = await run(world, payer, holder, holder)
    await world.run_jobs()  # the card's bank has not opened its account yet: both held

    runs = await world.client.get(f"{STAFF}/batches?agency={payer.code}", headers=staff)
    assert runs.status_code == 200, runs.text
    assert [(b["id"], b["by_status"]) for b in runs.json()["items"]] == [(batch["id"], {"held": 2})]
    one = await world.client.get(f"{STAFF}/batches/{batch['id']}", headers=staff)
    assert one.json()["accepted_count"] == 2 and one.json()["total_fen"] == 100_000

    holds = await world.client.get(f"{STAFF}/orders?status=held&hold_reason=account_pending&agency={payer.code}", headers=staff)
    assert holds.status_code == 200, holds.text
    items = holds.json()["items"]
    assert len(items) == 2 and {o["payee"] for o in items} == {"赵*"}
    assert holder.id_number not in holds.text

    detail = await world.client.get(f"{STAFF}/orders/{items[0]['id']}", headers=staff)
    assert detail.status_code == 200, detail.text
    assert detail.json()["order"]["status"] == "held" and detail.json()["instructions"] == []
    assert {line["kind"] for line in detail.json()["ledger"]} == {"accept", "hold"}
    assert sum(line["amount_fen"] for line in detail.json()["ledger"]) == 0

    record = await world.client.get("/api/v1/me/access-records?limit=50", headers=holder.headers)
    reviews = [r for r in record.json()["items"] if r["action"] == "payment.review"]
    assert len(reviews) == 1
    assert (reviews[0]["actor_kind"], reviews[0]["purpose"], reviews[0]["basis_kind"]) == (
        "staff",
        "Payment order review",
        "official_duty",
    )
    assert any(r["action"] == "payment.review_list" for r in record.json()["items"])


async def test_staff_retry_a_held_order_only(world):
    staff = await world.operator()
    payer = await world.payer("hrss")
    holder = await world.holder()
    batch = await run(world, payer, holder)
    order_id = batch["lines"][0]["order_id"]
    early = await world.client.post(f"{STAFF}/orders/{order_id}/retry", headers=staff)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "payment.not_held")
    await world.run_jobs()
    retried = await world.client.post(f"{STAFF}/orders/{order_id}/retry", headers=staff)
    assert retried.status_code == 200 and retried.json()["status"] == "accepted"
    missing = await world.client.post(f"{STAFF}/orders/00000000-0000-4000-8000-000000000000/retry", headers=staff)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "payment.order_not_found")


async def test_only_provincial_operators_read_payment_runs(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    counter = await world.staff("counter_operator")
    for headers in (counter, payer.headers, holder.headers):
        for url in (f"{STAFF}/orders", f"{STAFF}/batches"):
            response = await world.client.get(url, headers=headers)
            assert response.status_code == 403, (url, response.text)


async def test_staff_lists_page_by_cursor(world):
    staff = await world.operator()
    payer = await world.payer("hrss")
    holder = await world.holder()
    runs = [await run(world, payer, holder, amount=100 + i) for i in range(3)]
    first = (await world.client.get(f"{STAFF}/batches?agency={payer.code}&limit=2", headers=staff)).json()
    assert [b["id"] for b in first["items"]] == [runs[2]["id"], runs[1]["id"]]
    older = (
        await world.client.get(f"{STAFF}/batches?agency={payer.code}&limit=2&before={first['next_before']}", headers=staff)
    ).json()
    assert [b["id"] for b in older["items"]] == [runs[0]["id"]] and older["next_before"] is None

    page = (await world.client.get(f"{STAFF}/orders?agency={payer.code}&limit=2", headers=staff)).json()
    more = (
        await world.client.get(f"{STAFF}/orders?agency={payer.code}&limit=2&after={page['next_after']}", headers=staff)
    ).json()
    assert len(page["items"]) == 2 and len(more["items"]) == 1
    for bad in ("limit=0", "bank=icbc", "hold_reason=lost"):
        assert (await world.client.get(f"{STAFF}/orders?{bad}", headers=staff)).status_code == 400, bad
