"""A bank suspended, then ended: every holder told, moved to the bank they chose or to the successor, with a
request for an account there; the migration report accounts for every holder, and resuming changes nothing."""

from __future__ import annotations

import secrets

import msgspec
import pytest

from tests.cards.helpers import holder_at
from tests.payments.helpers import BANK, Payments

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings):
    """No embedded job worker: the jobs ending a bank leaves wait (this test reads the cards' side)."""
    return msgspec.structs.replace(settings, jobs_embedded=False)


@pytest.fixture
async def world(client) -> Payments:
    await Payments(client).office()  # seeds ICBC on a fresh database
    return Payments(client)


async def new_bank(world: Payments) -> tuple[str, dict[str, str]]:
    code = "E" + secrets.token_hex(4).upper()
    body = {"code": code, "name": f"测试银行 {code}", "keeps_account_on_replacement": True}
    response = await world.client.post("/api/v1/banks", json=body, headers=await world.operator())
    assert response.status_code == 201, response.text
    return code, await world.bank_client(code)


async def status(world: Payments, code: str, **body) -> dict:
    response = await world.client.post(f"/api/v1/banks/{code}/status", json=body, headers=await world.operator())
    assert response.status_code == 200, response.text
    return response.json()


async def report(world: Payments, code: str) -> dict:
    response = await world.client.get(f"/api/v1/banks/{code}/migration", headers=await world.operator())
    assert response.status_code == 200, response.text
    return response.json()


async def requests(world: Payments, bank: dict[str, str], state: str = "pending") -> dict[str, dict]:
    """The bank's requests in this state, by card number."""
    response = await world.client.get(f"/api/v1/bank/account-requests?status={state}&limit=500", headers=bank)
    assert response.status_code == 200, response.text
    return {item["card_number"]: item for item in response.json()["items"]}


