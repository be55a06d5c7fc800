"""Between the two running regions: forged trust lists are refused and the old list kept; an issuer that is down
fails closed; calls from a region not imported, unsigned, wrongly signed or replayed are refused."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from backend.app import keystore_for
from backend.federation import peers, trust_list
from backend.keys.keyring import NamedKey
from backend.lib import ed25519
from tests.federation.regions import online_code, restart, stop
from tests.servers import free_port


@contextmanager
def forger(texts: dict[str, str]) -> Iterator[str]:
    """A web server answering each path with the given text (as a trust list would be served)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = texts.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", trust_list.MEDIA_TYPE)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode()


def test_a_forged_trust_list_is_refused_and_the_old_one_kept(regions):
    gd, hk = regions
    before = gd.refresh(hk.code)
    genuine = _fetch(hk.trust_list_url)
    content = json.loads(trust_list.unb64url(genuine.split(".")[1]))
    hk_keys = keystore_for(hk.settings).load()
    seed, public = ed25519.generate()
    stranger = type(hk_keys)(
        **{**hk_keys.__dict__, "named": {**hk_keys.named, "federation-root": NamedKey("deadbeef", "EdDSA", public, seed)}}
    )
    head, _, signature = genuine.split(".")
    tampered = {
        **content,
        "issuer_keys": [*content["issuer_keys"], {"kty": "OKP", "crv": "Ed25519", "x": trust_list.b64url(public), "kid": "evil"}],
    }
    forged = {
        "/wrong-root": trust_list.sign(stranger, content),  # a list made by someone else's root key
        "/tampered": head + "." + trust_list.b64url(json.dumps(tampered).encode()) + "." + signature,
        "/wrong-region": trust_list.sign(hk_keys, {**content, "region": "820000", "seq": content["seq"] + 10}),
        "/lower-seq": trust_list.sign(hk_keys, {**content, "seq": before["list_seq"] - 100}),
    }
    expected = {
        "/wrong-root": "federation.fingerprint_mismatch",
        "/tampered": "federation.bad_trust_list",
        "/wrong-region": "federation.region_mismatch",
        "/lower-seq": "federation.stale_trust_list",
    }
    code, _ = online_code(hk), None
    try:
        with forger(forged) as base:
            for path, error in expected.items():
                status, body = gd.api(
                    "PATCH", f"/api/v1/federation/regions/{hk.code}", {"trust_list_url": base + path}, token=gd.operator_token
                )
                assert status == 200, body
                after = gd.refresh(hk.code)
                assert after["last_error"] and after["last_error"].startswith(error), (path, after)
                assert after["list_seq"] == before["list_seq"] and after["fresh"], (path, after)
                # The old list is still the one in use: HK's keys still verify HK's codes here.
                assert [r["code"] for r in gd.trust()["regions"]] == [hk.code]
        # While the configured URL is the forger's, the kept list's endpoints (at Hong Kong's origin)
        # are not called: calls go only to the configured list's origin (review item 5), failing closed.
        assert gd.verify(code)["result"] == "issuer_unreachable"
    finally:
        gd.api("PATCH", f"/api/v1/federation/regions/{hk.code}", {"trust_list_url": hk.trust_list_url}, token=gd.operator_token)
    assert gd.verify(code)["result"] == "valid"  # the old list, at its own origin again, still verifies
    assert gd.refresh(hk.code)["last_error"] is None


def test_an_issuer_that_is_down_fails_closed_and_its_use_survives_a_restart(regions):
    gd, hk = regions
    used, unused = online_code(hk), online_code(hk)
    assert gd.verify(used)["result"] == "valid"
    stop(hk)
    try:
        answer = gd.verify(unused)
        assert answer["result"] == "issuer_unreachable" and answer["attributes"] == {}, answer
    finally:
        restart(hk)  # SQLite and a fresh embedded store: the use lives in HK's database
    assert gd.verify(used)["result"] == "replayed"
    assert gd.verify(unused)["result"] == "valid"


def _signed(url: str, body: bytes, *, region: str, key: NamedKey) -> dict[str, str]:
    headers, _ = peers.sign_request("POST", url, body, region=region, key=key, now=int(time.time()))
    return headers


def test_calls_from_strangers_and_replays_are_refused(regions):
    gd, hk = regions
    url = gd.base_url + "/api/v1/federation/verify"
    body = json.dumps(
        {
            "code": online_code(hk),
            "scenario": "library_entry",
            "disclose": [],
            "venue": {"name": "X", "type": "library", "city": "810001"},
        }
    ).encode()
    seed, public = ed25519.generate()
    stranger = NamedKey("0badc0de", "EdDSA", public, seed)
    hk_peer = keystore_for(hk.settings).load().named_key("federation-peer")

    def call(headers: dict[str, str], data: bytes = body) -> tuple[int, dict]:
        request = urllib.request.Request(url, data=data, method="POST", headers={**headers, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    # A region not imported here (Macao): 403, whatever it signs.
    status, answer = call(_signed(url, body, region="820000", key=stranger))
    assert (status, answer["error"]["code"]) == (403, "federation.unknown_region")
    # Hong Kong's name with another key, no signature at all, or a body changed after signing: 401.
    status, answer = call(_signed(url, body, region=hk.code, key=stranger))
    assert (status, answer["error"]["code"]) == (401, "federation.bad_signature")
    status, answer = call({"Yk-Region": hk.code})
    assert (status, answer["error"]["code"]) == (401, "federation.bad_signature")
    status, answer = call(_signed(url, body, region=hk.code, key=hk_peer), body.replace(b"library_entry", b"scenic_entry"))
    assert (status, answer["error"]["code"]) == (401, "federation.bad_signature")
    # HK's real peer key: accepted once; the same signed request again is a replay.
    headers = _signed(url, body, region=hk.code, key=hk_peer)
    status, answer = call(headers)
    assert status == 200 and answer["region"] == gd.code and answer["result"] in ("unknown_key", "bad_signature"), answer
    status, answer = call(headers)
    assert (status, answer["error"]["code"]) == (401, "federation.bad_signature")


def test_an_import_is_checked_before_it_is_stored(regions):
    gd, hk = regions
    other = {"code": "820000", "name": "澳门", "name_en": "Macao"}
    status, answer = gd.import_region(hk)
    assert (status, answer["error"]["code"]) == (409, "federation.region_exists")
    status, answer = gd.import_region(hk, **other)  # HK's list is not Macao's
    assert (status, answer["error"]["code"]) == (422, "federation.region_mismatch")
    status, answer = gd.import_region(hk, **other, root_fingerprint=gd.fingerprint)
    assert (status, answer["error"]["code"]) == (422, "federation.fingerprint_mismatch")
    status, answer = gd.import_region(hk, **other, trust_list_url=f"http://127.0.0.1:{free_port()}/nothing")
    assert (status, answer["error"]["code"]) == (422, "federation.unreachable")
    status, answer = gd.import_region(hk, **other, scenarios=["no_such_scenario"])
    assert (status, answer["error"]["code"]) == (422, "federation.unknown_scenario")
    status, listed = gd.api("GET", "/api/v1/federation/regions", token=gd.operator_token)
    assert status == 200 and [r["code"] for r in listed["items"]] == [hk.code]
    # Scanners only for the merged trust; operators only for imports.
    assert gd.api("GET", "/api/v1/federation/trust", token=gd.operator_token)[0] == 403
    assert gd.api("GET", "/api/v1/federation/regions", token=gd.scanner_tokens["library_entry"])[0] == 403
