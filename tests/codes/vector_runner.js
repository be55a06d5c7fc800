// The scanner's JavaScript verifier over the conformance vectors: one function expression,
// run by Node (tests/codes/test_vectors_js.py) and in Chromium (tests/e2e/test_js_codes.py).
// `base` is where pwa/shared/ is served. Online vectors with secrets are the server's to check
// and are skipped; the others get { check, minted, kind }. Offline codes of either format go
// through the scanner's own entry point (verifyOfflineCode): YKD2 with the vector's scenario
// (and profile, when it names one), YKD1 with the trust list's yk_retired_formats or retire_at.
async (vectors, base) => {
  const v = await import(`${base}verify-offline.js`);
  const v2 = await import(`${base}verify-offline-v2.js`);
  const { makeOfflineCode } = await import(`${base}offline-code.js`);
  const { fromHex, toBase64url } = await import(`${base}bytes.js`);
  const { kindOf } = await import(`${base}qrformat.js`);
  const out = {};
  for (const [name, c] of Object.entries(vectors)) {
    let check;
    if (c.kind === 'online') {
      if (Object.keys(c.online_masters || {}).length) continue;
      check = v.checkOnlineWithoutSecret(c.code);
    } else {
      let held = null;
      if (c.revocation) {
        held = v.revocationFromJson(c.revocation);
        for (const update of c.revocation_updates || []) {
          try {
            held = v.applyRevocationUpdate(held, update);
          } catch { /* not applicable: the held list stays, as in the scanner */ }
        }
      }
      const retired = v.retiredFormats(c.trust);
      if (Number.isInteger(c.retire_at)) retired.YKD1 = c.retire_at;
      check = await v2.verifyOfflineCode(c.code, {
        keys: await v.importTrust(v.trustFromJwks(c.trust)),
        trust: await v2.importTrustV2(v2.trustFromJwksV2(c.trust)),
        retired,
        revocations: held,
        scenario: c.scenario ?? 'library_entry',
        profile: c.profile ?? null,
        now: c.now,
        skew: c.skew,
      });
    }
    let minted = null;
    const i = c.inputs;
    if (c.kind === 'offline' && c.expected === 'valid' && i && i.device_seed && i.credential_hex && c.code.startsWith('YKD1:')) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', d: toBase64url(fromHex(i.device_seed)), x: toBase64url(fromHex(i.device_pub)) };
      const key = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']);
      minted = await makeOfflineCode(fromHex(i.credential_hex), key, i.t);
    }
    out[name] = { check, minted, kind: kindOf(c.code) };
  }
  return out;
}
