"""On SQLite and PostgreSQL: an offline upload's scan of another region's code is kept with that region on its row
(venues_verification.region) and no card, phone or person of ours; our own scans keep region NULL."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest

from tests.venues.helpers import World


@pytest.mark.anyio
async def test_a_foreign_offline_scan_keeps_its_region(client):
    from backend.venues.tables import Verification

    world = World(client)
    scanner = await world.scanner_for("library", ["library_entry"])
    stamp = dt.datetime.fromtimestamp(int(time.time()) - 5, dt.UTC).isoformat().replace("+00:00", "Z")
    code_ids = [secrets.token_hex(16), secrets.token_hex(16)]
    base = {"code_kind": "offline", "scenario": "library_entry", "result": "valid", "verified_at": stamp}
    results = [
        {**base, "code_id": code_ids[0], "cred_ref": secrets.token_hex(8), "region": "820000"},
        {**base, "code_id": code_ids[1], "cred_ref": secrets.token_hex(8)},
    ]
    answer = await client.post("/api/v1/verify/offline-results", json={"results": results}, headers=scanner)
    assert answer.status_code == 200, answer.text

    async def rows():
        return (
            await Verification.select(Verification.code_id, Verification.region, Verification.person)
            .where(Verification.code_id.is_in(code_ids))
            .run()
        )

    found = {r["code_id"]: r for r in await world.call(rows)}
    assert found[code_ids[0]]["region"] == "820000" and found[code_ids[0]]["person"] is None, found
    assert found[code_ids[1]]["region"] is None, found
