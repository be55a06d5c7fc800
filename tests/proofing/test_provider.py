"""Proofing by a remote identity-verification provider, driven with the test-only face match;
and the settings that keep that provider out of production."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from backend.lib.settings import load_settings
from backend.proofing import providers
from tests.proofing.helpers import World, b64

pytestmark = pytest.mark.anyio


async def _session(client, holder) -> dict:
    response = await client.post("/api/v1/me/proofing/provider/sessions", headers=holder.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_matching_face_proves_the_holder(client):
    world = World(client)
    holder = await world.person(ecard=0)
    face = secrets.token_bytes(64)
    await world.photo(holder, face)
    status = (await client.get("/api/v1/me/proofing", headers=holder.headers)).json()
    assert status["routes"]["provider"] is True
    session = await _session(client, holder)
    assert session["provider"] == "test-only-face-match" and session["status"] == "pending"
    url = f"/api/v1/me/proofing/provider/sessions/{session['session_id']}/evidence"
    response = await client.post(url, json={"evidence": b64(face)}, headers=holder.headers)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "proven" and response.json()["level"] == 2
    card = await world.card(holder.person_id)
    assert (card["ecard_level"], card["assurance"], card["proofing"]) == (1, 2, "provider")
    record = await world.record(holder.person_id)
    assert {"action": "proofing.provider", "result": "ok", "result_code": "", "actor_kind": "system"} in record
    # a session is used once
    response = await client.post(url, json={"evidence": b64(face)}, headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.session_used"


async def test_another_face_is_refused(client):
    world = World(client)
    holder = await world.person()
    await world.photo(holder, secrets.token_bytes(64))
    session = await _session(client, holder)
    response = await client.post(
        f"/api/v1/me/proofing/provider/sessions/{session['session_id']}/evidence",
        json={"evidence": b64(secrets.token_bytes(64))},
        headers=holder.headers,
    )
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["reason"]) == ("refused", "proofing.face_mismatch")
    assert await world.assurance(holder.person_id) == 0
    assert (await world.attempts(holder.person_id))[0]["reason"] == "proofing.face_mismatch"


async def test_no_photo_of_record_no_session_and_others_sessions_are_unknown(client):
    world = World(client)
    holder = await world.person()
    response = await client.post("/api/v1/me/proofing/provider/sessions", headers=holder.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.no_photo_of_record"
    face = secrets.token_bytes(32)
    await world.photo(holder, face)
    session = await _session(client, holder)
    other = await world.person(name="周九")
    response = await client.post(
        f"/api/v1/me/proofing/provider/sessions/{session['session_id']}/evidence",
        json={"evidence": b64(face)},
        headers=other.headers,
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "proofing.session_unknown"


async def test_no_provider_by_default(settings):
    """The shared fixtures' settings (like the defaults) enable none."""
    from litestar.testing import AsyncTestClient

    from backend.app import create_app

    assert load_settings(environ={}, dotenv=None).idv_provider == ""
    async with AsyncTestClient(app=create_app(msgspec.structs.replace(settings, idv_provider=""))) as plain:
        holder = await World(plain).person(card=False)
        response = await plain.post("/api/v1/me/proofing/provider/sessions", headers=holder.headers)
        assert response.status_code == 409 and response.json()["error"]["code"] == "proofing.provider_disabled"


# Production also needs the passkey domain set (backend/lib/settings.py): a real site's.
SITE = {
    "YIKATONG_WEBAUTHN_RP_ID": "yikatong.example",
    "YIKATONG_WEBAUTHN_ORIGINS": "https://yikatong.example",
    "YIKATONG_PUBLIC_URL": "https://yikatong.example",
}


@pytest.mark.parametrize("env", ["prod", "production"])
def test_the_test_provider_is_refused_in_production(env):
    with pytest.raises(msgspec.ValidationError, match="written for tests"):
        load_settings(environ={"YIKATONG_ENV": env, "YIKATONG_IDV_PROVIDER": "test-only-face-match", **SITE}, dotenv=None)
    with pytest.raises(ValueError, match="written for tests"):
        msgspec.structs.replace(
            load_settings(environ={"YIKATONG_ENV": env, **SITE}, dotenv=None), idv_provider="test-only-face-match"
        )


def test_the_app_does_not_start_with_the_test_provider_in_production():
    """What `yikatong serve` does: settings from the environment, then the app."""

    env = {"YIKATONG_ENV": "prod", "YIKATONG_IDV_PROVIDER": "test-only-face-match", "PATH": "/usr/bin:/bin", **SITE}
    run = subprocess.run(
        [sys.executable, "-c", "from backend.app import create_app; create_app()"],
        env=env,
        cwd=str(Path(__file__).resolve().parents[2]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "written for tests" in run.stderr


def test_select_refuses_unknown_and_test_only_in_production():
    base = load_settings(environ={}, dotenv=None)
    assert providers.select(base, None, None) is None  # type: ignore[arg-type]
    with pytest.raises(providers.ProviderRefused, match="unknown"):
        providers.select(msgspec.structs.replace(base, idv_provider="acme-face"), None, None)  # type: ignore[arg-type]
    chosen = providers.select(msgspec.structs.replace(base, idv_provider="test-only-face-match", env="test"), None, None)  # type: ignore[arg-type]
    assert isinstance(chosen, providers.TestOnlyFaceMatchProvider)


async def test_a_capture_of_the_largest_allowed_size_is_read_not_refused_as_too_large(client):
    """The app's body limit is 64 KiB; a capture of 65,536 characters in its JSON is a little more."""
    import uuid

    body = {"evidence": "A" * 65536}
    headers = {"X-Reset-Token": "x" * 43}
    answer = await client.post(
        f"/api/v1/recovery/resets/{uuid.uuid4()}/provider-session/{uuid.uuid4()}/evidence", json=body, headers=headers
    )
    assert answer.status_code != 413 and 400 <= answer.status_code < 500, answer.text
    too_big = await client.post(
        f"/api/v1/recovery/resets/{uuid.uuid4()}/provider-session/{uuid.uuid4()}/evidence",
        json={"evidence": "A" * 120_000},
        headers=headers,
    )
    assert too_big.status_code == 413
