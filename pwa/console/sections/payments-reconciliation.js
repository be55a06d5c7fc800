// Console payments screens of the money's whereabouts (issue 16): the daily reconciliation per bank
// and per paying agency (each row balanced or not, in words and colour), the check of the whole
// ledger, the banks' daily reports, and the banks with an ended bank's migration report and its
// payments in flight. Managing the banks themselves stays in the registries section.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { busy, date, field, input, label, messages, table } from './admin-kit.js';
import { notFound } from './payments-runs.js';
import { P, accountText, count, errorLine, frame, money, query, shanghaiDay, verdict } from './payments-kit.js';

const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

const num = (value) => h('span', { class: 'pay-num' }, value);

// Rows that do not balance stand out by colour and by the word in their last column.
function markRows(wrap, rows) {
  wrap.querySelectorAll('tbody tr').forEach((tr, i) => { if (!rows[i].balanced) tr.classList.add('pay-row-bad'); });
  return wrap;
}

export async function reconciliationScreen(ctx, params) {
  const day = DAY.test(params.get('day') || '') ? params.get('day') : shanghaiDay(1);
  const root = frame('reconciliation', 'payments/reconciliation');
  root.append(h('p', { class: 'hint' }, t(`${P}.reconciliation.intro`)));

  const picker = input({ type: 'date', id: 'pay-day', name: 'day', value: day, max: shanghaiDay(0), required: true });
  const form = h('form', { class: 'panel', id: 'pay-day-form', role: 'search', 'aria-label': t(`${P}.reconciliation.pick`) },
    h('div', { class: 'form-grid' }, field(t(`${P}.f.day`), picker, t(`${P}.f.day_hint`)),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'pay-day-show' }, t(`${P}.show`)))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (DAY.test(picker.value)) ctx.go(`payments/reconciliation${query({ day: picker.value })}`);
  });
  root.append(form);

  const [rec, reports] = await Promise.allSettled([
    ctx.api('GET', `/api/v1/staff/payments/reconciliation${query({ day })}`),
    ctx.api('GET', `/api/v1/staff/payments/reports${query({ day })}`),
  ]);
  if (rec.status === 'rejected') root.append(errorLine(ctx, rec.reason, 'pay-rec-error'));
  else root.append(...reconciliation(rec.value));
  root.append(ledgerCheck(ctx));
  root.append(h('h2', { id: 'pay-reports-h' }, t(`${P}.reports.title`, { day })));
  if (reports.status === 'rejected') root.append(errorLine(ctx, reports.reason, 'pay-reports-error'));
  else root.append(reportsTable(Array.isArray(reports.value) ? reports.value : reports.value.items || []));
  return root;
}

