"""The staff workflow of a case over the API: open, investigate, note, decide, close, dismiss; stale
versions, illegal steps and bad input refused; the holder told; reading a case on the access record."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.enforcement.cases_helpers import BASE, REASON, Cases

pytestmark = pytest.mark.anyio


async def _notices(world: Cases, holder) -> list[dict]:
    response = await world.client.get("/api/v1/me/inbox?limit=100", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _decided_days_ago(case_id: str, days: int) -> None:
    """Time passing: the case's decision taken `days` ago (its appeal period is counted from it)."""
    from backend.enforcement.tables import Case

    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    await Case.update({Case.decided_at: at}).where(Case.id == case_id).run()


async def _order_of(case_id: str) -> dict:
    from backend.enforcement.tables import CorrectionOrder, OrderStep

    order = await CorrectionOrder.select().where(CorrectionOrder.case == case_id).first().run()
    steps = await OrderStep.select(OrderStep.action).where(OrderStep.order == order["id"]).order_by(OrderStep.seq).run()
    return {**order, "steps": [st["action"] for st in steps]}


async def _records(world: Cases, holder) -> list[dict]:
    response = await world.client.get("/api/v1/me/access-records?limit=100", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_open_investigate_warn_close(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    case = await world.open(operator, holder, kind="lending", summary="Reported by a hospital: lent to a relative")
    assert case["state"] == "open" and case["version"] == 1 and case["subject_kind"] == "card"
    assert case["number"].startswith("YKC-") and case["city"] == "440100" and case["opened_by"] == operator["id"]

    case = await world.ok(operator, case, "investigate")
    assert case["state"] == "investigating" and case["assigned_to"] == operator["id"] and case["assigned_name"] == "Test Staff"
    case = await world.ok(operator, case, "notes", note="Called the holder: says the card was lent once.")
    assert case["state"] == "investigating" and case["version"] == 3

    case = await world.ok(operator, case, "decide", decision="warning", reason=REASON)
    assert case["state"] == "decided" and case["decision"] == "warning" and case["decided_at"]
    assert case["proposed_by"] == operator["id"] and case["fine_yuan"] is None

    # Closing now would cut off the holder's 60 days to appeal.
    early = await world.step(operator, case, "close", note="Holder acknowledged the warning.")
    assert early.status_code == 409 and early.json()["error"]["code"] == "case.appeal_open"
    assert early.json()["error"]["details"]["appeal_until"]
    assert "close" not in (await world.read(operator, case)).json()["allowed_actions"]
    await world.call(_decided_days_ago, case["id"], 61)
    case = await world.ok(operator, case, "close", note="Holder acknowledged the warning.")
    assert case["state"] == "closed"

    events = [(n["event"], n["params"].get("case")) for n in await _notices(world, holder)]
    for event in ("enforcement.case_opened", "enforcement.case_decided", "enforcement.case_closed"):
        assert (event, case["number"]) in events

    response = await world.read(operator, case)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert [st["action"] for st in detail["steps"]] == ["open", "investigate", "note", "decide", "close"]
    assert [st["to_state"] for st in detail["steps"]][-1] == "closed"
    assert detail["steps"][2]["note"].startswith("Called the holder")
    number = await world.card_number(holder)
    assert detail["card_number"] == "*****" + number[-4:] and number not in response.text
    assert detail["holder_name"] == "张**" and holder.id_number not in response.text
    assert detail["allowed_actions"] == []

    entries = [e for e in await _records(world, holder) if e["basis_ref"] == case["number"]]
    actions = {e["action"] for e in entries}
    assert {
        "enforcement.case_open",
        "enforcement.case_investigate",
        "enforcement.case_decide",
        "enforcement.case_read",
    } <= actions
    # The holder reads that staff noted something, never the internal note itself.
    assert all("Called the holder" not in e["purpose"] for e in entries)
    assert any(e["purpose"] == f"Enforcement case {case['number']}: note" for e in entries)
    read = next(e for e in entries if e["action"] == "enforcement.case_read")
    assert read["basis_kind"] == "official_duty" and sorted(read["fields"]) == ["card_number", "name", "verifications"]


async def test_stale_version_and_illegal_steps_are_refused(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    case = await world.open(operator, holder)
    moved = await world.ok(operator, case, "investigate")

    stale = await world.step(operator, case, "notes", note="Seen with version 1")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "case.version_conflict"
    assert stale.json()["error"]["details"]["version"] == moved["version"]

    again = await world.step(operator, moved, "investigate")
    assert again.status_code == 409 and again.json()["error"]["code"] == "case.illegal_transition"
    close = await world.step(operator, moved, "close")
    assert close.status_code == 409 and close.json()["error"]["code"] == "case.illegal_transition"
    # A warning cannot be appealed before it is decided, nor a no_action decision at all.
    decided = await world.ok(operator, moved, "decide", decision="no_action", reason=REASON)
    appeal = await world.step(operator, decided, "appeal", reason="The holder writes that it was a mistake.")
    assert appeal.status_code == 409 and appeal.json()["error"]["code"] == "case.nothing_to_appeal"
    # Nothing changed by the refusals.
    detail = (await world.read(operator, decided)).json()
    assert detail["case"]["version"] == decided["version"] and len(detail["steps"]) == 3


async def test_bad_input_is_422_not_a_change(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    number = await world.card_number(holder)

    for body, code in (
        ({"kind": "lending", "summary": "neither"}, "case.bad_subject"),
        (
            {"kind": "lending", "summary": "both", "card_number": number, "venue_id": "7b0e5f8e-6a70-4d3c-9b1e-2f1d3c4b5a69"},
            "case.bad_subject",
        ),
        ({"kind": "lending", "summary": "no such card", "card_number": "Z00000001"}, "case.unknown_card"),
        (
            {"kind": "lending", "summary": "no such venue", "venue_id": "7b0e5f8e-6a70-4d3c-9b1e-2f1d3c4b5a69"},
            "case.unknown_venue",
        ),
    ):
        response = await client.post(BASE, json=body, headers=operator["headers"])
        assert response.status_code == 422 and response.json()["error"]["code"] == code, (body, response.text)
    bad_kind = await client.post(
        BASE, json={"kind": "jaywalking", "summary": "x y", "card_number": number}, headers=operator["headers"]
    )
    assert bad_kind.status_code == 400

    case = await world.open(operator, holder)
    twice = await client.post(
        BASE, json={"kind": "lending", "summary": "again", "card_number": number}, headers=operator["headers"]
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "case.already_open"
    other_kind = await world.open(operator, holder, kind="selling")  # another kind is another case
    assert other_kind["id"] != case["id"]

    case = await world.ok(operator, case, "investigate")
    for amount in (999, 10_001, 0):
        fine = await world.step(operator, case, "propose-fine", amount_yuan=amount, reason=REASON)
        assert fine.status_code == 422 and fine.json()["error"]["code"] == "case.bad_fine", fine.text
    huge = await world.step(operator, case, "propose-fine", amount_yuan=2**40, reason=REASON)
    assert huge.status_code == 400
    order = await world.step(operator, case, "decide", decision="correction_order", reason=REASON)
    assert order.status_code == 422 and order.json()["error"]["code"] == "case.deadline_required"
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    order = await world.step(operator, case, "decide", decision="correction_order", reason=REASON, deadline=soon)
    assert order.status_code == 422 and order.json()["error"]["code"] == "case.bad_deadline"
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    warn = await world.step(operator, case, "decide", decision="warning", reason=REASON, deadline=later)
    assert warn.status_code == 422 and warn.json()["error"]["code"] == "case.deadline_not_expected"
    unknown = await world.step(operator, case, "decide", decision="fine", reason=REASON)
    assert unknown.status_code == 400  # a fine is proposed, never decided alone
    detail = (await world.read(operator, case)).json()
    assert detail["case"]["state"] == "investigating" and detail["case"]["version"] == case["version"]

    ordered = await world.ok(operator, case, "decide", decision="correction_order", reason=REASON, deadline=later)
    assert ordered["decision"] == "correction_order" and ordered["correction_deadline"]


async def test_dismiss_and_assign(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    colleague = await world.member("counter_operator")
    elsewhere = await world.member("counter_operator", city="445300")
    case = await world.open(operator, holder, kind="theft")

    wrong = await world.step(operator, case, "assign", staff_id=elsewhere["id"])
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "case.bad_assignee"
    case = await world.ok(operator, case, "assign", staff_id=colleague["id"])
    assert case["assigned_to"] == colleague["id"] and case["state"] == "open"

    mine = await client.get(f"{BASE}?mine=true", headers=colleague["headers"])
    assert [c["id"] for c in mine.json()["items"]] == [case["id"]]
    theirs = await client.get(f"{BASE}?assigned_to={colleague['id']}&state=open&kind=theft", headers=operator["headers"])
    assert [c["id"] for c in theirs.json()["items"]] == [case["id"]]
    assert "张" not in mine.text  # the list carries no personal data

    short = await world.step(colleague, case, "dismiss", reason="x")
    assert short.status_code == 400
    case = await world.ok(colleague, case, "dismiss", reason="The holder's card was stolen and reported the same day.")
    assert case["state"] == "closed"
    reopened = await world.open(operator, holder, kind="theft")  # closed frees the subject for a new case
    assert reopened["id"] != case["id"]


async def test_art18_takes_an_order_not_a_fine_and_an_overturned_order_is_withdrawn(client):
    world = Cases(client)
    operator = await world.member("counter_operator")
    supervisor = await world.member("supervisor")
    venue = await world.venue("metro", ["transit_ride"])
    body = {"kind": "outside_catalog", "summary": "Scans cards for hotel check-in", "venue_id": str(venue)}
    opened = await client.post(BASE, json=body, headers=operator["headers"])
    assert opened.status_code == 201, opened.text
    case = await world.ok(operator, opened.json(), "investigate")

    fine = await world.step(operator, case, "propose-fine", amount_yuan=2000, reason=REASON)
    assert fine.status_code == 409 and fine.json()["error"]["code"] == "case.fine_not_allowed"
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    case = await world.ok(operator, case, "decide", decision="correction_order", reason=REASON, deadline=later)
    order = await world.call(_order_of, case["id"])
    assert order["state"] == "issued" and order["ground"] == "outside_catalog" and order["target_id"] == str(venue)

    case = await world.ok(operator, case, "appeal", reason="The venue shows the scenario was in the catalog.")
    own = await world.step(operator, case, "overturn", reason="The catalog listed it.")
    assert own.status_code == 403  # a counter operator decided it and is not senior: not theirs to review
    case = await world.ok(supervisor, case, "overturn", reason="The catalog listed the scenario on that day.")
    assert case["state"] == "closed" and case["appeal"] == "overturned"
    order = await world.call(_order_of, case["id"])
    assert order["state"] == "withdrawn" and order["steps"] == ["issue", "withdraw"]
