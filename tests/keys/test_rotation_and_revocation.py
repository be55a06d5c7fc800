"""Keys across rotations in quick succession, and `yikatong keys revoke`: the keyring, the CLI, the trust list, the verification API."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from backend.codes import format as fmt
from backend.keys.keyring import KeyStore, KeyStoreError
from backend.keys.trust import jwks
from tests.keys.helpers import CARD, DEVICE_PUB, DEVICE_SEED, MAX_CRED, PASSPHRASE, run

T0 = 1_800_000_000


def _credential(key, issued: int) -> bytes:
    return fmt.make_credential(
        issuer_kid=bytes.fromhex(key.kid),
        issuer_seed=key.seed,
        card_ref=CARD,
        region=440100,
        nbf=issued - 5,
        exp=issued + 12 * 3600,
        flags=0,
        device_pub=DEVICE_PUB,
    )


@pytest.mark.parametrize("rotations", [2, 10])
def test_every_key_of_a_live_code_still_verifies_after_rotations_in_quick_succession(tmp_path: Path, rotations: int):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED)
    before = store.load()
    minted = T0 + 30
    online = fmt.mint_online(CARD, kid=before.online_kid, master=before.online[before.online_kid], now=minted)
    offline = fmt.make_offline_code(_credential(before.active_signing(minted), minted), DEVICE_SEED, minted)
    for i in range(rotations):  # all within the code's minute (several a second)
        store.rotate(now=minted + i * 30 // rotations, max_credential_seconds=MAX_CRED)
    keyring = store.load()
    scan = minted + fmt.CODE_LIFETIME  # the last second the online code lives
    assert fmt.verify_online(online, masters=keyring.online, now=scan).result is fmt.Result.VALID
    trust = fmt.trust_from_jwks(jwks(keyring, now=scan))
    assert fmt.verify_offline(offline, trust=trust, now=scan).result is fmt.Result.VALID
    assert len(keyring.online) == rotations + 1  # each rotation's secret has a kid no live secret has
    # Long after the code died, a rotation drops the secrets nobody needs.
    store.rotate(now=scan + 3600, max_credential_seconds=MAX_CRED)
    assert len(store.load().online) == 2


def test_a_rotation_that_would_reuse_a_live_kid_is_refused(tmp_path: Path, monkeypatch):
    from backend.keys import keyring as keys_store

    # Five kids instead of 255: the same rule, without 255 rotations each re-reading the keyring.
    monkeypatch.setattr(keys_store, "ONLINE_KIDS", range(1, 6))
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED)
    for i in range(4):
        store.rotate(now=T0 + i, max_credential_seconds=MAX_CRED)
    assert sorted(store.load().online) == [1, 2, 3, 4, 5]
    # Every kid belongs to a secret whose codes may still be shown: refused, nothing dropped.
    before = (tmp_path / "keyring.json").read_bytes()
    with pytest.raises(KeyStoreError, match="wait a minute"):
        store.rotate(now=T0 + 30, max_credential_seconds=MAX_CRED)
    assert (tmp_path / "keyring.json").read_bytes() == before
    # A minute on, the oldest secrets have no live code left: their kids are free again.
    assert store.rotate(now=T0 + 4 + keys_store.ONLINE_KEEP_SECONDS, max_credential_seconds=MAX_CRED)[1] == 1
    assert sorted(store.load().online) == [1, 5]


def test_revoke_a_retired_key_at_once(env: Path, capsys):
    key_dir = env
    assert run(capsys, "keys", "init")[0] == 0
    worker = KeyStore(key_dir, PASSPHRASE)  # a serving worker, with the keyring loaded
    old = worker.load().active_signing()
    issued = old.nbf + 10
    by_old = fmt.make_offline_code(_credential(old, issued), DEVICE_SEED, issued + 60)
    assert run(capsys, "keys", "rotate")[0] == 0
    new = KeyStore(key_dir, PASSPHRASE).load().active_signing()
    by_new = fmt.make_offline_code(_credential(new, issued), DEVICE_SEED, issued + 60)
    assert fmt.verify_offline(by_old, trust=fmt.trust_from_jwks(jwks(worker.load())), now=issued + 60).result is fmt.Result.VALID

    code, out, err = run(capsys, "keys", "revoke", old.kid, "--reason", "seed found on a lost laptop")
    assert code == 0, err
    assert old.kid in out and "revoked" in out

    # Every worker drops it on its next request (the file changed), with no restart.
    keyring = worker.load()
    assert old.kid not in {k.kid for k in keyring.signing}
    assert old.kid not in {k.kid for k in keyring.published()}
    assert keyring.active_signing().kid == new.kid
    # The secret itself is gone from the keyring file; the record of the revocation stays.
    entry = next(e for e in json.loads((key_dir / "keyring.json").read_text())["keys"] if e["id"] == old.kid)
    assert "sealed" not in entry and entry["reason"] == "seed found on a lost laptop" and isinstance(entry["revoked"], int)
    assert entry["revoked_by"]
    code, out, _ = run(capsys, "keys", "list")
    assert code == 0 and any(old.kid in line and "revoked" in line for line in out.splitlines())

    # The trust list: out of `keys`, named under `yk_revoked`.
    trust_file = env.parent / "jwks.json"
    assert run(capsys, "keys", "export-trust", "--out", str(trust_file))[0] == 0
    doc = json.loads(trust_file.read_text())
    assert [k["kid"] for k in doc["keys"]] == [new.kid]
    assert [r["kid"] for r in doc["yk_revoked"]] == [old.kid]
    trust = fmt.trust_from_jwks(doc)
    assert fmt.verify_offline(by_old, trust=trust, now=issued + 60).result is fmt.Result.UNKNOWN_KEY
    assert fmt.verify_offline(by_new, trust=trust, now=issued + 60).result is fmt.Result.VALID

    # Again: nothing changes, and it says so.
    before = (key_dir / "keyring.json").read_bytes()
    code, out, _ = run(capsys, "keys", "revoke", old.kid)
    assert code == 0 and "already revoked" in out
    assert (key_dir / "keyring.json").read_bytes() == before


def test_revoking_the_signing_key_puts_a_new_one_in_its_place(env: Path, capsys):
    key_dir = env
    assert run(capsys, "keys", "init")[0] == 0
    only = KeyStore(key_dir, PASSPHRASE).load().active_signing()
    code, out, err = run(capsys, "keys", "revoke", only.kid)
    assert code == 0, err
    keyring = KeyStore(key_dir, PASSPHRASE).load()
    replacement = keyring.active_signing()
    assert replacement.kid != only.kid and replacement.kid in out
    assert [k.kid for k in keyring.signing] == [replacement.kid]
    # Nothing else moved: the online-code secret and the data keys stay.
    assert len(keyring.online) == 1


def test_revoke_refuses_what_it_cannot_do(env: Path, capsys, monkeypatch):
    code, _, err = run(capsys, "keys", "revoke", "0badc0de")
    assert code == 2 and "keys init" in err  # no keyring yet
    assert run(capsys, "keys", "init")[0] == 0
    for kid, why in (("0badc0de", "no issuer key"), ("1", "issuer key id"), ("XYZ", "issuer key id")):
        code, _out, err = run(capsys, "keys", "revoke", kid)
        assert code == 2 and why in err and "Traceback" not in err, (kid, err)
    monkeypatch.setenv("YIKATONG_KEY_PASSPHRASE", "not the passphrase")
    kid = KeyStore(env, PASSPHRASE).load().active_signing().kid
    code, _, err = run(capsys, "keys", "revoke", kid)
    assert code == 2 and "wrong passphrase" in err


pytestmark_anyio = pytest.mark.anyio


@pytest.fixture
async def own_world(settings, tmp_path):
    """The app on its own keyring (rotations and revocations here touch no other test's keys)."""
    from litestar.testing import AsyncTestClient

    from backend.app import create_app
    from tests.venues.helpers import World

    own = msgspec.structs.replace(settings, key_dir=str(tmp_path / "keys"))
    async with AsyncTestClient(app=create_app(own)) as client:
        yield World(client)


@pytestmark_anyio
async def test_codes_minted_before_two_quick_rotations_still_verify(own_world):
    world = own_world
    scanner = await world.scanner_for("service_counter", ["counter_service"])
    holder = await world.holder()
    device = await world.device(holder)
    online, offline = await world.minted_code(holder), world.offline_code(device)
    keystore = world.client.app.state.keystore
    keystore.rotate()
    keystore.rotate()
    for code in (online, offline):
        response = await world.verify(scanner, code, "counter_service")
        assert response.status_code == 200 and response.json()["result"] == "valid", (code[:4], response.text)


@pytestmark_anyio
async def test_a_revoked_key_is_refused_by_the_api_and_leaves_the_trust_list(own_world):
    world = own_world
    scanner = await world.scanner_for("service_counter", ["counter_service"])
    holder = await world.holder()
    device = await world.device(holder)  # its credential is signed by the key about to be revoked
    keystore = world.client.app.state.keystore
    revoked = world.keyring.active_signing().kid
    before = await world.client.get("/.well-known/jwks.json")

    replacement = keystore.revoke(revoked, reason="test")

    after = await world.client.get("/.well-known/jwks.json", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert [k["kid"] for k in after.json()["keys"]] == [replacement]
    assert [(r["kid"], r["x"]) for r in after.json()["yk_revoked"]] == [(revoked, before.json()["keys"][0]["x"])]
    response = await world.verify(scanner, world.offline_code(device), "counter_service")
    assert response.status_code == 200 and response.json()["result"] == "unknown_key", response.text
    # The phone fetches a new credential, signed by the replacement: its codes pass.
    renewed = await world.device(holder)
    response = await world.verify(scanner, world.offline_code(renewed), "counter_service")
    assert response.json()["result"] == "valid", response.text
