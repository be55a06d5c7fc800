"""The browser's own code logic against docs/qr-format.md: the scanner's offline verifier and
the wallet's offline-code maker run in Chromium on every conformance vector a verifier without
the online secret can answer."""

from __future__ import annotations

import json

import pytest

from tests.codes import v2_codes
from tests.codes.helpers import mismatches
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.browser

VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))
V2_VECTORS = sorted((ROOT / "tests" / "vectors" / "v2").glob("*.json"))
# The same runner Node uses (tests/codes/test_vectors_js.py), here on the served /shared/ modules.
RUNNER = (ROOT / "tests" / "codes" / "vector_runner.js").read_text(encoding="utf-8")


def test_offline_verifier_and_code_maker_match_every_vector(context, server):
    vectors = {p.stem: json.loads(p.read_text()) for p in VECTORS}
    page = context.new_page()
    page.goto(server.base_url + "/scanner/")
    page.wait_for_selector("main#main h1")
    results = page.evaluate(f"(vectors) => ({RUNNER})(vectors, '/shared/')", vectors)
    assert set(results) == {n for n, v in vectors.items() if v["kind"] == "offline" or not v["online_masters"]}
    assert mismatches(vectors, results) == []
    assert sum(1 for r in results.values() if r["minted"]) >= 15
    # Online codes are recognised by their prefix (the scanner forwards them to the server).
    online = [v for v in vectors.values() if v["kind"] == "online" and v["expected"] != "malformed"]
    kinds = page.evaluate(
        "async (codes) => { const { kindOf } = await import('/shared/qrformat.js'); return codes.map(kindOf); }",
        [v["code"] for v in online],
    )
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


def test_format_2_vectors_and_codes_of_both_suites_in_chromium(context, server):
    """Format 2 in the browser: every tests/vectors/v2 vector, and codes of both suites made now by
    the server's format_v2 (SM2 through the library the scanner loads from /vendor/)."""
    vectors = {f"v2/{p.stem}": json.loads(p.read_text()) for p in V2_VECTORS}
    cases = v2_codes.cases()
    page = context.new_page()
    page.goto(server.base_url + "/scanner/")
    page.wait_for_selector("main#main h1")
    both = {**vectors, **cases}
    results = page.evaluate(f"(vectors) => ({RUNNER})(vectors, '/shared/')", both)
    assert set(results) == {n for n, v in both.items() if v["kind"] == "offline" or not v.get("online_masters")}
    assert mismatches(both, results) == []
    assert results["sm2-validity-at-library"]["check"]["result"] == "valid"
    assert results["sm2-transit-code-at-library"]["check"]["result"] == "wrong_scenario"
