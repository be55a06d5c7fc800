"""A province moves from Ed25519 to SM2 (`yikatong keys rotate --suite sm2`) and no live code is refused (issue 18)."""

from __future__ import annotations

import asyncio
import os
import time

import msgspec
import pytest

from backend import cli
from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.lib import ed25519, sm2
from tests.codes.helpers_v2 import BATCH_URL, Phone, b64u, unb64u
from tests.venues.helpers import Holder, World

pytestmark = pytest.mark.anyio
R = v2.Result
JWKS = "/.well-known/jwks.json"
SCENARIO = "library_entry"  # the validity profile: a library scanner learns only that the card is valid
AHEAD_S = 4  # seconds the SM2 key is published before it signs


def now() -> int:
    return int(time.time())


async def _phone(world: World, holder: Holder) -> Phone:
    """A phone bound through the wallet API with its registered Ed25519 key."""
    seed, public = ed25519.generate()
    response = await world.client.post(
        "/api/v1/me/devices", json={"label": "test phone", "public_key": b64u(public)}, headers=holder.headers
    )
    assert response.status_code == 201, response.text
    return Phone(response.json()["id"], seed)


def _covering_now(issued: list[dict], profile: str) -> dict:
    t = now()
    return next(c for c in issued if c["profile"] == profile and c["nbf"] <= t < c["exp"])


async def _jwks(client) -> dict:
    response = await client.get(JWKS)
    assert response.status_code == 200, response.text
    return response.json()


async def _valid_at_server(world: World, scanner: dict[str, str], code: str) -> dict:
    response = await world.verify(scanner, code, SCENARIO)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] == "valid", body
    return body


