// Wallet service worker: precached shell (versioned), network-only API; see /shared/sw-core.js.
/* global importScripts */
importScripts('/shared/sw-core.js');

// Bump on every release: the new worker precaches under the new name and deletes the old cache.
const CACHE = 'wallet-v12';

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
    '/wallet/stepup.js',
    '/wallet/scenarios.js', // issue 18: the catalog's offline scenarios for the code screen
    '/wallet/wallet.css',
    '/wallet/manifest.webmanifest',
    '/wallet/screens/bank.js',
    '/wallet/screens/code.js',
    '/wallet/screens/home.js',
    '/wallet/screens/records.js',
    '/wallet/screens/security.js',
    '/wallet/screens/signin.js',
    '/wallet/screens/activate.js',
    '/wallet/screens/family.js',
    '/wallet/screens/inbox.js',
    '/wallet/screens/passkeys.js',
    '/wallet/screens/reset.js',
    '/wallet/screens/signup.js',
    '/wallet/screens/certificates.js',
    '/wallet/screens/consents.js',
    '/wallet/screens/tickets.js',
    '/wallet/screens/service-labels.js', // issue 15: the services screens' shared names
    '/wallet/screens/payments.js', // issue 16: the screen's code only; the payments themselves are never cached
    '/wallet/screens/hrfile.js', // issue 17: the screens' code only; records, statements and contracts are never cached
    '/wallet/screens/statements.js',
    '/wallet/screens/contracts.js',
    '/wallet/screens/authorize.js', // issue 19: sign in with the card (the requests themselves are never cached)
    '/wallet/screens/device.js',
    '/wallet/screens/scan.js',
    '/wallet/screens/signins.js',
    '/wallet/screens/cases.js', // issue 20: cases about my card (the cases themselves are never cached)
    '/shared/camera.js', // 扫一扫: the scanner's decoder (its wasm loads when the camera starts)
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
    '/shared/offline-code-v2.js', // issue 18: format 2 codes and their credential batches
    '/shared/credential-batch.js',
    '/shared/sm2.js', // SM2 one-time keys when the issuer signs in the SM suite
    '/shared/prefs.js',
    '/shared/qr-render.js',
    '/shared/qrformat.js',
    '/shared/sw-core.js',
    '/shared/ui.js',
    '/shared/vendor.js',
    '/shared/i18n/zh-Hans.json',
    '/shared/i18n/zh-Hant.json',
    '/shared/i18n/en.json',
    '/wallet/i18n/activate/zh-Hans.json',
    '/wallet/i18n/activate/zh-Hant.json',
    '/wallet/i18n/activate/en.json',
    '/wallet/i18n/family/zh-Hans.json',
    '/wallet/i18n/family/zh-Hant.json',
    '/wallet/i18n/family/en.json',
    '/wallet/i18n/inbox/zh-Hans.json',
    '/wallet/i18n/inbox/zh-Hant.json',
    '/wallet/i18n/inbox/en.json',
    '/wallet/i18n/passkeys/zh-Hans.json',
    '/wallet/i18n/passkeys/zh-Hant.json',
    '/wallet/i18n/passkeys/en.json',
    '/wallet/i18n/reset/zh-Hans.json',
    '/wallet/i18n/reset/zh-Hant.json',
    '/wallet/i18n/reset/en.json',
    '/wallet/i18n/signup/zh-Hans.json',
    '/wallet/i18n/signup/zh-Hant.json',
    '/wallet/i18n/signup/en.json',
    '/wallet/i18n/services/zh-Hans.json',
    '/wallet/i18n/services/zh-Hant.json',
    '/wallet/i18n/services/en.json',
    '/wallet/i18n/code/zh-Hans.json',
    '/wallet/i18n/code/zh-Hant.json',
    '/wallet/i18n/code/en.json',
    '/wallet/i18n/payments/zh-Hans.json',
    '/wallet/i18n/payments/zh-Hant.json',
    '/wallet/i18n/payments/en.json',
    '/wallet/i18n/hr/zh-Hans.json',
    '/wallet/i18n/hr/zh-Hant.json',
    '/wallet/i18n/hr/en.json',
    '/wallet/i18n/oidc/zh-Hans.json',
    '/wallet/i18n/oidc/zh-Hant.json',
    '/wallet/i18n/oidc/en.json',
    '/wallet/i18n/cases/zh-Hans.json',
    '/wallet/i18n/cases/zh-Hant.json',
    '/wallet/i18n/cases/en.json',
    '/vendor/qrcode-generator@2.0.4/qrcode.js',
    '/vendor/sm-crypto-v2@1.15.1/dist/index.umd.js', // SM2 with SM3 (pwa/shared/sm2.js): codes of the SM suite offline
    // passkeys (screens/passkeys.js, stepup.js): @simplewebauthn/browser's ES modules
    '/vendor/@simplewebauthn/browser@14.0.0/esm/index.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/methods/startRegistration.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/methods/startAuthentication.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/methods/sendSignal.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/base64URLStringToBuffer.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/browserSupportsPasskeys.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/browserSupportsWebAuthn.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/browserSupportsWebAuthnAutofill.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/bufferToBase64URLString.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/getBrowserCapabilities.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/identifyAuthenticationError.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/identifyRegistrationError.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/identifySignalError.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/isValidDomain.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/platformAuthenticatorIsAvailable.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/toAuthenticatorAttachment.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/toPublicKeyCredentialDescriptor.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/webAuthnAbortService.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/helpers/webAuthnError.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/types/dom.js',
    '/vendor/@simplewebauthn/browser@14.0.0/esm/types/index.js',
  ],
});

// Web Push (docs/inbox.md): a push says what happened in a short line, never to whom; the
// wallet's inbox (signed in) has the details. A tap opens it.
self.addEventListener('push', (event) => {
  let notice = {};
  try { notice = event.data ? event.data.json() : {}; } catch { notice = {}; }
  const title = notice.title || '电子社保卡 · e-card';
  event.waitUntil(self.registration.showNotification(title, {
    body: notice.body || '',
    tag: notice.id || 'yikatong-inbox', // one notification per notice, even if pushed twice
    data: { url: notice.url || null },
    icon: '/wallet/icons/icon-192.png',
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '#/inbox', self.registration.scope); // the inbox by default
  if (url.origin !== self.location.origin) return; // only ever our own wallet
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const wallet = open.find((c) => new URL(c.url).pathname.startsWith('/wallet/'));
    if (wallet) { await wallet.focus(); return wallet.navigate(url.href); }
    return self.clients.openWindow(url.href);
  })());
});
