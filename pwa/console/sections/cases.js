// Console section: enforcement cases (Art. 19; docs/enforcement.md). City staff see their city's cases and
// provincial operators every city's: a filtered list, opening a case about a card or a venue, and a case's
// page with the signals' evidence, its history, its credit records and the steps the signed-in member of
// staff may take now (a fine behind a confirmation; four eyes explained to the one who proposed it).

import { t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { busy, date, explain, field, input, label, messages, select, table } from './admin-kit.js';

const P = 'console.cases';
const BASE = '/api/v1/enforcement/cases';
const STATES = ['open', 'investigating', 'proposed', 'decided', 'appealed', 'closed'];
const KINDS = ['lending', 'selling', 'impersonation', 'theft', 'withholding', 'forgery', 'impossible_travel', 'outside_catalog', 'other'];
const ORDER_GROUNDS = ['outside_catalog', 'duplicate_card', 'not_connected', 'no_holder_queries', 'other'];
// The order the case page offers its steps in; each needs a reason unless listed in NO_REASON.
const STEPS = ['investigate', 'assign', 'note', 'decide', 'propose_fine', 'approve_fine', 'reject_fine', 'appeal', 'uphold', 'overturn', 'close', 'dismiss'];
const NO_REASON = new Set(['investigate', 'assign', 'approve_fine', 'close']);
const DANGER = new Set(['approve_fine', 'overturn', 'dismiss']);
const path = (action) => ({ note: 'notes', propose_fine: 'propose-fine', approve_fine: 'approve-fine', reject_fine: 'reject-fine' }[action] || action);

function stateBadge(state) {
  const tone = { open: 'status-info', investigating: 'status-info', proposed: 'status-warn', decided: 'status-ok',
    appealed: 'status-warn', closed: 'status-muted' }[state] || 'status-muted';
  return h('span', { class: `badge ${tone}`, dataset: { state } }, label(`${P}.state`, state));
}

const yuan = (n) => (n === null || n === undefined ? '—' : t(`${P}.yuan`, { n: Number(n).toLocaleString() }));

function decisionText(c) {
  if (!c.decision) return c.state === 'proposed' ? t(`${P}.fine_proposed`, { amount: yuan(c.fine_yuan) }) : '—';
  if (c.decision === 'fine') return `${label(`${P}.decision`, 'fine')} · ${yuan(c.fine_yuan)}`;
  return label(`${P}.decision`, c.decision);
}

function subjectText(c) {
  if (c.subject_kind === 'venue') return `${label(`${P}.subject`, 'venue')}: ${c.venue_name || c.venue_id || ''}`;
  return label(`${P}.subject`, c.subject_kind);
}

// --- the list -------------------------------------------------------------------------------

function filters(ctx, params) {
  const form = h('form', { class: 'form-grid', id: 'case-filters', role: 'search', 'aria-label': t(`${P}.filters`) });
  const state = select([{ value: '', label: t(`${P}.any`) }, ...STATES.map((s) => ({ value: s, label: label(`${P}.state`, s), selected: params.get('state') === s }))], { id: 'filter-state', name: 'state' });
  const kind = select([{ value: '', label: t(`${P}.any`) }, ...KINDS.map((k) => ({ value: k, label: label(`${P}.kind`, k), selected: params.get('kind') === k }))], { id: 'filter-kind', name: 'kind' });
  const mine = h('input', { type: 'checkbox', id: 'filter-mine', name: 'mine', checked: params.get('mine') === 'true' });
  form.append(field(t(`${P}.col.state`), state), field(t(`${P}.col.kind`), kind));
  let city = null;
  if (ctx.staff.role === 'provincial_operator') {
    city = input({ id: 'filter-city', name: 'city', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: '6', value: params.get('city') || '' });
    form.append(field(t(`${P}.col.city`), city, t(`${P}.city_hint`)));
  }
  form.append(h('div', { class: 'field' }, h('label', { class: 'adm-check', for: 'filter-mine' }, mine, h('span', {}, t(`${P}.mine`)))),
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'filter-apply' }, t(`${P}.apply`))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (state.value) q.set('state', state.value);
    if (kind.value) q.set('kind', kind.value);
    if (mine.checked) q.set('mine', 'true');
    if (city && city.value.trim()) q.set('city', city.value.trim());
    ctx.go(`cases${q.toString() ? `?${q}` : ''}`);
  });
  return form;
}

