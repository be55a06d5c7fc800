"""Usage reports: counts per item, city, venue type and period, and nothing about anyone."""

import datetime as dt
import uuid

import pytest

from tests.catalog.helpers import content, scenario, uid

pytestmark = pytest.mark.anyio
ROW_KEYS = {"period", "item_code", "city_code", "venue_type", "uses", "refused"}
REPORT_KEYS = {"from_date", "to_date", "bucket", "timezone", "city_code", "rows", "total_uses", "total_refused"}


async def _used_item(catalog, world):
    """An item with a venue and scans: two accepted, one replayed, one retry (not counted twice)."""
    code, name = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(code, content([scenario(name, ["library"], ["masked_name"])]))
    venue = (await catalog.venue("library", [name])).json()
    scanner, other_scanner = await world.scanner(uuid.UUID(venue["id"])), await world.scanner(uuid.UUID(venue["id"]))
    holder = await world.holder(name="欧阳娜娜")
    first = world.online_code(holder)
    assert (await world.verify(scanner, first, name)).json()["result"] == "valid"
    assert (await world.verify(scanner, first, name)).json()["result"] == "valid"  # retry: same answer
    assert (await world.verify(other_scanner, first, name)).json()["result"] == "replayed"
    assert (await world.verify(scanner, await world.minted_code(holder), name)).json()["result"] == "valid"
    return code, venue, holder, (scanner, other_scanner)


async def test_counts_per_item_city_and_venue_type(catalog, world):
    code, _venue, _, _ = await _used_item(catalog, world)
    operator = await catalog.author()
    response = await world.client.get("/api/v1/catalog/reports/usage", params={"item": code}, headers=operator)
    assert response.status_code == 200, response.text
    body = response.json()
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert body["rows"] == [
        {"period": today, "item_code": code, "city_code": "440100", "venue_type": "library", "uses": 2, "refused": 1}
    ]
    assert (body["total_uses"], body["total_refused"], body["timezone"]) == (2, 1, "Asia/Shanghai")
    for bucket, period in (("week", "%G-W%V"), ("month", "%Y-%m")):
        rows = (
            await world.client.get("/api/v1/catalog/reports/usage", params={"item": code, "bucket": bucket}, headers=operator)
        ).json()["rows"]
        assert rows[0]["period"] == dt.date.fromisoformat(today).strftime(period) and rows[0]["uses"] == 2
    # The whole-province report has it too, and filters narrow it down.
    everything = (await world.client.get("/api/v1/catalog/reports/usage", headers=operator)).json()["rows"]
    assert any(r["item_code"] == code and r["uses"] == 2 for r in everything)
    narrowed = {"city_code": "440100", "venue_type": "metro"}
    assert not any(
        r["item_code"] == code
        for r in (await world.client.get("/api/v1/catalog/reports/usage", params=narrowed, headers=operator)).json()["rows"]
    )


async def test_reports_carry_no_personal_data(catalog, world):
    code, venue, holder, _scanners = await _used_item(catalog, world)
    operator = await catalog.author()
    for params in ({"item": code}, {}, {"bucket": "month", "city_code": "440100"}):
        response = await world.client.get("/api/v1/catalog/reports/usage", params=params, headers=operator)
        body = response.json()
        assert set(body) == REPORT_KEYS and all(set(r) == ROW_KEYS for r in body["rows"])
        text = response.text
        # No holder, card, code, scanner or venue appears, in any form.
        records = await world.call(_records_of, venue["id"])
        secrets = {
            holder.name,
            holder.id_number,
            holder.card_ref,
            str(holder.card_id),
            str(holder.person_id),
            venue["id"],
            venue["name"],
            *(r["code_id"] for r in records),
            *(str(r["scanner_id"]) for r in records),
            *(str(r["id"]) for r in records),
        }
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, leaked
        assert all(isinstance(r["uses"], int) and isinstance(r["refused"], int) for r in body["rows"])


async def _records_of(venue_id):
    from backend.venues.tables import Verification

    return (
        await Verification.select(Verification.id, Verification.code_id, Verification.scanner_id)
        .where(Verification.venue == venue_id)
        .run()
    )


async def test_who_may_see_reports(catalog, world):
    city = await catalog.city()
    supervisor = await catalog.supervisor(city)
    url = "/api/v1/catalog/reports/usage"
    assert (await world.client.get(url)).status_code == 401
    holder = await world.holder()
    assert (await world.client.get(url, headers=holder.headers)).status_code == 403
    assert (await world.client.get(url, params={"city_code": "440100"}, headers=supervisor)).json()["error"][
        "code"
    ] == "catalog.not_permitted"
    own = (await world.client.get(url, headers=supervisor)).json()
    assert own["city_code"] == city and all(r["city_code"] == city for r in own["rows"])


async def test_bad_report_requests(catalog, world):
    operator = await catalog.author()
    url = "/api/v1/catalog/reports/usage"
    cases = [
        ({"from": "2026-02-01", "to": "2026-01-01"}, 422, "report.bad_range"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, 422, "report.range_too_long"),
        ({"from": "yesterday"}, 400, "request.invalid"),
        ({"bucket": "year"}, 400, "request.invalid"),
        ({"city_code": "44"}, 400, "request.invalid"),
    ]
    for params, status, code in cases:
        response = await world.client.get(url, params=params, headers=operator)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), params
