// A tiny promise wrapper over IndexedDB: key-value stores plus an append-only queue.

const DB_VERSION = 1;

// One database per app; every store is created up front so versions never need to change.
export function openDb(name, stores) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, DB_VERSION);
    req.onupgradeneeded = () => {
      for (const [store, options] of Object.entries(stores)) {
        if (!req.result.objectStoreNames.contains(store)) req.result.createObjectStore(store, options);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class Store {
  constructor(dbPromise, name) {
    this.dbPromise = dbPromise;
    this.name = name;
  }

  async _tx(mode, fn) {
    const db = await this.dbPromise;
    const tx = db.transaction(this.name, mode);
    const result = fn(tx.objectStore(this.name));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result instanceof IDBRequest ? result.result : result;
  }

  get(key) { return this._tx('readonly', (s) => s.get(key)); }
  set(key, value) { return this._tx('readwrite', (s) => s.put(value, key)); }
  add(value) { return this._tx('readwrite', (s) => s.add(value)); }
  delete(key) { return this._tx('readwrite', (s) => s.delete(key)); }
  clear() { return this._tx('readwrite', (s) => s.clear()); }
  all() { return this._tx('readonly', (s) => s.getAll()); }
  keys() { return this._tx('readonly', (s) => s.getAllKeys()); }
  count() { return this._tx('readonly', (s) => s.count()); }
}

