// Trust list (JWKS) and revocation list kept for offline checks; delta sync with ?since=.

import { importTrust, trustFromJwks } from '/shared/verify-offline.js';
import { kv } from './store.js';

const HEX16 = /^[0-9a-f]{16}$/;

// A full list that does not have the documented shape is refused whole: keep the old one.
function checkedFull(doc) {
  if (!doc || !Number.isInteger(doc.version) || typeof doc.cards !== 'object' || !doc.cards || !Array.isArray(doc.devices)) {
    throw new Error('bad revocation list');
  }
  for (const [card, status] of Object.entries(doc.cards)) {
    if (!HEX16.test(card) || !['suspended', 'cancelled'].includes(status)) throw new Error('bad revocation entry');
  }
  if (!doc.devices.every((d) => HEX16.test(d))) throw new Error('bad device entry');
  return { version: doc.version, cards: { ...doc.cards }, devices: [...doc.devices] };
}

export function applyDelta(current, delta) {
  const cards = { ...current.cards };
  const devices = new Set(current.devices);
  const changes = [...(delta.changes || [])].sort((a, b) => a.version - b.version);
  for (const change of changes) {
    const id = change.ref ?? change.id;
    if (!HEX16.test(id || '')) throw new Error('bad change');
    if (change.kind === 'card') {
      if (change.status === 'suspended' || change.status === 'cancelled') cards[id] = change.status;
      else delete cards[id];
    } else if (change.kind === 'device') {
      if (change.status === 'revoked') devices.add(id);
      else devices.delete(id);
    }
  }
  return { version: delta.version, cards, devices: [...devices] };
}

export async function syncTrust(api) {
  const doc = await api('GET', '/.well-known/jwks.json');
  await kv.set('jwks', { doc, fetchedAt: Date.now() });
  cachedKeys = null;
}

export async function syncRevocations(api) {
  const current = await kv.get('revocation');
  let list;
  if (current) {
    const answer = await api('GET', `/api/v1/revocations?since=${encodeURIComponent(current.version)}`);
    if (answer.full) list = checkedFull(answer);
    else if (answer.since === current.version) list = applyDelta(current, answer);
    else list = checkedFull(await api('GET', '/api/v1/revocations'));
  } else {
    list = checkedFull(await api('GET', '/api/v1/revocations'));
  }
  await kv.set('revocation', { ...list, fetchedAt: Date.now() });
}

let cachedKeys = null;

// What verifyOffline needs, from the stored lists (keys imported once per trust-list version).
export async function offlineMaterial() {
  const jwks = await kv.get('jwks');
  const revocation = await kv.get('revocation');
  if (!jwks) return null;
  if (!cachedKeys || cachedKeys.fetchedAt !== jwks.fetchedAt) {
    cachedKeys = { fetchedAt: jwks.fetchedAt, keys: await importTrust(trustFromJwks(jwks.doc)) };
  }
  return {
    keys: cachedKeys.keys,
    revokedCards: revocation ? revocation.cards : {},
    revokedDevices: new Set(revocation ? revocation.devices : []),
    trustAge: jwks.fetchedAt,
    revocationAge: revocation ? revocation.fetchedAt : null,
  };
}

export async function listAges() {
  const jwks = await kv.get('jwks');
  const revocation = await kv.get('revocation');
  return { trust: jwks ? jwks.fetchedAt : null, revocation: revocation ? revocation.fetchedAt : null, version: revocation ? revocation.version : null };
}
