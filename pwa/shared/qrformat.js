// Byte layout of the offline (YKD1) code and its credential, per docs/qr-format.md.

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

export function kindOf(text) {
  if (typeof text !== 'string') return null;
  if (text.startsWith(ONLINE_PREFIX)) return 'online';
  if (text.startsWith(OFFLINE_PREFIX)) return 'offline';
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
