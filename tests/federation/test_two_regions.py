"""The two-region proof (issue 19): Guangdong on PostgreSQL + Redis and Hong Kong on SQLite, two real services,
each importing the other by fingerprint; each region's codes verify at the other's scanners."""

from __future__ import annotations

import time

from backend.federation import offline_v2, trust_list
from tests.federation.regions import Region, offline_code, online_code

OTHER = {"440000": "810000", "810000": "440000"}


def _pair(regions) -> list[tuple[Region, Region]]:
    gd, hk = regions
    return [(gd, hk), (hk, gd)]


def test_each_trust_list_is_signed_by_the_fingerprinted_root(regions):
    for region, _ in _pair(regions):
        status, text = region.api("GET", "/.well-known/yikatong-trust-list")
        assert status == 200
        listed = trust_list.verify(
            text.decode(), fingerprint=region.fingerprint, region=region.code, last_seq=None, now=int(time.time()), grace=0
        )
        assert listed.content["iss"] == region.base_url
        assert listed.endpoint("verify") == region.base_url + "/api/v1/federation/verify"
        assert listed.peer_keys and listed.content["issuer_keys"]


def test_online_codes_verify_once_at_the_other_region(regions):
    for issuer, scanner in _pair(regions):
        code = online_code(issuer)
        first = scanner.verify(code)
        assert first["result"] == "valid", first
        assert first["region"] == {"code": issuer.code, "name": issuer.name, "name_en": issuer.name_en}
        assert first["attributes"].get("masked_name"), first  # library_entry shows the masked name
        again = scanner.verify(code)
        assert again["result"] == "replayed", again
        # The issuer's own venues see the use too: it is used up at the issuer.
        assert issuer.verify(code)["result"] == "replayed"


def test_own_codes_still_answer_without_a_region(regions):
    for region, _ in _pair(regions):
        answer = region.verify(online_code(region))
        assert answer["result"] == "valid" and answer["region"] is None


def test_offline_codes_verify_with_the_merged_trust(regions):
    for issuer, scanner in _pair(regions):
        code, _ = offline_code(issuer, "library_entry")
        merged = scanner.trust()
        assert [r["code"] for r in merged["regions"]] == [issuer.code]
        check = offline_v2.verify_foreign_v2(code, merged, "library_entry", "validity", int(time.time()), 5)
        assert check.result == "valid", check
        assert check.region == issuer.code
        # A scenario the import does not accept: refused with region_not_accepted.
        narrowed = {**merged, "regions": [{**merged["regions"][0], "scenarios": ["scenic_entry"]}]}
        check = offline_v2.verify_foreign_v2(code, narrowed, "library_entry", "validity", int(time.time()), 5)
        assert check.result == "region_not_accepted"
        # A region not in the merged trust at all.
        check = offline_v2.verify_foreign_v2(code, {**merged, "regions": []}, "library_entry", "validity", int(time.time()), 5)
        assert check.result == "region_not_trusted"


def test_a_suspended_card_reaches_the_other_region_after_one_refresh(regions):
    gd, hk = regions
    code, issued = offline_code(hk, "library_entry")
    # HK's operator side suspends the card (reported lost by its holder).
    status, body = hk.api("POST", "/api/v1/me/card/actions/report-loss", {}, token=hk.citizen_token)
    assert status in (200, 201), (status, body)
    stale = gd.trust()
    assert issued["cred_ref"] not in stale["regions"][0]["credentials"]
    gd.refresh(hk.code)
    merged = gd.trust()
    assert merged["regions"][0]["credentials"].get(issued["cred_ref"]) == "suspended"
    check = offline_v2.verify_foreign_v2(code, merged, "library_entry", "validity", int(time.time()), 5)
    assert check.result == "card_suspended"
