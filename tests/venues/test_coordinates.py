"""Venue coordinates: optional on registration (both or neither), shown in VenueOut, set or cleared later."""

from __future__ import annotations

import secrets

import pytest

from tests.venues.helpers import CITY, World

pytestmark = pytest.mark.anyio


def _body(**extra) -> dict:
    return {
        "name": f"Venue {secrets.token_hex(3)}",
        "venue_type": "metro",
        "city_code": CITY,
        "scenarios": ["transit_ride"],
        **extra,
    }


async def test_coordinates(client) -> None:
    world = World(client)
    operator = await world.operator()
    placed = await client.post("/api/v1/venues", json=_body(latitude=23.1357, longitude=113.3213), headers=operator)
    assert placed.status_code == 201, placed.text
    assert (placed.json()["latitude"], placed.json()["longitude"]) == (23.1357, 113.3213)

    bare = await client.post("/api/v1/venues", json=_body(), headers=operator)
    assert bare.status_code == 201 and bare.json()["latitude"] is None and bare.json()["longitude"] is None

    half = await client.post("/api/v1/venues", json=_body(latitude=23.1), headers=operator)
    assert half.status_code == 422 and half.json()["error"]["code"] == "venue.bad_coordinates"
    for bad in ({"latitude": 91, "longitude": 113}, {"latitude": 23, "longitude": -180.5}, {"latitude": "23", "longitude": 113}):
        assert (await client.post("/api/v1/venues", json=_body(**bad), headers=operator)).status_code == 400

    venue_id = bare.json()["id"]
    url = f"/api/v1/venues/{venue_id}/coordinates"
    moved = await client.put(url, json={"latitude": 21.27, "longitude": 110.36}, headers=operator)
    assert moved.status_code == 200 and moved.json()["latitude"] == 21.27
    listed = await client.get(f"/api/v1/venues?city_code={CITY}&limit=100&offset=0", headers=operator)
    assert any(v["id"] == venue_id and v["longitude"] == 110.36 for v in listed.json()["items"]) or listed.json()["next_offset"]
    bad = await client.put(url, json={"latitude": 21.27, "longitude": None}, headers=operator)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "venue.bad_coordinates"
    cleared = await client.put(url, json={"latitude": None, "longitude": None}, headers=operator)
    assert cleared.status_code == 200 and cleared.json()["latitude"] is None
    missing = await client.put(
        "/api/v1/venues/00000000-0000-4000-8000-000000000000/coordinates", json={"latitude": 1, "longitude": 2}, headers=operator
    )
    assert missing.status_code == 404
    counter = await world.staff("counter_operator")
    assert (await client.put(url, json={"latitude": 1, "longitude": 2}, headers=counter)).status_code == 403
