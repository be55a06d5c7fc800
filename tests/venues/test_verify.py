"""POST /api/v1/verify: results, minimal disclosure per scenario, retries, and the holder's record."""

import pytest

from tests.venues.helpers import now

pytestmark = pytest.mark.anyio

ALL_ATTRIBUTES = {
    "name",
    "doc_type",
    "identity_number",
    "masked_name",
    "masked_identity_number",
    "card_valid",
    "valid_until",
    "concession",
    "concessions",
}


async def test_hotel_gets_name_and_number(world):
    scanner = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder(name="张三丰")
    response = await world.verify(scanner, world.online_code(holder), "hotel_checkin")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] == "valid" and body["code_kind"] == "online"
    assert body["attributes"] == {"name": "张三丰", "doc_type": "resident_id", "identity_number": holder.id_number}
    assert body["concessions"] == []
    assert response.headers["cache-control"] == "no-store"


async def test_library_gets_only_the_masked_name(world):
    scanner = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder(name="张三丰")
    body = (await world.verify(scanner, world.online_code(holder), "library_entry")).json()
    assert body["result"] == "valid"
    assert body["attributes"] == {"masked_name": "张**"}
    assert holder.id_number not in str(body) and "张三丰" not in str(body)


async def test_metro_gets_validity_and_concession_only(world):
    scanner = await world.scanner_for("metro", ["transit_ride"])
    holder = await world.holder(transport=True)
    at = now()
    body = (await world.verify(scanner, world.online_code(holder, at), "transit_ride")).json()
    assert body["result"] == "valid"
    assert set(body["attributes"]) == {"valid_until", "concession"}
    assert body["attributes"]["concession"] == "none"
    assert body["attributes"]["valid_until"].startswith("20")
    assert holder.id_number not in str(body) and holder.name not in str(body)


async def test_transit_needs_the_transport_function(world):
    scanner = await world.scanner_for("bus", ["transit_ride"])
    holder = await world.holder(transport=False)
    code = world.online_code(holder)
    body = (await world.verify(scanner, code, "transit_ride")).json()
    assert body["result"] == "scenario_not_allowed" and body["attributes"] == {}
    await world.set_transport(holder, True)
    assert (await world.verify(scanner, code, "transit_ride")).json()["result"] == "valid"  # not used up before


@pytest.mark.parametrize(
    "venue_type,scenario,expected",
    [
        ("hospital", "hospital_registration", {"name", "masked_identity_number", "card_valid"}),
        ("service_counter", "counter_service", {"name", "masked_identity_number"}),
        ("museum", "scenic_entry", {"valid_until", "concessions"}),
    ],
)
async def test_other_scenarios_disclose_exactly_their_attributes(world, venue_type, scenario, expected):
    scanner = await world.scanner_for(venue_type, [scenario])
    holder = await world.holder()
    body = (await world.verify(scanner, world.online_code(holder), scenario)).json()
    assert body["result"] == "valid"
    assert set(body["attributes"]) == expected
    assert set(body["attributes"]) <= ALL_ATTRIBUTES
    assert holder.id_number not in str(body)
    if "masked_identity_number" in expected:
        masked = body["attributes"]["masked_identity_number"]
        assert masked[:2] == holder.id_number[:2] and masked[-2:] == holder.id_number[-2:] and "*" in masked


async def test_scenario_the_venue_does_not_serve_is_refused_without_using_the_code(world):
    venue = await world.venue("hotel", ["hotel_checkin"])
    scanner = await world.scanner(venue)
    holder = await world.holder()
    code = world.online_code(holder)
    for scenario in ("library_entry", "no_such_scenario"):
        body = (await world.verify(scanner, code, scenario)).json()
        assert body["result"] == "scenario_not_allowed" and body["attributes"] == {}
    assert (await world.verify(scanner, code, "hotel_checkin")).json()["result"] == "valid"


async def test_second_scanner_gets_replayed_same_scanner_gets_same_answer(world):
    venue = await world.venue("hotel", ["hotel_checkin"])
    first, second = await world.scanner(venue), await world.scanner(venue)
    holder = await world.holder()
    code = world.online_code(holder)
    one = (await world.verify(first, code, "hotel_checkin")).json()
    again = (await world.verify(first, code, "hotel_checkin")).json()
    other = (await world.verify(second, code, "hotel_checkin")).json()
    assert one["result"] == "valid" and again == {**one, "repeat": True}  # the first answer, marked a repeat
    assert other["result"] == "replayed" and other["attributes"] == {}
    record = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    # The same scanner's repeat is no visit of its own (issue 15): the accepted use counts it.
    assert [(i["result"], i["retry"], i["repeats"]) for i in record] == [("replayed", False, 0), ("valid", False, 1)]