function openForm(ctx) {
  const msg = messages();
  const kind = select(KINDS.map((k) => ({ value: k, label: label(`${P}.kind`, k) })), { id: 'open-kind', name: 'kind' });
  const about = select([{ value: 'card', label: t(`${P}.open.about_card`) }, { value: 'venue', label: t(`${P}.open.about_venue`) }], { id: 'open-about', name: 'about' });
  const card = input({ id: 'open-card', name: 'card_number', maxlength: '9', pattern: '[A-HJ-NP-Z][0-9]{8}', autocapitalize: 'characters' });
  const venue = input({ id: 'open-venue', name: 'venue_id', maxlength: '36' });
  const summary = h('textarea', { id: 'open-summary', name: 'summary', maxlength: '500', rows: '2', required: true });
  const cardField = field(t(`${P}.open.card`), card, t(`${P}.open.card_hint`));
  const venueField = field(t(`${P}.open.venue`), venue);
  venueField.hidden = true;
  about.addEventListener('change', () => { cardField.hidden = about.value !== 'card'; venueField.hidden = about.value !== 'venue'; });
  const form = h('form', { class: 'panel', id: 'open-case-form', 'aria-labelledby': 'open-case-heading' },
    h('h2', { id: 'open-case-heading' }, t(`${P}.open.title`)),
    h('div', { class: 'form-grid' }, field(t(`${P}.col.kind`), kind), field(t(`${P}.open.about`), about), cardField, venueField,
      field(t(`${P}.open.summary`), summary)),
    ...msg.els,
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'open-case' }, t(`${P}.open.submit`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const body = { kind: kind.value, summary: summary.value.trim() };
    if (about.value === 'card') body.card_number = card.value.trim().toUpperCase();
    else body.venue_id = venue.value.trim();
    await busy(form, async () => {
      try {
        const made = await ctx.api('POST', BASE, body);
        ctx.go(`cases/case?id=${encodeURIComponent(made.id)}&done=open`);
      } catch (err) { msg.fail(explain(ctx, err, P)); }
    });
  });
  return form;
}

async function home(ctx, params) {
  const root = h('section', { class: 'adm-screen', 'data-screen': 'cases' });
  root.append(h('h1', {}, t(`${P}.title`)), h('p', { class: 'hint' }, t(`${P}.intro`)));
  const msg = messages();
  const q = new URLSearchParams();
  for (const name of ['state', 'kind', 'city', 'mine']) if (params.get(name)) q.set(name, params.get(name));
  const offset = Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0);
  q.set('limit', '50');
  q.set('offset', String(offset));
  let page = { items: [], next_offset: null };
  try {
    page = await ctx.api('GET', `${BASE}?${q}`);
  } catch (err) { msg.fail(explain(ctx, err, P)); }
  root.append(filters(ctx, params), ...msg.els, table({
    id: 'case-table',
    caption: t(`${P}.list.caption`, { n: page.items.length }),
    empty: t(`${P}.list.empty`),
    rows: page.items,
    rowKey: (c) => c.id,
    columns: [
      { label: t(`${P}.col.number`), cell: (c) => h('a', { href: `#/cases/case?id=${encodeURIComponent(c.id)}`, 'aria-label': t(`${P}.open_of`, { number: c.number }) }, c.number) },
      { label: t(`${P}.col.kind`), cell: (c) => label(`${P}.kind`, c.kind) },
      { label: t(`${P}.col.state`), cell: (c) => stateBadge(c.state) },
      { label: t(`${P}.col.subject`), cell: subjectText },
      { label: t(`${P}.col.city`), cell: (c) => c.city_name || c.city },
      { label: t(`${P}.col.decision`), cell: decisionText },
      { label: t(`${P}.col.assigned`), cell: (c) => c.assigned_name || (c.assigned_to ? c.assigned_to : '—') },
      { label: t(`${P}.col.signals`), cell: (c) => String(c.signals) },
      { label: t(`${P}.col.opened`), cell: (c) => date(c.opened_at) },
    ],
  }));
  const nav = h('div', { class: 'row actions' });
  const base = new URLSearchParams(q);
  base.delete('limit');
  if (offset > 0) {
    base.set('offset', String(Math.max(0, offset - 50)));
    nav.append(h('a', { class: 'btn secondary', href: `#/cases?${base}` }, t(`${P}.previous`)));
  }
  if (page.next_offset !== null && page.next_offset !== undefined) {
    base.set('offset', String(page.next_offset));
    nav.append(h('a', { class: 'btn secondary', href: `#/cases?${base}` }, t(`${P}.next`)));
  }
  root.append(nav, openForm(ctx));
  return root;
}

