// This phone as a bound device: its Ed25519 key (made here, never exported), and the
// issuer-signed credentials that let it make offline codes: format 2 (YKD2, issue 18), one small
// credential per disclosure profile and time slot, each bound to a one-time key made for it; and
// format 1 (YKC1/YKD1) only while the server has no batch route.

import { ApiError } from '/shared/api.js';
import { decode as base45Decode } from '/shared/base45.js';
import { fromBase64, hex, sha256, toBase64url } from '/shared/bytes.js';
import { t } from '/shared/i18n.js';
import {
  FIRST_BATCH, MAX_KEYS, batchRequest, generateKeys, live, merge, needsRefill, pick, recordsOf, signerOf,
} from '/shared/credential-batch.js';
import { generateDeviceKey, makeOfflineCode } from '/shared/offline-code.js';
import { OFFLINE_V2_PREFIX, makeOfflineCodeV2 } from '/shared/offline-code-v2.js';
import { OFFLINE_PREFIX, ONLINE_PREFIX } from '/shared/qrformat.js';
import { EP } from './endpoints.js';
import { kv } from './store.js';

const REFRESH_AFTER_MS = 10 * 60 * 1000; // ask for a fresh credential at most every 10 minutes
const BATCH_AGAIN_MS = 5 * 60 * 1000; // a refill asked for is tried again no sooner than this (a forced one: always)
const ROUTE_GONE_MS = 10 * 60 * 1000; // the server had no batch route: ask again after this
// Answers that mean the server no longer knows this phone's key: make a new one.
const DEVICE_GONE = ['device.not_found', 'device.unbound', 'device.no_public_key', 'device.bad_public_key'];

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

const nowS = () => Math.floor(Date.now() / 1000);
const routeMissing = (err) => err instanceof ApiError && (err.code === 'route.not_found' || err.status === 405);

// Keep the offline credentials fresh (whenever online): format 2 when the server has the batch
// route, format 1 otherwise. One refresh at a time: two at once would each ask for a batch.
let refreshing = null;
export function refreshCredential(api, { force = false } = {}) {
  if (!refreshing) refreshing = refresh(api, force).finally(() => { refreshing = null; });
  return refreshing;
}

async function refresh(api, force) {
  const state = (await kv.get('batch')) || {};
  if (state.routeMissingAt && Date.now() - state.routeMissingAt < ROUTE_GONE_MS) return refreshV1(api, force);
  const now = nowS();
  const held = live((await kv.get('credentials2')) || [], now);
  const due = needsRefill(held, now);
  if (!due) return held;
  // A refill that did not help (the issuer key's end caps the slots, say) waits a while, unless
  // forced by a code screen that has no credential for now.
  if (state.at && Date.now() - state.at < BATCH_AGAIN_MS && !(force && held.length === 0)) return held;
  try {
    return await refreshBatch(api, state, held);
  } catch (err) {
    if (!routeMissing(err)) throw err;
    await kv.set('batch', { ...state, routeMissingAt: Date.now() });
    return refreshV1(api, force);
  }
}

