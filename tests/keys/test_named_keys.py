"""The keyring's named keys (issue 19): the federation root and peer keys and the OpenID RS256 key
are made by `keys init`, sealed like every secret, added to keyrings made before them, and checked
against their public halves when opened."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend.keys.keyring import NAMED_KEYS, KeyStore, KeyStoreError
from backend.lib import ed25519
from tests.keys.helpers import PASSPHRASE


def _store(path: Path) -> KeyStore:
    return KeyStore(path, PASSPHRASE)


def test_init_makes_every_named_key_sealed(tmp_path: Path):
    store = _store(tmp_path)
    assert store.init(now=1_800_000_000)
    keyring = store.load()
    assert set(keyring.named) == set(NAMED_KEYS)
    root, peer = keyring.named_key("federation-root"), keyring.named_key("federation-peer")
    assert root.alg == peer.alg == "EdDSA" and root.public != peer.public
    assert ed25519.verify(root.public, b"m", ed25519.sign(root.private, b"m"))
    oidc = keyring.named_key("oidc")
    private = serialization.load_der_private_key(oidc.private, password=None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size >= 2048
    public = serialization.load_der_public_key(oidc.public)
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(private.sign(b"m", padding.PKCS1v15(), _sha256()), b"m", padding.PKCS1v15(), _sha256())
    # The file holds only public halves in clear.
    raw = (tmp_path / "keyring.json").read_bytes()
    for key in keyring.named.values():
        assert key.private not in raw and base64.b64encode(key.private) not in raw


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def test_an_older_keyring_gets_them_on_init(tmp_path: Path):
    store = _store(tmp_path)
    store.init(now=1_800_000_000)
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    before = {name: part["id"] for name, part in doc.pop("named").items()}
    path.write_text(json.dumps(doc))
    fresh = _store(tmp_path)
    assert fresh.load().named == {}
    with pytest.raises(KeyStoreError, match="keys init"):
        fresh.load().named_key("oidc")
    assert not fresh.init(now=1_800_000_100)  # the keyring exists: only what it lacks is added
    again = _store(tmp_path).load()
    assert set(again.named) == set(NAMED_KEYS)
    assert {name: k.kid for name, k in again.named.items()} != before  # new keys, not the dropped ones


def test_a_swapped_public_half_is_refused(tmp_path: Path):
    store = _store(tmp_path)
    store.init(now=1_800_000_000)
    path = tmp_path / "keyring.json"
    doc = json.loads(path.read_text())
    other = doc["named"]["federation-peer"]["public"]
    doc["named"]["federation-root"]["public"] = other  # a verifier would trust the wrong key
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyStoreError, match="federation-root"):
        _store(tmp_path).load()
