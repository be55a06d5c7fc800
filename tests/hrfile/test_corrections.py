"""Corrections append and the holder sees both; replays and external_ref conflicts; the batch route."""

from __future__ import annotations

import anyio
import pytest

from tests.hrfile.helpers import SAMPLES, contribution

pytestmark = pytest.mark.anyio
REASON = "缴费基数录入有误"


async def test_a_correction_appends_and_the_holder_sees_both(world):
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    _, other_hrss = await world.new_agency("hrss")
    first = (await world.write(hrss, holder, "contribution", contribution(base_fen=700000))).json()

    fixed = contribution(base_fen=800000)
    # Only the source that wrote it may correct it (or a supervisor), with the same kind, and a reason.
    response = await world.write(other_hrss, holder, "contribution", fixed, corrects=first["id"], correction_reason=REASON)
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.correction_not_allowed"
    response = await world.write(hrss, holder, "training", corrects=first["id"], correction_reason=REASON)
    assert response.status_code == 422 and response.json()["error"]["code"] == "hrfile.correction_kind"
    response = await world.write(hrss, holder, "contribution", fixed, corrects=first["id"])
    assert response.status_code == 422 and response.json()["error"]["code"] == "hrfile.correction_incomplete"
    stranger = await world.holder(name="王五")
    response = await world.write(hrss, stranger, "contribution", fixed, corrects=first["id"], correction_reason=REASON)
    assert response.status_code == 404 and response.json()["error"]["code"] == "hrfile.not_found"

    response = await world.write(hrss, holder, "contribution", fixed, corrects=first["id"], correction_reason=REASON)
    assert response.status_code == 201, response.text
    correction = response.json()
    assert correction["corrects"] == first["id"] and correction["correction_reason"] == REASON
    assert correction["status"] == "current"

    mine = {r["id"]: r for r in await world.mine(holder, kind="contribution")}
    assert set(mine) == {first["id"], correction["id"]}
    assert mine[first["id"]]["status"] == "corrected" and mine[first["id"]]["corrected_by"] == correction["id"]
    assert mine[first["id"]]["data"]["base_fen"] == 700000  # what was written stays
    assert mine[correction["id"]]["data"]["base_fen"] == 800000
    one = await world.client.get(f"/api/v1/me/hrfile/{first['id']}", headers=holder.headers)
    assert one.status_code == 200 and one.json()["status"] == "corrected"
    assert one.headers["cache-control"] == "no-store"

    # A corrected record is not corrected twice: the correction is.
    response = await world.write(hrss, holder, "contribution", fixed, corrects=first["id"], correction_reason="再次更正")
    assert response.status_code == 409 and response.json()["error"]["code"] == "hrfile.already_corrected"
    # A supervisor corrects any source's record; a counter operator only their office's.
    counter = await world.staff("counter_operator")
    response = await world.staff_write(
        counter, holder, "contribution", fixed, corrects=correction["id"], correction_reason=REASON
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.correction_not_allowed"
    supervisor = await world.staff("supervisor")
    again = contribution(base_fen=810000)
    response = await world.staff_write(
        supervisor, holder, "contribution", again, corrects=correction["id"], correction_reason=REASON
    )
    assert response.status_code == 201, response.text
    assert response.json()["source"]["kind"] == "staff"
    summary = await world.client.get("/api/v1/me/hrfile/summary", headers=holder.headers)
    assert summary.json() == [{"kind": "contribution", "count": 1, "latest_on": "2026-09-01"}]


async def test_replays_and_external_ref_conflicts(world):
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    _, other = await world.new_agency("hrss")
    first = await world.write(hrss, holder, "training", external_ref="TR-2025-0001")
    assert first.status_code == 201 and first.json()["replayed"] is False
    again = await world.write(hrss, holder, "training", external_ref="TR-2025-0001")
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["id"] == first.json()["id"]
    changed = await world.write(hrss, holder, "training", {**SAMPLES["training"], "hours": 90}, external_ref="TR-2025-0001")
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "hrfile.external_ref_conflict"
    # References are the writer's own: another source may use the same one.
    theirs = await world.write(other, holder, "training", external_ref="TR-2025-0001")
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    assert len(await world.mine(holder, kind="training")) == 2


async def test_parallel_retries_of_one_reference_write_one_record(world):
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    answers = []

    async def send() -> None:
        answers.append(await world.write(hrss, holder, "unemployment_registration", external_ref="UR-7"))

    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(send)
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(await world.mine(holder)) == 1


async def test_batch_of_contributions_answers_line_by_line(world):
    holder = await world.holder()
    stranger = await world.holder(name="赵六")
    _, hrss = await world.new_agency("hrss")
    lines = [
        world.body(holder, "contribution", contribution(month=f"{2025 + (m // 12)}-{m % 12 + 1:02d}"), external_ref=f"C-{m}")
        for m in range(24)
    ]
    lines.append(world.body(holder, "contribution", contribution(month="2027-00")))  # bad month
    lines.append({**world.body(stranger, "contribution"), "person": {**world.person(stranger), "name": "别人"}})
    lines.append(world.body(holder, "labour_contract"))  # not an agency's kind
    lines.append(lines[0])  # a replay
    response = await world.client.post("/api/v1/hrfile/records/batch", json={"records": lines}, headers=hrss)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["written"], body["replayed"], body["failed"]) == (24, 1, 3)
    statuses = [(line["index"], line["status"], (line["error"] or {}).get("code")) for line in body["lines"][24:]]
    assert statuses == [
        (24, 422, "hrfile.bad_data"),
        (25, 404, "hrfile.person_not_found"),
        (26, 403, "hrfile.writer_not_allowed"),
        (27, 200, None),
    ]
    assert body["lines"][27]["record"]["id"] == body["lines"][0]["record"]["id"]
    assert len(await world.mine(holder, kind="contribution")) == 24
    # A caller that writes nothing is refused as a whole (as the single route does), an empty batch by the schema.
    citizen = await world.client.post("/api/v1/hrfile/records/batch", json={"records": lines[:2]}, headers=holder.headers)
    assert citizen.status_code == 403 and citizen.json()["error"]["code"] == "hrfile.writer_not_allowed", citizen.text
    empty = await world.client.post("/api/v1/hrfile/records/batch", json={"records": []}, headers=hrss)
    assert empty.status_code == 400


