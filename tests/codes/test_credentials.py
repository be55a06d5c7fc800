"""POST /api/v1/me/credentials: issuer-signed device credentials, and the offline codes they enable."""

from __future__ import annotations

import base64
import datetime as dt
import time
import uuid

import msgspec
import pytest

from backend.codes import format as fmt
from backend.codes.minting import CREDENTIALS_PER_MINUTE
from backend.lib import ed25519
from tests.codes.helpers import Citizen, card_action, in_app, make_citizen

pytestmark = pytest.mark.anyio

URL = "/api/v1/me/credentials"


async def bind_device(client, citizen: Citizen, *, with_key: bool = True) -> tuple[str, bytes | None]:
    """Bind a phone to the citizen's card (through the cards service); returns (device id, its seed)."""
    from backend.cards import devices
    from backend.cards.access import Actor

    seed, public = ed25519.generate()
    holder = Actor(kind="citizen", id=str(citizen.account_id), channel="mobile")
    device = await in_app(
        client, devices.bind, citizen.person_id, holder, label="Test phone", public_key=public if with_key else None
    )
    return str(device.id), (seed if with_key else None)


async def unbind_device(client, citizen: Citizen, device_id: str) -> None:
    from backend.cards import devices
    from backend.cards.access import Actor

    holder = Actor(kind="citizen", id=str(citizen.account_id), channel="mobile")
    await in_app(client, devices.unbind, citizen.person_id, uuid.UUID(device_id), holder)


def raw_credential(body: dict) -> bytes:
    text = body["credential"]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def trust_list(client) -> dict[str, bytes]:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return fmt.trust_from_jwks(response.json())


async def test_credential_enables_offline_codes(client):
    citizen = await make_citizen(client)
    device_id, seed = await bind_device(client, citizen)
    before = int(time.time())
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"credential", "kid", "nbf", "exp", "device_key_id", "format"}
    assert body["format"] == "YKC1"
    assert "=" not in body["credential"]  # base64url without padding

    raw = raw_credential(body)
    assert len(raw) == fmt.CREDENTIAL_LEN
    cred = fmt.parse_credential(raw)
    keyring = client.app.state.keystore.load()
    assert cred.kid == body["kid"] == keyring.active_signing().kid
    assert cred.card_ref == citizen.card_ref
    assert cred.region == int(citizen.card["region"])
    assert cred.device_pub == ed25519.public_from_seed(seed)
    assert body["device_key_id"] == fmt.device_key_id(cred.device_pub)
    assert (cred.nbf, cred.exp) == (body["nbf"], body["exp"])
    skew = client.app.state.settings.clock_skew_seconds
    hours = client.app.state.settings.credential_hours
    assert before - skew <= cred.nbf <= int(time.time()) - skew
    assert cred.exp == cred.nbf + skew + hours * 3600
    assert cred.flags == 0

    # The phone signs a code with its own key; a gate with only the published keys accepts it.
    now = int(time.time())
    code = fmt.make_offline_code(raw, seed, now)
    check = fmt.verify_offline(code, trust=await trust_list(client), now=now + 20)
    assert check.result is fmt.Result.VALID
    assert check.card_ref == citizen.card_ref and check.device_key_id == body["device_key_id"]
    # A different phone cannot use this credential.
    other_seed, _ = ed25519.generate()
    with pytest.raises(ValueError):
        fmt.make_offline_code(raw, other_seed, now)


async def test_no_personal_data_in_the_credential(client):
    citizen = await make_citizen(client)
    device_id, _ = await bind_device(client, citizen)
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    raw = raw_credential(response.json())
    for secret in (citizen.name, citizen.id_number, citizen.card["card_number"], citizen.card["account"]):
        assert secret not in response.text
        assert secret.encode() not in raw


async def test_concession_and_transport_flags(client):
    # Born 1950: over 65, so the elderly concession is integrated into the card (Art. 7).
    citizen = await make_citizen(client, transport=True, birth=dt.date(1950, 5, 1))
    device_id, _ = await bind_device(client, citizen)
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 200, response.text
    flags = fmt.parse_credential(raw_credential(response.json())).flags
    assert flags == fmt.Flags.ELDERLY | fmt.Flags.TRANSPORT


