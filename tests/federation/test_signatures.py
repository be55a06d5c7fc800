"""The trust list's JWS and the RFC 9421 signatures alone, and the app's federation routes on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jws
from joserfc.jwk import OKPKey

from backend.federation import peers, trust_list
from backend.keys.keyring import NamedKey
from backend.lib import ed25519


def _key(kid: str = "a1b2c3d4") -> NamedKey:
    seed, public = ed25519.generate()
    return NamedKey(kid, "EdDSA", public, seed)


def test_the_fingerprint_is_the_rfc7638_thumbprint():
    key = _key()
    jwk = trust_list.okp_jwk(key.public)
    # joserfc computes RFC 7638 thumbprints independently of our code.
    assert trust_list.thumbprint(jwk) == OKPKey.import_key(jwk).thumbprint()


@pytest.mark.anyio
async def test_the_served_list_verifies_with_an_independent_jose_library(client):
    keyring = client.app.state.keystore.load()
    fingerprint = trust_list.root_fingerprint(keyring)
    answer = await client.get(trust_list.PATH)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/jose")
    text = answer.text
    header = json.loads(trust_list.unb64url(text.split(".")[0]))
    assert header["typ"] == "yk-trust-list+jws" and header["alg"] == "EdDSA"
    assert OKPKey.import_key(header["jwk"]).thumbprint() == fingerprint
    with pytest.warns(Warning):  # joserfc: "EdDSA is deprecated via RFC 9864" (the list keeps the registered name)
        content = json.loads(jws.deserialize_compact(text, OKPKey.import_key(header["jwk"]), algorithms=["EdDSA"]).payload)
    assert content["region"] == "440000" and content["next_update"] == content["iat"] + 86400
    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert content["issuer_keys"] == keys
    assert content["peer_keys"][0]["kid"] == keyring.named_key("federation-peer").kid
    now = int(time.time())
    listed = trust_list.verify(text, fingerprint=fingerprint, region="440000", last_seq=content["seq"], now=now, grace=0)
    assert listed.peer_keys == {keyring.named_key("federation-peer").kid: keyring.named_key("federation-peer").public}
    for kwargs, code in (
        ({"fingerprint": trust_list.thumbprint(trust_list.okp_jwk(_key().public))}, "fingerprint_mismatch"),
        ({"region": "810000"}, "region_mismatch"),
        ({"last_seq": content["seq"] + 1}, "stale_trust_list"),
        ({"now": content["next_update"] + 2, "grace": 1}, "expired_trust_list"),
    ):
        args = {"fingerprint": fingerprint, "region": "440000", "last_seq": None, "now": now, "grace": 0, **kwargs}
        with pytest.raises(trust_list.TrustListError) as refused:
            trust_list.verify(text, **args)
        assert refused.value.code == code


def test_a_list_with_a_private_key_or_another_alg_in_its_header_is_refused():
    key = _key()
    fingerprint = trust_list.thumbprint(trust_list.okp_jwk(key.public))
    for header in (
        {"alg": "none", "typ": trust_list.TYP, "jwk": trust_list.okp_jwk(key.public)},
        {"alg": "EdDSA", "typ": "JWT", "jwk": trust_list.okp_jwk(key.public)},
        {"alg": "EdDSA", "typ": trust_list.TYP, "jwk": {**trust_list.okp_jwk(key.public), "d": trust_list.b64url(key.private)}},
    ):
        text = trust_list.b64url(json.dumps(header).encode()) + "." + trust_list.b64url(b"{}") + ".AAAA"
        with pytest.raises(trust_list.TrustListError) as refused:
            trust_list.verify(text, fingerprint=fingerprint, region="440000", last_seq=None, now=0, grace=0)
        assert refused.value.code == "bad_trust_list"


def test_request_signatures_cover_method_uri_body_and_region():
    key, now = _key(), int(time.time())
    url = "https://hk.example/api/v1/federation/verify"
    headers, nonce = peers.sign_request("POST", url, b'{"a":1}', region="440000", key=key, now=now)
    assert 'yk=("@method" "@target-uri" "content-digest" "yk-region")' in headers["signature-input"]
    assert f'nonce="{nonce}"' in headers["signature-input"] and 'alg="ed25519"' in headers["signature-input"]
    keys = {key.kid: key.public}
    assert peers.verify_request("POST", url, headers, b'{"a":1}', keys).nonce == nonce
    for method, target, changed, body, held in (
        ("GET", url, headers, b'{"a":1}', keys),
        ("POST", url + "?x=1", headers, b'{"a":1}', keys),
        ("POST", url, {**headers, "yk-region": "810000"}, b'{"a":1}', keys),
        ("POST", url, headers, b'{"a":2}', keys),
        ("POST", url, headers, b'{"a":1}', {key.kid: _key().public}),
    ):
        with pytest.raises(peers.PeerAuthError):
            peers.verify_request(method, target, changed, body, held)
    old, _ = peers.sign_request("POST", url, b"{}", region="440000", key=key, now=now - 3 * peers.SKEW)
    with pytest.raises(peers.PeerAuthError):
        peers.verify_request("POST", url, old, b"{}", keys)


def test_answers_are_bound_to_the_status_body_and_request_nonce():
    key = _key()
    headers = peers.sign_response(200, b'{"result":"valid"}', "nonce-of-the-request", key, int(time.time()))
    keys = {key.kid: key.public}
    assert peers.verify_response(200, headers, b'{"result":"valid"}', "nonce-of-the-request", keys)
    assert not peers.verify_response(200, headers, b'{"result":"valid"}', "another-request-nonce", keys)
    assert not peers.verify_response(200, headers, b'{"result":"replayed"}', "nonce-of-the-request", keys)
    assert not peers.verify_response(500, headers, b'{"result":"valid"}', "nonce-of-the-request", keys)
    assert not peers.verify_response(200, headers, b'{"result":"valid"}', "nonce-of-the-request", {key.kid: _key().public})


@pytest.mark.anyio
async def test_peer_routes_refuse_unknown_regions_on_both_databases(client):
    url = "http://testserver.local/api/v1/federation/revocations?since=0"
    headers, _ = peers.sign_request("GET", url, b"", region="820000", key=_key(), now=int(time.time()))
    answer = await client.get("/api/v1/federation/revocations?since=0", headers=headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "federation.unknown_region"
    answer = await client.get("/api/v1/federation/revocations")
    assert answer.status_code == 403
    answer = await client.get("/api/v1/federation/trust")
    assert answer.status_code == 401


@pytest.mark.anyio
async def test_an_unsigned_call_of_any_shape_is_refused_for_who_it_is_not_what_it_carries(client):
    """Who signed comes before what the body or the query holds (docs/federation.md section 4): a
    malformed, wrongly typed or oversized-field call without a signature is 403, never 400 or 415."""
    for path, body, media in (
        ("/api/v1/federation/verify", b'{"nope": 1}', "application/json"),
        ("/api/v1/federation/verify", b"[1, 2", "application/json"),
        ("/api/v1/federation/verify", b"code=x", "text/plain"),
        ("/api/v1/federation/offline-results", b'{"results": []}', "application/json"),
        ("/api/v1/federation/offline-results", b'{"results": "x"}', "application/json"),
    ):
        answer = await client.post(path, content=body, headers={"Content-Type": media, "Yk-Region": "820000"})
        assert answer.status_code == 403, (path, body, answer.text)
        assert answer.json()["error"]["code"] == "federation.unknown_region"
    for since in ("abc", "1" * 40, "-1"):
        answer = await client.get(f"/api/v1/federation/revocations?since={since}")
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "federation.unknown_region", since


def test_created_is_accepted_within_sixty_seconds_either_side_only():
    """Review item 3: the library's max_age plus its own clock skew let `created` lie up to 120 s
    back; the window is ±SKEW, and a nonce is kept long enough to cover every accepted `created`."""
    key, now = _key(), int(time.time())
    url = "https://hk.example/api/v1/federation/verify"
    keys = {key.kid: key.public}
    for offset in (-peers.SKEW + 2, peers.SKEW - 2):
        headers, _ = peers.sign_request("POST", url, b"{}", region="440000", key=key, now=now + offset)
        peers.verify_request("POST", url, headers, b"{}", keys, now=now)
    for offset in (-peers.SKEW - 30, peers.SKEW + 30):
        headers, _ = peers.sign_request("POST", url, b"{}", region="440000", key=key, now=now + offset)
        with pytest.raises(peers.PeerAuthError):
            peers.verify_request("POST", url, headers, b"{}", keys, now=now)
    assert peers.NONCE_TTL >= 3 * peers.SKEW


def test_a_header_that_is_not_an_object_or_numbers_out_of_range_are_bad_lists():
    """Review item 6: such lists were a 500 (AttributeError) or overflowed the database's BigInt."""
    root = _key()
    jwk = trust_list.okp_jwk(root.public)
    fingerprint = trust_list.thumbprint(jwk)
    header = trust_list.b64url(b"[1, 2]")
    with pytest.raises(trust_list.TrustListError) as refused:
        trust_list.verify(f"{header}.e30.c2ln", fingerprint=fingerprint, region="440000", last_seq=None, now=0, grace=0)
    assert refused.value.code == "bad_trust_list"
    keyring = type("K", (), {"named_key": lambda self, name: root})()
    content = {"region": "440000", "seq": 2**63, "next_update": 2**63, "issuer_keys": [], "peer_keys": [], "endpoints": {}}
    text = trust_list.sign(keyring, content)
    with pytest.raises(trust_list.TrustListError) as refused:
        trust_list.verify(text, fingerprint=fingerprint, region="440000", last_seq=None, now=0, grace=0)
    assert refused.value.code == "bad_trust_list"
