"""The VAPID key pair: made by `keys init`, sealed like every other key, added to an older keyring."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from backend.keys.keyring import KeyStore, KeyStoreError, vapid_public
from tests.inbox.helpers import b64url

PASSPHRASE = "a test passphrase for the keyring"


def test_init_makes_a_sealed_vapid_key(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    assert store.init(now=1_800_000_000)
    keyring = store.load()
    assert keyring.vapid is not None and len(keyring.vapid) == 32
    public = vapid_public(keyring.vapid)
    assert len(public) == 65 and public[0] == 4
    raw = (tmp_path / "keyring.json").read_text()
    entry = next(e for e in json.loads(raw)["keys"] if e["purpose"] == "vapid")
    assert entry["public"] and entry["alg"] == "ES256"
    # The private scalar is in the file only sealed, in no encoding.
    for form in (keyring.vapid.hex(), b64url(keyring.vapid), base64.b64encode(keyring.vapid).decode()):
        assert form not in raw
    assert any(d["purpose"] == "vapid" for d in store.describe())
    assert all("sealed" not in d for d in store.describe())


def test_an_older_keyring_gets_one_and_keeps_its_keys(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=1_800_000_000)
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    doc["keys"] = [e for e in doc["keys"] if e["purpose"] != "vapid"]  # as written before Web Push
    path.write_text(json.dumps(doc))
    old = KeyStore(tmp_path, PASSPHRASE).load()
    assert old.vapid is None
    assert KeyStore(tmp_path, PASSPHRASE).init() is False
    new = KeyStore(tmp_path, PASSPHRASE).load()
    assert new.vapid is not None and (new.pii, new.blind, new.online, new.signing) == (
        old.pii,
        old.blind,
        old.online,
        old.signing,
    )
    # Once there, init leaves it alone: every browser subscription is bound to its public half.
    KeyStore(tmp_path, PASSPHRASE).init()
    assert KeyStore(tmp_path, PASSPHRASE).load().vapid == new.vapid


def test_a_tampered_public_half_is_refused(tmp_path: Path):
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init(now=1_800_000_000)
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    other = KeyStore(tmp_path / "other", PASSPHRASE)
    other.init()
    entry = next(e for e in doc["keys"] if e["purpose"] == "vapid")
    entry["public"] = base64.b64encode(vapid_public(other.load().vapid)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyStoreError):
        KeyStore(tmp_path, PASSPHRASE).load()
