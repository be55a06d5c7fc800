"""Credit records as the public credit platform sees them: a real client pulls the feed, verifies each
record with the published JWKS using PyNaCl (none of our code), finds the penalty after a fine is approved
and its withdrawal (same record_id) after the appeal overturns it; other callers are refused; every record
served is on the holder's access record; records are sealed at rest; warnings are never exported, a fine on a
venue's case names the venue, and a page pulled again is the same (docs/credit.md)."""

from __future__ import annotations

import pytest

from tests.enforcement.cases_helpers import BASE, REASON, Cases, verify_record

pytestmark = pytest.mark.anyio


async def _all(world: Cases, platform, after: int = 0) -> tuple[list[dict], int]:
    items: list[dict] = []
    while True:
        page = await world.pull(platform, after)
        if not page["items"]:
            return items, after
        seqs = [r["seq"] for r in page["items"]]
        assert seqs == sorted(seqs) and seqs[0] > after and page["next_after"] == seqs[-1]
        items += page["items"]
        after = page["next_after"]


async def test_penalty_then_withdrawal_verified_by_the_platform(client):
    world = Cases(client)
    holder = await world.holder(name="李四")
    platform = await world.platform()
    jwks_answer = await client.get("/api/v1/credit/keys")  # public: no credentials
    assert jwks_answer.status_code == 200
    jwks = jwks_answer.json()
    _, start = await _all(world, platform)

    case, operator, supervisor = await world.fined(holder, amount=2500)
    records, after = await _all(world, platform, start)
    mine = [(r, *verify_record(r["jws"], jwks)) for r in records]
    mine = [(r, h, p) for r, h, p in mine if p["case"] == case["number"]]
    assert len(mine) == 1
    record, header, penalty = mine[0]
    assert record["kind"] == "penalty" and penalty["kind"] == "penalty" and penalty["record_id"] == record["record_id"]
    assert penalty["seq"] == record["seq"] and header["kid"] == jwks["keys"][0]["kid"]
    assert penalty["amount_yuan"] == 2500 and penalty["decision"] == "fine" and penalty["region"] == "440000"
    assert penalty["legal_basis"] == "《广东省社会保障卡居民服务一卡通条例》第十九条"
    assert penalty["subject"] == {"type": "person", "name": "李四", "doc_type": "resident_id", "id_number": holder.id_number}
    assert penalty["issuer"]["city"] == "440100" and penalty["issuer"]["office_id"] == supervisor["office_id"]
    assert penalty["decided_at"].endswith("Z") and penalty["case_kind"] == "lending"

    # A tampered record fails the platform's check.
    head, body, signature = record["jws"].split(".")
    forged = f"{head}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{signature}"
    with pytest.raises(AssertionError):
        verify_record(forged, jwks)

    appealed = await world.ok(operator, case, "appeal", reason="The holder's appeal letter, received 2 June.")
    # The supervisor who approved the fine does not review the appeal against it (four eyes).
    reviewer = await world.member("supervisor")
    # An identity number typed into a reason is redacted before the record is signed (docs/credit.md, "Privacy").
    typed = f"The card had been stolen: police report shown (report names {holder.id_number})."
    overturned = await world.ok(reviewer, appealed, "overturn", reason=typed)
    assert overturned["state"] == "closed" and overturned["appeal"] == "overturned"

    later, _ = await _all(world, platform, after)
    withdrawals = [(r, verify_record(r["jws"], jwks)[1]) for r in later]
    withdrawals = [(r, p) for r, p in withdrawals if p["case"] == case["number"]]
    assert len(withdrawals) == 1
    record, withdrawal = withdrawals[0]
    assert record["kind"] == "withdrawal" and record["record_id"] == penalty["record_id"] and record["seq"] > penalty["seq"]
    assert withdrawal["withdraws"] == penalty["record_id"] and withdrawal["reason"].startswith("The card had been stolen")
    assert holder.id_number not in withdrawal["reason"] and "[redacted]" in withdrawal["reason"]
    assert withdrawal["subject"]["id_number"] == holder.id_number

    detail = (await world.read(supervisor, case)).json()
    assert [r["kind"] for r in detail["credit_records"]] == ["penalty", "withdrawal"]
    assert holder.id_number not in str(detail)

    entries = (await client.get("/api/v1/me/access-records?limit=100", headers=holder.headers)).json()["items"]
    exports = [e for e in entries if e["action"] == "credit.export"]
    assert len(exports) == 2 and all(e["basis_kind"] == "statute" and e["basis_ref"] == "Art. 19" for e in exports)
    assert {"name", "id_number"} <= set(exports[0]["fields"])


