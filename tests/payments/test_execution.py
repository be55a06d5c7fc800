"""Executing orders at execution time: routed to the live card's account (Art. 8), or held with the reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.payments import instruction_format as fmt
from tests.payments import instructed as flow
from tests.payments.helpers import BANK

pytestmark = pytest.mark.anyio


DOCS = Path(__file__).resolve().parents[2] / "docs" / "payments.md"


async def test_order_is_instructed_to_the_account_the_bank_opened_and_the_signature_verifies(world):
    icbc = await flow.icbc(world)
    done = await flow.paid(world, icbc, 328_050)
    account = await flow.account_of(world, done.holder)
    assert done.order["status"] == "instructed" and done.order["bank_code"] == BANK
    assert done.order["account"] == "**** " + account[-4:] and done.order["rerouted"] is False

    item = await flow.the_instruction(world, icbc, done.holder)
    assert (item["bank_code"], item["amount_fen"], item["currency"], item["payee_name"]) == (
        BANK,
        328_050,
        "CNY",
        done.holder.name,
    )
    assert (item["payment_type"], item["payer_agency"], item["status"]) == ("pension", done.payer.code, "pending")
    jwks = (await world.client.get("/.well-known/jwks.json")).json()
    fields = fmt.signed_fields(**{name: item[name] for name in fmt.FIELDS if name != "currency"})
    assert fmt.verify_with_jwks(jwks, item["kid"], fields, item["signature"])
    # Any change to what the bank acts on breaks it: another account, another amount.
    assert not fmt.verify_with_jwks(jwks, item["kid"], {**fields, "account": "6222000000000000001"}, item["signature"])
    assert not fmt.verify_with_jwks(jwks, item["kid"], {**fields, "amount_fen": 328_051}, item["signature"])
    # A second pull shows the same instruction under the same id.
    assert (await flow.the_instruction(world, icbc, done.holder))["id"] == item["id"]

    # The disclosure to the bank is on the holder's access record, with the statute as its basis.
    records = await world.records(done.holder)
    disclosed = [r for r in records if r["action"] == "payment.instruction"]
    assert len(disclosed) == 1 and BANK in disclosed[0]["purpose"]
    assert disclosed[0]["basis_kind"] == "statute" and "社会保险法" in disclosed[0]["basis_ref"]
    assert sorted(disclosed[0]["fields"]) == ["bank_account", "name"]


async def test_account_changed_between_submission_and_execution_goes_to_the_new_account(world):
    """The holder moves to another bank after the agency submitted: the payment follows the card (Art. 8)."""
    from tests.cards.helpers import bank as new_bank

    icbc = await flow.icbc(world)
    holder = await flow.holder(world, icbc)
    old_account = await flow.account_of(world, holder)
    payer = await world.payer()
    submitted = await flow.submit(world, payer, holder, 88_800)

    code = await world.call(new_bank)
    other = await world.bank_client(code)
    response = await world.client.post("/api/v1/me/card/bank", json={"bank_code": code}, headers=holder.headers)
    assert response.status_code == 200, response.text
    await world.open_accounts(other, {holder.card_id})  # the new bank opens the account (when the change waits for it)
    new_account = await flow.account_of(world, holder)
    assert new_account != old_account

    await flow.execute(world)
    order = await flow.order(world, payer, submitted["id"])
    assert (order["status"], order["bank_code"], order["rerouted"]) == ("instructed", code, True)
    assert order["account"] == "**** " + new_account[-4:]
    item = await flow.the_instruction(world, other, holder)
    assert (item["account"], item["amount_fen"], item["bank_code"]) == (new_account, 88_800, code)
    assert await flow.instructions(world, icbc, old_account) == []  # nothing went to the old account

    notices = [n for n in await flow.inbox_events(world, holder) if n["event"] == "payment.rerouted"]
    assert len(notices) == 1 and notices[0]["params"]["account"] == "**** " + new_account[-4:]
    assert notices[0]["params"]["amount_fen"] == 88_800 and new_account not in str(notices[0]["params"])
    mine = (await world.client.get("/api/v1/me/payments", headers=holder.headers)).json()["items"]
    assert [(p["id"], p["rerouted"]) for p in mine] == [(submitted["id"], True)]
    events = (await world.client.get("/api/v1/payments/events?limit=100", headers=payer.headers)).json()["items"]
    assert [e["kind"] for e in events if e["order_id"] == submitted["id"]] == ["order.rerouted"]


async def _held(world, holder, before_execution=None) -> tuple[dict, object]:
    payer = await world.payer()
    submitted = await flow.submit(world, payer, holder)
    if before_execution is not None:
        await before_execution()
    await flow.execute(world)
    return await flow.order(world, payer, submitted["id"]), payer


async def test_no_live_card_holds_the_order(world):
    icbc = await flow.icbc(world)
    holder = await flow.holder(world, icbc)

    async def cancel() -> None:
        response = await world.client.post("/api/v1/me/card/actions/cancel", json={}, headers=holder.headers)
        assert response.status_code == 200, response.text

    order, payer = await _held(world, holder, cancel)
    assert (order["status"], order["hold_reason"], order["instructions"]) == ("held", "no_live_card", 0)
    events = (await world.client.get("/api/v1/payments/events?limit=100", headers=payer.headers)).json()["items"]
    held = [e for e in events if e["order_id"] == order["id"]]
    assert [(e["kind"], e["detail"]["hold_reason"]) for e in held] == [("order.held", "no_live_card")]


async def test_suspended_card_holds_the_order_and_tells_the_holder(world):
    icbc = await flow.icbc(world)
    holder = await flow.holder(world, icbc)

    async def report_lost() -> None:
        await world.card_action(holder, "report-loss")

    order, _ = await _held(world, holder, report_lost)
    assert (order["status"], order["hold_reason"]) == ("held", "card_suspended")
    notices = [n for n in await flow.inbox_events(world, holder) if n["event"] == "payment.held"]
    assert len(notices) == 1 and notices[0]["params"]["reason"] == "card_suspended"
    assert await flow.instructions(world, icbc, await flow.account_of(world, holder)) == []


async def test_account_not_yet_opened_holds_the_order(world):
    holder = await world.holder()  # ICBC has not answered the account request
    order, _ = await _held(world, holder)
    assert (order["status"], order["hold_reason"], order["bank_code"]) == ("held", "account_pending", None)


async def test_executing_twice_makes_one_instruction_and_the_ledger_nets_to_the_bank(world):
    from backend.payments import execution

    icbc = await flow.icbc(world)
    done = await flow.paid(world, icbc, 12_345)
    assert await world.call(execution.execute_orders, [done.order["id"]], world.keyring) == 0  # nothing still accepted
    await flow.execute(world)
    order = await flow.order(world, done.payer, done.order["id"])
    assert (order["status"], order["instructions"]) == ("instructed", 1)
    assert len(await flow.instructions(world, icbc, await flow.account_of(world, done.holder))) == 1

    detail = await flow.staff_detail(world, done.order["id"])
    assert len(detail["instructions"]) == 1
    # moves.HOME: an instructed order's money is in transit at its bank; the agency is down by the amount.
    assert flow.nets(detail["ledger"]) == {f"bank:{BANK}:in_transit": 12_345, f"agency:{done.payer.code}": -12_345}


async def test_documented_worked_example_is_the_real_format():
    """docs/payments.md's worked example: the bytes and signature it prints are what the code makes."""
    from backend.lib import ed25519

    text = DOCS.read_text(encoding="utf-8")
    seed = bytes.fromhex(re.search(r"Seed \(hex\): `([0-9a-f]{64})`", text).group(1))
    fields = fmt.signed_fields(
        id="0b5e1d3c-8f2a-4c61-9e0d-2f7a6b1c9d43",
        bank_code="ICBC",
        account="6222020200112345678",
        payee_name="王小明",
        amount_fen=328050,
        payment_type="pension",
        payer_agency="GD-HRSS",
        purpose="2026年12月基本养老金",
        created_at="2026-12-01T08:00:00Z",
    )
    message = fmt.message(fields)
    signature = fmt.sign(seed, fields)
    assert message[len(fmt.PREFIX) :].decode() in text  # the canonical JSON, as printed
    assert message.hex() in re.sub(r"\s", "", text) and signature in text
    public = ed25519.public_from_seed(seed)
    assert fmt.b64url(public) in text and fmt.verify(public, fields, signature)
