"""Staff: sign-in, creation by provincial operators only, listing by city, deactivation, TOTP."""

from __future__ import annotations

import time
import uuid

import pyotp
import pytest

from backend.lib.auth import COUNTER, PROVINCIAL, SUPERVISOR
from tests.accounts.helpers import PASSWORD, bearer, citizen, office, staff

pytestmark = pytest.mark.anyio


def _new_staff(office_id: str, role: str = COUNTER, username: str | None = None) -> dict:
    return {
        "username": username or f"n{uuid.uuid4().hex[:10]}",
        "name": "新 员工",
        "role": role,
        "office_id": office_id,
        "password": PASSWORD,
    }


async def test_staff_sign_in_and_principal(client):
    member = await staff(client, SUPERVISOR)
    code = pyotp.TOTP(member["totp_secret"]).at(time.time() + 30)  # the helper's enrolment used this step's
    response = await client.post(
        "/api/v1/auth/staff/login", json={"username": member["username"].upper(), "password": PASSWORD, "totp": code}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("yks_")
    assert body["staff"]["role"] == SUPERVISOR and body["staff"]["city"] == member["city"]
    sessions = await client.get("/api/v1/me/sessions", headers=bearer(body["token"]))
    assert sessions.status_code == 200 and all(s["kind"] == "staff" for s in sessions.json())
    not_citizen = await client.get("/api/v1/me", headers=bearer(body["token"]))
    assert not_citizen.status_code == 403 and not_citizen.json()["error"]["code"] == "auth.wrong_role"
    wrong = await client.post("/api/v1/auth/staff/login", json={"username": member["username"], "password": "wrong password"})
    unknown = await client.post("/api/v1/auth/staff/login", json={"username": "nobody-here", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]


async def test_only_provincial_operators_create_staff(client):
    admin = await staff(client, PROVINCIAL)
    office_id, city = await office(client)
    created = await client.post("/api/v1/staff", json=_new_staff(office_id), headers=bearer(admin["token"]))
    assert created.status_code == 201, created.text
    assert created.json()["city"] == city and created.json()["active"] is True
    assert "password" not in created.text and "hash" not in created.text

    duplicate = await client.post(
        "/api/v1/staff", json=_new_staff(office_id, username=created.json()["username"]), headers=bearer(admin["token"])
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "staff.exists"
    no_office = await client.post("/api/v1/staff", json=_new_staff(str(uuid.uuid4())), headers=bearer(admin["token"]))
    assert no_office.status_code == 422 and no_office.json()["error"]["code"] == "staff.unknown_office"
    bad_role = await client.post("/api/v1/staff", json={**_new_staff(office_id), "role": "root"}, headers=bearer(admin["token"]))
    assert bad_role.status_code == 400
    extra = await client.post("/api/v1/staff", json={**_new_staff(office_id), "active": False}, headers=bearer(admin["token"]))
    assert extra.status_code == 400 and extra.json()["error"]["code"] == "request.unknown_field"

    for role in (COUNTER, SUPERVISOR):
        other = await staff(client, role)
        refused = await client.post("/api/v1/staff", json=_new_staff(office_id), headers=bearer(other["token"]))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "auth.not_permitted" and "staff.manage" in refused.json()["error"]["message"]
    _, citizen_token = await citizen(client)
    assert (await client.post("/api/v1/staff", json=_new_staff(office_id), headers=bearer(citizen_token))).status_code == 403
    assert (await client.post("/api/v1/staff", json=_new_staff(office_id))).status_code == 401


async def test_supervisors_list_their_own_city(client):
    supervisor = await staff(client, SUPERVISOR)
    colleague = await staff(client, COUNTER, city_code=supervisor["city"])
    elsewhere = await staff(client, COUNTER)
    listed = await client.get("/api/v1/staff", params={"limit": 500}, headers=bearer(supervisor["token"]))
    assert listed.status_code == 200
    names = {row["username"] for row in listed.json()}
    assert {supervisor["username"], colleague["username"]} <= names and elsewhere["username"] not in names
    assert {row["city"] for row in listed.json()} == {supervisor["city"]}

    admin = await staff(client, PROVINCIAL)
    everyone = await client.get("/api/v1/staff", params={"limit": 500}, headers=bearer(admin["token"]))
    cities = {row["city"] for row in everyone.json()}
    assert {supervisor["city"], elsewhere["city"]} <= cities or len(everyone.json()) == 500
    assert (await client.get("/api/v1/staff", headers=bearer(colleague["token"]))).status_code == 403
    assert (await client.get("/api/v1/staff", params={"limit": 0}, headers=bearer(admin["token"]))).status_code == 400


async def test_deactivated_staff_are_out_at_once(client):
    admin = await staff(client, PROVINCIAL)
    member = await staff(client, COUNTER)
    response = await client.post(f"/api/v1/staff/{member['id']}/deactivate", headers=bearer(admin["token"]))
    assert response.status_code == 200 and response.json()["active"] is False
    assert (await client.get("/api/v1/me/sessions", headers=bearer(member["token"]))).status_code == 401
    login = await client.post("/api/v1/auth/staff/login", json={"username": member["username"], "password": PASSWORD})
    assert login.status_code == 401 and login.json()["error"]["code"] == "auth.bad_credentials"
    missing = await client.post(f"/api/v1/staff/{uuid.uuid4()}/deactivate", headers=bearer(admin["token"]))
    assert missing.status_code == 404


async def test_staff_totp(client):
    member = await staff(client, SUPERVISOR)  # enrolled by the helper, as staff must be
    secret = member["totp_secret"]
    body = {"username": member["username"], "password": PASSWORD}
    need = await client.post("/api/v1/auth/staff/login", json=body)
    assert need.status_code == 401 and need.json()["error"]["code"] == "auth.totp_required"
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert (await client.post("/api/v1/auth/staff/login", json={**body, "totp": code})).status_code == 200
    assert (await client.post("/api/v1/auth/staff/login", json={**body, "totp": code})).status_code == 401