function reconciliation(rec) {
  const bankRows = rec.banks;
  const agencyRows = rec.agencies;
  const banks = table({
    id: 'pay-rec-banks',
    caption: t(`${P}.reconciliation.banks_caption`, { day: rec.day, n: bankRows.length }),
    empty: t(`${P}.reconciliation.no_banks`),
    rows: bankRows,
    rowKey: (r) => r.bank_code,
    columns: [
      { label: t(`${P}.col.bank`), cell: (r) => r.bank_code },
      { label: t(`${P}.rec.opening`), cell: (r) => num(money(r.opening_in_transit_fen)) },
      { label: t(`${P}.rec.instructed`), cell: (r) => num(money(r.instructed_fen)) },
      { label: t(`${P}.rec.credited`), cell: (r) => num(`${money(r.credited_fen)} (${count(r.credited_count)})`) },
      { label: t(`${P}.rec.returned`), cell: (r) => num(money(r.returned_fen)) },
      { label: t(`${P}.rec.withdrawn`), cell: (r) => num(money(r.withdrawn_fen)) },
      { label: t(`${P}.rec.closing`), cell: (r) => num(money(r.closing_in_transit_fen)) },
      { label: t(`${P}.rec.ledger_closing`), cell: (r) => num(money(r.ledger_closing_in_transit_fen)) },
      {
        label: t(`${P}.rec.reported`),
        cell: (r) => (r.reported_credited_fen === null || r.reported_credited_fen === undefined
          ? h('span', { class: 'empty' }, t(`${P}.rec.no_report`))
          : num(`${money(r.reported_credited_fen)} (${count(r.reported_credited_count)})`)),
      },
      { label: t(`${P}.rec.difference`), cell: (r) => (r.difference_fen === null || r.difference_fen === undefined ? '—' : num(money(r.difference_fen))) },
      { label: t(`${P}.rec.verdict`), cell: (r) => verdict(r.balanced) },
    ],
  });
  const agencies = table({
    id: 'pay-rec-agencies',
    caption: t(`${P}.reconciliation.agencies_caption`, { day: rec.day, n: agencyRows.length }),
    empty: t(`${P}.reconciliation.no_agencies`),
    rows: agencyRows,
    rowKey: (r) => r.agency_code,
    columns: [
      { label: t(`${P}.col.agency`), cell: (r) => h('code', {}, r.agency_code) },
      { label: t(`${P}.rec.committed`), cell: (r) => num(money(r.committed_fen)) },
      { label: t(`${P}.rec.credited`), cell: (r) => num(money(r.credited_fen)) },
      { label: t(`${P}.rec.cancelled`), cell: (r) => num(money(r.cancelled_fen)) },
      { label: t(`${P}.rec.pending`), cell: (r) => num(money(r.pending_fen)) },
      { label: t(`${P}.rec.held`), cell: (r) => num(money(r.held_fen)) },
      { label: t(`${P}.rec.in_transit`), cell: (r) => num(money(r.in_transit_fen)) },
      { label: t(`${P}.rec.balance`), cell: (r) => num(money(r.balance_fen)) },
      { label: t(`${P}.rec.verdict`), cell: (r) => verdict(r.balanced) },
    ],
  });
  return [
    h('section', { class: `panel pay-verdict ${rec.balanced ? 'ok' : 'bad'}`, id: 'pay-rec-verdict', 'aria-labelledby': 'pay-rec-verdict-h' },
      h('h2', { id: 'pay-rec-verdict-h' }, t(`${P}.reconciliation.day`, { day: rec.day })),
      h('p', {}, verdict(rec.balanced, 'pay-rec-overall'), ' ', t(rec.balanced ? `${P}.reconciliation.all_ok` : `${P}.reconciliation.not_ok`)),
      h('p', {}, t(rec.journals_balanced ? `${P}.reconciliation.journals_ok` : `${P}.reconciliation.journals_bad`))),
    h('h2', {}, t(`${P}.reconciliation.banks`)), markRows(banks, bankRows),
    h('h2', {}, t(`${P}.reconciliation.agencies`)), markRows(agencies, agencyRows),
  ];
}

function ledgerCheck(ctx) {
  const msg = messages();
  const out = h('div', { id: 'pay-check-out' });
  const panel = h('section', { class: 'panel', id: 'pay-check', 'aria-labelledby': 'pay-check-h' },
    h('h2', { id: 'pay-check-h' }, t(`${P}.check.title`)),
    h('p', { class: 'hint' }, t(`${P}.check.intro`)),
    ...msg.els,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn secondary', id: 'pay-check-run', onclick: () => run() }, t(`${P}.check.run`))),
    out);
  const run = () => busy(panel, async () => {
    msg.clear();
    out.replaceChildren(h('p', { role: 'status' }, t(`${P}.check.running`)));
    try {
      const report = await ctx.api('GET', '/api/v1/staff/payments/ledger/check');
      out.replaceChildren(checkResult(report));
      out.querySelector('h3').focus();
    } catch (err) {
      out.replaceChildren(errorLine(ctx, err, 'pay-check-error'));
    }
  });
  return panel;
}

function checkResult(report) {
  const fact = (key, value) => [h('dt', {}, t(`${P}.check.${key}`)), h('dd', {}, value)];
  const balances = Object.entries(report.balances || {}).sort(([a], [b]) => a.localeCompare(b));
  return h('div', { class: `pay-verdict ${report.ok ? 'ok' : 'bad'}`, id: 'pay-check-result', dataset: { ok: report.ok ? '1' : '0' } },
    h('h3', { tabindex: '-1' }, t(report.ok ? `${P}.check.ok` : `${P}.check.problems`)),
    h('dl', { class: 'facts' },
      fact('entries', count(report.entries)),
      fact('journals', count(report.journals)),
      fact('unbalanced_journals', count(report.unbalanced_journals)),
      fact('orders_checked', count(report.orders_checked)),
      fact('orders_misplaced', count(report.orders_misplaced))),
    table({
      id: 'pay-balances',
      caption: t(`${P}.check.balances`, { n: balances.length }),
      empty: t(`${P}.check.no_balances`),
      rows: balances,
      columns: [
        { label: t(`${P}.col.ledger_account`), cell: ([account]) => accountText(account) },
        { label: t(`${P}.col.balance`), cell: ([, fen]) => num(money(fen)) },
      ],
    }));
}

