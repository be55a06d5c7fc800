"""Accounts come from the bank: a new card has none until its bank opens one; the bank's pull is on the
holder's record; answers are idempotent, contradictions refused; a holder's change of bank waits for the new bank."""

from __future__ import annotations

import secrets

import msgspec
import pytest

from tests.cards.helpers import holder_at
from tests.payments.helpers import BANK, Payments

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings):
    """No embedded job worker: what an opened account leaves for payments runs when a test says so."""
    return msgspec.structs.replace(settings, jobs_embedded=False)


@pytest.fixture
async def world(client) -> Payments:
    await Payments(client).office()  # seeds ICBC on a fresh database
    return Payments(client)


def number() -> str:
    """An account number as a bank picks it."""
    return "62" + "".join(secrets.choice("0123456789") for _ in range(17))


async def new_bank(world: Payments) -> tuple[str, dict[str, str]]:
    """A fresh cooperating bank registered by a provincial operator, and its bank client."""
    code = "A" + secrets.token_hex(4).upper()
    body = {"code": code, "name": f"测试银行 {code}", "keeps_account_on_replacement": True}
    response = await world.client.post("/api/v1/banks", json=body, headers=await world.operator())
    assert response.status_code == 201, response.text
    return code, await world.bank_client(code)


async def pending_item(world: Payments, bank: dict[str, str], card_number: str) -> dict:
    response = await world.client.get("/api/v1/bank/account-requests?status=pending&limit=500", headers=bank)
    assert response.status_code == 200, response.text
    found = [i for i in response.json()["items"] if i["card_number"] == card_number]
    assert len(found) == 1, found
    return found[0]


async def answer(world: Payments, bank: dict[str, str], request_id: str, **body):
    return await world.client.post(f"/api/v1/bank/account-requests/{request_id}/answer", json=body, headers=bank)


