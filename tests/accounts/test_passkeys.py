"""Passkeys (WebAuthn) through the API, with a software authenticator written here: a P-256 key,
attestation "none" at registration and signed assertions after. Registration, sign-in with the
passkey alone, the passkey as second factor, step-up, recovery codes, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

import cbor2
import msgspec
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from backend.accounts import sessions
from backend.accounts.tables import PasskeyChallenge, Session
from tests.accounts.helpers import PASSWORD, bearer, citizen, in_app, login

pytestmark = pytest.mark.anyio

ORIGIN = "http://localhost:8443"  # the wallet as the default settings admit it (any port of localhost)
RP_ID = "localhost"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """A platform authenticator in software: one discoverable P-256 credential, a counter, and
    the CTAP flags user present (UP) and user verified (UV)."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.counter = 0
        self.user_handle: str | None = None

    @property
    def id(self) -> str:
        return b64(self.credential_id)

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str = ORIGIN, rp_id: str | None = None) -> dict:
        rp_id = rp_id or options["rp"]["id"]
        self.user_handle = options["user"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose()
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([0x45]) + self.counter.to_bytes(4, "big") + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation), "transports": ["internal"]},
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def get(
        self, options: dict, *, origin: str = ORIGIN, rp_id: str | None = None, counter: int | None = None, uv: bool = True
    ) -> dict:
        rp_id = rp_id or options["rpId"]
        self.counter = self.counter + 1 if counter is None else counter
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        flags = 0x05 if uv else 0x01
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + self.counter.to_bytes(4, "big")
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": self.user_handle,
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }


async def _set_step_up(client, token: str, at: int | None) -> None:
    async def write() -> None:
        moment = sessions.utc(at) if at is not None else None
        await Session.update({Session.stepped_up_at: moment}).where(Session.token_hash == sessions.token_hash(token)).run()

    await in_app(client, write)


