"""The scanner's signature checks in Chromium (and Node): WebCrypto Ed25519 against SM2 with SM3
through pwa/shared/sm2.js (sm-crypto-v2 on @noble/curves), and whole YKD2 codes of both suites
through pwa/shared/verify-offline-v2.js, as the scanner runs them.

SM2 is measured twice: under a new key each time (a code's one-time device key: decompression and
the curve check included) and under a key imported once with a precomputed table (an issuer key of
the trust list). The codes are made by backend/codes/format_v2, the module the server uses.
Machines here are noisy: figures are printed as ratios to WebCrypto Ed25519 in the same run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere without installing
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM = Path("/usr/bin/chromium")

# One function expression, run in the page (modules under /shared/) and in Node (file: URLs).
MEASURE = """async ([base, codes, ms]) => {
  const sm2 = await import(`${base}sm2.js`);
  const v2 = await import(`${base}verify-offline-v2.js`);
  const msg = new Uint8Array(199).map((_, i) => i);  // the length of a YKD2 code's signed part
  async function rate(fn) {
    if (!(await fn())) throw new Error('did not verify');
    for (let i = 0; i < 5; i++) await fn();  // warm up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) { await fn(); n++; }
    return n / ((performance.now() - t0) / 1000);
  }
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const edSig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, ed.privateKey, msg));
  const { privateKey, publicKey } = await sm2.generateSm2();
  const smSig = await sm2.sm2Sign(privateKey, msg);
  const pre = await sm2.importSm2Public(publicKey, { precompute: true });
  const out = {
    ed25519: await rate(() => crypto.subtle.verify({ name: 'Ed25519' }, ed.publicKey, edSig, msg)),
    sm2_new_key: await rate(() => sm2.sm2Verify(publicKey, msg, smSig)),
    sm2_precomputed_key: await rate(() => sm2.sm2Verify(pre, msg, smSig)),
  };
  for (const [suite, c] of Object.entries(codes)) {
    const trust = await v2.importTrustV2(v2.trustFromJwksV2(c.trust));
    const args = { trust, scenario: c.scenario, now: c.now, skew: 5, revocations: { credentials: {} } };
    out[`code_${suite}`] = await rate(async () => (await v2.verifyOfflineV2(c.code, args)).result === 'valid');
  }
  return out;
}"""

LABELS = {
    "ed25519": "Ed25519 verify (WebCrypto)",
    "sm2_new_key": "SM2 verify, a new key each time (device key)",
    "sm2_precomputed_key": "SM2 verify, precomputed key (issuer key)",
    "code_ed25519": "YKD2 code, Ed25519 suite (2 signatures)",
    "code_sm2": "YKD2 code, SM2 suite (2 signatures)",
}


def codes() -> dict[str, dict]:
    """A valid library code of each suite, with its trust list, made now by the server's format_v2."""
    import secrets
    import time

    from backend.codes import format_v2 as f2
    from backend.lib import ed25519, sm2

    now = int(time.time())
    out = {}
    for suite in ("ed25519", "sm2"):
        pair = (lambda: (s := secrets.token_bytes(32), ed25519.public_from_seed(s))) if suite == "ed25519" else sm2.generate
        (ipriv, ipub), (dpriv, dpub) = pair(), pair()
        kid = secrets.token_bytes(4)
        jwk = (
            {"kty": "OKP", "crv": "Ed25519", "x": f2._b64url(ipub), "kid": kid.hex(), "use": "sig", "alg": "EdDSA"}
            if suite == "ed25519"
            else f2.jwk_from_sm2_public(kid.hex(), ipub, now - 3600, now + 3600)
        )
        cred = f2.make_credential_v2(
            suite=suite,
            issuer_kid=kid,
            issuer_private=ipriv,
            cred_ref=secrets.token_bytes(8),
            profile="validity",
            region=440000,
            nbf=now - 3600,
            exp=now + 3600,
            attrs=0,
            device_pub=dpub,
        )
        code = f2.make_offline_code_v2(cred, dpriv, "library_entry", now - 5)
        out[suite] = {"code": code, "trust": {"keys": [jwk]}, "scenario": "library_entry", "now": now}
    return out


def in_chromium(made: dict, ms: int) -> dict[str, float]:
    from decoders import CHROMIUM_ARGS, static_server
    from playwright.sync_api import sync_playwright

    with static_server() as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS[:6])
        try:
            page = browser.new_context(service_workers="block").new_page()
            page.goto(base_url + "/scanner/")
            return page.evaluate(f"({MEASURE})", ["/shared/", made, ms])
        finally:
            browser.close()


def in_node(made: dict, ms: int) -> dict[str, float] | None:
    node = shutil.which("node")
    if node is None:
        return None
    script = f"const run = {MEASURE};\nconst [made, ms] = JSON.parse(process.argv[2]);\n"
    script += "process.stdout.write(JSON.stringify(await run([process.argv[1], made, ms])));"
    base = (ROOT / "pwa" / "shared").as_uri() + "/"
    done = subprocess.run(
        [node, "--no-warnings", "--input-type=module", "-e", script, base, json.dumps([made, ms])],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def report(where: str, rates: dict[str, float]) -> str:
    base = rates["ed25519"]
    lines = [f"{where}: verifications per second on one core, ratio to WebCrypto Ed25519 verify"]
    for key, label in LABELS.items():
        lines.append(f"  {label:<48} {rates[key]:>9.0f}/s  x{rates[key] / base:.3f}")
    lines.append(f"  a YKD2 code of the SM2 suite costs x{rates['code_ed25519'] / rates['code_sm2']:.1f} an Ed25519 one's time")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ms", type=int, default=2000, help="milliseconds per measurement (default 2000)")
    args = parser.parse_args(argv)
    made = codes()
    print("The scanner's signature checks (pwa/shared/sm2.js = sm-crypto-v2 1.15.1; WebCrypto Ed25519)")
    if CHROMIUM.exists():
        print(report("Chromium", in_chromium(made, args.ms)))
    else:
        print(f"Chromium: skipped, {CHROMIUM} is missing (apt-get install chromium)")
    node = in_node(made, args.ms)
    print(report("Node", node) if node else "Node: skipped, node is missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
