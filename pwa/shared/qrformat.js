// Byte layout of the offline codes (YKD1, YKD2) and their credentials, per docs/qr-format.md.

import { readU32be } from './bytes.js';

export const ONLINE_PREFIX = 'YKO1:';
export const OFFLINE_PREFIX = 'YKD1:';
export const MAX_TEXT_LEN = 1000;
export const CODE_LIFETIME = 60;
export const DEFAULT_SKEW = 5;
export const CREDENTIAL_VERSION = 1;
export const CREDENTIAL_SIGNED_LEN = 57;
export const CREDENTIAL_LEN = 121;
export const OFFLINE_BODY_LEN = 189; // credential || t(4) || device signature(64)
export const ONLINE_BODY_LEN = 29; // kid(1) || E(16) || T(12)
export const CREDENTIAL_TAG = 'YKC1';
export const DEVICE_TAG = 'YKD1';

// Flags of a credential (concessions); bits 4..7 are reserved and ignored.
export const FLAGS = { elderly: 0x01, disability: 0x02, veteran: 0x04, transport: 0x08 };

// Format 2 (YKD2): per-credential random reference, one disclosure profile, scenario-bound.
export const OFFLINE_V2_PREFIX = 'YKD2:';
export const CREDENTIAL_V2_VERSION = 2;
export const CREDENTIAL_V2_TAG = 'YKC2';
export const DEVICE_V2_TAG = 'YKD2';
export const SCENARIO_DOMAIN = 'yikatong/scenario/';
// suite byte -> what signs (issuer and device alike), its trust-list alg and its public key length
export const SUITES = {
  1: { name: 'ed25519', alg: 'EdDSA', publicLen: 32 },
  2: { name: 'sm2', alg: 'SM2SM3', publicLen: 33 },
};
export const PROFILES = { 1: 'validity', 2: 'concession', 3: 'transit' };
export const PROFILE_NUMBER = { validity: 1, concession: 2, transit: 3 };
// The attrs bits each profile may carry; any other bit is malformed.
export const PROFILE_MASK = { 1: 0x00, 2: 0x07, 3: 0x0f };
// The catalog's built-in scenarios and their profiles (backend/codes/format_v2.BUILT_IN_PROFILES),
// for a caller that names only the scenario; the venue's listing says it for published ones.
export const BUILT_IN_PROFILES = {
  hospital_registration: 1,
  transit_ride: 3,
  library_entry: 1,
  scenic_entry: 2,
  counter_service: 1,
  certificate_check: 1,
};
export const CREDENTIAL_V2_SIGNED = 27; // bytes before device_pub
export const credentialV2Len = (suite) => CREDENTIAL_V2_SIGNED + SUITES[suite].publicLen + 64; // 123 | 124
export const offlineV2BodyLen = (suite) => credentialV2Len(suite) + 4 + 4 + 64; // 195 | 196

// 'online', 'offline' (either format: the scanner treats both alike until it verifies), or null.
export function kindOf(text) {
  if (typeof text !== 'string') return null;
  if (text.startsWith(ONLINE_PREFIX)) return 'online';
  if (text.startsWith(OFFLINE_PREFIX) || text.startsWith(OFFLINE_V2_PREFIX)) return 'offline';
  return null;
}

// 1 (YKD1), 2 (YKD2) or null: which offline format a text claims by its prefix.
export function offlineFormatOf(text) {
  if (typeof text !== 'string') return null;
  if (text.startsWith(OFFLINE_PREFIX)) return 1;
  if (text.startsWith(OFFLINE_V2_PREFIX)) return 2;
  return null;
}

// ver(1) kid(4) card_ref(8) region(3) nbf(4) exp(4) flags(1) device_pub(32) || issuer sig(64)
export function parseCredential(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== CREDENTIAL_LEN) throw new Error('credential must be 121 bytes');
  return {
    ver: raw[0],
    kid: Array.from(raw.subarray(1, 5), (b) => b.toString(16).padStart(2, '0')).join(''),
    cardRef: raw.subarray(5, 13),
    region: (raw[13] << 16) | (raw[14] << 8) | raw[15],
    nbf: readU32be(raw, 16),
    exp: readU32be(raw, 20),
    flags: raw[24],
    devicePub: raw.subarray(25, 57),
    signature: raw.subarray(57, 121),
  };
}

export function flagNames(flags) {
  return Object.entries(FLAGS).filter(([, bit]) => flags & bit).map(([name]) => name);
}

// ver(1) suite(1) kid(4) cred_ref(8) profile(1) region(3) nbf(4) exp(4) attrs(1) device_pub(P) || issuer sig(64).
// The caller has checked ver, suite and the length.
export function parseCredentialV2(raw) {
  const suite = raw[1];
  const p = SUITES[suite].publicLen;
  return {
    ver: raw[0],
    suite,
    kid: Array.from(raw.subarray(2, 6), (b) => b.toString(16).padStart(2, '0')).join(''),
    credRef: raw.subarray(6, 14),
    profile: raw[14],
    region: (raw[15] << 16) | (raw[16] << 8) | raw[17],
    nbf: readU32be(raw, 18),
    exp: readU32be(raw, 22),
    attrs: raw[26],
    devicePub: raw.subarray(27, 27 + p),
    signature: raw.subarray(27 + p, 27 + p + 64),
  };
}
