// Other regions' trust for offline YKD2 codes (issue 19): the server's merged trust document
// (GET /api/v1/federation/trust) kept in IndexedDB, and the keys and revocations to use for a
// code by its region field. docs/pwa.md "Cards of other regions".

import { ApiError } from '/shared/api.js';
import { decode } from '/shared/base45.js';
import { OFFLINE_V2_PREFIX, SUITES, offlineFormatOf } from '/shared/qrformat.js';
import { importTrustV2, trustFromJwksV2 } from '/shared/verify-offline-v2.js';
import { kv } from './store.js';

const CODE = /^[0-9]{6}$/;
const KEY = 'federation';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');

// One region entry as the scanner keeps it, or null when any part is not what the contract says
// (that region is then left out: its codes are region_not_trusted, never checked half-way).
function regionOf(entry) {
  if (!isObject(entry) || !CODE.test(entry.code) || !Array.isArray(entry.keys)) return null;
  if (!strings(entry.scenarios) || !strings(entry.disclose) || !Number.isInteger(entry.valid_until)) return null;
  const map = (v) => (isObject(v) ? v : {});
  return {
    code: entry.code,
    name: typeof entry.name === 'string' ? entry.name : entry.code,
    name_en: typeof entry.name_en === 'string' ? entry.name_en : entry.code,
    keys: entry.keys,
    scenarios: entry.scenarios,
    disclose: entry.disclose,
    credentials: map(entry.credentials),
    cards: map(entry.cards),
    devices: Array.isArray(entry.devices) ? entry.devices : Object.keys(map(entry.devices)),
    revocations_version: Number.isInteger(entry.revocations_version) ? entry.revocations_version : null,
    valid_until: entry.valid_until,
  };
}

/**
 * Fetch the merged trust and keep it. A document that is not one (or an error answer) changes
 * nothing: the last good copy stays, and its regions still end at their own valid_until.
 * A server without federation (404) leaves the scanner as before: every code is a home code.
 */
export async function syncFederation(api) {
  let doc;
  try {
    doc = await api('GET', '/api/v1/federation/trust');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) { await kv.delete(KEY); cached = null; return; }
    throw err;
  }
  if (!isObject(doc) || !CODE.test(doc.home) || !Array.isArray(doc.regions)) throw new Error('bad federation trust');
  const regions = doc.regions.map(regionOf).filter(Boolean);
  await kv.set(KEY, { home: doc.home, generatedAt: Number.isInteger(doc.generated_at) ? doc.generated_at : null, regions, fetchedAt: Date.now() });
  cached = null;
}

// The province of a YKD2 code (the credential's region field, a city or a province), or null
// when the text is not a well-formed enough YKD2 code to say (the verifier then says malformed).
export function provinceOf(text) {
  if (offlineFormatOf(text) !== 2) return null;
  let body;
  try {
    body = decode(text.slice(OFFLINE_V2_PREFIX.length));
  } catch {
    return null;
  }
  if (body.length < 18 || !SUITES[body[1]]) return null;
  const region = (body[15] << 16) | (body[16] << 8) | body[17];
  return String(Math.floor(region / 10000) * 10000).padStart(6, '0');
}

let cached = null; // imported keys per region, for the stored document they came from

/**
 * Which trust a code is checked with. {kind: 'home'} (the scanner's own lists, as before issue
 * 19: also when the server has no federation document), {kind: 'untrusted', code} (a region not
 * imported, or past its valid_until) or {kind: 'region', region, trust, revocations}.
 */
export async function trustFor(text, nowS) {
  const province = provinceOf(text);
  const held = await kv.get(KEY);
  if (!province || !held || province === held.home) return { kind: 'home' };
  const region = held.regions.find((r) => r.code === province);
  if (!region || region.valid_until <= nowS) return { kind: 'untrusted', code: province };
  if (!cached || cached.fetchedAt !== held.fetchedAt) cached = { fetchedAt: held.fetchedAt, trust: new Map() };
  if (!cached.trust.has(region.code)) cached.trust.set(region.code, await importTrustV2(trustFromJwksV2({ keys: region.keys })));
  return {
    kind: 'region',
    region,
    trust: cached.trust.get(region.code),
    revocations: { cards: region.cards, devices: region.devices, credentials: region.credentials },
  };
}

// The region's names as a verdict shows them ({code, name, name_en}).
export function regionLabel(region) {
  return { code: region.code, name: region.name, name_en: region.name_en };
}

// What the scanner holds, for the status line and support: [{code, name, name_en, valid_until}].
export async function heldRegions() {
  const held = await kv.get(KEY);
  return held ? held.regions.map(({ code, name, name_en, valid_until }) => ({ code, name, name_en, valid_until })) : [];
}