async def test_only_the_platform_reads_and_the_record_is_sealed(client):
    world = Cases(client)
    holder = await world.holder()
    case, _, supervisor = await world.fined(holder)
    other = await world.platform(kind="hrss")
    refused = await client.get("/api/v1/credit/records", headers=other)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "credit.not_the_platform"
    for headers in (holder.headers, supervisor["headers"]):
        assert (await client.get("/api/v1/credit/records", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/credit/records")).status_code == 401
    bad = await client.get("/api/v1/credit/records?after=-1", headers=await world.platform())
    assert bad.status_code == 400

    from backend.enforcement.tables import CreditRecord

    rows = await world.call(CreditRecord.select(CreditRecord.sealed).where(CreditRecord.case == case["id"]).run)
    assert len(rows) == 1
    sealed = bytes(rows[0]["sealed"])
    assert holder.id_number.encode() not in sealed and b"eyJ" not in sealed  # no clear JWS at rest


async def test_only_fines_are_exported_a_venue_is_named_and_pages_repeat(client):
    """docs/credit.md: a warning (even overturned) writes nothing; a fine on a venue's case names the venue;
    `limit` pages, and pulling the same `after` again serves the same signed bytes."""
    world = Cases(client)
    platform = await world.platform()
    jwks = (await client.get("/api/v1/credit/keys")).json()
    _, start = await _all(world, platform)
    operator, supervisor = await world.member("counter_operator"), await world.member("supervisor")

    warned = await world.open(operator, await world.holder())
    warned = await world.ok(operator, warned, "decide", decision="warning", reason=REASON)
    appealed = await world.ok(operator, warned, "appeal", reason="The holder's letter against the warning.")
    await world.ok(supervisor, appealed, "overturn", reason="The warning was given to the wrong holder.")
    assert (await world.read(supervisor, warned)).json()["credit_records"] == []

    venue_id = await world.venue("metro", ["transit_ride"])
    opened = await client.post(
        BASE,
        json={"kind": "withholding", "venue_id": str(venue_id), "summary": "Keeps cards as a deposit"},
        headers=operator["headers"],
    )
    assert opened.status_code == 201, opened.text
    case = await world.ok(operator, opened.json(), "investigate")
    case = await world.ok(operator, case, "propose-fine", amount_yuan=1000, reason=REASON)
    case = await world.ok(supervisor, case, "approve-fine")

    records, _ = await _all(world, platform, start)
    payloads = [verify_record(r["jws"], jwks)[1] for r in records]
    assert warned["number"] not in {p["case"] for p in payloads}
    mine = [p for p in payloads if p["case"] == case["number"]]
    assert len(mine) == 1 and mine[0]["kind"] == "penalty" and mine[0]["case_kind"] == "withholding"
    subject = mine[0]["subject"]
    assert subject["type"] == "venue" and subject["venue_id"] == str(venue_id) and subject["name"].startswith("Venue ")
    assert set(subject) == {"type", "name", "venue_id"}

    one = (await client.get(f"/api/v1/credit/records?after={start}&limit=1", headers=platform)).json()
    assert len(one["items"]) == 1 and one["next_after"] == one["items"][0]["seq"] > start
    again = (await client.get(f"/api/v1/credit/records?after={start}&limit=1", headers=platform)).json()
    assert again == one
