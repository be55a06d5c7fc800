"""One person, several documents, one card (issue 14, section 2): any document finds the person,
a second card for the same person is refused whichever document it is applied with."""

from __future__ import annotations

import pytest

from backend.identity import services as identity
from backend.identity.tables import Person, PersonDocument
from backend.lib.errors import ApiError
from tests.cards import helpers as h
from tests.identity import helpers as d

pytestmark = pytest.mark.anyio


async def _desk(client) -> tuple[dict, dict]:
    """A counter operator and a supervisor of one new city."""
    city = await h.in_app(client, h.city)
    return await h.staff(client, "counter_operator", city_code=city), await h.staff(client, "supervisor", city_code=city)


async def test_hong_kong_resident_second_document_second_card_refused(client):
    """A Hong Kong resident got a card with the travel permit; with the residence permit (which
    prints the travel permit number) they are the same person, and a second card is refused on
    every path: at the counter, online, and at approval."""
    counter, supervisor = await _desk(client)
    travel = d.travel_permit("HK")
    permit = d.residence_permit("HK")
    first = await d.counter_application(client, counter, {"doc_type": travel[0], "id_number": travel[1], "name": "陈大文"})
    card = await d.approve(client, supervisor, first["id"])
    assert card["state"] == "active"

    # At the counter with the residence permit: the same person, who has a live card.
    body = {"doc_type": "hmt_residence_permit", "id_number": permit, "name": "陈大文", "linked_document": d.linked(travel)}
    second = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert second.status_code == 409, second.text
    refused = second.json()["error"]
    assert refused["code"] == "card.already_active" and refused["details"]["reason"] == "card"
    assert "already has a card" in refused["message"] and permit not in second.text and travel[1] not in second.text

    # Online: registering with the residence permit finds the same person (now holding both
    # documents), and the application is refused for the same reason.
    registered = await client.post(
        "/api/v1/accounts",
        json={
            "doc_type": "hmt_residence_permit",
            "id_number": permit,
            "name": "陈大文",
            "password": d.PASSWORD,
            "linked_document": d.linked(travel),
        },
    )
    assert registered.status_code == 201, registered.text
    person_id = registered.json()["person_id"]
    keyring = h.app_keyring(client)
    assert str(await h.in_app(client, identity.find_person_id, keyring, *travel)) == person_id
    assert str(await h.in_app(client, identity.find_person_id, keyring, "hmt_residence_permit", permit)) == person_id
    holder = await d.signed_in(client, travel[0], travel[1])  # either document signs in to the one account
    assert (await client.get("/api/v1/me", headers=holder)).json()["person_id"] == person_id
    holder = await d.signed_in(client, "hmt_residence_permit", permit)
    online = await client.post("/api/v1/me/card/applications", headers=holder, json={"region": counter["city"]})
    assert online.status_code == 409 and online.json()["error"]["code"] == "card.already_active"
    assert online.json()["error"]["details"]["reason"] == "card"
    # A second account for the same person with the other document: refused too.
    again = await client.post(
        "/api/v1/accounts", json={"doc_type": travel[0], "id_number": travel[1], "name": "陈大文", "password": d.PASSWORD}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "account.exists"


async def test_residence_permit_first_then_travel_permit_alone_is_the_same_person(client):
    counter, supervisor = await _desk(client)
    travel = d.travel_permit("MO")
    permit = d.residence_permit("MO")
    body = {"doc_type": "hmt_residence_permit", "id_number": permit, "name": "Chan Tai Man", "linked_document": d.linked(travel)}
    await d.approve(client, supervisor, (await d.counter_application(client, counter, body))["id"])
    second = await client.post(
        "/api/v1/staff/applications",
        headers=counter["headers"],
        json={"doc_type": travel[0], "id_number": travel[1], "name": "CHAN TAI MAN"},
    )
    assert second.status_code == 409 and second.json()["error"]["code"] == "card.already_active"


async def test_a_residence_permit_needs_the_travel_permit_of_its_region(client):
    counter, _ = await _desk(client)
    permit = d.residence_permit("HK")
    base = {"doc_type": "hmt_residence_permit", "id_number": permit, "name": "陈大文"}
    missing = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=base)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "document.linked_required"
    assert missing.json()["error"]["details"]["field"] == "linked_document"
    for wrong in (d.travel_permit("MO"), d.travel_permit("TW")):
        response = await client.post(
            "/api/v1/staff/applications", headers=counter["headers"], json={**base, "linked_document": d.linked(wrong)}
        )
        assert response.status_code == 422 and response.json()["error"]["code"] == "document.linked_wrong_kind", response.text
    bad = await client.post(
        "/api/v1/staff/applications",
        headers=counter["headers"],
        json={**base, "linked_document": {"doc_type": "hk_mo_travel_permit", "id_number": "H123"}},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "document.bad_length"
    assert bad.json()["error"]["details"]["field"] == "linked_document"
    odd = await client.post(
        "/api/v1/accounts",
        json={
            "doc_type": "resident_id",
            "id_number": d.resident_id(),
            "name": "张三",
            "password": d.PASSWORD,
            "linked_document": d.linked(d.travel_permit("HK")),
        },
    )
    assert odd.status_code == 422 and odd.json()["error"]["code"] == "document.linked_not_expected"
    registration = await client.post("/api/v1/accounts", json={**base, "password": d.PASSWORD})
    assert registration.status_code == 422 and registration.json()["error"]["code"] == "document.linked_required"


async def test_foreign_passport_accepted_with_work_permit_and_refused_without(client):
    counter, supervisor = await _desk(client)
    number = d.passport("DEU")
    base = {"doc_type": "foreign_passport", "id_number": number, "name": "Anna Schmidt"}
    without = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=base)
    assert without.status_code == 422 and without.json()["error"]["code"] == "document.work_permit_required"
    bad = await client.post("/api/v1/staff/applications", headers=counter["headers"], json={**base, "work_permit": "12-34"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "document.bad_work_permit"
    permit = d.work_permit()
    application = await d.counter_application(client, counter, {**base, "work_permit": permit})
    assert application["applicant"]["doc_type"] == "foreign_passport" and number not in str(application)
    assert permit not in str(application)
    await d.approve(client, supervisor, application["id"])
    # The same passport again (any work permit): the same person, who has a card.
    again = await client.post(
        "/api/v1/staff/applications", headers=counter["headers"], json={**base, "work_permit": d.work_permit()}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "card.already_active"
    # Registration: the work permit is required there too, and then the account is the card holder's.
    no_permit = await client.post("/api/v1/accounts", json={**base, "password": d.PASSWORD})
    assert no_permit.status_code == 422 and no_permit.json()["error"]["code"] == "document.work_permit_required"
    account = await client.post("/api/v1/accounts", json={**base, "password": d.PASSWORD, "work_permit": permit})
    assert account.status_code == 201 and account.json()["doc_type"] == "foreign_passport"
    assert number not in account.text and account.json()["id_number_masked"].startswith("DE")
    await d.signed_in(client, "foreign_passport", number)


@pytest.mark.parametrize(
    ("number", "code"),
    [("CHN12345678", "document.not_foreign"), ("QQQ12345678", "document.bad_nationality"), ("USA12", "document.bad_length")],
)
async def test_foreign_passport_errors_are_422_with_precise_codes(client, number, code):
    counter, _ = await _desk(client)
    body = {"doc_type": "foreign_passport", "id_number": number, "name": "John Smith", "work_permit": d.work_permit()}
    response = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    wrong = await client.post(
        "/api/v1/staff/applications",
        headers=counter["headers"],
        json={"doc_type": "resident_id", "id_number": d.resident_id(), "name": "张三", "work_permit": d.work_permit()},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "document.work_permit_not_expected"


async def test_documents_of_two_person_records_are_refused_until_merged(client):
    counter, _ = await _desk(client)
    travel = d.travel_permit("HK")
    permit = d.residence_permit("HK")
    keyring = h.app_keyring(client)
    one = await h.in_app(client, identity.register_person, keyring, *travel, "陈大文")
    other = await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", permit, "陈大文")
    assert one != other  # a seeder registered the permit alone: two records of one human
    body = {"doc_type": "hmt_residence_permit", "id_number": permit, "name": "陈大文", "linked_document": d.linked(travel)}
    response = await client.post("/api/v1/staff/applications", headers=counter["headers"], json=body)
    assert response.status_code == 409 and response.json()["error"]["code"] == "person.documents_of_two_persons"


async def test_names_across_documents(client):
    """Latin and Chinese forms may differ between documents; two names in one script may not."""
    keyring = h.app_keyring(client)
    travel = d.travel_permit("HK")
    pid = await h.in_app(client, identity.register_person, keyring, *travel, "CHAN, Tai Man")
    permit = d.residence_permit("HK")
    joined = await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", permit, "陈大文", linked=travel)
    assert joined == pid
    # Both forms are on record now, so either finds the person with either document.
    assert await h.in_app(client, identity.register_person, keyring, *travel, "陈大文") == pid
    assert await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", permit, "chan tai man") == pid
    for name in ("陈小文", "Wong Siu Ming"):
        with pytest.raises(ApiError) as info:
            await h.in_app(client, identity.register_person, keyring, *travel, name)
        assert info.value.code == "person.name_mismatch"
    # A third document in a script already on record must carry a name on record.
    other = d.residence_permit("HK")
    with pytest.raises(ApiError) as info:
        await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", other, "陈小文", linked=travel)
    assert info.value.code == "person.name_mismatch"


async def test_birth_dates_in_two_documents_must_agree(client):
    keyring = h.app_keyring(client)
    travel = d.travel_permit("HK")
    permit = d.residence_permit("HK")
    pid = await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", permit, "陈大文", linked=travel)
    born = await h.in_app(client, identity.get_person, pid)
    assert born["birth_date"] is not None
    # Another residence permit with another birth date, claiming the same travel permit: refused.
    other = d.residence_permit(
        "HK", born=born["birth_date"].replace(year=born["birth_date"].year - 1 if born["birth_date"].month != 2 else 1990)
    )
    with pytest.raises(ApiError) as info:
        await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", other, "陈大文", linked=travel)
    assert info.value.code == "person.details_mismatch"


async def test_existing_persons_are_migrated_into_documents(database, keyring):
    """The data migration copies a person's own document into identity_person_document, once."""
    import importlib

    migration = importlib.import_module("backend.identity.migrations.identity_2026_11_30t12_37_39_000000")
    number = d.resident_id()
    pid = await identity.register_person(keyring, "resident_id", number, "老王")
    # A person from before this change: their document row is missing.
    await PersonDocument.delete().where(PersonDocument.person == pid).run()
    assert await identity.find_person_id(keyring, "resident_id", number) is None
    manager = await migration.forwards()
    for _ in range(2):  # running it again copies nothing twice
        for step in manager.raw:
            await step()
    assert await identity.find_person_id(keyring, "resident_id", number) == pid
    rows = await PersonDocument.select().where(PersonDocument.person == pid).run()
    assert len(rows) == 1 and rows[0]["how"] == "migrated" and rows[0]["id"] == pid
    person = await Person.select().where(Person.id == pid).first().run()
    assert rows[0]["id_blind"] == person["id_blind"] and rows[0]["name"] == "老王"
    docs = await identity.documents_of(keyring, pid)
    assert docs[0].primary and docs[0].id_number_masked == number[:2] + "*" * 14 + number[-2:]


async def test_a_parallel_registration_of_one_new_document_makes_one_person(client):
    counter, _ = await _desk(client)
    permit = d.residence_permit("TW")
    travel = d.travel_permit("TW")
    body = {"doc_type": "hmt_residence_permit", "id_number": permit, "name": "林志明", "linked_document": d.linked(travel)}
    responses = await h.concurrently(
        client, *[("POST", "/api/v1/staff/applications", {"headers": counter["headers"], "json": body}) for _ in range(3)]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409, 409], [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"card.already_active"}
    keyring = h.app_keyring(client)
    assert await h.in_app(client, identity.find_person_id, keyring, *travel) == await h.in_app(
        client, identity.find_person_id, keyring, "hmt_residence_permit", permit
    )
