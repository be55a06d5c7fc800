"""`make bench`: every benchmark in one run (Ed25519 libraries, the code paths, the SM suite beside Ed25519 and
the QR version of every code, SM2 and Ed25519 in Chromium, HTTP verification, static files, the scanner's QR
decoders in Chromium, payments at scale, misuse detection over simulated traffic)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_browser_crypto
import bench_profiles
import bench_sm
import codes
import decoders
import ed25519_backends
import misuse_detection
import payments
import static
import verify_http


def main() -> int:
    status = ed25519_backends.main([])
    print()
    status = status or codes.main([])
    print()
    status = status or bench_sm.main([])
    print()
    status = status or bench_profiles.main([])
    print()
    status = status or bench_browser_crypto.main([])
    print()
    status = status or static.main([])
    print()
    status = status or decoders.main([])
    print()
    status = status or asyncio.run(verify_http.main())
    print()
    status = status or payments.main()
    print()
    return status or misuse_detection.main()


if __name__ == "__main__":
    sys.exit(main())
