// Console section: correction orders (Art. 18, issue 20). City staff (and provincial operators anywhere)
// order a venue, agency, employer or service point to correct its conduct by a deadline, and follow it
// up: the target's report, the check, the deadline passing (overdue, marked by the periodic job),
// escalation or withdrawal. The API decides every step; the page offers the ones it lists in `actions`.

import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, checkbox, date, explain, field, label, messages, select, table } from './admin-kit.js';

const P = 'console.orders';
const BASE = '/api/v1/enforcement/orders';
const STATES = ['issued', 'reported', 'complied', 'overdue', 'escalated', 'withdrawn'];
const GROUNDS = ['outside_catalog', 'duplicate_card', 'not_connected', 'no_holder_queries', 'other'];
const TARGETS = ['venue', 'agency', 'employer', 'service_point'];
const TONE = { issued: 'status-info', reported: 'status-warn', complied: 'status-ok', overdue: 'status-bad', escalated: 'status-bad', withdrawn: 'status-muted' };

function stateBadge(order) {
  return h('span', { class: `badge ${TONE[order.state] || 'status-muted'}`, dataset: { state: order.state } }, label(`${P}.state`, order.state));
}

function deadline(order) {
  return h('span', { class: order.overdue ? 'tk-due tk-overdue' : 'tk-due', dataset: { overdue: order.overdue ? '1' : '0' } },
    date(order.deadline, false), ' ',
    order.overdue ? h('span', { class: 'badge status-bad tk-overdue-badge' }, t(`${P}.overdue`)) : null);
}

const target = (o) => `${label(`${P}.target`, o.target_kind)}: ${o.target_name}`;

function query(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v !== undefined && v !== null) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

async function home(ctx, params) {
  const filters = { state: params.get('state') || '', ground: params.get('ground') || '', overdue: params.get('overdue') === 'true' };
  const root = h('section', { class: 'adm-screen', 'data-screen': 'orders' });
  root.append(h('h1', {}, t(`${P}.title`)), h('p', { class: 'hint' }, t(`${P}.intro`)));
  root.append(h('p', {}, h('a', { class: 'btn primary', href: '#/orders/new', id: 'order-new' }, t(`${P}.new`))));

  const stateSel = select([{ value: '', label: t(`${P}.any`) }, ...STATES.map((s) => ({ value: s, label: label(`${P}.state`, s), selected: s === filters.state }))], { name: 'state' });
  const groundSel = select([{ value: '', label: t(`${P}.any`) }, ...GROUNDS.map((g) => ({ value: g, label: label(`${P}.ground`, g), selected: g === filters.ground }))], { name: 'ground' });
  const late = checkbox(t(`${P}.only_overdue`), { id: 'filter-overdue', checked: filters.overdue });
  const form = h('form', { class: 'row filters', id: 'order-filters', onsubmit: (e) => {
    e.preventDefault();
    ctx.go(`orders${query({ state: stateSel.value, ground: groundSel.value, overdue: late.box.checked ? 'true' : '' })}`);
  } }, field(t(`${P}.col.state`), stateSel), field(t(`${P}.col.ground`), groundSel), late.el,
  h('button', { type: 'submit', class: 'btn secondary' }, t(`${P}.filter`)));
  root.append(h('h2', {}, t(`${P}.filters`)), form);

  const msg = messages();
  let page = { items: [], total: 0 };
  try {
    page = await ctx.api('GET', `${BASE}${query({ state: filters.state, ground: filters.ground, overdue: filters.overdue ? 'true' : '', limit: 200 })}`);
  } catch (err) {
    msg.fail(explain(ctx, err, P));
  }
  root.append(...msg.els, table({
    id: 'order-table',
    caption: t(`${P}.list.caption`, { n: page.total }),
    empty: t(`${P}.list.empty`),
    rows: page.items,
    rowKey: (o) => o.id,
    columns: [
      { label: t(`${P}.col.number`), cell: (o) => o.number },
      { label: t(`${P}.col.target`), cell: target },
      { label: t(`${P}.col.ground`), cell: (o) => label(`${P}.ground`, o.ground) },
      { label: t(`${P}.col.deadline`), cell: deadline },
      { label: t(`${P}.col.state`), cell: stateBadge },
      {
        label: t(`${P}.col.actions`),
        cell: (o) => h('a', { class: 'btn secondary', href: `#/orders/order?id=${encodeURIComponent(o.id)}`,
          'aria-label': t(`${P}.open_of`, { number: o.number }) }, t(`${P}.open`)),
      },
    ],
  }));
  root.querySelectorAll('#order-table tbody tr').forEach((tr, i) => { if (page.items[i].overdue) tr.classList.add('tk-row-overdue'); });
  return root;
}

