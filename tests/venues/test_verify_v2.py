"""Venues and offline codes of format 2 (issue 18): scenario profiles, forwarded YKD2 codes, uploads by cred_ref."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from backend.codes import format_v2 as v2
from backend.lib import ed25519
from tests.codes.helpers_v2 import Phone, b64u, batch
from tests.venues.helpers import Holder, now

pytestmark = pytest.mark.anyio


async def phone_of(world, holder: Holder) -> Phone:
    """A phone bound through the wallet API with its registered Ed25519 key."""
    seed, public = ed25519.generate()
    response = await world.client.post(
        "/api/v1/me/devices", json={"label": "test phone", "public_key": b64u(public)}, headers=holder.headers
    )
    assert response.status_code == 201, response.text
    return Phone(response.json()["id"], seed)


def of_profile(issued: list[dict], profile: str) -> dict:
    """The holder's credential of this profile for the slot covering now."""
    t = now()
    return next(c for c in issued if c["profile"] == profile and c["nbf"] <= t < c["exp"])


async def test_the_scanner_learns_each_scenarios_profile_and_tag(world):
    expected = {
        ("library", "library_entry"): "validity",
        ("metro", "transit_ride"): "transit",
        ("museum", "scenic_entry"): "concession",
        ("hotel", "hotel_checkin"): None,
    }
    for (venue_type, name), profile in expected.items():
        gate = await world.scanner_for(venue_type, [name])
        response = await world.client.get("/api/v1/verify/context", headers=gate)
        assert response.status_code == 200, response.text
        (scenario,) = response.json()["scenarios"]
        assert scenario["name"] == name and scenario["offline_profile"] == profile
        assert scenario["scenario_tag"] == hashlib.sha256(b"yikatong/scenario/" + name.encode()).digest()[:4].hex()


async def test_a_forwarded_code_is_bound_to_its_scenario(world):
    library = await world.scanner_for("library", ["library_entry"])
    metro = await world.scanner_for("metro", ["transit_ride"])
    holder = await world.holder(name="李小龙", transport=True)
    phone = await phone_of(world, holder)
    issued = (await batch(world.client, holder, phone, 6))["credentials"]

    code = phone.code(of_profile(issued, "validity"), "library_entry", now())
    response = await world.verify(library, code, "library_entry")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] == "valid" and body["code_kind"] == "offline"
    # Forwarded online, a library code still discloses only validity: not the masked name the
    # library's online codes show (the wallet promised the holder so when they chose the library).
    assert body["attributes"] == {}
    # The same code at a metro gate: made for another scenario (refused before it could count).
    assert (await world.verify(metro, code, "transit_ride")).json()["result"] == "wrong_scenario"
    # ... and again at the library: the same gate gets its answer back, another one finds it used.
    again = (await world.verify(library, code, "library_entry")).json()
    assert again["result"] == "valid" and again["repeat"] is True
    other_library = await world.scanner_for("library", ["library_entry"])
    assert (await world.verify(other_library, code, "library_entry")).json()["result"] == "replayed"

    # A code for transit_ride made with the validity credential: the profile is not transit's.
    wrong_profile = phone.code(of_profile(issued, "validity"), "transit_ride", now())
    assert (await world.verify(metro, wrong_profile, "transit_ride")).json()["result"] == "wrong_scenario"
    ride = phone.code(of_profile(issued, "transit"), "transit_ride", now())
    response = await world.verify(metro, ride, "transit_ride")
    assert response.json()["result"] == "valid" and response.json()["attributes"]["concession"] == "none"

    # The scans are on the holder's record, as those of any code.
    mine = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    assert {(v["scenario"], v["result"]) for v in mine} >= {
        ("library_entry", "valid"),
        ("transit_ride", "wrong_scenario"),
        ("transit_ride", "valid"),
    }


async def test_a_forwarded_code_of_a_suspended_card_or_unbound_phone_is_refused(world):
    library = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    phone = await phone_of(world, holder)
    issued = (await batch(world.client, holder, phone, 3))["credentials"]
    credential = of_profile(issued, "validity")

    await world.card_action(holder, "report-temp-loss")
    result = (await world.verify(library, phone.code(credential, "library_entry", now()), "library_entry")).json()["result"]
    assert result == "card_suspended"
    await world.card_action(holder, "lift-loss")
    result = (await world.verify(library, phone.code(credential, "library_entry", now() - 1), "library_entry")).json()["result"]
    assert result == "valid"

    response = await world.client.delete(f"/api/v1/me/devices/{phone.device_id}", headers=holder.headers)
    assert response.status_code == 200, response.text
    result = (await world.verify(library, phone.code(credential, "library_entry", now() - 2), "library_entry")).json()["result"]
    assert result == "device_revoked"


async def test_a_code_for_a_scenario_never_offline_is_wrong_scenario(world):
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    phone = await phone_of(world, holder)
    issued = (await batch(world.client, holder, phone, 3))["credentials"]
    code = phone.code(of_profile(issued, "validity"), "hotel_checkin", now())
    assert (await world.verify(hotel, code, "hotel_checkin")).json()["result"] == "wrong_scenario"


async def test_uploaded_results_name_the_credential_and_reach_the_holder(world):
    venue = await world.venue("library", ["library_entry"])
    gate_a, gate_b = await world.scanner(venue), await world.scanner(venue)
    holder = await world.holder()
    phone = await phone_of(world, holder)
    issued = (await batch(world.client, holder, phone, 3))["credentials"]
    credential = of_profile(issued, "validity")
    code_id = v2.code_id_of(phone.code(credential, "library_entry", now() - 60))
    at = dt.datetime.fromtimestamp(now() - 55, dt.UTC).isoformat()
    result = {
        "code_id": code_id,
        "code_kind": "offline",
        "cred_ref": credential["cred_ref"],
        "scenario": "library_entry",
        "result": "valid",
        "verified_at": at,
    }
    first = await world.client.post("/api/v1/verify/offline-results", json={"results": [result]}, headers=gate_a)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 1, "duplicates": 0, "flagged": [], "refused": []}
    mine = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    assert [(v["scenario"], v["offline"], v["double_use"]) for v in mine] == [("library_entry", True, False)]
    # The same code accepted by a second gate: a double use, flagged on the holder's record.
    second = await world.client.post("/api/v1/verify/offline-results", json={"results": [result]}, headers=gate_b)
    assert second.status_code == 200, second.text
    assert second.json()["flagged"] == [code_id]
    mine = (await world.client.get("/api/v1/me/verifications", headers=holder.headers)).json()["items"]
    assert all(v["double_use"] for v in mine) and len(mine) == 2