// --- one case -------------------------------------------------------------------------------

function evidenceValue(value) {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' · ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function signalPanel(signal, index) {
  const ev = signal.evidence || {};
  const headingId = `signal-${index}`;
  // A plain <dl> (term above value): the facts grid's term column would not fit a phone with these terms.
  const facts = h('dl', { class: 'case-evidence' },
    h('dt', {}, t(`${P}.signal.window`)), h('dd', {}, `${date(signal.window_start)} – ${date(signal.window_end)}`),
    h('dt', {}, t(`${P}.signal.score`)), h('dd', {}, String(signal.score)));
  const tables = [];
  for (const [key, value] of Object.entries(ev)) {
    if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      const keys = [...new Set(value.flatMap((v) => Object.keys(v)))];
      tables.push(table({
        caption: label(`${P}.evidence`, key),
        rows: value,
        columns: keys.map((k) => ({ label: label(`${P}.evidence`, k), cell: (row) => evidenceValue(row[k]) })),
      }));
    } else if (key === 'times' && Array.isArray(value)) {
      facts.append(h('dt', {}, label(`${P}.evidence`, key)), h('dd', {}, value.map((v) => date(v)).join(' · ')));
    } else {
      // Ids and lists wrap anywhere: a phone's width holds no 36-character id.
      facts.append(h('dt', {}, label(`${P}.evidence`, key)), h('dd', {}, h('span', { class: 'au-fields tk-msg-body' }, evidenceValue(value))));
    }
  }
  return h('section', { class: 'panel case-signal', 'aria-labelledby': headingId, dataset: { kind: signal.kind } },
    h('h3', { id: headingId }, `${label(`${P}.signal_kind`, signal.kind)} · ${date(signal.detected_at)}`),
    h('p', {}, signal.summary), facts, ...tables);
}

