"""Regenerate tests/vectors/*.json deterministically from fixed, test-only seeds."""

# Run: .venv/bin/python tests/vectors/make_vectors.py [OUT_DIR]
#
# The codes are built here straight from docs/qr-format.md (own packing, base45, HMAC, AES and
# libsodium calls) rather than through backend.codes.format, so the vectors check the library
# instead of echoing it; the valid cases are then cross-checked against the library. Every key
# below is public and for tests only.

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

import nacl.bindings
from Crypto.Cipher import AES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

T0 = 1767258000  # 2026-01-01T09:00:00Z, 17:00 in Beijing
SKEW = 5
ROTATED_AT = T0 - 2 * 3600  # issuer key rotation from B to A
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
JWKS_URL = "/.well-known/jwks.json"  # as the server's revocation list names it
U32 = 2**32 - 1


# --- fixed test material ------------------------------------------------------------------


def _det(label: str, size: int = 32) -> bytes:
    """Deterministic test bytes: SHA-256 of a label, truncated."""
    return hashlib.sha256(b"yikatong test vectors: " + label.encode()).digest()[:size]


ISSUER = {name: _det(f"issuer seed {name}") for name in ("A", "B", "C")}  # A current, B rotated out, C untrusted
ISSUER_KID = {name: _det(f"issuer kid {name}", 4) for name in ("A", "B", "C")}
DEVICE = {name: _det(f"device seed {name}") for name in ("1", "2")}
CARD = {name: _det(f"card ref {name}", 8) for name in ("1", "2", "3")}
ONLINE_MASTER = {kid: _det(f"online master {kid}") for kid in (5, 6, 7)}  # 7 current, 6 previous, 5 retired
REGION = 440100  # Guangzhou
FLAGS = 0b1001  # elderly + transport enabled


# --- independent construction (docs/qr-format.md) -----------------------------------------


def b45(data: bytes) -> str:
    """RFC 9285 base45, written out again here on purpose."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
    if len(data) % 2:
        out += [B45[data[-1] % 45], B45[data[-1] // 45]]
    return "".join(out)


def pub_of(seed: bytes) -> bytes:
    return nacl.bindings.crypto_sign_seed_keypair(seed)[0]


def sign(seed: bytes, message: bytes) -> bytes:
    return nacl.bindings.crypto_sign(message, nacl.bindings.crypto_sign_seed_keypair(seed)[1])[:64]


def online_body(kid: int, card_ref: bytes, iat: int, nonce: bytes) -> bytes:
    master = ONLINE_MASTER[kid]
    k_enc = hmac.new(master, b"yikatong online enc v1", hashlib.sha256).digest()
    k_mac = hmac.new(master, b"yikatong online mac v1", hashlib.sha256).digest()
    e = AES.new(k_enc, AES.MODE_ECB).encrypt(card_ref + iat.to_bytes(4, "big") + nonce)
    tag = hmac.new(k_mac, b"YKO1:" + bytes([kid]) + e, hashlib.sha256).digest()[:12]
    return bytes([kid]) + e + tag


def credential(
    issuer: str = "A",
    *,
    card: str = "1",
    region: int = REGION,
    nbf: int = T0 - 2 * 3600,
    exp: int = T0 + 6 * 3600,
    flags: int = FLAGS,
    device: str = "1",
    ver: int = 1,
    device_pub: bytes | None = None,
    kid: bytes | None = None,
) -> bytes:
    signed = (
        bytes([ver])
        + (kid or ISSUER_KID[issuer])
        + CARD[card]
        + region.to_bytes(3, "big")
        + nbf.to_bytes(4, "big")
        + exp.to_bytes(4, "big")
        + bytes([flags])
        + (device_pub or pub_of(DEVICE[device]))
    )
    assert len(signed) == 57
    return signed + sign(ISSUER[issuer], b"YKC1" + signed)


def offline_body(cred: bytes, t: int = T0, device: str = "1") -> bytes:
    signed = cred + t.to_bytes(4, "big")
    return signed + sign(DEVICE[device], b"YKD1" + signed)


# --- raw curve arithmetic, for signatures no honest signer makes (docs/qr-format.md 5.5) ----
# Extended twisted Edwards coordinates (RFC 8032 5.1.4), written out so that the forged
# signatures below do not depend on any library's (possibly lenient) checks.

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, P - 2, P) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)
Point = tuple[int, int, int, int]
IDENTITY: Point = (0, 1, 1, 0)


def _x_of(y: int, sign: int) -> int | None:
    """RFC 8032 5.1.3 step 2-4: the x with this sign for y, None if y is not on the curve."""
    x2 = (y * y - 1) * pow(_D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * _SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if (x & 1) != sign else x


_BY = 4 * pow(5, P - 2, P) % P
BASE: Point = (_x_of(_BY, 0) or 0, _BY, 1, (_x_of(_BY, 0) or 0) * _BY % P)


def point_add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * _D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_mul(scalar: int, p: Point) -> Point:
    out = IDENTITY
    while scalar:
        if scalar & 1:
            out = point_add(out, p)
        p, scalar = point_add(p, p), scalar >> 1
    return out


def point_encode(p: Point) -> bytes:
    zi = pow(p[2], P - 2, P)
    x, y = p[0] * zi % P, p[1] * zi % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def point_decode(raw: bytes) -> Point:
    y, sign = int.from_bytes(raw, "little") & (2**255 - 1), raw[31] >> 7
    x = _x_of(y, sign)
    assert y < P and x is not None, "not a canonical point"
    return (x, y, 1, x * y % P)


def challenge(r: bytes, a: bytes, message: bytes) -> int:
    """k = SHA-512(R || A || M) mod L, over the bytes as sent."""
    return int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % L


def secret_scalar(seed: bytes) -> int:
    """The clamped secret scalar a of an Ed25519 seed (RFC 8032 5.1.5)."""
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] = (h[31] & 63) | 64
    return int.from_bytes(h, "little")


# Every encoding of a small-order point that libsodium refuses (bit 255 aside): 7 values.
ORDER_1 = bytes.fromhex("01" + "00" * 31)  # the identity, y = 1
ORDER_8 = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
ORDER_1_NON_CANONICAL = bytes.fromhex("ee" + "ff" * 30 + "7f")  # y = p + 1, i.e. 1 again
ORDER_1_SIGN_BIT = bytes.fromhex("01" + "00" * 30 + "80")  # the identity with the sign bit set (x = 0)
NOT_ON_CURVE = bytes.fromhex("02" + "00" * 31)  # y = 2 has no x on edwards25519


def forge_any(small: bytes, message: bytes) -> bytes:
    """R || S with R = [s]B, S = s: passes [S]B = R + [k]A for any message when A is the identity."""
    del message  # that is the point: the message does not matter
    s = int.from_bytes(_det("forgery scalar"), "little") % L
    return point_encode(point_mul(s, BASE)) + s.to_bytes(32, "little")


def with_s_plus_l(signature: bytes) -> bytes:
    """The same signature with S replaced by S + L: the equation still holds (S is used mod L)."""
    return signature[:32] + (int.from_bytes(signature[32:], "little") + L).to_bytes(32, "little")


def flip(body: bytes, index: int, mask: int = 0x01) -> bytes:
    out = bytearray(body)
    out[index] ^= mask
    return bytes(out)


def jwk(name: str, *, use: str = "sig", nbf: int, exp: int) -> dict[str, Any]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(pub_of(ISSUER[name])).rstrip(b"=").decode(),
        "kid": ISSUER_KID[name].hex(),
        "use": use,
        "alg": "EdDSA",
        "nbf": nbf,
        "exp": exp,
        "yk_publish_until": exp + 86400,
    }


def trust(*, untrusted_as_enc: bool = False) -> dict[str, Any]:
    """The JWKS: A signs since a rotation 2 hours ago; B signed before and is still published."""
    keys = [
        jwk("B", nbf=ROTATED_AT - 90 * 86400, exp=ROTATED_AT),
        jwk("A", nbf=ROTATED_AT, exp=ROTATED_AT + 90 * 86400),
    ]
    if untrusted_as_enc:
        keys.append(jwk("C", use="enc", nbf=T0 - 86400, exp=T0 + 86400))
    return {"keys": keys}


def iso(ts: int) -> str:
    """RFC 3339 UTC, as the server writes `generated_at` and `at`."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def revocation(
    cards: dict[str, str] | None = None, devices: list[str] | None = None, *, version: int = 42, at: int = T0 - 60
) -> dict[str, Any]:
    """A full list exactly as the server sends it (members in its order)."""
    return {
        "version": version,
        "full": True,
        "generated_at": iso(at),
        "jwks_url": JWKS_URL,
        "warn_age_seconds": WARN_AGE,
        "max_age_seconds": MAX_AGE,
        "cards": cards or {},
        "devices": sorted(devices or []),
    }


# The server's defaults (YIKATONG_OFFLINE_LISTS_WARN_HOURS=24, _MAX_HOURS=72), as it sends them.
WARN_AGE, MAX_AGE = 24 * 3600, 72 * 3600


def delta(since: int, version: int, changes: list[tuple[int, str, str, str]], *, at: int = T0 - 30) -> dict[str, Any]:
    """A delta answer to GET /api/v1/revocations?since=<since>, exactly as the server sends it."""
    return {
        "version": version,
        "full": False,
        "generated_at": iso(at),
        "jwks_url": JWKS_URL,
        "warn_age_seconds": WARN_AGE,
        "max_age_seconds": MAX_AGE,
        "since": since,
        "changes": [
            {"version": v, "kind": kind, "ref": ref, "status": status, "at": iso(at - 60 + i)}
            for i, (v, kind, ref, status) in enumerate(changes)
        ],
    }


def device_key_id(device: str) -> str:
    return hashlib.sha256(pub_of(DEVICE[device])).digest()[:8].hex()


# --- cases --------------------------------------------------------------------------------


def online_case(
    description: str,
    code: str,
    now: int,
    expected: str,
    *,
    body: bytes | None = None,
    skew: int = SKEW,
    masters: tuple[int, ...] = (7, 6),
    **extra: Any,
) -> dict[str, Any]:
    case = {"description": description, "kind": "online", "code": code, "now": now, "skew": skew, "expected": expected}
    case["online_masters"] = {str(kid): ONLINE_MASTER[kid].hex() for kid in masters}
    if body is not None:
        case["body_hex"] = body.hex()
    case.update(extra)
    return case


