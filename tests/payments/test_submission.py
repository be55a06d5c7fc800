"""Paying agencies submit orders and runs: checks per line, idempotency keys, races, one transaction per run."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict

import pytest

from tests.cards.helpers import concurrently

pytestmark = pytest.mark.anyio
ORDERS = "/api/v1/payments/orders"
BATCHES = "/api/v1/payments/batches"


def nobody_id() -> str:
    """A well-formed resident ID number no test registers."""
    from backend.identity.documents import make_resident_id

    birth = dt.date(1960 + secrets.randbelow(30), 1 + secrets.randbelow(12), 1 + secrets.randbelow(28))
    return make_resident_id("440305", birth, 1 + secrets.randbelow(998))


def balances(ledger: list[dict]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for line in ledger:
        out[line["account"]] += line["amount_fen"]
    return {account: fen for account, fen in out.items() if fen}


async def test_one_order_is_accepted_masked_and_journalled_in_balance(world):
    payer = await world.payer("hrss")
    holder = await world.holder(name="王小明")
    response = await world.client.post(ORDERS, json=world.line(holder, 328_050), headers=payer.headers)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["status"], order["amount_fen"], order["agency_code"], order["replayed"]) == (
        "accepted",
        328_050,
        payer.code,
        False,
    )
    assert order["payee"] == "王**"
    assert holder.id_number not in response.text and "*" in order["id_number"]
    assert response.headers["cache-control"] == "no-store"

    detail = await world.client.get(f"/api/v1/staff/payments/orders/{order['id']}", headers=await world.operator())
    assert detail.status_code == 200, detail.text
    ledger = detail.json()["ledger"]
    assert sum(line["amount_fen"] for line in ledger) == 0
    assert balances(ledger) == {f"agency:{payer.code}": -328_050, "orders:pending": 328_050}


async def test_same_key_same_content_is_the_first_order_other_content_is_refused(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    line = world.line(holder, 100_000)
    first = await world.client.post(ORDERS, json=line, headers=payer.headers)
    again = await world.client.post(ORDERS, json=line, headers=payer.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True

    other = await world.client.post(ORDERS, json={**line, "amount_fen": 100_001}, headers=payer.headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "payment.idempotency_conflict"
    assert other.json()["error"]["message"]

    listed = await world.client.get(ORDERS, headers=payer.headers)
    assert [o["id"] for o in listed.json()["items"]] == [first.json()["id"]]


async def test_an_order_for_nobody_a_wrong_name_a_type_not_allowed_or_a_bad_number_is_refused(world):
    payer = await world.payer("civil_affairs")
    holder = await world.holder(name="陈大文")
    post = world.client.post
    unknown = await post(ORDERS, json=world.line(holder, payment_type="relief", id_number=nobody_id()), headers=payer.headers)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "payment.unknown_person")
    wrong = await post(ORDERS, json=world.line(holder, payment_type="relief", name="陈小文"), headers=payer.headers)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "payment.name_mismatch")
    pension = await post(ORDERS, json=world.line(holder, payment_type="pension"), headers=payer.headers)
    assert (pension.status_code, pension.json()["error"]["code"]) == (403, "payment.type_not_allowed")
    wrong_check = holder.id_number[:-1] + ("0" if holder.id_number[-1] != "0" else "1")
    bad = await post(ORDERS, json=world.line(holder, payment_type="relief", id_number=wrong_check), headers=payer.headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"].startswith("document.")
    good = await post(ORDERS, json=world.line(holder, payment_type="relief"), headers=payer.headers)
    assert good.status_code == 201, good.text
    assert (await world.client.get(ORDERS, headers=payer.headers)).json()["items"][0]["id"] == good.json()["id"]


async def test_only_a_paying_agency_submits(world):
    holder = await world.holder()
    callers: list[dict[str, str]] = [holder.headers, await world.operator(), {}]
    for headers in callers:
        response = await world.client.post(ORDERS, json=world.line(holder), headers=headers)
        assert response.status_code in (401, 403), response.text


async def test_two_identical_submissions_at_once_make_one_order(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    line = world.line(holder, 55_500)
    answers = await concurrently(world.client, *[("POST", ORDERS, {"json": line, "headers": payer.headers})] * 2)
    assert sorted(r.status_code for r in answers) == [200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    listed = await world.client.get(ORDERS, headers=payer.headers)
    assert len(listed.json()["items"]) == 1


async def test_a_run_answers_line_by_line(world):
    payer = await world.payer("hrss")
    first, second = await world.holder(name="李雷"), await world.holder(name="韩梅梅")
    good = world.line(first, 120_000)
    lines = [
        good,
        world.line(second, 80_000),
        world.line(first, id_number=nobody_id(), name="无名氏"),
        world.line(first, name="李四"),
        world.line(second, payment_type="tax_refund"),
        {**world.line(second, 1), "idempotency_key": good["idempotency_key"]},
        world.line(first, id_number="12345"),
    ]
    body = {"idempotency_key": f"run-{secrets.token_hex(6)}", "name": "2026年12月养老金发放", "lines": lines}
    response = await world.client.post(BATCHES, json=body, headers=payer.headers)
    assert response.status_code == 201, response.text
    batch = response.json()
    results = [(r["line_no"], r["status"], r["error_code"]) for r in batch["lines"]]
    assert results[:6] == [
        (1, "accepted", None),
        (2, "accepted", None),
        (3, "rejected", "payment.unknown_person"),
        (4, "rejected", "payment.name_mismatch"),
        (5, "rejected", "payment.type_not_allowed"),
        (6, "rejected", "payment.duplicate_key"),
    ]
    assert results[6][1] == "rejected" and results[6][2].startswith("document.")
    assert all(r["message"] for r in batch["lines"] if r["status"] == "rejected")
    assert (batch["line_count"], batch["accepted_count"], batch["rejected_count"], batch["total_fen"]) == (7, 2, 5, 200_000)
    assert batch["by_status"] == {"accepted": 2}

    read = await world.client.get(f"{BATCHES}/{batch['id']}", headers=payer.headers)
    assert read.status_code == 200 and read.json()["by_status"] == {"accepted": 2} and read.json()["lines"] is None
    orders = await world.client.get(f"{ORDERS}?batch_id={batch['id']}", headers=payer.headers)
    assert {o["id"] for o in orders.json()["items"]} == {batch["lines"][0]["order_id"], batch["lines"][1]["order_id"]}
    assert {o["line_no"] for o in orders.json()["items"]} == {1, 2}


async def test_a_run_sent_again_answers_the_same_and_makes_nothing_new(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    body = {"idempotency_key": f"run-{secrets.token_hex(6)}", "lines": [world.line(holder, 10_000), world.line(holder, 20_000)]}
    first = await world.client.post(BATCHES, json=body, headers=payer.headers)
    again = await world.client.post(BATCHES, json=body, headers=payer.headers)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["replayed"] is True and again.json()["id"] == first.json()["id"]
    assert again.json()["lines"] == first.json()["lines"]
    assert again.json()["by_status"] == {"accepted": 2}
    assert len((await world.client.get(ORDERS, headers=payer.headers)).json()["items"]) == 2
    assert len((await world.client.get(BATCHES, headers=payer.headers)).json()["items"]) == 1

    changed = {**body, "lines": body["lines"][:1]}
    refused = await world.client.post(BATCHES, json=changed, headers=payer.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "payment.idempotency_conflict")


async def test_lines_paid_before_alone_or_in_another_run_are_recognised(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    alone = world.line(holder, 30_000)
    single = await world.client.post(ORDERS, json=alone, headers=payer.headers)
    in_run = world.line(holder, 40_000)
    earlier = await world.client.post(
        BATCHES, json={"idempotency_key": f"run-{secrets.token_hex(6)}", "lines": [in_run]}, headers=payer.headers
    )
    assert single.status_code == 201 and earlier.status_code == 201
    later = {
        "idempotency_key": f"run-{secrets.token_hex(6)}",
        "lines": [alone, in_run, {**in_run, "idempotency_key": alone["idempotency_key"], "amount_fen": 1}, world.line(holder, 5)],
    }
    # The third line reuses the key of the first with other content: refused, the second use of a key in a
    # batch is a duplicate before anything else.
    response = await world.client.post(BATCHES, json=later, headers=payer.headers)
    assert response.status_code == 201, response.text
    lines = response.json()["lines"]
    assert [(r["status"], r["order_id"]) for r in lines[:2]] == [
        ("replayed", single.json()["id"]),
        ("replayed", earlier.json()["lines"][0]["order_id"]),
    ]
    assert (lines[2]["status"], lines[2]["error_code"]) == ("rejected", "payment.duplicate_key")
    assert lines[3]["status"] == "accepted"
    assert response.json()["accepted_count"] == 1 and response.json()["total_fen"] == 5

    conflict = {"idempotency_key": f"run-{secrets.token_hex(6)}", "lines": [{**alone, "amount_fen": 30_001}]}
    answer = (await world.client.post(BATCHES, json=conflict, headers=payer.headers)).json()
    assert (answer["lines"][0]["status"], answer["lines"][0]["error_code"]) == ("rejected", "payment.idempotency_conflict")
    assert len((await world.client.get(ORDERS, headers=payer.headers)).json()["items"]) == 3


async def test_two_identical_runs_at_once_make_one_run(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    body = {"idempotency_key": f"run-{secrets.token_hex(6)}", "lines": [world.line(holder, 700), world.line(holder, 800)]}
    answers = await concurrently(world.client, *[("POST", BATCHES, {"json": body, "headers": payer.headers})] * 2)
    assert sorted(r.status_code for r in answers) == [200, 201], [r.text for r in answers]
    assert answers[0].json()["lines"] == answers[1].json()["lines"]
    assert len((await world.client.get(ORDERS, headers=payer.headers)).json()["items"]) == 2


async def test_malformed_submissions_are_refused_with_a_code(world):
    payer = await world.payer("hrss")
    holder = await world.holder()
    line = world.line(holder)
    bad_lines = [
        {**line, "amount_fen": 0},
        {**line, "amount_fen": 10**12},
        {**line, "payment_type": "bonus"},
        {**line, "idempotency_key": "short"},
        {**line, "surprise": 1},
        {k: v for k, v in line.items() if k != "legal_basis"},
    ]
    for body in bad_lines:
        response = await world.client.post(ORDERS, json=body, headers=payer.headers)
        assert response.status_code == 400 and response.json()["error"]["code"].startswith("request."), response.text
    for body in (
        {"idempotency_key": "run-empty-1", "lines": []},
        {"idempotency_key": "run-bad-1", "lines": [{**line, "amount_fen": -5}]},
    ):
        response = await world.client.post(BATCHES, json=body, headers=payer.headers)
        assert response.status_code == 400, response.text
    assert (await world.client.get(f"{ORDERS}/not-an-id", headers=payer.headers)).status_code in (400, 404)
    assert (await world.client.get(ORDERS, headers=payer.headers)).json()["items"] == []
