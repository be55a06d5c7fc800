"""Bytes of each app's first load (what its service worker precaches, or the page's own files),
as sent with and without gzip, and what a repeat visit still asks the server for (docs/static.md)."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from litestar import Litestar
from litestar.testing import TestClient

from backend import pwa_static

PWA = Path(__file__).resolve().parents[1] / "pwa"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
IDENTITY = {"Accept-Encoding": "identity"}


def shell(app: str) -> list[str]:
    """The URLs an app's service worker precaches on the first visit."""
    text = (PWA / app / "sw.js").read_text()
    return re.findall(r"'(/[^']*)'", text.split("shell:", 1)[1])


def sent_bytes(client: TestClient, url: str, headers: dict[str, str]) -> tuple[int, str]:
    with client.stream("GET", url, headers=headers) as res:
        assert res.status_code == 200, (url, res.status_code)
        return sum(len(chunk) for chunk in res.iter_raw()), res.headers.get("cache-control", "")


def measure(client: TestClient, app: str) -> dict[str, float]:
    urls = shell(app)
    plain = packed = 0
    revalidated = 0
    for url in urls:
        plain += sent_bytes(client, url, IDENTITY)[0]
        size, cache = sent_bytes(client, url, GZIP)
        packed += size
        revalidated += "immutable" not in cache
    return {"files": len(urls), "plain": plain, "gzip": packed, "revalidated": revalidated}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", default="wallet,scanner,console", help="apps with a service worker (default: all three)")
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    print("Static files: first load of each app (its service worker's precache), bytes on the wire")
    print(f"{'app':<10}{'files':>6}{'plain':>12}{'gzip':>12}{'saved':>12}{'ratio':>8}{'asked again':>13}")
    with TestClient(Litestar(route_handlers=pwa_static.ROUTES)) as client:
        for app in args.apps.split(","):
            if not (PWA / app / "sw.js").exists():
                continue
            start = time.perf_counter()
            cold = measure(client, app)  # reads and compresses every file once
            first = time.perf_counter() - start
            start = time.perf_counter()
            measure(client, app)  # from memory
            warm = time.perf_counter() - start
            saved = cold["plain"] - cold["gzip"]
            print(
                f"{app:<10}{cold['files']:>6}{cold['plain']:>12,}{cold['gzip']:>12,}{saved:>12,}"
                f"{cold['gzip'] / cold['plain']:>8.2f}{cold['revalidated']:>13}"
            )
            print(f"{'':<10}first pass (read + gzip) {first * 1000:.0f} ms, second pass (memory) {warm * 1000:.0f} ms")
    print("asked again: files a repeat visit revalidates (no-cache); versioned vendor files are not asked for")
    return 0


if __name__ == "__main__":
    sys.exit(main())
