// Wallet app: start-up, the hash router, the session and the card as every screen sees it.

import { ApiError, OfflineError, createApi } from '/shared/api.js';
import { linkPhoneNumbers, topBar } from '/shared/chrome.js';
import { addDictionaries, has, initI18n, t } from '/shared/i18n.js';
import { applyElder } from '/shared/prefs.js';
import { clear, focusHeading } from '/shared/ui.js';
import { refreshCredential } from './device.js';
import { EP } from './endpoints.js';
import { loadScenarios } from './scenarios.js';
import { accessScreen, historyScreen } from './screens/records.js';
import { bankScreen } from './screens/bank.js';
import { codeScreen } from './screens/code.js';
import { homeScreen, moreScreen } from './screens/home.js';
import { securityScreen } from './screens/security.js';
import { signinScreen } from './screens/signin.js';
import { applyScreen, signupScreen } from './screens/signup.js';
import { activateScreen } from './screens/activate.js';
import { resetScreen } from './screens/reset.js';
import { passkeysScreen } from './screens/passkeys.js';
import { familyScreen } from './screens/family.js';
import { inboxScreen } from './screens/inbox.js';
import { certificatesScreen } from './screens/certificates.js';
import { consentsScreen } from './screens/consents.js';
import { ticketsScreen } from './screens/tickets.js';
import { paymentsScreen } from './screens/payments.js';
import { hrfileScreen } from './screens/hrfile.js';
import { statementsScreen } from './screens/statements.js';
import { contractsScreen } from './screens/contracts.js';
import { authorizeScreen } from './screens/authorize.js';
import { deviceScreen } from './screens/device.js';
import { scanScreen } from './screens/scan.js';
import { signinsScreen } from './screens/signins.js';
import { casesScreen } from './screens/cases.js';
import { forgetPerson, getToken, kv, setToken } from './store.js';
import { stepUpApi } from './stepup.js';

const SCREENS = {
  '': homeScreen,
  more: moreScreen,
  code: codeScreen,
  history: historyScreen,
  access: accessScreen,
  security: securityScreen,
  bank: bankScreen,
  signin: signinScreen,
  signup: signupScreen,
  apply: applyScreen,
  activate: activateScreen,
  reset: resetScreen,
  passkeys: passkeysScreen,
  family: familyScreen,
  inbox: inboxScreen,
  certificates: certificatesScreen,
  consents: consentsScreen,
  tickets: ticketsScreen,
  payments: paymentsScreen,
  hrfile: hrfileScreen,
  statements: statementsScreen,
  contracts: contractsScreen,
  // issue 19: a site's sign-in request (#/authorize/<id>), 扫一扫, scan to sign in, sites I signed in to
  authorize: authorizeScreen,
  scan: scanScreen,
  device: deviceScreen,
  signins: signinsScreen,
  cases: casesScreen, // issue 20: cases about my card
};
// Screens someone without a session may open; any other route sends them to sign in.
const PUBLIC_ROUTES = new Set(['signin', 'signup', 'reset']);
// A site's sign-in request survives the holder signing in first: the wallet comes back to it after.
const RESUME_ROUTES = new Set(['authorize', 'device']);
const RESUME_KEY = 'yk.wallet.resume';
// Each screen group keeps its strings in /wallet/i18n/<group>/ (see shared/i18n.js).
addDictionaries(...['signup', 'activate', 'reset', 'passkeys', 'family', 'inbox', 'services', 'code', 'payments', 'hr', 'oidc', 'cases'].map((g) => `/wallet/i18n/${g}`));

