"""A bank terminated with holders and payments in flight: what it had not accepted is taken back and re-routed
to each holder's new bank once the account there opens; what it accepted it still finishes; every order is
credited exactly once and the ledger balances per order."""

from __future__ import annotations

import secrets

import pytest

from tests.cards.helpers import holder_at
from tests.payments import instructed as flow
from tests.payments.helpers import Payments

pytestmark = pytest.mark.anyio


async def new_bank(world: Payments) -> tuple[str, dict[str, str]]:
    code = "T" + secrets.token_hex(4).upper()
    body = {"code": code, "name": f"测试银行 {code}", "keeps_account_on_replacement": True}
    response = await world.client.post("/api/v1/banks", json=body, headers=await world.operator())
    assert response.status_code == 201, response.text
    return code, await world.bank_client(code)


async def in_flight(world: Payments, code: str) -> dict:
    response = await world.client.get(f"/api/v1/staff/payments/banks/{code}/in-flight", headers=await world.operator())
    assert response.status_code == 200, response.text
    return response.json()


def progress(report: dict) -> tuple:
    return (
        report["instructions"],
        report["orders_withdrawn"],
        report["orders_rerouted"],
        report["orders_awaiting_route"],
        report["outstanding_with_bank"],
        report["all_settled_or_rerouted"],
    )


def counts(**by_status: int) -> dict[str, int]:
    return {s: by_status.get(s, 0) for s in ("pending", "accepted", "credited", "returned", "withdrawn")}


