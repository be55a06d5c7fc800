"""Venues register under catalog items, and a scanner verifies only what is in effect for its venue then."""

import datetime as dt
import time
import uuid

import pytest

from tests.catalog.helpers import content, scenario, uid, utcnow, verify_at

pytestmark = pytest.mark.anyio


async def _library_item(catalog, **kwargs) -> tuple[str, str]:
    code, name = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(code, content([scenario(name, ["library"])]), **kwargs)
    return code, name


async def test_a_venue_cannot_verify_outside_its_scenarios(catalog, world):
    _, own = await _library_item(catalog)
    _, other = await _library_item(catalog)  # in effect, fits the venue type, but not registered
    response = await catalog.venue("library", [own])
    assert response.status_code == 201, response.text
    scanner = await world.scanner(uuid.UUID(response.json()["id"]))
    holder = await world.holder()
    for name in (other, "library_entry", "hospital_registration", "no_such_scenario"):
        body = (await world.verify(scanner, world.online_code(holder), name)).json()
        assert body["result"] == "scenario_not_allowed" and body["attributes"] == {}, name
    body = (await world.verify(scanner, world.online_code(holder), own)).json()
    assert body["result"] == "valid" and body["attributes"] == {"masked_name": "张**"}
    context = (await world.client.get("/api/v1/verify/context", headers=scanner)).json()
    assert [s["name"] for s in context["scenarios"]] == [own]


async def test_a_withdrawn_item_stops_verification_at_its_end_date(catalog, world):
    code, name = await _library_item(catalog)
    venue_id = uuid.UUID((await catalog.venue("library", [name])).json()["id"])
    holder = await world.holder()
    now = int(time.time())
    end = utcnow() + dt.timedelta(hours=1)
    assert (await catalog.withdraw(code, end)).status_code == 200

    # Until the end date it still verifies; from the end date on it does not (decided per call).
    before = await verify_at(world, venue_id, holder, name, int(end.timestamp()) - 2)
    at_end = await verify_at(world, venue_id, holder, name, int(end.timestamp()) + 1)
    assert before.result.value == "valid" and before.attributes.masked_name == "张**"
    assert at_end.result.value == "scenario_not_allowed" and at_end.attributes.masked_name is None
    assert (await verify_at(world, venue_id, holder, name, now)).result.value == "valid"

    # Withdrawn now: the scanner's context drops it and a scan is refused.
    assert (await catalog.withdraw(f"t.{uid()}")).status_code == 404
    code2, name2 = await _library_item(catalog)
    venue2 = uuid.UUID((await catalog.venue("library", [name2])).json()["id"])
    scanner = await world.scanner(venue2)
    assert (await catalog.withdraw(code2)).status_code == 200
    assert (await world.client.get("/api/v1/verify/context", headers=scanner)).json()["scenarios"] == []
    assert (await world.verify(scanner, world.online_code(holder), name2)).json()["result"] == "scenario_not_allowed"


async def test_a_new_version_changes_disclosure_from_its_effective_date(catalog, world):
    code, name = await _library_item(catalog)
    venue_id = uuid.UUID((await catalog.venue("library", [name])).json()["id"])
    start = utcnow() + dt.timedelta(days=1)
    await catalog.next_version(code, content([scenario(name, ["library"], ["card_valid"])]), effective_from=start)
    holder = await world.holder()
    old = await verify_at(world, venue_id, holder, name, int(start.timestamp()) - 1)
    new = await verify_at(world, venue_id, holder, name, int(start.timestamp()) + 1)
    assert (old.attributes.masked_name, old.attributes.card_valid) == ("张**", None)
    assert (new.attributes.masked_name, new.attributes.card_valid) == (None, True)


async def test_registration_follows_the_city_catalog(catalog, world):
    city = await catalog.city()
    _, city_scenario = await _library_item(catalog, scope=city)
    # Another city's venue cannot register it; a venue in the city can.
    response = await catalog.venue("library", [city_scenario], city="440100")
    assert response.status_code == 422 and response.json()["error"]["code"] == "venue.unknown_scenario"
    response = await catalog.venue("library", [city_scenario], city=city)
    assert response.status_code == 201, response.text
    # Art. 13: a city item may bring a new kind of venue (a campus gate) for that city only.
    campus, gate = f"campus_{uid()}", f"t_{uid()}"
    await catalog.published(f"t.{uid()}", content([scenario(gate, [campus])], domain="campus_enterprise_community"), scope=city)
    assert (await catalog.venue(campus, [gate], city="440100")).json()["error"]["code"] == "venue.unknown_type"
    assert (await catalog.venue(campus, [gate], city=city)).status_code == 201
    assert (await catalog.venue("library", [gate], city=city)).json()["error"]["code"] == "venue.scenario_not_for_type"


async def test_venues_are_listed_under_their_items(catalog, world):
    city = await catalog.city()
    base, base_scenario = await _library_item(catalog)
    ext, ext_scenario = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(ext, content([scenario(ext_scenario, ["library"])]), scope=city, extends=base)
    one = (await catalog.venue("library", [base_scenario], city=city)).json()["id"]
    two = (await catalog.venue("library", [ext_scenario], city=city)).json()["id"]
    operator = await catalog.author()
    listed = lambda code: catalog.client.get(f"/api/v1/catalog/items/{code}/venues", headers=operator)  # noqa: E731
    assert {v["id"] for v in (await listed(base)).json()["items"]} == {one, two}
    assert {v["id"] for v in (await listed(ext)).json()["items"]} == {two}
    assert (await catalog.client.get(f"/api/v1/catalog/items/{base}/venues")).status_code == 401


async def test_a_scheduled_scenario_can_be_registered_but_not_yet_verified(catalog, world):
    code, name = f"t.{uid()}", f"t_{uid()}"
    start = utcnow() + dt.timedelta(days=2)
    await catalog.published(code, content([scenario(name, ["library"])]), effective_from=start)
    venue_id = uuid.UUID((await catalog.venue("library", [name])).json()["id"])
    holder = await world.holder()
    assert (await verify_at(world, venue_id, holder, name, int(time.time()))).result.value == "scenario_not_allowed"
    assert (await verify_at(world, venue_id, holder, name, int(start.timestamp()) + 5)).result.value == "valid"
