"""The keyring file: every secret sealed with AES-GCM under a scrypt key from the passphrase.

Workers only read it; `yikatong keys init|rotate` write it atomically (temp file + rename),
and a worker reloads it when the file changes, so a rotation needs no restart.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt

from backend.lib import ed25519

DEV_PASSPHRASE = "yikatong-dev-only-passphrase"
FILE_NAME = "keyring.json"
SIGNING_DAYS = 90  # an issuer key signs credentials for this long before rotation is due
_SCRYPT = {"N": 2**15, "r": 8, "p": 1}
_KEK_CACHE: dict[tuple[str, bytes], bytes] = {}


class KeyStoreError(RuntimeError):
    """The keyring is missing, unreadable or the passphrase is wrong."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


@dataclass(frozen=True)
class SigningKey:
    kid: str  # 8 lowercase hex chars = the 4 key-id bytes inside credentials
    seed: bytes
    public: bytes
    nbf: int  # signs credentials from
    exp: int  # signs credentials until (rotation moves this to the rotation time)
    publish_until: int  # stays in the trust list until credentials it signed have expired


@dataclass
class Keyring:
    pii: bytes
    blind: bytes
    online: dict[int, bytes]  # kid -> master secret
    online_kid: int  # the newest secret mints; older ones still verify until dropped
    signing: list[SigningKey] = field(default_factory=list)

    def active_signing(self, now: int | None = None) -> SigningKey:
        now = int(time.time()) if now is None else now
        usable = [k for k in self.signing if k.nbf <= now < k.exp]
        if not usable:
            raise KeyStoreError("no issuer signing key is valid now: run `yikatong keys rotate`")
        return max(usable, key=lambda k: k.nbf)

    def published(self, now: int | None = None) -> list[SigningKey]:
        now = int(time.time()) if now is None else now
        return [k for k in self.signing if k.publish_until > now]


