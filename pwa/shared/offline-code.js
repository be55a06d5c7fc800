// The wallet's offline code: a device key that never leaves the browser signs credential || t.

import { encode } from './base45.js';
import { ascii, concat, u32be } from './bytes.js';
import { CREDENTIAL_LEN, OFFLINE_PREFIX, DEVICE_TAG } from './qrformat.js';

// Non-extractable private key: script can sign with it, but nobody can copy it off the phone.
export async function generateDeviceKey() {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicRaw: pub };
}

export function ed25519Supported() {
  return Boolean(globalThis.crypto && crypto.subtle && typeof crypto.subtle.generateKey === 'function');
}

// 'YKD1:' + base45(credential || t || Ed25519(device, 'YKD1' || credential || t)).
export async function makeOfflineCode(credential, privateKey, t) {
  if (!(credential instanceof Uint8Array) || credential.length !== CREDENTIAL_LEN) throw new Error('credential must be 121 bytes');
  const signed = concat(credential, u32be(t));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, concat(ascii(DEVICE_TAG), signed)));
  return OFFLINE_PREFIX + encode(concat(signed, sig));
}
