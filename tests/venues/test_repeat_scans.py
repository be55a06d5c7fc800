"""Repeat scans (issue 15 §1): the same scanner asking again for a code it accepted gets the
first answer back marked `repeat`, and the holder's record shows one visit that says how often
it was checked again; the repeat rows and access-record entries stay for audit. Another scanner
is refused (`replayed`). Also: the revocation list tells scanners how old their lists may get."""

from __future__ import annotations

import pytest

from backend.lib.settings import load_settings
from tests.venues.helpers import now

pytestmark = pytest.mark.anyio


async def _record(world, holder) -> list[dict]:
    response = await world.client.get("/api/v1/me/verifications", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _actions(world, holder) -> list[str]:
    response = await world.client.get("/api/v1/me/access-records", headers=holder.headers)
    assert response.status_code == 200, response.text
    return sorted(e["action"] for e in response.json()["items"] if e["action"].startswith("verification"))


async def test_same_scanner_twice_is_a_repeat_and_one_visit(world):
    venue = await world.venue("library", ["library_entry"])
    gate, other = await world.scanner(venue), await world.scanner(venue)
    holder = await world.holder()
    code = world.online_code(holder)
    first = (await world.verify(gate, code, "library_entry")).json()
    assert first["result"] == "valid" and first["repeat"] is False
    second = (await world.verify(gate, code, "library_entry")).json()
    assert second["result"] == "valid" and second["repeat"] is True
    assert second["verification_id"] == first["verification_id"]
    assert second["checked_at"] == first["checked_at"]  # the first check's time
    assert second["attributes"] == first["attributes"]
    third = (await world.verify(gate, code, "library_entry")).json()
    assert third["repeat"] is True and third["verification_id"] == first["verification_id"]

    # The holder sees ONE library visit, checked again twice: not three visits.
    record = await _record(world, holder)
    assert [(i["id"], i["result"], i["repeats"]) for i in record] == [(first["verification_id"], "valid", 2)]
    # Each repeat sent the attributes again: it stays a disclosure on the access record.
    assert await _actions(world, holder) == ["verification", "verification.retry", "verification.retry"]

    # Another scanner is refused, and that refusal is listed (an attempt to use the code again).
    replayed = (await world.verify(other, code, "library_entry")).json()
    assert replayed["result"] == "replayed" and replayed["repeat"] is False and replayed["attributes"] == {}
    record = await _record(world, holder)
    assert [(i["result"], i["repeats"]) for i in record] == [("replayed", 0), ("valid", 2)]


async def test_a_scan_used_once_has_no_repeats_and_refusals_are_no_repeats(world):
    library = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    assert (await world.verify(library, world.online_code(holder), "library_entry")).json()["repeat"] is False
    expired = world.online_code(holder, now() - 600)
    for _ in range(2):  # a refused code asked twice is two refusals, never a repeat
        body = (await world.verify(library, expired, "library_entry")).json()
        assert body["result"] == "expired" and body["repeat"] is False
    record = await _record(world, holder)
    assert [(i["result"], i["repeats"]) for i in record] == [("expired", 0), ("expired", 0), ("valid", 0)]


async def test_offline_code_repeat_and_paging_skips_repeat_rows(world):
    """An offline code asked again by the same counter is a repeat too; the record pages over
    visits only (a page of 1 is one visit, not a repeat row)."""
    counter = await world.scanner_for("service_counter", ["counter_service"])
    holder = await world.holder()
    device = await world.device(holder)
    code = world.offline_code(device)
    first = (await world.verify(counter, code, "counter_service")).json()
    again = (await world.verify(counter, code, "counter_service")).json()
    assert first["result"] == "valid" and again["repeat"] is True and again["verification_id"] == first["verification_id"]
    later = (await world.verify(counter, world.online_code(holder), "counter_service")).json()
    assert later["result"] == "valid" and later["repeat"] is False
    page = (await world.client.get("/api/v1/me/verifications?limit=1", headers=holder.headers)).json()
    assert [i["id"] for i in page["items"]] == [later["verification_id"]]
    rest = (
        await world.client.get(f"/api/v1/me/verifications?limit=1&before={page['next_before']}", headers=holder.headers)
    ).json()
    assert [(i["id"], i["repeats"]) for i in rest["items"]] == [(first["verification_id"], 1)]
    assert rest["next_before"] is None


async def test_revocation_list_serves_the_list_age_limits(world):
    counter = await world.scanner_for("service_counter", ["counter_service"])
    settings = world.client.app.state.settings
    full = (await world.client.get("/api/v1/revocations", headers=counter)).json()
    assert full["warn_age_seconds"] == settings.offline_lists_warn_hours * 3600
    assert full["max_age_seconds"] == settings.offline_lists_max_hours * 3600
    delta = (await world.client.get(f"/api/v1/revocations?since={full['version']}", headers=counter)).json()
    assert delta["full"] is False
    assert (delta["warn_age_seconds"], delta["max_age_seconds"]) == (full["warn_age_seconds"], full["max_age_seconds"])


def test_list_age_settings_default_and_are_checked():
    defaults = load_settings({}, dotenv=None)
    assert (defaults.offline_lists_warn_hours, defaults.offline_lists_max_hours) == (24, 72)
    custom = load_settings({"YIKATONG_OFFLINE_LISTS_WARN_HOURS": "6", "YIKATONG_OFFLINE_LISTS_MAX_HOURS": "48"}, dotenv=None)
    assert (custom.offline_lists_warn_hours, custom.offline_lists_max_hours) == (6, 48)
    for warn, limit in (("0", "72"), ("80", "72"), ("24", "100000")):
        with pytest.raises(ValueError, match="OFFLINE_LISTS"):
            load_settings({"YIKATONG_OFFLINE_LISTS_WARN_HOURS": warn, "YIKATONG_OFFLINE_LISTS_MAX_HOURS": limit}, dotenv=None)
