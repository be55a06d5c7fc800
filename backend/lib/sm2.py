"""SM2 signatures with SM3 (GB/T 32918.2, GM/T 0003.2) over raw keys: 32-byte private values, 33-byte compressed points, r||s."""

from __future__ import annotations

import functools
import secrets
from typing import Any

from tongsuopy.crypto import hashes as _hashes  # type: ignore[import-untyped]  # no type information
from tongsuopy.crypto.asymciphers import ec as _ec  # type: ignore[import-untyped]

from backend.lib.sm3sm4 import sm3

PRIVATE_SIZE = 32
PUBLIC_SIZE = 33
SIGNATURE_SIZE = 64
DEFAULT_USER_ID = b"1234567812345678"

# The recommended curve (GB/T 32918.5 / GM/T 0003.5): y^2 = x^3 + ax + b over F_p, base point G of prime order n.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

# tongsuopy: Tongsuo (BabaSSL 8.3.2), OpenSSL's SM2 code (docs/national-crypto.md says why this
# one): nonces from OpenSSL's DRBG, the secret scalar multiplied by a constant-time ladder, the
# fastest verification measured here, silent on failure. Its signatures are DER; the API's are
# r||s, converted here. Lengths, r and s ranges are checked before the library sees anything.
_CURVE = _ec.SM2()
_ALG = _ec.ECDSA(_hashes.SM3())  # on the SM2 curve: e = SM3(Z_A(default id) || message)


def _curve_y(x: int, odd: bool) -> int | None:
    """The y with the given parity such that (x, y) is on the curve, or None."""
    if x >= P:
        return None
    rhs = (x * x * x + A * x + B) % P
    y = pow(rhs, (P + 1) // 4, P)  # p = 3 mod 4: the square root, when there is one
    if y * y % P != rhs:
        return None
    if (y & 1) != odd:
        y = P - y
    return y


def decompress(public33: bytes) -> bytes:
    """x||y (64 bytes) of a compressed point; ValueError if it is not a point of the curve."""
    if not isinstance(public33, bytes | bytearray) or len(public33) != PUBLIC_SIZE or public33[0] not in (2, 3):
        raise ValueError("not a compressed SM2 point")
    x = int.from_bytes(public33[1:], "big")
    y = _curve_y(x, public33[0] == 3)
    if y is None:
        raise ValueError("not a point of the SM2 curve")
    return bytes(public33[1:]) + y.to_bytes(32, "big")


def compress(public: bytes) -> bytes:
    """The 33-byte compressed form of x||y (64 bytes) or 04||x||y (65); ValueError if not on the curve."""
    if len(public) == 65 and public[0] == 4:
        public = public[1:]
    if len(public) != 64:
        raise ValueError("not an uncompressed SM2 point")
    x = int.from_bytes(public[:32], "big")
    y = int.from_bytes(public[32:], "big")
    if x >= P or y >= P or (y * y - (x * x * x + A * x + B)) % P != 0:
        raise ValueError("not a point of the SM2 curve")
    return bytes([2 | (y & 1)]) + bytes(public[:32])


def is_valid_public(public33: bytes) -> bool:
    """Whether the bytes are a compressed point of the curve (never the point at infinity, which has no such encoding)."""
    try:
        decompress(public33)
    except ValueError:
        return False
    return True


def _valid_private(private: bytes) -> int:
    if not isinstance(private, bytes | bytearray) or len(private) != PRIVATE_SIZE:
        raise ValueError("an SM2 private key is 32 bytes")
    d = int.from_bytes(private, "big")
    if not 1 <= d <= N - 2:  # GB/T 32918.1 6.1: d in [1, n-2] (1 + d must be invertible when signing)
        raise ValueError("SM2 private key out of range")
    return d


def generate() -> tuple[bytes, bytes]:
    """A new key pair (private 32 bytes, public compressed 33), the private value from the OS CSPRNG."""
    d = secrets.randbelow(N - 2) + 1
    private = d.to_bytes(32, "big")
    return private, public_from_private(private)


def public_from_private(private: bytes) -> bytes:
    """The compressed public key (33 bytes) of a private value."""
    _valid_private(private)
    numbers = _signer(bytes(private)).public_key().public_numbers()
    return bytes([2 | (numbers.y & 1)]) + int(numbers.x).to_bytes(32, "big")


def z_a(public33: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 5.5)."""
    xy = decompress(public33)
    entl = (len(user_id) * 8).to_bytes(2, "big")
    curve = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))
    return sm3(entl + user_id + curve + xy)


@functools.lru_cache(maxsize=32)
def _signer(private: bytes) -> Any:
    # One key object per private value: building it derives the public key (a scalar
    # multiplication), which would otherwise double the cost of every signature. The keyring's
    # few issuer keys stay warm; one-time device keys sign in the phone, not here.
    return _ec.derive_private_key(int.from_bytes(private, "big"), _CURVE)


@functools.lru_cache(maxsize=256)
def _verifier(public33: bytes) -> Any:
    # Issuer keys come back with every code; decoding (and checking) the point once is enough.
    return _ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, public33)


def _der_integer(value: bytes) -> bytes:
    value = value.lstrip(b"\x00") or b"\x00"
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + bytes([len(value)]) + value


def _der(signature: bytes) -> bytes:
    body = _der_integer(signature[:32]) + _der_integer(signature[32:])
    return b"\x30" + bytes([len(body)]) + body


def _raw(der: bytes) -> bytes:
    # The library's own DER (short form: r and s are at most 33 bytes each).
    if len(der) < 8 or der[0] != 0x30 or der[2] != 0x02:
        raise ValueError("unexpected SM2 signature encoding")
    r_len = der[3]
    s_len = der[5 + r_len]
    r = int.from_bytes(der[4 : 4 + r_len], "big")
    s = int.from_bytes(der[6 + r_len : 6 + r_len + s_len], "big")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign(private: bytes, message: bytes) -> bytes:
    """r||s (64 bytes, big-endian) over message: e = SM3(Z_A(default id) || message), nonce from the OS CSPRNG."""
    _valid_private(private)
    return _raw(_signer(bytes(private)).sign(bytes(message), _ALG))


def verify(public33: bytes, message: bytes, signature: bytes) -> bool:
    """Whether signature (r||s) is public33's over message. Never raises: any malformed input is False."""
    try:
        if not isinstance(message, bytes | bytearray) or not isinstance(signature, bytes | bytearray):
            return False
        if len(signature) != SIGNATURE_SIZE:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (1 <= r < N and 1 <= s < N):
            return False
        if not isinstance(public33, bytes | bytearray) or len(public33) != PUBLIC_SIZE or public33[0] not in (2, 3):
            return False
        # from_encoded_point refuses x >= p and an x with no point (ValueError, caught below).
        _verifier(bytes(public33)).verify(_der(bytes(signature)), bytes(message), _ALG)
        return True
    except Exception:  # noqa: BLE001 -- a verifier answers yes or no, whatever it is handed (InvalidSignature included)
        return False
