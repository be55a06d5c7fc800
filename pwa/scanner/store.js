// The scanner's IndexedDB: settings and lists (kv), queued offline results, and seen code ids.

import { Store, openDb } from '/shared/idb.js';

const db = openDb('yk-scanner', {
  kv: {},
  queue: { autoIncrement: true },
  seen: {},
});

export const kv = new Store(db, 'kv');
export const queue = new Store(db, 'queue');
export const seen = new Store(db, 'seen');