def _rotate_like_the_operator(settings, key_dir: str, tmp_path, monkeypatch, capsys) -> str:
    """`yikatong keys rotate --suite sm2` in this process, with the environment the server was started
    with (its key dir, the test passphrase, the same credential hours and skew) and no .env file."""
    for name in list(os.environ):
        if name.startswith("YIKATONG_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # load_settings reads ./.env; there is none here
    monkeypatch.setenv("YIKATONG_ENV", settings.env)
    monkeypatch.setenv("YIKATONG_KEY_DIR", key_dir)
    monkeypatch.setenv("YIKATONG_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("YIKATONG_CREDENTIAL_HOURS", str(settings.credential_hours))
    monkeypatch.setenv("YIKATONG_CLOCK_SKEW_SECONDS", str(settings.clock_skew_seconds))
    if settings.key_passphrase:
        monkeypatch.setenv("YIKATONG_KEY_PASSPHRASE", settings.key_passphrase)
    capsys.readouterr()
    # Published a few seconds ahead (in production the lists' max age, 72 h, by default): the
    # SM2 key is in the trust list before any credential is signed with it.
    code = cli.main(["keys", "rotate", "--suite", "sm2", "--publish-ahead", str(AHEAD_S / 3600)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "ed25519 -> sm2" in out and "SM2SM3" in out and "sm4" in out, out
    return out


async def test_ed25519_to_sm2_refuses_no_live_code_and_the_wallet_follows(settings, tmp_path, monkeypatch, capsys):
    from litestar.testing import AsyncTestClient

    from backend.app import create_app, keystore_for

    key_dir = str(tmp_path / "keys")  # a keyring of this test's own: the session's stays Ed25519 for the others
    own = msgspec.structs.replace(settings, key_dir=key_dir)
    keystore_for(own).init(max_credential_seconds=own.credential_hours * 3600 + own.clock_skew_seconds)
    async with AsyncTestClient(app=create_app(own)) as client:
        world = World(client)
        library = await world.scanner_for("library", [SCENARIO])
        holder = await world.holder()
        phone = await _phone(world, holder)

        # 1. Before: the keyring is Ed25519; a format-2 batch in that suite and an AES online code.
        before = client.app.state.keystore.load()
        assert before.suite == "ed25519" and before.online_suite(before.online_kid) == "aes"
        ed_kid = before.issuing_key().kid
        response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(15)), headers=holder.headers)
        assert response.status_code == 200, response.text
        assert response.json()["suite"] == "ed25519"
        ed_credential = _covering_now(response.json()["credentials"], "validity")
        raw = unb64u(ed_credential["credential"])
        assert len(raw) == 123 and v2.parse_credential_v2(raw).suite is v2.Suite.ED25519 and ed_credential["kid"] == ed_kid
        ed_code = phone.code(ed_credential, SCENARIO, now())
        trust_before = v2.trust_from_jwks_v2(await _jwks(client))
        assert v2.verify_offline_v2(ed_code, trust=trust_before, scenario=SCENARIO, now=now()).result is R.VALID
        response = await client.post("/api/v1/me/codes/online", headers=holder.headers)
        assert response.status_code == 200, response.text
        online_before = response.json()["code"]
        old_check = fmt.verify_online(online_before, masters=before.online, now=now())  # bytes: AES only
        assert old_check.result is R.VALID and old_check.card_ref == bytes.fromhex(holder.card_ref)

        # 2. The operator rotates the keyring file; the running server is not restarted or told.
        _rotate_like_the_operator(own, key_dir, tmp_path, monkeypatch, capsys)

        # 3. Nothing of the citizen's is refused. The server learns of the rotation by itself
        # (nothing in this test reloads the keyring before these requests).
        doc = await _jwks(client)
        algs = {k["kid"]: k["alg"] for k in doc["keys"]}
        sm_kids = [kid for kid, alg in algs.items() if alg == "SM2SM3"]
        assert len(sm_kids) == 1, algs  # (d) the new SM2 key is published ...
        (sm_kid,) = sm_kids
        assert algs[ed_kid] == "EdDSA"  # ... beside the Ed25519 key that signed the live credentials
        # (a) the Ed25519 code, forwarded by a library scanner.
        verified = await _valid_at_server(world, library, ed_code)
        assert verified["code_kind"] == "offline"
        # (b) the same code at an offline gate that fetched the trust list after the rotation.
        trust_after = v2.trust_from_jwks_v2(doc)
        assert trust_after[ed_kid].alg == "EdDSA" and trust_after[sm_kid].alg == "SM2SM3"
        check = v2.verify_offline_v2(ed_code, trust=trust_after, scenario=SCENARIO, now=now())
        assert check.result is R.VALID and check.kid == ed_kid
        # (c) the online code minted before the rotation, under the retired AES secret.
        assert (await _valid_at_server(world, library, online_before))["code_kind"] == "online"

        # While the new key is published ahead, credentials are still Ed25519, signed by the old key.
        response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(3)), headers=holder.headers)
        assert response.status_code == 200, response.text
        assert response.json()["suite"] == "ed25519" and {c["kid"] for c in response.json()["credentials"]} == {ed_kid}
        await asyncio.sleep(AHEAD_S + 1)

        # 4. The wallet's next batch: its Ed25519 keys are refused with the suite to use ...
        response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(15)), headers=holder.headers)
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "credential.suite_changed" and error["details"]["suite"] == "sm2"
        # ... and SM2 one-time keys get SM2 credentials under the new key.
        pairs = [sm2.generate() for _ in range(15)]
        response = await client.post(
            BATCH_URL, json=phone.body([b64u(public) for _, public in pairs], suite="sm2"), headers=holder.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["suite"] == "sm2"
        issued = response.json()["credentials"]
        assert issued and all(c["kid"] == sm_kid for c in issued)
        for c in issued:
            parsed = v2.parse_credential_v2(unb64u(c["credential"]))
            assert parsed.suite is v2.Suite.SM2 and parsed.device_pub == pairs[c["key_index"]][1]
        sm_credential = _covering_now(issued, "validity")
        sm_code = v2.make_offline_code_v2(
            unb64u(sm_credential["credential"]), pairs[sm_credential["key_index"]][0], SCENARIO, now()
        )
        check = v2.verify_offline_v2(sm_code, trust=v2.trust_from_jwks_v2(await _jwks(client)), scenario=SCENARIO, now=now())
        assert check.result is R.VALID and check.suite == v2.Suite.SM2 and check.kid == sm_kid
        assert v2.verify_offline_v2(sm_code, trust=trust_before, scenario=SCENARIO, now=now()).result is R.UNKNOWN_KEY
        await _valid_at_server(world, library, sm_code)

        # A new online code is SM4 + HMAC-SM3 under the new secret, and the server takes it.
        response = await client.post("/api/v1/me/codes/online", headers=holder.headers)
        assert response.status_code == 200, response.text
        online_after = response.json()["code"]
        keyring = client.app.state.keystore.load()
        assert keyring.suite == "sm2" and keyring.issuing_key().kid == sm_kid
        assert keyring.online_kid != before.online_kid and keyring.online_suite(keyring.online_kid) == "sm4"
        new_check = fmt.verify_online(online_after, masters=keyring.online_masters, now=now())
        assert new_check.result is R.VALID and new_check.card_ref == bytes.fromhex(holder.card_ref)
        assert fmt.verify_online(online_after, masters=keyring.online, now=now()).result is R.BAD_SIGNATURE  # not AES
        assert (await _valid_at_server(world, library, online_after))["code_kind"] == "online"
