"""TOTP (RFC 6238): sealed secrets, once-only step matching, QR images and recovery codes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import re
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from Crypto.Cipher import AES

STEP_SECONDS = 30
VALID_WINDOW = 1  # one step either side, for phone clocks that drift
ISSUER = "Yikatong"
ACTIVE = "totp"
PENDING = "totp_pending"

_VERSION = b"\x01"
_AAD_PREFIX = b"yikatong.totp.v1|"
_CODE = re.compile(r"[0-9]{6}", re.ASCII)

RECOVERY_COUNT = 10
# Crockford-style base32 without look-alikes (i, l, o, u): 16 characters carry 80 bits.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_LENGTH = 16


def _aad(purpose: str, owner_id: str) -> bytes:
    # Purpose and owner in the AAD: a sealed secret cannot be replayed as another user's, as an
    # identity number, or moved from "pending" to "active" without being re-sealed on purpose.
    return _AAD_PREFIX + purpose.encode() + b"|" + owner_id.encode()


def seal(secret: str, key: bytes, *, purpose: str, owner_id: str) -> bytes:
    nonce = secrets.token_bytes(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(_aad(purpose, owner_id))
    ciphertext, tag = cipher.encrypt_and_digest(secret.encode())
    return _VERSION + nonce + ciphertext + tag


def unseal(blob: bytes, key: bytes, *, purpose: str, owner_id: str) -> str:
    blob = bytes(blob)
    if blob[:1] != _VERSION or len(blob) < 1 + 12 + 16:
        raise ValueError("sealed TOTP secret has an unknown format")
    cipher = AES.new(key, AES.MODE_GCM, nonce=blob[1:13])
    cipher.update(_aad(purpose, owner_id))
    return cipher.decrypt_and_verify(blob[13:-16], blob[-16:]).decode()


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def is_valid_secret(secret: str) -> bool:
    """A base32 secret of at least 80 bits (16 characters)."""
    if not isinstance(secret, str) or len(secret) < 16 or len(secret) > 128:
        return False
    try:
        base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return False
    return True


def matching_step(secret: str, code: str, now: int, *, after_step: int) -> int | None:
    """The time step `code` belongs to (within the window), if it is later than `after_step`.

    The earliest qualifying step is returned, so a chance match on a future step never blocks
    the holder's next real code.
    """
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = now // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret: str, label: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=label, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    svg: str = image.to_string(encoding="unicode")
    return svg


def qr_png(uri: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(uri).save(buffer, format="PNG")
    return buffer.getvalue()


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def normalise_recovery_code(code: str) -> str | None:
    """Lower-case without separators, or None when it cannot be a recovery code."""
    value = code.strip().lower().replace("-", "").replace(" ", "")
    if len(value) != _RECOVERY_LENGTH or any(ch not in _RECOVERY_ALPHABET for ch in value):
        return None
    return value


def recovery_hash(normalised: str) -> str:
    # 80 random bits per code: far beyond offline guessing, so a fast hash is right here
    # (a slow one would cost 10 Argon2 runs per attempt for no gain).
    return hashlib.sha256(b"yikatong.recovery.v1|" + normalised.encode()).hexdigest()
