"""Offline scans of another region's YKD2 codes (issue 19) between two running regions: the uploading region keeps
them as foreign scans, never on its own holders' records, and its jobs forward them, signed, to the issuing region,
where they go on the holder's record once, a code used twice is flagged, and a repeated call adds nothing."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import urllib.error
import urllib.request

from backend.app import keystore_for
from backend.codes import format as fmt
from backend.federation import peers
from tests.federation.regions import Region, offline_code

UPLOAD = "/api/v1/verify/offline-results"


def _stamp(offset: int = 0) -> str:
    return dt.datetime.fromtimestamp(int(time.time()) - offset, dt.UTC).isoformat().replace("+00:00", "Z")


def _scan(code: str, cred_ref: str, *, region: str | None, offset: int = 0, result: str = "valid") -> dict:
    item = {
        "code_id": fmt.code_id_of(code),
        "code_kind": "offline",
        "cred_ref": cred_ref,
        "scenario": "library_entry",
        "result": result,
        "verified_at": _stamp(offset),
    }
    return {**item, "region": region} if region else item


def _upload(region: Region, results: list[dict]) -> dict:
    status, body = region.api("POST", UPLOAD, {"results": results}, token=region.scanner_tokens["library_entry"])
    assert status == 200, (status, body)
    return body


def _mine(region: Region) -> list[dict]:
    status, body = region.api("GET", "/api/v1/me/verifications?limit=100", token=region.citizen_token)
    assert status == 200, (status, body)
    return body["items"]


def _records(region: Region) -> list[dict]:
    status, body = region.api("GET", "/api/v1/me/access-records?limit=100", token=region.citizen_token)
    assert status == 200, (status, body)
    return body["items"]


def _wait_for(probe, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.5)


def test_a_foreign_scan_is_never_put_on_our_own_holders_record(regions):
    gd, _ = regions
    # Guangdong's own credential's cred_ref in a scan said to be another region's (a chance collision).
    code, credential = offline_code(gd, "library_entry")
    before = len(_mine(gd))
    answer = _upload(
        gd,
        [
            {**_scan(code, credential["cred_ref"], region="810000"), "code_id": secrets.token_hex(16)},
            # A region never imported here: still taken (the scanner would drop the whole batch on a 4xx).
            {**_scan(code, credential["cred_ref"], region="820000", offset=1), "code_id": secrets.token_hex(16)},
        ],
    )
    assert answer["accepted"] == 2 and answer["duplicates"] == 0 and answer["flagged"] == [], answer
    assert len(_mine(gd)) == before
    # Our own scan of that credential is still our holder's, and its code's use is free.
    assert _upload(gd, [_scan(code, credential["cred_ref"], region=None, offset=2)])["flagged"] == []
    assert len(_mine(gd)) == before + 1
    # A region code that is not a province (a city) is bad input: 400 with a machine-readable code.
    status, body = gd.api(
        "POST",
        UPLOAD,
        {"results": [_scan(code, credential["cred_ref"], region="810001")]},
        token=gd.scanner_tokens["library_entry"],
    )
    assert status == 400 and body["error"]["code"], (status, body)


def _at(items: list[dict], *stamps: str) -> list[dict]:
    """The Hong Kong holder's offline checks by Guangdong (its peer venue) at these times."""
    wanted = {stamp[:19] for stamp in stamps}
    return [v for v in items if v["offline"] and v["venue_type"] == "peer_region" and v["at"][:19] in wanted]


def _gd_entries(hk: Region, gd: Region) -> list[dict]:
    return [r for r in _records(hk) if gd.name in json.dumps(r, ensure_ascii=False) and r.get("fields") == ["valid_until"]]


def test_a_hong_kong_code_scanned_offline_in_guangdong_reaches_its_holders_record(regions):
    gd, hk = regions
    code, credential = offline_code(hk, "library_entry")
    entries_before = len(_gd_entries(hk, gd))
    first = _scan(code, credential["cred_ref"], region=hk.code, offset=30)
    answer = _upload(gd, [first])
    assert answer["accepted"] == 1 and answer["flagged"] == [], answer
    assert _upload(gd, [first])["duplicates"] == 1  # a repeated upload is not forwarded again

    seen = _wait_for(lambda: _at(_mine(hk), first["verified_at"]), "Guangdong's offline scan on the Hong Kong holder's record")
    assert len(seen) == 1 and seen[0]["result"] == "valid" and seen[0]["disclosed"] == ["valid_until"], seen
    assert gd.code in seen[0]["venue_name"] and not seen[0]["double_use"], seen
    assert len(_gd_entries(hk, gd)) == entries_before + 1

    # The same code scanned again at another moment: the issuer flags both uses.
    second = _scan(code, credential["cred_ref"], region=hk.code, offset=10)
    _upload(gd, [second])

    def both_flagged() -> list[dict]:
        uses = _at(_mine(hk), first["verified_at"], second["verified_at"])
        return uses if len(uses) == 2 and all(v["double_use"] for v in uses) else []

    _wait_for(both_flagged, "the double use flagged at the issuer")


def test_forwarded_scans_are_kept_once_by_their_key(regions):
    gd, hk = regions
    code, credential = offline_code(hk, "library_entry")
    url = hk.base_url + "/api/v1/federation/offline-results"
    at = int(time.time()) - 5
    scan = {
        "key": secrets.token_hex(32),
        "cred_ref": credential["cred_ref"],
        "code_id": fmt.code_id_of(code),
        "scenario": "library_entry",
        "result": "valid",
        "verified_at": at,
        "disclosed": ["valid_until", "masked_name"],
        "venue": {"name": "深圳图书馆", "type": "library", "city": "440300"},
    }
    stranger = {**scan, "key": secrets.token_hex(32), "cred_ref": "0123456789abcdef"}
    body = json.dumps({"results": [scan, stranger]}).encode()
    key = keystore_for(gd.settings).load().named_key("federation-peer")
    hk_peer = keystore_for(hk.settings).load().named_key("federation-peer")

    def call() -> tuple[int, dict]:
        headers, nonce = peers.sign_request("POST", url, body, region=gd.code, key=key, now=int(time.time()))
        request = urllib.request.Request(url, data=body, method="POST", headers={**headers, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            signed = peers.verify_response(answer.status, dict(answer.headers), raw, nonce, {hk_peer.kid: hk_peer.public})
            assert signed, "the answer is signed by Hong Kong for this request"
            return answer.status, json.loads(raw)

    assert call() == (200, {"accepted": 1, "duplicates": 0, "unknown": 1, "flagged": []})
    assert call() == (200, {"accepted": 0, "duplicates": 1, "unknown": 1, "flagged": []})
    stamp = dt.datetime.fromtimestamp(at, dt.UTC).isoformat()
    mine = _at(_mine(hk), stamp)
    # Once; and of what the caller says it showed, only what the credential carries (validity: until when).
    assert len(mine) == 1 and mine[0]["disclosed"] == ["valid_until"], mine
    # Unsigned: refused before anything is kept.
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "Yk-Region": gd.code}
    )
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("an unsigned call was taken")
    except urllib.error.HTTPError as err:
        assert err.code == 401 and json.loads(err.read())["error"]["code"] == "federation.bad_signature"
