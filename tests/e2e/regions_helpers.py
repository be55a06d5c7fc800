"""Browser tests of trust federation (issue 19): the two-region fixture of tests/federation/regions.py
started away from Playwright's event loop, and a Hong Kong phone's credential held for later codes."""

from __future__ import annotations

import base64
import concurrent.futures
import time

import pytest

from tests.federation import regions as fed


@pytest.fixture(scope="session", name="gd_hk")
def two_regions_fixture():
    """(gd, hk) as tests/federation/regions.py `regions` makes them, set up and torn down in a thread
    of its own: its probes and scratch database use asyncio.run, which cannot run inside the loop
    Playwright's sync API keeps in the test's thread."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    steps = fed.regions.__wrapped__()
    try:
        pair = pool.submit(next, steps).result()
    except BaseException:
        pool.shutdown()
        raise
    try:
        yield pair
    finally:
        pool.submit(next, steps, None).result()
        pool.shutdown()


def code_maker(region, scenario: str = "library_entry"):
    """A validity credential of the region's citizen and its one-time key, fetched now (as
    tests/federation/regions.offline_code does), and a function making a fresh code from it later:
    a card suspended afterwards gets no new credentials, but the phone still holds this one."""
    import nacl.signing

    from backend.codes import format_v2 as v2
    from backend.lib import ed25519

    def b64u(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    key = nacl.signing.SigningKey.generate()
    now = int(time.time())
    public = b64u(bytes(key.verify_key))
    text = "\n".join(["yikatong/credential-batch/v2", region.phone.device_id, str(now), "ed25519", public])
    body = {
        "device_id": region.phone.device_id,
        "suite": "ed25519",
        "t": now,
        "keys": [public],
        "signature": b64u(ed25519.sign(region.phone.seed, text.encode())),
    }
    status, answer = region.api("POST", "/api/v1/me/credentials/batch", body, token=region.citizen_token)
    assert status == 200, (status, answer)
    issued = next(c for c in answer["credentials"] if c["profile"] == "validity" and c["nbf"] <= now < c["exp"])
    raw = base64.urlsafe_b64decode(issued["credential"] + "=" * (-len(issued["credential"]) % 4))
    return issued["cred_ref"], lambda: v2.make_offline_code_v2(raw, bytes(key), scenario, int(time.time()))
