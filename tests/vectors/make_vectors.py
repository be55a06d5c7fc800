"""Regenerate tests/vectors/*.json deterministically from fixed, test-only seeds."""

# Run: .venv/bin/python tests/vectors/make_vectors.py [OUT_DIR]
#
# The codes are built here straight from docs/qr-format.md (own packing, base45, HMAC, AES and
# libsodium calls) rather than through backend.codes.format, so the vectors check the library
# instead of echoing it; the valid cases are then cross-checked against the library. Every key
# below is public and for tests only.

from __future__ import annotations

import base64
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
) -> bytes:
    signed = (
        bytes([ver])
        + ISSUER_KID[issuer]
        + CARD[card]
        + region.to_bytes(3, "big")
        + nbf.to_bytes(4, "big")
        + exp.to_bytes(4, "big")
        + bytes([flags])
        + pub_of(DEVICE[device])
    )
    assert len(signed) == 57
    return signed + sign(ISSUER[issuer], b"YKC1" + signed)


def offline_body(cred: bytes, t: int = T0, device: str = "1") -> bytes:
    signed = cred + t.to_bytes(4, "big")
    return signed + sign(DEVICE[device], b"YKD1" + signed)


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


def revocation(cards: dict[str, str] | None = None, devices: list[str] | None = None) -> dict[str, Any]:
    return {"version": 42, "cards": cards or {}, "devices": devices or []}


def device_key_id(device: str) -> str:
    return hashlib.sha256(pub_of(DEVICE[device])).digest()[:8].hex()


# --- cases --------------------------------------------------------------------------------


def online_case(
    description: str, code: str, now: int, expected: str, *, body: bytes | None = None, **extra: Any
) -> dict[str, Any]:
    case = {"description": description, "kind": "online", "code": code, "now": now, "skew": SKEW, "expected": expected}
    case["online_masters"] = {str(kid): ONLINE_MASTER[kid].hex() for kid in (7, 6)}
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
    **extra: Any,
) -> dict[str, Any]:
    case = {"description": description, "kind": "offline", "code": code, "now": now, "skew": SKEW, "expected": expected}
    case["trust"] = jwks or trust()
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


def offline_fields(body: bytes, device: str = "1") -> dict[str, Any]:
    return {
        "card_ref": body[5:13].hex(),
        "region": int.from_bytes(body[13:16], "big"),
        "flags": body[24],
        "nbf": int.from_bytes(body[16:20], "big"),
        "exp": int.from_bytes(body[20:24], "big"),
        "t": int.from_bytes(body[121:125], "big"),
        "device_key_id": device_key_id(device),
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
        "online-expired": online_case(
            "One second past iat + 60 + skew.", code, T0 + 66, "expired", body=body, inputs=inputs
        ),
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

    def tampered(
        name: str, description: str, body_: bytes, index: int, mask: int, now: int = T0 + 12
    ) -> tuple[str, dict]:
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


# --- output -------------------------------------------------------------------------------


def all_cases() -> dict[str, dict[str, Any]]:
    return {**online_cases(), **offline_cases(), **malformed_cases()}


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
    "description", "kind", "code", "now", "skew", "expected", "expected_fields",
    "trust", "online_masters", "revocation", "tamper", "body_hex", "inputs",
)  # fmt: skip


def render(case: dict[str, Any]) -> str:
    """Stable JSON: fixed key order, ASCII only (non-ASCII test input is \\u-escaped)."""
    ordered = {key: case[key] for key in KEY_ORDER if key in case}
    assert len(ordered) == len(case), f"unexpected keys {set(case) - set(ordered)}"
    return json.dumps(ordered, indent=2, ensure_ascii=True) + "\n"


def main(out_dir: Path = HERE, *, check: bool = True) -> list[Path]:
    """Write one <name>.json per case into `out_dir` and delete stale ones; returns the paths."""
    cases = all_cases()
    if check:
        cross_check(cases)
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
