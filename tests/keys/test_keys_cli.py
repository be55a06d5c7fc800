"""`yikatong keys init|rotate|list|export-trust` end to end: sealing, passphrases, rotation."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from backend.codes import format as fmt
from backend.keys.keyring import KeyStore
from backend.keys.trust import jwks
from backend.lib import ed25519
from tests.keys.helpers import CARD, DEVICE_PUB, DEVICE_SEED, MAX_CRED, PASSPHRASE, run


def encodings(secret: bytes) -> list[str]:
    """Every way a secret could plausibly leak into a text file or a terminal."""
    b64 = base64.b64encode(secret).decode()
    return [
        secret.hex(),
        secret.hex().upper(),
        b64,
        b64.rstrip("="),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        base64.b32encode(secret).decode().rstrip("="),
    ]


def secrets_of(key_dir: Path) -> list[bytes]:
    keyring = KeyStore(key_dir, PASSPHRASE).load()
    vapid = [keyring.vapid] if keyring.vapid is not None else []
    # issue 19: federation root and peer, OpenID (RSA); issue 20: audit anchor, credit
    named = [k.private for k in keyring.named.values()]
    return [keyring.pii, keyring.blind, *keyring.online.values(), *(k.seed for k in keyring.signing), *vapid, *named]


def assert_no_secret(text: str | bytes, secrets: list[bytes]) -> None:
    raw = text if isinstance(text, bytes) else text.encode()
    for secret in secrets:
        assert secret not in raw
        for form in encodings(secret):
            assert form.encode() not in raw, "a secret leaked"


def test_init_seals_every_secret(env: Path, capsys):
    code, out, err = run(capsys, "keys", "init")
    assert code == 0, err
    assert out.startswith("created keyring at")
    path = env / "keyring.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secrets = secrets_of(env)
    keyring = KeyStore(env, PASSPHRASE).load()
    rsa = keyring.named["oidc"].private
    assert len(secrets) == 10 and all(len(s) == 32 for s in secrets if s != rsa)
    assert_no_secret(path.read_bytes(), secrets)
    doc = json.loads(path.read_text())
    assert doc["kdf"] == "scrypt" and {e["purpose"] for e in doc["keys"]} == {"pii", "blind", "online", "signing", "vapid"}
    # Running init again keeps the keyring (and proves the passphrase still opens it).
    before = path.read_bytes()
    code, out, _ = run(capsys, "keys", "init")
    assert code == 0 and out.startswith("keyring already exists")
    assert path.read_bytes() == before


@pytest.mark.parametrize("action", ["init", "rotate", "export-trust"])
def test_wrong_passphrase_fails_cleanly(env: Path, capsys, monkeypatch, action: str):
    assert run(capsys, "keys", "init")[0] == 0
    before = (env / "keyring.json").read_bytes()
    monkeypatch.setenv("YIKATONG_KEY_PASSPHRASE", "not the passphrase")
    code, out, err = run(capsys, "keys", action)
    assert code == 2
    assert err.startswith("error: ") and "wrong passphrase" in err
    assert "Traceback" not in err and out == ""
    # A failed rotation must not have sealed new keys under the wrong passphrase.
    assert (env / "keyring.json").read_bytes() == before
    monkeypatch.setenv("YIKATONG_KEY_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "keys", "export-trust")[0] == 0


def test_missing_passphrase_in_production(env: Path, capsys, monkeypatch):
    monkeypatch.delenv("YIKATONG_KEY_PASSPHRASE")
    code, _out, err = run(capsys, "keys", "init")
    assert code == 2 and "YIKATONG_KEY_PASSPHRASE is not set" in err
    assert not (env / "keyring.json").exists()


def test_missing_and_damaged_keyring(env: Path, capsys):
    code, _, err = run(capsys, "keys", "export-trust")
    assert code == 2 and "keys init" in err
    env.mkdir(parents=True)
    (env / "keyring.json").write_text("{not json")
    code, _, err = run(capsys, "keys", "export-trust")
    assert code == 2 and "cannot read the keyring" in err and "Traceback" not in err
    (env / "keyring.json").write_text('{"salt": "AAAA", "keys": [{"purpose": "pii"}]}')
    for action in ("rotate", "list", "export-trust"):
        code, _, err = run(capsys, "keys", action)
        assert code == 2 and "damaged" in err, action


def test_tampered_public_key_is_refused(env: Path, capsys):
    assert run(capsys, "keys", "init")[0] == 0
    path = env / "keyring.json"
    doc = json.loads(path.read_text())
    signing = next(e for e in doc["keys"] if e["purpose"] == "signing")
    signing["public"] = base64.b64encode(ed25519.generate()[1]).decode()  # someone swaps the published key
    path.write_text(json.dumps(doc))
    code, _, err = run(capsys, "keys", "export-trust")
    assert code == 2 and "does not match its seed" in err


def test_list_never_prints_secrets(env: Path, capsys):
    assert run(capsys, "keys", "init")[0] == 0
    assert run(capsys, "keys", "rotate")[0] == 0
    code, out, err = run(capsys, "keys", "list")
    assert code == 0, err
    keyring = KeyStore(env, PASSPHRASE).load()
    assert_no_secret(out + err, secrets_of(env))
    lines = out.strip().splitlines()
    # data keys, two online secrets, old and new signing key, the VAPID key of Web Push
    assert len(lines) == 7
    for key in keyring.signing:
        assert any(line.startswith("signing") and key.kid in line for line in lines)
    assert sum(line.startswith("online") for line in lines) == 2


def test_rotation_keeps_old_credentials_verifiable(env: Path, capsys, tmp_path: Path):
    assert run(capsys, "keys", "init")[0] == 0
    store = KeyStore(env, PASSPHRASE)
    before = store.load()
    old = before.active_signing()
    issued = old.nbf + 10  # a credential issued just before the rotation
    credential = fmt.make_credential(
        issuer_kid=bytes.fromhex(old.kid),
        issuer_seed=old.seed,
        card_ref=CARD,
        region=440100,
        nbf=issued - 5,
        exp=issued + 12 * 3600,
        flags=int(fmt.Flags.TRANSPORT),
        device_pub=DEVICE_PUB,
    )

    code, out, err = run(capsys, "keys", "rotate")
    assert code == 0, err
    after = KeyStore(env, PASSPHRASE).load()
    new = after.active_signing()
    assert new.kid != old.kid and new.kid in out
    retired = next(k for k in after.signing if k.kid == old.kid)
    # It stopped signing at the rotation and stays published as long as its last credential lives.
    assert retired.exp <= new.nbf
    assert retired.publish_until == retired.exp + MAX_CRED
    assert after.online_kid != before.online_kid and before.online_kid in after.online

    trust_file = tmp_path / "jwks.json"
    code, out, err = run(capsys, "keys", "export-trust", "--out", str(trust_file))
    assert code == 0, err
    doc = json.loads(trust_file.read_text())
    assert {k["kid"] for k in doc["keys"]} == {old.kid, new.kid}
    for jwk in doc["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg", "nbf", "exp", "yk_publish_until"}
    assert_no_secret(trust_file.read_bytes(), secrets_of(env))

    # The phone still shows offline codes with the pre-rotation credential, and they verify.
    scan = issued + 3600
    offline = fmt.make_offline_code(credential, DEVICE_SEED, scan)
    check = fmt.verify_offline(offline, trust=fmt.trust_from_jwks(doc), now=scan)
    assert check.result is fmt.Result.VALID and check.card_ref == CARD
    # ... through the reference verifier too, with only the exported files.
    revocations = tmp_path / "rev.json"
    revocations.write_text(json.dumps({"version": 1, "cards": {}, "devices": []}))
    code, out, err = run(
        capsys, "verify", offline, "--trust", str(trust_file), "--revocations", str(revocations), "--now", str(scan)
    )
    assert code == 0, err
    assert json.loads(out)["result"] == "valid"

    # Once every credential of the old key has expired, the key leaves the trust list.
    gone = jwks(after, now=retired.publish_until)
    assert [k["kid"] for k in gone["keys"]] == [new.kid]
    assert fmt.verify_offline(offline, trust=fmt.trust_from_jwks(gone), now=scan).result is fmt.Result.UNKNOWN_KEY


def test_rotation_drops_keys_nobody_needs(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    t0 = 1_800_000_000
    store.init(now=t0, max_credential_seconds=MAX_CRED)
    first = store.load().active_signing(t0).kid
    store.rotate(now=t0 + 100, max_credential_seconds=MAX_CRED)
    second = store.load().active_signing(t0 + 100).kid
    store.rotate(now=t0 + 200, max_credential_seconds=MAX_CRED)
    # Until the second key's last credential expires, it must stay ...
    store.rotate(now=t0 + 200 + MAX_CRED - 1, max_credential_seconds=MAX_CRED)
    kids = [k.kid for k in store.load().signing]
    assert first not in kids and second in kids and len(kids) == 3
    # ... and a rotation after that drops it.
    store.rotate(now=t0 + 200 + MAX_CRED, max_credential_seconds=MAX_CRED)
    keyring = store.load()
    kids = [k.kid for k in keyring.signing]
    assert first not in kids and second not in kids and len(kids) == 3
    # Online codes live a minute: a secret retired more than that (plus skew) ago is dropped,
    # one retired a second ago is kept.
    assert len(keyring.online) == 3
    store.rotate(now=t0 + 200 + MAX_CRED + 3600, max_credential_seconds=MAX_CRED)
    assert len(store.load().online) == 2
    assert len({k.kid for k in keyring.signing}) == len(keyring.signing)


def test_worker_sees_rotation_without_restart(tmp_path: Path):
    worker = KeyStore(tmp_path, PASSPHRASE)
    worker.init()
    kid_before = worker.load().active_signing().kid
    KeyStore(tmp_path, PASSPHRASE).rotate()  # the operator, in another process
    assert worker.load().active_signing().kid != kid_before


def test_cli_entry_point_in_a_subprocess(env: Path, capsys):
    """The `yikatong` command in a fresh process, configured by environment variables only."""
    assert run(capsys, "keys", "init")[0] == 0
    command = [sys.executable, "-m", "backend.cli", "keys"]
    environ = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    listed = subprocess.run([*command, "list"], env=environ, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "signing" in listed.stdout
    assert_no_secret(listed.stdout + listed.stderr, secrets_of(env))
    environ["YIKATONG_KEY_PASSPHRASE"] = "wrong"
    failed = subprocess.run([*command, "rotate"], env=environ, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 2
    assert failed.stderr.strip() == "error: cannot open the keyring: wrong passphrase or a damaged file"