async def test_same_scanner_other_scenario_is_replayed(world):
    scanner = await world.scanner_for("hospital", ["hospital_registration"])
    venue2 = await world.venue("service_counter", ["counter_service"])
    holder = await world.holder()
    code = world.online_code(holder)
    assert (await world.verify(scanner, code, "hospital_registration")).json()["result"] == "valid"
    other = await world.scanner(venue2)
    assert (await world.verify(other, code, "counter_service")).json()["result"] == "replayed"


async def test_malformed_is_422_with_result(world):
    scanner = await world.scanner_for("library", ["library_entry"])
    for text in ["", "hello", "YKO1:", "YKO1:@@@", "YKD1:AAAA", "yko1:ABC", "YKO1:" + "A" * 41 + "\n", "YKD1:" + "0" * 280]:
        response = await world.verify(scanner, text, "library_entry")
        assert response.status_code == 422, text
        body = response.json()
        assert body["result"] == "malformed" and body["error"]["code"] == "code.malformed"
        assert body["verification_id"] and body["request_id"]


async def test_bad_requests_are_clean_4xx(world):
    scanner = await world.scanner_for("library", ["library_entry"])
    client = world.client
    cases = [
        {"code": "x"},
        {"scenario": "library_entry"},
        {"code": "x", "scenario": "library_entry", "extra": 1},
        {"code": "A" * 1001, "scenario": "library_entry"},
        {"code": 5, "scenario": "library_entry"},
        {"code": "x", "scenario": "Library Entry"},
    ]
    for body in cases:
        response = await client.post("/api/v1/verify", json=body, headers=scanner)
        assert response.status_code == 400, (body, response.text)
    response = await client.post("/api/v1/verify", content=b"\xff\xfe{", headers={**scanner, "Content-Type": "application/json"})
    assert response.status_code == 400


async def test_only_scanners_verify(world):
    holder = await world.holder()
    body = {"code": world.online_code(holder), "scenario": "library_entry"}
    assert (await world.client.post("/api/v1/verify", json=body)).status_code == 401
    assert (await world.client.post("/api/v1/verify", json=body, headers=holder.headers)).status_code == 403
    assert (await world.client.post("/api/v1/verify", json=body, headers=await world.operator())).status_code == 403


async def test_holder_record_lists_disclosed_fields_newest_first_and_pages(world):
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    library = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    stranger = await world.holder()
    assert (await world.verify(hotel, world.online_code(holder), "hotel_checkin")).json()["result"] == "valid"
    assert (await world.verify(library, world.online_code(holder), "library_entry")).json()["result"] == "valid"
    assert (await world.verify(library, world.online_code(holder, now() - 600), "library_entry")).json()["result"] == "expired"
    client = world.client
    items = (await client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    assert [i["result"] for i in items] == ["expired", "valid", "valid"]
    assert items[1]["disclosed"] == ["masked_name"] and items[1]["venue_type"] == "library"
    assert items[2]["disclosed"] == ["name", "doc_type", "identity_number"] and items[2]["venue_type"] == "hotel"
    assert items[0]["disclosed"] == [] and items[0]["offline"] is False
    page = (await client.get("/api/v1/me/verifications?limit=2", headers=holder.headers)).json()
    assert len(page["items"]) == 2 and page["next_before"] == items[1]["id"]
    rest = (await client.get(f"/api/v1/me/verifications?limit=2&before={page['next_before']}", headers=holder.headers)).json()
    assert [i["id"] for i in rest["items"]] == [items[2]["id"]] and rest["next_before"] is None
    assert (await client.get("/api/v1/me/verifications", headers=stranger.headers)).json()["items"] == []
    assert (await client.get("/api/v1/me/verifications?before=nope", headers=holder.headers)).status_code == 400
    assert (await client.get("/api/v1/me/verifications", headers=hotel)).status_code == 403


async def test_a_failed_record_gives_the_code_back(world, monkeypatch):
    from backend.venues import records

    scanner = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    code = world.online_code(holder)
    real = records.record_scan

    async def broken(row, entry):
        raise RuntimeError("database went away")

    monkeypatch.setattr(records, "record_scan", broken)
    response = await world.verify(scanner, code, "library_entry")
    assert response.status_code == 500 and response.json()["error"]["code"] == "server.error"
    monkeypatch.setattr(records, "record_scan", real)
    # Nothing was recorded and the code was not burnt: the holder can show it again.
    assert (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"] == []
    other = await world.scanner_for("library", ["library_entry"])
    assert (await world.verify(other, code, "library_entry")).json()["result"] == "valid"
