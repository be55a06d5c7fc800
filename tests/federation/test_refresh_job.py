"""The `federation.refresh` job runs by itself through the jobs worker: a third region (Macao, refreshing every
2 s) imports Hong Kong; Hong Kong's holder reports the card lost; Macao's merged trust refuses the card's
credentials without anyone asking it to refresh."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from tests.federation import regions as fed


def test_the_refresh_job_mirrors_a_suspension_without_being_asked(regions):
    _, hk = regions
    tmp = Path(tempfile.mkdtemp(prefix="yk-macao-refresh-"))
    mo = fed._start(
        "mo",
        {"YIKATONG_FEDERATION_REFRESH_SECONDS": "2"},
        tmp,
        region="820000",
        names=("澳门", "Macao"),
        cities=[("820000", "澳门特别行政区", "Macao SAR"), ("820001", "花地玛堂区", "Our Lady of Fatima Parish")],
        city="820001",
    )
    suspended = False
    try:
        # Hong Kong answers Macao's signed revocation calls only once it has imported Macao.
        status, body = hk.import_region(mo)
        assert status == 201, (status, body)
        status, body = mo.import_region(hk)
        assert status == 201, (status, body)
        _, credential = fed.offline_code(hk, "library_entry")  # outstanding: a suspension lists it
        cred_ref = credential["cred_ref"]

        def listed() -> str | None:
            entry = next((r for r in mo.trust()["regions"] if r["code"] == hk.code), None)
            return entry["credentials"].get(cred_ref) if entry else None

        status, body = hk.api("POST", "/api/v1/me/card/actions/report-temp-loss", {}, token=hk.citizen_token)
        assert status == 200, (status, body)
        suspended = True
        # Nobody calls POST .../refresh: only Macao's job worker can bring the change.
        deadline = time.monotonic() + 60
        while listed() != "suspended":
            assert time.monotonic() < deadline, "Macao's refresh job never mirrored Hong Kong's suspension"
            time.sleep(0.5)
        region = mo.api("GET", f"/api/v1/federation/regions/{hk.code}", token=mo.operator_token)[1]
        assert region["fresh"] and region["last_error"] is None and region["revocations_version"] > 0, region
    finally:
        if suspended:  # the card comes back for the tests after this one
            hk.api("POST", f"/api/v1/staff/cards/{hk.card_id}/actions/lift-loss", {}, token=hk.operator_token)
        # Hong Kong must not ask a stopped Macao about codes it does not know (issuer_unreachable).
        hk.api("PATCH", "/api/v1/federation/regions/820000", {"status": "suspended"}, token=hk.operator_token)
        fed.stop(mo)
        shutil.rmtree(tmp, ignore_errors=True)