def offline_case(
    description: str,
    code: str,
    now: int,
    expected: str,
    *,
    body: bytes | None = None,
    jwks: dict[str, Any] | None = None,
    skew: int = SKEW,
    **extra: Any,
) -> dict[str, Any]:
    case = {"description": description, "kind": "offline", "code": code, "now": now, "skew": skew, "expected": expected}
    case["trust"] = trust() if jwks is None else jwks
    if body is not None:
        case["body_hex"] = body.hex()
    case.update(extra)
    return case


def online_inputs(kid: int, card: str, iat: int, nonce: bytes) -> dict[str, Any]:
    return {"kid": kid, "card_ref": CARD[card].hex(), "iat": iat, "nonce": nonce.hex()}


def offline_inputs(issuer: str, cred: bytes, t: int, device: str = "1") -> dict[str, Any]:
    return {
        "issuer_kid": ISSUER_KID[issuer].hex(),
        "issuer_seed": ISSUER[issuer].hex(),
        "card_ref": cred[5:13].hex(),
        "region": int.from_bytes(cred[13:16], "big"),
        "nbf": int.from_bytes(cred[16:20], "big"),
        "exp": int.from_bytes(cred[20:24], "big"),
        "flags": cred[24],
        "device_seed": DEVICE[device].hex(),
        "device_pub": pub_of(DEVICE[device]).hex(),
        "credential_hex": cred.hex(),
        "t": t,
    }


def online_fields(card: str, iat: int, body: bytes) -> dict[str, Any]:
    return {"card_ref": CARD[card].hex(), "iat": iat, "code_id": body[1:17].hex()}


def offline_fields(body: bytes) -> dict[str, Any]:
    return {
        "card_ref": body[5:13].hex(),
        "region": int.from_bytes(body[13:16], "big"),
        "flags": body[24],
        "nbf": int.from_bytes(body[16:20], "big"),
        "exp": int.from_bytes(body[20:24], "big"),
        "t": int.from_bytes(body[121:125], "big"),
        "device_key_id": hashlib.sha256(body[25:57]).digest()[:8].hex(),
        "code_id": hashlib.sha256(body).digest()[:16].hex(),
    }


def online_cases() -> dict[str, dict[str, Any]]:
    nonce = _det("online nonce 1", 4)
    body = online_body(7, CARD["1"], T0, nonce)
    code = "YKO1:" + b45(body)
    inputs = online_inputs(7, "1", T0, nonce)
    old_nonce = _det("online nonce 2", 4)
    old = online_body(6, CARD["2"], T0, old_nonce)
    retired = online_body(5, CARD["1"], T0, nonce)
    valid = dict(inputs=inputs, expected_fields=online_fields("1", T0, body))
    cases = {
        "online-valid": online_case(
            "Online code under the current secret (kid 7), scanned 12 s after minting.",
            code,
            T0 + 12,
            "valid",
            body=body,
            **valid,
        ),
        "online-valid-previous-kid": online_case(
            "Online code under the previous secret (kid 6), still in the masters map after rotation.",
            "YKO1:" + b45(old),
            T0 + 30,
            "valid",
            body=old,
            inputs=online_inputs(6, "2", T0, old_nonce),
            expected_fields=online_fields("2", T0, old),
        ),
        "online-valid-expiry-edge": online_case(
            "Last valid second: now = iat + 60 + skew.", code, T0 + 65, "valid", body=body, **valid
        ),
        "online-valid-early-edge": online_case(
            "First valid second: now = iat - skew (scanner clock behind).", code, T0 - 5, "valid", body=body, **valid
        ),
        "online-expired": online_case("One second past iat + 60 + skew.", code, T0 + 66, "expired", body=body, inputs=inputs),
        "online-not-yet-valid": online_case(
            "Scanned at iat - skew - 1: the minting clock is ahead.",
            code,
            T0 - 6,
            "not_yet_valid",
            body=body,
            inputs=inputs,
        ),
        "online-tampered-payload": online_case(
            "Bit 0 of E[4] (body byte 5) flipped: the MAC no longer matches.",
            "YKO1:" + b45(flip(body, 5)),
            T0 + 12,
            "bad_signature",
            body=flip(body, 5),
            tamper="body[5] ^= 0x01",
        ),
        "online-tampered-signature": online_case(
            "Bit 7 of the last MAC byte flipped.",
            "YKO1:" + b45(flip(body, 28, 0x80)),
            T0 + 12,
            "bad_signature",
            body=flip(body, 28, 0x80),
            tamper="body[28] ^= 0x80",
        ),
        "online-tampered-kid": online_case(
            "kid changed from 7 to 6 (both known): the MAC is computed under the wrong secret and covers the kid byte.",
            "YKO1:" + b45(flip(body, 0)),
            T0 + 12,
            "bad_signature",
            body=flip(body, 0),
            tamper="body[0] ^= 0x01",
        ),
        "online-unknown-key": online_case(
            "Made under retired secret kid 5, which is no longer in the masters map.",
            "YKO1:" + b45(retired),
            T0 + 12,
            "unknown_key",
            body=retired,
            inputs=online_inputs(5, "1", T0, nonce),
        ),
    }
    return cases


def offline_cases() -> dict[str, dict[str, Any]]:
    cred = credential()
    body = offline_body(cred)
    code = "YKD1:" + b45(body)
    inputs = offline_inputs("A", cred, T0)
    unrelated = revocation({CARD["3"].hex(): "suspended"}, [device_key_id("2")])
    valid = dict(body=body, inputs=inputs, expected_fields=offline_fields(body))

    def variant(
        name: str, description: str, cred_: bytes, t: int, now: int, expected: str, issuer: str = "A", **extra: Any
    ) -> tuple[str, dict]:
        body_ = offline_body(cred_, t)
        fields = {"expected_fields": offline_fields(body_)} if expected == "valid" else {}
        case = offline_case(
            description,
            "YKD1:" + b45(body_),
            now,
            expected,
            body=body_,
            inputs=offline_inputs(issuer, cred_, t),
            **fields,
            **extra,
        )
        return name, case

    def tampered(name: str, description: str, body_: bytes, index: int, mask: int, now: int = T0 + 12) -> tuple[str, dict]:
        bad = flip(body_, index, mask)
        return name, offline_case(
            description, "YKD1:" + b45(bad), now, "bad_signature", body=bad, tamper=f"body[{index}] ^= 0x{mask:02x}"
        )

    expired_cred = credential(nbf=T0 - 8 * 3600, exp=T0 - 600)
    cases = dict(
        [
            (
                "offline-valid",
                offline_case(
                    "Offline code by device 1 with a credential from issuer key A, scanned 12 s later.",
                    code,
                    T0 + 12,
                    "valid",
                    revocation=unrelated,
                    **valid,
                ),
            ),
            variant(
                "offline-valid-rotated-key",
                "Credential signed by key B just before it was rotated out; B is still published, so it verifies.",
                credential("B", card="2", nbf=ROTATED_AT - 3600, exp=ROTATED_AT + 5 * 3600),
                T0,
                T0 + 12,
                "valid",
                issuer="B",
            ),
            (
                "offline-valid-expiry-edge",
                offline_case("Last valid second of the code: now = t + 60 + skew.", code, T0 + 65, "valid", **valid),
            ),
            (
                "offline-valid-early-edge",
                offline_case("First valid second of the code: now = t - skew.", code, T0 - 5, "valid", **valid),
            ),
            variant(
                "offline-valid-reserved-flags",
                "Reserved flag bits 4..7 set by the issuer: verifiers ignore them and report the byte as is.",
                credential(flags=0xF9),
                T0,
                T0 + 12,
                "valid",
            ),
            (
                "offline-expired-code",
                offline_case(
                    "Code shown at t, scanned at t + 60 + skew + 1.", code, T0 + 66, "expired", body=body, inputs=inputs
                ),
            ),
            variant(
                "offline-expired-credential",
                "Credential exp passed 10 minutes before the (fresh) code was made.",
                expired_cred,
                T0,
                T0 + 12,
                "expired",
            ),
            variant(
                "offline-not-yet-valid",
                "Credential nbf is an hour in the future.",
                credential(nbf=T0 + 3600, exp=T0 + 7 * 3600),
                T0,
                T0 + 12,
                "not_yet_valid",
            ),
            variant(
                "offline-code-not-yet-valid",
                "Code time t is 20 s ahead of the scanner (more than the 5 s skew).",
                cred,
                T0 + 20,
                T0 + 12,
                "not_yet_valid",
            ),
            tampered(
                "offline-tampered-payload",
                "Flags byte (24) changed to add the disability concession: issuer signature fails.",
                body,
                24,
                0x02,
            ),
            tampered(
                "offline-tampered-issuer-signature",
                "A bit of the issuer signature (body byte 67) flipped.",
                body,
                67,
                0x80,
            ),
            tampered(
                "offline-tampered-time",
                "Code time t changed by one second: the device signature covers it.",
                body,
                124,
                0x01,
            ),
            tampered(
                "offline-tampered-device-signature",
                "A bit of the device signature (body byte 130) flipped.",
                body,
                130,
                0x01,
            ),
            variant(
                "offline-unknown-key",
                "Credential signed by key C, which is not in the trust list.",
                credential("C"),
                T0,
                T0 + 12,
                "unknown_key",
                issuer="C",
            ),
            variant(
                "offline-unknown-key-use-enc",
                "Key C is in the JWKS but with use 'enc', so it is not a trusted signing key.",
                credential("C"),
                T0,
                T0 + 12,
                "unknown_key",
                issuer="C",
                jwks=trust(untrusted_as_enc=True),
            ),
            (
                "offline-revoked-card-suspended",
                offline_case(
                    "Valid code of a suspended card.",
                    code,
                    T0 + 12,
                    "card_suspended",
                    revocation=revocation({CARD["1"].hex(): "suspended"}),
                    **valid,
                ),
            ),
            (
                "offline-revoked-card-cancelled",
                offline_case(
                    "Valid code of a cancelled card.",
                    code,
                    T0 + 12,
                    "card_cancelled",
                    revocation=revocation({CARD["1"].hex(): "cancelled"}),
                    **valid,
                ),
            ),
            (
                "offline-device-revoked",
                offline_case(
                    "Valid code from a revoked device key.",
                    code,
                    T0 + 12,
                    "device_revoked",
                    revocation=revocation(devices=[device_key_id("1")]),
                    **valid,
                ),
            ),
            (
                "offline-wrong-device-key",
                _wrong_device_case(cred),
            ),
            (
                "offline-expired-code-revoked-card",
                offline_case(
                    "Order: an expired code of a cancelled card is 'expired' (time before revocation).",
                    code,
                    T0 + 300,
                    "expired",
                    body=body,
                    revocation=revocation({CARD["1"].hex(): "cancelled"}),
                ),
            ),
            tampered(
                "offline-tampered-expired-credential",
                "Order: an expired credential with a broken issuer signature is 'bad_signature'.",
                offline_body(expired_cred),
                70,
                0x04,
            ),
        ]
    )
    return cases


