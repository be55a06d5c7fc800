// Staff console shell (issue 15, docs/console.md): sign-in with a second factor, the session (in
// sessionStorage: counter PCs are shared), the top bar, the menu of the sections the staff member's
// role may use, and the hash router `#/<section>/<sub>?query` that draws a section's screen.

import { ApiError, OfflineError, createApi } from '/shared/api.js';
import { topBar } from '/shared/chrome.js';
import { addDictionaries, has, initI18n, t } from '/shared/i18n.js';
import { applyElder } from '/shared/prefs.js';
import { clear, focusHeading, h } from '/shared/ui.js';
import { SECTIONS } from './sections/index.js';
import { enrolScreen, signinScreen } from './signin.js';

const KEY = 'yk.console.session';
const ENROLMENT = 'auth.second_factor_enrolment_required';

addDictionaries('/console/i18n/shell', ...SECTIONS.map((section) => section.dictionary));

// The session: { token, staff (StaffView), enrol (true until TOTP is confirmed) }. Never in
// localStorage: it ends with the tab, so the next clerk at a shared PC starts signed out.
let session = load();
let flash = null; // a message for the sign-in screen (signed out, session ended)

function load() {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function save() {
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch { /* storage off: the session lasts while the page is open */ }
}

const rawApi = createApi({ token: () => session?.token, onUnauthorized: () => shell.ended('console.shell.expired') });

// Every call of the console: a staff member still to enrol a second factor is taken to enrolment
// whatever screen asked.
async function api(method, path, body, options) {
  try {
    return await rawApi(method, path, body, options);
  } catch (err) {
    if (err instanceof ApiError && err.code === ENROLMENT && session && !session.enrol) {
      session.enrol = true;
      save();
      render();
    }
    throw err;
  }
}

// A message for an API error: the console's own text for the code, the shared one, or by status.
function errorText(err) {
  if (err instanceof OfflineError) return t('error.offline');
  if (err instanceof ApiError) {
    for (const key of [`console.error.${err.code}`, `error.${err.code}`]) if (has(key)) return t(key);
    if (err.status === 403) return t('console.error.forbidden');
    if (err.status === 404) return t('console.error.not_found');
    if (err.status === 422 || err.status === 400) return t('console.error.invalid');
    if (err.status === 429) return t('error.rate_limited');
    if (err.status === 409) return t('error.conflict');
  }
  return t('error.generic');
}

function go(route) {
  const hash = `#/${String(route || '').replace(/^#?\/?/, '')}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function allowed(section) {
  return Boolean(session?.staff) && section.roles.includes(session.staff.role);
}

export const shell = {
  api,
  errorText,
  go,
  t,
  get staff() { return session?.staff || null; },
  flash: () => { const message = flash; flash = null; return message; },

  // After a sign-in: the session, then the screen asked for (or enrolment first).
  signedIn(answer) {
    session = { token: answer.token, staff: answer.staff, enrol: Boolean(answer.second_factor_enrolment_required) };
    save();
    render();
  },

  enrolled() {
    if (!session) return;
    session.enrol = false;
    session.staff = { ...session.staff, totp_enabled: true };
    save();
    go('');
  },

  async signOut() {
    const token = session?.token;
    session = null;
    save();
    if (token) await createApi({ token })('POST', '/api/v1/auth/logout').catch(() => null);
    flash = 'console.shell.signed_out';
    go('');
  },

  // The server ended the session (idle time-out, revoked, deactivated): back to sign-in, saying so.
  ended(messageKey) {
    if (!session) return;
    session = null;
    save();
    flash = messageKey;
    render();
  },
};

function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  return { id: parts[0] || '', sub: parts.slice(1).join('/'), params: new URLSearchParams(query) };
}

function whoAmI(staff) {
  const place = staff.office_name ? `${staff.office_name}${staff.city_name ? ` (${staff.city_name})` : ''}` : (staff.city_name || staff.city);
  return h('p', { class: 'who', id: 'who' },
    h('span', { class: 'who-name' }, staff.name),
    h('span', { class: 'who-role' }, t(`console.role.${staff.role}`)),
    h('span', { class: 'who-place' }, place));
}

function drawBar() {
  const extra = session?.staff
    ? [whoAmI(session.staff), h('button', { type: 'button', id: 'signout', class: 'btn ghost', onclick: () => shell.signOut() }, t('console.shell.sign_out'))]
    : [];
  clear(document.getElementById('bar')).append(topBar('console.title', ...extra));
}

function drawMenu(currentId) {
  const menu = document.getElementById('menu');
  clear(menu);
  const sections = session && !session.enrol ? SECTIONS.filter(allowed) : [];
  menu.hidden = sections.length === 0;
  if (menu.hidden) return;
  menu.setAttribute('aria-label', t('console.shell.menu'));
  menu.append(h('ul', {},
    h('li', {}, h('a', { href: '#/', 'aria-current': currentId === '' ? 'page' : null, dataset: { section: '' } }, t('console.shell.home'))),
    sections.map((section) => h('li', {}, h('a', {
      href: `#/${section.id}`, 'aria-current': currentId === section.id ? 'page' : null, dataset: { section: section.id },
    }, t(section.titleKey))))));
}

