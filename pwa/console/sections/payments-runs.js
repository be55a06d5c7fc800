// Console payments screens of runs and orders (issue 16): the payment runs with their progress, one
// run's orders by status, the held orders by reason with a retry, and one order with its bank
// instructions and ledger lines. Filters and pages live in the address, so Back works.

import { t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { date, field, label, select, table } from './admin-kit.js';
import {
  HOLD_REASONS, P, STATUSES, UUID, accountText, agencyNames, agencyText, count, errorLine, frame, holdText, money, progress,
  query, setFlash, statusBadge, takeFlash, typeText,
} from './payments-kit.js';

const PAGE = 50;

// --- runs ---------------------------------------------------------------------------------------

export async function runsScreen(ctx, params) {
  const before = params.get('before') || '';
  const [page, names] = await Promise.all([
    ctx.api('GET', `/api/v1/staff/payments/batches${query({ before, limit: PAGE })}`),
    agencyNames(ctx),
  ]);
  const root = frame('runs', 'payments');
  root.append(h('p', { class: 'hint' }, t(`${P}.runs.intro`)));
  root.append(table({
    id: 'pay-runs',
    caption: t(`${P}.runs.caption`, { n: page.items.length }),
    empty: t(`${P}.runs.empty`),
    rows: page.items,
    rowKey: (b) => b.id,
    columns: [
      { label: t(`${P}.col.run`), cell: (b) => h('a', { href: `#/payments/run?id=${b.id}`, class: 'pay-open' }, b.name || t(`${P}.unnamed`)) },
      { label: t(`${P}.col.agency`), cell: (b) => agencyText(names, b.agency_code) },
      { label: t(`${P}.col.created`), cell: (b) => date(b.created_at) },
      { label: t(`${P}.col.lines`), cell: (b) => count(b.line_count) },
      { label: t(`${P}.col.accepted_rejected`), cell: (b) => h('span', { class: 'pay-num' }, `${count(b.accepted_count)} / ${count(b.rejected_count)}`) },
      { label: t(`${P}.col.total`), cell: (b) => h('span', { class: 'pay-num' }, money(b.total_fen)) },
      { label: t(`${P}.col.progress`), cell: (b) => progress(b.by_status) },
      { label: t(`${P}.col.settled`), cell: (b) => h('span', { class: 'pay-num' }, money(b.settled_fen)) },
    ],
  }));
  root.append(pages([
    before ? ['pay-first', 'payments', `${P}.first_page`] : null,
    page.next_before ? ['pay-next', `payments${query({ before: page.next_before })}`, `${P}.next_page`] : null,
  ]));
  return root;
}

// Links to the first and the next page (none when there is only one page: an empty string appends nothing).
function pages(links) {
  const nav = h('nav', { class: 'actions', 'aria-label': t(`${P}.pages`) });
  for (const link of links.filter(Boolean)) nav.append(h('a', { class: 'btn secondary', id: link[0], href: `#/${link[1]}` }, t(link[2])));
  return nav.childElementCount ? nav : '';
}

// --- one run ------------------------------------------------------------------------------------

export async function runScreen(ctx, params) {
  const id = params.get('id') || '';
  if (!UUID.test(id)) return notFound('run');
  const status = STATUSES.includes(params.get('status')) ? params.get('status') : '';
  const after = params.get('after') || '';
  const [run, orders, names] = await Promise.all([
    ctx.api('GET', `/api/v1/staff/payments/batches/${id}`),
    ctx.api('GET', `/api/v1/staff/payments/orders${query({ batch_id: id, status, after, limit: PAGE })}`),
    agencyNames(ctx),
  ]);
  const root = frame('run', 'payments', { name: run.name || t(`${P}.unnamed`) });
  const fact = (key, value, idAttr) => [h('dt', {}, t(`${P}.fact.${key}`)), h('dd', idAttr ? { id: idAttr } : {}, value)];
  root.append(
    h('dl', { class: 'facts pay-facts', id: 'pay-run-facts' },
      fact('agency', agencyText(names, run.agency_code)),
      fact('key', h('code', {}, run.idempotency_key)),
      fact('created', date(run.created_at)),
      fact('lines', count(run.line_count)),
      fact('accepted_rejected', `${count(run.accepted_count)} / ${count(run.rejected_count)}`),
      fact('total', money(run.total_fen)),
      fact('settled', money(run.settled_fen), 'pay-run-settled')),
    h('h2', {}, t(`${P}.run.progress`)),
    h('div', { id: 'pay-run-progress' }, progress(run.by_status)));

  const statusSelect = select([{ value: '', label: t(`${P}.all_statuses`) }, ...STATUSES.map((s) => ({ value: s, label: label(`${P}.status`, s), selected: s === status }))],
    { id: 'pay-f-status', name: 'status' });
  const form = h('form', { class: 'panel', id: 'pay-run-filter', role: 'search', 'aria-label': t(`${P}.filters`) },
    h('div', { class: 'form-grid' }, field(t(`${P}.f.status`), statusSelect),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'pay-run-apply' }, t(`${P}.apply`)))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(`payments/run${query({ id, status: statusSelect.value })}`);
  });
  root.append(form, ordersTable(orders.items, { id: 'pay-run-orders', lines: true, caption: t(status ? `${P}.run.orders_status` : `${P}.run.orders`, { n: orders.items.length, status: label(`${P}.status`, status) }) }));
  root.append(pages([
    after ? ['pay-first', `payments/run${query({ id, status })}`, `${P}.first_page`] : null,
    orders.next_after ? ['pay-next', `payments/run${query({ id, status, after: orders.next_after })}`, `${P}.next_page`] : null,
  ]));
  return root;
}

