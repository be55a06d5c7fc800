"""Password policy and Argon2id hashing, run off the event loop because it is slow on purpose."""

from __future__ import annotations

import secrets

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.lib.errors import ApiError

MIN_LENGTH = 10
MAX_LENGTH = 256

# argon2-cffi's defaults are RFC 9106's second recommendation (Argon2id, 64 MiB, t=3, p=4).
# Replacing this object (e.g. with more memory) makes every login rehash to the new parameters.
hasher = PasswordHasher()

_dummy_hash: str | None = None


def check_policy(password: str, *, id_number: str | None = None) -> None:
    """Refuse short passwords and ones that contain the holder's identity number."""
    if len(password) < MIN_LENGTH:
        raise ApiError(422, "password.too_short", f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ApiError(422, "password.too_long", f"Use at most {MAX_LENGTH} characters.")
    if id_number and id_number.upper() in password.upper():
        # The number is printed on cards and photocopied everywhere: it is no secret.
        raise ApiError(422, "password.contains_id_number", "The password must not contain your identity number.")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(hasher.hash, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash (unknown user) a dummy hash is checked
    anyway, so the answer takes as long as for a real account and reveals nothing."""
    global _dummy_hash
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = await hash_password(secrets.token_urlsafe(16))
        await anyio.to_thread.run_sync(_verify, _dummy_hash, password)
        return False
    return await anyio.to_thread.run_sync(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    try:
        return hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True
