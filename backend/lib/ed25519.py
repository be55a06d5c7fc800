"""Ed25519 (RFC 8032) over raw keys: 32-byte seeds, 32-byte public keys, 64-byte signatures."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from typing import TYPE_CHECKING, Literal

import nacl.bindings
from Crypto.Signature import eddsa

if TYPE_CHECKING:
    from Crypto.PublicKey._point import EccPoint

Backend = Literal["nacl", "pycryptodome"]
SEED_SIZE = 32
PUBLIC_SIZE = 32
SIGNATURE_SIZE = 64

# libsodium is the default: verification is about 5x faster than pycryptodome's, and every
# scan costs one or two verifications. pycryptodome stays selectable so the benchmark can
# compare the two. Verification follows one rule whatever the backend (docs/qr-format.md
# 5.5): libsodium's crypto_sign_verify_detached. pycryptodome's own verify is plain RFC 8032
# with the cofactored equation: it accepts small-order keys (anyone can sign for those) and
# small-order R values, so that backend checks the rule here instead of calling it.
_backend: Backend = "nacl"

_L = 2**252 + 27742317777372353535851937790883648493  # order of the base point
_P = 2**255 - 19
# The 7 encodings (bit 255, the sign of x, cleared) of points of order 1, 2, 4 and 8,
# canonical or not: libsodium's ge25519_has_small_order list.
_SMALL_ORDER = frozenset(
    bytes.fromhex(h)
    for h in (
        "00" * 32,  # y = 0, order 4
        "01" + "00" * 31,  # y = 1, the identity
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "ec" + "ff" * 30 + "7f",  # y = p - 1, order 2
        "ed" + "ff" * 30 + "7f",  # y = p, i.e. 0 again (non-canonical)
        "ee" + "ff" * 30 + "7f",  # y = p + 1, i.e. 1 again (non-canonical)
    )
)


def use_backend(name: Backend) -> None:
    """Pick the library behind generate/public_from_seed/sign/verify: "nacl" or "pycryptodome".

    Process-wide, for benchmarks and tests; production keeps the "nacl" default.
    """
    global _backend
    if name not in ("nacl", "pycryptodome"):
        raise ValueError(f"unknown Ed25519 backend {name!r}")
    _backend = name


def current_backend() -> Backend:
    """The backend in use."""
    return _backend


def generate() -> tuple[bytes, bytes]:
    """A fresh key pair as (seed, public key)."""
    seed = os.urandom(SEED_SIZE)
    return seed, public_from_seed(seed)


def public_from_seed(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte seed."""
    seed = _checked(seed, SEED_SIZE, "seed")
    if _backend == "nacl":
        public, _secret = nacl.bindings.crypto_sign_seed_keypair(seed)
        return public
    return eddsa.import_private_key(seed).public_key().export_key(format="raw")


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte signature of `message` by the key with this seed (deterministic)."""
    seed = _checked(seed, SEED_SIZE, "seed")
    message = bytes(message)
    if _backend == "nacl":
        _public, secret = nacl.bindings.crypto_sign_seed_keypair(seed)
        return nacl.bindings.crypto_sign(message, secret)[:SIGNATURE_SIZE]
    return eddsa.new(eddsa.import_private_key(seed), "rfc8032").sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True when `signature` is valid for `message` under `public`; False for anything else.

    Never raises: wrong types, wrong lengths and points off the curve all just fail, because
    the inputs come straight from scanned codes and trust lists.
    """
    if not all(isinstance(v, (bytes, bytearray, memoryview)) for v in (public, message, signature)):
        return False
    try:
        public, message, signature = bytes(public), bytes(message), bytes(signature)
        if len(public) != PUBLIC_SIZE or len(signature) != SIGNATURE_SIZE:
            return False
        if _backend == "nacl":
            nacl.bindings.crypto_sign_open(signature + message, public)
            return True
        return _verify_by_rule(public, message, signature)
    except Exception:  # noqa: BLE001 - any failure of a foreign input means "not valid"
        return False


def refused_before_equation(public: bytes, signature: bytes) -> bool:
    """True when the checks libsodium makes before the equation refuse this key or signature:
    S >= L, R of small order, A not canonical (y >= p) or of small order (docs/qr-format.md 5.5)."""
    if int.from_bytes(signature[32:], "little") >= _L:
        return True
    if _without_sign(signature[:32]) in _SMALL_ORDER or _without_sign(public) in _SMALL_ORDER:
        return True
    return int.from_bytes(_without_sign(public), "little") >= _P


def _without_sign(point: bytes) -> bytes:
    return point[:31] + bytes([point[31] & 0x7F])


def _verify_by_rule(public: bytes, message: bytes, signature: bytes) -> bool:
    """The rule with pycryptodome's curve arithmetic: the checks, then encode([S]B - [k]A) == R,
    byte for byte (cofactorless, so R must be the canonical encoding)."""
    if refused_before_equation(public, signature):
        return False
    a = eddsa.import_public_key(public).pointQ  # raises for a y that is not on the curve
    k = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    point = a._curve.G * int.from_bytes(signature[32:], "little") + (-a) * k
    return _encode(point) == signature[:32]


def _encode(point: EccPoint) -> bytes:
    x, y = (int(v) for v in point.xy)
    return (y | (x & 1) << 255).to_bytes(PUBLIC_SIZE, "little")


def is_valid_public(public: bytes) -> bool:
    """True for a canonical curve point in the prime-order subgroup (not of small order).

    Issuers check device keys with this before binding them into a credential; it always
    uses libsodium, whatever the signing backend.
    """
    if not isinstance(public, (bytes, bytearray, memoryview)):
        return False
    try:
        public = bytes(public)
        return len(public) == PUBLIC_SIZE and bool(nacl.bindings.crypto_core_ed25519_is_valid_point(public))
    except Exception:  # noqa: BLE001 - foreign input
        return False


def key_id(public: bytes) -> str:
    """sha256(public key)[:8] as hex: the id a signature, a credential or a revocation list names a key by."""
    return hashlib.sha256(public).digest()[:8].hex()


def public_from_b64url(text: str) -> bytes | None:
    """A registered key as clients send it (base64url, padding optional) if it is a usable public key
    (`is_valid_public`), else None: each caller refuses with its own error code."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if is_valid_public(raw) else None


def _checked(value: bytes, size: int, name: str) -> bytes:
    """`value` as bytes, or ValueError when it is not exactly `size` bytes."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes")
    value = bytes(value)
    if len(value) != size:
        raise ValueError(f"{name} must be {size} bytes, got {len(value)}")
    return value
