// Service-worker logic both apps share (imported by /wallet/sw.js and /scanner/sw.js).
/* global self, caches */

// Precache the shell under a versioned name, serve it cache-first, and never touch the API:
// API answers always come from the network, so stale data can never pose as fresh.
self.ykServiceWorker = function ykServiceWorker({ cache, prefix, shell, index }) {
  self.addEventListener('install', (event) => {
    event.waitUntil((async () => {
      const store = await caches.open(cache);
      // cache: 'reload' bypasses the HTTP cache so a new version never precaches old files.
      await store.addAll(shell.map((url) => new Request(url, { cache: 'reload' })));
      await self.skipWaiting();
    })());
  });

  self.addEventListener('activate', (event) => {
    event.waitUntil((async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(prefix) && name !== cache) await caches.delete(name);
      }
      await self.clients.claim();
    })());
  });

  self.addEventListener('fetch', (event) => {
    const url = new URL(event.request.url);
    if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/.well-known/')) return; // network only
    if (event.request.mode === 'navigate') {
      event.respondWith(caches.match(index, { cacheName: cache }).then((hit) => hit || fetch(event.request)));
      return;
    }
    event.respondWith(caches.match(event.request, { cacheName: cache, ignoreSearch: true }).then((hit) => hit || fetch(event.request)));
  });

  self.addEventListener('message', (event) => {
    if (event.data === 'version') event.source.postMessage({ version: cache });
  });
};