async def test_device_errors(client):
    citizen = await make_citizen(client)
    stranger = await make_citizen(client)
    their_device, _ = await bind_device(client, stranger)

    response = await client.post(URL, json={"device_id": str(uuid.uuid4())}, headers=citizen.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "device.not_found"
    # Someone else's device is as unknown as a made-up one.
    response = await client.post(URL, json={"device_id": their_device}, headers=citizen.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "device.not_found"

    keyless, _ = await bind_device(client, citizen, with_key=False)
    response = await client.post(URL, json={"device_id": keyless}, headers=citizen.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "device.no_public_key"

    device_id, _ = await bind_device(client, citizen)
    await unbind_device(client, citizen, device_id)
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "device.unbound" and error["details"]["device_status"] == "unbound"


async def test_card_must_be_usable(client):
    citizen = await make_citizen(client)
    device_id, _ = await bind_device(client, citizen)
    await card_action(client, citizen, "report_temp_loss")
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "card.not_usable"
    assert error["details"]["state"] == "temp_lost" and error["details"]["result"] == "card_suspended"

    await card_action(client, citizen, "cancel")  # cancelling also unbinds the phones
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 409
    assert response.json()["error"]["details"]["result"] == "card_cancelled"


async def test_replacement_moves_the_phone_to_the_new_card(client):
    citizen = await make_citizen(client)
    device_id, _ = await bind_device(client, citizen)
    outcome = await card_action(client, citizen, "request_replacement")
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 200, response.text
    cred = fmt.parse_credential(raw_credential(response.json()))
    assert cred.card_ref == bytes.fromhex(outcome.new_card.ref) != citizen.card_ref


async def test_bad_requests_are_400(client):
    citizen = await make_citizen(client, card=False)
    for body, code in [
        ({"device_id": "not-a-uuid"}, "request.invalid"),
        ({"device_id": 42}, "request.invalid"),
        ({}, "request.invalid"),
        ({"device_id": "3f2c1a9e-8d4b-4c1f-9a7e-2b6d5c4e3f10", "card_ref": "00"}, "request.unknown_field"),
        ([], "request.invalid"),
    ]:
        response = await client.post(URL, json=body, headers=citizen.headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["code"] == code, body


async def test_garbage_body_and_no_sign_in(client):
    citizen = await make_citizen(client, card=False)
    response = await client.post(URL, content=b"\xff\xfe{", headers={**citizen.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"].startswith("request.")
    response = await client.post(URL, json={"device_id": str(uuid.uuid4())})
    assert response.status_code == 401


async def test_credentials_are_rate_limited(client):
    citizen = await make_citizen(client)
    device_id, _ = await bind_device(client, citizen)
    for _ in range(CREDENTIALS_PER_MINUTE):
        assert (await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)).status_code == 200
    response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "codes.rate_limited" and "retry-after" in response.headers


async def _own_app(settings, tmp_path, prepare):
    """An app with its own keyring, prepared by `prepare(KeyStore)` before start-up."""
    from backend.app import create_app, keystore_for

    own = msgspec.structs.replace(settings, key_dir=str(tmp_path / "keys"))
    prepare(keystore_for(own))
    return create_app(own)


async def test_credential_never_outlives_its_key_in_the_trust_list(settings, tmp_path):
    """A key close to retirement, published only briefly after: the credential ends with it."""
    from litestar.testing import AsyncTestClient

    from backend.keys.keyring import SIGNING_DAYS

    now = int(time.time())
    # Signing period ends in an hour; credentials must stay verifiable only 60 s after that.
    init_at = now - SIGNING_DAYS * 86400 + 3600
    app = await _own_app(settings, tmp_path, lambda ks: ks.init(now=init_at, max_credential_seconds=60))
    async with AsyncTestClient(app=app) as client:
        citizen = await make_citizen(client)
        device_id, seed = await bind_device(client, citizen)
        response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
        assert response.status_code == 200, response.text
        key = client.app.state.keystore.load().active_signing()
        skew = client.app.state.settings.clock_skew_seconds
        assert response.json()["exp"] == key.publish_until - skew < now + 2 * 3600
        # ... and it verifies up to its end against the published key set.
        raw = raw_credential(response.json())
        code = fmt.make_offline_code(raw, seed, response.json()["exp"] - 30)
        assert fmt.verify_offline(code, trust=await trust_list(client), now=response.json()["exp"]).result is fmt.Result.VALID


async def test_no_signing_key_is_503(settings, tmp_path):
    from litestar.testing import AsyncTestClient

    from backend.keys.keyring import SIGNING_DAYS

    expired_at = int(time.time()) - SIGNING_DAYS * 86400 - 7200  # nobody rotated for 90 days
    app = await _own_app(settings, tmp_path, lambda ks: ks.init(now=expired_at))
    async with AsyncTestClient(app=app) as client:
        citizen = await make_citizen(client)
        device_id, _ = await bind_device(client, citizen)
        response = await client.post(URL, json={"device_id": device_id}, headers=citizen.headers)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "keys.no_signing_key"
        # Online codes do not depend on the issuer key and keep working.
        assert (await client.post("/api/v1/me/codes/online", headers=citizen.headers)).status_code == 200