// Accessible names begin with the visible words (the link's payee, the button's "Retry").
function ordersTable(rows, { id, caption, retry, names, lines }) {
  const columns = [
    { label: t(`${P}.col.order`), cell: (o) => h('a', { href: `#/payments/order?id=${o.id}`, class: 'pay-open', 'aria-label': t(`${P}.open_order`, { payee: o.payee, amount: money(o.amount_fen) }) }, o.payee) },
    lines ? { label: t(`${P}.col.line`), cell: (o) => String(o.line_no) } : null,
    names ? { label: t(`${P}.col.agency`), cell: (o) => agencyText(names, o.agency_code) } : null,
    { label: t(`${P}.col.id_number`), cell: (o) => h('span', { class: 'pay-masked' }, o.id_number) },
    { label: t(`${P}.col.type`), cell: (o) => typeText(o.payment_type) },
    { label: t(`${P}.col.amount`), cell: (o) => h('span', { class: 'pay-num' }, money(o.amount_fen)) },
    { label: t(`${P}.col.status`), cell: (o) => h('span', { class: 'pay-state' }, statusBadge(o.status), o.hold_reason ? h('span', { class: 'pay-reason', dataset: { reason: o.hold_reason } }, holdText(o)) : null) },
    { label: t(`${P}.col.bank`), cell: (o) => (o.bank_code ? `${o.bank_code} ${o.account || ''}`.trim() : '—') },
    { label: t(`${P}.col.updated`), cell: (o) => date(o.updated_at) },
    retry ? { label: t(`${P}.col.actions`), cell: (o) => h('button', { type: 'button', class: 'btn secondary pay-retry', 'aria-label': t(`${P}.retry_label`, { payee: o.payee, amount: money(o.amount_fen) }), onclick: (e) => retry(o, e.currentTarget) }, t(`${P}.retry`)) } : null,
  ].filter(Boolean);
  return table({ id, caption, empty: t(`${P}.orders_empty`), rows, rowKey: (o) => o.id, columns });
}