function reportsTable(reports) {
  const fig = (key) => ({ label: t(`${P}.report.${key}`), cell: (r) => num(key.endsWith('_fen') ? money(r.figures[key]) : count(r.figures[key])) });
  return table({
    id: 'pay-reports',
    caption: t(`${P}.reports.caption`, { n: reports.length }),
    empty: t(`${P}.reports.empty`),
    rows: reports,
    rowKey: (r) => `${r.bank_code}-${r.version}`,
    columns: [
      { label: t(`${P}.col.bank`), cell: (r) => r.bank_code },
      { label: t(`${P}.report.version`), cell: (r) => String(r.version) },
      { label: t(`${P}.report.received`), cell: (r) => date(r.received_at) },
      ...['cards_opened', 'accounts_open', 'accounts_closed', 'instructions_received', 'credited_count', 'credited_fen',
        'returned_count', 'returned_fen', 'branches_serving', 'counter_transactions', 'complaints'].map(fig),
    ],
  });
}

// --- banks --------------------------------------------------------------------------------------

function bankBadge(status) {
  const tone = { active: 'ok', suspended: 'warn', ended: 'bad' }[status] || 'warn';
  return h('span', { class: `badge status-${tone}`, dataset: { status } }, label(`${P}.bank_status`, status));
}

export async function banksScreen(ctx) {
  const banks = await ctx.api('GET', '/api/v1/banks');
  const root = frame('banks', 'payments/banks');
  root.append(h('p', { class: 'hint' }, t(`${P}.banks.intro`), ' ',
    h('a', { href: '#/registries/banks', id: 'pay-manage-banks' }, t(`${P}.banks.manage`))));
  root.append(table({
    id: 'pay-banks',
    caption: t(`${P}.banks.caption`, { n: banks.length }),
    empty: t(`${P}.banks.empty`),
    rows: banks,
    rowKey: (b) => b.code,
    columns: [
      { label: t(`${P}.col.bank`), cell: (b) => h('span', {}, b.name, ' ', h('code', {}, b.code)) },
      { label: t(`${P}.col.status`), cell: (b) => bankBadge(b.status) },
      {
        label: t(`${P}.col.actions`),
        cell: (b) => h('a', { class: 'btn secondary', href: `#/payments/bank?code=${encodeURIComponent(b.code)}`, 'aria-label': t(b.status === 'ended' ? `${P}.banks.report_label` : `${P}.banks.in_flight_label`, { name: b.name }) },
          t(b.status === 'ended' ? `${P}.banks.report` : `${P}.banks.in_flight`)),
      },
    ],
  }));
  return root;
}

export async function bankScreen(ctx, params) {
  const code = params.get('code') || '';
  if (!/^[A-Z0-9]{2,16}$/.test(code)) return notFound('bank');
  const banks = await ctx.api('GET', '/api/v1/banks');
  const bank = banks.find((b) => b.code === code);
  if (!bank) return notFound('bank');
  const ended = bank.status === 'ended';
  const [migration, inFlight] = await Promise.allSettled([
    ended ? ctx.api('GET', `/api/v1/banks/${encodeURIComponent(code)}/migration`) : Promise.resolve(null),
    ctx.api('GET', `/api/v1/staff/payments/banks/${encodeURIComponent(code)}/in-flight`),
  ]);
  const root = frame('bank', 'payments/banks', { name: bank.name });
  root.append(h('p', {}, bankBadge(bank.status), ' ', h('code', {}, bank.code)));
  if (ended) {
    root.append(h('h2', { id: 'pay-migration-h' }, t(`${P}.bank.migration`)), h('p', { class: 'hint' }, t(`${P}.bank.migration_intro`)));
    root.append(migration.status === 'rejected' ? errorLine(ctx, migration.reason, 'pay-migration-error') : migrationReport(migration.value));
  } else {
    root.append(h('p', { class: 'notice info', id: 'pay-not-ended' }, t(`${P}.bank.not_ended`)));
  }
  root.append(h('h2', { id: 'pay-in-flight-h' }, t(`${P}.bank.in_flight`)), h('p', { class: 'hint' }, t(`${P}.bank.in_flight_intro`)));
  root.append(inFlight.status === 'rejected' ? errorLine(ctx, inFlight.reason, 'pay-in-flight-error') : inFlightReport(inFlight.value));
  return root;
}

