"""Banks answer instructions: credited settles the order, returned holds it, repeats change nothing, contradictions are refused."""

from __future__ import annotations

import pytest

from tests.cards.helpers import concurrently
from tests.payments import instructed as flow
from tests.payments.helpers import BANK

pytestmark = pytest.mark.anyio


async def test_credited_settles_the_order_and_the_holder_sees_the_payment(world):
    icbc = await flow.icbc(world)
    done = await flow.paid(world, icbc, 250_000)
    item = await flow.the_instruction(world, icbc, done.holder)

    accepted = await flow.answer(world, icbc, item["id"], "accepted", bank_reference="ICBC-A-1")
    assert accepted.status_code == 200 and accepted.json() == {
        "instruction_id": item["id"],
        "status": "accepted",
        "duplicate": False,
    }
    assert (await flow.instructions(world, icbc, item["account"], "accepted"))[0]["id"] == item["id"]
    assert (await flow.order(world, done.payer, done.order["id"]))["status"] == "instructed"  # accepted moves no money

    credited = await flow.answer(world, icbc, item["id"], "credited", bank_reference="ICBC-C-1")
    assert credited.status_code == 200 and credited.json()["status"] == "credited" and credited.json()["duplicate"] is False
    order = await flow.order(world, done.payer, done.order["id"])
    assert order["status"] == "credited" and order["credited_at"] is not None

    mine = await world.client.get("/api/v1/me/payments", headers=done.holder.headers)
    assert mine.status_code == 200
    [payment] = mine.json()["items"]
    assert (payment["id"], payment["status"], payment["amount_fen"], payment["bank_name"]) == (
        order["id"],
        "credited",
        250_000,
        BANK,
    )
    assert payment["payer"].startswith("Test paying agency") and payment["account"] == "**** " + item["account"][-4:]
    received = [n for n in await flow.inbox_events(world, done.holder) if n["event"] == "payment.received"]
    assert len(received) == 1 and received[0]["params"]["amount_fen"] == 250_000
    assert received[0]["params"]["payer"] == payment["payer"] and received[0]["params"]["account"] == payment["account"]
    events = (await world.client.get("/api/v1/payments/events?limit=100", headers=done.payer.headers)).json()["items"]
    assert [e["kind"] for e in events if e["order_id"] == order["id"]] == ["order.credited"]

    # The same answer again is recognised: nothing moves, the ledger is as it was.
    ledger = (await flow.staff_detail(world, order["id"]))["ledger"]
    assert flow.nets(ledger) == {f"bank:{BANK}:paid": 250_000, f"agency:{done.payer.code}": -250_000}
    again = await flow.answer(world, icbc, item["id"], "credited", bank_reference="ICBC-C-1")
    assert again.status_code == 200 and again.json() == {"instruction_id": item["id"], "status": "credited", "duplicate": True}
    late_accept = await flow.answer(world, icbc, item["id"], "accepted")  # the first answer, resent late
    assert late_accept.status_code == 200 and late_accept.json()["duplicate"] is True
    assert (await flow.staff_detail(world, order["id"]))["ledger"] == ledger
    assert len([n for n in await flow.inbox_events(world, done.holder) if n["event"] == "payment.received"]) == 1

    # A contradiction is refused.
    refused = await flow.answer(world, icbc, item["id"], "returned", reason_code="account_closed")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment.answer_conflict"


async def test_returned_holds_the_order_with_the_banks_reason(world):
    icbc = await flow.icbc(world)
    done = await flow.paid(world, icbc, 99_900)
    item = await flow.the_instruction(world, icbc, done.holder)

    missing = await flow.answer(world, icbc, item["id"], "returned")
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "payment.reason_required"
    returned = await flow.answer(world, icbc, item["id"], "returned", reason_code="account_frozen")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    order = await flow.order(world, done.payer, done.order["id"])
    assert (order["status"], order["hold_reason"], order["hold_detail"]) == ("held", "returned", "account_frozen")
    held = [n for n in await flow.inbox_events(world, done.holder) if n["event"] == "payment.held"]
    assert len(held) == 1 and held[0]["params"]["reason_code"] == "account_frozen"
    events = (await world.client.get("/api/v1/payments/events?limit=100", headers=done.payer.headers)).json()["items"]
    assert [(e["kind"], e["detail"]["reason_code"]) for e in events if e["order_id"] == order["id"]] == [
        ("order.returned", "account_frozen")
    ]
    assert flow.nets((await flow.staff_detail(world, order["id"]))["ledger"]) == {
        "orders:held": 99_900,
        f"agency:{done.payer.code}": -99_900,
    }
    again = await flow.answer(world, icbc, item["id"], "returned", reason_code="account_frozen")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    for outcome in ("credited", "accepted"):
        refused = await flow.answer(world, icbc, item["id"], outcome)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment.answer_conflict"
    mine = (await world.client.get(f"/api/v1/me/payments/{order['id']}", headers=done.holder.headers)).json()
    assert (mine["status"], mine["hold_reason"]) == ("held", "returned")