def _wrong_device_case(cred: bytes) -> dict[str, Any]:
    body = offline_body(cred, T0, device="2")
    return offline_case(
        "Credential binds device 1, but the code is signed with device 2's key.",
        "YKD1:" + b45(body),
        T0 + 12,
        "bad_signature",
        body=body,
        inputs=offline_inputs("A", cred, T0, device="2"),
    )


def malformed_cases() -> dict[str, dict[str, Any]]:
    body = offline_body(credential())
    code = "YKD1:" + b45(body)
    online = online_body(7, CARD["1"], T0, _det("online nonce 1", 4))
    v2 = offline_body(credential(ver=2))

    def bad(name: str, description: str, text: str, kind: str = "offline") -> tuple[str, dict[str, Any]]:
        case = offline_case if kind == "offline" else online_case
        return name, case(description, text, T0 + 12, "malformed")

    return dict(
        [
            bad("malformed-empty", "Empty string.", ""),
            bad("malformed-bad-prefix", "Unknown prefix YKD2: in front of a valid body.", "YKD2:" + code[5:]),
            bad("malformed-lowercase-prefix", "Prefix in lower case; prefixes are case-sensitive.", "ykd1:" + code[5:]),
            bad(
                "malformed-lowercase",
                "Body in lower case: base45 has no lower-case letters.",
                "YKD1:" + code[5:].lower(),
            ),
            bad(
                "malformed-bad-base45-char",
                "'#' (not in the base45 alphabet) replaces the 11th body character.",
                code[:15] + "#" + code[16:],
            ),
            bad(
                "malformed-bad-base45-length",
                "Last character dropped: 283 base45 characters (283 % 3 == 1).",
                code[:-1],
            ),
            bad("malformed-base45-overflow", "First triple replaced by 'GGW' = 65536 > 65535.", "YKD1:GGW" + code[8:]),
            bad("malformed-base45-pair-overflow", "Final pair replaced by 'V5' = 256 > 255.", code[:-2] + "V5"),
            bad(
                "malformed-truncated",
                "Valid base45 of the body without its last byte (188 bytes).",
                "YKD1:" + b45(body[:-1]),
            ),
            bad(
                "malformed-extra-bytes",
                "Valid base45 of the body plus one zero byte (190 bytes).",
                "YKD1:" + b45(body + b"\x00"),
            ),
            bad(
                "malformed-bad-version",
                "Credential version 2, correctly signed by key A and device 1: unsupported version.",
                "YKD1:" + b45(v2),
            ),
            bad(
                "malformed-non-ascii",
                "A non-ASCII letter (U+00C4) replaces the 11th body character.",
                code[:15] + "\u00c4" + code[16:],
            ),
            bad("malformed-trailing-newline", "Valid code followed by a newline; verifiers do not trim.", code + "\n"),
            bad(
                "malformed-too-long",
                "1202 characters: over the 1000-character cap (well-formed base45 of 798 bytes).",
                "YKD1:" + "0" * 1197,
            ),
            bad(
                "malformed-online-truncated",
                "Online body without its last byte (28 bytes).",
                "YKO1:" + b45(online[:-1]),
                "online",
            ),
            bad(
                "malformed-online-extra-bytes",
                "Online body plus one byte (30 bytes).",
                "YKO1:" + b45(online + b"\x00"),
                "online",
            ),
            bad(
                "malformed-online-given-offline-code",
                "A valid offline code given to the online verifier.",
                code,
                "online",
            ),
        ]
    )


# --- more cases: signature edge cases, other skews, time edges, precedence, lists ---------


def offline_vector(description: str, body: bytes, now: int, expected: str, **extra: Any) -> dict[str, Any]:
    """An offline case for `body`; valid cases carry the fields a verifier must report."""
    if expected == "valid":
        extra.setdefault("expected_fields", offline_fields(body))
    return offline_case(description, "YKD1:" + b45(body), now, expected, body=body, **extra)


def device_signed(cred: bytes, t: int, r: bytes, s: int) -> bytes:
    """credential || t || R || S with a device signature made by hand."""
    return cred + t.to_bytes(4, "big") + r + s.to_bytes(32, "little")


def _t_where(cred: bytes, r: bytes, want_multiple_of_8: bool) -> int:
    """The first t from T0 whose device challenge k is (or is not) a multiple of 8."""
    for t in range(T0, T0 + 1000):
        k = challenge(r, cred[25:57], b"YKD1" + cred + t.to_bytes(4, "big"))
        if (k % 8 == 0) == want_multiple_of_8:
            return t
    raise AssertionError("no t found")


