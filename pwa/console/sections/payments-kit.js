// Shared parts of the console's payments screens (issue 16, docs/console.md "Payments"): amounts in
// yuan from fen, the province's business day, status and reason words, the progress bar of a run,
// the section's sub-navigation and the display of an API error with its code.

import { ApiError } from '/shared/api.js';
import { currentLang, has, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { explain, label, subnav } from './admin-kit.js';

export const P = 'console.payments';
export const STATUSES = ['accepted', 'instructed', 'credited', 'held', 'cancelled'];
export const HOLD_REASONS = ['no_live_card', 'card_suspended', 'account_pending', 'bank_not_active', 'returned'];
const SUBS = [['', 'runs'], ['holds', 'holds'], ['reconciliation', 'reconciliation'], ['banks', 'banks']];

// ¥1,234.56 from 123456 fen, exactly (integers, no floating point); negative as -¥1.00.
export function money(fen) {
  if (fen === null || fen === undefined) return '—';
  const n = Number(fen);
  const abs = Math.abs(n);
  const yuan = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  return `${n < 0 ? '-' : ''}¥${yuan.toLocaleString('en-US')}.${cents}`;
}

export function count(n) {
  return Number(n || 0).toLocaleString(currentLang());
}

// The province's calendar day (Asia/Shanghai) `daysBack` days before now, as YYYY-MM-DD.
export function shanghaiDay(daysBack = 0) {
  const at = new Date(Date.now() - daysBack * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const TONE = { accepted: 'status-info', instructed: 'status-info', credited: 'status-ok', held: 'status-warn', cancelled: 'status-muted' };

export function statusBadge(status) {
  return h('span', { class: `badge pay-status ${TONE[status] || ''}`, dataset: { status } }, label(`${P}.status`, status));
}

// Why an order is held, in words; a returned order adds the bank's reason.
export function holdText(order) {
  if (!order.hold_reason) return '';
  const reason = label(`${P}.hold`, order.hold_reason);
  if (order.hold_reason === 'returned' && order.hold_detail) return t(`${P}.returned_because`, { reason: label(`${P}.return`, order.hold_detail) });
  return reason;
}

export function typeText(type) {
  return label(`${P}.type`, type);
}

// A ledger account in words (agency:GD-HRSS, orders:pending, bank:ICBC:in_transit...), the code beside.
export function accountText(account) {
  const parts = String(account).split(':');
  let words = null;
  if (parts[0] === 'agency' && parts.length === 2) words = t(`${P}.acct.agency`, { code: parts[1] });
  else if (parts[0] === 'orders' && parts.length === 2 && has(`${P}.acct.${parts[1]}`)) words = t(`${P}.acct.${parts[1]}`);
  else if (parts[0] === 'bank' && parts.length === 3 && has(`${P}.acct.${parts[2]}`)) words = t(`${P}.acct.${parts[2]}`, { bank: parts[1] });
  return h('span', { class: 'pay-acct' }, words ? `${words} ` : null, h('code', {}, account));
}

// Balanced or not: a word and a colour, never colour alone.
export function verdict(ok, id) {
  return h('span', { class: `badge ${ok ? 'status-ok' : 'status-bad pay-bad'}`, id, dataset: { balanced: ok ? '1' : '0' } },
    t(ok ? `${P}.balanced` : `${P}.unbalanced`));
}

// The progress of a run's accepted orders by status: a bar (for the eye) and the numbers in words.
export function progress(byStatus) {
  const counts = STATUSES.map((s) => [s, Number((byStatus || {})[s] || 0)]);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const bar = h('div', { class: 'pay-bar', 'aria-hidden': 'true' },
    counts.filter(([, n]) => n > 0).map(([s, n]) => {
      const seg = h('span', { class: `pay-seg pay-seg-${s}` });
      seg.style.flexGrow = String(n); // through the CSSOM: the CSP refuses style attributes
      return seg;
    }));
  const legend = h('ul', { class: 'pay-legend' }, counts.map(([s, n]) => h('li', { dataset: { status: s, n: String(n) } },
    h('span', { class: `pay-swatch pay-seg-${s}`, 'aria-hidden': 'true' }), `${label(`${P}.status`, s)} ${count(n)}`)));
  return h('div', { class: 'pay-progress' }, total ? bar : null, legend);
}

// An API error: the section's words for its code (or the shell's), and the code itself.
export function errorLine(ctx, err, id) {
  const words = explain(ctx, err, P);
  return h('p', { class: 'error', role: 'alert', id },
    words,
    err instanceof ApiError ? [' ', h('code', { class: 'pay-code' }, err.code)] : null,
    err instanceof ApiError && err.message && err.message !== err.code && !has(`${P}.err.${err.code}`) ? [' — ', err.message] : null);
}

// A payments screen: its heading, the sub-navigation, an optional flash message.
export function frame(name, current, titleVars = {}) {
  return h('section', { class: 'adm-screen pay-screen', 'data-screen': `payments-${name}` },
    h('h1', {}, t(`${P}.${name}.title`, titleVars)),
    subnav(t(`${P}.nav`), SUBS.map(([route, key]) => ({ route: route ? `payments/${route}` : 'payments', label: t(`${P}.${key}.title`) })), current));
}

// Codes of the paying agencies with their names (the names are a nicety: codes still show).
export async function agencyNames(ctx) {
  try {
    const list = await ctx.api('GET', '/api/v1/agencies');
    return new Map((Array.isArray(list) ? list : list.items || []).map((a) => [a.code, a.name]));
  } catch {
    return new Map();
  }
}

export function agencyText(names, code) {
  const name = names.get(code);
  return name ? h('span', {}, name, ' ', h('code', {}, code)) : h('code', {}, code);
}

// A one-shot message for the next drawing of a screen (after an action re-reads it).
let flashed = null;
export function setFlash(message) { flashed = message; }
export function takeFlash() {
  const message = flashed;
  flashed = null;
  if (!message) return null;
  return message.error
    ? h('p', { class: 'error', role: 'alert', id: 'pay-flash' }, message.error)
    : h('p', { class: 'success', role: 'status', id: 'pay-flash' }, message.ok);
}
