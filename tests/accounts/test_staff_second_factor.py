"""Staff sign in with a second factor (issue 15 §3, backend/accounts/enrolment.py): a staff member
without TOTP gets a session that can only enrol it and sign out; enrolment makes it a full one;
TOTP cannot then be switched off; with the setting "optional" the password alone does."""

from __future__ import annotations

import asyncio
import secrets
import time

import msgspec
import pyotp
import pytest

from backend.accounts import services
from tests.accounts.helpers import PASSWORD, bearer, in_app, office

pytestmark = pytest.mark.anyio
LOGIN = "/api/v1/auth/staff/login"


async def _unenrolled(client, role: str = "counter_operator") -> dict:
    office_id, city = await office(client)
    username = f"sf{secrets.token_hex(5)}"
    await in_app(
        client, services.create_staff, username=username, name="新柜员", role=role, office_id=office_id, password=PASSWORD
    )
    response = await client.post(LOGIN, json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"username": username, "city": city, "answer": response.json(), "headers": bearer(response.json()["token"])}


async def test_a_staff_member_without_totp_may_only_enrol_then_everything_opens(client):
    member = await _unenrolled(client)
    answer = member["answer"]
    assert answer["second_factor_enrolment_required"] is True and answer["staff"]["totp_enabled"] is False
    assert answer["staff"]["office_name"] and answer["staff"]["city_name"]
    headers = member["headers"]
    # Every other route: 403 with the code the console reacts to.
    for method, path, body in (
        ("GET", "/api/v1/staff/applications", None),
        ("POST", "/api/v1/staff/cards/lookup", {"doc_type": "resident_id", "id_number": "440106199001011234"}),
        ("GET", "/api/v1/me/sessions", None),
        ("GET", "/api/v1/catalog", None),
    ):
        response = await client.request(method, path, headers=headers, json=body)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "auth.second_factor_enrolment_required", path
    # Enrolment works on this session (the sign-in was the fresh factor step-up asks for).
    state = await client.get("/api/v1/me/step-up", headers=headers)
    assert state.status_code == 200 and state.json()["methods"] == ["password"]
    started = await client.post("/api/v1/me/totp", headers=headers)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    assert (await client.get("/api/v1/me/totp/qr.png", headers=headers)).status_code == 200
    wrong = await client.post("/api/v1/me/totp/confirm", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 422
    assert (await client.get("/api/v1/me/sessions", headers=headers)).status_code == 403
    confirmed = await client.post("/api/v1/me/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers)
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    # The same session is a full one now.
    assert (await client.get("/api/v1/me/sessions", headers=headers)).status_code == 200
    # Later sign-ins need the code; TOTP cannot be switched off while the rule holds.
    body = {"username": member["username"], "password": PASSWORD}
    need = await client.post(LOGIN, json=body)
    assert need.status_code == 401 and need.json()["error"]["code"] == "auth.totp_required"
    full = await client.post(LOGIN, json={**body, "totp": pyotp.TOTP(secret).at(time.time() + 30)})
    assert full.status_code == 200 and full.json()["second_factor_enrolment_required"] is False
    off = await client.post("/api/v1/me/totp/disable", json={"code": confirmed.json()["recovery_codes"][0]}, headers=headers)
    assert off.status_code == 409 and off.json()["error"]["code"] == "totp.required_for_staff"


async def test_enrolment_after_the_step_up_window_takes_the_password_again(client, monkeypatch):
    member = await _unenrolled(client)
    headers = member["headers"]
    from backend.lib import auth

    monkeypatch.setitem(auth._step_up_window, "seconds", 0)
    await asyncio.sleep(1.1)  # the sign-in's fresh factor is now older than the window
    stale = await client.post("/api/v1/me/totp", headers=headers)
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "auth.step_up_required"
    monkeypatch.setitem(auth._step_up_window, "seconds", 300)
    wrong = await client.post("/api/v1/me/step-up", json={"password": "not it at all"}, headers=headers)
    assert wrong.status_code == 422
    stepped = await client.post("/api/v1/me/step-up", json={"password": PASSWORD}, headers=headers)
    assert stepped.status_code == 200, stepped.text
    assert (await client.post("/api/v1/me/totp", headers=headers)).status_code == 201


async def test_sign_out_works_before_enrolment(client):
    member = await _unenrolled(client)
    assert (await client.post("/api/v1/auth/logout", headers=member["headers"])).status_code == 204
    after = await client.get("/api/v1/me/sessions", headers=member["headers"])
    assert after.status_code == 401


async def test_citizens_are_not_touched_by_the_staff_rule(client):
    from tests.accounts.helpers import citizen

    _, token = await citizen(client)
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200


@pytest.fixture
async def optional_client(settings):
    from litestar.testing import AsyncTestClient

    from backend.app import create_app

    async with AsyncTestClient(app=create_app(msgspec.structs.replace(settings, staff_second_factor="optional"))) as test_client:
        yield test_client


async def test_with_the_setting_optional_the_password_alone_does(optional_client):
    member = await _unenrolled(optional_client)
    assert member["answer"]["second_factor_enrolment_required"] is False
    assert (await optional_client.get("/api/v1/me/sessions", headers=member["headers"])).status_code == 200


def test_the_setting_refuses_other_values():
    from backend.lib.settings import load_settings

    assert load_settings(environ={}, dotenv=None).staff_second_factor == "required"
    with pytest.raises(msgspec.ValidationError):
        load_settings(environ={"YIKATONG_STAFF_SECOND_FACTOR": "sometimes"}, dotenv=None)
