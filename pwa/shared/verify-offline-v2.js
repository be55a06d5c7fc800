// Offline verification of YKD2 codes (format 2) in the browser: a port of the server's
// verify_offline_v2 (docs/qr-format.md). Ed25519 as the YKD1 verifier does it (the byte checks,
// then WebCrypto); SM2 with SM3 through ./sm2.js.

import { decode } from './base45.js';
import { ascii, concat, fromBase64, hex, readU32be, sha256, toBase64url } from './bytes.js';
import {
  CODE_LIFETIME, CREDENTIAL_V2_SIGNED, CREDENTIAL_V2_TAG, CREDENTIAL_V2_VERSION, DEFAULT_SKEW, DEVICE_V2_TAG,
  BUILT_IN_PROFILES, MAX_TEXT_LEN, OFFLINE_V2_PREFIX, PROFILE_MASK, PROFILE_NUMBER, PROFILES, SCENARIO_DOMAIN, SUITES, credentialV2Len,
  offlineFormatOf, offlineV2BodyLen, parseCredentialV2,
} from './qrformat.js';
import { importSm2Public, sm2Verify } from './sm2.js';
import { edVerify, importKey, timeResult, verifyOffline } from './verify-offline.js';

const KID = /^[0-9a-f]{8}$/;
const X32 = /^[A-Za-z0-9_-]{43}$/;
const TAG_HEX = /^[0-9a-f]{8}$/;

function coordinate(text) {
  if (typeof text !== 'string' || !X32.test(text)) return null;
  const raw = fromBase64(text);
  return toBase64url(raw) === text ? raw : null; // non-canonical spelling: one key, one text
}

// The date format 1 retires (docs/qr-format.md), when a trust list does not say: 2027-03-01T00:00:00Z.
export const YKD1_RETIRED_AT = 1803859200;

// The trust-list entry of one JWK, or null when it is not a usable signing key of either suite.
function entryOf(jwk) {
  if (!jwk || typeof jwk !== 'object' || jwk.use !== 'sig' || typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) return null;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && ('alg' in jwk ? jwk.alg : 'EdDSA') === 'EdDSA') {
    const x = coordinate(jwk.x);
    return x ? { alg: 'EdDSA', public: x } : null;
  }
  if (jwk.kty === 'EC' && jwk.crv === 'SM2' && ('alg' in jwk ? jwk.alg : 'SM2SM3') === 'SM2SM3') {
    const x = coordinate(jwk.x);
    const y = coordinate(jwk.y);
    // Compressed by y's parity without checking the point, as the server does: an unusable key
    // stays listed, so its codes are bad_signature (not unknown_key).
    return x && y ? { alg: 'SM2SM3', public: concat(Uint8Array.of(2 + (y[31] & 1)), x) } : null;
  }
  return null;
}

/**
 * kid -> {alg: 'EdDSA' | 'SM2SM3', public} for every signing key of the JWKS (Ed25519: 32 raw
 * bytes; SM2: the 33-byte compressed point). The rules of section 9: use
 * "sig" required, a kid listed twice with different keys is ambiguous and dropped.
 */
export function trustFromJwksV2(doc) {
  const keys = doc && Array.isArray(doc.keys) ? doc.keys : [];
  const trust = new Map();
  const conflicted = new Set();
  for (const jwk of keys) {
    const entry = entryOf(jwk);
    if (!entry) continue;
    const seen = trust.get(jwk.kid);
    if (seen && (seen.alg !== entry.alg || hex(seen.public) !== hex(entry.public))) conflicted.add(jwk.kid);
    trust.set(jwk.kid, entry);
  }
  for (const kid of conflicted) trust.delete(kid);
  return trust;
}

/**
 * Each trusted key imported once: kid -> {alg, raw, key}. A key the browser or the library
 * refuses (not a point) stays known with key null, so codes under it are bad_signature, not
 * unknown_key. SM2 issuer keys get a precomputed table: their verifications are the common ones.
 */
export async function importTrustV2(trust) {
  const out = new Map();
  for (const [kid, entry] of trust) {
    if (entry.alg === 'EdDSA') {
      out.set(kid, { alg: 'EdDSA', ...(await importKey(entry.public)) });
    } else {
      out.set(kid, { alg: 'SM2SM3', raw: entry.public, key: await importSm2Public(entry.public, { precompute: true }) });
    }
  }
  return out;
}

const tags = new Map();

// SHA-256("yikatong/scenario/" || name)[0:4] as 8 hex digits (WebCrypto digest), once per name.
export async function scenarioTagHex(name) {
  if (typeof name !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(name)) throw new TypeError('scenario name must be printable ASCII');
  if (!tags.has(name)) tags.set(name, hex((await sha256(ascii(SCENARIO_DOMAIN + name))).subarray(0, 4)));
  return tags.get(name);
}

function bodyOf(text) {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LEN || !text.startsWith(OFFLINE_V2_PREFIX)) return null;
  try {
    return decode(text.slice(OFFLINE_V2_PREFIX.length));
  } catch {
    return null;
  }
}