function stepForm(ctx, detail, action) {
  const c = detail.case;
  const msg = messages();
  const headingId = `step-${action}`;
  const fields = [];
  const reason = NO_REASON.has(action) ? null
    : h('textarea', { id: `reason-${action}`, name: 'reason', rows: '2', maxlength: '2000', required: true, minlength: '2' });
  let amount = null;
  let decision = null;
  let deadline = null;
  let ground = null;
  if (action === 'propose_fine') {
    amount = h('input', { type: 'number', id: 'fine-amount', name: 'amount_yuan', min: '1000', max: '10000', step: '1', required: true });
    fields.push(field(t(`${P}.fine.amount`), amount, t(`${P}.fine.amount_hint`)));
  }
  if (action === 'decide') {
    decision = select(['no_action', 'warning', 'correction_order'].map((d) => ({ value: d, label: label(`${P}.decision`, d) })), { id: 'decide-decision', name: 'decision' });
    deadline = h('input', { type: 'date', id: 'decide-deadline', name: 'deadline' });
    const deadlineField = field(t(`${P}.decide.deadline`), deadline, t(`${P}.decide.deadline_hint`));
    ground = select(ORDER_GROUNDS.map((g) => ({ value: g, label: label(`${P}.ground`, g), selected: c.kind === 'outside_catalog' ? g === 'outside_catalog' : g === 'other' })), { id: 'decide-ground', name: 'ground' });
    const groundField = field(t(`${P}.decide.ground`), ground);
    const toggle = () => { deadlineField.hidden = decision.value !== 'correction_order'; groundField.hidden = deadlineField.hidden; };
    decision.addEventListener('change', toggle);
    toggle();
    fields.push(field(t(`${P}.decide.decision`), decision), deadlineField, groundField);
  }
  if (reason) fields.push(field(t(action === 'note' ? `${P}.note` : `${P}.reason`), reason));
  const form = h('form', { class: 'panel case-step', 'aria-labelledby': headingId, dataset: { action } },
    h('h3', { id: headingId }, t(`${P}.step.${action}`)),
    h('p', { class: 'hint' }, t(`${P}.step_hint.${action}`)),
    fields.length ? h('div', { class: 'form-grid' }, ...fields) : null,
    ...msg.els,
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: DANGER.has(action) ? 'btn danger' : 'btn primary', id: `do-${action}` }, t(`${P}.do.${action}`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const body = { expected_version: c.version };
    if (reason) {
      const text = reason.value.trim();
      if (action === 'note') body.note = text; else body.reason = text;
    }
    if (amount) body.amount_yuan = Number.parseInt(amount.value, 10);
    if (decision) {
      body.decision = decision.value;
      if (decision.value === 'correction_order') {
        if (!deadline.value) { msg.fail(t(`${P}.err.case.deadline_required`)); return; }
        body.deadline = new Date(`${deadline.value}T23:59:59+08:00`).toISOString();
        body.ground = ground.value;
      }
    }
    if (action === 'propose_fine' || DANGER.has(action)) {
      const ok = await confirmDialog({
        title: t(`${P}.confirm.${action}.title`, { number: c.number }),
        body: t(`${P}.confirm.${action}.body`, { amount: yuan(action === 'propose_fine' ? body.amount_yuan : c.fine_yuan) }),
        confirm: t(`${P}.do.${action}`),
        danger: DANGER.has(action),
      });
      if (!ok) return;
    }
    await busy(form, async () => {
      try {
        await ctx.api('POST', `${BASE}/${encodeURIComponent(c.id)}/${path(action)}`, body);
        ctx.go(`cases/case?id=${encodeURIComponent(c.id)}&done=${action}`);
      } catch (err) { msg.fail(explain(ctx, err, P)); }
    });
  });
  return form;
}

