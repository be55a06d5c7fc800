// Offline credentials of format 2 on the phone: one-time key pairs, the batch request the bound
// device key signs (POST /api/v1/me/credentials/batch), and the held credentials' bookkeeping.

import { ascii, fromBase64, toBase64url } from './bytes.js';
import { PUBLIC_LEN, parseCredentialV2 } from './offline-code-v2.js';
// SM2 with SM3: the wrapper loads its library (sm-crypto-v2) only when first used, i.e. only on a
// phone whose issuer signs in the SM suite. Its private keys are bytes (no WebCrypto SM2).
import { generate as sm2Generate, sign as sm2Sign } from './sm2.js';

export const BATCH_DOMAIN = 'yikatong/credential-batch/v2';
export const MAX_KEYS = 32; // the route takes 1..32 keys a request
export const FIRST_BATCH = 15; // 3 profiles x 5 slots of 3 h cover 12 h: the server's plan today
export const MIN_FUTURE_SLOTS = 2; // ask again when fewer slots than this lie ahead for a profile
export const PROFILE_NAMES = ['validity', 'concession', 'transit'];

async function ed25519Pair() {
  // Non-extractable: script on this page can sign with it, nobody can copy it off the phone.
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  return { suite: 'ed25519', key: pair.privateKey, pub: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) };
}

async function sm2Pair() {
  const pair = await sm2Generate();
  const pub = pair.publicKey;
  if (!(pub instanceof Uint8Array) || pub.length !== PUBLIC_LEN.sm2) throw new Error('SM2 public key must be 33 bytes compressed');
  return { suite: 'sm2', key: pair.privateKey, pub };
}

// n fresh one-time key pairs of the suite: [{suite, key (private), pub (raw bytes)}].
export async function generateKeys(suite, n) {
  const make = suite === 'sm2' ? sm2Pair : suite === 'ed25519' ? ed25519Pair : null;
  if (!make) throw new Error(`unknown suite ${suite}`);
  const out = [];
  for (let i = 0; i < n; i++) out.push(await make());
  return out;
}

// Signs with a held credential's one-time key (the code maker's signer).
export function signerOf(record) {
  if (record.suite === 'sm2') {
    return { suite: 'sm2', sign: async (message) => new Uint8Array(await sm2Sign(record.key, message)) };
  }
  return { suite: 'ed25519', sign: async (message) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, record.key, message)) };
}

// What the bound device key signs: the route, the device, the time, the suite and every key, one per line.
export function batchMessage(deviceId, t, suite, keys) {
  return ascii([BATCH_DOMAIN, deviceId, String(t), suite, ...keys].join('\n'));
}

// The request body for these one-time keys, signed by the device's long-term Ed25519 key.
export async function batchRequest(device, suite, pairs, t) {
  const keys = pairs.map((p) => toBase64url(p.pub));
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, device.privateKey, batchMessage(device.id, t, suite, keys));
  return { device_id: device.id, suite, t, keys, signature: toBase64url(new Uint8Array(sig)) };
}

// The answer's credentials as held records, each with the private key it was issued for.
// A credential whose key or profile is not what we sent is dropped, never used.
export function recordsOf(answer, pairs) {
  const out = [];
  for (const item of answer.credentials || []) {
    const pair = pairs[item.key_index];
    if (!pair) continue;
    let cred;
    const raw = fromBase64(item.credential);
    try { cred = parseCredentialV2(raw); } catch { continue; }
    if (cred.suite !== pair.suite || toBase64url(cred.devicePub) !== toBase64url(pair.pub) || cred.profile !== item.profile) continue;
    out.push({ credential: raw, credRef: item.cred_ref, profile: cred.profile, nbf: cred.nbf, exp: cred.exp, kid: cred.kid, suite: cred.suite, key: pair.key });
  }
  return out;
}

// Held plus fresh records: expired ones go (and their keys with them), one per profile and slot
// (the fresher wins: it was issued by the key in effect now).
export function merge(held, fresh, now) {
  const bySlot = new Map();
  for (const r of [...held, ...fresh]) {
    if (r.exp <= now) continue;
    bySlot.set(`${r.profile}/${r.nbf}`, r);
  }
  return [...bySlot.values()].sort((a, b) => a.nbf - b.nbf || PROFILE_NAMES.indexOf(a.profile) - PROFILE_NAMES.indexOf(b.profile));
}

export function live(records, now) {
  return records.filter((r) => r.exp > now);
}

// The credential of this profile whose slot covers now.
export function pick(records, profile, now) {
  return records.find((r) => r.profile === profile && r.nbf <= now && now < r.exp) || null;
}

// True when some profile has no credential for now, or fewer than MIN_FUTURE_SLOTS after it.
export function needsRefill(records, now) {
  return PROFILE_NAMES.some((profile) => {
    if (!pick(records, profile, now)) return true;
    return records.filter((r) => r.profile === profile && r.nbf > now).length < MIN_FUTURE_SLOTS;
  });
}
