"""The SM suite in the keyring: `keys rotate --suite sm2` and back, with no live credential or code refused."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.keys.keyring import KeyStore, KeyStoreError, SigningKey
from backend.keys.trust import jwks
from backend.lib import ed25519, sm2
from tests.keys.helpers import CARD, DEVICE_PUB, DEVICE_SEED, MAX_CRED, PASSPHRASE, run

T0 = 1_800_000_000
SLOT = 3 * 3600


def _v1_code(key: SigningKey, t: int) -> str:
    credential = fmt.make_credential(
        issuer_kid=bytes.fromhex(key.kid),
        issuer_seed=key.seed,
        card_ref=CARD,
        region=440100,
        nbf=t - 5,
        exp=t + 12 * 3600,
        flags=0,
        device_pub=DEVICE_PUB,
    )
    return fmt.make_offline_code(credential, DEVICE_SEED, t)


def _v2_code(key: SigningKey, t: int) -> str:
    """A YKD2 code for transit_ride under `key`, in the suite of its algorithm, with a one-time device key."""
    suite = v2.Suite.SM2 if key.alg == "SM2SM3" else v2.Suite.ED25519
    device_private, device_pub = sm2.generate() if suite is v2.Suite.SM2 else ed25519.generate()
    nbf = t - t % SLOT
    credential = v2.make_credential_v2(
        suite=suite,
        issuer_kid=bytes.fromhex(key.kid),
        issuer_private=key.seed,
        cred_ref=os.urandom(8),
        profile=v2.Profile.TRANSIT,
        region=440100,
        nbf=nbf,
        exp=min(nbf + SLOT, key.publish_until - 5),
        attrs=0x08,
        device_pub=device_pub,
    )
    return v2.make_offline_code_v2(credential, device_private, "transit_ride", t)


def _v2_result(code: str, doc: dict, now: int) -> fmt.Result:
    return v2.verify_offline_v2(code, trust=v2.trust_from_jwks_v2(doc), scenario="transit_ride", now=now).result


def test_rotation_to_sm2_refuses_no_live_credential_or_code(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED)
    before = store.load()
    assert before.suite == "ed25519" and before.issuing_key(T0).alg == "EdDSA"
    old = before.active_signing(T0)
    minted = T0 + 600
    old_kid = before.online_kid
    assert before.online_suite(old_kid) == "aes"
    online_old = fmt.mint_online(CARD, kid=old_kid, master=before.online[old_kid], now=minted)
    v1_old = _v1_code(old, minted)
    v2_old = _v2_code(old, minted)

    sm2_kid, online_kid = store.rotate(now=minted + 1, max_credential_seconds=MAX_CRED, suite="sm2")
    keyring = store.load()
    assert keyring.suite == "sm2"
    issuing = keyring.issuing_key(minted + 1)
    assert issuing.kid == sm2_kid and issuing.alg == "SM2SM3"
    assert sm2.public_from_private(issuing.seed) == issuing.public and len(issuing.public) == 33
    # The Ed25519 key that signs everything else is renewed, never the SM2 one.
    ed_now = keyring.active_signing(minted + 1)
    assert ed_now.alg == "EdDSA" and ed_now.kid not in (old.kid, sm2_kid)
    assert keyring.online_kid == online_kid != old_kid and keyring.online_suite(online_kid) == "sm4"
    assert keyring.online_masters[old_kid] == ("aes", before.online[old_kid])

    scan = minted + fmt.CODE_LIFETIME
    # The online code minted under the old (AES) secret verifies, by bytes and by (suite, bytes).
    for masters in (keyring.online, keyring.online_masters):
        assert fmt.verify_online(online_old, masters=masters, now=scan).result is fmt.Result.VALID
    # A new online code is SM4 under the new kid, and verifies beside the old one.
    online_new = fmt.mint_online(CARD, kid=online_kid, master=keyring.online[online_kid], now=scan, suite="sm4")
    assert fmt.verify_online(online_new, masters=keyring.online_masters, now=scan).result is fmt.Result.VALID
    assert fmt.verify_online(online_new, masters=keyring.online, now=scan).result is not fmt.Result.VALID  # not as AES

    # The trust list names the retired Ed25519 key, the new one and the SM2 key, each with its alg.
    doc = jwks(keyring, now=scan, v1_retire_at=1803859200)
    by_kid = {k["kid"]: k for k in doc["keys"]}
    assert {kid: k["alg"] for kid, k in by_kid.items()} == {old.kid: "EdDSA", ed_now.kid: "EdDSA", sm2_kid: "SM2SM3"}
    entry = by_kid[sm2_kid]
    assert set(entry) == {"kty", "crv", "x", "y", "kid", "use", "alg", "nbf", "exp", "yk_publish_until"}
    assert (entry["kty"], entry["crv"], entry["use"]) == ("EC", "SM2", "sig")
    xy = base64.urlsafe_b64decode(entry["x"] + "=") + base64.urlsafe_b64decode(entry["y"] + "=")
    assert sm2.compress(xy) == issuing.public
    assert by_kid[old.kid]["exp"] == minted + 1 and by_kid[old.kid]["yk_publish_until"] == minted + 1 + MAX_CRED
    assert doc["yk_retired_formats"] == {"YKD1": 1803859200}
    assert fmt.trust_from_jwks(doc) == {old.kid: old.public, ed_now.kid: ed_now.public}  # v1: Ed25519 only
    assert v2.trust_from_jwks_v2(doc)[sm2_kid] == v2.TrustedKey(alg="SM2SM3", public=issuing.public)

    # Credentials signed before the rotation still verify, in both formats; SM2 ones verify too.
    assert fmt.verify_offline(v1_old, trust=fmt.trust_from_jwks(doc), now=scan).result is fmt.Result.VALID
    assert _v2_result(v2_old, doc, scan) is fmt.Result.VALID
    v2_new = _v2_code(issuing, scan)
    assert _v2_result(v2_new, doc, scan) is fmt.Result.VALID

    # Once its credentials have expired the old key leaves the list, and its codes with it.
    gone = old.publish_until if old.publish_until > minted + 1 + MAX_CRED else minted + 1 + MAX_CRED
    later = jwks(store.load(), now=gone)
    assert old.kid not in {k["kid"] for k in later["keys"]} and sm2_kid in {k["kid"] for k in later["keys"]}
    # A rotation long after drops the old secret; the SM4 one still verifies a minute's codes.
    store.rotate(now=scan + 3600, max_credential_seconds=MAX_CRED)
    kept = store.load()
    assert kept.suite == "sm2" and old_kid not in kept.online and kept.online_suite(kept.online_kid) == "sm4"
    assert kept.issuing_key(scan + 3600).alg == "SM2SM3"


def test_rotation_back_to_ed25519_keeps_the_sm2_key_published(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED, suite="sm2")
    first = store.load()
    assert first.suite == "sm2" and first.online_suite(first.online_kid) == "sm4"
    sm_key = first.issuing_key(T0)
    t = T0 + 100
    code = _v2_code(sm_key, t)
    online = fmt.mint_online(CARD, kid=first.online_kid, master=first.online[first.online_kid], now=t, suite="sm4")

    kid, online_kid = store.rotate(now=t + 1, max_credential_seconds=MAX_CRED, suite="ed25519")
    keyring = store.load()
    assert keyring.suite == "ed25519" and keyring.issuing_key(t + 1).kid == kid and keyring.issuing_key(t + 1).alg == "EdDSA"
    assert keyring.online_suite(online_kid) == "aes"
    with pytest.raises(KeyStoreError):
        keyring.active_signing(t + 1, "SM2SM3")  # it stopped signing at the rotation
    doc = jwks(keyring, now=t + 30)
    assert {k["kid"]: k["alg"] for k in doc["keys"]}[sm_key.kid] == "SM2SM3"
    assert _v2_result(code, doc, t + 30) is fmt.Result.VALID
    assert fmt.verify_online(online, masters=keyring.online_masters, now=t + 30).result is fmt.Result.VALID


def test_the_keyring_file_records_algorithms_and_suites_and_checks_sm2_keys(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED)
    store.rotate(now=T0 + 10, max_credential_seconds=MAX_CRED, suite="sm2")
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    assert doc["suite"] == "sm2"
    signing = [e for e in doc["keys"] if e["purpose"] == "signing"]
    assert sorted(e["alg"] for e in signing) == ["Ed25519", "Ed25519", "SM2SM3"]
    assert sorted(e.get("suite") for e in doc["keys"] if e["purpose"] == "online") == ["aes", "sm4"]
    # A public half that is not the sealed SM2 value's is refused, as for Ed25519 keys.
    entry = next(e for e in signing if e["alg"] == "SM2SM3")
    entry["public"] = base64.b64encode(sm2.generate()[1]).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyStoreError, match="does not match"):
        KeyStore(tmp_path, PASSPHRASE).load()


def test_a_keyring_written_before_the_sm_suite_still_opens(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED)
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    del doc["suite"]
    for e in doc["keys"]:
        e.pop("suite", None)
    path.write_text(json.dumps(doc))
    keyring = KeyStore(tmp_path, PASSPHRASE).load()
    assert keyring.suite == "ed25519" and keyring.online_suite(keyring.online_kid) == "aes"
    assert keyring.issuing_key(T0).alg == "EdDSA"


def test_revoking_the_sm2_key_puts_a_new_sm2_key_in_its_place(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED, suite="sm2")
    sm_key = store.load().issuing_key(T0)
    ed_key = store.load().active_signing(T0)
    replacement = store.revoke(sm_key.kid, now=T0 + 5, max_credential_seconds=MAX_CRED)
    keyring = store.load()
    assert replacement is not None and keyring.issuing_key(T0 + 5).kid == replacement
    assert keyring.issuing_key(T0 + 5).alg == "SM2SM3" and keyring.active_signing(T0 + 5).kid == ed_key.kid
    doc = jwks(keyring, now=T0 + 5)
    assert [(r["kid"], r["alg"]) for r in doc["yk_revoked"]] == [(sm_key.kid, "SM2SM3")]
    assert base64.urlsafe_b64decode(doc["yk_revoked"][0]["x"] + "=") == sm_key.public


def test_cli_rotates_to_the_sm_suite_and_back(env: Path, capsys, monkeypatch):
    monkeypatch.setenv("YIKATONG_OFFLINE_V1_RETIRE_AT", "1900000000")
    assert run(capsys, "keys", "init")[0] == 0
    code, out, err = run(capsys, "keys", "rotate", "--suite", "sm2", "--publish-ahead", "0")
    assert code == 0, err
    assert "SM2SM3" in out and "sm4" in out and "ed25519 -> sm2" in out
    keyring = KeyStore(env, PASSPHRASE).load()
    assert keyring.suite == "sm2" and keyring.issuing_key().alg == "SM2SM3"
    code, out, err = run(capsys, "keys", "rotate")  # keeps the suite
    assert code == 0 and "SM2SM3" in out and "->" not in out
    trust_file = env.parent / "jwks.json"
    assert run(capsys, "keys", "export-trust", "--out", str(trust_file))[0] == 0
    doc = json.loads(trust_file.read_text())
    assert doc["yk_retired_formats"] == {"YKD1": 1900000000}
    assert sorted(k["alg"] for k in doc["keys"]).count("SM2SM3") == 2
    code, out, err = run(capsys, "keys", "rotate", "--suite", "ed25519")
    assert code == 0 and "sm2 -> ed25519" in out
    assert KeyStore(env, PASSPHRASE).load().suite == "ed25519"
    with pytest.raises(SystemExit) as exited:  # argparse refuses an unknown suite before anything is written
        run(capsys, "keys", "rotate", "--suite", "rsa")
    assert exited.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_a_change_of_suite_publishes_the_new_keys_before_they_sign(tmp_path: Path):
    """Offline scanners learn a key only when they sync: the SM2 key is in the trust list for
    `publish_ahead` seconds before any credential is signed with it, and Ed25519 signs until then."""
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=T0, max_credential_seconds=MAX_CRED)
    old = store.load().active_signing(T0)
    ahead = 72 * 3600
    sm2_kid, online_kid = store.rotate(now=T0 + 10, max_credential_seconds=MAX_CRED, suite="sm2", publish_ahead=ahead)
    keyring = store.load()
    # Published at once ...
    doc = jwks(keyring, now=T0 + 10, v1_retire_at=1803859200)
    assert sm2_kid in v2.trust_from_jwks_v2(doc)
    # ... but until the lead has passed the old Ed25519 key still signs the offline credentials.
    assert keyring.suite_at(T0 + 10) == "ed25519" and keyring.issuing_key(T0 + 10).kid == old.kid
    assert keyring.issuing_key(T0 + 10 + ahead - 1).kid == old.kid
    assert keyring.suite_at(T0 + 10 + ahead) == "sm2" and keyring.issuing_key(T0 + 10 + ahead).kid == sm2_kid
    # The old key stays published until what it signed in the lead has expired.
    assert next(k for k in keyring.signing if k.kid == old.kid).publish_until == T0 + 10 + ahead + MAX_CRED
    # Online codes move at once: only this server verifies them.
    assert keyring.online_kid == online_kid and keyring.online_suite(online_kid) == "sm4"
    with pytest.raises(KeyStoreError):
        store.rotate(now=T0 + 20, max_credential_seconds=MAX_CRED, publish_ahead=-1)


def test_cli_publishes_a_new_suite_ahead_by_default(env: Path, capsys):
    assert run(capsys, "keys", "init")[0] == 0
    code, out, err = run(capsys, "keys", "rotate", "--suite", "sm2")
    assert code == 0, err
    assert "72 h ahead" in out
    keyring = KeyStore(env, PASSPHRASE).load()
    assert keyring.issuing_key().alg == "EdDSA"  # Ed25519 signs for 72 more hours
    assert any(k.alg == "SM2SM3" for k in keyring.published())  # the SM2 key is already in the list
    # The old key is kept past the last slot of a batch signed just before the switch.
    from backend.lib.settings import load_settings

    settings = load_settings()
    switch = keyring.suite_from
    last_exp = switch + (settings.credential_hours + settings.credential_slot_hours) * 3600
    assert min(k.publish_until for k in keyring.signing if k.alg == "EdDSA") >= last_exp