async def enrol(client, token: str, authenticator: SoftAuthenticator, label: str = "My phone") -> dict:
    """Register the authenticator's passkey on the signed-in account; returns the answer."""
    options = await client.post("/api/v1/me/passkeys/options", headers=bearer(token))
    assert options.status_code == 200, options.text
    answer = await client.post(
        "/api/v1/me/passkeys", json={"credential": authenticator.create(options.json()), "label": label}, headers=bearer(token)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def signin_options(client) -> dict:
    response = await client.post("/api/v1/auth/login/passkey/options")
    assert response.status_code == 200, response.text
    return response.json()


async def passkey_login(client, credential: dict):
    return await client.post("/api/v1/auth/login/passkey", json={"credential": credential, "client_label": "test"})


async def test_register_then_sign_in_with_the_passkey_alone(client):
    _, token = await citizen(client)
    phone = SoftAuthenticator()
    added = await enrol(client, token, phone, "我的手机")
    assert added["passkey"]["label"] == "我的手机"
    assert added["passkey"]["transports"] == ["internal"]
    assert len(added["recovery_codes"]) == 10  # the first second factor brings recovery codes

    listed = (await client.get("/api/v1/me/passkeys", headers=bearer(token))).json()
    assert [p["id"] for p in listed] == [added["passkey"]["id"]] and listed[0]["last_used_at"] is None
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert me["recovery_codes_left"] == 10

    options = await signin_options(client)
    assert options["allowCredentials"] == [] and options["userVerification"] == "required" and options["rpId"] == RP_ID
    answer = await passkey_login(client, phone.get(options))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["account"]["id"] == me["id"]
    assert (await client.get("/api/v1/me", headers=bearer(body["token"]))).status_code == 200
    listed = (await client.get("/api/v1/me/passkeys", headers=bearer(token))).json()
    assert listed[0]["last_used_at"] is not None


async def test_registration_options_name_the_account_without_its_number(client):
    id_number, token = await citizen(client)
    options = (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).json()
    assert options["rp"] == {"id": RP_ID, "name": "Yikatong"}
    assert id_number not in json.dumps(options)  # the masked number only
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["attestation"] == "none" and options["pubKeyCredParams"][0] == {"type": "public-key", "alg": -7}


async def test_registration_refusals(client):
    _, token = await citizen(client)
    phone = SoftAuthenticator()

    async def attempt(**kw):
        options = (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).json()
        return await client.post("/api/v1/me/passkeys", json={"credential": phone.create(options, **kw)}, headers=bearer(token))

    wrong_origin = await attempt(origin="https://evil.example")
    assert wrong_origin.status_code == 422 and wrong_origin.json()["error"]["code"] == "passkey.wrong_origin"
    wrong_rp = await attempt(rp_id="evil.example")
    assert wrong_rp.status_code == 422 and wrong_rp.json()["error"]["code"] == "passkey.invalid"

    options = (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).json()
    credential = phone.create(options)
    first = await client.post("/api/v1/me/passkeys", json={"credential": credential}, headers=bearer(token))
    assert first.status_code == 201, first.text
    again = (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).json()
    assert again["excludeCredentials"] == [{"id": phone.id, "type": "public-key", "transports": ["internal"]}]
    replay = await client.post("/api/v1/me/passkeys", json={"credential": credential}, headers=bearer(token))
    assert replay.status_code == 422 and replay.json()["error"]["code"] == "passkey.bad_challenge"

    # A challenge issued to another account is not this one's to answer.
    _, other = await citizen(client)
    theirs = (await client.post("/api/v1/me/passkeys/options", headers=bearer(other))).json()
    stolen = await client.post(
        "/api/v1/me/passkeys", json={"credential": SoftAuthenticator().create(theirs)}, headers=bearer(token)
    )
    assert stolen.status_code == 422 and stolen.json()["error"]["code"] == "passkey.bad_challenge"


async def test_sign_in_refusals(client):
    _, token = await citizen(client)
    phone = SoftAuthenticator()
    await enrol(client, token, phone)

    async def refused(credential: dict, code: str) -> None:
        answer = await passkey_login(client, credential)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == code

    await refused(phone.get(await signin_options(client), origin="https://evil.example"), "passkey.wrong_origin")
    await refused(phone.get(await signin_options(client), rp_id="evil.example"), "passkey.invalid")
    await refused(SoftAuthenticator().get(await signin_options(client)), "passkey.unknown_credential")
    await refused(phone.get(await signin_options(client), uv=False), "passkey.invalid")  # alone, it must verify the holder

    good = phone.get(await signin_options(client))
    assert (await passkey_login(client, good)).status_code == 200
    await refused(good, "passkey.bad_challenge")  # replayed: the challenge was used up

    await refused(phone.get(await signin_options(client), counter=1), "passkey.counter_regressed")  # a copied key

    # A challenge that is not in the database (made up, or expired and purged) is refused.
    options = await signin_options(client)
    options["challenge"] = b64(secrets.token_bytes(32))
    await refused(phone.get(options), "passkey.bad_challenge")

    options = await signin_options(client)

    async def expire() -> None:
        digest = hashlib.sha256(base64.urlsafe_b64decode(options["challenge"] + "==")).hexdigest()
        await (
            PasskeyChallenge.update({PasskeyChallenge.expires_at: sessions.utc(int(time.time()) - 1)})
            .where(PasskeyChallenge.challenge_hash == digest)
            .run()
        )

    await in_app(client, expire)
    await refused(phone.get(options), "passkey.bad_challenge")

    # A challenge for another purpose (a second factor, a step-up) does not open a session.
    step = (await client.post("/api/v1/me/step-up/options", headers=bearer(token))).json()
    await refused(phone.get(step), "passkey.bad_challenge")


async def test_passkey_as_the_second_factor_after_the_password(client):
    id_number, token = await citizen(client)
    phone = SoftAuthenticator()
    added = await enrol(client, token, phone)

    asked = await login(client, id_number)
    assert asked.status_code == 401
    error = asked.json()["error"]
    assert error["code"] == "auth.second_factor_required"
    assert error["details"]["methods"] == ["passkey", "recovery_code"]
    options = error["details"]["passkey_options"]
    assert options["allowCredentials"] == [{"id": phone.id, "type": "public-key", "transports": ["internal"]}]

    done = await login(client, id_number, passkey=phone.get(options))
    assert done.status_code == 200, done.text

    # An assertion for a username-less sign-in is not a second factor for this account.
    wrong = await login(client, id_number, passkey=phone.get(await signin_options(client)))
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "auth.bad_passkey"
    # Nor is someone else's passkey, nor a TOTP code on an account without TOTP.
    options = (await login(client, id_number)).json()["error"]["details"]["passkey_options"]
    stranger = SoftAuthenticator()
    assert (await login(client, id_number, passkey=stranger.get(options))).json()["error"]["code"] == "auth.bad_passkey"
    assert (await login(client, id_number, totp="123456")).json()["error"]["code"] == "auth.bad_totp"
    # The wrong password never reaches the passkey.
    bad = await login(client, id_number, "wrong password!!", passkey=phone.get(options))
    assert bad.json()["error"]["code"] == "auth.bad_credentials"

    # A recovery code also completes the sign-in, once.
    code = added["recovery_codes"][0]
    assert (await login(client, id_number, recovery_code=code)).status_code == 200
    assert (await login(client, id_number, recovery_code=code)).json()["error"]["code"] == "auth.bad_recovery_code"


async def test_step_up_missing_or_expired_is_refused_and_a_fresh_factor_opens_it(client):
    _, token = await citizen(client)
    phone = SoftAuthenticator()
    await enrol(client, token, phone)  # a fresh sign-in counts as a fresh factor

    await _set_step_up(client, token, None)  # never stepped up
    refused = await client.post("/api/v1/me/passkeys/options", headers=bearer(token))
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "auth.step_up_required" and error["details"]["step_up"] == "/api/v1/me/step-up"

    await _set_step_up(client, token, int(time.time()) - 301)  # stepped up, but over the window
    assert (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).status_code == 403
    state = (await client.get("/api/v1/me/step-up", headers=bearer(token))).json()
    assert state["methods"] == ["passkey", "recovery_code"] and state["fresh_until"] is None

    # The password does not step up an account with a second factor.
    pw = await client.post("/api/v1/me/step-up", json={"password": PASSWORD}, headers=bearer(token))
    assert pw.status_code == 422 and pw.json()["error"]["code"] == "stepup.method_unavailable"
    two = await client.post("/api/v1/me/step-up", json={"password": PASSWORD, "totp": "123456"}, headers=bearer(token))
    assert two.json()["error"]["code"] == "stepup.one_factor"

    options = (await client.post("/api/v1/me/step-up/options", headers=bearer(token))).json()
    assert [c["id"] for c in options["allowCredentials"]] == [phone.id]
    wrong = await client.post(
        "/api/v1/me/step-up", json={"passkey": phone.get(options, origin="https://evil.example")}, headers=bearer(token)
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["reason"] == "passkey.wrong_origin"
    options = (await client.post("/api/v1/me/step-up/options", headers=bearer(token))).json()
    done = await client.post("/api/v1/me/step-up", json={"passkey": phone.get(options)}, headers=bearer(token))
    assert done.status_code == 200, done.text
    assert done.json()["fresh_until"] is not None
    assert (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).status_code == 200


async def test_a_step_up_challenge_belongs_to_its_session(client):
    _, token = await citizen(client)
    phone = SoftAuthenticator()
    await enrol(client, token, phone)
    other = (await passkey_login(client, phone.get(await signin_options(client)))).json()["token"]
    options = (await client.post("/api/v1/me/step-up/options", headers=bearer(other))).json()
    moved = await client.post("/api/v1/me/step-up", json={"passkey": phone.get(options)}, headers=bearer(token))
    assert moved.status_code == 422 and moved.json()["error"]["details"]["reason"] == "passkey.bad_challenge"


async def test_password_steps_up_an_account_without_a_second_factor(client):
    _, token = await citizen(client)
    await _set_step_up(client, token, None)
    state = (await client.get("/api/v1/me/step-up", headers=bearer(token))).json()
    assert state["methods"] == ["password"]
    wrong = await client.post("/api/v1/me/step-up", json={"password": "not my password"}, headers=bearer(token))
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["reason"] == "password.wrong"
    ok = await client.post("/api/v1/me/step-up", json={"password": PASSWORD}, headers=bearer(token))
    assert ok.status_code == 200, ok.text
    assert (await client.post("/api/v1/me/passkeys/options", headers=bearer(token))).status_code == 200


async def test_recovery_codes_seen_and_regenerated(client):
    id_number, token = await citizen(client)
    none = (await client.get("/api/v1/me/recovery-codes", headers=bearer(token))).json()
    assert none == {"available": False, "left": 0, "total": 0, "created_at": None}
    assert (await client.post("/api/v1/me/recovery-codes", headers=bearer(token))).status_code == 409

    phone = SoftAuthenticator()
    old = (await enrol(client, token, phone))["recovery_codes"]
    # A recovery code steps up (and is used up).
    await _set_step_up(client, token, None)
    assert (await client.post("/api/v1/me/recovery-codes", headers=bearer(token))).status_code == 403
    stepped = await client.post("/api/v1/me/step-up", json={"recovery_code": old[0]}, headers=bearer(token))
    assert stepped.status_code == 200, stepped.text
    state = (await client.get("/api/v1/me/recovery-codes", headers=bearer(token))).json()
    assert state["available"] and state["left"] == 9 and state["total"] == 10

    fresh = await client.post("/api/v1/me/recovery-codes", headers=bearer(token))
    assert fresh.status_code == 201, fresh.text
    new = fresh.json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert (await client.get("/api/v1/me/recovery-codes", headers=bearer(token))).json()["left"] == 10
    # The old ones stopped working; the new ones work.
    assert (await login(client, id_number, recovery_code=old[1])).json()["error"]["code"] == "auth.bad_recovery_code"
    assert (await login(client, id_number, recovery_code=new[0])).status_code == 200


async def test_remove_and_rename_a_passkey(client):
    id_number, token = await citizen(client)
    phone = SoftAuthenticator()
    added = (await enrol(client, token, phone))["passkey"]

    renamed = await client.patch(f"/api/v1/me/passkeys/{added['id']}", json={"label": "旧手机"}, headers=bearer(token))
    assert renamed.status_code == 200 and renamed.json()["label"] == "旧手机"
    _, other = await citizen(client)
    assert (await client.delete(f"/api/v1/me/passkeys/{added['id']}", headers=bearer(other))).status_code == 404

    await _set_step_up(client, token, int(time.time()) - 3600)
    assert (await client.delete(f"/api/v1/me/passkeys/{added['id']}", headers=bearer(token))).status_code == 403
    await _set_step_up(client, token, int(time.time()))
    assert (await client.delete(f"/api/v1/me/passkeys/{added['id']}", headers=bearer(token))).status_code == 204
    assert (await client.get("/api/v1/me/passkeys", headers=bearer(token))).json() == []
    # The last second factor gone: the password alone signs in, and the recovery codes are gone.
    assert (await login(client, id_number)).status_code == 200
    assert (await client.get("/api/v1/me/recovery-codes", headers=bearer(token))).json()["left"] == 0
    # The removed passkey no longer signs in.
    answer = await passkey_login(client, phone.get(await signin_options(client)))
    assert answer.json()["error"]["code"] == "passkey.unknown_credential"


async def test_totp_changes_need_step_up(client):
    _, token = await citizen(client)
    await _set_step_up(client, token, None)
    refused = await client.post("/api/v1/me/totp", headers=bearer(token))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.step_up_required"
    await client.post("/api/v1/me/step-up", json={"password": PASSWORD}, headers=bearer(token))
    assert (await client.post("/api/v1/me/totp", headers=bearer(token))).status_code == 201


async def test_passkey_sign_in_is_throttled_per_address(strict_client):
    client = strict_client
    _, token = await citizen(client)
    phone = SoftAuthenticator()
    await enrol(client, token, phone)
    stranger = SoftAuthenticator()
    for _ in range(12):  # the address limit: 3 failures x 4
        await passkey_login(client, stranger.get(await signin_options(client)))
    locked = await passkey_login(client, phone.get(await signin_options(client)))
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "auth.locked"


async def test_the_holder_is_told_of_sign_in_methods_added_and_removed(client):
    _, token = await citizen(client)
    added = (await enrol(client, token, SoftAuthenticator(), "新手机"))["passkey"]
    assert (await client.delete(f"/api/v1/me/passkeys/{added['id']}", headers=bearer(token))).status_code == 204
    inbox = (await client.get("/api/v1/me/inbox", headers=bearer(token))).json()["items"]
    told = [(n["event"], n["params"].get("method")) for n in inbox if n["event"].startswith("account.signin_method")]
    assert sorted(told) == [("account.signin_method_added", "passkey"), ("account.signin_method_removed", "passkey")]


@pytest.mark.parametrize("env", ["prod", "production"])
def test_production_refuses_passkeys_bound_to_localhost(env):
    from backend.lib.settings import load_settings

    with pytest.raises(msgspec.ValidationError, match="WEBAUTHN"):
        load_settings(environ={"YIKATONG_ENV": env}, dotenv=None)
    site = {
        "YIKATONG_WEBAUTHN_RP_ID": "yikatong.example",
        "YIKATONG_WEBAUTHN_ORIGINS": "https://yikatong.example",
        "YIKATONG_PUBLIC_URL": "https://yikatong.example",
    }
    with pytest.raises(msgspec.ValidationError, match="WEBAUTHN"):
        load_settings(environ={"YIKATONG_ENV": env, **site, "YIKATONG_WEBAUTHN_ORIGINS": "http://localhost:8000"}, dotenv=None)
    assert load_settings(environ={"YIKATONG_ENV": env, **site}, dotenv=None).webauthn_rp_id == "yikatong.example"
    # Statements print the service's address in their QR code: production names it, in https.
    for public_url in ("", "http://yikatong.example"):
        with pytest.raises(msgspec.ValidationError, match="PUBLIC_URL"):
            load_settings(environ={"YIKATONG_ENV": env, **site, "YIKATONG_PUBLIC_URL": public_url}, dotenv=None)
