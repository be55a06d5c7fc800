// Offline results wait in IndexedDB until the scanner is online, then go up in batches.

import { ApiError } from '/shared/api.js';
import { queue, seen } from './store.js';

const BATCH = 200; // the API takes at most 500 per request

export async function enqueue(result) {
  await queue.add(result);
}

export async function pending() {
  return queue.count();
}

// Uploads everything queued; returns how many went up. Network errors leave the queue as is.
export async function uploadQueued(api) {
  let sent = 0;
  for (;;) {
    const keys = (await queue.keys()).slice(0, BATCH);
    if (!keys.length) return sent;
    const items = await Promise.all(keys.map((k) => queue.get(k)));
    try {
      await api('POST', '/api/v1/verify/offline-results', { results: items });
    } catch (err) {
      // A batch the server refuses as invalid would block the queue for ever; anything
      // else (offline, signed out, rate limit) is retried at the next sync.
      if (!(err instanceof ApiError) || ![400, 413, 422].includes(err.status)) throw err;
    }
    for (const k of keys) await queue.delete(k);
    sent += keys.length;
  }
}

// Offline the scanner itself must refuse a second presentation of the same code id. The entry
// says when and for which scenario this scanner accepted it: the same scenario again is this
// scanner's own repeat (shown as "already checked"), anything else a replay.
export async function alreadySeen(codeId, nowMs) {
  if (!codeId) return null;
  const entry = await seen.get(codeId);
  const until = typeof entry === 'number' ? entry : entry?.until;
  if (typeof until !== 'number' || until <= nowMs) return null;
  return typeof entry === 'number' ? { until, at: null, scenario: null } : entry;
}

export async function remember(codeId, untilMs, { at = Date.now(), scenario = null } = {}) {
  if (!codeId) return;
  await seen.set(codeId, { until: untilMs, at, scenario });
  // Forget ids whose code expired anyway, so the store stays small.
  const now = Date.now();
  for (const key of await seen.keys()) {
    const entry = await seen.get(key);
    const until = typeof entry === 'number' ? entry : entry?.until;
    if (typeof until !== 'number' || until < now) await seen.delete(key);
  }
}
