// Scanner service worker: precached shell (versioned), network-only API; see /shared/sw-core.js.
/* global importScripts */
importScripts('/shared/sw-core.js');

const CACHE = 'scanner-v8';

self.ykServiceWorker({
  cache: CACHE,
  prefix: 'scanner-',
  index: '/scanner/',
  shell: [
    '/scanner/',
    '/scanner/app.js',
    '/scanner/camera.js',
    '/shared/camera.js', // the decoder, shared with the wallet's 扫一扫
    '/scanner/lists.js',
    '/scanner/federation.js',
    '/scanner/queue.js',
    '/scanner/store.js',
    '/scanner/result.js',
    '/scanner/recent.js',
    '/scanner/i18n/verdict/zh-Hans.json',
    '/scanner/i18n/verdict/zh-Hant.json',
    '/scanner/i18n/verdict/en.json',
    '/scanner/scanner.css',
    '/scanner/manifest.webmanifest',
    '/scanner/icons/icon-192.png',
    '/scanner/icons/icon-512.png',
    '/scanner/icons/maskable-192.png',
    '/scanner/icons/maskable-512.png',
    '/shared/api.js',
    '/shared/base.css',
    '/shared/base45.js',
    '/shared/bytes.js',
    '/shared/chrome.js',
    '/shared/i18n.js',
    '/shared/idb.js',
    '/shared/prefs.js',
    '/shared/qrformat.js',
    '/shared/ui.js',
    '/shared/vendor.js',
    '/shared/verify-offline.js',
    '/shared/verify-offline-v2.js',
    '/shared/sm2.js',
    '/shared/sw-core.js',
    '/shared/i18n/zh-Hans.json',
    '/shared/i18n/zh-Hant.json',
    '/shared/i18n/en.json',
    '/vendor/jsqr@1.4.0/dist/jsQR.js', // the decoder where WebAssembly is off
    '/vendor/zxing-wasm@3.1.6/dist/es/reader/index.js', // the decoder (docs/decoders.md)
    '/vendor/zxing-wasm@3.1.6/dist/es/share.js',
    '/vendor/zxing-wasm@3.1.6/dist/reader/zxing_reader.wasm',
    '/vendor/sm-crypto-v2@1.15.1/dist/index.umd.js', // SM2 with SM3 (pwa/shared/sm2.js), for SM2-suite codes
  ],
});
