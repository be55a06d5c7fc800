"""Ed25519 (RFC 8032) over raw keys: 32-byte seeds, 32-byte public keys, 64-byte signatures."""

from __future__ import annotations

import os
from typing import Literal

import nacl.bindings
from Crypto.Signature import eddsa

Backend = Literal["nacl", "pycryptodome"]
SEED_SIZE = 32
PUBLIC_SIZE = 32
SIGNATURE_SIZE = 64

# libsodium is the default: verification is about 5x faster than pycryptodome's, and every
# scan costs one or two verifications. pycryptodome stays selectable so the benchmark can
# compare the two; both reject non-canonical S, libsodium additionally rejects small-order
# keys and R values, so they agree on every honestly made signature.
_backend: Backend = "nacl"


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
        else:
            eddsa.new(eddsa.import_public_key(public), "rfc8032").verify(message, signature)
        return True
    except Exception:  # noqa: BLE001 - any failure of a foreign input means "not valid"
        return False


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


def _checked(value: bytes, size: int, name: str) -> bytes:
    """`value` as bytes, or ValueError when it is not exactly `size` bytes."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes")
    value = bytes(value)
    if len(value) != size:
        raise ValueError(f"{name} must be {size} bytes, got {len(value)}")
    return value
