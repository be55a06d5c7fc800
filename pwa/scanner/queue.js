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

// Offline the scanner itself must refuse a second presentation of the same code id.
export async function alreadySeen(codeId, nowMs) {
  if (!codeId) return false;
  const until = await seen.get(codeId);
  return typeof until === 'number' && until > nowMs;
}

export async function remember(codeId, untilMs) {
  if (!codeId) return;
  await seen.set(codeId, untilMs);
  // Forget ids whose code expired anyway, so the store stays small.
  const now = Date.now();
  for (const key of await seen.keys()) {
    const until = await seen.get(key);
    if (typeof until !== 'number' || until < now) await seen.delete(key);
  }
}