async def test_another_banks_instruction_is_not_found_and_bad_answers_are_refused(world):
    from tests.cards.helpers import bank as new_bank

    icbc = await flow.icbc(world)
    done = await flow.paid(world, icbc)
    item = await flow.the_instruction(world, icbc, done.holder)
    stranger = await world.bank_client(await world.call(new_bank))
    response = await flow.answer(world, stranger, item["id"], "credited")
    assert response.status_code == 404 and response.json()["error"]["code"] == "payment.instruction_not_found"
    assert await flow.instructions(world, stranger, item["account"]) == []
    unknown = await flow.answer(world, icbc, "00000000-0000-4000-8000-000000000000", "credited")
    assert unknown.status_code == 404
    for body in ({"outcome": "paid"}, {"outcome": "returned", "reason_code": "because"}, {"outcome": "credited", "x": 1}):
        bad = await world.client.post(f"/api/v1/bank/instructions/{item['id']}/answers", json=body, headers=icbc)
        assert bad.status_code == 400, bad.text
    payer_try = await flow.answer(world, done.payer.headers, item["id"], "credited")
    assert payer_try.status_code == 403
    assert (await world.client.get("/api/v1/bank/instructions?limit=0", headers=icbc)).status_code == 400
    assert (await world.client.get("/api/v1/bank/instructions?status=credited", headers=icbc)).status_code == 400
    assert (await flow.order(world, done.payer, done.order["id"]))["status"] == "instructed"


async def test_two_contradicting_answers_at_once_exactly_one_wins(world):
    """credited and returned sent at the same moment: one is taken, the other refused; the money moved once."""
    icbc = await flow.icbc(world)
    for _ in range(3):
        done = await flow.paid(world, icbc, 40_000)
        item = await flow.the_instruction(world, icbc, done.holder)
        url = f"/api/v1/bank/instructions/{item['id']}/answers"
        responses = await concurrently(
            world.client,
            ("POST", url, {"json": {"outcome": "credited"}, "headers": icbc}),
            ("POST", url, {"json": {"outcome": "returned", "reason_code": "account_closed"}, "headers": icbc}),
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], [r.text for r in responses]
        winner = next(r.json()["status"] for r in responses if r.status_code == 200)
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "payment.answer_conflict"
        order = await flow.order(world, done.payer, done.order["id"])
        assert order["status"] == ("credited" if winner == "credited" else "held")
        ledger = (await flow.staff_detail(world, order["id"]))["ledger"]
        kinds = sorted(line["kind"] for line in ledger)
        assert kinds.count("credit") + kinds.count("return") == 2  # one journal, two lines
        home = f"bank:{BANK}:paid" if winner == "credited" else "orders:held"
        assert flow.nets(ledger) == {home: 40_000, f"agency:{done.payer.code}": -40_000}


async def test_an_instruction_withdrawn_when_its_bank_ended_cannot_be_answered(world):
    """The bank's cooperation ended before it accepted the instruction: it was taken back; paying it is refused."""
    from tests.cards.helpers import bank as new_bank

    icbc = await flow.icbc(world)
    code = await world.call(new_bank)
    ending = await world.bank_client(code)
    holder = await flow.holder(world, icbc)
    response = await world.client.post("/api/v1/me/card/bank", json={"bank_code": code}, headers=holder.headers)
    assert response.status_code == 200, response.text
    await world.open_accounts(ending, {holder.card_id})
    await world.run_jobs()
    payer = await world.payer()
    submitted = await flow.submit(world, payer, holder, 77_700)
    await flow.execute(world)
    item = await flow.the_instruction(world, ending, holder)

    ended = await world.client.post(
        f"/api/v1/banks/{code}/status", json={"status": "ended", "successor_bank_code": BANK}, headers=await world.operator()
    )
    assert ended.status_code == 200, ended.text
    await world.run_jobs()
    for outcome, body in (("credited", {}), ("accepted", {}), ("returned", {"reason_code": "other"})):
        refused = await flow.answer(world, ending, item["id"], outcome, **body)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment.instruction_withdrawn"
    order = await flow.order(world, payer, submitted["id"])
    assert (order["status"], order["hold_reason"]) == ("held", "account_pending")  # the successor has not opened one yet
    await world.open_accounts(icbc, {holder.card_id})  # it opens the migrated card's account: the order goes again
    await world.run_jobs()
    order = await flow.order(world, payer, submitted["id"])
    assert (order["status"], order["bank_code"], order["instructions"]) == ("instructed", BANK, 2)
    again = await flow.the_instruction(world, icbc, holder)
    assert again["id"] != item["id"] and again["amount_fen"] == 77_700
