"""Hong Kong's POST /api/v1/federation/verify, called as Guangdong (signed with Guangdong's peer key): a code that is
not Hong Kong's is said to be not theirs before the scenario is looked at (review item 8), a YKD2 code is never
checked nor used up there (item 9); a peer's answer with out-of-range values is refused, not a 500 (item 10)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import msgspec
import pytest

from backend.app import keystore_for
from backend.federation import peers
from backend.federation.schemas import PeerVerifyAnswer
from backend.keys.keyring import NamedKey
from backend.lib import ed25519
from tests.federation.regions import offline_code, online_code


def _ask(gd, hk, code: str, scenario: str) -> dict:
    url = hk.base_url + "/api/v1/federation/verify"
    body = json.dumps(
        {
            "code": code,
            "scenario": scenario,
            "disclose": ["valid_until"],
            "venue": {"name": "测试", "type": "library", "city": "440100"},
        }
    ).encode()
    key = keystore_for(gd.settings).load().named_key("federation-peer")
    headers, _ = peers.sign_request("POST", url, body, region=gd.code, key=key, now=int(time.time()))
    request = urllib.request.Request(url, data=body, method="POST", headers={**headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_a_code_not_theirs_is_said_so_before_the_scenario(regions):
    gd, hk = regions
    answer = _ask(gd, hk, online_code(gd), "no_such_scenario")
    assert answer["result"] in ("unknown_key", "bad_signature"), answer


def test_a_ykd2_code_is_never_checked_or_used_by_a_peer_call(regions):
    gd, hk = regions
    code, _ = offline_code(hk, "library_entry")
    assert _ask(gd, hk, code, "library_entry")["result"] == "malformed"
    # Still unused: Hong Kong's own scanner takes it.
    assert hk.verify(code)["result"] == "valid"


def test_a_peer_answer_out_of_range_is_refused():
    for bad in (
        {"result": "valid", "region": "810000", "valid_until": 2**53 - 1},
        {"result": "valid", "region": "810000", "attributes": {"valid_until": 2**53 - 1}},
        {"result": "valid", "region": "810000", "attributes": {"masked_name": "x" * 1000}},
        {"result": "valid", "region": "810000", "attributes": {"concessions": ["elderly"] * 100}},
    ):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, PeerVerifyAnswer)


def _signed(gd, url: str, body: bytes, key, method: str = "POST") -> tuple[int, dict]:
    headers, _ = peers.sign_request(method, url, body, region=gd.code, key=key, now=int(time.time()))
    request = urllib.request.Request(
        url, data=body if method == "POST" else None, method=method, headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_signature_is_checked_before_the_body_and_the_query(regions):
    """docs/federation.md section 4: a call signed by a key the caller's list does not hold is 401 whatever
    its body; only a call that checks out has its body (or `since`) read, and a wrong one is then 400."""
    gd, hk = regions
    ours = keystore_for(gd.settings).load().named_key("federation-peer")
    seed, public = ed25519.generate()
    stranger = NamedKey(ours.kid, "EdDSA", public, seed)  # our kid, another key: the list does not hold it
    verify, offline = hk.base_url + "/api/v1/federation/verify", hk.base_url + "/api/v1/federation/offline-results"
    for url in (verify, offline):
        status, answer = _signed(gd, url, b'{"nope": 1}', stranger)
        assert status == 401 and answer["error"]["code"] == "federation.bad_signature", answer
        status, answer = _signed(gd, url, b'{"nope": 1}', ours)
        assert status == 400 and answer["error"]["code"] == "request.unknown_field", answer
        status, answer = _signed(gd, url, b"[1, 2", ours)
        assert status == 400 and answer["error"]["code"] == "request.bad_encoding", answer
    status, answer = _signed(gd, hk.base_url + "/api/v1/federation/revocations?since=abc", b"", stranger, "GET")
    assert status == 401, answer
    status, answer = _signed(gd, hk.base_url + "/api/v1/federation/revocations?since=abc", b"", ours, "GET")
    assert status == 400 and answer["error"]["code"] == "request.invalid", answer