function tomorrow(days = 1) {
  // The province's calendar day (Asia/Shanghai), as an <input type=date> value.
  const d = new Date(Date.now() + 8 * 3600 * 1000 + days * 86400 * 1000);
  return d.toISOString().slice(0, 10);
}

async function newScreen(ctx) {
  const root = h('section', { class: 'adm-screen', 'data-screen': 'order-new' });
  root.append(h('p', {}, h('a', { href: '#/orders' }, t(`${P}.back`))), h('h1', {}, t(`${P}.new`)), h('p', { class: 'hint' }, t(`${P}.new_intro`)));
  const msg = messages();
  const kind = select(TARGETS.map((k) => ({ value: k, label: label(`${P}.target`, k) })), { id: 'order-target-kind', name: 'target_kind' });
  const targetSel = select([], { id: 'order-target', name: 'target_id', required: true });
  const ground = select(GROUNDS.map((g) => ({ value: g, label: label(`${P}.ground`, g) })), { id: 'order-ground', name: 'ground' });
  const detail = h('textarea', { id: 'order-detail', name: 'detail', rows: 5, minlength: 2, maxlength: 2000, required: true });
  const due = h('input', { type: 'date', id: 'order-deadline', name: 'deadline', required: true, min: tomorrow(1), max: tomorrow(365), value: tomorrow(30) });

  async function loadTargets() {
    targetSel.replaceChildren();
    try {
      const found = await ctx.api('GET', `${BASE}/targets?kind=${encodeURIComponent(kind.value)}&limit=500`);
      if (!found.length) targetSel.append(h('option', { value: '' }, t(`${P}.no_targets`)));
      for (const item of found) targetSel.append(h('option', { value: item.id }, item.name));
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  }
  kind.addEventListener('change', loadTargets);
  await loadTargets();

  const form = h('form', { id: 'order-form', class: 'adm-form', onsubmit: async (e) => {
    e.preventDefault();
    msg.clear();
    if (!targetSel.value) { msg.fail(t(`${P}.err.order.unknown_target`)); return; }
    await busy(form, async () => {
      try {
        const made = await ctx.api('POST', BASE, {
          target_kind: kind.value, target_id: targetSel.value, ground: ground.value, detail: detail.value.trim(), deadline: due.value,
        });
        announce(t(`${P}.issued`, { number: made.order.number }));
        ctx.go(`orders/order?id=${encodeURIComponent(made.order.id)}`);
      } catch (err) { msg.fail(explain(ctx, err, P)); }
    });
  } },
  field(t(`${P}.col.target_kind`), kind),
  field(t(`${P}.col.target`), targetSel),
  field(t(`${P}.col.ground`), ground, t(`${P}.ground_hint`)),
  field(t(`${P}.col.detail`), detail, t(`${P}.detail_hint`)),
  field(t(`${P}.col.deadline`), due, t(`${P}.deadline_hint`)),
  ...msg.els,
  h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'order-issue' }, t(`${P}.issue`))));
  root.append(form);
  return root;
}

// The steps a caller may take, with the words on their buttons and whether a note is needed.
const ACTIONS = [
  { action: 'report', key: 'report', body: () => ({}), needsNote: true },
  { action: 'check', key: 'check_complied', body: () => ({ outcome: 'complied' }), needsNote: false },
  { action: 'check', key: 'check_not_done', body: () => ({ outcome: 'not_done' }), needsNote: true, only: 'reported' },
  { action: 'escalate', key: 'escalate', body: () => ({}), needsNote: false },
  { action: 'withdraw', key: 'withdraw', body: () => ({}), needsNote: true },
];