async def test_the_holder_pages_through_their_file_newest_first(world):
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    lines = [world.body(holder, "contribution", contribution(month=f"2025-{m:02d}")) for m in range(1, 13)]
    for m, line in enumerate(lines, start=1):
        line["effective_on"] = f"2025-{m:02d}-01"
    assert (await world.client.post("/api/v1/hrfile/records/batch", json={"records": lines}, headers=hrss)).status_code == 200
    seen, before = [], None
    while True:
        params = {"limit": 5, **({"before": before} if before else {})}
        page = await world.client.get("/api/v1/me/hrfile", params=params, headers=holder.headers)
        assert page.status_code == 200, page.text
        seen += [r["data"]["month"] for r in page.json()["items"]]
        before = page.json()["next"]
        if before is None:
            break
    assert seen == [f"2025-{m:02d}" for m in range(12, 0, -1)]
    other = await world.holder()
    mine_id = (await world.mine(holder))[0]["id"]
    response = await world.client.get(f"/api/v1/me/hrfile/{mine_id}", headers=other.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "hrfile.not_found"
    response = await world.client.get("/api/v1/me/hrfile", params={"before": mine_id}, headers=other.headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "hrfile.bad_cursor"


async def test_a_refused_write_says_nothing_about_whether_the_person_exists(world):
    """Data errors and reserved references are answered before the person is looked up: the same
    answer for a registered person and for a made-up one, so the write routes are no look-up service."""
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    made_up = {**world.person(holder), "name": "无此人"}
    bad_month = contribution(month="2027-00")
    for person in (world.person(holder), made_up):
        bad = await world.client.post(
            "/api/v1/hrfile/records", json={**world.body(holder, "contribution", bad_month), "person": person}, headers=hrss
        )
        assert (bad.status_code, bad.json()["error"]["code"]) == (422, "hrfile.bad_data"), bad.text
        # The contracts feature's references are not the writer's to take (it would block a contract's signing).
        taken = await world.client.post(
            "/api/v1/hrfile/records",
            json={**world.body(holder, "contribution"), "person": person, "external_ref": "contract:x"},
            headers=hrss,
        )
        assert (taken.status_code, taken.json()["error"]["code"]) == (422, "hrfile.reserved_ref"), taken.text
    batch = await world.client.post(
        "/api/v1/hrfile/records/batch",
        json={
            "records": [{**world.body(holder, "contribution", bad_month), "person": p} for p in (world.person(holder), made_up)]
        },
        headers=hrss,
    )
    assert [line["error"]["code"] for line in batch.json()["lines"]] == ["hrfile.bad_data"] * 2, batch.text