export const app = {
  api: createApi({ token: getToken, onUnauthorized: () => app.signedOut({ expired: true }) }),
  online: navigator.onLine,
  card: null, // the card as last seen
  cardAt: null, // when it was fetched (ms)
  stale: false, // true when the card comes from the local copy because we are offline
  me: null,
  cleanup: null,

  // The screen's name: the first part of the hash (#/authorize/<id>?x=1 -> 'authorize').
  route() {
    return location.hash.replace(/^#\/?/, '').split('?')[0].split('/')[0];
  },

  go(route) {
    const hash = `#/${route}`;
    if (location.hash === hash) render();
    else location.hash = hash;
  },

  // The card from the server, or (offline) the last copy with its time, flagged as stale.
  async loadCard() {
    try {
      const card = await app.api('GET', EP.card);
      app.setCard(card);
      app.online = true;
    } catch (err) {
      if (!(err instanceof OfflineError)) throw err;
      app.online = false;
      const held = await kv.get('card');
      app.card = held ? held.card : null;
      app.cardAt = held ? held.at : null;
      app.stale = true;
    }
    return app.card;
  },

  async setCard(card) {
    app.card = card;
    app.cardAt = Date.now();
    app.stale = false;
    await kv.set('card', { card, at: app.cardAt });
  },

  async signedIn(token) {
    setToken(token);
    await app.loadCard().catch(() => null);
    app.syncDevice();
    let resume = null;
    try { resume = sessionStorage.getItem(RESUME_KEY); sessionStorage.removeItem(RESUME_KEY); } catch { /* none kept */ }
    app.go(resume || '');
  },

  async signedOut({ expired = false } = {}) {
    await forgetPerson({ keepDevice: expired });
    app.card = null;
    app.me = null;
    app.go('signin');
  },

  // Register this phone's key and refill its offline credentials whenever we are online (format 2:
  // when fewer than two slots lie ahead for a profile); keep the catalog's offline scenarios too.
  async syncDevice(force = false) {
    if (!getToken() || !app.card || !app.card.ecard?.usable) return;
    loadScenarios(app.api, app.card.region?.code).catch(() => null);
    try {
      await refreshCredential(stepUpApi(app), { force }); // binding this phone may need a fresh factor
    } catch (err) {
      if (!(err instanceof OfflineError)) console.warn('credential refresh failed', err);
    }
  },

  // A message for an API error, from the translations (by error code, then by status).
  errorText(err) {
    if (err instanceof OfflineError) return t('error.offline');
    if (err instanceof ApiError) {
      if (has(`error.${err.code}`)) return t(`error.${err.code}`);
      if (err.status === 429) return t('error.rate_limited');
      if (err.status === 409) return t('error.conflict');
    }
    return t('error.generic');
  },
};

let renderSeq = 0;
// Screens whose content depends on the network (the offline banner, the actions and the reveal
// button shown only online): drawn again in place when the network comes or goes. The code
// screen follows the network itself; forms elsewhere keep what the user typed.
const NETWORK_SCREENS = new Set(['', 'more', 'payments', 'hrfile']); // payments, the HR file: shown online only, never kept

async function render(options) {
  const quiet = options?.quiet === true; // a redraw in place: focus stays where the user is
  // Screens load data before they draw; only the newest render may draw, so a slow screen
  // never replaces the one the user has moved on to.
  const seq = ++renderSeq;
  const focusedId = quiet ? document.activeElement?.id : null;
  if (app.cleanup) { app.cleanup(); app.cleanup = null; }
  let route = app.route();
  if (!getToken() && RESUME_ROUTES.has(route)) {
    try { sessionStorage.setItem(RESUME_KEY, location.hash.replace(/^#\/?/, '')); } catch { /* signs in, then home */ }
  }
  if (!getToken() && !PUBLIC_ROUTES.has(route)) route = 'signin';
  if (getToken() && PUBLIC_ROUTES.has(route)) route = '';
  const screen = SCREENS[route] || homeScreen;
  const view = await screen(app);
  if (seq !== renderSeq) {
    if (view.cleanup) view.cleanup();
    return;
  }
  document.title = `${t(`title.${route || 'home'}`)} · ${t('wallet.title')}`;
  clear(document.getElementById('bar')).append(topBar('wallet.title'));
  const main = document.getElementById('main');
  clear(main).append(view.el || view);
  if (view.cleanup) app.cleanup = view.cleanup;
  main.dataset.screen = route || 'home';
  if (!quiet) focusHeading(main);
  else if (focusedId) document.getElementById(focusedId)?.focus({ preventScroll: true });
}

function networkChanged(isOnline) {
  app.online = isOnline;
  if (isOnline) app.syncDevice(true);
  if (getToken() && NETWORK_SCREENS.has(app.route()) && !document.querySelector('dialog[open]')) render({ quiet: true });
}

app.render = render;

async function start() {
  applyElder();
  await initI18n();
  document.addEventListener('yk:lang', render);
  document.addEventListener('yk:elder', render);
  window.addEventListener('hashchange', render);
  window.addEventListener('online', () => networkChanged(true));
  window.addEventListener('offline', () => networkChanged(false));
  linkPhoneNumbers(document.body); // 12333 anywhere in the wallet is a tel: link
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/wallet/sw.js', { scope: '/wallet/' }).catch(() => {});
  if (getToken()) {
    await app.loadCard().catch(() => null);
    app.syncDevice();
  }
  await render();
  window.ykWallet = app; // lets tests and support staff inspect the state
}

start();
