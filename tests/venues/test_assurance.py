"""Issue 14: a scenario's minimum proofing level. Hotel check-in needs counter, bank or provider
proofing; a card proven only by a relative gets `assurance_too_low` there, and is still valid
where the lowest usable level is enough."""

import datetime as dt
import secrets

import pytest

from backend.lib import assurance
from tests.venues.helpers import now

pytestmark = pytest.mark.anyio


async def _record(world, holder) -> list[dict]:
    response = await world.client.get("/api/v1/me/verifications", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_hotel_checkin_refuses_a_card_proven_only_by_family(world):
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    await world.prove(holder, assurance.FAMILY, assurance.BY_FAMILY)
    code = world.online_code(holder)
    response = await world.verify(hotel, code, "hotel_checkin")
    assert response.status_code == 200, response.text
    body = response.json()
    # Refused like the other refusals: nothing disclosed, not even the name.
    assert body["result"] == "assurance_too_low"
    assert body["attributes"] == {} and body["concessions"] == []
    assert holder.id_number not in response.text and holder.name not in response.text
    # On the holder's record, with nothing disclosed.
    [entry] = await _record(world, holder)
    assert (entry["result"], entry["scenario"], entry["disclosed"]) == ("assurance_too_low", "hotel_checkin", [])

    # The refusal did not use the code up: once the holder is proven by the bank, the same
    # code checks in, with the full identity number the lodging register needs (Art. 9).
    await world.prove(holder, assurance.REMOTE, assurance.BANK)
    body = (await world.verify(hotel, code, "hotel_checkin")).json()
    assert body["result"] == "valid"
    assert body["attributes"] == {"name": holder.name, "doc_type": "resident_id", "identity_number": holder.id_number}
    assert [i["result"] for i in await _record(world, holder)] == ["valid", "assurance_too_low"]


@pytest.mark.parametrize(("level", "method"), [(assurance.REMOTE, assurance.PROVIDER), (assurance.IN_PERSON, assurance.COUNTER)])
async def test_hotel_checkin_accepts_remote_and_in_person_proofing(world, level, method):
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    await world.prove(holder, level, method)
    body = (await world.verify(hotel, world.online_code(holder), "hotel_checkin")).json()
    assert body["result"] == "valid"
    assert body["attributes"]["identity_number"] == holder.id_number


async def test_a_family_proven_card_still_enters_the_library(world):
    library = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    await world.prove(holder, assurance.FAMILY, assurance.BY_FAMILY)
    body = (await world.verify(library, world.online_code(holder), "library_entry")).json()
    assert body["result"] == "valid" and body["attributes"] == {"masked_name": "张**"}


async def test_a_legacy_ecard_is_family_level(world):
    """E-cards issued before proofing are `legacy` (FAMILY): fine for a library, not for a hotel."""
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    library = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    await world.prove(holder, assurance.FAMILY, assurance.LEGACY)
    assert (await world.verify(hotel, world.online_code(holder), "hotel_checkin")).json()["result"] == "assurance_too_low"
    assert (await world.verify(library, world.online_code(holder), "library_entry")).json()["result"] == "valid"


async def test_an_offline_format_code_checked_online_is_held_to_the_level_too(world):
    """A YKD1 code sent to the server is checked against the card's live row, level included."""
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    device = await world.device(holder)
    await world.prove(holder, assurance.FAMILY, assurance.BY_FAMILY)
    body = (await world.verify(hotel, world.offline_code(device), "hotel_checkin")).json()
    assert (body["result"], body["code_kind"], body["attributes"]) == ("assurance_too_low", "offline", {})
    await world.prove(holder, assurance.IN_PERSON, assurance.COUNTER)
    body = (await world.verify(hotel, world.offline_code(device), "hotel_checkin")).json()
    assert body["result"] == "valid" and body["attributes"]["identity_number"] == holder.id_number


async def test_the_level_is_read_live_not_cached(world):
    """The level comes with the card row every scan reads: a change shows at the next scan."""
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    assert (await world.verify(hotel, world.online_code(holder), "hotel_checkin")).json()["result"] == "valid"
    await world.prove(holder, assurance.FAMILY, assurance.BY_FAMILY)
    assert (await world.verify(hotel, world.online_code(holder), "hotel_checkin")).json()["result"] == "assurance_too_low"


async def test_the_scanner_context_states_levels_and_online_only(world):
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    library = await world.scanner_for("library", ["library_entry"])
    [checkin] = (await world.client.get("/api/v1/verify/context", headers=hotel)).json()["scenarios"]
    [entry] = (await world.client.get("/api/v1/verify/context", headers=library)).json()["scenarios"]
    assert (checkin["min_assurance"], checkin["offline"]) == (assurance.REMOTE, False)
    assert (entry["min_assurance"], entry["offline"]) == (assurance.FAMILY, True)


async def test_offline_results_for_an_online_only_scenario_are_refused(world):
    """Offline credentials do not carry the holder's level, so hotel check-in is online only:
    an offline scanner's result for it is refused like a scenario the venue does not serve."""
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    holder = await world.holder()
    at = now() - 30
    results = [
        {
            "code_id": secrets.token_hex(16),
            "code_kind": "offline",
            "card_ref": holder.card_ref,
            "scenario": "hotel_checkin",
            "result": "valid",
            "verified_at": dt.datetime.fromtimestamp(at, dt.UTC).isoformat(),
        }
    ]
    response = await world.client.post("/api/v1/verify/offline-results", json={"results": results}, headers=hotel)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 0, "duplicates": 0, "flagged": [], "refused": [0]}
    # Tied to no holder: nothing on the holder's record claims the hotel saw them.
    assert await _record(world, holder) == []