// Asks POST /api/v1/me/credentials/batch for the credentials of every profile and slot of the
// coming hours, with one fresh key pair per credential (docs/qr-format.md, format 2).
async function refreshBatch(api, state, held) {
  let suite = state.suite || 'ed25519';
  let count = Math.min(MAX_KEYS, Math.max(1, state.needed || FIRST_BATCH));
  let suiteRetried = false;
  let deviceReplaced = false;
  let clockOffset = 0; // the server's clock less ours, once it said ours is off
  let clockFixed = false;
  let fresh = [];
  let needed = state.needed;
  for (let round = 0; round < 4; round++) {
    const device = await ensureDevice(api);
    const pairs = await generateKeys(suite, count);
    let answer;
    try {
      answer = await api('POST', EP.credentialBatch, await batchRequest(device, suite, pairs, nowS() + clockOffset));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === 'credential.suite_changed' && !suiteRetried && err.details?.suite && err.details.suite !== suite) {
        suite = err.details.suite; // the issuer moved to another suite: keys of that suite, once
        suiteRetried = true;
        continue;
      }
      if (err.code === 'credential.stale_request' && !clockFixed && Number.isInteger(err.details?.now)) {
        clockOffset = err.details.now - nowS(); // this phone's clock is off: sign with the server's time, once
        clockFixed = true;
        continue;
      }
      if (DEVICE_GONE.includes(err.code) && !deviceReplaced) {
        await kv.delete('device'); // unbound elsewhere (e.g. from another phone): a new key
        held = []; // the old device's credentials are revoked with it
        deviceReplaced = true;
        continue;
      }
      throw err;
    }
    suite = answer.suite || suite;
    needed = answer.needed;
    fresh = merge(fresh, recordsOf(answer, pairs), nowS());
    // The plan is longer than the keys we sent: ask again with enough keys for all of it.
    if (answer.needed > count && count < MAX_KEYS) {
      count = Math.min(MAX_KEYS, answer.needed);
      continue;
    }
    break;
  }
  const records = merge(held, fresh, nowS());
  await kv.set('credentials2', records);
  await kv.set('batch', { suite, needed, at: Date.now() });
  await kv.delete('credential'); // the server issues format 2: no more format 1 codes from this phone
  return records;
}

// Format 1 (YKC1): only while the server has no batch route.
async function refreshV1(api, force) {
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
      const gone = err instanceof ApiError && DEVICE_GONE.includes(err.code);
      if (!gone || attempt) throw err;
      await kv.delete('device'); // unbound elsewhere (e.g. from another phone): make a new key
    }
  }
  return null;
}

export async function dropCredential() {
  await kv.delete('credential');
  await kv.delete('credentials2');
}

// The format 2 credentials held for now or later (for the screens and the tests).
export async function heldCredentials(nowMs = Date.now()) {
  return live((await kv.get('credentials2')) || [], Math.floor(nowMs / 1000));
}

// An offline code for `scenario` (whose disclosure profile is `profile`) made now, or null when
// this phone holds no credential for it. Format 2 when the phone holds any format 2 credential;
// format 1 only when it holds none (the server has no batch route yet).
export async function offlineCode({ scenario, profile } = {}, nowMs = Date.now()) {
  const now = Math.floor(nowMs / 1000);
  const records = live((await kv.get('credentials2')) || [], now);
  if (records.length || !(await kv.get('credential'))) {
    const record = scenario && profile ? pick(records, profile, now) : null;
    if (!record) return null;
    const code = await makeOfflineCodeV2(record.credential, signerOf(record), scenario, now);
    return { code, t: now, expiresAt: now + 60, credentialExp: record.exp, format: 2, credRef: record.credRef, profile, scenario };
  }
  const credential = await kv.get('credential');
  const device = await kv.get('device');
  if (!credential || !device || now < credential.nbf || now >= credential.exp) return null;
  return { code: await makeOfflineCode(credential.raw, device.privateKey, now), t: now, expiresAt: now + 60, credentialExp: credential.exp, format: 1 };
}

// Unbind this phone when its holder signs out, so the key cannot be used by the next person.
export async function releaseDevice(api) {
  const device = await kv.get('device');
  if (device) {
    try { await api('DELETE', EP.device(device.id)); } catch { /* offline: the holder can unbind it from another device */ }
  }
  await kv.delete('device');
  await kv.delete('credential');
  await kv.delete('credentials2');
  await kv.delete('batch');
}

// The id a venue claims a code by (backend codes/format.py code_id_of): E of an online code,
// SHA-256 of an offline code's body (first 16 bytes). The wallet asks the server about it.
export async function codeIdOf(text) {
  try {
    if (text.startsWith(ONLINE_PREFIX)) return hex(base45Decode(text.slice(ONLINE_PREFIX.length)).slice(1, 17));
    if (text.startsWith(OFFLINE_V2_PREFIX)) return hex((await sha256(base45Decode(text.slice(OFFLINE_V2_PREFIX.length)))).slice(0, 16));
    if (text.startsWith(OFFLINE_PREFIX)) return hex((await sha256(base45Decode(text.slice(OFFLINE_PREFIX.length)))).slice(0, 16));
  } catch { /* not a code of ours */ }
  return null;
}
