"""Linked certificates at venues: concessions only where the scenario shows them, and a certificate shown with the card."""

import pytest

from tests.certificates.helpers import DISABLED, LICENCE, TRAFFIC

pytestmark = pytest.mark.anyio


async def test_concessions_appear_for_the_right_scenarios_and_nowhere_else(world):
    federation = await world.seeded(DISABLED)
    holder = await world.holder(transport=True)
    cert = await world.issue(federation, holder, "disability_certificate", {"category": "physical", "grade": 2})
    scenic = await world.scanner_for("scenic_spot", ["scenic_entry"])
    metro = await world.scanner_for("metro", ["transit_ride"])
    hotel = await world.scanner_for("hotel", ["hotel_checkin"])
    counter = await world.scanner_for("service_counter", ["counter_service"])

    body = (await world.verify(scenic, world.online_code(holder), "scenic_entry")).json()
    assert body["result"] == "valid"
    assert set(body["concessions"]) == {"disability", "scenic_discount"}
    assert set(body["attributes"]["concessions"]) == {"disability", "scenic_discount"}
    assert "certificate" not in body["attributes"] and "physical" not in str(body)  # never the certificate itself

    body = (await world.verify(metro, world.online_code(holder), "transit_ride")).json()
    assert body["concessions"] == ["disability"] and body["attributes"]["concession"] == "disability"

    for scanner, scenario in ((hotel, "hotel_checkin"), (counter, "counter_service")):
        body = (await world.verify(scanner, world.online_code(holder), scenario)).json()
        assert body["result"] == "valid" and body["concessions"] == []
        assert "concession" not in body["attributes"] and "concessions" not in body["attributes"]

    # Suspension takes effect for the very next scan.
    response = await world.client.post(
        f"/api/v1/agency/certificates/{cert['id']}/actions/suspend", json={"reason": "Review of the grade"}, headers=federation
    )
    assert response.status_code == 200
    body = (await world.verify(scenic, world.online_code(holder), "scenic_entry")).json()
    assert body["result"] == "valid" and body["concessions"] == []


async def test_holder_shows_a_certificate_with_the_card(world):
    police = await world.seeded(TRAFFIC)
    holder = await world.holder(name="李四")
    cert = await world.issue(police, holder, "driving_licence", LICENCE)
    counter = await world.scanner_for("service_counter", ["certificate_check"])

    response = await world.client.post(f"/api/v1/me/certificates/{cert['id']}/code", headers=holder.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    shown = await world.verify(counter, response.json()["code"], "certificate_check")
    body = shown.json()
    assert body["result"] == "valid", body
    assert body["attributes"]["name"] == "李四" and body["attributes"]["card_valid"] is True
    certificate = body["attributes"]["certificate"]
    assert certificate["type"] == "driving_licence" and certificate["status"] == "active"
    assert certificate["fields"] == {"licence_class": "C1", "first_issued": "2015-06-01"}  # points are not for venues
    assert holder.id_number not in str(body) and body["concessions"] == []

    # A plain code shows no certificate; someone else's certificate cannot be shown.
    plain = (await world.verify(counter, world.online_code(holder), "certificate_check")).json()
    assert plain["result"] == "valid" and "certificate" not in plain["attributes"]
    other = await world.holder()
    response = await world.client.post(f"/api/v1/me/certificates/{cert['id']}/code", headers=other.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "certificate.not_found"

    records = await world.records(holder)
    seen = next(r for r in records if r["action"] == "verification" and "certificate.driving_licence.status" in r["fields"])
    assert seen["actor_kind"] == "venue" and seen["basis_kind"] == "scenario"
    assert "certificate.driving_licence.licence_class" in seen["fields"]
    assert "certificate.driving_licence.points" not in seen["fields"]
    assert sum(r["action"] == "verification" for r in records) == 2  # both scans disclosed personal data


async def test_offline_credential_carries_certificate_concessions(world):
    """Offline gates see only the credential's flags: a disability certificate must reach them."""
    from backend.codes import format as fmt

    federation = await world.seeded(DISABLED)
    holder = await world.holder(transport=True)
    before = fmt.parse_credential((await world.device(holder)).credential).flags
    assert not before & fmt.Flags.DISABILITY and before & fmt.Flags.TRANSPORT
    await world.issue(federation, holder, "disability_certificate", {"category": "physical", "grade": 2})
    after = fmt.parse_credential((await world.device(holder)).credential).flags
    assert after & fmt.Flags.DISABILITY and after & fmt.Flags.TRANSPORT and not after & fmt.Flags.VETERAN