def signature_cases() -> dict[str, dict[str, Any]]:
    """docs/qr-format.md 5.5: what our verifiers refuse that plain RFC 8032 verification may accept.
    Each forged signature here passes the equation [S]B = R + [k]A (or its cofactored form)."""
    body = offline_body(credential())
    issuer_d = _det("issuer kid D (small order)", 4)
    issuer_e = _det("issuer kid E (not on the curve)", 4)
    cases: dict[str, dict[str, Any]] = {}

    def forged_device_key(name: str, description: str, pub: bytes, how: str) -> None:
        cred = credential(device_pub=pub)
        forged = cred + T0.to_bytes(4, "big")
        forged += forge_any(pub, b"YKD1" + forged)
        cases[name] = offline_vector(description, forged, T0 + 12, "bad_signature", construction=how)

    how_any = "device_sig = R || S with R = encode([s]B), S = s for a fixed s: [S]B = R + [k]A holds for any message"
    forged_device_key(
        "offline-sig-device-key-identity",
        "The credential (correctly signed by key A) binds the identity point 01 00..00 as device key; "
        "the device signature is forged. Refused: small-order A.",
        ORDER_1,
        how_any,
    )
    forged_device_key(
        "offline-sig-device-key-non-canonical",
        "Device key ee ff..ff 7f: y = p + 1, a non-canonical spelling of the identity. Refused: non-canonical and small-order A.",
        ORDER_1_NON_CANONICAL,
        how_any,
    )
    forged_device_key(
        "offline-sig-device-key-sign-bit",
        "Device key 01 00..00 80: the identity with the sign bit set (x = 0). Refused: small order (bit 255 is ignored).",
        ORDER_1_SIGN_BIT,
        how_any,
    )
    # A point of order 8: [k]A vanishes when k is a multiple of 8, so R = [s]B, S = s passes then.
    s8 = int.from_bytes(_det("forgery scalar"), "little") % L
    r8 = point_encode(point_mul(s8, BASE))
    cred8 = credential(device_pub=ORDER_8)
    t8 = _t_where(cred8, r8, True)
    cases["offline-sig-device-key-order-8"] = offline_vector(
        "Device key of order 8; t chosen so that k is a multiple of 8, so R = [s]B, S = s passes the "
        "plain equation. Refused: small-order A.",
        device_signed(cred8, t8, r8, s8),
        t8 + 12,
        "bad_signature",
        construction="device_sig = encode([s]B) || s; t is the first second from T0 with k = 0 mod 8",
    )
    # Mixed order: A = [a]B + T (T of order 8). An honest-looking signature passes the
    # cofactored equation always, the cofactorless one only when k is a multiple of 8.
    a = secret_scalar(_det("mixed-order device"))
    mixed = point_encode(point_add(point_mul(a, BASE), point_decode(ORDER_8)))
    cred_m = credential(device_pub=mixed)
    r_scalar = int.from_bytes(_det("mixed-order nonce"), "little") % L
    r_m = point_encode(point_mul(r_scalar, BASE))
    t_m = _t_where(cred_m, r_m, False)
    k_m = challenge(r_m, mixed, b"YKD1" + cred_m + t_m.to_bytes(4, "big"))
    cases["offline-sig-device-key-mixed-order"] = offline_vector(
        "Device key [a]B + T with T of order 8 (never issued); signed as usual with a, and k is not a multiple "
        "of 8. Passes the cofactored equation [8][S]B = [8]R + [8][k]A, fails ours (cofactorless).",
        device_signed(cred_m, t_m, r_m, (r_scalar + k_m * a) % L),
        t_m + 12,
        "bad_signature",
        construction="A = encode([a]B + T8), R = encode([r]B), S = r + k*a mod L, k mod 8 != 0",
    )
    # Small-order R under the real device key: R = identity, S = k*a gives [S]B - [k]A = identity = R.
    a1 = secret_scalar(DEVICE["1"])
    cred = credential()
    signed = cred + T0.to_bytes(4, "big")
    for name, r, text in [
        ("offline-sig-device-r-small-order", ORDER_1, "R = 01 00..00 (the identity)"),
        ("offline-sig-device-r-non-canonical", ORDER_1_NON_CANONICAL, "R = ee ff..ff 7f (y = p + 1, the identity again)"),
    ]:
        k = challenge(r, pub_of(DEVICE["1"]), b"YKD1" + signed)
        cases[name] = offline_vector(
            f"Device 1's own key signs with {text} and S = k*a: the equation holds. Refused: small-order R.",
            device_signed(cred, T0, r, k * a1 % L),
            T0 + 12,
            "bad_signature",
            construction=f"{text}, S = k * a mod L with a device 1's secret scalar",
        )
    cases["offline-sig-device-s-non-canonical"] = offline_vector(
        "The valid code with S + L in place of S in the device signature. Refused: S >= L.",
        body[:157] + with_s_plus_l(body[125:])[32:],
        T0 + 12,
        "bad_signature",
        construction="device_sig S replaced by S + L",
    )
    cred_s = credential()
    cred_s = cred_s[:57] + with_s_plus_l(cred_s[57:])
    cases["offline-sig-issuer-s-non-canonical"] = offline_vector(
        "Issuer signature with S + L in place of S (the device signature is redone over it). Refused: S >= L.",
        offline_body(cred_s),
        T0 + 12,
        "bad_signature",
        construction="issuer_sig S replaced by S + L; device_sig made by device 1 over the result",
    )
    # An issuer key of small order in the trust list: a credential for any card could be forged.
    jwks_d = trust()
    jwks_d["keys"].append({**jwk("A", nbf=T0 - 86400, exp=T0 + 86400), "kid": issuer_d.hex(), "x": _b64(ORDER_1)})
    raw = credential(kid=issuer_d)[:57]
    cred_d = raw + forge_any(ORDER_1, b"YKC1" + raw)
    cases["offline-sig-issuer-key-small-order"] = offline_vector(
        "The trust list holds a key whose x is the identity point; the credential's issuer signature is forged "
        "(the device signature is genuine). Refused: small-order A.",
        offline_body(cred_d),
        T0 + 12,
        "bad_signature",
        jwks=jwks_d,
        construction="issuer_sig = encode([s]B) || s; key " + issuer_d.hex() + " has x = 01 00..00",
    )
    jwks_e = trust()
    jwks_e["keys"].append({**jwk("A", nbf=T0 - 86400, exp=T0 + 86400), "kid": issuer_e.hex(), "x": _b64(NOT_ON_CURVE)})
    cases["offline-sig-issuer-key-not-on-curve"] = offline_vector(
        "The trust list holds a well-spelled key that is not a curve point (y = 2): it stays in the list and "
        "every signature under it fails, so the result is bad_signature, not unknown_key.",
        offline_body(credential(kid=issuer_e)),
        T0 + 12,
        "bad_signature",
        jwks=jwks_e,
        construction="key " + issuer_e.hex() + " has x = 02 00..00; credential signed with key A's seed",
    )
    return cases


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def time_cases() -> dict[str, dict[str, Any]]:
    """Skews other than 5, credential time edges, and times past 2^31."""
    cred = credential()
    body = offline_body(cred)
    nonce = _det("online nonce 1", 4)
    online = online_body(7, CARD["1"], T0, nonce)
    online_text = "YKO1:" + b45(online)
    online_valid = dict(body=online, inputs=online_inputs(7, "1", T0, nonce), expected_fields=online_fields("1", T0, online))
    cases: dict[str, dict[str, Any]] = {}
    for skew, offset, expected in [
        (0, 0, "valid"), (0, -1, "not_yet_valid"), (0, 60, "valid"), (0, 61, "expired"),
        (30, -30, "valid"), (30, -31, "not_yet_valid"), (30, 90, "valid"), (30, 91, "expired"),
    ]:  # fmt: skip
        what = {"valid": "valid", "not_yet_valid": "not-yet-valid", "expired": "expired"}[expected]
        edge = f"t {'+' if offset >= 0 else '-'} {abs(offset)}"
        cases[f"offline-code-{what}-{'plus' if offset >= 0 else 'minus'}-{abs(offset)}-skew-{skew}"] = offline_vector(
            f"Code time edge with skew {skew}: now = {edge}.",
            body,
            T0 + offset,
            expected,
            skew=skew,
            **({"inputs": offline_inputs("A", cred, T0)} if expected == "valid" else {}),
        )
        extra = online_valid if expected == "valid" else {"body": online}
        cases[f"online-{what}-{'plus' if offset >= 0 else 'minus'}-{abs(offset)}-skew-{skew}"] = online_case(
            f"Online code time edge with skew {skew}: now = iat {edge[2:]}.",
            online_text,
            T0 + offset,
            expected,
            skew=skew,
            **extra,
        )
    # Credential edges: the code is made at the scanning second (t = now), so only nbf/exp decide.
    nbf, exp = T0 - 3600, T0 + 3600
    edge_cred = credential(nbf=nbf, exp=exp)
    for skew, at, expected, label in [
        (5, nbf - 5, "valid", "credential-valid-from-edge"),
        (5, nbf - 6, "not_yet_valid", "credential-not-yet-valid-edge"),
        (5, exp + 5, "valid", "credential-valid-until-edge"),
        (5, exp + 6, "expired", "credential-expired-edge"),
        (30, nbf - 30, "valid", "credential-valid-from-edge-skew-30"),
        (30, nbf - 31, "not_yet_valid", "credential-not-yet-valid-edge-skew-30"),
        (30, exp + 30, "valid", "credential-valid-until-edge-skew-30"),
        (30, exp + 31, "expired", "credential-expired-edge-skew-30"),
        (0, nbf, "valid", "credential-valid-from-edge-skew-0"),
        (0, exp + 1, "expired", "credential-expired-edge-skew-0"),
    ]:
        rel = f"nbf - {nbf - at}" if at <= nbf else f"exp + {at - exp}"
        cases[f"offline-{label}"] = offline_vector(
            f"Credential time edge with skew {skew}: now = {rel}, code made at t = now.",
            offline_body(edge_cred, at),
            at,
            expected,
            skew=skew,
            **({"inputs": offline_inputs("A", edge_cred, at)} if expected == "valid" else {}),
        )
    # Past 2^31 and up to 2^32 - 1: 32-bit (signed or wrapping) arithmetic gets these wrong.
    high = credential(nbf=2**31, exp=U32)
    t_high = U32 - 20
    cases["offline-valid-high-times"] = offline_vector(
        "nbf = 2^31, exp = 2^32 - 1, t = 2^32 - 21, now = t + 10: t + 60 + skew and exp + skew exceed 32 bits.",
        offline_body(high, t_high),
        t_high + 10,
        "valid",
        inputs=offline_inputs("A", high, t_high),
    )
    high_online = online_body(7, CARD["1"], t_high, nonce)
    cases["online-valid-high-iat"] = online_case(
        "iat = 2^32 - 21, now = iat + 10: iat + 60 + skew exceeds 32 bits.",
        "YKO1:" + b45(high_online), t_high + 10, "valid", body=high_online,
        inputs=online_inputs(7, "1", t_high, nonce), expected_fields=online_fields("1", t_high, high_online),
    )  # fmt: skip
    return cases


def order_cases() -> dict[str, dict[str, Any]]:
    """Several failures at once: the first failing step (sections 4.4 and 5.4) decides."""
    cred = credential()
    body = offline_body(cred)
    late_cred = credential(nbf=T0 + 3600, exp=T0 + 7 * 3600)
    expired_cred = credential(nbf=T0 - 8 * 3600, exp=T0 - 600)
    card_and_device = revocation({CARD["1"].hex(): "cancelled"}, [device_key_id("1")])
    nonce = _det("online nonce 1", 4)
    online = online_body(7, CARD["1"], T0, nonce)
    bad_tag = flip(online, 20, 0x10)
    retired = online_body(5, CARD["1"], T0, nonce)
    return {
        "offline-order-malformed-beats-unknown-key": offline_vector(
            "Version 2 and issuer key C (not trusted): step 5 (version) comes before step 6 (kid).",
            offline_body(credential("C", ver=2)), T0 + 12, "malformed",
        ),
        "offline-order-unknown-key-beats-time": offline_vector(
            "Key C (not trusted), credential expired 10 minutes ago, code 5 minutes old: unknown_key.",
            offline_body(credential("C", nbf=T0 - 8 * 3600, exp=T0 - 600)), T0 + 300, "unknown_key",
        ),
        "offline-order-credential-time-beats-device-signature": offline_vector(
            "Credential not valid for an hour and a broken device signature: step 8 comes before step 10.",
            flip(offline_body(late_cred), 130), T0 + 12, "not_yet_valid", tamper="body[130] ^= 0x01",
        ),
        "offline-order-credential-expired-beats-wrong-device": offline_vector(
            "Expired credential, code signed by device 2 instead of device 1: step 9 comes before step 10.",
            offline_body(expired_cred, T0, device="2"), T0 + 12, "expired",
        ),
        "offline-order-credential-time-beats-code-time": offline_vector(
            "Credential not valid for an hour and a code 5 minutes old: steps 8-9 come before steps 11-12.",
            offline_body(late_cred, T0 - 300), T0 + 12, "not_yet_valid",
        ),
        "offline-order-credential-expired-beats-code-not-yet-valid": offline_vector(
            "Expired credential and a code made 5 minutes in the future: expired.",
            offline_body(expired_cred, T0 + 300), T0 + 12, "expired",
        ),
        "offline-order-device-signature-beats-code-time": offline_vector(
            "Broken device signature on a code 5 minutes old: step 10 comes before step 12.",
            flip(body, 130), T0 + 300, "bad_signature", tamper="body[130] ^= 0x01",
        ),
        "offline-order-bad-signature-beats-revocation": offline_vector(
            "Broken device signature, card cancelled and device revoked: bad_signature.",
            flip(body, 130), T0 + 12, "bad_signature", tamper="body[130] ^= 0x01", revocation=card_and_device,
        ),
        "offline-order-code-time-beats-revocation": offline_vector(
            "Code made a minute ahead of the scanner, card cancelled and device revoked: not_yet_valid.",
            offline_body(cred, T0 + 60), T0 + 12, "not_yet_valid", revocation=card_and_device,
        ),
        "offline-order-card-beats-device": offline_vector(
            "Valid code, card cancelled and device revoked: the card (step 13) comes before the device (step 14).",
            body, T0 + 12, "card_cancelled", revocation=card_and_device,
            inputs=offline_inputs("A", cred, T0), expected_fields=offline_fields(body),
        ),
        "online-order-bad-signature-beats-time": online_case(
            "A bit of the MAC flipped on a code an hour old: step 6 (MAC) comes before step 8 (time).",
            "YKO1:" + b45(bad_tag), T0 + 3600, "bad_signature", body=bad_tag, tamper="body[20] ^= 0x10",
        ),
        "online-order-unknown-key-beats-time": online_case(
            "Retired kid 5 on a code an hour old: unknown_key.",
            "YKO1:" + b45(retired), T0 + 3600, "unknown_key", body=retired,
        ),
    }  # fmt: skip


