"""Ed25519 sign/verify throughput of pycryptodome, PyNaCl (libsodium) and cryptography (OpenSSL)."""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import platform
import sys
import time
from collections.abc import Callable

# What a scan verifies: the device signature covers "YKD1" + the 121-byte credential + the
# 4-byte time, 129 bytes, the larger of the two signed messages (the issuer's covers 61).
MESSAGE = b"YKD1" + hashlib.sha256(b"bench").digest() * 3 + bytes(29)


def _pycryptodome(seed: bytes) -> tuple[Callable[[], bytes], Callable[[bytes], None]]:
    from Crypto.Signature import eddsa

    key = eddsa.import_private_key(seed)
    signer = eddsa.new(key, "rfc8032")
    verifier = eddsa.new(key.public_key(), "rfc8032")
    return (lambda: signer.sign(MESSAGE)), (lambda sig: verifier.verify(MESSAGE, sig))


def _pynacl(seed: bytes) -> tuple[Callable[[], bytes], Callable[[bytes], None]]:
    import nacl.signing

    key = nacl.signing.SigningKey(seed)
    verify_key = key.verify_key
    return (lambda: key.sign(MESSAGE).signature), (lambda sig: verify_key.verify(MESSAGE, sig))


def _cryptography(seed: bytes) -> tuple[Callable[[], bytes], Callable[[bytes], None]]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key()
    return (lambda: key.sign(MESSAGE)), (lambda sig: public.verify(sig, MESSAGE))


def _version(module: str) -> str:
    try:
        mod = __import__(module)
        return getattr(mod, "__version__", "?")
    except ImportError:
        return "missing"


BACKENDS: dict[str, tuple[str, Callable]] = {
    "pycryptodome": ("Crypto", _pycryptodome),
    "pynacl (libsodium)": ("nacl", _pynacl),
    "cryptography (OpenSSL)": ("cryptography", _cryptography),
}


def ops_per_second(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn`, timed over batches for at least `seconds` (best of three)."""
    batch, best = 1, 0.0
    while True:  # grow the batch until one takes ~1/10 of the budget
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 10:
            break
        batch *= 2
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        best = max(best, batch / (time.perf_counter() - start))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.5, help="time budget per measurement (default 0.5)")
    args = parser.parse_args(argv)
    seed = os.urandom(32)
    reference = None
    rows = []
    for name, (module, make) in BACKENDS.items():
        try:
            sign, verify = make(seed)
        except ImportError:
            print(f"{name}: not installed, skipped", file=sys.stderr)
            continue
        signature = sign()
        # All three must produce the same (deterministic, RFC 8032) signature, or the comparison is moot.
        if reference is None:
            reference = signature
        elif signature != reference:
            print(f"{name}: signature differs from the others", file=sys.stderr)
            return 1
        verify(signature)
        checking = functools.partial(verify, signature)  # bound now, timed at once
        rows.append((name, _version(module), ops_per_second(sign, args.seconds), ops_per_second(checking, args.seconds)))
    best_sign = max(r[2] for r in rows)
    best_verify = max(r[3] for r in rows)
    print(f"Ed25519, {len(MESSAGE)}-byte message, Python {platform.python_version()} on {platform.machine()}")
    print(f"{'backend':24} {'version':9} {'sign/s':>10} {'x fastest':>9} {'verify/s':>10} {'x fastest':>9}")
    for name, version, sign_rate, verify_rate in rows:
        print(
            f"{name:24} {version:9} {sign_rate:10,.0f} {sign_rate / best_sign:9.2f} "
            f"{verify_rate:10,.0f} {verify_rate / best_verify:9.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