async def card(world: Payments, holder) -> dict:
    response = await world.client.get("/api/v1/me/card", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def number(world: Payments, holder) -> str:
    return (await world.client.post("/api/v1/me/card/reveal", headers=holder.headers)).json()["card_number"]


async def told(world: Payments, holder, event: str) -> list[dict]:
    response = await world.client.get("/api/v1/me/inbox?limit=100", headers=holder.headers)
    assert response.status_code == 200, response.text
    return [n["params"] for n in response.json()["items"] if n["event"] == event]


async def change(world: Payments, holder, code: str):
    return await world.client.post("/api/v1/me/card/bank", json={"bank_code": code}, headers=holder.headers)


async def test_a_bank_ended_with_holders_moves_each_by_choice_or_default(world):
    (x, x_bank), (y, y_bank), (z, z_bank), (w, _) = [await new_bank(world) for _ in range(4)]
    a, b, c, d = [await holder_at(world, x) for _ in range(4)]
    await world.open_accounts(x_bank, {a.card_id, b.card_id, d.card_id})  # C's account is not open yet
    elsewhere = await world.holder()  # at ICBC, asks to move to X before X stops taking new business
    assert (await change(world, elsewhere, x)).status_code == 200
    response = await world.client.post("/api/v1/me/card/actions/cancel", json={}, headers=d.headers)
    assert response.status_code == 200, response.text  # a cancelled card stays where it was

    # Suspended: no new business, and its holders are told (they may choose another bank).
    assert (await status(world, x, status="suspended"))["bank"]["status"] == "suspended"
    for holder in (a, b, c):
        assert [p["bank_name"] for p in await told(world, holder, "bank.suspended")] == [f"测试银行 {x}"]
    assert await told(world, d, "bank.suspended") == []
    refused = await change(world, await world.holder(), x)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "bank.not_active"
    assert (await change(world, a, z)).json()["bank_change"]["bank_code"] == z  # A chooses Z
    assert (await change(world, b, w)).json()["bank_change"]["bank_code"] == w  # B chooses W, which then stops
    await status(world, w, status="suspended")
    c_number = await number(world, c)
    c_at_x = (await requests(world, x_bank))[c_number]

    not_yet = await world.client.get(f"/api/v1/banks/{x}/migration", headers=await world.operator())
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "bank.not_ended"
    ended = await status(world, x, status="ended", successor_bank_code=y)
    assert ended["moved"] == 3 and ended["bank"]["status"] == "ended"

    # A went to the bank of their choice, B and C to the successor; each card waits for its new account.
    where = [await card(world, h) for h in (a, b, c)]
    assert [(w["bank"]["code"], w["account"], w["account_status"], w["bank_change"]) for w in where] == [
        (z, "", "pending", None),
        (y, "", "pending", None),
        (y, "", "pending", None),
    ]
    d_events = (await world.client.get("/api/v1/me/card/events", headers=d.headers)).json()
    assert d_events[0]["action"] == "cancel" and await told(world, d, "bank.moved") == []  # it stayed
    assert [(p["bank_name"], p["how"]) for p in await told(world, a, "bank.moved")] == [(f"测试银行 {z}", "choice")]
    for holder in (b, c):
        assert [(p["bank_name"], p["how"]) for p in await told(world, holder, "bank.moved")] == [(f"测试银行 {y}", "default")]
    events = (await world.client.get("/api/v1/me/card/events", headers=b.headers)).json()
    assert events[0]["action"] == "bank_change" and y in events[0]["note"]

    at_y, at_z = await requests(world, y_bank), await requests(world, z_bank)
    assert {(i["purpose"], i["how"]) for n, i in at_y.items() if n in {await number(world, b), c_number}} == {
        ("migration", "default")
    }
    assert (at_z[await number(world, a)]["purpose"], at_z[await number(world, a)]["how"]) == ("migration", "choice")
    assert c_number in at_y and await number(world, a) not in at_y
    # The ended bank's own requests are gone, and so is the change a holder elsewhere had asked for.
    assert await requests(world, x_bank) == {}
    late = await world.client.post(
        f"/api/v1/bank/account-requests/{c_at_x['id']}/answer",
        json={"outcome": "opened", "account": "6200001111"},
        headers=x_bank,
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "bank_account.superseded"
    assert (await card(world, elsewhere))["bank"]["code"] == BANK and (await card(world, elsewhere))["bank_change"] is None
    assert [p["reason"] for p in await told(world, elsewhere, "bank.account_refused")] == ["bank_ended"]

    moved = await report(world, x)
    assert {k: moved[k] for k in ("holders", "by_choice", "by_default", "accounts_pending", "live_cards_at_bank")} == {
        "holders": 3,
        "by_choice": 1,
        "by_default": 2,
        "accounts_pending": 3,
        "live_cards_at_bank": 0,
    }
    assert moved["all_accounted"] is True
    assert [(t["bank_code"], t["holders"]) for t in moved["targets"]] == sorted([(y, 2), (z, 1)])

    # The new banks answer: Y opens both, Z refuses A's.
    await world.open_accounts(y_bank, {b.card_id, c.card_id})
    refusal = await world.client.post(
        f"/api/v1/bank/account-requests/{at_z[await number(world, a)]['id']}/answer",
        json={"outcome": "refused", "reason_code": "kyc_failed"},
        headers=z_bank,
    )
    assert refusal.status_code == 200
    assert (await card(world, c))["account_status"] == "open" and (await card(world, a))["account_status"] == "pending"
    answered = await report(world, x)
    assert (answered["accounts_opened"], answered["accounts_pending"], answered["accounts_refused"]) == (2, 0, 1)

    # Ending it again resumes nothing left to do: the report stays as it was.
    assert (await status(world, x, status="ended", successor_bank_code=y))["moved"] == 0
    assert await report(world, x) == answered


async def test_the_migration_report_is_for_provincial_operators(world):
    code, _ = await new_bank(world)
    successor, _ = await new_bank(world)
    await status(world, code, status="ended", successor_bank_code=successor)
    empty = await report(world, code)
    assert (empty["holders"], empty["live_cards_at_bank"], empty["all_accounted"], empty["targets"]) == (0, 0, True, [])
    holder = await world.holder()
    assert (await world.client.get(f"/api/v1/banks/{code}/migration")).status_code == 401
    assert (await world.client.get(f"/api/v1/banks/{code}/migration", headers=holder.headers)).status_code == 403
    supervisor = await world.staff("supervisor")
    assert (await world.client.get(f"/api/v1/banks/{code}/migration", headers=supervisor)).status_code == 403
    missing = await world.client.get("/api/v1/banks/NOSUCH/migration", headers=await world.operator())
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "bank.not_found"
    assert (await world.client.get("/api/v1/banks/bad-code/migration", headers=await world.operator())).status_code == 400
