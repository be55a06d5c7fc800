"""Four eyes on fines: one proposes, a different supervisor or provincial operator approves or sends it back;
the proposer (and, on an appeal, the approver) is refused with `case.four_eyes`, a counter operator with
`case.not_permitted`; two racing approvals decide once."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import concurrently
from tests.enforcement.cases_helpers import BASE, REASON, Cases

pytestmark = pytest.mark.anyio


async def test_the_proposer_cannot_approve_their_own_fine(client):
    world = Cases(client)
    holder = await world.holder()
    proposer = await world.member("supervisor")
    operator = await world.member("counter_operator")
    second = await world.member("supervisor")
    case = await world.open(proposer, holder)
    case = await world.ok(proposer, case, "investigate")
    case = await world.ok(proposer, case, "propose-fine", amount_yuan=5000, reason=REASON)
    assert case["state"] == "proposed" and case["fine_yuan"] == 5000 and case["proposed_by"] == proposer["id"]

    own = await world.step(proposer, case, "approve-fine")
    assert own.status_code == 403 and own.json()["error"]["code"] == "case.four_eyes"
    own_reject = await world.step(proposer, case, "reject-fine", reason="Changed my mind about it.")
    assert own_reject.status_code == 403 and own_reject.json()["error"]["code"] == "case.four_eyes"
    junior = await world.step(operator, case, "approve-fine")
    assert junior.status_code == 403 and junior.json()["error"]["code"] == "case.not_permitted"

    seen_by_proposer = (await world.read(proposer, case)).json()
    assert seen_by_proposer["four_eyes"] == "proposer"
    assert "approve_fine" not in seen_by_proposer["allowed_actions"]
    seen_by_second = (await world.read(second, case)).json()
    assert seen_by_second["four_eyes"] == "" and {"approve_fine", "reject_fine"} <= set(seen_by_second["allowed_actions"])
    assert (await world.read(operator, case)).json()["allowed_actions"] == ["assign", "note"]

    approved = await world.ok(second, case, "approve-fine", note="Evidence is clear.")
    assert approved["state"] == "decided" and approved["decision"] == "fine" and approved["approved_by"] == second["id"]
    detail = (await world.read(second, approved)).json()
    steps = [(st["action"], st["actor_id"]) for st in detail["steps"]]
    assert steps[-2:] == [("propose_fine", proposer["id"]), ("approve_fine", second["id"])]
    assert [r["kind"] for r in detail["credit_records"]] == ["penalty"]

    # An appeal on it is decided by someone who neither proposed nor approved the fine.
    appealed = await world.ok(operator, approved, "appeal", reason="Letter from the holder received 3 May.")
    assert appealed["state"] == "appealed" and appealed["appeal"] == "lodged"
    for earlier in (proposer, second):
        blocked = await world.step(earlier, appealed, "uphold", reason="The fine stands as decided.")
        assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "case.four_eyes"
    assert (await world.read(second, appealed)).json()["four_eyes"] == "approver"
    third = await world.member("supervisor")
    assert {"uphold", "overturn"} <= set((await world.read(third, appealed)).json()["allowed_actions"])
    upheld = await world.ok(third, appealed, "uphold", reason="The fine stands as decided.")
    assert upheld["state"] == "decided" and upheld["appeal"] == "upheld"

    # One appeal only, on paper as in the wallet; and the case may close now that it was decided.
    again = await world.step(operator, upheld, "appeal", reason="A second letter from the holder.")
    assert again.status_code == 409 and again.json()["error"]["code"] == "case.appeal_closed"
    assert again.json()["error"]["details"]["reason"] == "already_decided"
    seen = (await world.read(operator, upheld)).json()["allowed_actions"]
    assert "appeal" not in seen and "close" in seen
    closed = await world.ok(operator, upheld, "close", note="Fine paid.")
    assert closed["state"] == "closed"


async def test_a_rejected_fine_goes_back_to_investigating(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    supervisor = await world.member("supervisor")
    provincial = await world.member("provincial_operator", city="440000")
    case = await world.open(operator, holder)
    case = await world.ok(operator, case, "investigate")
    case = await world.ok(operator, case, "propose-fine", amount_yuan=1000, reason=REASON)
    case = await world.ok(supervisor, case, "reject-fine", reason="Ask the venue for its camera footage first.")
    assert case["state"] == "investigating" and case["fine_yuan"] is None and case["proposed_by"] == ""
    assert (await world.read(supervisor, case)).json()["credit_records"] == []

    case = await world.ok(operator, case, "propose-fine", amount_yuan=10_000, reason=REASON)
    case = await world.ok(provincial, case, "approve-fine")  # a provincial operator is a second pair of eyes anywhere
    assert case["state"] == "decided" and case["fine_yuan"] == 10_000 and case["approved_by"] == provincial["id"]


async def test_racing_approvals_decide_once(client):
    world = Cases(client)
    holder = await world.holder()
    operator = await world.member("counter_operator")
    one, two = await world.member("supervisor"), await world.member("supervisor")
    case = await world.open(operator, holder)
    case = await world.ok(operator, case, "investigate")
    case = await world.ok(operator, case, "propose-fine", amount_yuan=3000, reason=REASON)
    url = f"{BASE}/{case['id']}/approve-fine"
    body = {"expected_version": case["version"]}
    answers = await concurrently(
        client, ("POST", url, {"json": body, "headers": one["headers"]}), ("POST", url, {"json": body, "headers": two["headers"]})
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json()["error"]["code"] in ("case.version_conflict", "case.illegal_transition")
    detail = (await world.read(one, case)).json()
    assert [st["action"] for st in detail["steps"]].count("approve_fine") == 1
    assert len(detail["credit_records"]) == 1
