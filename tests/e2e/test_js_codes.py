"""The browser's own code logic against docs/qr-format.md: the scanner's offline verifier and
the wallet's offline-code maker run in Chromium on every conformance vector."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.browser

VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))

RUN = """async (vectors) => {
  const { verifyOffline, trustFromJwks, importTrust } = await import('/shared/verify-offline.js');
  const { makeOfflineCode } = await import('/shared/offline-code.js');
  const { fromHex, toBase64url } = await import('/shared/bytes.js');
  const { kindOf } = await import('/shared/qrformat.js');
  const out = {};
  for (const [name, v] of Object.entries(vectors)) {
    const rev = v.revocation || { cards: {}, devices: [] };
    const keys = await importTrust(trustFromJwks(v.trust || { keys: [] }));
    const check = await verifyOffline(v.code, { keys, now: v.now, skew: v.skew, revokedCards: rev.cards, revokedDevices: new Set(rev.devices) });
    let minted = null;
    const i = v.inputs;
    if (v.expected === 'valid' && i && i.device_seed && i.credential_hex) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', d: toBase64url(fromHex(i.device_seed)), x: toBase64url(fromHex(i.device_pub)) };
      const key = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']);
      minted = await makeOfflineCode(fromHex(i.credential_hex), key, i.t);
    }
    out[name] = { check, minted, kind: kindOf(v.code) };
  }
  return out;
}"""


def test_offline_verifier_and_code_maker_match_every_vector(context, server):
    vectors = {p.name: json.loads(p.read_text()) for p in VECTORS}
    offline = {name: v for name, v in vectors.items() if v["kind"] == "offline"}
    assert len(offline) >= 30
    page = context.new_page()
    page.goto(server.base_url + "/scanner/")
    page.wait_for_selector("main#main h1")
    results = page.evaluate(RUN, offline)
    failures = []
    for name, v in offline.items():
        got = results[name]["check"]
        if got["result"] != v["expected"]:
            failures.append(f"{name}: {got['result']} != {v['expected']}")
        for field, want in (v.get("expected_fields") or {}).items():
            if got.get(field) != want:
                failures.append(f"{name}: {field} {got.get(field)!r} != {want!r}")
        if results[name]["minted"] is not None and results[name]["minted"] != v["code"]:
            failures.append(f"{name}: the wallet's code maker made a different code")
    assert not failures, "\n".join(failures)
    assert sum(1 for r in results.values() if r["minted"]) >= 3
    # Online codes are recognised by their prefix (the scanner forwards them to the server).
    online = [v for v in vectors.values() if v["kind"] == "online" and v["expected"] != "malformed"]
    kinds = page.evaluate("async (codes) => { const { kindOf } = await import('/shared/qrformat.js'); return codes.map(kindOf); }", [v["code"] for v in online])
    assert set(kinds) == {"online"}


def test_base45_matches_rfc_9285_examples(context, server):
    page = context.new_page()
    page.goto(server.base_url + "/scanner/")
    page.wait_for_selector("main#main h1")
    got = page.evaluate(
        """async () => {
            const b = await import('/shared/base45.js');
            const enc = (s) => b.encode(new TextEncoder().encode(s));
            const dec = (s) => { try { return new TextDecoder().decode(b.decode(s)); } catch { return null; } };
            return [enc('AB'), enc('Hello!!'), enc('ietf!'), dec('QED8WEX0'), dec('GGW'), dec('V5'), dec('A')];
        }"""
    )
    assert got == ["BB8", "%69 VD92EX0", "QED8WEX0", "ietf!", None, None, None]
