"""Venues and scanners: registration rules, listing, scanner credentials, who may manage them."""

import uuid

import pytest

pytestmark = pytest.mark.anyio


async def _create(world, **overrides):
    body = {
        "name": "Test venue",
        "venue_type": "hospital",
        "city_code": "440100",
        "scenarios": ["hospital_registration"],
        **overrides,
    }
    await world.office()
    return await world.client.post("/api/v1/venues", json=body, headers=await world.operator())


async def test_create_and_list_venue(world):
    response = await _create(world, name="  中山大学附属第一医院  ", scenarios=["hospital_registration", "hospital_registration"])
    assert response.status_code == 201, response.text
    venue = response.json()
    assert venue["name"] == "中山大学附属第一医院" and venue["scenarios"] == ["hospital_registration"]
    assert venue["city_code"] == "440100" and venue["active"] is True
    listed = (await world.client.get("/api/v1/venues?venue_type=hospital&limit=100", headers=await world.operator())).json()
    ids = [v["id"] for v in listed["items"]]
    while listed["next_offset"] is not None and venue["id"] not in ids:
        listed = (
            await world.client.get(
                f"/api/v1/venues?venue_type=hospital&limit=100&offset={listed['next_offset']}", headers=await world.operator()
            )
        ).json()
        ids += [v["id"] for v in listed["items"]]
    assert venue["id"] in ids


RULES = [
    ({"venue_type": "hotel", "scenarios": ["library_entry"]}, 422, "venue.scenario_not_for_type"),
    ({"venue_type": "metro", "scenarios": ["hotel_checkin"]}, 422, "venue.scenario_not_for_type"),
    ({"scenarios": ["teleport"]}, 422, "venue.unknown_scenario"),
    ({"venue_type": "casino"}, 422, "venue.unknown_type"),
    ({"city_code": "999999"}, 422, "venue.unknown_city"),
    ({"name": "   "}, 422, "venue.name_required"),
    ({"scenarios": []}, 400, "request.invalid"),
    ({"city_code": "44"}, 400, "request.invalid"),
    ({"extra": True}, 400, "request.unknown_field"),
]


async def test_venue_rules(world):
    for overrides, status, code in RULES:
        response = await _create(world, **overrides)
        assert response.status_code == status, (overrides, response.text)
        assert response.json()["error"]["code"] == code


async def test_only_provincial_operators_manage_venues(world):
    supervisor = await world.staff("supervisor")
    body = {"name": "x", "venue_type": "library", "city_code": "440100", "scenarios": ["library_entry"]}
    assert (await world.client.post("/api/v1/venues", json=body, headers=supervisor)).status_code == 403
    assert (await world.client.post("/api/v1/venues", json=body)).status_code == 401
    assert (await world.client.get("/api/v1/venues", headers=supervisor)).status_code == 403


async def test_scanners_are_created_once_listed_without_tokens(world):
    venue = await world.venue("library", ["library_entry"])
    op = await world.operator()
    created = await world.client.post(f"/api/v1/venues/{venue}/scanners", json={"name": "Front desk"}, headers=op)
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("ykc_")
    listed = (await world.client.get(f"/api/v1/venues/{venue}/scanners", headers=op)).json()["items"]
    assert [(s["name"], s["status"]) for s in listed] == [("Front desk", "active")]
    assert token not in str(listed)
    context = (await world.client.get("/api/v1/verify/context", headers={"Authorization": f"Bearer {token}"})).json()
    assert context["venue_id"] == str(venue) and [s["name"] for s in context["scenarios"]] == ["library_entry"]
    assert context["scenarios"][0]["attributes"] == ["masked_name"] and context["scenarios"][0]["offline_attributes"] == []
    missing = uuid.uuid4()
    assert (await world.client.post(f"/api/v1/venues/{missing}/scanners", json={"name": "x"}, headers=op)).status_code == 404
    assert (await world.client.get(f"/api/v1/venues/{missing}/scanners", headers=op)).status_code == 404


async def test_openapi_documents_every_venue_route(world):
    schema = (await world.client.get("/schema/openapi.json")).json()
    for path in (
        "/api/v1/venues",
        "/api/v1/verify",
        "/api/v1/revocations",
        "/api/v1/verify/offline-results",
        "/api/v1/me/verifications",
    ):
        for operation in schema["paths"][path].values():
            assert operation["summary"] and operation["description"] and operation["tags"]
