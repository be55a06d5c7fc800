"""Standard Webhooks signing: `whsec_` secrets, sealed at rest, and the three headers of a delivery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from Crypto.Cipher import AES

from backend.keys.keyring import Keyring

PREFIX = "whsec_"
_DOMAIN = b"yikatong webhook secret v1"


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the form the Standard Webhooks libraries take)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def _key(keyring: Keyring) -> bytes:
    # A key of its own, derived from the pii key: the identity numbers' key never touches these.
    return hmac.new(keyring.pii, _DOMAIN, hashlib.sha256).digest()


def seal(keyring: Keyring, subscription_id: str, secret: str) -> str:
    """AES-256-GCM, bound to the subscription (a sealed secret copied to another row does not open)."""
    nonce = secrets.token_bytes(12)
    cipher = AES.new(_key(keyring), AES.MODE_GCM, nonce=nonce)
    cipher.update(subscription_id.encode())
    ct, tag = cipher.encrypt_and_digest(secret.encode())
    return base64.b64encode(nonce + ct + tag).decode()


def unseal(keyring: Keyring, subscription_id: str, sealed: str) -> str:
    raw = base64.b64decode(sealed)
    cipher = AES.new(_key(keyring), AES.MODE_GCM, nonce=raw[:12])
    cipher.update(subscription_id.encode())
    return cipher.decrypt_and_verify(raw[12:-16], raw[-16:]).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")>`."""
    mac = hmac.new(secret_bytes(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secrets_now: list[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The Standard Webhooks headers; during a rotation's overlap both secrets sign (space-separated)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_now),
    }
