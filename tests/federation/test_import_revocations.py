"""Review item 2: a region is served to our scanners only once its revocations are mirrored. Sichuan (a third real region) imports Hong
Kong before Hong Kong imports Sichuan, so Sichuan's pull of Hong Kong's revocations is refused: Hong Kong's codes are not in
Sichuan's merged trust (were: served with an empty revocation list).
Once Hong Kong imports Sichuan, the pull at Sichuan's next refresh brings them, and Hong Kong appears."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.federation import regions as fed


def test_a_region_is_served_to_scanners_only_with_its_revocations(regions):
    _, hk = regions
    tmp = Path(tempfile.mkdtemp(prefix="yk-macao-revs-"))
    sc = fed._start(
        "sc",
        {},
        tmp,
        region="510000",
        names=("四川省", "Sichuan"),
        cities=[("510000", "四川省", "Sichuan"), ("510100", "成都市", "Chengdu")],
        city="510100",
    )
    try:
        status, body = sc.import_region(hk)
        assert status == 201, (status, body)
        assert body["fresh"] and not body["revocations_fresh"] and body["revocations_updated_at"] is None, body
        assert body["last_error"] and "403" in body["last_error"], body  # Hong Kong: federation.unknown_region
        assert [r["code"] for r in sc.trust()["regions"]] == []
        status, body = hk.import_region(sc)
        assert status == 201, (status, body)
        # Hong Kong's import pulled Sichuan's revocations at once (Sichuan had imported it).
        assert body["revocations_fresh"] and body["revocations_updated_at"], body
        after = sc.refresh(hk.code)
        assert after["revocations_fresh"] and after["last_error"] is None, after
        assert [r["code"] for r in sc.trust()["regions"]] == [hk.code]
    finally:
        hk.api("PATCH", "/api/v1/federation/regions/510000", {"status": "suspended"}, token=hk.operator_token)
        fed.stop(sc)
        shutil.rmtree(tmp, ignore_errors=True)
