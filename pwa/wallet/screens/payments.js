// Wallet screen: payments to me (issue 16). Each payment says how much, what kind, from whom, on
// what basis, to which bank and account, and what became of it; a held one says why and what I can
// do. #/payments lists them newest first; #/payments?id=<id> shows one (the inbox's payment notices
// open it). Personal data: fetched on every visit, never cached by the service worker, shown online only.

import { OfflineError } from '/shared/api.js';
import { currentLang, formatTime, has, t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { back, bilingual, hashParams } from './service-labels.js';

const PAGE = 20;
const TONE = { credited: 'ok', accepted: 'pending', instructed: 'pending', held: 'bad', cancelled: 'off' };

// ¥1,234.56 from fen, written the way the page's language writes money.
export function yuan(fen) {
  const n = Number(fen);
  if (!Number.isSafeInteger(n)) return '';
  const format = new Intl.NumberFormat(currentLang(), { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' });
  return format.format(n / 100); // at most 10^9 fen: the float is exact to the fen
}

// A payment word by family (type, status, hold, ...) and code; an unknown code shows itself.
function words(family, value) {
  const key = `payments.${family}.${value}`;
  return value && has(key) ? t(key) : (value ?? '');
}

// A reason code of any kind a notice may carry: why held, why the bank returned it, why it refused an account.
function reasonWords(code) {
  if (!code) return '';
  for (const family of ['hold', 'return', 'refuse']) if (has(`payments.${family}.${code}`)) return t(`payments.${family}.${code}`);
  return t('payments.reason_other');
}

// The facts of a payment or bank notice in words, for screens/inbox.js (its params are small facts:
// the payer's name, the amount in fen, the masked account, bank names, a reason code, the order id).
export function noticeVars(p) {
  // A returned payment's notice has the bank's own reason (reason_code) beside "returned": the more telling one.
  const why = reasonWords(p.reason_code || p.reason).replace(/[。.]$/, '');
  return {
    amount: p.amount_fen != null ? yuan(p.amount_fen) : '',
    payer: bilingual(p.payer ?? p.agency ?? ''),
    ptype: words('type', p.payment_type),
    account: p.account ?? '',
    bank: bilingual(p.bank_name ?? p.bank ?? p.to_bank ?? ''),
    frombank: bilingual(p.from_bank ?? ''),
    why,
  };
}

// Where a notice leads: a payment notice to its payment (or to the list, when it names none), a
// bank notice to the bank screen.
export function noticeLink(notice, title) {
  const p = notice.params || {};
  if (notice.event?.startsWith('payment.')) {
    const href = p.order_id ? `#/payments?id=${encodeURIComponent(p.order_id)}` : '#/payments';
    return h('a', { class: 'btn secondary notice-open', href, 'aria-label': t('payments.open_of', { title }) }, t('payments.open'));
  }
  if (notice.event?.startsWith('bank.')) {
    return h('a', { class: 'btn secondary notice-open', href: '#/bank', 'aria-label': t('payments.bank_of', { title }) }, t('payments.to_bank'));
  }
  return null;
}

function statusBadge(p) {
  return h('span', { class: `pay-status ${TONE[p.status] || 'off'}`, dataset: { status: p.status } }, words('status', p.status));
}

// Why a payment is held and what the holder can do, with the way there when there is one.
function heldBox(p) {
  const reason = p.hold_reason && has(`payments.hold.${p.hold_reason}`) ? p.hold_reason : 'other';
  const payer = bilingual(p.payer);
  const go = { card_suspended: ['#/', 'payments.go.card'], no_live_card: ['#/', 'payments.go.card'], returned: ['#/bank', 'payments.go.bank'], bank_not_active: ['#/bank', 'payments.go.bank'] }[reason];
  return h('div', { class: 'pay-held', id: `held-${p.id}`, dataset: { reason } },
    h('p', {}, h('strong', {}, t('payments.held_why')), ' ', t(`payments.hold.${reason}`)),
    p.hold_detail ? h('p', { class: 'pay-return' }, t('payments.bank_said', { why: reasonWords(p.hold_detail) })) : null,
    h('p', {}, h('strong', {}, t('payments.what_to_do')), ' ', t(`payments.todo.${reason}`, { payer })),
    go ? h('a', { class: 'btn secondary', href: go[0] }, t(go[1])) : null);
}

function paymentCard(p, { heading = 'h2', link = false } = {}) {
  const kind = words('type', p.payment_type);
  const account = p.account ? [p.bank_name ? bilingual(p.bank_name) : null, p.account].filter(Boolean).join(' ') : t('payments.no_account');
  return h('article', {
    class: `payface status-${p.status}`, id: `pay-${p.id}`, 'aria-labelledby': `pay-title-${p.id}`,
    dataset: { id: p.id, status: p.status, reason: p.hold_reason || '', rerouted: p.rerouted ? '1' : '0' },
  },
  h(heading, { class: 'pay-kind', id: `pay-title-${p.id}` },
    link ? h('a', { href: `#/payments?id=${encodeURIComponent(p.id)}`, class: 'pay-open', id: `open-${p.id}` }, kind) : kind),
  h('p', { class: 'pay-amount' }, h('span', { class: 'visually-hidden' }, t('payments.amount'), ' '), yuan(p.amount_fen), ' ', statusBadge(p)),
  h('dl', { class: 'facts' },
    h('dt', {}, t('payments.payer')), h('dd', { class: 'pay-payer' }, bilingual(p.payer)),
    h('dt', {}, t('payments.basis')), h('dd', { class: 'pay-basis' }, p.legal_basis),
    p.purpose ? [h('dt', {}, t('payments.purpose')), h('dd', { class: 'pay-purpose' }, p.purpose)] : null,
    h('dt', {}, t('payments.to')), h('dd', { class: 'pay-account' }, account),
    h('dt', {}, t('payments.ordered_at')), h('dd', {}, formatTime(p.created_at)),
    p.credited_at ? [h('dt', {}, t('payments.credited_at')), h('dd', { class: 'pay-credited' }, formatTime(p.credited_at))] : null),
  // Art. 8: the money followed the card to its new account, and the holder should know where it went.
  p.rerouted ? h('p', { class: 'pay-rerouted' }, h('span', { 'aria-hidden': 'true' }, '↪ '), t('payments.rerouted')) : null,
  p.status === 'held' ? heldBox(p) : null);
}

function offlineBox() {
  return h('p', { class: 'notice offline', id: 'payments-offline', role: 'status' }, t('payments.offline'));
}

export async function paymentsScreen(app) {
  const id = hashParams().get('id');
  return id ? detail(app, id) : list(app);
}

async function list(app) {
  const root = h('section', { class: 'services payments', id: 'payments' }, h('h1', {}, t('title.payments')), back());
  const items = h('ul', { class: 'pay-list', id: 'pay-list', 'aria-label': t('payments.list') });
  const error = h('p', { class: 'error', role: 'alert', id: 'pay-error', hidden: true });
  const more = h('button', { type: 'button', class: 'btn secondary block', id: 'pay-more', hidden: true }, t('payments.more'));
  let before = null;

  async function load() {
    const page = await app.api('GET', `${EP.myPayments}?limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    items.append(...page.items.map((p) => h('li', {}, paymentCard(p, { link: true }))));
    before = page.next_before ?? null;
    more.hidden = !before;
    return page.items.length;
  }
  more.addEventListener('click', async () => {
    more.disabled = true;
    error.hidden = true;
    try {
      announce(t('payments.loaded', { n: await load() }));
    } catch (err) {
      error.textContent = err instanceof OfflineError ? t('payments.offline') : app.errorText(err);
      error.hidden = false;
    }
    more.disabled = false;
  });

  try {
    await load();
  } catch (err) {
    root.append(err instanceof OfflineError ? offlineBox() : h('p', { class: 'error', role: 'alert', id: 'pay-error' }, app.errorText(err)));
    return root;
  }
  root.append(h('p', { class: 'hint' }, t('payments.intro')));
  if (!items.children.length) root.append(h('p', { class: 'notice', id: 'payments-empty' }, t('payments.empty')));
  root.append(items, more, error);
  return root;
}

async function detail(app, id) {
  const root = h('section', { class: 'services payments', id: 'payment' });
  let payment;
  try {
    payment = await app.api('GET', EP.myPayment(id));
  } catch (err) {
    root.append(h('h1', {}, t('title.payments')), back('#/payments', 'payments.back'),
      err instanceof OfflineError ? offlineBox() : h('p', { class: 'error', role: 'alert', id: 'pay-error' }, app.errorText(err)));
    return root;
  }
  root.append(
    h('h1', {}, t('payments.one', { kind: words('type', payment.payment_type), amount: yuan(payment.amount_fen) })),
    back('#/payments', 'payments.back'),
    paymentCard(payment, { heading: 'h2' }));
  return root;
}
