// The wallet's local state: the session token (localStorage), and in IndexedDB the last card
// seen, the device key (non-extractable CryptoKey), the offline credentials (format 2: each with
// its one-time key; format 1 while the server has no batch route) and the catalog's offline scenarios.

import { Store, openDb } from '/shared/idb.js';

const db = openDb('yk-wallet', { kv: {} });
export const kv = new Store(db, 'kv');

const TOKEN = 'yk.wallet.token';

export function getToken() {
  try { return localStorage.getItem(TOKEN); } catch { return null; }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN, token);
    else localStorage.removeItem(TOKEN);
  } catch { /* storage unavailable: the session lasts this page */ }
}

// Everything that belongs to the signed-in person goes when they sign out. When the session
// merely expired the device key stays (it is still bound on the server, and a slot there is
// scarce); a different person signing in next gets device.not_found and a fresh key.
export async function forgetPerson({ keepDevice = false } = {}) {
  setToken(null);
  const mine = ['card', 'me', 'credential', 'credentials2', 'batch', 'scenarios', 'scenarioChoice'];
  const keys = keepDevice ? mine : [...mine, 'device'];
  for (const key of keys) await kv.delete(key);
}