// Retry a held order (behind a confirmation); the screen is read again with the outcome.
async function retryOrder(ctx, order, button, after) {
  const ok = await confirmDialog({
    title: t(`${P}.retry_title`, { payee: order.payee, amount: money(order.amount_fen) }),
    body: t(`${P}.retry_body`, { reason: holdText(order) }),
    confirm: t(`${P}.retry`),
    cancel: t(`${P}.cancel`),
  });
  if (!ok) { button.focus(); return; }
  button.disabled = true;
  try {
    await ctx.api('POST', `/api/v1/staff/payments/orders/${order.id}/retry`);
    const done = t(`${P}.retried`, { payee: order.payee, amount: money(order.amount_fen) });
    announce(done);
    setFlash({ ok: done });
  } catch (err) {
    setFlash({ error: errorLine(ctx, err).textContent });
  }
  after();
}

// --- holds --------------------------------------------------------------------------------------

export async function holdsScreen(ctx, params) {
  const reason = HOLD_REASONS.includes(params.get('hold_reason')) ? params.get('hold_reason') : '';
  const after = params.get('after') || '';
  const [page, names] = await Promise.all([
    ctx.api('GET', `/api/v1/staff/payments/orders${query({ status: 'held', hold_reason: reason, after, limit: PAGE })}`),
    agencyNames(ctx),
  ]);
  const here = `payments/holds${query({ hold_reason: reason, after })}`;
  const root = frame('holds', 'payments/holds');
  const flash = takeFlash();
  root.append(h('p', { class: 'hint' }, t(`${P}.holds.intro`)));
  if (flash) root.append(flash);
  const reasonSelect = select([{ value: '', label: t(`${P}.all_reasons`) },
    ...HOLD_REASONS.map((r) => ({ value: r, label: label(`${P}.hold`, r), selected: r === reason }))], { id: 'pay-f-reason', name: 'hold_reason' });
  const form = h('form', { class: 'panel', id: 'pay-holds-filter', role: 'search', 'aria-label': t(`${P}.filters`) },
    h('div', { class: 'form-grid' }, field(t(`${P}.f.reason`), reasonSelect),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'pay-holds-apply' }, t(`${P}.apply`)))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(`payments/holds${query({ hold_reason: reasonSelect.value })}`);
  });
  root.append(form, ordersTable(page.items, {
    id: 'pay-holds',
    caption: t(reason ? `${P}.holds.caption_reason` : `${P}.holds.caption`, { n: page.items.length, reason: label(`${P}.hold`, reason) }),
    names,
    retry: (order, button) => retryOrder(ctx, order, button, () => ctx.go(here)),
  }));
  root.append(pages([
    after ? ['pay-first', `payments/holds${query({ hold_reason: reason })}`, `${P}.first_page`] : null,
    page.next_after ? ['pay-next', `payments/holds${query({ hold_reason: reason, after: page.next_after })}`, `${P}.next_page`] : null,
  ]));
  return root;
}

// --- one order ----------------------------------------------------------------------------------

