// Show code: a full-screen QR that is replaced before it expires, with a visible countdown.
// Online the server mints it; offline the phone signs one with its device key.

import { ApiError, OfflineError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { qrSvg } from '/shared/qr-render.js';
import { announce, clear, h } from '/shared/ui.js';
import { offlineCode } from '../device.js';
import { EP } from '../endpoints.js';
import { reasonBox, unusableReason } from './home.js';

export const LEAD_S = 5; // a new code appears this long before the shown one expires

export async function codeScreen(app) {
  let refreshTimer = null;
  let tickTimer = null;
  let closed = false;
  let serial = 0;
  let wakeLock = null;

  const heading = h('h1', { id: 'code-title' }, t('code.title'));
  const mode = h('p', { class: 'mode', id: 'code-mode' });
  const box = h('div', { class: 'qrbox', id: 'qr' });
  const count = h('p', { class: 'countdown', id: 'countdown', role: 'timer', 'aria-live': 'off' });
  const bar = h('progress', { id: 'code-progress', max: 60, value: 60, 'aria-label': t('code.time_left_label') });
  const message = h('div', { id: 'code-message' });
  const close = h('a', { class: 'btn secondary', href: '#/', id: 'close-code' }, t('code.close'));
  const root = h('section', { class: 'codeview', 'aria-labelledby': 'code-title' }, heading, mode, box, count, bar, message, close);

  const stopTimers = () => { clearTimeout(refreshTimer); clearInterval(tickTimer); };

  function noCode(content) {
    stopTimers();
    clear(box);
    count.textContent = '';
    bar.hidden = true;
    mode.textContent = '';
    root.dataset.mode = 'none';
    clear(message).append(content);
  }

  async function show(text, kind, lifetimeMs) {
    const svg = await qrSvg(text, t(kind === 'online' ? 'code.qr_label_online' : 'code.qr_label_offline'));
    if (closed) return;
    serial += 1;
    clear(message);
    clear(box).append(svg);
    bar.hidden = false;
    root.dataset.mode = kind;
    root.dataset.serial = String(serial);
    mode.className = kind === 'offline' ? 'mode offline' : 'mode';
    mode.textContent = t(kind === 'online' ? 'code.mode_online' : 'code.mode_offline');
    // Times are measured on this phone from the moment the code arrived, so a phone whose
    // clock differs from the server's still refreshes on time.
    const expires = Date.now() + lifetimeMs;
    bar.max = Math.round(lifetimeMs / 1000);
    const tick = () => {
      const left = Math.max(0, Math.ceil((expires - Date.now()) / 1000));
      count.textContent = t('code.expires_in', { s: left });
      bar.value = left;
    };
    tick();
    stopTimers();
    tickTimer = setInterval(tick, 1000);
    refreshTimer = setTimeout(next, Math.max(1000, lifetimeMs - LEAD_S * 1000));
    if (serial > 1) announce(t('code.renewed'));
  }

  async function showOffline() {
    const reason = unusableReason(app.card);
    if (reason) return noCode(reasonBox(reason));
    const made = await offlineCode();
    if (!made) return noCode(h('p', { class: 'notice', id: 'no-credential' }, t('code.no_credential')));
    await show(made.code, 'offline', (made.expiresAt - made.t) * 1000);
  }

  async function next() {
    if (closed) return;
    stopTimers();
    if (navigator.onLine === false) {
      app.online = false;
      if (!app.card) await app.loadCard();
      return showOffline();
    }
    try {
      const answer = await app.api('POST', EP.onlineCode);
      app.online = true;
      await show(answer.code, 'online', (answer.expires_at - answer.issued_at) * 1000);
      app.syncDevice(); // keep the offline credential fresh while the network is there
    } catch (err) {
      if (err instanceof OfflineError) {
        app.online = false;
        return showOffline();
      }
      // A refused mint usually means the card changed state: show why, not an error code.
      await app.loadCard().catch(() => null);
      const reason = unusableReason(app.card);
      if (reason) return noCode(reasonBox(reason));
      noCode(h('div', {},
        h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? app.errorText(err) : t('error.generic')),
        h('button', { type: 'button', class: 'btn primary', onclick: next }, t('common.retry'))));
      refreshTimer = setTimeout(next, 15_000);
    }
  }

  // The code covers the whole screen: keep keyboard and reader focus out of what is beneath.
  const topBarEl = document.getElementById('bar');
  if (topBarEl) topBarEl.inert = true;
  const onOffline = () => next();
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOffline);
  try { wakeLock = await navigator.wakeLock?.request('screen'); } catch { /* not granted: the code still works */ }

  await next();
  return {
    el: root,
    cleanup() {
      closed = true;
      stopTimers();
      if (topBarEl) topBarEl.inert = false;
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOffline);
      wakeLock?.release?.().catch(() => {});
    },
  };
}
