// Offline verification of YKD1 codes in the browser: a port of backend/codes/format.verify_offline.

import { decode } from './base45.js';
import { ascii, concat, fromBase64, hex, readU32be, sha256, toBase64url } from './bytes.js';
import {
  CODE_LIFETIME, CREDENTIAL_LEN, CREDENTIAL_SIGNED_LEN, CREDENTIAL_TAG, CREDENTIAL_VERSION, DEFAULT_SKEW,
  DEVICE_TAG, MAX_TEXT_LEN, OFFLINE_BODY_LEN, OFFLINE_PREFIX, parseCredential,
} from './qrformat.js';

const KID = /^[0-9a-f]{8}$/;
const X32 = /^[A-Za-z0-9_-]{43}$/;

// kid -> raw public key for every usable Ed25519 signing key; a kid listed twice with
// different keys is ambiguous and dropped (unknown_key rather than a guess).
export function trustFromJwks(doc) {
  const keys = doc && Array.isArray(doc.keys) ? doc.keys : [];
  const trust = new Map();
  const conflicted = new Set();
  for (const jwk of keys) {
    if (!jwk || typeof jwk !== 'object') continue;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.use !== 'sig') continue;
    if ((jwk.alg ?? 'EdDSA') !== 'EdDSA') continue;
    if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid) || typeof jwk.x !== 'string' || !X32.test(jwk.x)) continue;
    const pub = fromBase64(jwk.x);
    if (toBase64url(pub) !== jwk.x) continue; // non-canonical spelling: one key, one text
    const seen = trust.get(jwk.kid);
    if (seen && hex(seen) !== hex(pub)) conflicted.add(jwk.kid);
    trust.set(jwk.kid, pub);
  }
  for (const kid of conflicted) trust.delete(kid);
  return trust;
}

// Import each trusted key once through the 'jwk' format (only the fields WebCrypto needs).
export async function importTrust(trust) {
  const keys = new Map();
  for (const [kid, pub] of trust) {
    try {
      const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: toBase64url(pub) }, { name: 'Ed25519' }, false, ['verify']);
      keys.set(kid, key);
    } catch { /* a key the browser refuses is as good as unknown */ }
  }
  return keys;
}

async function edVerify(key, message, signature) {
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  } catch {
    return false;
  }
}

function timeResult(now, start, end, skew) {
  if (now < start - skew) return 'not_yet_valid';
  if (now > end + skew) return 'expired';
  return null;
}

function bodyOf(text) {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LEN || !text.startsWith(OFFLINE_PREFIX)) return null;
  try {
    const body = decode(text.slice(OFFLINE_PREFIX.length));
    return body.length === OFFLINE_BODY_LEN ? body : null;
  } catch {
    return null;
  }
}

/**
 * Check an offline code. `keys` maps kid -> CryptoKey (from importTrust); `revokedCards`
 * maps card_ref hex -> 'suspended' | 'cancelled'; `revokedDevices` is a Set of device key ids.
 * Never throws on `text`; the first failing step decides the result, as on the server.
 */
export async function verifyOffline(text, { keys, now, skew = DEFAULT_SKEW, revokedCards = {}, revokedDevices = new Set() }) {
  const body = bodyOf(text);
  if (!body || body[0] !== CREDENTIAL_VERSION) return { result: 'malformed' };
  const raw = body.subarray(0, CREDENTIAL_LEN);
  const signed = body.subarray(0, CREDENTIAL_LEN + 4);
  const cred = parseCredential(raw);
  const issuer = keys.get(cred.kid);
  if (!issuer) return { result: 'unknown_key' };
  if (!(await edVerify(issuer, concat(ascii(CREDENTIAL_TAG), raw.subarray(0, CREDENTIAL_SIGNED_LEN)), cred.signature))) {
    return { result: 'bad_signature' };
  }
  const fields = {
    card_ref: hex(cred.cardRef),
    region: cred.region,
    flags: cred.flags,
    nbf: cred.nbf,
    exp: cred.exp,
    device_key_id: hex((await sha256(cred.devicePub)).subarray(0, 8)),
  };
  let failed = timeResult(now, cred.nbf, cred.exp, skew);
  if (failed) return { result: failed, ...fields };
  let device = null;
  try {
    device = await crypto.subtle.importKey('raw', cred.devicePub, { name: 'Ed25519' }, false, ['verify']);
  } catch { /* an invalid point cannot have signed anything */ }
  if (!device || !(await edVerify(device, concat(ascii(DEVICE_TAG), signed), body.subarray(CREDENTIAL_LEN + 4)))) {
    return { result: 'bad_signature', ...fields };
  }
  const t = readU32be(signed, CREDENTIAL_LEN);
  Object.assign(fields, { t, code_id: hex((await sha256(body)).subarray(0, 16)) });
  failed = timeResult(now, t, t + CODE_LIFETIME, skew);
  if (!failed) {
    const status = Object.prototype.hasOwnProperty.call(revokedCards, fields.card_ref) ? revokedCards[fields.card_ref] : undefined;
    if (status !== undefined) failed = status === 'cancelled' ? 'card_cancelled' : 'card_suspended';
    else if (revokedDevices.has(fields.device_key_id)) failed = 'device_revoked';
  }
  return { result: failed || 'valid', ...fields };
}
