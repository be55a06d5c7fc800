"""Bad input never gets a 500, always a coded 4xx; identity numbers never come back unmasked."""

from __future__ import annotations

import logging

import pytest

from tests.cards import helpers as h

pytestmark = pytest.mark.anyio
NOBODY = "00000000-0000-4000-8000-000000000000"

CITIZEN_CASES = [
    ("POST", "/api/v1/me/card/applications", {"channel": "counter"}),
    ("POST", "/api/v1/me/card/applications", {"region": "44010"}),
    ("POST", "/api/v1/me/card/applications", {"region": "999999"}),
    ("POST", "/api/v1/me/card/applications", {"bank_code": "icbc"}),
    ("POST", "/api/v1/me/card/applications", {"bank_code": "NOSUCHBANK"}),
    ("POST", "/api/v1/me/card/applications", {"surprise": True}),
    ("POST", "/api/v1/me/card/applications", [1, 2]),
    ("POST", "/api/v1/me/card/actions/report-temp-loss", {"reason": "x" * 501}),
    ("POST", "/api/v1/me/card/actions/report-temp-loss", {"reason": "bell\x07"}),
    ("POST", "/api/v1/me/card/actions/report-temp-loss", {"channel": "counter"}),
    ("POST", "/api/v1/me/card/actions/report_temp_loss", None),
    ("POST", "/api/v1/me/card/actions/%00", None),
    ("POST", "/api/v1/me/card/ecard", {"payment": "yes"}),
    ("POST", "/api/v1/me/card/bank", {}),
    ("POST", "/api/v1/me/card/bank", {"bank_code": None}),
    ("POST", "/api/v1/me/devices", {"label": ""}),
    ("POST", "/api/v1/me/devices", {"label": "phone", "public_key": "not-a-key"}),
    ("POST", "/api/v1/me/devices", {"label": "phone", "public_key": "A" * 43}),
    ("POST", "/api/v1/me/devices", {"label": "x" * 65}),
    ("DELETE", "/api/v1/me/devices/not-a-uuid", None),
    ("DELETE", f"/api/v1/me/devices/{NOBODY}", None),
    ("GET", "/api/v1/me/card/events?limit=0", None),
    ("GET", "/api/v1/me/card/events?limit=abc", None),
    ("GET", "/api/v1/me/card/events?offset=-1", None),
    ("POST", "/api/v1/staff/cards/lookup", {"doc_type": "resident_id", "id_number": "1"}),
]


async def test_citizen_routes_answer_bad_input_with_coded_4xx(client):
    holder = await h.citizen(client)
    for method, url, body in CITIZEN_CASES:
        response = await client.request(method, url, headers=holder["headers"], json=body)
        assert 400 <= response.status_code < 500, (method, url, body, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] and error["message"], (url, response.text)


async def test_raw_bodies_that_are_not_json(client):
    holder = await h.citizen(client)
    headers = {**holder["headers"], "Content-Type": "application/json"}
    for raw in [b"{", b"\xff\xfe", b'{"channel": "web",}', b"null", b"x" * 70_000]:
        response = await client.post("/api/v1/me/card/applications", headers=headers, content=raw)
        assert 400 <= response.status_code < 500 and response.json()["error"]["code"], (raw[:10], response.text)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("44010619900101123X", "document.bad_checksum"),
        ("4401061990010112", "document.bad_length"),
        ("44010619901301123X", "document.bad_birth_date"),
        ("ABC", "document.bad_characters"),
    ],
)
async def test_bad_documents_at_the_counter_are_422_and_never_echoed(client, caplog, number, code):
    counter = await h.staff(client, "counter_operator")
    caplog.set_level(logging.DEBUG)
    body = {"doc_type": "resident_id", "id_number": number, "name": "张三"}
    for url in ("/api/v1/staff/applications", "/api/v1/staff/cards/lookup"):
        response = await client.post(
            url,
            headers=counter["headers"],
            json=body if url.endswith("applications") else {"doc_type": "resident_id", "id_number": number},
        )
        assert response.status_code == 422 and response.json()["error"]["code"] == code, response.text
        assert number not in response.text
    unknown = await client.post("/api/v1/staff/applications", headers=counter["headers"], json={**body, "doc_type": "passport"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "document.unknown_type"
    assert number not in caplog.text


async def test_staff_routes_answer_bad_input_with_coded_4xx(client):
    counter = await h.staff(client, "counter_operator")
    supervisor = await h.staff(client, "supervisor")
    cases = [
        (
            counter,
            "POST",
            "/api/v1/staff/applications",
            {"doc_type": "resident_id", "id_number": h.new_id_number(), "name": "\x00"},
        ),
        (
            counter,
            "POST",
            "/api/v1/staff/applications",
            {"doc_type": "resident_id", "id_number": h.new_id_number(), "name": "张", "channel": "web"},
        ),
        (counter, "POST", "/api/v1/staff/applications", {"doc_type": "resident_id", "id_number": "1" * 40, "name": "张"}),
        (counter, "POST", "/api/v1/staff/applications", {"doc_type": "resident_id", "name": "张"}),
        (counter, "POST", "/api/v1/staff/cards/lookup", {"doc_type": "resident_id", "id_number": h.new_id_number()}),
        (counter, "POST", f"/api/v1/staff/cards/{NOBODY}/actions/lock", None),
        (counter, "POST", "/api/v1/staff/cards/123/actions/cancel", None),
        (counter, "POST", f"/api/v1/staff/cards/{NOBODY}/actions/cancel", {"channel": "mobile"}),
        (supervisor, "POST", f"/api/v1/staff/applications/{NOBODY}/approve", None),
        (supervisor, "POST", f"/api/v1/staff/applications/{NOBODY}/reject", {"reason": "no such thing"}),
        (supervisor, "POST", f"/api/v1/staff/applications/{NOBODY}/approve", {"bank_code": 5}),
        (supervisor, "GET", "/api/v1/staff/applications?status=open", None),
        (supervisor, "GET", "/api/v1/staff/applications?region=abc", None),
        (supervisor, "GET", "/api/v1/staff/applications?limit=1000", None),
        (supervisor, "POST", "/api/v1/me/card/applications", {}),
    ]
    for who, method, url, body in cases:
        response = await client.request(method, url, headers=who["headers"], json=body)
        assert 400 <= response.status_code < 500, (url, body, response.status_code, response.text)
        assert response.json()["error"]["code"], response.text
    unknown_person = await client.post(
        "/api/v1/staff/cards/lookup", headers=counter["headers"], json={"doc_type": "resident_id", "id_number": h.new_id_number()}
    )
    assert unknown_person.json()["error"]["code"] == "person.not_found"


async def test_anonymous_and_wrong_roles(client):
    holder = await h.citizen(client)
    for method, url in [
        ("GET", "/api/v1/me/card"),
        ("POST", "/api/v1/me/card/reveal"),
        ("POST", "/api/v1/staff/cards/lookup"),
        ("GET", "/api/v1/me/devices"),
        ("POST", "/api/v1/banks"),
    ]:
        anonymous = await client.request(method, url, json={})
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "auth.required"
    wrong = await client.post(
        "/api/v1/staff/cards/lookup",
        headers=holder["headers"],
        json={"doc_type": "resident_id", "id_number": holder["id_number"]},
    )
    assert wrong.status_code == 403 and holder["id_number"] not in wrong.text
    assert (await client.get("/api/v1/banks?status=gone")).status_code == 400
