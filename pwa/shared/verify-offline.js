// Offline verification of YKD1 codes in the browser: a port of backend/codes/format.verify_offline.

import { decode } from './base45.js';
import { ascii, concat, fromBase64, fromHex, hex, readU32be, sha256, toBase64url } from './bytes.js';
import {
  CODE_LIFETIME, CREDENTIAL_LEN, CREDENTIAL_SIGNED_LEN, CREDENTIAL_TAG, CREDENTIAL_VERSION, DEFAULT_SKEW,
  DEVICE_TAG, MAX_TEXT_LEN, OFFLINE_BODY_LEN, OFFLINE_PREFIX, ONLINE_BODY_LEN, ONLINE_PREFIX, parseCredential,
} from './qrformat.js';

const KID = /^[0-9a-f]{8}$/;
const X32 = /^[A-Za-z0-9_-]{43}$/;

// The formats the trust list retires: {YKD1: unix seconds}, each a whole number of seconds; anything
// else in the member is left out (a bad date retires nothing rather than everything).
export function retiredFormats(doc) {
  const out = {};
  const member = doc && typeof doc === 'object' ? doc.yk_retired_formats : null;
  if (!member || typeof member !== 'object' || Array.isArray(member)) return out;
  for (const [format, at] of Object.entries(member)) {
    if (/^YK[A-Z][0-9]$/.test(format) && Number.isSafeInteger(at) && at >= 0) out[format] = at;
  }
  return out;
}

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

// Ed25519 as docs/qr-format.md 5.5 states it (libsodium's rule). WebCrypto implementations
// differ on the edges (Node's accepts small-order keys, for which anyone can sign), so the
// checks libsodium makes before the equation are made here on the bytes; the equation
// itself ([S]B - [k]A encoded equals R) is the same cofactorless one everywhere.
const L_LE = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
const P_LE = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
// Encodings of points of order 1, 2, 4 and 8, canonical or not, with bit 255 cleared.
const SMALL_ORDER = new Set([
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]);

function belowLe(value, bound) { // both 32 bytes, little-endian
  for (let i = 31; i >= 0; i--) if (value[i] !== bound[i]) return value[i] < bound[i];
  return false;
}

function withoutSign(point) {
  const out = Uint8Array.from(point);
  out[31] &= 0x7f;
  return out;
}

// True when the key or signature fails a check made before the equation.
export function refusedBeforeEquation(pub, signature) {
  if (pub.length !== 32 || signature.length !== 64) return true;
  if (!belowLe(signature.subarray(32), L_LE)) return true; // S >= L
  if (SMALL_ORDER.has(hex(withoutSign(signature.subarray(0, 32))))) return true; // R of small order
  const a = withoutSign(pub);
  return SMALL_ORDER.has(hex(a)) || !belowLe(a, P_LE); // A of small order, or y >= p
}

// One signing key: its raw bytes (for the checks) and the WebCrypto key, or null when the
// browser refuses the bytes (not a curve point): every signature under it then fails.
export async function importKey(pub) {
  try {
    const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    return { raw: pub, key };
  } catch {
    return { raw: pub, key: null };
  }
}

// Import each trusted key once. A kid stays known even when its key is unusable, so codes
// under it are bad_signature (as with libsodium), not unknown_key.
export async function importTrust(trust) {
  const keys = new Map();
  for (const [kid, pub] of trust) keys.set(kid, await importKey(pub));
  return keys;
}

export async function edVerify(signer, message, signature) {
  if (!signer.key || refusedBeforeEquation(signer.raw, signature)) return false;
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, signer.key, signature, message);
  } catch {
    return false;
  }
}

