"""Conformance of the scanner's JavaScript verifier (pwa/shared/) on every vector, run by Node.

The browser test (tests/e2e/test_js_codes.py) runs the same runner in Chromium; this one needs
only Node, which `make test` has anyway, so the JavaScript side is checked on every run. Format 2
(tests/vectors/v2/) too, and codes of both suites made in the test by the server's format_v2."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.codes import v2_codes
from tests.codes.helpers import mismatches
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
VECTOR_DIR = ROOT / "tests" / "vectors"
V2_DIR = VECTOR_DIR / "v2"
RUNNER = (Path(__file__).resolve().parent / "vector_runner.js").read_text(encoding="utf-8")
MAIN = """import { readFileSync } from 'node:fs';
const run = %s;
const vectors = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(await run(vectors, process.argv[1])));
"""


def load_vectors() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="ascii")) for p in sorted(VECTOR_DIR.glob("*.json"))}


def load_v2_vectors() -> dict[str, dict[str, Any]]:
    """Format 2's vectors, named v2/<stem> (their names may repeat format 1's)."""
    return {f"v2/{p.stem}": json.loads(p.read_text(encoding="ascii")) for p in sorted(V2_DIR.glob("*.json"))}


def run_node(script: str, stdin: str, *args: str) -> str:
    node = shutil.which("node")
    if node is None:
        need("node", "the JavaScript verifier is checked with Node")
    done = subprocess.run(
        [node, "--no-warnings", "--input-type=module", "-e", script, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def run_js(vectors: dict[str, dict[str, Any]]) -> dict[str, Any]:
    base = (ROOT / "pwa" / "shared").as_uri() + "/"
    return json.loads(run_node(MAIN % RUNNER, json.dumps(vectors), base))


def test_javascript_verifier_matches_every_vector() -> None:
    vectors = load_vectors()
    results = run_js(vectors)
    # Every offline vector and every online one a third party can answer was run.
    assert set(results) == {n for n, v in vectors.items() if v["kind"] == "offline" or not v["online_masters"]}
    assert mismatches(vectors, results) == []
    assert sum(1 for r in results.values() if r["minted"]) >= 15
    online = [n for n, v in vectors.items() if v["kind"] == "online" and v["expected"] != "malformed" and n in results]
    assert online and all(results[n]["kind"] == "online" for n in online)


def test_javascript_verifier_matches_every_format_2_vector() -> None:
    vectors = load_v2_vectors()
    if not vectors:
        need("tests/vectors/v2", "format 2's vectors (tests/vectors/make_vectors.py)")
    results = run_js(vectors)
    assert set(results) == {n for n, v in vectors.items() if v["kind"] == "offline" or not v.get("online_masters")}
    assert mismatches(vectors, results) == []
    verdicts = {v["expected"] for v in vectors.values()}
    assert {"valid", "wrong_scenario", "bad_signature", "unknown_key"} <= verdicts


def test_javascript_verifier_agrees_with_the_server_on_codes_of_both_suites() -> None:
    """Codes made now by backend/codes/format_v2 (SM2 signatures are randomized, so no vector
    pins them): the JavaScript answers exactly what verify_offline_v2 answers, field for field."""
    cases = v2_codes.cases()
    results = run_js(cases)
    assert mismatches(cases, results) == []
    got = {name: r["check"]["result"] for name, r in results.items()}
    for suite in v2_codes.SUITES:
        assert got[f"{suite}-validity-at-library"] == "valid"
        assert results[f"{suite}-validity-at-library"]["check"]["suite"] == (1 if suite == "ed25519" else 2)
        assert got[f"{suite}-transit-code-at-library"] == "wrong_scenario"
        assert got[f"{suite}-validity-credential-signed-for-metro"] == "wrong_scenario"
        assert got[f"{suite}-revoked-credential"] == "device_revoked"
        assert got[f"{suite}-other-credential-revoked"] == "valid"
        assert {got[f"{suite}-tampered-{x}"] for x in ("issuer-signed", "device-signature")} == {"bad_signature"}
        assert got[f"{suite}-tampered-scenario-tag"] == "bad_signature"  # the tag is under the device signature


HOSTILE = """
const s = await import(process.argv[1] + 'sm2.js');
const msg = new TextEncoder().encode('yikatong');
const { privateKey, publicKey } = await s.generateSm2();
const sig = await s.sm2Sign(privateKey, msg);
const n = 'fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123';
const bytes = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
const withR = (r) => Uint8Array.from([...bytes(r), ...sig.subarray(32)]);
const withS = (v) => Uint8Array.from([...sig.subarray(0, 32), ...bytes(v)]);
let offCurve = null; // an x with no y on the curve
for (let i = 1; !offCurve; i++) { const p = Uint8Array.from(publicKey); p[32] ^= i; if (!(await s.isValidSm2Public(p))) offCurve = p; }
const out = { valid: await s.sm2Verify(publicKey, msg, sig), tampered: await s.sm2Verify(publicKey, Uint8Array.of(1), sig) };
const cases = {
  r_zero: [publicKey, withR('00'.repeat(32))], r_n: [publicKey, withR(n)], r_max: [publicKey, withR('ff'.repeat(32))],
  s_zero: [publicKey, withS('00'.repeat(32))], s_n: [publicKey, withS(n)], s_max: [publicKey, withS('ff'.repeat(32))],
  off_curve: [offCurve, sig], x_above_p: [Uint8Array.of(2, ...new Uint8Array(32).fill(255)), sig],
  x_zero: [new Uint8Array(33).fill(0).fill(2, 0, 1), sig], uncompressed_prefix: [Uint8Array.of(4, ...publicKey.subarray(1)), sig],
  short_key: [publicKey.subarray(1), sig], short_sig: [publicKey, sig.subarray(1)], not_bytes: ['02' + 'ab'.repeat(32), sig],
};
const started = Date.now();
for (const [name, [key, signature]] of Object.entries(cases)) {
  try { out[name] = await s.sm2Verify(key, msg, signature); } catch (err) { out[name] = 'threw ' + err; }
}
out.ms = Date.now() - started;
out.roundtrip = Array.from(await s.compressSm2(await s.decompressSm2(publicKey))).join() === Array.from(publicKey).join();
process.stdout.write(JSON.stringify(out));
"""


def test_sm2_wrapper_answers_false_to_hostile_input_and_never_throws() -> None:
    base = (ROOT / "pwa" / "shared").as_uri() + "/"
    out = json.loads(run_node(HOSTILE, "", base))
    assert out.pop("valid") is True and out.pop("roundtrip") is True
    assert out.pop("ms") < 5000  # no hang on any of them
    assert out == {name: False for name in out}, out
