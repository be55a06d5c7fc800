// Wallet service worker: precached shell (versioned), network-only API; see /shared/sw-core.js.
/* global importScripts */
importScripts('/shared/sw-core.js');

// Bump on every release: the new worker precaches under the new name and deletes the old cache.
const CACHE = 'wallet-v1';

self.ykServiceWorker({
  cache: CACHE,
  prefix: 'wallet-',
  index: '/wallet/',
  shell: [
    '/wallet/',
    '/wallet/app.js',
    '/wallet/device.js',
    '/wallet/endpoints.js',
    '/wallet/store.js',
    '/wallet/wallet.css',
    '/wallet/manifest.webmanifest',
    '/wallet/screens/bank.js',
    '/wallet/screens/code.js',
    '/wallet/screens/home.js',
    '/wallet/screens/records.js',
    '/wallet/screens/security.js',
    '/wallet/screens/signin.js',
    '/wallet/icons/icon-192.png',
    '/wallet/icons/icon-512.png',
    '/wallet/icons/maskable-192.png',
    '/wallet/icons/maskable-512.png',
    '/shared/api.js',
    '/shared/base.css',
    '/shared/base45.js',
    '/shared/bytes.js',
    '/shared/chrome.js',
    '/shared/i18n.js',
    '/shared/idb.js',
    '/shared/offline-code.js',
    '/shared/prefs.js',
    '/shared/qr-render.js',
    '/shared/qrformat.js',
    '/shared/sw-core.js',
    '/shared/ui.js',
    '/shared/vendor.js',
    '/shared/i18n/zh-Hans.json',
    '/shared/i18n/zh-Hant.json',
    '/shared/i18n/en.json',
    '/vendor/qrcode-generator/qrcode.js',
  ],
});