export function timeResult(now, start, end, skew) {
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
 * From `retireAt` (Unix seconds: the trust list's yk_retired_formats.YKD1) on, a well-formed
 * code is format_retired. Never throws on `text`; the first failing step decides the result, as
 * on the server.
 */
export async function verifyOffline(text, { keys, now, skew = DEFAULT_SKEW, revokedCards = {}, revokedDevices = new Set(), retireAt = null }) {
  const body = bodyOf(text);
  if (!body || body[0] !== CREDENTIAL_VERSION) return { result: 'malformed' };
  // Before any key or signature: a retired format is refused whoever signed it.
  if (Number.isInteger(retireAt) && now >= retireAt) return { result: 'format_retired' };
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
  const device = await importKey(cred.devicePub);
  if (!(await edVerify(device, concat(ascii(DEVICE_TAG), signed), body.subarray(CREDENTIAL_LEN + 4)))) {
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

// What any verifier but the issuer answers for an online code (docs/qr-format.md 4.5): it
// holds no online secret, so a well-formed code is unknown_key and anything else malformed.
// The scanner itself forwards online codes to the server instead of answering this.
export function checkOnlineWithoutSecret(text) {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LEN || !text.startsWith(ONLINE_PREFIX)) return { result: 'malformed' };
  try {
    return { result: decode(text.slice(ONLINE_PREFIX.length)).length === ONLINE_BODY_LEN ? 'unknown_key' : 'malformed' };
  } catch {
    return { result: 'malformed' };
  }
}

// --- revocation lists (docs/qr-format.md section 10) ---------------------------------------

const HEX16 = /^[0-9a-f]{16}$/;
const CHANGE_STATUSES = {
  card: ['active', 'suspended', 'cancelled'],
  device: ['active', 'revoked'],
  credential: ['active', 'suspended', 'cancelled', 'revoked'], // format 2: one offline credential by its cred_ref
};
// What a full list may say of a format 2 credential (an active one is simply not listed).
export const CREDENTIAL_STATUSES = ['suspended', 'cancelled', 'revoked'];
const MAX_VERSION = Number.MAX_SAFE_INTEGER;

function isVersion(value) {
  return Number.isInteger(value) && value >= 0 && value <= MAX_VERSION;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// A full list as { version, cards: {ref: status}, devices: [ids], credentials: {cred_ref: status} };
// throws when it does not have the documented shape (the caller keeps the list it had). A list
// without `credentials` is a server from before format 2: no format 2 credential exists there.
export function revocationFromJson(doc) {
  if (!isObject(doc)) throw new Error('revocation list must be a JSON object');
  if ((doc.full ?? true) !== true) throw new Error('this is a delta, not a full list');
  if (!isVersion(doc.version) || !isObject(doc.cards) || !Array.isArray(doc.devices)) throw new Error('bad revocation list');
  for (const [card, status] of Object.entries(doc.cards)) {
    if (!HEX16.test(card) || !['suspended', 'cancelled'].includes(status)) throw new Error('bad revocation entry');
  }
  if (!doc.devices.every((d) => typeof d === 'string' && HEX16.test(d))) throw new Error('bad device entry');
  const credentials = doc.credentials ?? {};
  if (!isObject(credentials)) throw new Error('bad revocation list');
  for (const [ref, status] of Object.entries(credentials)) {
    if (!HEX16.test(ref) || !CREDENTIAL_STATUSES.includes(status)) throw new Error('bad credential entry');
  }
  return { version: doc.version, cards: { ...doc.cards }, devices: [...new Set(doc.devices)], credentials: { ...credentials } };
}

// The list after the server's answer to ?since=<held version>: a full list replaces the held
// one; a delta applies on top of the version it was made from, its changes in ascending
// version. Throws (never applies part of a delta) when it cannot: fetch the full list then.
export function applyRevocationUpdate(held, doc) {
  if (!isObject(doc)) throw new Error('revocation list must be a JSON object');
  if (doc.full !== false) return revocationFromJson(doc);
  const { version, since, changes } = doc;
  if (!isVersion(version) || !isVersion(since)) throw new Error('bad delta version');
  if (!held || since !== held.version) throw new Error('delta does not follow the held list');
  if (version < since || !Array.isArray(changes)) throw new Error('bad delta');
  for (const change of changes) {
    if (!isObject(change) || !isVersion(change.version) || change.version <= since || change.version > version) throw new Error('bad change');
    const allowed = Object.prototype.hasOwnProperty.call(CHANGE_STATUSES, change.kind) ? CHANGE_STATUSES[change.kind] : [];
    if (typeof change.ref !== 'string' || !HEX16.test(change.ref) || !allowed.includes(change.status)) throw new Error('bad change');
  }
  const cards = { ...held.cards };
  const devices = new Set(held.devices);
  const credentials = { ...(held.credentials || {}) }; // a list held from before format 2 has none
  for (const change of [...changes].sort((a, b) => a.version - b.version)) {
    if (change.kind === 'device') {
      if (change.status === 'revoked') devices.add(change.ref);
      else devices.delete(change.ref);
      continue;
    }
    const map = change.kind === 'card' ? cards : credentials;
    if (change.status === 'active') delete map[change.ref];
    else map[change.ref] = change.status;
  }
  return { version, cards, devices: [...devices], credentials };
}