// Where every holder of the ended bank went (cards.schemas.MigrationReport).
function migrationReport(report) {
  const fact = (key, v, id) => [h('dt', {}, t(`${P}.migration.${key}`)), h('dd', id ? { id } : {}, v)];
  const accounted = report.all_accounted;
  return h('div', { id: 'pay-migration', class: `panel pay-verdict ${accounted ? 'ok' : 'bad'}` },
    h('p', { id: 'pay-migration-verdict' },
      h('span', { class: `badge ${accounted ? 'status-ok' : 'status-bad pay-bad'}` }, t(accounted ? `${P}.migration.accounted` : `${P}.migration.not_accounted`))),
    h('dl', { class: 'facts' },
      fact('holders', count(report.holders), 'pay-migration-holders'),
      fact('by_choice', count(report.by_choice)),
      fact('by_default', count(report.by_default)),
      fact('accounts_opened', count(report.accounts_opened)),
      fact('accounts_pending', count(report.accounts_pending)),
      fact('accounts_refused', count(report.accounts_refused)),
      fact('accounts_superseded', count(report.accounts_superseded)),
      fact('live_cards_at_bank', count(report.live_cards_at_bank))),
    table({
      id: 'pay-migration-targets',
      caption: t(`${P}.migration.targets`, { n: report.targets.length }),
      empty: t(`${P}.migration.no_targets`),
      rows: report.targets,
      rowKey: (r) => r.bank_code,
      columns: [
        { label: t(`${P}.col.bank`), cell: (r) => h('span', {}, r.bank_name, ' ', h('code', {}, r.bank_code)) },
        { label: t(`${P}.migration.col_holders`), cell: (r) => num(count(r.holders)) },
      ],
    }));
}

// A bank's payments in flight and what became of them (payments.schemas.BankInFlight).
function inFlightReport(report) {
  const fact = (key, v, id) => [h('dt', {}, t(`${P}.inflight.${key}`)), h('dd', id ? { id } : {}, v)];
  const done = report.all_settled_or_rerouted;
  const statuses = ['pending', 'accepted', 'credited', 'returned', 'withdrawn'];
  const byStatus = { ...Object.fromEntries(statuses.map((s) => [s, 0])), ...(report.instructions || {}) };
  return h('div', { id: 'pay-in-flight', class: `panel pay-verdict ${done ? 'ok' : 'bad'}` },
    h('p', { id: 'pay-in-flight-verdict' },
      h('span', { class: `badge ${done ? 'status-ok' : 'status-warn'}`, dataset: { done: done ? '1' : '0' } },
        t(done ? `${P}.inflight.done` : `${P}.inflight.not_done`))),
    h('dl', { class: 'facts' },
      fact('withdrawn', count(report.orders_withdrawn)),
      fact('rerouted', count(report.orders_rerouted)),
      fact('awaiting', count(report.orders_awaiting_route)),
      fact('closed', count(report.orders_withdrawn_closed)),
      fact('outstanding', `${count(report.outstanding_with_bank)} (${money(report.outstanding_fen)})`, 'pay-in-flight-outstanding')),
    table({
      id: 'pay-in-flight-instructions',
      caption: t(`${P}.inflight.by_status`),
      rows: Object.entries(byStatus),
      rowKey: ([s]) => s,
      columns: [
        { label: t(`${P}.col.status`), cell: ([s]) => label(`${P}.istatus`, s) },
        { label: t(`${P}.inflight.instructions`), cell: ([, n]) => num(count(n)) },
      ],
    }));
}
