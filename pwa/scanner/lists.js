// Trust list (JWKS) and revocation list kept for offline checks; delta sync with ?since=.

import { applyRevocationUpdate, importTrust, revocationFromJson, trustFromJwks } from '/shared/verify-offline.js';
import { kv } from './store.js';

export async function syncTrust(api) {
  const doc = await api('GET', '/.well-known/jwks.json');
  // Not a JWK Set: refused whole, the held trust list stays (docs/qr-format.md section 9).
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.keys)) throw new Error('bad trust list');
  await kv.set('jwks', { doc, fetchedAt: Date.now() });
  cachedKeys = null;
}

// Rules in docs/qr-format.md section 10. A list or delta that cannot be applied changes
// nothing: the held list stays (an old entry is still revoked) and the full list is fetched.
export async function syncRevocations(api) {
  const current = await kv.get('revocation');
  let list = null;
  if (current) {
    const answer = await api('GET', `/api/v1/revocations?since=${encodeURIComponent(current.version)}`);
    try {
      list = applyRevocationUpdate(current, answer);
    } catch (err) {
      console.warn('revocation update not applied; fetching the full list', err);
    }
  }
  if (!list) list = revocationFromJson(await api('GET', '/api/v1/revocations'));
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
