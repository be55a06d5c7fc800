"""An ONLINE scanner sends every code to POST /api/v1/verify, other regions' YKD2 codes too (review item 1): Guangdong's
server checks a Hong Kong YKD2 code with its merged trust (valid, with the region and only what the import discloses;
region_not_accepted; region_not_trusted; a forged one unknown_key), keeps the scan with no holder of its own but the
region, uses the code once, and forwards the scan to Hong Kong, where it reaches the holder's record."""

from __future__ import annotations

import asyncio
import time

from tests.codes.v2_codes import Issuer
from tests.federation.regions import offline_code


def _mine(region) -> list[dict]:
    status, body = region.api("GET", "/api/v1/me/verifications?limit=100", token=region.citizen_token)
    assert status == 200, (status, body)
    return body["items"]


def _row(gd, verification_id: str) -> dict:
    """Guangdong's own row of the scan, read from its database (what its reports and audits see)."""
    import asyncpg

    async def read() -> dict:
        conn = await asyncpg.connect(gd.env["YIKATONG_DATABASE_URL"])
        try:
            row = await conn.fetchrow(
                "SELECT person, card_id, card_ref, region, use_key, disclosed FROM venues_verification WHERE id = $1",
                __import__("uuid").UUID(verification_id),
            )
            return dict(row)
        finally:
            await conn.close()

    return asyncio.run(read())


def test_a_hong_kong_ykd2_code_is_valid_at_guangdongs_online_scanner(regions):
    gd, hk = regions
    code, _ = offline_code(hk, "library_entry")
    answer = gd.verify(code)
    assert answer["result"] == "valid", answer
    assert answer["region"] == {"code": hk.code, "name": hk.name, "name_en": hk.name_en}, answer
    # A validity credential shows its validity and nothing else, online too (no masked name).
    assert set(answer["attributes"]) == {"valid_until"}, answer
    row = _row(gd, answer["verification_id"])
    assert row["region"] == hk.code and row["person"] is None and row["card_id"] is None and row["card_ref"] is None, row
    assert row["use_key"] is not None and row["disclosed"] in (["valid_until"], '["valid_until"]'), row
    # The same scanner again: the same use, no new visit; the code is used once here.
    again = gd.verify(code)
    assert again["result"] == "valid" and again["repeat"] and again["verification_id"] == answer["verification_id"], again

    # Guangdong's jobs forward the scan: it reaches the Hong Kong holder's record once.
    deadline = time.monotonic() + 60
    while True:
        seen = [v for v in _mine(hk) if v["venue_type"] == "peer_region" and v["at"][:19] == answer["checked_at"][:19]]
        if seen:
            assert len(seen) == 1 and seen[0]["result"] == "valid" and seen[0]["disclosed"] == ["valid_until"], seen
            assert gd.code in seen[0]["venue_name"], seen
            break
        assert time.monotonic() < deadline, "the online scan never reached the Hong Kong holder's record"
        time.sleep(0.5)


def test_a_scenario_not_accepted_and_a_region_not_trusted(regions):
    gd, hk = regions
    status, body = gd.api(
        "PATCH", f"/api/v1/federation/regions/{hk.code}", {"scenarios": ["scenic_entry"]}, token=gd.operator_token
    )
    assert status == 200, (status, body)
    try:
        code, _ = offline_code(hk, "library_entry")
        answer = gd.verify(code)
        assert answer["result"] == "region_not_accepted" and answer["region"]["code"] == hk.code, answer
        assert answer["attributes"] == {}, answer
    finally:
        status, body = gd.api(
            "PATCH",
            f"/api/v1/federation/regions/{hk.code}",
            {"scenarios": ["library_entry", "scenic_entry", "transit_ride", "hotel_checkin"]},
            token=gd.operator_token,
        )
        assert status == 200, (status, body)
    now = int(time.time())
    # Macao (820000) is not imported by Guangdong: its codes are region_not_trusted.
    stranger, _ = Issuer("ed25519").code(profile="validity", scenario="library_entry", region=820001, now=now)
    answer = gd.verify(stranger)
    assert answer["result"] == "region_not_trusted" and answer["region"]["code"] == "820000", answer
    # A code claiming to be Hong Kong's, signed by a key not in Hong Kong's list: unknown_key, never valid.
    forged, _ = Issuer("ed25519").code(profile="validity", scenario="library_entry", region=810001, now=now)
    assert gd.verify(forged)["result"] == "unknown_key"