// Steps 1-5: the body when every byte rule holds, else null (malformed).
function wellFormed(body) {
  if (!body || body.length < 2 || body[0] !== CREDENTIAL_V2_VERSION || !SUITES[body[1]]) return false;
  if (body.length !== offlineV2BodyLen(body[1])) return false;
  const profile = body[14];
  return Boolean(PROFILES[profile]) && (body[26] & ~PROFILE_MASK[profile]) === 0;
}

async function suiteVerify(suite, signer, message, signature) {
  if (suite === 1) return edVerify(signer, message, signature);
  return signer.key ? sm2Verify(signer.key, message, signature) : false;
}

async function deviceSigner(suite, devicePub) {
  if (suite === 1) return importKey(devicePub);
  return { raw: devicePub, key: await importSm2Public(devicePub) }; // not a point: bad_signature
}

// The profile number the scenario uses: as given (name or number), else the built-in table's;
// 0 (matching no credential: wrong_scenario, fail closed) when neither knows it.
function profileNumber(profile, scenario) {
  if (profile === undefined || profile === null) return BUILT_IN_PROFILES[scenario] ?? 0;
  if (typeof profile === 'number') return PROFILES[profile] ? profile : 0;
  return PROFILE_NUMBER[profile] ?? 0;
}

/**
 * Check a YKD2 code for `scenario` (its name; `scenarioTag` = its 8-hex tag when the venue's
 * listing gave it) and the profile that scenario uses (`profile`: name or number; null takes the
 * built-in scenarios' table, and a scenario not in it matches no credential). Fields as the
 * server reports them: suite and profile are numbers, cred_ref and scenario hex. `trust` is importTrustV2's map; `revocations` the held list ({credentials: {cred_ref:
 * status}}). Never throws on `text`; the first failing step decides, as on the server.
 */
export async function verifyOfflineV2(text, { trust, scenario, scenarioTag = null, profile = null, now, skew = DEFAULT_SKEW, revocations = null }) {
  const body = bodyOf(text);
  if (!wellFormed(body)) return { result: 'malformed' };
  const suite = body[1];
  const credLen = credentialV2Len(suite);
  const raw = body.subarray(0, credLen);
  const cred = parseCredentialV2(raw);
  const issuer = trust.get(cred.kid);
  if (!issuer || issuer.alg !== SUITES[suite].alg) return { result: 'unknown_key' };
  const issuerMessage = concat(ascii(CREDENTIAL_V2_TAG), raw.subarray(0, CREDENTIAL_V2_SIGNED + SUITES[suite].publicLen));
  if (!(await suiteVerify(suite, issuer, issuerMessage, cred.signature))) return { result: 'bad_signature' };
  const fields = {
    cred_ref: hex(cred.credRef),
    suite,
    profile: cred.profile,
    region: cred.region,
    nbf: cred.nbf,
    exp: cred.exp,
    attrs: cred.attrs,
    kid: cred.kid,
  };
  let failed = timeResult(now, cred.nbf, cred.exp, skew);
  if (failed) return { result: failed, ...fields };
  const signedLen = body.length - 64;
  const device = await deviceSigner(suite, cred.devicePub);
  if (!(await suiteVerify(suite, device, concat(ascii(DEVICE_V2_TAG), body.subarray(0, signedLen)), body.subarray(signedLen)))) {
    return { result: 'bad_signature', ...fields };
  }
  const tag = hex(body.subarray(credLen, credLen + 4));
  const t = readU32be(body, credLen + 4);
  Object.assign(fields, { scenario: tag, t, code_id: hex((await sha256(body)).subarray(0, 16)) });
  const wanted = typeof scenarioTag === 'string' && TAG_HEX.test(scenarioTag) ? scenarioTag : await scenarioTagHex(scenario);
  if (tag !== wanted || profileNumber(profile, scenario) !== cred.profile) return { result: 'wrong_scenario', ...fields };
  failed = timeResult(now, t, t + CODE_LIFETIME, skew);
  if (failed) return { result: failed, ...fields };
  const held = revocations?.credentials || {};
  if (Object.prototype.hasOwnProperty.call(held, fields.cred_ref)) {
    const status = held[fields.cred_ref];
    // An unknown status fails closed: the credential is listed, so it is not good.
    return { result: status === 'cancelled' ? 'card_cancelled' : status === 'revoked' ? 'device_revoked' : 'card_suspended', ...fields };
  }
  return { result: 'valid', ...fields };
}

/**
 * Either offline format, by its prefix: YKD2 through verifyOfflineV2; YKD1 (and anything else,
 * which is malformed) through the format 1 verifier, refused as format_retired from the trust
 * list's yk_retired_formats.YKD1 on. `material`: {keys (v1 import), trust (v2 import), retired,
 * revocations, scenario, scenarioTag, profile, now, skew}.
 */
export async function verifyOfflineCode(text, material) {
  const { keys, trust, retired = {}, revocations = null, now, skew = DEFAULT_SKEW } = material;
  if (offlineFormatOf(text) === 2) return { format: 2, ...(await verifyOfflineV2(text, { ...material, trust, revocations, now, skew })) };
  const check = await verifyOffline(text, {
    keys,
    now,
    skew,
    retireAt: retired.YKD1 ?? null,
    revokedCards: revocations?.cards || {},
    revokedDevices: new Set(revocations?.devices || []),
  });
  return { format: 1, ...check };
}
