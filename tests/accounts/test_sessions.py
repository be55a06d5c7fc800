"""Sessions: listing, revoking (effective at once), logout, expiry and password changes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from backend.accounts import sessions
from backend.accounts.tables import Session
from tests.accounts.helpers import PASSWORD, bearer, citizen, in_app, login

pytestmark = pytest.mark.anyio


async def _signed_in(client, id_number: str, label: str) -> str:
    response = await login(client, id_number, client_label=label)
    assert response.status_code == 200
    return response.json()["token"]


async def test_list_and_revoke_one_session(client):
    id_number, first = await citizen(client)
    second = await _signed_in(client, id_number, "Tablet")
    listed = await client.get("/api/v1/me/sessions", headers=bearer(first))
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 2
    current = [r for r in rows if r["current"]]
    assert len(current) == 1
    other = next(r for r in rows if not r["current"])
    assert other["client_label"] == "Tablet"
    assert "token" not in other and "token_hash" not in other

    revoked = await client.delete(f"/api/v1/me/sessions/{other['id']}", headers=bearer(first))
    assert revoked.status_code == 204
    refused = await client.get("/api/v1/me", headers=bearer(second))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "auth.invalid_token"
    assert (await client.get("/api/v1/me", headers=bearer(first))).status_code == 200
    assert len((await client.get("/api/v1/me/sessions", headers=bearer(first))).json()) == 1


async def test_cannot_touch_someone_elses_session(client):
    _, mine = await citizen(client)
    _, theirs = await citizen(client)
    their_id = next(r["id"] for r in (await client.get("/api/v1/me/sessions", headers=bearer(theirs))).json())
    response = await client.delete(f"/api/v1/me/sessions/{their_id}", headers=bearer(mine))
    assert response.status_code == 404 and response.json()["error"]["code"] == "session.not_found"
    assert (await client.get("/api/v1/me", headers=bearer(theirs))).status_code == 200
    unknown = await client.delete(f"/api/v1/me/sessions/{uuid.uuid4()}", headers=bearer(mine))
    assert unknown.status_code == 404
    malformed = await client.delete("/api/v1/me/sessions/not-a-uuid", headers=bearer(mine))
    assert 400 <= malformed.status_code < 500


async def test_expiry_and_last_seen(client):
    _, idle = await citizen(client)
    _, old = await citizen(client)
    now = dt.datetime.now(dt.UTC)
    hashes = sessions.token_hash(idle), sessions.token_hash(old)
    await in_app(
        client,
        Session.update({Session.last_seen: now - dt.timedelta(hours=13)}).where(Session.token_hash == hashes[0]).run,
    )
    await in_app(
        client,
        Session.update({Session.expires_at: now - dt.timedelta(seconds=1)}).where(Session.token_hash == hashes[1]).run,
    )
    assert (await client.get("/api/v1/me", headers=bearer(idle))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(old))).status_code == 401

    # last_seen is written at most once a minute.
    _, token = await citizen(client)
    query = Session.select(Session.last_seen).where(Session.token_hash == sessions.token_hash(token)).first()
    before = (await in_app(client, query.run))["last_seen"]
    await client.get("/api/v1/me", headers=bearer(token))
    assert (await in_app(client, query.run))["last_seen"] == before  # under a minute: no write
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    await in_app(client, Session.update({Session.last_seen: stale}).where(Session.token_hash == sessions.token_hash(token)).run)
    await client.get("/api/v1/me", headers=bearer(token))
    assert (await in_app(client, query.run))["last_seen"] > stale + dt.timedelta(minutes=4)


async def test_password_change_revokes_the_other_sessions(client):
    id_number, token = await citizen(client)
    other = await _signed_in(client, id_number, "Old phone")
    headers = bearer(token)
    wrong = await client.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a brand new secret"},
        headers=headers,
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "password.wrong_current"
    with_id = await client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": f"x{id_number}x"}, headers=headers
    )
    assert with_id.status_code == 422 and with_id.json()["error"]["code"] == "password.contains_id_number"
    same = await client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": PASSWORD}, headers=headers
    )
    assert same.status_code == 422 and same.json()["error"]["code"] == "password.unchanged"
    short = await client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"}, headers=headers
    )
    assert short.status_code == 400

    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json() == {"revoked_sessions": 1}
    assert (await client.get("/api/v1/me", headers=bearer(other))).status_code == 401
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await login(client, id_number)).status_code == 401
    assert (await login(client, id_number, "a brand new secret")).status_code == 200


async def test_logout_and_bad_tokens_are_401(client):
    _, token = await citizen(client)
    assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    anonymous = await client.post("/api/v1/auth/logout")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "auth.required"
    for token in ("yks_" + "A" * 43, "yks_short", "ykc_" + "0" * 32 + "_" + "A" * 43, "Basic abc", "yks_" + "é" * 43):
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}".encode()})
        assert response.status_code == 401, token
    anonymous = await client.get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "auth.required"
