// The wallet's offline code of format 2 (YKD2, docs/qr-format.md): a one-time key, bound to one
// small credential of one disclosure profile, signs credential || scenario tag || t.

import { encode } from './base45.js';
import { ascii, concat, hex, readU32be, sha256, u32be } from './bytes.js';

export const OFFLINE_V2_PREFIX = 'YKD2:';
export const DEVICE_V2_TAG = 'YKD2';
export const CREDENTIAL_V2_VERSION = 0x02;
// suite byte -> name the batch route uses; public key and credential lengths by suite
export const SUITES = { 1: 'ed25519', 2: 'sm2' };
export const SUITE_BYTE = { ed25519: 1, sm2: 2 };
export const PUBLIC_LEN = { ed25519: 32, sm2: 33 };
export const CREDENTIAL_V2_LEN = { ed25519: 123, sm2: 124 };
export const PROFILES = { 1: 'validity', 2: 'concession', 3: 'transit' };
const SCENARIO_DOMAIN = 'yikatong/scenario/';

// The first 4 bytes of SHA-256("yikatong/scenario/" || name): the scenario the device signs into the code.
export async function scenarioTag(name) {
  if (typeof name !== 'string' || !/^[\x21-\x7e]+$/.test(name)) throw new Error('scenario name must be printable ASCII');
  return (await sha256(ascii(SCENARIO_DOMAIN + name))).slice(0, 4);
}

// ver(1) suite(1) kid(4) cred_ref(8) profile(1) region(3) nbf(4) exp(4) attrs(1) device_pub(P) || issuer sig(64)
export function parseCredentialV2(raw) {
  if (!(raw instanceof Uint8Array) || raw.length < 27) throw new Error('credential too short');
  const suite = SUITES[raw[1]];
  if (raw[0] !== CREDENTIAL_V2_VERSION || !suite || raw.length !== CREDENTIAL_V2_LEN[suite]) throw new Error('not a format 2 credential');
  const p = PUBLIC_LEN[suite];
  return {
    suite,
    kid: hex(raw.subarray(2, 6)),
    credRef: hex(raw.subarray(6, 14)),
    profile: PROFILES[raw[14]] || null,
    region: (raw[15] << 16) | (raw[16] << 8) | raw[17],
    nbf: readU32be(raw, 18),
    exp: readU32be(raw, 22),
    attrs: raw[26],
    devicePub: raw.subarray(27, 27 + p),
  };
}

// A signer is { suite, sign(message) -> Promise<Uint8Array(64)> } (credential-batch.js makes them).
// 'YKD2:' + base45(credential || scenario(4) || t(4) || device_sig(64) over 'YKD2' || the rest).
export async function makeOfflineCodeV2(credential, signer, scenario, t) {
  const cred = parseCredentialV2(credential);
  if (cred.suite !== signer.suite) throw new Error('the key is not of the credential suite');
  if (!Number.isInteger(t) || t < 0 || t > 0xffffffff) throw new Error('t must be a uint32');
  const signed = concat(credential, await scenarioTag(scenario), u32be(t));
  const sig = await signer.sign(concat(ascii(DEVICE_V2_TAG), signed));
  if (!(sig instanceof Uint8Array) || sig.length !== 64) throw new Error('device signature must be 64 bytes');
  return OFFLINE_V2_PREFIX + encode(concat(signed, sig));
}
