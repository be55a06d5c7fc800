"""Registration and password sign-in on both backends, with precise answers to bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from backend.accounts import passwords
from backend.accounts.tables import Account
from backend.identity.documents import check_digit, make_resident_id, mask
from tests.accounts.helpers import PASSWORD, bearer, concurrently, in_app, login, new_id_number, register

pytestmark = pytest.mark.anyio

GOOD = make_resident_id("440106", dt.date(1990, 1, 1), 123)
WRONG_CHECK = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")


async def _hash_of(client, account_id: str) -> str:
    row = await in_app(client, Account.select(Account.password_hash).where(Account.id == account_id).first().run)
    return row["password_hash"]


async def test_register_then_login_and_me(client):
    id_number, response = await register(client, name=" 李  四 ")
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["name"] == "李 四"
    assert account["id_number_masked"] == mask(id_number)
    assert account["totp_enabled"] is False
    stored = await _hash_of(client, account["id"])
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    response = await login(client, id_number, client_label="My phone")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"].startswith("yks_") and len(body["token"]) == 4 + 43
    assert body["account"]["id"] == account["id"]
    assert response.headers["cache-control"] == "no-store"

    me = await client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["id_number_masked"] == mask(id_number)
    assert id_number not in me.text and id_number not in response.text

    # Lower-case check letter and surrounding blanks name the same person.
    _, again = await register(client, f" {id_number.lower()} ", password="another long password")
    assert again.status_code == 409 and again.json()["error"]["code"] == "account.exists"
    _, renamed = await register(client, id_number, name="赵六")
    assert renamed.status_code == 409 and renamed.json()["error"]["code"] in ("account.exists", "person.name_mismatch")


async def test_login_rehashes_when_parameters_change(client, monkeypatch):
    id_number, response = await register(client)
    account_id = response.json()["id"]
    old = await _hash_of(client, account_id)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", stronger)
    assert (await login(client, id_number)).status_code == 200
    new = await _hash_of(client, account_id)
    assert new != old and "m=2048,t=2,p=1" in new and not stronger.check_needs_rehash(new)
    assert (await login(client, id_number)).status_code == 200
    assert await _hash_of(client, account_id) == new  # no needless rehash


def test_production_parameters_are_memory_hard(monkeypatch):
    """Outside the tests the hasher is RFC 9106's Argon2id profile (64 MiB, t=3, p=4)."""
    monkeypatch.undo()  # drop the fast hasher the test fixture put in
    fresh = passwords.hasher
    assert (fresh.memory_cost, fresh.time_cost, fresh.parallelism) == (65536, 3, 4)
    assert fresh.type.name == "ID"


async def test_concurrent_registrations_make_one_account(client):
    body = {"doc_type": "resident_id", "id_number": new_id_number(), "name": "张三", "password": PASSWORD}
    responses = await concurrently(client, *[("POST", "/api/v1/accounts", {"json": body})] * 4)
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"account.exists"}


BAD_NUMBERS = [
    (WRONG_CHECK, "document.bad_checksum"),
    (GOOD[:-1], "document.bad_length"),
    (GOOD[:15] + "X" + GOOD[16:], "document.bad_characters"),
    ("44010619901301123" + check_digit("44010619901301123"), "document.bad_birth_date"),
    ("990106199001011234", "document.bad_region"),
    ("4401061990０1011234", "document.bad_characters"),  # a full-width digit
    ("   ", "document.empty"),
    ("", "request.invalid"),
]


async def test_bad_document_numbers_have_precise_codes(client):
    for id_number, code in BAD_NUMBERS:
        _, response = await register(client, id_number)
        assert response.status_code in (400, 422), (id_number, response.text)
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["message"]
    response = await client.post(
        "/api/v1/accounts", json={"doc_type": "passport", "id_number": GOOD, "name": "A", "password": PASSWORD}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "document.unknown_type"
    response = await login(client, WRONG_CHECK)
    assert response.status_code == 422 and response.json()["error"]["code"] == "document.bad_checksum"


async def test_password_and_name_policy(client):
    id_number = new_id_number()
    _, short = await register(client, id_number, password="short")
    assert short.status_code == 400 and short.json()["error"]["code"] == "request.invalid"
    _, with_id = await register(client, id_number, password=f"pw-{id_number.lower()}!")
    assert with_id.status_code == 422
    assert with_id.json()["error"]["code"] == "password.contains_id_number"
    assert id_number not in with_id.text
    _, blank = await register(client, name="   ")
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "account.bad_name"


MALFORMED = [
    (
        {"doc_type": "resident_id", "id_number": "x", "name": "A", "password": PASSWORD, "admin": True},
        "request.unknown_field",
    ),
    ({"doc_type": "resident_id", "id_number": 440106, "name": "A", "password": PASSWORD}, "request.invalid"),
    ({"doc_type": "resident_id", "name": "A", "password": PASSWORD}, "request.invalid"),
    ({"doc_type": "resident_id", "id_number": "x" * 33, "name": "A", "password": PASSWORD}, "request.invalid"),
    ({"doc_type": "resident_id", "id_number": GOOD, "name": "A" * 129, "password": PASSWORD}, "request.invalid"),
    ({"doc_type": None, "id_number": GOOD, "name": "A", "password": PASSWORD}, "request.invalid"),
    ([1, 2, 3], "request.invalid"),
    ("a string", "request.invalid"),
]


async def test_malformed_registration_bodies(client):
    for body, code in MALFORMED:
        response = await client.post("/api/v1/accounts", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["code"] == code
    broken = await client.post("/api/v1/accounts", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] in ("request.bad_encoding", "request.invalid")


async def test_wrong_password_and_unknown_person_look_the_same(client):
    id_number, _ = await register(client)
    wrong = await login(client, id_number, "not the password")
    unknown = await login(client, new_id_number())
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]
    assert wrong.json()["error"]["code"] == "auth.bad_credentials"


async def test_bad_login_bodies(client):
    id_number, _ = await register(client)
    cases = [
        ({"totp": "12ab56"}, 400, "request.invalid"),
        ({"totp": "1234567"}, 400, "request.invalid"),
        ({"totp": "123456", "recovery_code": "aaaa-bbbb-cccc-dddd"}, 422, "auth.two_second_factors"),
        ({"remember": True}, 400, "request.unknown_field"),
        ({"client_label": "x" * 65}, 400, "request.invalid"),
        ({"password": ""}, 400, "request.invalid"),
    ]
    for extra, status, code in cases:
        response = await login(client, id_number, **extra)
        assert response.status_code == status, (extra, response.text)
        assert response.json()["error"]["code"] == code