async function caseScreen(ctx, params) {
  const id = params.get('id') || '';
  const root = h('section', { class: 'adm-screen', 'data-screen': 'case' });
  root.append(h('p', {}, h('a', { href: '#/cases' }, t(`${P}.back`))));
  const msg = messages();
  let detail = null;
  try {
    detail = await ctx.api('GET', `${BASE}/${encodeURIComponent(id)}`);
  } catch (err) { msg.fail(explain(ctx, err, P)); }
  if (!detail) {
    root.append(h('h1', {}, t(`${P}.title`)), ...msg.els);
    return root;
  }
  const c = detail.case;
  const done = params.get('done');
  if (done) {
    msg.done(t(`${P}.done.${done}`, { number: c.number }));
    announce(t(`${P}.done.${done}`, { number: c.number }));
  }
  root.append(h('h1', {}, t(`${P}.case_title`, { number: c.number })), ...msg.els,
    h('p', { class: 'hint' }, t(`${P}.read_recorded`)),
    h('dl', { class: 'facts', id: 'case-facts' },
      h('dt', {}, t(`${P}.col.state`)), h('dd', { id: 'case-state' }, stateBadge(c.state)),
      h('dt', {}, t(`${P}.col.kind`)), h('dd', {}, label(`${P}.kind`, c.kind)),
      h('dt', {}, t(`${P}.col.subject`)), h('dd', {}, subjectText(c)),
      detail.card_number ? [h('dt', {}, t(`${P}.card`)), h('dd', { id: 'case-card' }, detail.card_number)] : null,
      detail.holder_name ? [h('dt', {}, t(`${P}.holder`)), h('dd', { id: 'case-holder' }, detail.holder_name)] : null,
      h('dt', {}, t(`${P}.col.city`)), h('dd', {}, c.city_name ? `${c.city_name} (${c.city})` : c.city),
      h('dt', {}, t(`${P}.summary`)), h('dd', {}, c.summary || '—'),
      h('dt', {}, t(`${P}.col.assigned`)), h('dd', { id: 'case-assigned' }, c.assigned_name || c.assigned_to || '—'),
      h('dt', {}, t(`${P}.col.decision`)), h('dd', { id: 'case-decision' }, decisionText(c)),
      c.decision_reason ? [h('dt', {}, t(`${P}.reason`)), h('dd', {}, c.decision_reason)] : null,
      c.correction_deadline ? [h('dt', {}, t(`${P}.decide.deadline`)), h('dd', {}, date(c.correction_deadline, false))] : null,
      c.decided_at ? [h('dt', {}, t(`${P}.decided_at`)), h('dd', {}, date(c.decided_at))] : null,
      c.appeal ? [h('dt', {}, t(`${P}.appeal`)), h('dd', { id: 'case-appeal' }, label(`${P}.appeal_state`, c.appeal))] : null,
      h('dt', {}, t(`${P}.col.opened`)), h('dd', {}, `${date(c.opened_at)} · ${c.opened_by === 'system' ? t(`${P}.by_system`) : t(`${P}.by_staff`)}`)));

  // What the signed-in member of staff may do now.
  const actions = h('section', { class: 'case-actions', 'aria-labelledby': 'case-actions-heading', id: 'case-actions' },
    h('h2', { id: 'case-actions-heading' }, t(`${P}.actions`)));
  if (detail.four_eyes === 'proposer' || detail.four_eyes === 'approver') {
    const why = detail.four_eyes === 'approver' ? 'approved' : (c.state === 'proposed' ? 'proposed' : 'appealed');
    actions.append(h('p', { class: 'status-warn', id: 'four-eyes', role: 'note' }, t(`${P}.four_eyes.${why}`)));
  }
  const allowed = STEPS.filter((a) => detail.allowed_actions.includes(a));
  if (!allowed.length) actions.append(h('p', { class: 'hint', id: 'no-actions' }, t(`${P}.no_actions`)));
  for (const action of allowed) actions.append(stepForm(ctx, detail, action));
  root.append(actions);

  root.append(h('h2', {}, t(`${P}.evidence_title`)));
  if (!detail.signals.length) root.append(h('p', { class: 'hint', id: 'no-signals' }, t(`${P}.no_signals`)));
  detail.signals.forEach((signal, i) => root.append(signalPanel(signal, i)));

  root.append(h('h2', {}, t(`${P}.history`)), table({
    id: 'case-history',
    caption: t(`${P}.history_caption`, { n: detail.steps.length }),
    rows: detail.steps,
    rowKey: (st) => String(st.seq),
    columns: [
      { label: t(`${P}.col.at`), cell: (st) => date(st.at) },
      { label: t(`${P}.col.step`), cell: (st) => h('span', { dataset: { action: st.action } }, label(`${P}.action`, st.action)) },
      { label: t(`${P}.col.by`), cell: (st) => (st.actor_kind === 'staff' ? st.actor_name || st.actor_id : label(`${P}.actor`, st.actor_kind)) },
      { label: t(`${P}.col.change`), cell: (st) => (st.from_state && st.from_state !== st.to_state
        ? `${label(`${P}.state`, st.from_state)} → ${label(`${P}.state`, st.to_state)}` : label(`${P}.state`, st.to_state)) },
      { label: t(`${P}.col.note`), cell: (st) => st.note || '—' },
    ],
  }));

  root.append(h('h2', {}, t(`${P}.credit.title`)), h('p', { class: 'hint' }, t(`${P}.credit.intro`)), table({
    id: 'case-credit',
    caption: t(`${P}.credit.caption`, { n: detail.credit_records.length }),
    empty: t(`${P}.credit.empty`),
    rows: detail.credit_records,
    rowKey: (r) => r.id,
    columns: [
      { label: t(`${P}.col.seq`), cell: (r) => String(r.seq) },
      { label: t(`${P}.col.record_kind`), cell: (r) => h('span', { dataset: { kind: r.kind } }, label(`${P}.credit_kind`, r.kind)) },
      { label: t(`${P}.col.record_id`), cell: (r) => h('code', { class: 'au-hash' }, r.record_id) },
      { label: t(`${P}.col.at`), cell: (r) => date(r.created_at) },
    ],
  }));
  return root;
}

export const section = {
  id: 'cases',
  titleKey: 'console.cases.title',
  roles: ['counter_operator', 'supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/cases',
  screens: { '': home, case: caseScreen },
};