async function orderScreen(ctx, params) {
  const id = params.get('id') || '';
  const root = h('section', { class: 'adm-screen', 'data-screen': 'order' });
  root.append(h('p', {}, h('a', { href: '#/orders' }, t(`${P}.back`))));
  const msg = messages();
  let view = null;
  try {
    view = await ctx.api('GET', `${BASE}/${encodeURIComponent(id)}`);
  } catch (err) {
    root.append(h('h1', {}, t(`${P}.title`)), h('p', { class: 'error', role: 'alert' }, explain(ctx, err, P)));
    return root;
  }
  const o = view.order;
  root.append(h('h1', {}, t(`${P}.order_title`, { number: o.number })),
    h('dl', { class: 'facts' },
      h('dt', {}, t(`${P}.col.state`)), h('dd', { id: 'order-state' }, stateBadge(o)),
      h('dt', {}, t(`${P}.col.target`)), h('dd', {}, target(o)),
      h('dt', {}, t(`${P}.col.ground`)), h('dd', {}, label(`${P}.ground`, o.ground)),
      h('dt', {}, t(`${P}.col.detail`)), h('dd', {}, o.detail),
      h('dt', {}, t(`${P}.col.deadline`)), h('dd', { id: 'order-deadline' }, deadline(o)),
      h('dt', {}, t(`${P}.col.issued_at`)), h('dd', {}, date(o.issued_at)),
      ...(view.outside_catalog_30d === null || view.outside_catalog_30d === undefined ? [] : [
        h('dt', {}, t(`${P}.evidence`)), h('dd', { id: 'order-evidence' }, t(`${P}.evidence_n`, { n: view.outside_catalog_30d })),
      ])));

  const offered = ACTIONS.filter((a) => view.actions.includes(a.action) && (!a.only || a.only === o.state));
  if (offered.length) {
    const note = h('textarea', { id: 'order-note', name: 'note', rows: 3, maxlength: 2000 });
    const buttons = h('div', { class: 'row actions' });
    const box = h('form', { id: 'order-actions', onsubmit: (e) => e.preventDefault() },
      h('h2', {}, t(`${P}.next_steps`)), field(t(`${P}.note`), note, t(`${P}.note_hint`)), buttons);
    for (const a of offered) {
      buttons.append(h('button', { type: 'button', class: a.key === 'withdraw' ? 'btn secondary' : 'btn primary', id: `order-${a.key.replace(/_/g, '-')}`,
        onclick: async () => {
          msg.clear();
          const text = note.value.trim();
          if (a.needsNote && text.length < 2) { msg.fail(t(`${P}.err.order.note_required`)); note.focus(); return; }
          await busy(box, async () => {
            try {
              await ctx.api('POST', `${BASE}/${encodeURIComponent(o.id)}/${a.action}`, { version: o.version, note: text, ...a.body() });
              announce(t(`${P}.done.${a.key}`));
              ctx.go(`orders/order?id=${encodeURIComponent(o.id)}`);
            } catch (err) { msg.fail(explain(ctx, err, P)); }
          });
        } }, t(`${P}.action.${a.key}`)));
    }
    root.append(box);
  }
  root.append(...msg.els);

  root.append(h('h2', {}, t(`${P}.history`)), table({
    id: 'order-steps',
    caption: t(`${P}.history_caption`, { n: view.steps.length }),
    empty: '',
    rows: view.steps,
    rowKey: (s) => String(s.seq),
    columns: [
      { label: t(`${P}.col.at`), cell: (s) => date(s.at) },
      { label: t(`${P}.col.step`), cell: (s) => h('span', { dataset: { action: s.action } }, label(`${P}.step`, s.action)) },
      { label: t(`${P}.col.by`), cell: (s) => `${label(`${P}.actor`, s.actor_kind)}${s.actor_id && s.actor_kind !== 'system' ? ` (${s.actor_id.slice(0, 8)})` : ''}` },
      { label: t(`${P}.col.change`), cell: (s) => (s.from_state ? `${label(`${P}.state`, s.from_state)} → ${label(`${P}.state`, s.to_state)}` : label(`${P}.state`, s.to_state)) },
      { label: t(`${P}.note`), cell: (s) => s.note || '—' },
    ],
  }));
  return root;
}

export const section = {
  id: 'orders',
  titleKey: 'console.orders.title',
  // Counter operators issue and record; supervisors check, escalate and withdraw; provincial operators anywhere.
  roles: ['counter_operator', 'supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/orders',
  screens: { '': home, new: newScreen, order: orderScreen },
};