def trust_cases() -> dict[str, dict[str, Any]]:
    """Trust lists without keys or with keys that lack `use`; online codes at a third party."""
    cred = credential()
    body = offline_body(cred)
    no_use = trust()
    for key in no_use["keys"]:
        if key["kid"] == ISSUER_KID["A"].hex():
            del key["use"]
    nonce = _det("online nonce 1", 4)
    online = online_body(7, CARD["1"], T0, nonce)
    return {
        "offline-trust-list-without-keys": offline_vector(
            "The trust list document has no `keys` member: no key is trusted.", body, T0 + 12, "unknown_key", jwks={}
        ),
        "offline-unknown-key-without-use": offline_vector(
            "Key A is in the JWKS without `use`: only keys with use 'sig' are trusted.",
            body, T0 + 12, "unknown_key", jwks=no_use,
        ),
        "online-third-party-unknown-key": online_case(
            "A valid online code at a verifier that holds no online secret (anyone but the issuer): unknown_key.",
            "YKO1:" + b45(online), T0 + 12, "unknown_key", body=online, masters=(),
        ),
        "online-third-party-malformed": online_case(
            "A 28-byte online body at a verifier that holds no online secret: malformed, as at the issuer.",
            "YKO1:" + b45(online[:-1]), T0 + 12, "malformed", masters=(),
        ),
    }  # fmt: skip


def revocation_cases() -> dict[str, dict[str, Any]]:
    """A full list, then the server's later answers to ?since= (section 10), then the code."""
    cred = credential()
    body = offline_body(cred)
    card1, card2, card3 = (CARD[c].hex() for c in ("1", "2", "3"))
    dev1, dev2 = device_key_id("1"), device_key_id("2")
    valid = dict(inputs=offline_inputs("A", cred, T0), expected_fields=offline_fields(body))

    def case(description: str, expected: str, full: dict[str, Any], *updates: dict[str, Any]) -> dict[str, Any]:
        extra = valid if expected in ("valid", "card_cancelled", "card_suspended", "device_revoked") else {}
        return offline_vector(description, body, T0 + 12, expected, revocation=full, revocation_updates=list(updates), **extra)

    return {
        "offline-revocation-delta-card-cancelled": case(
            "Card 1 cancelled by the last change of a delta (versions with gaps, as the server may send).",
            "card_cancelled",
            revocation({card3: "suspended"}),
            delta(42, 57, [(45, "card", card2, "suspended"), (51, "device", dev2, "revoked"), (57, "card", card1, "cancelled")]),
        ),
        "offline-revocation-delta-card-reinstated": case(
            "Card 1 suspended in the full list, active again in the delta: it is removed.",
            "valid",
            revocation({card1: "suspended"}),
            delta(42, 43, [(43, "card", card1, "active")]),
        ),
        "offline-revocation-delta-device-revoked": case(
            "Device 1 revoked by a delta.",
            "device_revoked",
            revocation(),
            delta(42, 44, [(44, "device", dev1, "revoked")]),
        ),
        "offline-revocation-delta-last-change-wins": case(
            "One delta suspends, reinstates and cancels card 1: applied in ascending version, cancelled wins.",
            "card_cancelled",
            revocation(),
            delta(42, 45, [(43, "card", card1, "suspended"), (44, "card", card1, "active"), (45, "card", card1, "cancelled")]),
        ),
        "offline-revocation-deltas-chained": case(
            "Three deltas in a row (one empty), each asked with the version the previous one gave: card 1 reinstated.",
            "valid",
            revocation({card1: "suspended"}),
            delta(42, 44, [(44, "card", card2, "cancelled")]),
            delta(44, 44, []),
            delta(44, 46, [(46, "card", card1, "active")]),
        ),
        "offline-revocation-delta-not-following": case(
            "A delta since version 40 when the verifier holds version 42: not applied, so card 1 stays suspended.",
            "card_suspended",
            revocation({card1: "suspended"}),
            delta(40, 45, [(45, "card", card1, "active")]),
        ),
        "offline-revocation-full-list-replaces": case(
            "A later full list (the answer to ?since= may be one) replaces the held list; it does not merge.",
            "valid",
            revocation({card1: "cancelled"}, [dev1]),
            revocation({card3: "suspended"}, version=50, at=T0 - 30),
        ),
    }


# --- format 2 (YKD2): docs/qr-format.md, "Offline code, format 2" --------------------------
# Built here from the spec as format 1's are: own packing, SM2 signing written out below (with a
# deterministic nonce, so the files regenerate byte for byte; real SM2 signers draw the nonce at
# random and can never reproduce a vector's code from its inputs), SM3 from `cryptography`.

SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = SM2_P - 3
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
SM2_USER_ID = b"1234567812345678"
SM2_OFF_CURVE = b"\x02" + (2).to_bytes(32, "big")  # x = 2: x^3 + ax + b has no square root mod p
SLOT = 3 * 3600
V2_NBF = T0 - T0 % SLOT  # T0 starts a slot
V2_EXP = V2_NBF + SLOT
RETIRE_V1 = 1803859200  # 2027-03-01T00:00:00Z, the server's default offline_v1_retire_at
PROVINCE, CITY = 440000, 440100
DEFAULT_ATTRS = {1: 0x00, 2: 0x01, 3: 0x09}  # validity: none; concession: elderly; transit: elderly + transport
SCENARIO_OF = {1: "library_entry", 2: "scenic_entry", 3: "transit_ride"}
PROFILE_NAME = {1: "validity", 2: "concession", 3: "transit"}
SUITE_NAME = {1: "ed25519", 2: "sm2"}