async def test_a_bank_terminated_with_holders_and_payments_in_flight(world):
    await world.office()
    (x, x_bank), (y, y_bank), (z, z_bank) = [await new_bank(world) for _ in range(3)]
    a, b, c = [await holder_at(world, x, name=name) for name in ("李阿强", "王秀英", "陈志明")]
    for holder in (a, b, c):
        await world.open_accounts(x_bank, {holder.card_id})
    await world.run_jobs()
    at_x = {h.name: await flow.account_of(world, h) for h in (a, b, c)}
    # A asks to move to Z; until Z opens an account, A's card still pays into X.
    assert (await world.client.post("/api/v1/me/card/bank", json={"bank_code": z}, headers=a.headers)).status_code == 200

    payer = await world.payer()
    amounts = {a.name: 100_000, b.name: 200_000, c.name: 300_000}
    orders = {h.name: (await flow.submit(world, payer, h, amounts[h.name]))["id"] for h in (a, b, c)}
    await world.run_jobs()
    for holder in (a, b, c):
        order = await flow.order(world, payer, orders[holder.name])
        assert (order["status"], order["bank_code"]) == ("instructed", x)
    # X accepts B's instruction only: it must finish that one whatever happens to it.
    b_at_x = (await flow.instructions(world, x_bank, at_x[b.name]))[0]
    assert (await flow.answer(world, x_bank, b_at_x["id"], "accepted")).status_code == 200
    a_at_x = (await flow.instructions(world, x_bank, at_x[a.name]))[0]

    ended = await world.client.post(
        f"/api/v1/banks/{x}/status", json={"status": "ended", "successor_bank_code": y}, headers=await world.operator()
    )
    assert ended.status_code == 200 and ended.json()["moved"] == 3
    migration = (await world.client.get(f"/api/v1/banks/{x}/migration", headers=await world.operator())).json()
    assert (migration["holders"], migration["by_choice"], migration["by_default"]) == (3, 1, 2)
    assert migration["live_cards_at_bank"] == 0 and migration["all_accounted"] is True

    # The jobs take back what X had not accepted; with no account open at the new banks yet, those wait.
    await world.run_jobs()
    held = {h.name: await flow.order(world, payer, orders[h.name]) for h in (a, c)}
    assert {(o["status"], o["hold_reason"]) for o in held.values()} == {("held", "account_pending")}
    still = await flow.order(world, payer, orders[b.name])
    assert (still["status"], still["bank_code"]) == ("instructed", x)
    assert await flow.instructions(world, x_bank, at_x[a.name]) == []  # no longer X's to pay
    taken = await flow.answer(world, x_bank, a_at_x["id"], "credited")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "payment.instruction_withdrawn"
    report = await in_flight(world, x)
    assert progress(report) == (counts(accepted=1, withdrawn=2), 2, 0, 2, 1, False)
    assert report["outstanding_fen"] == amounts[b.name] and report["bank_status"] == "ended"
    # The paying agency is told once, with counts; running the jobs again changes nothing.
    events = (await world.client.get("/api/v1/payments/events?limit=100", headers=payer.headers)).json()["items"]
    told = [e["detail"] for e in events if e["kind"] == "bank.ended"]
    assert told == [{"bank_code": x, "withdrawn": 2, "awaiting_bank": 1}]
    await world.run_jobs()
    assert await in_flight(world, x) == report
    events = (await world.client.get("/api/v1/payments/events?limit=100", headers=payer.headers)).json()["items"]
    assert len([e for e in events if e["kind"] == "bank.ended"]) == 1

    # The new banks open the accounts: the held orders go again, now to Z (A's choice) and Y (the successor).
    await world.open_accounts(z_bank, {a.card_id})
    await world.open_accounts(y_bank, {b.card_id, c.card_id})
    await world.run_jobs()
    for holder, code in ((a, z), (c, y)):
        order = await flow.order(world, payer, orders[holder.name])
        assert (order["status"], order["bank_code"], order["rerouted"]) == ("instructed", code, True)
        assert any(n["event"] == "payment.rerouted" for n in await flow.inbox_events(world, holder))
    assert progress(await in_flight(world, x))[1:4] == (2, 2, 0)

    # Every bank finishes its own: X credits B's (it had accepted it), Z and Y the re-routed ones.
    assert (await flow.answer(world, x_bank, b_at_x["id"], "credited")).status_code == 200
    for holder, bank in ((a, z_bank), (c, y_bank)):
        item = await flow.the_instruction(world, bank, holder)
        assert (await flow.answer(world, bank, item["id"], "credited")).status_code == 200
    assert progress(await in_flight(world, x)) == (counts(credited=1, withdrawn=2), 2, 2, 0, 0, True)

    for holder, code in ((a, z), (b, x), (c, y)):
        order_id = orders[holder.name]
        assert (await flow.order(world, payer, order_id))["status"] == "credited"
        detail = await flow.staff_detail(world, order_id)
        credited = [i for i in detail["instructions"] if i["status"] == "credited"]
        assert len(credited) == 1 and credited[0]["bank_code"] == code  # paid exactly once, by its bank
        assert flow.nets(detail["ledger"]) == {
            f"bank:{code}:paid": amounts[holder.name],
            f"agency:{payer.code}": -amounts[holder.name],
        }
        journals: dict[str, int] = {}
        for line in detail["ledger"]:
            journals[line["journal"]] = journals.get(line["journal"], 0) + line["amount_fen"]
        assert set(journals.values()) == {0}
        received = [n for n in await flow.inbox_events(world, holder) if n["event"] == "payment.received"]
        assert len(received) == 1


async def test_the_in_flight_report_is_for_provincial_operators(world):
    await world.office()
    code, _ = await new_bank(world)
    quiet = await in_flight(world, code)
    assert progress(quiet) == (counts(), 0, 0, 0, 0, True) and quiet["bank_status"] == "active"
    url = f"/api/v1/staff/payments/banks/{code}/in-flight"
    assert (await world.client.get(url)).status_code == 401
    assert (await world.client.get(url, headers=await world.staff("supervisor"))).status_code == 403
    missing = await world.client.get("/api/v1/staff/payments/banks/NOSUCH/in-flight", headers=await world.operator())
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "bank.not_found"
