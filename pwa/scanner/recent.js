// What this scanner decided a moment ago, in memory only, keyed by a hash of the code text (never
// the text, never any attribute): a code still held in front of the camera after its verdict
// cleared is shown as a repeat here, without asking the server again or adding to any record.
// Also the codes whose request went out and got no answer: the server's `repeat` for one of those
// is this scanner's own first check arriving late, not a repeat the clerk has seen.

const REMEMBER_MS = 5 * 60_000; // longer than a code lives (60 s plus skew); the server decides after
const MAX_ENTRIES = 500;

const decided = new Map(); // key -> { scenario, result, checkedAt, offline, region, until }
const unanswered = new Set(); // keys sent to the server without an answer

export async function codeKey(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The decision shown for this code and scenario, while remembered; null otherwise.
export function recall(key, scenario, nowMs = Date.now()) {
  const entry = decided.get(key);
  if (!entry) return null;
  if (entry.until < nowMs) {
    decided.delete(key);
    return null;
  }
  return entry.scenario === scenario ? entry : null;
}

// Remember the verdict the clerk was shown for this code (result, first check time and the issuing
// region of another region's card: no attribute).
export function keep(key, { scenario, result, checkedAt, offline, region = null }, nowMs = Date.now()) {
  unanswered.delete(key);
  if (decided.has(key)) return;
  decided.set(key, { scenario, result, checkedAt, offline: Boolean(offline), region, until: nowMs + REMEMBER_MS });
  for (const [k, entry] of decided) {
    if (decided.size <= MAX_ENTRIES && entry.until >= nowMs) continue;
    decided.delete(k); // the oldest first (a Map keeps insertion order)
  }
}

export function markUnanswered(key) {
  unanswered.add(key);
  if (unanswered.size > MAX_ENTRIES) unanswered.delete(unanswered.values().next().value);
}

// True once per key: the request for this code never got an answer (the answer now in hand is it).
export function takeUnanswered(key) {
  return unanswered.delete(key);
}

export function forgetAll() {
  decided.clear();
  unanswered.clear();
}