def sm3(data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes

    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def sm2_add(p: tuple[int, int] | None, q: tuple[int, int] | None) -> tuple[int, int] | None:
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % SM2_P == 0:
        return None
    if p == q:
        lam = (3 * p[0] * p[0] + SM2_A) * pow(2 * p[1], -1, SM2_P) % SM2_P
    else:
        lam = (q[1] - p[1]) * pow(q[0] - p[0], -1, SM2_P) % SM2_P
    x = (lam * lam - p[0] - q[0]) % SM2_P
    return x, (lam * (p[0] - x) - p[1]) % SM2_P


def sm2_mul(k: int, p: tuple[int, int] | None) -> tuple[int, int] | None:
    out = None
    while k:
        if k & 1:
            out = sm2_add(out, p)
        p, k = sm2_add(p, p), k >> 1
    return out


def sm2_private(label: str) -> bytes:
    return (int.from_bytes(_det(label), "big") % (SM2_N - 2) + 1).to_bytes(32, "big")


def sm2_point(private: bytes) -> tuple[int, int]:
    point = sm2_mul(int.from_bytes(private, "big"), SM2_G)
    assert point is not None
    return point


def sm2_compressed(private: bytes) -> bytes:
    x, y = sm2_point(private)
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def sm2_xy_of(public33: bytes) -> bytes:
    """x || y of a compressed point (assumed on the curve)."""
    x = int.from_bytes(public33[1:], "big")
    y = pow((x**3 + SM2_A * x + SM2_B) % SM2_P, (SM2_P + 1) // 4, SM2_P)  # p = 3 mod 4
    if (y & 1) != public33[0] - 2:
        y = SM2_P - y
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def sm2_sign(private: bytes, message: bytes, public33: bytes | None = None) -> bytes:
    """GB/T 32918.2 signature r || s, e = SM3(Z_A || M), Z_A with the default user id; the nonce
    is derived from the key and message (test vectors only)."""
    d = int.from_bytes(private, "big")
    public33 = public33 or sm2_compressed(private)
    curve = b"".join(v.to_bytes(32, "big") for v in (SM2_A, SM2_B, *SM2_G))
    z_a = sm3((len(SM2_USER_ID) * 8).to_bytes(2, "big") + SM2_USER_ID + curve + sm2_xy_of(public33))
    e = int.from_bytes(sm3(z_a + message), "big")
    counter = 0
    while True:
        k = int.from_bytes(hashlib.sha256(b"sm2 test nonce" + private + message + bytes([counter])).digest(), "big")
        k = k % (SM2_N - 1) + 1
        x1 = sm2_point(k.to_bytes(32, "big"))[0]
        r = (e + x1) % SM2_N
        s = pow(1 + d, -1, SM2_N) * (k - r * d) % SM2_N
        if r and r + k != SM2_N and s:
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        counter += 1


ISSUER2 = {"A": ("ed25519", ISSUER["A"]), "C": ("ed25519", ISSUER["C"]), "S": ("sm2", sm2_private("sm2 issuer S")),
           "T": ("sm2", sm2_private("sm2 issuer T"))}  # fmt: skip
ISSUER2_KID = {"A": ISSUER_KID["A"], "C": ISSUER_KID["C"], "S": _det("issuer kid S", 4), "T": _det("issuer kid T", 4)}
CRED_REF = {name: _det(f"cred ref {name}", 8) for name in ("1", "2", "3", "4")}


def device2(suite: int, name: str) -> bytes:
    """A one-time device private key of the suite."""
    return _det(f"one-time device {name}") if suite == 1 else sm2_private(f"sm2 one-time device {name}")


def pub2(suite: int, private: bytes) -> bytes:
    return pub_of(private) if suite == 1 else sm2_compressed(private)


def sign2(suite: int, private: bytes, message: bytes) -> bytes:
    return sign(private, message) if suite == 1 else sm2_sign(private, message)


def scenario_tag(name: str) -> bytes:
    return hashlib.sha256(b"yikatong/scenario/" + name.encode()).digest()[:4]


def credential2(
    suite: int = 1,
    *,
    issuer: str | None = None,
    kid: bytes | None = None,
    cred: str = "1",
    profile: int = 3,
    region: int | None = None,
    nbf: int = V2_NBF,
    exp: int = V2_EXP,
    attrs: int | None = None,
    device: str = "1",
    device_pub: bytes | None = None,
    ver: int = 2,
    suite_byte: int | None = None,
) -> bytes:
    """A format-2 credential; `suite` says how it is signed, `suite_byte` what it claims."""
    issuer = issuer or ("A" if suite == 1 else "S")
    assert ISSUER2[issuer][0] == SUITE_NAME[suite]
    signed = (
        bytes([ver, suite if suite_byte is None else suite_byte])
        + (kid or ISSUER2_KID[issuer])
        + CRED_REF[cred]
        + bytes([profile])
        + (region if region is not None else CITY if profile == 3 else PROVINCE).to_bytes(3, "big")
        + nbf.to_bytes(4, "big")
        + exp.to_bytes(4, "big")
        + bytes([DEFAULT_ATTRS.get(profile, 0) if attrs is None else attrs])
        + (device_pub or pub2(suite, device2(suite, device)))
    )
    assert len(signed) == 27 + (32 if suite == 1 else 33) or device_pub is not None
    return signed + sign2(suite, ISSUER2[issuer][1], b"YKC2" + signed)


def code2(cred: bytes, suite: int = 1, scenario: str | None = None, t: int = T0, device: str = "1") -> bytes:
    """credential || scenario tag || t || device signature (by the one-time key `device`)."""
    signed = cred + scenario_tag(scenario or SCENARIO_OF[cred[14]]) + t.to_bytes(4, "big")
    return signed + sign2(suite, device2(suite, device), b"YKD2" + signed)


def jwk_sm2(name: str, *, nbf: int, exp: int, xy: bytes | None = None) -> dict[str, Any]:
    """The JWK of SM2 key `name` (or of the given x || y, which need not be a curve point)."""
    xy = xy or sm2_xy_of(sm2_compressed(ISSUER2[name][1]))
    x, y = xy[:32], xy[32:]
    return {
        "kty": "EC",
        "crv": "SM2",
        "x": _b64(x),
        "y": _b64(y),
        "kid": ISSUER2_KID[name].hex(),
        "use": "sig",
        "alg": "SM2SM3",
        "nbf": nbf,
        "exp": exp,
        "yk_publish_until": exp + 86400,
    }


def trust2(*extra: dict[str, Any]) -> dict[str, Any]:
    """The JWKS after the rotation to SM2: S (SM2) signs, A (Ed25519) still published; format 1's date."""
    return {
        "keys": [
            jwk("A", nbf=ROTATED_AT - 90 * 86400, exp=ROTATED_AT),
            jwk_sm2("S", nbf=ROTATED_AT, exp=ROTATED_AT + 90 * 86400),
            *extra,
        ],
        "yk_retired_formats": {"YKD1": RETIRE_V1},
    }


def revocation2(credentials: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return {**revocation(**kwargs), "credentials": credentials or {}}


def fields2(body: bytes, stage: str) -> dict[str, Any]:
    """What a verifier reports: the credential's fields once the issuer signature verified
    ("credential"), the code's too once the device signature did ("code")."""
    p = 32 if body[1] == 1 else 33
    out: dict[str, Any] = {
        "cred_ref": body[6:14].hex(),
        "suite": body[1],
        "profile": body[14],
        "region": int.from_bytes(body[15:18], "big"),
        "nbf": int.from_bytes(body[18:22], "big"),
        "exp": int.from_bytes(body[22:26], "big"),
        "attrs": body[26],
        "kid": body[2:6].hex(),
    }
    if stage == "code":
        c = 27 + p + 64
        out.update(
            scenario=body[c : c + 4].hex(),
            t=int.from_bytes(body[c + 4 : c + 8], "big"),
            code_id=hashlib.sha256(body).digest()[:16].hex(),
        )
    return out


def inputs2(suite: int, cred: bytes, scenario: str, t: int, issuer: str | None = None, device: str = "1") -> dict[str, Any]:
    issuer = issuer or ("A" if suite == 1 else "S")
    private = device2(suite, device)
    return {
        "suite": SUITE_NAME[suite],
        "issuer_kid": cred[2:6].hex(),
        "issuer_private": ISSUER2[issuer][1].hex(),
        "cred_ref": cred[6:14].hex(),
        "profile": PROFILE_NAME[cred[14]],
        "region": int.from_bytes(cred[15:18], "big"),
        "nbf": int.from_bytes(cred[18:22], "big"),
        "exp": int.from_bytes(cred[22:26], "big"),
        "attrs": cred[26],
        "device_private": private.hex(),
        "device_pub": pub2(suite, private).hex(),
        "credential_hex": cred.hex(),
        "scenario": scenario,
        "t": t,
    }


STAGE_OF = {"valid": "code", "wrong_scenario": "code", "card_suspended": "code", "card_cancelled": "code",
            "device_revoked": "code", "malformed": "none", "unknown_key": "none", "format_retired": "none"}  # fmt: skip


def v2_case(
    description: str,
    code: bytes | str,
    now: int,
    expected: str,
    *,
    scenario: str,
    stage: str | None = None,
    jwks: dict[str, Any] | None = None,
    skew: int = SKEW,
    **extra: Any,
) -> dict[str, Any]:
    """A format-2 vector: `scenario` is the verifier's; expected_fields are every field the
    verifier sets at the step that decides (none before the issuer signature)."""
    stage = stage or STAGE_OF[expected]
    text = code if isinstance(code, str) else "YKD2:" + b45(code)
    case: dict[str, Any] = {"description": description, "kind": "offline", "code": text, "now": now, "skew": skew}
    case.update(expected=expected, scenario=scenario)
    if stage != "none":
        assert isinstance(code, bytes)
        case["expected_fields"] = fields2(code, stage)
    case["trust"] = trust2() if jwks is None else jwks
    if isinstance(code, bytes):
        case["body_hex"] = code.hex()
    case.update(extra)
    return case


def v2_valid_cases() -> dict[str, dict[str, Any]]:
    cases = {}
    for suite in (1, 2):
        for profile in (1, 2, 3):
            cred = credential2(suite, profile=profile, cred=str(profile))
            scenario = SCENARIO_OF[profile]
            body = code2(cred, suite)
            what = {1: "validity at a library", 2: "concession at a museum or scenic spot", 3: "transit at a metro gate"}
            cases[f"valid-{SUITE_NAME[suite]}-{PROFILE_NAME[profile]}"] = v2_case(
                f"{SUITE_NAME[suite]} suite, {what[profile]} ({scenario}), scanned 12 s after the code was made.",
                body, T0 + 12, "valid", scenario=scenario, inputs=inputs2(suite, cred, scenario, T0),
            )  # fmt: skip
    return cases


def v2_scenario_cases() -> dict[str, dict[str, Any]]:
    cases = {}
    for suite in (1, 2):
        name = SUITE_NAME[suite]
        transit = code2(credential2(suite, profile=3), suite)
        cases[f"wrong-scenario-{name}-transit-code-at-library"] = v2_case(
            "A transit code (made for transit_ride) shown at a library scanner: the tag differs.",
            transit, T0 + 12, "wrong_scenario", scenario="library_entry",
        )  # fmt: skip
        validity = code2(credential2(suite, profile=1), suite, "transit_ride")
        cases[f"wrong-profile-{name}-validity-credential-for-transit"] = v2_case(
            "A validity credential's code signed for transit_ride (the right tag): transit uses the transit profile.",
            validity, T0 + 12, "wrong_scenario", scenario="transit_ride",
        )  # fmt: skip
    for suite in (1, 2):
        library = code2(credential2(suite, profile=1), suite, "library_entry")
        cases[f"wrong-scenario-{SUITE_NAME[suite]}-library-code-at-hospital"] = v2_case(
            "A validity code made for library_entry shown at hospital_registration: both use the validity profile, "
            "only the scenario tag tells them apart.",
            library, T0 + 12, "wrong_scenario", scenario="hospital_registration",
        )  # fmt: skip
    concession = code2(credential2(1, profile=2), 1, "transit_ride")
    cases["wrong-profile-concession-credential-for-transit"] = v2_case(
        "A concession credential (no transport bit) signed for transit_ride: refused, the gate needs the transit profile.",
        concession, T0 + 12, "wrong_scenario", scenario="transit_ride",
    )  # fmt: skip
    transit_at_scenic = code2(credential2(1, profile=3), 1, "scenic_entry")
    cases["wrong-profile-transit-credential-at-scenic"] = v2_case(
        "A transit credential signed for scenic_entry: it discloses the transport bit, which a museum must not learn.",
        transit_at_scenic, T0 + 12, "wrong_scenario", scenario="scenic_entry",
    )  # fmt: skip
    return cases


def v2_key_cases() -> dict[str, dict[str, Any]]:
    """Keys: unknown kid, kid known with the other algorithm, broken signatures, hostile SM2 points."""
    cases = {}
    cases["unknown-key-ed25519"] = v2_case(
        "Credential signed by Ed25519 key C, which is not in the trust list.",
        code2(credential2(1, issuer="C")), T0 + 12, "unknown_key", scenario="transit_ride",
    )  # fmt: skip
    cases["unknown-key-sm2"] = v2_case(
        "Credential signed by SM2 key T, which is not in the trust list.",
        code2(credential2(2, issuer="T"), 2), T0 + 12, "unknown_key", scenario="transit_ride",
    )  # fmt: skip
    cases["unknown-key-sm2-code-kid-listed-as-ed25519"] = v2_case(
        "An SM2 (suite 2) credential naming kid A, which the trust list holds as an Ed25519 key: no SM2 key of that kid.",
        code2(credential2(2, kid=ISSUER2_KID["A"]), 2), T0 + 12, "unknown_key", scenario="transit_ride",
    )  # fmt: skip
    cases["unknown-key-ed25519-code-kid-listed-as-sm2"] = v2_case(
        "An Ed25519 (suite 1) credential naming kid S, which the trust list holds as an SM2 key.",
        code2(credential2(1, kid=ISSUER2_KID["S"])), T0 + 12, "unknown_key", scenario="transit_ride",
    )  # fmt: skip
    no_use = trust2()
    for key in no_use["keys"]:
        if key["kid"] == ISSUER2_KID["S"].hex():
            del key["use"]
    cases["unknown-key-sm2-without-use"] = v2_case(
        "SM2 key S is in the JWKS without `use`: only keys with use 'sig' are trusted.",
        code2(credential2(2), 2), T0 + 12, "unknown_key", scenario="transit_ride", jwks=no_use,
    )  # fmt: skip
    for suite in (1, 2):
        name, p = SUITE_NAME[suite], 32 if suite == 1 else 33
        body = code2(credential2(suite), suite)
        c = 27 + p + 64
        for label, index, mask, expected, stage in [
            ("bad-issuer-signature", 27 + p + 10, 0x01, "bad_signature", "none"),
            ("bad-device-signature", c + 8 + 40, 0x01, "bad_signature", "credential"),
            ("tampered-attrs", 26, 0x02, "bad_signature", "none"),  # 0x09 -> 0x0b, inside the transit mask
            ("tampered-scenario-tag", c, 0x01, "bad_signature", "credential"),
            ("tampered-time", c + 7, 0x01, "bad_signature", "credential"),
            ("tampered-region", 17, 0x01, "bad_signature", "none"),
        ]:
            bad = flip(body, index, mask)
            cases[f"{label}-{name}"] = v2_case(
                f"{name}: body byte {index} ^= 0x{mask:02x} on a valid transit code.",
                bad, T0 + 12, expected, scenario="transit_ride", stage=stage, tamper=f"body[{index}] ^= 0x{mask:02x}",
            )  # fmt: skip
    # SM2 hostile points and signatures
    off = credential2(2, device_pub=SM2_OFF_CURVE)
    forged = off + scenario_tag("transit_ride") + T0.to_bytes(4, "big")
    forged += (1).to_bytes(32, "big") + (1).to_bytes(32, "big")
    cases["sm2-device-key-not-on-curve"] = v2_case(
        "The credential (genuinely signed by SM2 key S) binds 02 || x with x = 2, which is not on the curve; "
        "the device signature is r = s = 1. Refused at the device signature.",
        forged, T0 + 12, "bad_signature", scenario="transit_ride", stage="credential",
        construction="device_pub = 02 || 00..02; device_sig = 00..01 || 00..01",
    )  # fmt: skip
    valid = code2(credential2(2), 2)
    c = 27 + 33 + 64
    for label, sig in [
        ("r-zero", bytes(32) + valid[c + 8 + 32 :]),
        ("s-zero", valid[c + 8 : c + 8 + 32] + bytes(32)),
        ("r-is-n", SM2_N.to_bytes(32, "big") + valid[c + 8 + 32 :]),
        ("s-plus-n", valid[c + 8 : c + 8 + 32] + ((int.from_bytes(valid[-32:], "big") + SM2_N) % 2**256).to_bytes(32, "big")),
    ]:
        cases[f"sm2-device-signature-{label}"] = v2_case(
            f"SM2 device signature with {label.replace('-', ' ')}: r and s must be in [1, n-1].",
            valid[: c + 8] + sig, T0 + 12, "bad_signature", scenario="transit_ride", stage="credential",
        )  # fmt: skip
    jwks = trust2(jwk_sm2("T", nbf=T0 - 86400, exp=T0 + 86400, xy=SM2_OFF_CURVE[1:] + (1).to_bytes(32, "big")))
    cases["sm2-issuer-key-not-on-curve"] = v2_case(
        "The trust list holds SM2 key T with x = 2 (not a curve point): it stays listed, so its credentials are "
        "bad_signature, not unknown_key.",
        code2(credential2(2, issuer="T"), 2), T0 + 12, "bad_signature", scenario="transit_ride", stage="none", jwks=jwks,
    )  # fmt: skip
    return cases


def v2_malformed_cases() -> dict[str, dict[str, Any]]:
    ed = code2(credential2(1))
    sm = code2(credential2(2), 2)
    cases = {}

    def bad(name: str, description: str, code: bytes | str) -> None:
        cases[f"malformed-{name}"] = v2_case(description, code, T0 + 12, "malformed", scenario="transit_ride")

    bad("empty-body", "The prefix alone.", "YKD2:")
    bad("one-byte", "A body of one byte (02).", b"\x02")
    bad("version-1", "Version byte 1 in a YKD2 code (genuinely signed).", code2(credential2(1, ver=1)))
    bad("suite-0", "Suite 0 (signed as Ed25519).", code2(credential2(1, suite_byte=0)))
    bad("suite-3", "Suite 3 (signed as Ed25519).", code2(credential2(1, suite_byte=3)))
    bad("suite-2-ed25519-length", "Suite byte 2 on a 195-byte (Ed25519-sized) body.", code2(credential2(1, suite_byte=2)))
    bad("suite-1-sm2-length", "Suite byte 1 on a 196-byte (SM2-sized) body.", code2(credential2(2, suite_byte=1), 2))
    bad("truncated-ed25519", "The valid Ed25519 transit body without its last byte (194 bytes).", ed[:-1])
    bad("extra-byte-sm2", "The valid SM2 transit body plus one zero byte (197 bytes).", sm + b"\x00")
    bad("profile-0", "Profile 0, genuinely signed.", code2(credential2(1, profile=0, attrs=0), 1, "transit_ride"))
    bad("profile-4", "Profile 4, genuinely signed.", code2(credential2(1, profile=4, attrs=0), 1, "transit_ride"))
    bad(
        "attrs-outside-validity-mask",
        "Validity credential with attrs 0x01 (validity allows none), genuinely signed by key A.",
        code2(credential2(1, profile=1, attrs=0x01)),
    )
    bad(
        "attrs-outside-concession-mask",
        "Concession credential with the transport bit 0x08 (outside 0x07), genuinely signed by SM2 key S.",
        code2(credential2(2, profile=2, attrs=0x09), 2),
    )
    bad(
        "attrs-reserved-bit-transit",
        "Transit credential with bit 0x10 (outside 0x0f), genuinely signed: reserved bits are not ignored in format 2.",
        code2(credential2(1, profile=3, attrs=0x19)),
    )
    bad("lowercase", "The valid Ed25519 code in lower case.", "YKD2:" + b45(ed).lower())
    bad("trailing-newline", "The valid SM2 code followed by a newline.", "YKD2:" + b45(sm) + "\n")
    bad("too-long", "1001 characters.", "YKD2:" + "0" * 996)
    bad("v1-body", "A valid YKD1 body behind the YKD2 prefix.", "YKD2:" + b45(offline_body(credential())))
    return cases


def v2_time_cases() -> dict[str, dict[str, Any]]:
    cases = {}
    cred = credential2(1)
    for skew, at, expected, label in [
        (5, V2_NBF - 5, "valid", "credential-valid-from-edge"),
        (5, V2_NBF - 6, "not_yet_valid", "credential-not-yet-valid-edge"),
        (5, V2_EXP + 5, "valid", "credential-valid-until-edge"),
        (5, V2_EXP + 6, "expired", "credential-expired-edge"),
        (30, V2_EXP + 31, "expired", "credential-expired-edge-skew-30"),
    ]:
        rel = f"nbf - {V2_NBF - at}" if at <= V2_NBF else f"exp + {at - V2_EXP}"
        extra = {"inputs": inputs2(1, cred, "transit_ride", at)} if expected == "valid" else {}
        cases[label] = v2_case(
            f"Slot edge with skew {skew}: now = {rel}, code made at t = now.",
            code2(cred, 1, "transit_ride", at), at, expected, scenario="transit_ride", skew=skew,
            stage="code" if expected == "valid" else "credential", **extra,
        )  # fmt: skip
    sm = credential2(2)
    t = T0 + 600  # ten minutes into the slot, so only the code's own window decides
    body = code2(sm, 2, "transit_ride", t)
    for skew, offset, expected in [
        (5, 65, "valid"),
        (5, 66, "expired"),
        (5, -5, "valid"),
        (5, -6, "not_yet_valid"),
        (0, 61, "expired"),
    ]:
        what = {"valid": "valid", "not_yet_valid": "not-yet-valid", "expired": "expired"}[expected]
        sign_ = "plus" if offset >= 0 else "minus"
        cases[f"code-{what}-{sign_}-{abs(offset)}-skew-{skew}-sm2"] = v2_case(
            f"SM2 code time edge with skew {skew}: now = t {'+' if offset >= 0 else '-'} {abs(offset)}.",
            body, t + offset, expected, scenario="transit_ride", skew=skew, stage="code",
            **({"inputs": inputs2(2, sm, "transit_ride", t)} if expected == "valid" else {}),
        )  # fmt: skip
    return cases


def v2_revocation_cases() -> dict[str, dict[str, Any]]:
    cred = credential2(1)
    body = code2(cred, 1)
    ref, other = CRED_REF["1"].hex(), CRED_REF["4"].hex()
    inputs = inputs2(1, cred, "transit_ride", T0)
    cases = {}
    for status, result in [("suspended", "card_suspended"), ("cancelled", "card_cancelled"), ("revoked", "device_revoked")]:
        cases[f"revoked-credential-{status}"] = v2_case(
            f"The credential is listed as {status} in the held list's `credentials`.",
            body, T0 + 12, result, scenario="transit_ride", revocation=revocation2({ref: status, other: "cancelled"}),
        )  # fmt: skip
    cases["revocation-other-credential-listed"] = v2_case(
        "Another credential (same holder, another slot) is revoked; this one is not listed: valid.",
        body, T0 + 12, "valid", scenario="transit_ride", revocation=revocation2({other: "revoked"}), inputs=inputs,
    )  # fmt: skip
    cases["revocation-card-ref-does-not-match-cred-ref"] = v2_case(
        "Format 1's `cards` lists the same 8 bytes as a card: format 2 reads only `credentials`, so valid.",
        body, T0 + 12, "valid", scenario="transit_ride", revocation=revocation2(cards={ref: "cancelled"}), inputs=inputs,
    )  # fmt: skip
    cases["revocation-delta-credential-revoked"] = v2_case(
        "A delta with kind 'credential' changes: another credential suspended, then this one revoked.",
        body, T0 + 12, "device_revoked", scenario="transit_ride", revocation=revocation2(),
        revocation_updates=[delta(42, 47, [(45, "credential", other, "suspended"), (47, "credential", ref, "revoked")])],
    )  # fmt: skip
    cases["revocation-delta-credential-reinstated"] = v2_case(
        "The credential is suspended in the full list and active again in a delta: removed, valid.",
        body, T0 + 12, "valid", scenario="transit_ride", revocation=revocation2({ref: "suspended"}), inputs=inputs,
        revocation_updates=[delta(42, 43, [(43, "credential", ref, "active")])],
    )  # fmt: skip
    cases["revocation-delta-credential-last-change-wins"] = v2_case(
        "One delta suspends, reinstates and cancels the credential: applied in ascending version, cancelled wins.",
        body, T0 + 12, "card_cancelled", scenario="transit_ride", revocation=revocation2(),
        revocation_updates=[delta(42, 45, [(43, "credential", ref, "suspended"), (44, "credential", ref, "active"),
                                           (45, "credential", ref, "cancelled")])],
    )  # fmt: skip
    return cases


def v2_order_cases() -> dict[str, dict[str, Any]]:
    """Several failures at once: the first failing step decides."""
    late = credential2(1, nbf=V2_NBF + SLOT, exp=V2_EXP + SLOT)
    expired = credential2(1, nbf=V2_NBF - SLOT, exp=V2_NBF)
    body = code2(credential2(1), 1)
    ref = CRED_REF["1"].hex()
    revoked = revocation2({ref: "revoked"})
    c = 27 + 32 + 64
    return {
        "order-malformed-beats-unknown-key": v2_case(
            "Attrs outside the mask and issuer key C (not trusted): malformed (step 5) before unknown_key (step 6).",
            code2(credential2(1, issuer="C", profile=1, attrs=0x02)), T0 + 12, "malformed", scenario="library_entry",
        ),
        "order-unknown-key-beats-time": v2_case(
            "Key C (not trusted), slot over, code 5 minutes old: unknown_key.",
            code2(credential2(1, issuer="C", nbf=V2_NBF - SLOT, exp=V2_NBF), 1, "transit_ride", T0 - 300), T0 + 12,
            "unknown_key", scenario="transit_ride",
        ),
        "order-issuer-signature-beats-credential-time": v2_case(
            "A broken issuer signature on a credential of the next slot: bad_signature (step 7 before 8).",
            flip(code2(late), 70), T0 + 12, "bad_signature", scenario="transit_ride", stage="none", tamper="body[70] ^= 0x01",
        ),
        "order-credential-time-beats-device-signature": v2_case(
            "A credential of the next slot and a broken device signature: not_yet_valid (step 8 before 10).",
            flip(code2(late), c + 20), T0 + 12, "not_yet_valid", scenario="transit_ride", stage="credential",
            tamper=f"body[{c + 20}] ^= 0x01",
        ),
        "order-credential-expired-beats-wrong-scenario": v2_case(
            "The previous slot's credential and a code for the library, at a metro gate: expired (step 9 before 11).",
            code2(expired, 1, "library_entry"), T0 + 12, "expired", scenario="transit_ride", stage="credential",
        ),
        "order-device-signature-beats-wrong-scenario": v2_case(
            "A broken device signature on a code made for the library, at a metro gate: bad_signature (step 10 before 11).",
            flip(code2(credential2(1), 1, "library_entry"), c + 30), T0 + 12, "bad_signature", scenario="transit_ride",
            stage="credential", tamper=f"body[{c + 30}] ^= 0x01",
        ),
        "order-wrong-scenario-beats-code-time": v2_case(
            "A code made for the library 10 minutes ago, at a metro gate: wrong_scenario (step 11 before 12-13).",
            code2(credential2(1), 1, "library_entry", T0), T0 + 600, "wrong_scenario", scenario="transit_ride",
        ),
        "order-wrong-scenario-beats-revocation": v2_case(
            "A revoked credential's code made for the library, at a metro gate: wrong_scenario (step 11 before 14).",
            code2(credential2(1), 1, "library_entry"), T0 + 12, "wrong_scenario", scenario="transit_ride", revocation=revoked,
        ),
        "order-code-time-beats-revocation": v2_case(
            "A revoked credential's code made a minute ahead of the scanner: not_yet_valid (step 12 before 14).",
            code2(credential2(1), 1, "transit_ride", T0 + 60), T0 + 12, "not_yet_valid", scenario="transit_ride",
            stage="code", revocation=revoked,
        ),
        "order-device-signature-beats-revocation": v2_case(
            "A broken device signature on a revoked credential's code: bad_signature.",
            flip(body, c + 40), T0 + 12, "bad_signature", scenario="transit_ride", stage="credential",
            tamper=f"body[{c + 40}] ^= 0x01", revocation=revoked,
        ),
    }  # fmt: skip


def v2_retired_cases() -> dict[str, dict[str, Any]]:
    """Format 1 after its retirement date: kind offline, a YKD1 code, `retire_at` given."""
    cred = credential()
    body = offline_body(cred)
    text = "YKD1:" + b45(body)
    base = {"description": "", "kind": "offline", "code": text, "skew": SKEW}
    return {
        "format-1-retired": {
            **base, "description": "A genuine YKD1 code scanned at the retirement instant (retire_at = now): format_retired, "
            "before the key and every time check.", "now": T0 + 12, "expected": "format_retired", "retire_at": T0 + 12,
            "trust": trust(), "body_hex": body.hex(),
        },
        "format-1-before-retirement": {
            **base, "description": "The same code one second before retire_at: verified exactly as format 1 says.",
            "now": T0 + 12, "expected": "valid", "retire_at": T0 + 13, "expected_fields": offline_fields(body),
            "trust": trust(), "body_hex": body.hex(), "inputs": offline_inputs("A", cred, T0),
        },
        "format-1-retired-by-trust-list": {
            **base, "description": "retire_at from the trust list's yk_retired_formats (2027-03-01T00:00:00Z), now one "
            "second later: format_retired (the credential would be long expired: retirement comes first).",
            "now": RETIRE_V1 + 1, "expected": "format_retired", "retire_at": RETIRE_V1,
            "trust": {**trust(), "yk_retired_formats": {"YKD1": RETIRE_V1}}, "body_hex": body.hex(),
        },
        "format-1-retired-still-malformed": {
            **base, "description": "A YKD1 text one character short after the retirement: malformed comes first.",
            "code": text[:-1], "now": RETIRE_V1 + 1, "expected": "malformed", "retire_at": RETIRE_V1, "trust": trust(),
        },
    }  # fmt: skip


def all_v2_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for group in (
        v2_valid_cases,
        v2_scenario_cases,
        v2_key_cases,
        v2_malformed_cases,
        v2_time_cases,
        v2_revocation_cases,
        v2_order_cases,
        v2_retired_cases,
    ):
        made = group()
        assert not made.keys() & cases.keys(), "duplicate vector names"
        cases.update(made)
    return cases


def cross_check_v2(cases: dict[str, dict[str, Any]]) -> None:
    """The library makes the same credentials (bytes for Ed25519, the signed part for SM2) and
    the same Ed25519 codes; it accepts the SM2 signatures made here."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from backend.codes import format_v2 as f2

    for name, case in cases.items():
        inp = case.get("inputs")
        if case["expected"] != "valid" or inp is None or "scenario" not in inp:
            continue
        raw = bytes.fromhex(inp["credential_hex"])
        remade = f2.make_credential_v2(
            suite=inp["suite"],
            issuer_kid=bytes.fromhex(inp["issuer_kid"]),
            issuer_private=bytes.fromhex(inp["issuer_private"]),
            cred_ref=bytes.fromhex(inp["cred_ref"]),
            profile=inp["profile"],
            region=inp["region"],
            nbf=inp["nbf"],
            exp=inp["exp"],
            attrs=inp["attrs"],
            device_pub=bytes.fromhex(inp["device_pub"]),
        )
        minted = f2.make_offline_code_v2(raw, bytes.fromhex(inp["device_private"]), inp["scenario"], inp["t"])
        if inp["suite"] == "ed25519":
            assert remade == raw and minted == case["code"], f"library disagrees with v2/{name}"
        else:  # randomized signatures: the signed part agrees, and the library's fresh code verifies
            assert remade[:-64] == raw[:-64], f"library credential differs in v2/{name}"
            trust = f2.trust_from_jwks_v2(case["trust"])
            check = f2.verify_offline_v2(minted, trust=trust, scenario=case["scenario"], now=case["now"], skew=case["skew"])
            assert check.result.value == "valid", f"library's own SM2 code for v2/{name} is {check.result}"


# --- output -------------------------------------------------------------------------------


def all_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for group in (
        online_cases,
        offline_cases,
        malformed_cases,
        signature_cases,
        time_cases,
        order_cases,
        trust_cases,
        revocation_cases,
    ):
        made = group()
        assert not made.keys() & cases.keys(), "duplicate vector names"
        cases.update(made)
    return cases


def cross_check(cases: dict[str, dict[str, Any]]) -> None:
    """The library must mint exactly the codes built here for every valid case."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from backend.codes import format as fmt

    for name, case in cases.items():
        if case["expected"] != "valid":
            continue
        minted = _mint_online(fmt, case) if case["kind"] == "online" else _mint_offline(fmt, case)
        assert minted == case["code"], f"library disagrees with {name}"


def _mint_online(fmt: Any, case: dict[str, Any]) -> str:
    inp = case["inputs"]
    master = bytes.fromhex(case["online_masters"][str(inp["kid"])])
    return fmt.mint_online(
        bytes.fromhex(inp["card_ref"]), kid=inp["kid"], master=master, now=inp["iat"], nonce=bytes.fromhex(inp["nonce"])
    )


def _mint_offline(fmt: Any, case: dict[str, Any]) -> str:
    inp = case["inputs"]
    raw = bytes.fromhex(inp["credential_hex"])
    if inp["flags"] <= fmt.KNOWN_FLAGS:  # the library refuses to issue reserved bits
        remade = fmt.make_credential(
            issuer_kid=bytes.fromhex(inp["issuer_kid"]),
            issuer_seed=bytes.fromhex(inp["issuer_seed"]),
            card_ref=bytes.fromhex(inp["card_ref"]),
            region=inp["region"],
            nbf=inp["nbf"],
            exp=inp["exp"],
            flags=inp["flags"],
            device_pub=bytes.fromhex(inp["device_pub"]),
        )
        assert remade == raw, "library credential differs"
    return fmt.make_offline_code(raw, bytes.fromhex(inp["device_seed"]), inp["t"])


KEY_ORDER = (
    "description", "kind", "code", "now", "skew", "expected", "scenario", "profile", "retire_at", "expected_fields",
    "trust", "online_masters", "revocation", "revocation_updates", "tamper", "construction", "body_hex", "inputs",
)  # fmt: skip


def render(case: dict[str, Any]) -> str:
    """Stable JSON: fixed key order, ASCII only (non-ASCII test input is \\u-escaped)."""
    ordered = {key: case[key] for key in KEY_ORDER if key in case}
    assert len(ordered) == len(case), f"unexpected keys {set(case) - set(ordered)}"
    return json.dumps(ordered, indent=2, ensure_ascii=True) + "\n"


def main(out_dir: Path = HERE, *, check: bool = True) -> list[Path]:
    """Write one <name>.json per case into `out_dir` (format 2's into `out_dir`/v2) and delete
    stale ones; returns the paths."""
    cases, cases_v2 = all_cases(), all_v2_cases()
    if check:
        cross_check(cases)
        cross_check_v2(cases_v2)
    return _write(out_dir, cases) + _write(out_dir / "v2", cases_v2)


def _write(out_dir: Path, cases: dict[str, dict[str, Any]]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.json"):
        if stale.stem not in cases:
            stale.unlink()
    paths = []
    for name, case in sorted(cases.items()):
        path = out_dir / f"{name}.json"
        path.write_text(render(case), encoding="ascii")
        paths.append(path)
    return paths


if __name__ == "__main__":
    written = main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(written)} vectors")