export async function orderScreen(ctx, params) {
  const id = params.get('id') || '';
  if (!UUID.test(id)) return notFound('order');
  const [detail, names] = await Promise.all([ctx.api('GET', `/api/v1/staff/payments/orders/${id}`), agencyNames(ctx)]);
  const o = detail.order;
  const root = frame('order', '', { payee: o.payee, amount: money(o.amount_fen) });
  const flash = takeFlash();
  if (flash) root.append(flash);
  root.append(h('p', { class: 'hint' }, t(`${P}.order.intro`)));
  const fact = (key, value, idAttr) => [h('dt', {}, t(`${P}.fact.${key}`)), h('dd', idAttr ? { id: idAttr } : {}, value)];
  root.append(h('dl', { class: 'facts pay-facts', id: 'pay-order-facts' },
    fact('status', h('span', { class: 'pay-state' }, statusBadge(o.status), o.hold_reason ? h('span', { class: 'pay-reason' }, holdText(o)) : null), 'pay-order-status'),
    fact('agency', agencyText(names, o.agency_code)),
    o.batch_id ? fact('run', h('a', { href: `#/payments/run?id=${o.batch_id}` }, t(`${P}.fact.line_of_run`, { n: o.line_no }))) : null,
    fact('payee', h('span', { class: 'pay-masked' }, o.payee)),
    fact('id_number', h('span', { class: 'pay-masked' }, o.id_number)),
    fact('type', typeText(o.payment_type)),
    fact('amount', money(o.amount_fen), 'pay-order-amount'),
    fact('basis', o.legal_basis),
    o.purpose ? fact('purpose', o.purpose) : null,
    o.reference ? fact('reference', h('code', {}, o.reference)) : null,
    fact('key', h('code', {}, o.idempotency_key)),
    fact('bank', o.bank_code ? `${o.bank_code} ${o.account || ''}`.trim() : '—'),
    fact('rerouted', t(o.rerouted ? `${P}.rerouted_yes` : `${P}.no`)),
    fact('created', date(o.created_at)),
    fact('updated', date(o.updated_at)),
    o.credited_at ? fact('credited', date(o.credited_at)) : null));
  if (o.status === 'held') {
    root.append(h('div', { class: 'actions' }, h('button', {
      type: 'button', class: 'btn primary', id: 'pay-order-retry',
      onclick: (e) => retryOrder(ctx, o, e.currentTarget, () => ctx.go(`payments/order?id=${o.id}`)),
    }, t(`${P}.retry`))));
  }

  root.append(h('h2', {}, t(`${P}.order.instructions`)), table({
    id: 'pay-instructions',
    caption: t(`${P}.order.instructions_caption`, { n: detail.instructions.length }),
    empty: t(`${P}.order.no_instructions`),
    rows: detail.instructions,
    rowKey: (i) => i.id,
    columns: [
      { label: t(`${P}.col.seq`), cell: (i) => String(i.seq) },
      { label: t(`${P}.col.bank`), cell: (i) => i.bank_code },
      { label: t(`${P}.col.account`), cell: (i) => h('span', { class: 'pay-masked' }, i.account) },
      { label: t(`${P}.col.amount`), cell: (i) => h('span', { class: 'pay-num' }, money(i.amount_fen)) },
      { label: t(`${P}.col.status`), cell: (i) => label(`${P}.istatus`, i.status) },
      { label: t(`${P}.col.return_reason`), cell: (i) => (i.return_reason ? label(`${P}.return`, i.return_reason) : '—') },
      { label: t(`${P}.col.bank_reference`), cell: (i) => (i.bank_reference ? h('code', {}, i.bank_reference) : '—') },
      { label: t(`${P}.col.sent`), cell: (i) => date(i.created_at) },
      { label: t(`${P}.col.answered`), cell: (i) => (i.answered_at ? date(i.answered_at) : '—') },
    ],
  }));

  const debit = detail.ledger.reduce((sum, l) => sum + (l.amount_fen > 0 ? l.amount_fen : 0), 0);
  const credit = detail.ledger.reduce((sum, l) => sum + (l.amount_fen < 0 ? -l.amount_fen : 0), 0);
  root.append(h('h2', {}, t(`${P}.order.ledger`)), table({
    id: 'pay-ledger',
    caption: t(`${P}.order.ledger_caption`, { n: detail.ledger.length, debit: money(debit), credit: money(credit) }),
    empty: t(`${P}.order.no_ledger`),
    rows: detail.ledger,
    columns: [
      { label: t(`${P}.col.at`), cell: (l) => date(l.at) },
      { label: t(`${P}.col.journal`), cell: (l) => h('code', { title: l.journal }, String(l.journal).slice(0, 8)) },
      { label: t(`${P}.col.kind`), cell: (l) => label(`${P}.kind`, l.kind) },
      { label: t(`${P}.col.ledger_account`), cell: (l) => accountText(l.account) },
      { label: t(`${P}.col.debit`), cell: (l) => h('span', { class: 'pay-num' }, l.amount_fen > 0 ? money(l.amount_fen) : '') },
      { label: t(`${P}.col.credit`), cell: (l) => h('span', { class: 'pay-num' }, l.amount_fen < 0 ? money(-l.amount_fen) : '') },
    ],
  }));
  return root;
}

export function notFound(name) {
  return h('section', { class: 'adm-screen pay-screen' }, h('h1', {}, t(`${P}.${name}.not_found`)),
    h('p', {}, h('a', { class: 'btn secondary', href: '#/payments' }, t(`${P}.back`))));
}
