// The inbox (issue 14, docs/inbox.md): what the holder is told of, newest first, with the unread
// count; marking read; turning on notifications (Web Push) in this browser.

import { currentLang, formatTime, has, t } from '/shared/i18n.js';
import { announce, clear, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { kv } from '../store.js';
import { noticeLink, noticeVars } from './payments.js';
import { contractLink, contractVars } from './contracts.js';
import { caseLink, caseVars } from './cases.js';

const PAGE = 20;
const PUSH_KEY = 'push-subscription'; // the id the server gave this browser's subscription

// The words of one notice: its line by event, with the facts the server kept (never a number).
export function noticeText(notice) {
  const p = notice.params || {};
  const vars = {
    by: has(`inbox.by.${p.by}`) ? t(`inbox.by.${p.by}`) : '',
    kind: has(`inbox.kind.${p.kind}`) ? t(`inbox.kind.${p.kind}`) : '',
    label: p.label ?? '', device: p.device ?? '', agency: p.agency ?? '', purpose: p.purpose ?? '',
    name: p.name ?? p.type ?? '', method: has(`inbox.method.${p.method}`) ? t(`inbox.method.${p.method}`) : (p.method ?? ''),
    outcome: has(`inbox.outcome.${p.outcome}`) ? t(`inbox.outcome.${p.outcome}`) : (p.outcome ?? ''),
    relative: p.relative ?? p.name ?? '',
    ...noticeVars(p), // payments and banks (issue 16): amount, payer, account, bank, why
    ...contractVars(p), // labour contracts (issue 17): employer, position, date
    ...caseVars(p), // cases about the card (issue 20): the case number
    site: (currentLang() === 'en' ? p.client_en : p.client) || p.client || '', // issue 19: a site the holder signed in to
  };
  const key = has(`inbox.event.${notice.event}`) ? notice.event : 'unknown';
  return {
    title: t(`inbox.event.${key}`, vars),
    detail: has(`inbox.detail.${key}`) ? t(`inbox.detail.${key}`, vars) : '',
  };
}

// A link to the inbox with the unread count as a badge (home and "more"): filled in when the count arrives.
export function inboxLink(app, { id = 'nav-inbox', advanced = false } = {}) {
  const link = h('a', { class: 'btn block secondary', href: '#/inbox', id }, t('nav.inbox'));
  app.api('GET', EP.inboxUnread).then(({ unread }) => {
    if (!unread) return; // no badge at all (a .badge shows even when [hidden])
    link.append(' ', h('span', { class: 'badge', id: `${id}-badge`, 'aria-label': t('inbox.unread_n', { n: unread }) },
      unread > 99 ? '99+' : String(unread)));
  }).catch(() => { /* offline or signed out: no badge */ });
  return h('li', { class: advanced ? 'advanced' : null }, link);
}

function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function keyBytes(base64url) {
  const text = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(text + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

// Turn notifications off in this browser (on sign-out, too: they must not reach the next person).
export async function dropPush(app) {
  const held = await kv.get(PUSH_KEY).catch(() => null);
  if (held) {
    try { await app.api('DELETE', EP.pushSubscription(held)); } catch { /* gone already, or offline */ }
    await kv.delete(PUSH_KEY).catch(() => {});
  }
  if (!pushSupported()) return;
  try {
    const reg = await navigator.serviceWorker.getRegistration('/wallet/');
    const sub = reg && await reg.pushManager.getSubscription();
    if (sub) await sub.unsubscribe();
  } catch { /* nothing to undo */ }
}

async function pushSection(app) {
  const box = h('section', { id: 'push-section', 'aria-labelledby': 'push-title' }, h('h2', { id: 'push-title' }, t('inbox.push.title')));
  const status = h('p', { id: 'push-state', role: 'status' });
  box.append(status);
  if (!pushSupported()) { status.textContent = t('inbox.push.unsupported'); return box; }
  let vapid = null;
  try { vapid = await app.api('GET', EP.vapidKey); } catch { vapid = null; }
  if (!vapid || !vapid.enabled) { status.textContent = t('inbox.push.unavailable'); return box; }
  const held = await kv.get(PUSH_KEY).catch(() => null);
  const draw = (on) => {
    clear(box).append(h('h2', { id: 'push-title' }, t('inbox.push.title')), status);
    status.textContent = on ? t('inbox.push.on') : (Notification.permission === 'denied' ? t('inbox.push.denied') : t('inbox.push.off'));
    if (on) {
      box.append(h('button', { type: 'button', class: 'btn secondary', id: 'push-off', onclick: async () => { await dropPush(app); draw(false); announce(t('inbox.push.turned_off')); } }, t('inbox.push.turn_off')));
    } else if (Notification.permission !== 'denied') {
      box.append(h('button', { type: 'button', class: 'btn primary', id: 'push-on', onclick: () => turnOn(app, vapid.public_key, draw) }, t('inbox.push.turn_on')));
    }
  };
  draw(Boolean(held) && Notification.permission === 'granted');
  return box;
}

async function turnOn(app, publicKey, draw) {
  try {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') { draw(false); announce(t('inbox.push.denied')); return; }
    const reg = await navigator.serviceWorker.ready;
    let sub = await reg.pushManager.getSubscription();
    if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
    const saved = await app.api('POST', EP.pushSubscriptions, { ...sub.toJSON(), lang: currentLang() });
    await kv.set(PUSH_KEY, saved.id);
    draw(true);
    announce(t('inbox.push.turned_on'));
  } catch (err) {
    draw(false);
    const state = document.getElementById('push-state');
    if (state) state.textContent = err && err.status ? app.errorText(err) : t('inbox.push.failed');
  }
}

function item(app, notice, refresh) {
  const { title, detail } = noticeText(notice);
  const li = h('li', { class: notice.read ? 'inbox-item read' : 'inbox-item unread', dataset: { event: notice.event, id: notice.id, read: String(notice.read) } },
    h('p', { class: 'inbox-title' }, notice.read ? null : h('span', { class: 'badge', 'aria-hidden': 'true' }, t('inbox.new')), notice.read ? null : ' ',
      h('strong', {}, title)),
    detail ? h('p', { class: 'inbox-detail' }, detail) : null,
    noticeLink(notice, title) || contractLink(notice, title) || caseLink(notice, title),
    h('p', { class: 'hint' }, h('time', { datetime: notice.created_at }, formatTime(notice.created_at))));
  if (!notice.read) {
    li.append(h('button', {
      type: 'button', class: 'btn secondary mark-read', 'aria-label': t('inbox.mark_read_of', { title }),
      onclick: async () => {
        try {
          await app.api('POST', EP.inboxRead(notice.id));
          announce(t('inbox.marked'));
          await refresh();
        } catch (err) { announce(app.errorText(err)); }
      },
    }, t('inbox.mark_read')));
  }
  return li;
}

export async function inboxScreen(app) {
  const list = h('ul', { class: 'nav-list inbox-list', id: 'inbox-list', 'aria-label': t('inbox.list') });
  const summary = h('p', { id: 'inbox-summary', role: 'status' });
  // Buttons are added only when they apply (a .btn shows even when [hidden]).
  const top = h('div', { id: 'inbox-top' });
  const bottom = h('div', { id: 'inbox-bottom' });
  const error = h('p', { class: 'error', role: 'alert' });
  let shown = PAGE;

  const readAll = () => h('button', {
    type: 'button', class: 'btn secondary', id: 'inbox-read-all',
    onclick: async () => {
      try {
        await app.api('POST', EP.inboxReadAll);
        announce(t('inbox.marked_all'));
        await load();
      } catch (err) { announce(app.errorText(err)); }
    },
  }, t('inbox.read_all'));
  const more = () => h('button', {
    type: 'button', class: 'btn secondary', id: 'inbox-more',
    onclick: async () => { shown += PAGE; await load(); },
  }, t('inbox.more'));

  async function load() {
    try {
      const page = await app.api('GET', `${EP.inbox}?limit=${shown}&offset=0`);
      clear(list).append(...page.items.map((n) => item(app, n, load)));
      if (!page.items.length) list.append(h('li', { id: 'inbox-empty' }, t('inbox.empty')));
      summary.textContent = page.unread ? t('inbox.unread_n', { n: page.unread }) : t('inbox.all_read');
      summary.dataset.unread = String(page.unread);
      clear(top).append(...(page.unread ? [readAll()] : []));
      clear(bottom).append(...(page.total > page.items.length ? [more()] : []));
      error.textContent = '';
    } catch (err) {
      error.textContent = app.errorText(err);
    }
  }
  await load();
  return h('section', {},
    h('h1', {}, t('title.inbox')),
    h('a', { class: 'btn secondary', href: '#/' }, t('common.back')),
    summary, error, top, list, bottom,
    await pushSection(app));
}
