"""Per-core throughput of the code paths: mint/verify online codes, issue/verify offline ones, draw QR images."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from backend.codes import format as fmt
from backend.codes.images import render_png, render_svg
from backend.lib import ed25519

NOW = 1_767_258_000


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn` over about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        count += 20
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.5, help="time budget per measurement (default 0.5)")
    args = parser.parse_args(argv)

    card = os.urandom(8)
    master = os.urandom(32)
    online = fmt.mint_online(card, kid=1, master=master, now=NOW)
    issuer_seed, issuer_pub = ed25519.generate()
    device_seed, device_pub = ed25519.generate()
    fields = dict(
        issuer_kid=b"\x01\x02\x03\x04",
        issuer_seed=issuer_seed,
        card_ref=card,
        region=440100,
        nbf=NOW - 5,
        exp=NOW + 43200,
        flags=0x09,
        device_pub=device_pub,
    )
    credential = fmt.make_credential(**fields)
    offline = fmt.make_offline_code(credential, device_seed, NOW)
    trust = {"01020304": issuer_pub}

    cases: list[tuple[str, Callable[[], object]]] = [
        ("online: mint (AES + HMAC)", lambda: fmt.mint_online(card, kid=1, master=master, now=NOW)),
        ("online: verify", lambda: fmt.verify_online(online, masters={1: master}, now=NOW)),
        ("offline: issue credential (1 sign)", lambda: fmt.make_credential(**fields)),
        ("offline: phone makes a code (1 sign)", lambda: fmt.make_offline_code(credential, device_seed, NOW)),
        ("offline: verify (2 verifies)", lambda: fmt.verify_offline(offline, trust=trust, now=NOW)),
        ("image: PNG of an online code", lambda: render_png(online)),
        ("image: SVG of an online code", lambda: render_svg(online)),
    ]
    # Baseline measured in the same run: one HMAC-SHA256 of a 32-byte message (what any
    # authenticated token check costs at least), so figures compare across noisy machines.
    import hashlib
    import hmac

    base = rate(lambda: hmac.new(master, card * 4, hashlib.sha256).digest(), args.seconds)
    print(f"Per core, Ed25519 backend {ed25519.current_backend()}; {args.seconds:g} s per line")
    print(f"{'baseline: one HMAC-SHA256':38} {base:12,.0f} /s   x baseline  1.000")
    for name, fn in cases:
        r = rate(fn, args.seconds)
        print(f"{name:38} {r:12,.0f} /s   x baseline {r / base:6.3f}")
    print()
    print("QR codes (error correction M, alphanumeric mode):")
    for kind, text, limit in (("online", online, 3), ("offline", offline, 10)):
        version = qr_version(text)
        print(f"  {kind:8} {len(text):4} chars  version {version:2}  (must be <= {limit})")
    return 0


def qr_version(text: str) -> int:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version


if __name__ == "__main__":
    sys.exit(main())
