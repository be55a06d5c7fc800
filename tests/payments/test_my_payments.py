"""The holder's payments: their own only, newest first, masked account, never cached."""

from __future__ import annotations

import pytest

from tests.payments import instructed as flow
from tests.payments.helpers import BANK

pytestmark = pytest.mark.anyio


async def test_holder_pages_through_own_payments_and_sees_no_one_elses(world):
    icbc = await flow.icbc(world)
    holder = await flow.holder(world, icbc)
    payer = await world.payer()
    ids = [(await flow.submit(world, payer, holder, 1_000 + i, purpose=f"第{i}笔"))["id"] for i in range(3)]
    await flow.execute(world)

    first = await world.client.get("/api/v1/me/payments?limit=2", headers=holder.headers)
    assert first.status_code == 200 and "no-store" in first.headers["cache-control"]
    page = first.json()
    second = (await world.client.get(f"/api/v1/me/payments?limit=2&before={page['next_before']}", headers=holder.headers)).json()
    assert second["next_before"] is None
    listed = [p["id"] for p in page["items"] + second["items"]]
    assert sorted(listed) == sorted(ids) and len(set(listed)) == 3
    assert [p["amount_fen"] for p in page["items"] + second["items"]] == [1_002, 1_001, 1_000]  # newest first
    account = await flow.account_of(world, holder)
    for item in page["items"] + second["items"]:
        assert (item["status"], item["bank_name"], item["rerouted"]) == ("instructed", BANK, False)
        assert item["account"] == "**** " + account[-4:] and item["legal_basis"].startswith("《社会保险法》")
        assert item["payment_type"] == "pension" and item["payer"].startswith("Test paying agency")

    one = await world.client.get(f"/api/v1/me/payments/{ids[0]}", headers=holder.headers)
    assert one.status_code == 200 and one.json()["purpose"] == "第0笔" and "no-store" in one.headers["cache-control"]

    someone = await world.holder()
    assert (await world.client.get("/api/v1/me/payments", headers=someone.headers)).json() == {"items": [], "next_before": None}
    theirs = await world.client.get(f"/api/v1/me/payments/{ids[0]}", headers=someone.headers)
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "payment.not_found"
    cursor = await world.client.get(f"/api/v1/me/payments?before={ids[0]}", headers=someone.headers)
    assert cursor.status_code == 200 and cursor.json()["items"] == []


async def test_a_payment_not_yet_executed_shows_no_account_and_others_may_not_read_the_list(world):
    icbc = await flow.icbc(world)
    holder = await flow.holder(world, icbc)
    payer = await world.payer()
    submitted = await flow.submit(world, payer, holder, 5_000)
    mine = (await world.client.get(f"/api/v1/me/payments/{submitted['id']}", headers=holder.headers)).json()
    assert (mine["status"], mine["bank_name"], mine["account"], mine["rerouted"]) == ("accepted", None, None, False)

    assert (await world.client.get("/api/v1/me/payments")).status_code == 401
    assert (await world.client.get("/api/v1/me/payments", headers=payer.headers)).status_code == 403
    assert (await world.client.get("/api/v1/me/payments", headers=icbc)).status_code == 403
    for query in ("limit=0", "limit=101", "before=not-an-id"):
        assert (await world.client.get(f"/api/v1/me/payments?{query}", headers=holder.headers)).status_code == 400
    assert (await world.client.get("/api/v1/me/payments/not-an-id", headers=holder.headers)).status_code in (400, 404)
