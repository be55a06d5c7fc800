// Show code: a full-screen QR that is replaced before it expires, with a visible countdown.
// Online the server mints it; offline (or when the venue's scanner asks for one) the phone
// signs one with its device key. While a code is on screen the wallet asks every few seconds
// whether a venue accepted it, and then says where and shows a fresh code at once (issue 15).
// An offline code is made for one service (issue 18): the holder picks it from the catalog's
// offline scenarios, and the screen says what that service's scanner learns.

import { ApiError, OfflineError } from '/shared/api.js';
import { currentLang, formatTime, t } from '/shared/i18n.js';
import { qrSvg } from '/shared/qr-render.js';
import { announce, clear, h } from '/shared/ui.js';
import { codeIdOf, offlineCode } from '../device.js';
import { EP } from '../endpoints.js';
import { lastScenario, loadScenarios, rememberScenario, titleOf } from '../scenarios.js';
import { reasonBox, unusableReason } from './home.js';

export const LEAD_S = 5; // a new code appears this long before the shown one expires
export const POLL_MS = 2000; // how often the wallet asks whether the code on screen was used

export async function codeScreen(app) {
  let refreshTimer = null;
  let tickTimer = null;
  let pollTimer = null;
  let closed = false;
  let serial = 0;
  let wakeLock = null;
  let wantOffline = false; // the holder asked for an offline code (the venue's scanner is offline)
  let shown = null; // { id, kind, serial } of the code on screen

  const heading = h('h1', { id: 'code-title' }, t('code.title'));
  const mode = h('p', { class: 'mode', id: 'code-mode' });
  const used = h('p', { class: 'code-used', id: 'code-used', role: 'status', hidden: true });
  const box = h('div', { class: 'qrbox', id: 'qr' });
  const count = h('p', { class: 'countdown', id: 'countdown', role: 'timer', 'aria-live': 'off' });
  const bar = h('progress', { id: 'code-progress', max: 55, value: 55, 'aria-label': t('code.time_left_label') });
  const message = h('div', { id: 'code-message' });
  const refresh = h('button', { type: 'button', class: 'btn secondary', id: 'code-refresh', onclick: () => next() }, t('code.refresh'));
  const switchHint = h('p', { class: 'hint code-switch-hint', id: 'code-switch-hint' }, t('code.offline_hint'));
  const switcher = h('button', {
    type: 'button', class: 'btn secondary', id: 'code-switch', 'aria-describedby': 'code-switch-hint',
    onclick: () => { wantOffline = !wantOffline; next(); },
  }, t('code.show_offline'));
  const close = h('a', { class: 'btn secondary', href: '#/', id: 'close-code' }, t('code.close'));
  const tools = h('div', { class: 'row code-tools' }, refresh, switcher);
  const scenarios = await loadScenarios(app.api, app.card?.region?.code).catch(() => null);
  let chosen = pickDefault(scenarios, await lastScenario().catch(() => null));
  const chooser = scenarioChooser(scenarios, chosen, async (entry) => {
    chosen = entry;
    await rememberScenario(entry.name).catch(() => null);
    next();
  });
  const root = h('section', { class: 'codeview', 'aria-labelledby': 'code-title' },
    heading, used, mode, box, count, bar, chooser.el, message, tools, switchHint, close); // the code first, in view

  const stopTimers = () => { clearTimeout(refreshTimer); clearInterval(tickTimer); clearTimeout(pollTimer); };
  const online = () => navigator.onLine !== false && app.online !== false;

  // The switch offers what the holder does not see now; without the network there is no choice.
  function updateSwitch(kind) {
    const canChoose = online() && !(kind === 'none' && !wantOffline);
    switcher.hidden = !canChoose;
    switchHint.hidden = !canChoose || wantOffline;
    switcher.textContent = t(wantOffline ? 'code.back_online' : 'code.show_offline');
    switcher.dataset.want = wantOffline ? 'offline' : 'online';
  }

  function noCode(content, { offline = false } = {}) {
    stopTimers();
    shown = null;
    chooser.el.hidden = !offline || !scenarios;
    delete box.dataset.code;
    clear(box);
    count.textContent = '';
    bar.hidden = true;
    mode.textContent = '';
    root.dataset.mode = 'none';
    refresh.hidden = true;
    updateSwitch('none');
    clear(message).append(content);
  }

  async function show(text, kind, lifetimeMs, codeId, made = null) {
    const label = made?.format === 2 ? t('code.qr_label_for', { title: titleOf(chosen) }) : t(kind === 'online' ? 'code.qr_label_online' : 'code.qr_label_offline');
    const svg = await qrSvg(text, label);
    if (closed) return;
    serial += 1;
    clear(message);
    clear(box).append(svg);
    // The text the QR carries, for tests and assistive tools that read codes (it is on screen anyway).
    box.dataset.code = text;
    // The chooser matters only for format 2: a format 1 code is the same for every service.
    chooser.el.hidden = made?.format !== 2;
    root.dataset.format = made ? String(made.format) : '';
    root.dataset.scenario = made?.format === 2 ? made.scenario : '';
    bar.hidden = false;
    refresh.hidden = false;
    root.dataset.mode = kind;
    root.dataset.serial = String(serial);
    mode.className = kind === 'offline' ? 'mode offline' : 'mode';
    let modeKey = 'code.mode_online';
    if (kind === 'offline') modeKey = online() ? 'code.mode_offline_chosen' : 'code.mode_offline';
    mode.textContent = t(modeKey);
    updateSwitch(kind);
    // The countdown says when this code is replaced (LEAD_S before it expires), which is what
    // the holder sees happen. Times are measured on this phone from the moment the code
    // arrived, so a phone whose clock differs from the server's still refreshes on time.
    const showFor = Math.max(1000, lifetimeMs - LEAD_S * 1000);
    const changesAt = Date.now() + showFor;
    bar.max = Math.round(showFor / 1000);
    const tick = () => {
      const left = Math.max(0, Math.ceil((changesAt - Date.now()) / 1000));
      count.textContent = t('code.changes_in', { s: left });
      bar.value = left;
    };
    tick();
    stopTimers();
    tickTimer = setInterval(tick, 1000);
    refreshTimer = setTimeout(next, showFor);
    shown = { id: codeId || await codeIdOf(text), kind, serial };
    schedulePoll();
    if (serial > 1) announce(t('code.renewed'));
  }

  // Ask the server whether a venue accepted the code on screen; the database knows, so any
  // server answers alike. Only while online: an offline phone learns nothing anyway.
  function schedulePoll() {
    clearTimeout(pollTimer);
    if (!shown?.id || closed) return;
    pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    const asked = shown;
    if (!asked || closed) return;
    if (!online()) { schedulePoll(); return; }
    try {
      const answer = await app.api('GET', EP.codeUse(asked.id));
      if (closed || shown !== asked) return;
      if (answer.used) {
        const text = t('code.used', { venue: answer.venue_name || '', time: formatTime(answer.at, { date: false }) });
        used.textContent = `✓ ${text}`;
        used.hidden = false;
        used.dataset.codeId = asked.id;
        announce(`${text} ${t('code.fresh')}`);
        await next();
        return;
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return; // not ours to ask about: stop
    }
    if (shown === asked) schedulePoll();
  }

  async function showOffline() {
    const reason = unusableReason(app.card);
    if (reason) return noCode(reasonBox(reason));
    const want = chosen ? { scenario: chosen.name, profile: chosen.profile } : {};
    let made = await offlineCode(want);
    if (!made && online()) {
      await app.syncDevice(true); // online but no credential yet: fetch one, then sign
      made = await offlineCode(want);
    }
    if (closed) return;
    if (!made && !scenarios) return noCode(h('p', { class: 'notice', id: 'no-credential' }, t('code.no_scenarios')), { offline: true });
    if (!made) return noCode(h('p', { class: 'notice', id: 'no-credential' }, t(online() ? 'code.no_credential_online' : 'code.no_credential')), { offline: true });
    await show(made.code, 'offline', (made.expiresAt - made.t) * 1000, null, made);
  }

  async function next() {
    if (closed) return;
    stopTimers();
    if (navigator.onLine === false) {
      app.online = false;
      if (!app.card) await app.loadCard();
      return showOffline();
    }
    if (wantOffline) {
      if (!app.card) await app.loadCard().catch(() => null);
      return showOffline();
    }
    try {
      const answer = await app.api('POST', EP.onlineCode);
      app.online = true;
      await show(answer.code, 'online', (answer.expires_at - answer.issued_at) * 1000, answer.code_id);
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
  const onNetwork = () => { app.online = navigator.onLine; next(); };
  // Esc closes the code, as it would any overlay.
  const onKey = (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented && !document.querySelector('dialog[open]')) app.go('');
  };
  window.addEventListener('offline', onNetwork);
  window.addEventListener('online', onNetwork);
  document.addEventListener('keydown', onKey);
  try { wakeLock = await navigator.wakeLock?.request('screen'); } catch { /* not granted: the code still works */ }

  await next();
  return {
    el: root,
    cleanup() {
      closed = true;
      stopTimers();
      if (topBarEl) topBarEl.inert = false;
      window.removeEventListener('offline', onNetwork);
      window.removeEventListener('online', onNetwork);
      document.removeEventListener('keydown', onKey);
      wakeLock?.release?.().catch(() => {});
    },
  };
}

// The remembered scenario if the catalog still offers it offline, else the first offered.
function pickDefault(scenarios, remembered) {
  if (!scenarios?.offline.length) return null;
  return scenarios.offline.find((e) => e.name === remembered) || scenarios.offline[0];
}

// "This code is for": the catalog's offline scenarios as a labelled select, what the chosen one's
// scanner learns (its profile), and the services that take online codes only, in one line.
function scenarioChooser(scenarios, chosen, onChange) {
  const el = h('div', { class: 'code-scenario', id: 'code-scenario-box', hidden: true });
  if (!scenarios) return { el };
  const learns = h('p', { class: 'hint code-learns', id: 'code-learns', 'aria-live': 'polite' });
  const say = (entry) => {
    const gap = currentLang() === 'en' ? ' ' : ''; // Chinese sentences follow each other without a space
    learns.textContent = entry ? `${t(`code.learns_${entry.profile}`, { title: titleOf(entry) })}${gap}${t('code.learns_never')}` : '';
    learns.dataset.profile = entry?.profile || '';
  };
  const select = h('select', { id: 'code-scenario', 'aria-describedby': 'code-learns' },
    scenarios.offline.map((e) => h('option', { value: e.name, selected: e === chosen, dataset: { profile: e.profile } }, titleOf(e))));
  select.addEventListener('change', () => {
    const entry = scenarios.offline.find((e) => e.name === select.value);
    say(entry);
    if (entry) onChange(entry);
  });
  say(chosen);
  const sep = currentLang() === 'en' ? ', ' : '、';
  el.append(
    h('label', { for: 'code-scenario' }, t('code.scenario_label')),
    select,
    learns,
    scenarios.onlineOnly.length
      ? h('p', { class: 'hint code-online-only', id: 'code-online-only' }, t('code.online_only', { names: scenarios.onlineOnly.map(titleOf).join(sep) }))
      : null);
  return { el };
}