async def my_card(world: Payments, holder) -> dict:
    response = await world.client.get("/api/v1/me/card", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def revealed(world: Payments, holder) -> dict:
    response = await world.client.post("/api/v1/me/card/reveal", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def told(world: Payments, holder, event: str) -> list[dict]:
    response = await world.client.get("/api/v1/me/inbox?limit=100", headers=holder.headers)
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["event"] == event]


async def test_a_new_card_has_no_account_until_its_bank_opens_one(world):
    holder = await world.holder(name="陈美玲")
    card = await my_card(world, holder)
    assert (card["account"], card["account_status"], card["bank"]["code"]) == ("", "pending", BANK)
    full = await revealed(world, holder)
    assert full["account"] == ""  # nothing made up meanwhile

    icbc = await world.bank_client(BANK)
    item = await pending_item(world, icbc, full["card_number"])
    # What the bank needs to open the account, in full, in the body.
    assert (item["purpose"], item["status"], item["bank_code"]) == ("new_card", "pending", BANK)
    assert (item["holder_name"], item["doc_type"], item["id_number"]) == ("陈美玲", "resident_id", holder.id_number)
    assert item["account"] is None and item["previous_account"] is None

    # The bank's read is on the holder's access record: who, what, why.
    records = (await world.client.get("/api/v1/me/access-records?limit=50", headers=holder.headers)).json()["items"]
    reads = [r for r in records if r["action"] == "bank_account.read"]
    assert reads and reads[0]["actor_kind"] == "bank" and reads[0]["actor_name"] == card["bank"]["name"]
    assert reads[0]["basis_kind"] == "statute" and "第十二条" in reads[0]["basis_ref"]
    assert {"person.id_number", "person.name", "card.number"} <= set(reads[0]["fields"])
    assert holder.id_number not in str(records)

    opened = number()
    first = await answer(world, icbc, item["id"], outcome="opened", account=opened)
    assert first.status_code == 200 and first.json() == {"request_id": item["id"], "status": "opened", "duplicate": False}
    card = await my_card(world, holder)
    assert (card["account"], card["account_status"]) == ("**** " + opened[-4:], "open")
    assert (await revealed(world, holder))["account"] == opened
    notices = await told(world, holder, "bank.account_opened")
    assert len(notices) == 1 and notices[0]["params"]["account"] == "**** " + opened[-4:]
    assert opened not in str(notices)
    events = (await world.client.get("/api/v1/me/card/events", headers=holder.headers)).json()
    assert events[0]["action"] == "account_opened" and events[0]["actor"]["kind"] == "bank" and opened[-4:] in events[0]["note"]

    # The same answer again changes nothing; another answer is refused.
    again = await answer(world, icbc, item["id"], outcome="opened", account=opened)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    for body in ({"outcome": "opened", "account": number()}, {"outcome": "refused", "reason_code": "kyc_failed"}):
        clash = await answer(world, icbc, item["id"], **body)
        assert clash.status_code == 409 and clash.json()["error"]["code"] == "bank_account.answer_conflict"
    assert (await revealed(world, holder))["account"] == opened
    assert len(await told(world, holder, "bank.account_opened")) == 1
    # Answered: it left the pending list, and shows among the opened ones.
    listed = (await world.client.get("/api/v1/bank/account-requests?status=opened&limit=500", headers=icbc)).json()
    assert [i["account"] for i in listed["items"] if i["id"] == item["id"]] == [opened]


async def test_answers_need_their_facts_and_only_the_banks_own_requests(world):
    holder = await world.holder()
    icbc = await world.bank_client(BANK)
    item = await pending_item(world, icbc, (await revealed(world, holder))["card_number"])
    for body, code in (
        ({"outcome": "opened"}, "bank_account.account_required"),
        ({"outcome": "refused"}, "bank_account.reason_required"),
    ):
        response = await answer(world, icbc, item["id"], **body)
        assert response.status_code == 422 and response.json()["error"]["code"] == code
    for body in (
        {"outcome": "opened", "account": "12ab5678"},
        {"outcome": "opened", "account": "1234567"},
        {"outcome": "closed"},
        {"outcome": "refused", "reason_code": "because"},
        {"outcome": "opened", "account": number(), "extra": 1},
    ):
        assert (await answer(world, icbc, item["id"], **body)).status_code == 400, body
    _, other = await new_bank(world)
    response = await answer(world, other, item["id"], outcome="opened", account=number())
    assert response.status_code == 404 and response.json()["error"]["code"] == "bank_account.not_found"
    assert (await world.client.get("/api/v1/bank/account-requests?limit=501", headers=icbc)).status_code == 400
    assert (await world.client.get("/api/v1/bank/account-requests?status=superseded", headers=icbc)).status_code == 400
    assert (await world.client.get("/api/v1/bank/account-requests")).status_code == 401
    assert (await world.client.get("/api/v1/bank/account-requests", headers=holder.headers)).status_code == 403
    assert (await my_card(world, holder))["account_status"] == "pending"  # none of that opened anything


async def test_a_number_already_on_another_card_at_the_bank_is_refused(world):
    first, second = await world.holder(), await world.holder()
    icbc = await world.bank_client(BANK)
    one = await pending_item(world, icbc, (await revealed(world, first))["card_number"])
    two = await pending_item(world, icbc, (await revealed(world, second))["card_number"])
    shared = number()
    assert (await answer(world, icbc, one["id"], outcome="opened", account=shared)).status_code == 200
    clash = await answer(world, icbc, two["id"], outcome="opened", account=shared)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "bank_account.number_in_use"
    assert (await my_card(world, second))["account_status"] == "pending"
    assert (await answer(world, icbc, two["id"], outcome="opened", account=number())).status_code == 200
    assert (await revealed(world, first))["account"] == shared


async def test_a_refusal_is_told_and_leaves_the_card_without_an_account(world):
    holder = await world.holder()
    icbc = await world.bank_client(BANK)
    item = await pending_item(world, icbc, (await revealed(world, holder))["card_number"])
    refused = await answer(world, icbc, item["id"], outcome="refused", reason_code="identity_mismatch")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert (await answer(world, icbc, item["id"], outcome="refused", reason_code="identity_mismatch")).json()["duplicate"]
    late = await answer(world, icbc, item["id"], outcome="opened", account=number())
    assert late.status_code == 409 and late.json()["error"]["code"] == "bank_account.answer_conflict"
    assert (await my_card(world, holder))["account_status"] == "pending"
    [notice] = await told(world, holder, "bank.account_refused")
    assert notice["params"]["reason"] == "identity_mismatch"
    assert notice["params"]["bank_name"] == (await my_card(world, holder))["bank"]["name"]


async def test_a_change_of_bank_waits_for_the_new_bank_then_moves(world):
    icbc = await world.bank_client(BANK)
    holder = await world.holder_with_account(icbc)
    old = await revealed(world, holder)
    first_code, first = await new_bank(world)
    second_code, second = await new_bank(world)

    asked = await world.client.post("/api/v1/me/card/bank", json={"bank_code": first_code}, headers=holder.headers)
    assert asked.status_code == 200, asked.text
    # The card keeps paying into its account at ICBC until the new bank opens one.
    assert asked.json()["bank"]["code"] == BANK and asked.json()["bank_change"]["bank_code"] == first_code
    assert (await revealed(world, holder)) == old
    item = await pending_item(world, first, old["card_number"])
    assert item["purpose"] == "change" and item["previous_account"] == "**** " + old["account"][-4:]
    # Asking the same again changes nothing; asking for another bank replaces the request.
    again = await world.client.post("/api/v1/me/card/bank", json={"bank_code": first_code}, headers=holder.headers)
    assert again.status_code == 200 and again.json()["bank_change"]["bank_code"] == first_code
    other = await world.client.post("/api/v1/me/card/bank", json={"bank_code": second_code}, headers=holder.headers)
    assert other.status_code == 200 and other.json()["bank_change"]["bank_code"] == second_code
    late = await answer(world, first, item["id"], outcome="opened", account=number())
    assert late.status_code == 409 and late.json()["error"]["code"] == "bank_account.superseded"
    listed = (await world.client.get("/api/v1/bank/account-requests", headers=first)).json()["items"]
    assert old["card_number"] not in [i["card_number"] for i in listed]
    assert (await my_card(world, holder))["bank"]["code"] == BANK

    chosen = await pending_item(world, second, old["card_number"])
    opened = number()
    assert (await answer(world, second, chosen["id"], outcome="opened", account=opened)).status_code == 200
    card = await my_card(world, holder)
    assert (card["bank"]["code"], card["account_status"], card["bank_change"]) == (second_code, "open", None)
    assert await revealed(world, holder) == {"card_number": old["card_number"], "account": opened}
    events = (await world.client.get("/api/v1/me/card/events", headers=holder.headers)).json()
    assert events[0]["action"] == "bank_change" and second_code in events[0]["note"] and opened not in events[0]["note"]
    newest = (await told(world, holder, "bank.account_opened"))[0]
    assert newest["params"]["bank_name"] == f"测试银行 {second_code}"

    # A refused change leaves the card where it is, paying into the account it has.
    back = await world.client.post("/api/v1/me/card/bank", json={"bank_code": first_code}, headers=holder.headers)
    assert back.status_code == 200 and back.json()["bank_change"]["bank_code"] == first_code
    item = await pending_item(world, first, old["card_number"])
    assert (await answer(world, first, item["id"], outcome="refused", reason_code="kyc_failed")).status_code == 200
    card = await my_card(world, holder)
    assert (card["bank"]["code"], card["account_status"], card["bank_change"]) == (second_code, "open", None)
    assert (await revealed(world, holder))["account"] == opened
    same = await world.client.post("/api/v1/me/card/bank", json={"bank_code": second_code}, headers=holder.headers)
    assert same.status_code == 409 and same.json()["error"]["code"] == "bank.same"


async def test_the_bank_pages_through_its_requests_oldest_first(world):
    code, bank = await new_bank(world)
    holders = [await holder_at(world, code) for _ in range(3)]
    numbers = [(await revealed(world, h))["card_number"] for h in holders]
    first = (await world.client.get("/api/v1/bank/account-requests?limit=2", headers=bank)).json()
    assert [i["card_number"] for i in first["items"]] == numbers[:2] and first["next_after"] == first["items"][-1]["id"]
    rest = await world.client.get(f"/api/v1/bank/account-requests?limit=2&after={first['next_after']}", headers=bank)
    assert [i["card_number"] for i in rest.json()["items"]] == numbers[2:] and rest.json()["next_after"] is None


async def test_a_request_whose_identity_number_does_not_decrypt_is_left_out_not_a_500(world):
    """A holder's identity number sealed under another key (a lost key, a row restored from elsewhere) is
    never shown to the bank nor stops the others: the pull answers, without it, and the card by its number
    finds nothing the bank could act on."""
    from backend.identity.tables import Person

    code, bank = await new_bank(world)
    broken = await holder_at(world, code)
    fine = await holder_at(world, code)
    await world.call(Person.update({Person.id_cipher: secrets.token_bytes(60)}).where(Person.id == broken.person_id).run)
    response = await world.client.get("/api/v1/bank/account-requests?status=pending&limit=500", headers=bank)
    assert response.status_code == 200, response.text
    shown = {i["id_number"] for i in response.json()["items"]}
    assert shown == {fine.id_number}
