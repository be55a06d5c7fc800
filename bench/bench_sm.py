"""SM2 sign/verify per core for each installed library beside PyNaCl Ed25519, and SM4 + HMAC-SM3 online codes beside AES + HMAC-SHA256."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from codes import rate

from backend.codes import format as fmt
from backend.lib import sm2
from backend.lib.sm3sm4 import sm3

# What a scanner verifies most: the device signature of a YKD2 code covers "YKD2" and the body
# less its signature (124-byte SM2 credential + scenario + t = 132 bytes), 136 bytes in all.
MESSAGE = b"YKD2" + sm3(b"bench") * 4 + bytes(4)
NOW = 1_767_258_000

Signer = Callable[[bytes], bytes]  # message -> r||s
Verifier = Callable[[bytes, bytes], bool]  # (message, r||s) -> valid


def _der(raw: bytes) -> bytes:
    """r||s as the DER SEQUENCE of two INTEGERs that GmSSL and OpenSSL-derived libraries take."""

    def integer(b: bytes) -> bytes:
        b = b.lstrip(b"\x00") or b"\x00"
        if b[0] & 0x80:
            b = b"\x00" + b
        return b"\x02" + bytes([len(b)]) + b

    body = integer(raw[:32]) + integer(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def _raw(der: bytes) -> bytes:
    """The r||s of a short-form DER signature (always, for 256-bit r and s)."""
    r_len = der[3]
    r = int.from_bytes(der[4 : 4 + r_len], "big")
    s_len = der[5 + r_len]
    s = int.from_bytes(der[6 + r_len : 6 + r_len + s_len], "big")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _ours(private: bytes, public: bytes) -> tuple[Signer, Verifier]:
    return (lambda m: sm2.sign(private, m)), (lambda m, sig: sm2.verify(public, m, sig))


def _gmalglib(private: bytes, public: bytes) -> tuple[Signer, Verifier]:
    import gmalglib.sm2 as gm

    signer = gm.SM2(sk=private)
    verifier = gm.SM2(pk=b"\x04" + sm2.decompress(public))
    return (lambda m: bytes(signer.sign(m))), (lambda m, sig: bool(verifier.verify(m, sig)))


def _gmssl_pyx(private: bytes, public: bytes) -> tuple[Signer, Verifier]:
    import gmssl_pyx as g

    xy = sm2.decompress(public)
    za = sm2.z_a(public)
    # sm2_sign would redo Z_A (and the public key) each time; the digest calls are the fast path.
    return (
        (lambda m: _raw(g.sm2_sign_sm3_digest(private, g.sm3_hash(za + m)))),
        (lambda m, sig: bool(g.sm2_verify_sm3_digest(xy, g.sm3_hash(za + m), _der(sig)))),
    )


def _gmssl_fast(private: bytes, public: bytes) -> tuple[Signer, Verifier]:
    import gmssl_fast

    key = gmssl_fast.SM2(private_key=private.hex(), public_key="04" + sm2.decompress(public).hex())
    return (lambda m: key.sign(m)), (lambda m, sig: bool(key.verify(m, sig)))


def _tongsuopy(private: bytes, public: bytes) -> tuple[Signer, Verifier]:
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec

    key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SM2())
    pub = key.public_key()
    algorithm = ec.ECDSA(hashes.SM3())

    def verify(m: bytes, sig: bytes) -> bool:
        try:
            pub.verify(_der(sig), m, algorithm)
        except Exception:  # noqa: BLE001 -- InvalidSignature and friends: a no
            return False
        return True

    return (lambda m: _raw(key.sign(m, algorithm))), verify


def _smcryptopy(private: bytes, public: bytes) -> tuple[Signer, Verifier]:
    import smcryptopy.sm2 as s

    sk, pk = private.hex(), sm2.decompress(public).hex()
    uid = sm2.DEFAULT_USER_ID
    return (lambda m: _raw(s.sign(uid, m, sk))), (lambda m, sig: s.verify(uid, m, _der(sig), pk) == 1)


# (label, distribution to report the version of, constructor); a library not installed is skipped.
CANDIDATES: list[tuple[str, str, Callable[[bytes, bytes], tuple[Signer, Verifier]]]] = [
    ("lib.sm2 (tongsuopy + checks)", "tongsuopy", _ours),
    ("gmalglib, bare", "gmalglib", _gmalglib),
    ("gmssl-pyx (GmSSL 3)", "gmssl-pyx", _gmssl_pyx),
    ("gmssl-fast (GmSSL)", "gmssl-fast", _gmssl_fast),
    ("tongsuopy (Tongsuo)", "tongsuopy", _tongsuopy),
    ("smcryptopy (Rust)", "smcryptopy", _smcryptopy),
]


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "missing"


def _ed25519(seconds: float) -> tuple[float, float]:
    import nacl.signing

    key = nacl.signing.SigningKey(os.urandom(32))
    verify_key = key.verify_key
    signature = key.sign(MESSAGE).signature
    return rate(lambda: key.sign(MESSAGE), seconds), rate(lambda: verify_key.verify(MESSAGE, signature), seconds)


def signatures(seconds: float) -> int:
    private, public = sm2.generate()
    ed_sign, ed_verify = _ed25519(seconds)
    print(
        f"SM2 with SM3 (default id), {len(MESSAGE)}-byte message, one core, Python {platform.python_version()} on {platform.machine()}"
    )
    print(f"{'library':30} {'version':9} {'sign/s':>9} {'x Ed25519':>9} {'verify/s':>9} {'x Ed25519':>9}")
    print(f"{'baseline: PyNaCl Ed25519':30} {_version('pynacl'):9} {ed_sign:9,.0f} {1:9.3f} {ed_verify:9,.0f} {1:9.3f}")
    for label, dist, make in CANDIDATES:
        try:
            sign, verify = make(private, public)
        except ImportError:
            print(f"{label:30} not installed, skipped")
            continue
        signature = sign(MESSAGE)
        # Every library must agree with lib.sm2 both ways, or its figures compare nothing.
        if not (sm2.verify(public, MESSAGE, signature) and verify(MESSAGE, sm2.sign(private, MESSAGE))):
            print(f"{label:30} does not interoperate with lib.sm2: skipped", file=sys.stderr)
            continue
        if verify(MESSAGE + b"x", signature):
            print(f"{label:30} accepts a tampered message: skipped", file=sys.stderr)
            continue
        s = rate(lambda sign=sign: sign(MESSAGE), seconds)
        v = rate(lambda verify=verify, signature=signature: verify(MESSAGE, signature), seconds)
        print(f"{label:30} {_version(dist):9} {s:9,.0f} {s / ed_sign:9.3f} {v:9,.0f} {v / ed_verify:9.3f}")
    return 0


def online_codes(seconds: float) -> int:
    card, master = os.urandom(8), os.urandom(32)
    aes = fmt.mint_online(card, kid=1, master=master, now=NOW, suite="aes")
    sm4 = fmt.mint_online(card, kid=2, master=master, now=NOW, suite="sm4")
    masters = {1: ("aes", master), 2: ("sm4", master)}
    assert fmt.verify_online(sm4, masters=masters, now=NOW).result is fmt.Result.VALID
    base = rate(lambda: fmt.mint_online(card, kid=1, master=master, now=NOW, suite="aes"), seconds)
    print(f"Online codes (YKO1), one core; baseline: mint with AES-128 + HMAC-SHA256 ({base:,.0f}/s)")
    cases: list[tuple[str, Callable[[], object]]] = [
        ("mint, AES + HMAC-SHA256", lambda: fmt.mint_online(card, kid=1, master=master, now=NOW, suite="aes")),
        ("mint, SM4 + HMAC-SM3", lambda: fmt.mint_online(card, kid=2, master=master, now=NOW, suite="sm4")),
        ("verify, AES + HMAC-SHA256", lambda: fmt.verify_online(aes, masters=masters, now=NOW)),
        ("verify, SM4 + HMAC-SM3", lambda: fmt.verify_online(sm4, masters=masters, now=NOW)),
    ]
    for name, fn in cases:
        r = rate(fn, seconds)
        print(f"  {name:28} {r:10,.0f} /s   x baseline {r / base:6.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.5, help="time budget per measurement (default 0.5)")
    args = parser.parse_args(argv)
    status = signatures(args.seconds)
    print()
    return status or online_codes(args.seconds)


if __name__ == "__main__":
    sys.exit(main())
