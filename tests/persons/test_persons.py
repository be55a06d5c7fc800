"""Staff link a document to a person and merge two records of one person, keeping the history of both."""

from __future__ import annotations

import uuid

import pytest

from backend.identity import services as identity
from tests.accounts import helpers as ah
from tests.cards import helpers as h
from tests.identity import helpers as d

pytestmark = pytest.mark.anyio
PERSONS = "/api/v1/staff/persons"


async def _desk(client) -> tuple[dict, dict]:
    city = await h.in_app(client, h.city)
    return await h.staff(client, "counter_operator", city_code=city), await h.staff(client, "supervisor", city_code=city)


async def _lookup(client, staff: dict, doc_type: str, number: str) -> dict:
    response = await client.post(f"{PERSONS}/lookup", headers=staff["headers"], json={"doc_type": doc_type, "id_number": number})
    assert response.status_code == 200, response.text
    return response.json()


async def _operator_entries(client, person_id: str) -> list[dict]:
    admin = await h.staff(client, "provincial_operator")
    response = await client.get(f"/api/v1/audit/access-records?person_id={person_id}&limit=200", headers=admin["headers"])
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_documents_are_listed_masked_and_the_read_is_recorded(client):
    counter, _ = await _desk(client)
    travel = d.travel_permit("HK")
    permit = d.residence_permit("HK")
    body = {"doc_type": "hmt_residence_permit", "id_number": permit, "name": "陈大文", "linked_document": d.linked(travel)}
    await d.counter_application(client, counter, body)
    found = await _lookup(client, counter, *travel)
    assert found["name"] == "陈大文" and found["has_open_application"] and not found["has_live_card"]
    kinds = [(doc["doc_type"], doc["primary"]) for doc in found["documents"]]
    assert kinds == [("hmt_residence_permit", True), ("hk_mo_travel_permit", False)]
    listed = await client.get(f"{PERSONS}/{found['id']}/documents", headers=counter["headers"])
    assert listed.status_code == 200 and [doc["id"] for doc in listed.json()] == [doc["id"] for doc in found["documents"]]
    for response in (listed,):
        assert permit not in response.text and travel[1] not in response.text and travel[1][1:] not in response.text
    assert listed.json()[1]["id_number_masked"] == travel[1][:2] + "*" * (len(travel[1]) - 4) + travel[1][-2:]
    actions = [entry["action"] for entry in await _operator_entries(client, found["id"])]
    assert "person.lookup" in actions and "person.documents" in actions
    missing = await client.post(
        f"{PERSONS}/lookup", headers=counter["headers"], json={"doc_type": "resident_id", "id_number": d.resident_id()}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "person.not_found"


async def test_counter_links_a_passport_and_the_second_card_is_refused(client):
    counter, supervisor = await _desk(client)
    number = d.resident_id()
    application = await d.counter_application(client, counter, {"doc_type": "resident_id", "id_number": number, "name": "王小明"})
    await d.approve(client, supervisor, application["id"])
    person = await _lookup(client, counter, "resident_id", number)
    passport = d.passport("GBR")
    link = {"doc_type": "foreign_passport", "id_number": passport, "name": "Wang Xiaoming"}
    without = await client.post(f"{PERSONS}/{person['id']}/documents", headers=counter["headers"], json=link)
    assert without.status_code == 422 and without.json()["error"]["code"] == "document.work_permit_required"
    linked = await client.post(
        f"{PERSONS}/{person['id']}/documents", headers=counter["headers"], json={**link, "work_permit": d.work_permit()}
    )
    assert linked.status_code == 201, linked.text
    added = linked.json()
    assert added["how"] == "linked" and added["added_by"] and added["added_office"] == counter["office_id"]
    assert added["has_work_permit"] and passport not in linked.text
    assert (await _lookup(client, counter, "foreign_passport", passport))["id"] == person["id"]
    second = await client.post(
        "/api/v1/staff/applications",
        headers=counter["headers"],
        json={**link, "work_permit": d.work_permit()},
    )
    assert second.status_code == 409 and second.json()["error"]["code"] == "card.already_active"
    twice = await client.post(
        f"{PERSONS}/{person['id']}/documents", headers=counter["headers"], json={**link, "work_permit": d.work_permit()}
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "person.document_already_linked"
    assert "person.link_document" in [entry["action"] for entry in await _operator_entries(client, person["id"])]


async def test_linking_refusals(client):
    counter, _ = await _desk(client)
    keyring = h.app_keyring(client)
    mine, theirs = d.resident_id(), d.travel_permit("HK")
    pid = await h.in_app(client, identity.register_person, keyring, "resident_id", mine, "李四")
    other = await h.in_app(client, identity.register_person, keyring, *theirs, "李四")
    taken = await client.post(
        f"{PERSONS}/{pid}/documents",
        headers=counter["headers"],
        json={"doc_type": theirs[0], "id_number": theirs[1], "name": "李四"},
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "person.document_taken"
    assert taken.json()["error"]["details"]["other_person_id"] == str(other)
    renamed = await client.post(
        f"{PERSONS}/{pid}/documents",
        headers=counter["headers"],
        json={"doc_type": "hk_mo_travel_permit", "id_number": d.travel_permit("HK")[1], "name": "王五"},
    )
    assert renamed.status_code == 409 and renamed.json()["error"]["code"] == "person.name_mismatch"
    latin = await client.post(
        f"{PERSONS}/{pid}/documents",
        headers=counter["headers"],
        json={"doc_type": "hk_mo_travel_permit", "id_number": d.travel_permit("HK")[1], "name": "LI Si"},
    )
    assert latin.status_code == 201, latin.text  # the Latin form of the name joins once
    nobody = await client.post(
        f"{PERSONS}/{uuid.uuid4()}/documents",
        headers=counter["headers"],
        json={"doc_type": "hk_mo_travel_permit", "id_number": d.travel_permit("HK")[1], "name": "李四"},
    )
    assert nobody.status_code == 404 and nobody.json()["error"]["code"] == "person.not_found"


async def test_merge_keeps_the_history_of_both_and_the_holder_sees_it(client):
    counter, supervisor = await _desk(client)
    keyring = h.app_keyring(client)
    travel = d.travel_permit("HK")
    permit = d.residence_permit("HK")
    # Record A: the travel permit, an account and a live card.
    await d.approve(
        client,
        supervisor,
        (await d.counter_application(client, counter, {"doc_type": travel[0], "id_number": travel[1], "name": "陈大文"}))["id"],
    )
    registered = await client.post(
        "/api/v1/accounts", json={"doc_type": travel[0], "id_number": travel[1], "name": "陈大文", "password": d.PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    survivor = registered.json()["person_id"]
    await ah.prove(client, registered.json()["id"])  # a proven holder sees everything filed for their person
    # Record B: the residence permit alone (registered before the two were known to be one), with
    # an application waiting and an entry on its access record.
    absorbed = str(await h.in_app(client, identity.register_person, keyring, "hmt_residence_permit", permit, "陈大文"))
    assert absorbed != survivor
    app_b = await h.in_app(client, _apply_for, uuid.UUID(absorbed), counter)
    await _lookup(client, counter, "hmt_residence_permit", permit)  # an access to B's data

    merged = await client.post(
        f"{PERSONS}/merges",
        headers=supervisor["headers"],
        json={"survivor": survivor, "absorbed": absorbed, "reason": "Same photo; the residence permit prints the travel permit"},
    )
    assert merged.status_code == 201, merged.text
    out = merged.json()
    assert out["survivor"]["id"] == survivor and out["absorbed"] == absorbed and out["office"] == supervisor["office_id"]
    assert out["moved"]["documents"] == 1 and out["moved"]["applications"] == 1 and out["moved"]["accounts"] == 0
    assert out["survivor"]["merged_from"] == [absorbed] and len(out["survivor"]["documents"]) == 2
    moved = [doc for doc in out["survivor"]["documents"] if doc["merged_from"] == absorbed]
    assert [doc["doc_type"] for doc in moved] == ["hmt_residence_permit"] and permit not in merged.text

    # Every document finds the survivor; the absorbed record is kept and says where it went.
    assert str(await h.in_app(client, identity.find_person_id, keyring, "hmt_residence_permit", permit)) == survivor
    kept = await client.get(f"{PERSONS}/{absorbed}", headers=counter["headers"])
    assert kept.status_code == 200 and kept.json()["merged_into"] == survivor

    # The holder sees the history of both: B's application and B's access record entries.
    holder = await d.signed_in(client, *travel)
    history = (await client.get("/api/v1/me/card/applications", headers=holder)).json()
    assert app_b in [a["id"] for a in history]
    record = await client.get("/api/v1/me/access-records?limit=200", headers=holder)
    assert record.status_code == 200, record.text
    actions = [entry["action"] for entry in record.json()["items"]]
    assert actions.count("person.merge") == 2 and "person.lookup" in actions  # both records' merge entries, B's lookup

    # The approval path: B's application is now the survivor's, who has a live card.
    approve = await client.post(
        f"/api/v1/staff/applications/{app_b}/approve",
        headers=supervisor["headers"],
        json={"bank_code": await h.in_app(client, h.bank)},
    )
    assert approve.status_code == 409 and approve.json()["error"]["code"] == "card.already_active"

    again = await client.post(
        f"{PERSONS}/merges", headers=supervisor["headers"], json={"survivor": survivor, "absorbed": absorbed, "reason": "again"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "person.merged"
    linking = await client.post(
        f"{PERSONS}/{absorbed}/documents",
        headers=counter["headers"],
        json={"doc_type": "resident_id", "id_number": d.resident_id(), "name": "陈大文"},
    )
    assert linking.status_code == 409 and linking.json()["error"]["code"] == "person.merged"


async def _apply_for(person_id: uuid.UUID, counter: dict) -> str:
    from backend.cards.access import Actor
    from backend.cards.applications import apply

    actor = Actor(kind="staff", id="test-staff", channel="counter", office_id=uuid.UUID(counter["office_id"]))
    row = await apply(actor, person_id=person_id, region=counter["city"])
    return str(row.id)


async def test_merge_refusals(client):
    counter, supervisor = await _desk(client)
    keyring = h.app_keyring(client)

    async def carded() -> str:
        number = d.resident_id()
        application = await d.counter_application(
            client, counter, {"doc_type": "resident_id", "id_number": number, "name": "赵六"}
        )
        await d.approve(client, supervisor, application["id"])
        return (await _lookup(client, counter, "resident_id", number))["id"]

    async def merge(survivor, absorbed, who=supervisor):
        return await client.post(
            f"{PERSONS}/merges",
            headers=who["headers"],
            json={"survivor": str(survivor), "absorbed": str(absorbed), "reason": "one person"},
        )

    both_cards = await merge(await carded(), await carded())
    assert both_cards.status_code == 409 and both_cards.json()["error"]["code"] == "persons.both_have_cards"
    one = await client.post(
        "/api/v1/accounts",
        json={"doc_type": "resident_id", "id_number": (a := d.resident_id()), "name": "孙七", "password": d.PASSWORD},
    )
    two = await client.post(
        "/api/v1/accounts", json={"doc_type": "resident_id", "id_number": d.resident_id(), "name": "孙七", "password": d.PASSWORD}
    )
    both_accounts = await merge(one.json()["person_id"], two.json()["person_id"])
    assert both_accounts.status_code == 409 and both_accounts.json()["error"]["code"] == "persons.both_have_accounts"
    same = await merge(one.json()["person_id"], one.json()["person_id"])
    assert same.status_code == 422 and same.json()["error"]["code"] == "persons.same_person"
    unknown = await merge(one.json()["person_id"], uuid.uuid4())
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "person.not_found"
    counter_may_not = await merge(one.json()["person_id"], two.json()["person_id"], counter)
    assert counter_may_not.status_code == 403 and counter_may_not.json()["error"]["code"] == "auth.wrong_role"
    # Nothing moved on a refusal.
    assert str(await h.in_app(client, identity.find_person_id, keyring, "resident_id", a)) == one.json()["person_id"]


async def test_only_staff_use_these_routes(client):
    scanner = await d.machine(client, "scanner")
    agency = await d.machine(client, "agency")
    holder = await h.citizen(client)
    pid = holder["person_id"]
    calls = [
        ("POST", f"{PERSONS}/lookup", {"doc_type": "resident_id", "id_number": holder["id_number"]}),
        ("GET", f"{PERSONS}/{pid}", None),
        ("GET", f"{PERSONS}/{pid}/documents", None),
        ("POST", f"{PERSONS}/{pid}/documents", {"doc_type": "hk_mo_travel_permit", "id_number": "H12345678", "name": "张三"}),
        ("POST", f"{PERSONS}/merges", {"survivor": pid, "absorbed": str(uuid.uuid4()), "reason": "test"}),
    ]
    for headers in (scanner, agency, holder["headers"]):
        for method, url, body in calls:
            response = await client.request(method, url, headers=headers, json=body)
            assert response.status_code == 403 and response.json()["error"]["code"] == "auth.wrong_role", (url, response.text)
            assert holder["id_number"] not in response.text
    for method, url, body in calls:
        response = await client.request(method, url, json=body)
        assert response.status_code == 401
    provincial = await h.staff(client, "provincial_operator")
    response = await client.request("POST", calls[3][1], headers=provincial["headers"], json=calls[3][2])
    assert response.status_code == 403  # linking is counter work: a counter operator or supervisor


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", f"{PERSONS}/not-a-uuid/documents", None, 404),
        ("POST", f"{PERSONS}/lookup", {"doc_type": "resident_id"}, 400),
        ("POST", f"{PERSONS}/lookup", {"doc_type": "resident_id", "id_number": "1", "extra": 1}, 400),
        ("POST", f"{PERSONS}/lookup", {"doc_type": "passport", "id_number": "X1234567"}, 422),
        ("POST", f"{PERSONS}/lookup", {"doc_type": "resident_id", "id_number": "1" * 18}, 422),
        ("POST", f"{PERSONS}/merges", {"survivor": "x", "absorbed": "y", "reason": "r r"}, 400),
        ("POST", f"{PERSONS}/merges", {"survivor": str(uuid.uuid4()), "absorbed": str(uuid.uuid4()), "reason": ""}, 400),
        (
            "POST",
            f"{PERSONS}/merges",
            {"survivor": str(uuid.uuid4()), "absorbed": str(uuid.uuid4()), "reason": "two\nlines"},
            400,
        ),
    ],
)
async def test_bad_input_is_a_4xx(client, method, path, body, status):
    supervisor = await h.staff(client, "supervisor")
    response = await client.request(method, path, headers=supervisor["headers"], json=body)
    assert response.status_code == status, response.text
