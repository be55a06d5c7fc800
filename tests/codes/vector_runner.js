// The scanner's JavaScript verifier over the conformance vectors: one function expression,
// run by Node (tests/codes/test_vectors_js.py) and in Chromium (tests/e2e/test_js_codes.py).
// `base` is where pwa/shared/ is served. Online vectors with secrets are the server's to check
// and are skipped; the others get { check, minted, kind }.
async (vectors, base) => {
  const v = await import(`${base}verify-offline.js`);
  const { makeOfflineCode } = await import(`${base}offline-code.js`);
  const { fromHex, toBase64url } = await import(`${base}bytes.js`);
  const { kindOf } = await import(`${base}qrformat.js`);
  const out = {};
  for (const [name, c] of Object.entries(vectors)) {
    let check;
    if (c.kind === 'online') {
      if (Object.keys(c.online_masters).length) continue;
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
      const keys = await v.importTrust(v.trustFromJwks(c.trust));
      check = await v.verifyOffline(c.code, {
        keys, now: c.now, skew: c.skew, revokedCards: held ? held.cards : {}, revokedDevices: new Set(held ? held.devices : []),
      });
    }
    let minted = null;
    const i = c.inputs;
    if (c.kind === 'offline' && c.expected === 'valid' && i && i.device_seed && i.credential_hex) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', d: toBase64url(fromHex(i.device_seed)), x: toBase64url(fromHex(i.device_pub)) };
      const key = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']);
      minted = await makeOfflineCode(fromHex(i.credential_hex), key, i.t);
    }
    out[name] = { check, minted, kind: kindOf(c.code) };
  }
  return out;
}
