// SM2 with SM3 (GB/T 32918, default user id) in the browser and in Node: a thin wrapper around
// sm-crypto-v2 (built on @noble/curves; why this library: docs/national-crypto.md). Keys and
// signatures are bytes as docs/qr-format.md has them: public = compressed point (33), signature = r||s (64).

import { hex } from './bytes.js';

export const SM2_SRC = '/vendor/sm-crypto-v2@1.15.1/dist/index.umd.js';
export const PUBLIC_SIZE = 33;
export const PRIVATE_SIZE = 32;
export const SIGNATURE_SIZE = 64;
export const DEFAULT_USER_ID = '1234567812345678';
// The group order n of the SM2 curve (GB/T 32918.5).
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

let loading = null;

// The library's sm2 namespace, loaded once. Served pages take the allow-listed copy under /vendor/
// (precached by the scanner's service worker); Node (the vector runner, the bench) reads the
// checkout's node_modules. The UMD build defines globalThis.SmCryptoV2 when it is not CommonJS.
export function loadSm2() {
  if (!loading) {
    const src = import.meta.url.startsWith('file:')
      ? new URL('../../node_modules/sm-crypto-v2/dist/index.umd.js', import.meta.url).href
      : SM2_SRC;
    loading = import(src).then((mod) => {
      const lib = globalThis.SmCryptoV2 || mod.default || mod;
      if (!lib || !lib.sm2 || typeof lib.sm2.doVerifySignature !== 'function') throw new Error('SM2 library did not load');
      return lib.sm2;
    });
    loading.catch(() => { loading = null; }); // a failed load (offline, first visit) is tried again next time
  }
  return loading;
}

function bigOf(bytes) {
  return bytes.length ? BigInt(`0x${hex(bytes)}`) : 0n;
}

function isBytes(value, length) {
  return value instanceof Uint8Array && value.length === length;
}

/**
 * A public key ready to verify with (the library's point), or null when the 33 bytes are not a
 * compressed point on the curve. `precompute`: spend a few milliseconds once so that every
 * verification under this key is faster (issuer keys, imported once per trust list).
 */
export async function importSm2Public(pub, { precompute = false } = {}) {
  if (!isBytes(pub, PUBLIC_SIZE) || (pub[0] !== 0x02 && pub[0] !== 0x03)) return null;
  const sm2 = await loadSm2();
  try {
    // precomputePublicKey parses (decompresses, checks the curve equation) and caches a table.
    const point = precompute ? sm2.precomputePublicKey(hex(pub), 8) : sm2.precomputePublicKey(hex(pub), 1);
    point.assertValidity();
    if (point.equals(point.constructor.ZERO)) return null;
    return point;
  } catch {
    return null; // x not below p, no square root (not on the curve), or the point at infinity
  }
}

export async function isValidSm2Public(pub) {
  return (await importSm2Public(pub)) !== null;
}

// x || y (64 bytes) of a compressed key, or null when it is not a point on the curve.
export async function decompressSm2(pub) {
  const point = await importSm2Public(pub);
  if (!point) return null;
  const raw = point.toRawBytes(false);
  return raw.subarray(1);
}

// The 33-byte compressed form of x || y (64 bytes) or 04 || x || y (65 bytes); null when not on the curve.
export async function compressSm2(pub) {
  const raw = isBytes(pub, 64) ? Uint8Array.of(4, ...pub) : pub;
  if (!isBytes(raw, 65) || raw[0] !== 4) return null;
  const sm2 = await loadSm2();
  try {
    const point = sm2.precomputePublicKey(hex(raw), 1);
    point.assertValidity();
    return point.toRawBytes(true);
  } catch {
    return null;
  }
}

/**
 * Verify an SM2 signature r||s over `message` (SM3 with Z_A of the default user id) under `key`:
 * a point from importSm2Public, or the 33 key bytes. Never throws: r or s outside [1, n-1], a key
 * that is not a point, or any library error is false (the library itself throws on some of them).
 */
export async function sm2Verify(key, message, signature) {
  if (!isBytes(signature, SIGNATURE_SIZE) || !(message instanceof Uint8Array)) return false;
  const r = bigOf(signature.subarray(0, 32));
  const s = bigOf(signature.subarray(32));
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const point = key instanceof Uint8Array ? await importSm2Public(key) : key;
  if (!point) return false;
  const sm2 = await loadSm2();
  try {
    return sm2.doVerifySignature(message, hex(signature), point, { hash: true, userId: DEFAULT_USER_ID }) === true;
  } catch {
    return false;
  }
}

function fromHexFixed(text, length) {
  const out = new Uint8Array(length);
  const padded = text.padStart(length * 2, '0');
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// A new key pair: private 32 bytes from crypto.getRandomValues (the library's source), public compressed.
export async function generateSm2() {
  const sm2 = await loadSm2();
  for (;;) {
    const pair = sm2.generateKeyPairHex();
    const d = BigInt(`0x${pair.privateKey}`);
    if (d < 1n || d >= N - 1n) continue; // n-1 has no (1+d)^-1: it could never sign
    const point = sm2.precomputePublicKey(pair.publicKey, 1);
    return { privateKey: fromHexFixed(pair.privateKey, PRIVATE_SIZE), publicKey: point.toRawBytes(true) };
  }
}

export async function sm2PublicFromPrivate(privateKey) {
  if (!isBytes(privateKey, PRIVATE_SIZE)) throw new Error('SM2 private key must be 32 bytes');
  const sm2 = await loadSm2();
  const point = sm2.precomputePublicKey(sm2.getPublicKeyFromPrivateKey(hex(privateKey)), 1);
  return point.toRawBytes(true);
}

// r||s (64 bytes) over `message` with SM3 and the default user id; the nonce from crypto.getRandomValues.
export async function sm2Sign(privateKey, message) {
  if (!isBytes(privateKey, PRIVATE_SIZE)) throw new Error('SM2 private key must be 32 bytes');
  const sm2 = await loadSm2();
  const publicKey = sm2.getPublicKeyFromPrivateKey(hex(privateKey));
  const sig = sm2.doSignature(message, hex(privateKey), { hash: true, publicKey, userId: DEFAULT_USER_ID });
  return fromHexFixed(sig, SIGNATURE_SIZE);
}

// The names backend/lib/sm2.py uses, for code written against that interface (the wallet's batch).
export const generate = generateSm2;
export const sign = sm2Sign;
export const verify = sm2Verify;
export const isValidPublic = isValidSm2Public;
export const publicFromPrivate = sm2PublicFromPrivate;
export const compress = compressSm2;
export const decompress = decompressSm2;
