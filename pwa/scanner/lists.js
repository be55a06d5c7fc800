// Trust list (JWKS) and revocation list kept for offline checks; delta sync with ?since=.
// Each list is aged from when the server issued it (the revocation list's generated_at, the trust
// list's HTTP Date), not from when this scanner fetched it: past the warning age the server sends
// with the revocation list an offline verdict warns, past its limit nothing is verified offline.

import { ApiError } from '/shared/api.js';
import { applyRevocationUpdate, importTrust, retiredFormats, revocationFromJson, trustFromJwks } from '/shared/verify-offline.js';
import { importTrustV2, trustFromJwksV2 } from '/shared/verify-offline-v2.js';
import { kv } from './store.js';

// Until the server has said otherwise (docs/verification.md, YIKATONG_OFFLINE_LISTS_*_HOURS).
export const DEFAULT_WARN_S = 24 * 3600;
export const DEFAULT_MAX_S = 72 * 3600;

function issuedAt(text, fallback) {
  const at = Date.parse(text || '');
  return Number.isFinite(at) ? at : fallback;
}

export async function syncTrust(api) {
  const res = await api('GET', '/.well-known/jwks.json', undefined, { raw: true });
  if (!res.ok) throw new ApiError(res.status, `http.${res.status}`, res.statusText);
  const doc = await res.json().catch(() => null);
  // Not a JWK Set: refused whole, the held trust list stays (docs/qr-format.md section 9).
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.keys)) throw new Error('bad trust list');
  const now = Date.now();
  await kv.set('jwks', { doc, fetchedAt: now, issuedAt: issuedAt(res.headers.get('Date'), now) });
  cachedKeys = null;
}

function limitsOf(answer, held) {
  const ok = (v) => Number.isInteger(v) && v > 0;
  if (answer && ok(answer.warn_age_seconds) && ok(answer.max_age_seconds)) {
    return { warnS: answer.warn_age_seconds, maxS: answer.max_age_seconds };
  }
  return held?.limits || { warnS: DEFAULT_WARN_S, maxS: DEFAULT_MAX_S };
}

// Rules in docs/qr-format.md section 10. A list or delta that cannot be applied changes
// nothing: the held list stays (an old entry is still revoked) and the full list is fetched.
export async function syncRevocations(api) {
  const current = await kv.get('revocation');
  let list = null;
  let answer = null;
  if (current) {
    answer = await api('GET', `/api/v1/revocations?since=${encodeURIComponent(current.version)}`);
    try {
      list = applyRevocationUpdate(current, answer);
    } catch (err) {
      console.warn('revocation update not applied; fetching the full list', err);
    }
  }
  if (!list) {
    answer = await api('GET', '/api/v1/revocations');
    list = revocationFromJson(answer);
  }
  const now = Date.now();
  await kv.set('revocation', { ...list, fetchedAt: now, issuedAt: issuedAt(answer.generated_at, now), limits: limitsOf(answer, current) });
}

let cachedKeys = null;

// What verifyOfflineCode needs, from the stored lists (keys of both formats imported once per
// trust-list version); null until both lists are held (without the revocation list a lost card
// would pass). `retired`: the trust list's yk_retired_formats ({YKD1: unix seconds}).
export async function offlineMaterial() {
  const jwks = await kv.get('jwks');
  const revocation = await kv.get('revocation');
  if (!jwks || !revocation) return null;
  if (!cachedKeys || cachedKeys.fetchedAt !== jwks.fetchedAt) {
    cachedKeys = {
      fetchedAt: jwks.fetchedAt,
      keys: await importTrust(trustFromJwks(jwks.doc)),
      trust: await importTrustV2(trustFromJwksV2(jwks.doc)),
      retired: retiredFormats(jwks.doc),
    };
  }
  return {
    keys: cachedKeys.keys,
    trust: cachedKeys.trust,
    retired: cachedKeys.retired,
    revocations: { cards: revocation.cards, devices: revocation.devices, credentials: revocation.credentials || {} },
    trustAge: jwks.issuedAt ?? jwks.fetchedAt,
    revocationAge: revocation.issuedAt ?? revocation.fetchedAt,
  };
}

// When each list was issued (ms), and how old the lists may get (seconds).
export async function listAges() {
  const jwks = await kv.get('jwks');
  const revocation = await kv.get('revocation');
  const limits = revocation?.limits || { warnS: DEFAULT_WARN_S, maxS: DEFAULT_MAX_S };
  return {
    trust: jwks ? (jwks.issuedAt ?? jwks.fetchedAt) : null,
    revocation: revocation ? (revocation.issuedAt ?? revocation.fetchedAt) : null,
    version: revocation ? revocation.version : null,
    ...limits,
  };
}

// How stale the offline lists are: the older of the two decides. level: 'none' (a list is
// missing), 'fresh', 'warn' (past the warning age) or 'limit' (past the limit: no offline checks).
export function staleness(ages, nowMs = Date.now()) {
  if (!ages.trust || !ages.revocation) return { level: 'none', ageS: null };
  const ageS = Math.max(0, (nowMs - Math.min(ages.trust, ages.revocation)) / 1000);
  const level = ageS > ages.maxS ? 'limit' : ageS > ages.warnS ? 'warn' : 'fresh';
  return { level, ageS };
}
