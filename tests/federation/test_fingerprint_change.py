"""Review item 7: a new root fingerprint for an imported region sets aside the list signed by the old root at once
(its keys stop being used), and the region is refreshed under the new fingerprint in the same call."""

from __future__ import annotations

WRONG = "A" * 43


def test_a_new_fingerprint_stops_trusting_the_old_roots_list_at_once(regions):
    gd, hk = regions
    status, body = gd.api("PATCH", f"/api/v1/federation/regions/{hk.code}", {"root_fingerprint": WRONG}, token=gd.operator_token)
    try:
        assert status == 200, (status, body)
        assert not body["fresh"] and body["list_seq"] is None, body
        assert body["last_error"] and body["last_error"].startswith("federation.fingerprint_mismatch"), body
        assert [r["code"] for r in gd.trust()["regions"]] == []
    finally:
        status, body = gd.api(
            "PATCH", f"/api/v1/federation/regions/{hk.code}", {"root_fingerprint": hk.fingerprint}, token=gd.operator_token
        )
    # The right fingerprint again: refreshed in the same call, trusted at once.
    assert status == 200 and body["fresh"] and body["last_error"] is None, (status, body)
    assert [r["code"] for r in gd.trust()["regions"]] == [hk.code]