class KeyStore:
    """Reads and writes the sealed keyring under the key dir."""

    def __init__(self, key_dir: Path | str, passphrase: str) -> None:
        if not passphrase:
            raise KeyStoreError("YIKATONG_KEY_PASSPHRASE is not set")
        self.path = Path(key_dir) / FILE_NAME
        self.passphrase = passphrase
        self._loaded: Keyring | None = None
        self._mtime: float = 0.0

    # -- sealing ---------------------------------------------------------
    def _kek(self, salt: bytes) -> bytes:
        # scrypt is deliberately slow; derive once per process for a given passphrase and salt.
        key = (self.passphrase, salt)
        if key not in _KEK_CACHE:
            _KEK_CACHE[key] = scrypt(self.passphrase.encode(), salt, 32, **_SCRYPT)  # type: ignore[arg-type]
        return _KEK_CACHE[key]

    @staticmethod
    def _seal(kek: bytes, purpose: str, secret: bytes) -> str:
        nonce = secrets.token_bytes(12)
        cipher = AES.new(kek, AES.MODE_GCM, nonce=nonce)
        cipher.update(purpose.encode())
        ct, tag = cipher.encrypt_and_digest(secret)
        return _b64(nonce + ct + tag)

    @staticmethod
    def _open(kek: bytes, purpose: str, sealed: str) -> bytes:
        raw = _unb64(sealed)
        cipher = AES.new(kek, AES.MODE_GCM, nonce=raw[:12])
        cipher.update(purpose.encode())
        try:
            return cipher.decrypt_and_verify(raw[12:-16], raw[-16:])
        except ValueError as exc:
            raise KeyStoreError("cannot open the keyring: wrong passphrase or a damaged file") from exc

    # -- file ------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    def _read_doc(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError as exc:
            raise KeyStoreError(f"no keyring at {self.path}: run `yikatong keys init`") from exc

    def _write_doc(self, doc: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            os.fchmod(fh.fileno(), 0o600)
            json.dump(doc, fh, indent=2)
        os.replace(tmp, self.path)

    def load(self) -> Keyring:
        """The keyring, re-read when the file changed since the last load."""
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if self._loaded is not None and mtime == self._mtime:
            return self._loaded
        doc = self._read_doc()
        kek = self._kek(_unb64(doc["salt"]))
        pii = blind = b""
        online: dict[int, bytes] = {}
        online_kid, newest = 0, -1
        signing: list[SigningKey] = []
        for entry in doc["keys"]:
            secret = self._open(kek, entry["purpose"] + ":" + entry["id"], entry["sealed"])
            if entry["purpose"] == "pii":
                pii = secret
            elif entry["purpose"] == "blind":
                blind = secret
            elif entry["purpose"] == "online":
                online[int(entry["id"])] = secret
                if entry["created"] >= newest:
                    online_kid, newest = int(entry["id"]), entry["created"]
            elif entry["purpose"] == "signing":
                signing.append(
                    SigningKey(
                        kid=entry["id"],
                        seed=secret,
                        public=_unb64(entry["public"]),
                        nbf=entry["nbf"],
                        exp=entry["exp"],
                        publish_until=entry["publish_until"],
                    )
                )
        self._loaded = Keyring(pii=pii, blind=blind, online=online, online_kid=online_kid, signing=signing)
        self._mtime = mtime
        return self._loaded

    # -- tooling ---------------------------------------------------------
    def _signing_entry(self, kek: bytes, now: int, max_credential_seconds: int) -> dict:
        seed, public = ed25519.generate()
        kid = secrets.token_hex(4)
        exp = now + SIGNING_DAYS * 86400
        return {
            "purpose": "signing",
            "id": kid,
            "alg": "Ed25519",
            "public": _b64(public),
            "nbf": now,
            "exp": exp,
            "publish_until": exp + max_credential_seconds,
            "created": now,
            "sealed": self._seal(kek, "signing:" + kid, seed),
        }

    def init(self, *, now: int | None = None, max_credential_seconds: int = 86400) -> bool:
        """Create the keyring if there is none. Returns False when one already exists."""
        if self.exists():
            self.load()  # proves the passphrase opens it
            return False
        now = int(time.time()) if now is None else now
        salt = secrets.token_bytes(16)
        kek = self._kek(salt)
        keys = []
        for purpose, kid in (("pii", "1"), ("blind", "1"), ("online", "1")):
            keys.append(
                {"purpose": purpose, "id": kid, "created": now, "sealed": self._seal(kek, f"{purpose}:{kid}", secrets.token_bytes(32))}
            )
        keys.append(self._signing_entry(kek, now, max_credential_seconds))
        self._write_doc({"version": 1, "kdf": "scrypt", "salt": _b64(salt), **{"scrypt": _SCRYPT}, "keys": keys})
        return True

    def rotate(self, *, now: int | None = None, max_credential_seconds: int = 86400) -> tuple[str, int]:
        """New issuer key and online-code secret; old ones stop signing now but stay published
        (and accepted) until everything they signed has expired."""
        now = int(time.time()) if now is None else now
        doc = self._read_doc()
        kek = self._kek(_unb64(doc["salt"]))
        current = self.load().online_kid
        for entry in doc["keys"]:
            if entry["purpose"] == "signing" and entry["exp"] > now:
                entry["exp"] = now
                entry["publish_until"] = now + max_credential_seconds
        new_online = current % 255 + 1  # kids run 1..255 and wrap
        doc["keys"] = [e for e in doc["keys"] if not (e["purpose"] == "online" and int(e["id"]) == new_online)]
        doc["keys"].append(
            {"purpose": "online", "id": str(new_online), "created": now, "sealed": self._seal(kek, f"online:{new_online}", secrets.token_bytes(32))}
        )
        # Online codes live a minute: keep only the newest two secrets.
        online_entries = sorted((e for e in doc["keys"] if e["purpose"] == "online"), key=lambda e: e["created"])
        for stale in online_entries[:-2]:
            doc["keys"].remove(stale)
        entry = self._signing_entry(kek, now, max_credential_seconds)
        doc["keys"].append(entry)
        # Drop signing keys that nobody can need any more.
        doc["keys"] = [e for e in doc["keys"] if e["purpose"] != "signing" or e["publish_until"] > now]
        self._write_doc(doc)
        self._loaded = None
        return entry["id"], new_online

    def describe(self) -> list[dict]:
        """Public facts about every key (never the secret)."""
        doc = self._read_doc()
        out = []
        for e in doc["keys"]:
            out.append({k: v for k, v in e.items() if k != "sealed"})
        return out
