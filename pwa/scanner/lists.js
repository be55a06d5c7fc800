// Trust list (JWKS) and revocation list kept for offline checks; delta sync with ?since=.
// Each list is aged from when the server issued it (the revocation list's generated_at, the trust
// list's HTTP Date), not from when this scanner fetched it: past the warning age the server sends
// with the revocation list an offline verdict warns, past its limit nothing is verified offline.

import { ApiError } from '/shared/api.js';
import { applyRevocationUpdate, importTrust, retiredFormats, revocationFromJson, trustFromJwks } from '/shared/verify-offline.js';
import { YKD1_RETIRED_AT, importTrustV2, trustFromJwksV2 } from '/shared/verify-offline-v2.js';
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
// Deltas only add credential entries (format 2), which matter only until those credentials
// expire; a full list leaves the expired ones out, so the held list is replaced by one this often.
export const FULL_LIST_EVERY_MS = 12 * 3600 * 1000;

export async function syncRevocations(api) {
  const current = await kv.get('revocation');
  let list = null;
  let answer = null;
  const fresh = current && Date.now() - (current.fullAt ?? current.fetchedAt ?? 0) < FULL_LIST_EVERY_MS;
  if (current && fresh) {
    answer = await api('GET', `/api/v1/revocations?since=${encodeURIComponent(current.version)}`);
    try {
      list = applyRevocationUpdate(current, answer);
    } catch (err) {
      console.warn('revocation update not applied; fetching the full list', err);
    }
  }
  let fullAt = current?.fullAt ?? current?.fetchedAt ?? 0;
  if (!list) {
    answer = await api('GET', '/api/v1/revocations');
    list = revocationFromJson(answer);
    fullAt = Date.now();
  }
  const now = Date.now();
  const stored = { ...list, fetchedAt: now, fullAt, issuedAt: issuedAt(answer.generated_at, now), limits: limitsOf(answer, current) };
  await kv.set('revocation', stored);
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
      // A trust list that does not say still retires format 1 on its published date: fail closed.
      retired: { YKD1: YKD1_RETIRED_AT, ...retiredFormats(jwks.doc) },
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