function homeScreen() {
  const staff = session.staff;
  const sections = SECTIONS.filter(allowed);
  return h('section', { class: 'home' },
    h('h1', {}, t('console.shell.welcome', { name: staff.name })),
    h('p', { class: 'hint' }, t('console.shell.home_hint')),
    h('ul', { class: 'tiles' }, sections.map((section) => h('li', {}, h('a', { class: 'tile', href: `#/${section.id}` }, t(section.titleKey))))));
}

function notFoundScreen() {
  return h('section', {},
    h('h1', {}, t('console.shell.not_found')),
    h('p', {}, t('console.shell.not_found_hint')),
    h('p', {}, h('a', { class: 'btn secondary', href: '#/' }, t('console.shell.home'))));
}

function failedScreen(err) {
  return h('section', {},
    h('h1', {}, t('console.shell.failed')),
    h('p', { class: 'error', role: 'alert' }, errorText(err)),
    h('p', {}, h('button', { type: 'button', class: 'btn secondary', onclick: () => render() }, t('common.retry'))));
}

let renderSeq = 0;
let cleanup = null;

async function render() {
  // Screens load data before they draw; only the newest render may draw.
  const seq = ++renderSeq;
  if (cleanup) { cleanup(); cleanup = null; }
  const { id, sub, params } = route();
  let view;
  let title;
  let screenName;
  if (!session) {
    view = signinScreen(shell);
    title = 'console.shell.sign_in';
    screenName = 'signin';
  } else if (session.enrol) {
    view = enrolScreen(shell);
    title = 'console.shell.enrol';
    screenName = 'enrol';
  } else if (!id) {
    view = homeScreen();
    title = 'console.shell.home';
    screenName = 'home';
  } else {
    const section = SECTIONS.find((s) => s.id === id);
    const screen = section && allowed(section) && Object.hasOwn(section.screens, sub) ? section.screens[sub] : undefined;
    if (!screen) {
      view = notFoundScreen();
      title = 'console.shell.not_found';
      screenName = 'not-found';
    } else {
      const ctx = { api, staff: session.staff, go, errorText, t };
      try {
        view = await screen(ctx, params);
      } catch (err) {
        if (seq !== renderSeq) return;
        console.warn('console screen failed', err);
        view = failedScreen(err);
      }
      title = section.titleKey;
      screenName = sub ? `${id}/${sub}` : id;
    }
  }
  if (seq !== renderSeq) {
    if (view && view.cleanup) view.cleanup();
    return;
  }
  drawBar();
  drawMenu(session && !session.enrol ? id : null);
  document.title = title === 'console.title' ? t('console.title') : `${t(title)} · ${t('console.title')}`;
  const main = document.getElementById('main');
  clear(main).append(view.el || view);
  if (view.cleanup) cleanup = view.cleanup;
  main.dataset.screen = screenName;
  focusHeading(main);
}

shell.render = render;

async function start() {
  applyElder();
  await initI18n();
  document.addEventListener('yk:lang', render);
  document.addEventListener('yk:elder', render);
  window.addEventListener('hashchange', render);
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/console/sw.js', { scope: '/console/' }).catch(() => {});
  await render();
  window.ykConsole = shell; // lets tests inspect the state
}

start();
