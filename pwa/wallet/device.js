// This phone as a bound device: its Ed25519 key (made here, never exported) and the
// issuer-signed credential that lets it make offline codes.

import { ApiError } from '/shared/api.js';
import { decode as base45Decode } from '/shared/base45.js';
import { fromBase64, hex, sha256, toBase64url } from '/shared/bytes.js';
import { t } from '/shared/i18n.js';
import { generateDeviceKey, makeOfflineCode } from '/shared/offline-code.js';
import { OFFLINE_PREFIX, ONLINE_PREFIX } from '/shared/qrformat.js';
import { EP } from './endpoints.js';
import { kv } from './store.js';

const REFRESH_AFTER_MS = 10 * 60 * 1000; // ask for a fresh credential at most every 10 minutes

function label() {
  const platform = navigator.userAgentData?.platform || navigator.platform || '';
  return `${t('device.default_label')}${platform ? ` (${platform})` : ''}`.slice(0, 64);
}

// The registered device of this browser, registering a new key with the server if needed.
export async function ensureDevice(api) {
  const existing = await kv.get('device');
  if (existing) return existing;
  const key = await generateDeviceKey();
  const created = await api('POST', EP.devices, { label: label(), public_key: toBase64url(key.publicRaw) });
  // CryptoKey objects survive structured cloning into IndexedDB, still non-extractable.
  const device = { id: created.id, privateKey: key.privateKey, publicRaw: key.publicRaw, keyId: created.key_id };
  await kv.set('device', device);
  return device;
}

export async function currentDevice() {
  return kv.get('device');
}

// Fetch a new credential (whenever online); a device the server no longer knows is replaced.
export async function refreshCredential(api, { force = false } = {}) {
  const held = await kv.get('credential');
  if (!force && held && Date.now() - held.fetchedAt < REFRESH_AFTER_MS && held.exp * 1000 > Date.now() + 3600_000) return held;
  for (let attempt = 0; attempt < 2; attempt++) {
    const device = await ensureDevice(api);
    try {
      const answer = await api('POST', EP.credentials, { device_id: device.id });
      const credential = { ...answer, raw: fromBase64(answer.credential), fetchedAt: Date.now() };
      await kv.set('credential', credential);
      return credential;
    } catch (err) {
      const gone = err instanceof ApiError && ['device.not_found', 'device.unbound', 'device.no_public_key', 'device.bad_public_key'].includes(err.code);
      if (!gone || attempt) throw err;
      await kv.delete('device'); // unbound elsewhere (e.g. from another phone): make a new key
    }
  }
  return null;
}

export async function dropCredential() {
  await kv.delete('credential');
}

// An offline code for now, or null when there is no usable credential on this phone.
export async function offlineCode(nowMs = Date.now()) {
  const credential = await kv.get('credential');
  const device = await kv.get('device');
  const now = Math.floor(nowMs / 1000);
  if (!credential || !device || now < credential.nbf || now >= credential.exp) return null;
  return { code: await makeOfflineCode(credential.raw, device.privateKey, now), t: now, expiresAt: now + 60, credentialExp: credential.exp };
}

// Unbind this phone when its holder signs out, so the key cannot be used by the next person.
export async function releaseDevice(api) {
  const device = await kv.get('device');
  if (device) {
    try { await api('DELETE', EP.device(device.id)); } catch { /* offline: the holder can unbind it from another device */ }
  }
  await kv.delete('device');
  await kv.delete('credential');
}

// The id a venue claims a code by (backend codes/format.py code_id_of): E of an online code,
// SHA-256 of an offline code's body (first 16 bytes). The wallet asks the server about it.
export async function codeIdOf(text) {
  try {
    if (text.startsWith(ONLINE_PREFIX)) return hex(base45Decode(text.slice(ONLINE_PREFIX.length)).slice(1, 17));
    if (text.startsWith(OFFLINE_PREFIX)) return hex((await sha256(base45Decode(text.slice(OFFLINE_PREFIX.length)))).slice(0, 16));
  } catch { /* not a code of ours */ }
  return null;
}
