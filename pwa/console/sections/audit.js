// Console section: audit (issue 15 §3, docs/access-record.md). Search the access record (one holder's
// by identity document, what one staff member did, by action, result, actor kind and period), page
// through it newest first, and check the hash chain. The identity document goes in a POST body only,
// never into the address; a staff member's id may (#/audit?actor=<id>, linked from the staff list).
// Issue 20 (Art. 21): search by office too, each entry's proof in the anchored chain
// (#/audit/entry?id=<entry id>), and the report of unusual staff behaviour (#/audit/staff).
// Supervisors use it for the staff of their own city (the API decides).

import { has, t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, date, explain, field, input, label, list, messages, select, subnav, table } from './admin-kit.js';

const P = 'console.audit';
const PAGE = 25;
const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence', 'foreign_passport'];
const ACTIONS = [
  'person.lookup', 'person.read', 'person.documents', 'card.lookup', 'ticket.read', 'family.counter_lookup',
  'proofing.photo_of_record', 'application.review_queue', 'agency.query', 'verification', 'certificate.issue', 'audit.read',
  'card.report_loss', 'card.lift_loss', 'card.lock', 'card.unlock', 'card.request_replacement', 'card.cancel', 'card.issue',
  'application.approve', 'application.reject',
];
const ACTOR_KINDS = ['staff', 'agency', 'venue', 'bank', 'system'];
const RESULTS = ['ok', 'refused', 'not_found'];

function nav(current) {
  return subnav(t(`${P}.nav`), [
    { route: 'audit', label: t(`${P}.nav_search`) },
    { route: 'audit/chain', label: t(`${P}.nav_chain`) },
    { route: 'audit/staff', label: t(`${P}.nav_staff`) },
  ], current);
}

async function staffList(ctx) {
  try {
    return await ctx.api('GET', '/api/v1/staff?limit=500');
  } catch {
    return [];
  }
}

// China Standard Time day boundaries for the period fields (<input type=date> gives YYYY-MM-DD).
function dayStart(day) {
  return `${day}T00:00:00+08:00`;
}

function nextDayStart(day) {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return dayStart(next.toISOString().slice(0, 10));
}

// --- search -------------------------------------------------------------------------------

let last = null; // the last search drawn: { staff, actor, filters, pages, answer, before, values }

async function searchScreen(ctx, params) {
  const people = await staffList(ctx);
  const nameOf = (id) => people.find((p) => p.id === id);
  const wantedActor = /^[0-9a-f-]{36}$/.test(params.get('actor') || '') ? params.get('actor') : '';

  const actor = select([
    { value: '', label: t(`${P}.anyone`) },
    ...people.map((p) => ({ value: p.id, label: `${p.name} (${p.username})`, selected: p.id === wantedActor })),
  ], { id: 'au-actor', name: 'actor_id' });
  const offices = [...new Map(people.map((p) => [p.office_id, p.office_name || p.office_id])).entries()];
  const office = select([
    { value: '', label: t(`${P}.any_office`) },
    ...offices.map(([id, name]) => ({ value: id, label: name })),
  ], { id: 'au-office', name: 'actor_org' });
  const docType = select([
    { value: '', label: t(`${P}.no_document`) },
    ...DOC_TYPES.map((d) => ({ value: d, label: has(`doc.${d}`) ? t(`doc.${d}`) : t(`${P}.doc.${d}`) })),
  ], { id: 'au-doc-type', name: 'doc_type' });
  const idNumber = input({ id: 'au-id-number', name: 'id_number', maxlength: 32, autocomplete: 'off', spellcheck: 'false' });
  const action = input({ id: 'au-action', name: 'action', maxlength: 48, list: 'au-actions', pattern: '[a-z_.]+', spellcheck: 'false' });
  const actions = h('datalist', { id: 'au-actions' }, ACTIONS.map((a) => h('option', { value: a }, label(`${P}.action`, a))));
  const actorKind = select([{ value: '', label: t(`${P}.any`) }, ...ACTOR_KINDS.map((k) => ({ value: k, label: label(`${P}.kind`, k) }))], { id: 'au-actor-kind', name: 'actor_kind' });
  const result = select([{ value: '', label: t(`${P}.any`) }, ...RESULTS.map((r) => ({ value: r, label: label(`${P}.result`, r) }))], { id: 'au-result', name: 'result' });
  const from = input({ type: 'date', id: 'au-from', name: 'from' });
  const to = input({ type: 'date', id: 'au-to', name: 'to' });
  const msg = messages();
  const results = h('div', { id: 'au-results', 'aria-live': 'polite' });

  const form = h('form', { class: 'panel', id: 'au-form', role: 'search', 'aria-label': t(`${P}.search_title`) },
    h('h2', {}, t(`${P}.search_title`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.f.actor`), actor, t(`${P}.f.actor_hint`)),
      field(t(`${P}.f.office`), office, t(`${P}.f.office_hint`)),
      field(t(`${P}.f.doc_type`), docType),
      field(t(`${P}.f.id_number`), idNumber, t(`${P}.f.id_number_hint`)),
      field(t(`${P}.f.action`), action, t(`${P}.f.action_hint`)),
      field(t(`${P}.f.actor_kind`), actorKind),
      field(t(`${P}.f.result`), result),
      field(t(`${P}.f.from`), from),
      field(t(`${P}.f.to`), to)),
    actions,
    ...msg.els,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', id: 'au-search' }, t(`${P}.search`)),
      h('button', { type: 'reset', class: 'btn secondary', id: 'au-clear' }, t(`${P}.clear`))));

  // The filters of the current search, and the pages seen (for "newer").
  let filters = null;
  let pages = [];
  const fields = { actor, office, docType, idNumber, action, actorKind, result, from, to };

  const body = () => {
    const b = { limit: PAGE };
    if (actor.value) b.actor_id = actor.value;
    if (office.value) b.actor_org = office.value;
    if (docType.value || idNumber.value.trim()) { b.doc_type = docType.value; b.id_number = idNumber.value.trim(); }
    if (action.value.trim()) b.action = action.value.trim();
    if (actorKind.value) b.actor_kind = actorKind.value;
    if (result.value) b.result = result.value;
    if (from.value) b.since = dayStart(from.value);
    if (to.value) b.until = nextDayStart(to.value);
    return b;
  };

  async function run(before) {
    const answer = await ctx.api('POST', '/api/v1/audit/access-records/search', before ? { ...filters, before } : filters);
    draw(answer, before);
  }

  function draw(answer, before) {
    // Kept for this screen's next drawing (a language or elder-mode switch draws it again), for
    // this staff member only: a shared counter PC's next user never sees it.
    last = {
      staff: ctx.staff.id, actor: wantedActor, filters, pages: [...pages], answer, before,
      values: Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value])),
    };
    const offset = pages.length * PAGE;
    const who = filters.actor_id ? nameOf(filters.actor_id) : null;
    const heading = who ? t(`${P}.did_title`, { name: who.name }) : t(`${P}.results_title`);
    const rows = answer.items;
    const pager = h('nav', { class: 'actions', 'aria-label': t(`${P}.pages`) },
      pages.length ? h('button', { type: 'button', class: 'btn secondary', id: 'au-newer', onclick: () => {
        const previous = pages.pop();
        go(previous.before, true);
      } }, t(`${P}.newer`)) : null,
      answer.next_before ? h('button', { type: 'button', class: 'btn secondary', id: 'au-older', onclick: () => {
        pages.push({ before });
        go(answer.next_before, true);
      } }, t(`${P}.older`)) : null);
    results.replaceChildren(
      h('h2', { id: 'au-results-h', tabindex: '-1' }, heading),
      table({
        id: 'au-table',
        caption: t(`${P}.caption`, { from: rows.length ? offset + 1 : 0, to: offset + rows.length }),
        empty: t(`${P}.empty`),
        rows,
        rowKey: (r) => String(r.seq),
        columns: [
          { label: t(`${P}.col.at`), cell: (r) => h('time', { datetime: r.at }, date(r.at)) },
          { label: t(`${P}.col.actor`), cell: (r) => h('span', {}, r.actor_name || r.actor_id, h('br'), h('small', {}, label(`${P}.kind`, r.actor_kind))) },
          { label: t(`${P}.col.action`), cell: (r) => h('span', {}, label(`${P}.action`, r.action), h('br'), h('code', {}, r.action)) },
          { label: t(`${P}.col.person`), cell: (r) => (r.person ? h('code', { title: r.person }, r.person.slice(0, 8)) : t(`${P}.nobody`)) },
          { label: t(`${P}.col.fields`), cell: (r) => h('span', { class: 'au-fields' }, list(r.fields)) },
          { label: t(`${P}.col.why`), cell: (r) => h('span', {}, r.purpose, h('br'), h('small', {}, [label(`${P}.basis`, r.basis_kind), r.basis_ref].filter(Boolean).join(' · '))) },
          { label: t(`${P}.col.result`), cell: (r) => h('span', { class: `badge ${r.result === 'ok' ? 'status-ok' : 'status-bad'}` }, label(`${P}.result`, r.result)) },
          { label: t(`${P}.col.seq`), cell: (r) => h('span', {},
            String(r.seq), h('br'),
            h('code', { class: 'au-hash', title: r.hash }, `${r.hash.slice(0, 12)}…`), h('br'),
            h('a', { href: `#/audit/entry?id=${encodeURIComponent(r.id)}`, class: 'au-proof', 'aria-label': t(`${P}.proof_of`, { seq: r.seq }) }, t(`${P}.proof`))) },
        ],
      }),
      pager.childElementCount ? pager : '');
    announce(t(`${P}.found`, { n: rows.length }));
  }

  async function go(before, focus) {
    msg.clear();
    try {
      await busy(form, () => run(before));
      if (focus) results.querySelector('h2').focus();
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (Boolean(docType.value) !== Boolean(idNumber.value.trim())) {
      msg.fail(t(`${P}.err.audit.bad_document`));
      (docType.value ? idNumber : docType).focus();
      return;
    }
    if (from.value && to.value && from.value > to.value) {
      msg.fail(t(`${P}.err.audit.bad_period`));
      to.focus();
      return;
    }
    filters = body();
    pages = [];
    go(undefined, true);
  });
  form.addEventListener('reset', () => { msg.clear(); results.replaceChildren(); last = null; });

  const root = h('section', { class: 'au-screen', 'data-screen': 'audit' },
    h('h1', {}, t(`${P}.title`)),
    nav('audit'),
    h('p', { class: 'hint' }, t(`${P}.intro`)),
    form,
    results);
  if (last && last.staff === ctx.staff.id && last.actor === wantedActor) {
    for (const [k, el] of Object.entries(fields)) el.value = last.values[k];
    filters = last.filters;
    pages = [...last.pages];
    draw(last.answer, last.before);
  } else if (wantedActor) {
    filters = { limit: PAGE, actor_id: wantedActor };
    try {
      await run(undefined);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  }
  return root;
}

// --- the chain check ----------------------------------------------------------------------

function chainScreen(ctx) {
  const msg = messages();
  const seq = input({ id: 'au-anchor-seq', name: 'anchor_seq', inputmode: 'numeric', pattern: '[0-9]+', maxlength: 16 });
  const hash = input({ id: 'au-anchor-hash', name: 'anchor_hash', pattern: '[0-9a-f]{64}', maxlength: 64, spellcheck: 'false' });
  const out = h('div', { id: 'au-chain-out' });
  const form = h('form', { class: 'panel', id: 'au-chain-form' },
    h('h2', {}, t(`${P}.chain_title`)),
    h('p', { class: 'hint' }, t(`${P}.chain_intro`)),
    h('fieldset', {},
      h('legend', {}, t(`${P}.anchor`)),
      h('p', { class: 'hint' }, t(`${P}.anchor_hint`)),
      h('div', { class: 'form-grid' }, field(t(`${P}.anchor_seq`), seq), field(t(`${P}.anchor_hash`), hash))),
    ...msg.els,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'au-check' }, t(`${P}.check`))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const s = seq.value.trim();
    const x = hash.value.trim().toLowerCase();
    if (Boolean(s) !== Boolean(x)) { msg.fail(t(`${P}.err.audit.bad_anchor`)); (s ? hash : seq).focus(); return; }
    msg.clear();
    out.replaceChildren(h('p', { role: 'status' }, t(`${P}.checking`)));
    busy(form, async () => {
      try {
        const q = s ? `?anchor_seq=${encodeURIComponent(s)}&anchor_hash=${encodeURIComponent(x)}` : '';
        const report = await ctx.api('GET', `/api/v1/audit/chain${q}`);
        out.replaceChildren(verdict(report));
        out.querySelector('h2').focus();
        announce(out.querySelector('.au-verdict').textContent);
      } catch (err) {
        out.replaceChildren();
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  return h('section', { class: 'au-screen', 'data-screen': 'audit-chain' },
    h('h1', {}, t(`${P}.title`)), nav('audit/chain'), form, out);
}

function verdict(report) {
  const fact = (key, value, cls) => [h('dt', {}, t(`${P}.chain.${key}`)), h('dd', cls ? { class: cls } : {}, value)];
  const brk = report.first_break;
  return h('section', { class: `panel au-chain ${report.ok ? 'ok' : 'broken'}`, id: 'au-chain-result', 'aria-labelledby': 'au-chain-h' },
    h('h2', { id: 'au-chain-h', tabindex: '-1' }, t(`${P}.chain.result`)),
    h('p', { class: 'au-verdict', id: 'au-verdict' }, report.ok ? t(`${P}.chain.ok`, { n: report.entries }) : t(`${P}.chain.broken`, { seq: brk ? brk.seq : '' })),
    h('dl', { class: 'facts' },
      fact('entries', String(report.entries)),
      fact('head_seq', String(report.head_seq)),
      fact('head_hash', report.head_hash, 'au-hash'),
      brk ? fact('break_kind', label(`${P}.break`, brk.kind)) : null,
      brk ? fact('break_seq', String(brk.seq)) : null,
      brk && brk.entry_id ? fact('break_entry', brk.entry_id, 'au-hash') : null,
      brk ? fact('break_message', brk.message) : null),
    h('p', { class: 'hint' }, t(report.ok ? `${P}.chain.keep_head` : `${P}.chain.what_now`)));
}

// --- one entry, proved in the anchored chain ------------------------------------------------

async function entryScreen(ctx, params) {
  const id = params.get('id') || '';
  const msg = messages();
  const out = h('div', { id: 'au-proof-out' });
  const root = h('section', { class: 'au-screen', 'data-screen': 'audit-entry' },
    h('h1', {}, t(`${P}.entry_title`)), nav('audit/entry'), ...msg.els, out);
  if (!/^[0-9a-f-]{36}$/.test(id)) {
    msg.fail(t(`${P}.err.audit.entry_not_found`));
    return root;
  }
  try {
    const proof = await ctx.api('GET', `/api/v1/audit/entries/${encodeURIComponent(id)}/proof`);
    out.replaceChildren(proofView(proof));
  } catch (err) {
    msg.fail(explain(ctx, err, P));
  }
  return root;
}

function proofView(proof) {
  const e = proof.entry;
  const fact = (key, value, cls) => [h('dt', {}, t(`${P}.pf.${key}`)), h('dd', cls ? { class: cls } : {}, value)];
  const verdictText = proof.verified
    ? t(`${P}.pf.verified`, { n: proof.anchor.number, seq: proof.anchor.seq })
    : t(`${P}.pf.not_verified`, { why: label(`${P}.why`, proof.reason) });
  return h('section', { class: `panel au-chain ${proof.verified ? 'ok' : 'broken'}`, id: 'au-proof', 'aria-labelledby': 'au-proof-h' },
    h('h2', { id: 'au-proof-h', tabindex: '-1' }, t(`${P}.pf.title`, { seq: e.seq })),
    h('p', { class: 'au-verdict', id: 'au-proof-verdict', role: 'status' }, verdictText),
    h('dl', { class: 'facts' },
      fact('at', h('time', { datetime: e.at }, date(e.at))),
      fact('actor', `${e.actor_name || e.actor_id} (${label(`${P}.kind`, e.actor_kind)})`),
      fact('action', `${label(`${P}.action`, e.action)} · ${e.action}`),
      fact('why', [e.purpose, e.basis_ref].filter(Boolean).join(' · ')),
      fact('seq', String(e.seq)),
      fact('hash', e.hash, 'au-hash'),
      fact('prev_hash', e.prev_hash, 'au-hash'),
      fact('hash_ok', proof.hash_ok ? t(`${P}.pf.yes`) : t(`${P}.pf.no`)),
      fact('links', String(proof.links)),
      proof.anchor ? fact('anchor', t(`${P}.pf.anchor_is`, { n: proof.anchor.number, seq: proof.anchor.seq })) : null,
      proof.anchor ? fact('anchor_at', h('time', { datetime: proof.anchor.at }, date(proof.anchor.at))) : null,
      proof.anchor ? fact('statement', proof.anchor.statement, 'au-hash au-statement') : null),
    h('p', { class: 'hint' }, t(`${P}.pf.hint`)));
}

// --- unusual staff behaviour -----------------------------------------------------------------

function isoDay(d) {
  return new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 10);
}

async function staffScreen(ctx) {
  const today = new Date();
  const from = input({ type: 'date', id: 'au-rep-from', name: 'from', required: true, value: isoDay(new Date(today.getTime() - 6 * 86400e3)) });
  const to = input({ type: 'date', id: 'au-rep-to', name: 'to', required: true, value: isoDay(today) });
  const provincial = ctx.staff.role === 'provincial_operator';
  const city = provincial ? input({ id: 'au-rep-city', name: 'city', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6 }) : null;
  const msg = messages();
  const out = h('div', { id: 'au-rep-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'panel', id: 'au-rep-form' },
    h('h2', {}, t(`${P}.rep.form_title`)),
    h('p', { class: 'hint' }, t(`${P}.rep.intro`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.f.from`), from),
      field(t(`${P}.f.to`), to),
      city ? field(t(`${P}.rep.city`), city, t(`${P}.rep.city_hint`)) : null),
    ...msg.els,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'au-rep-run' }, t(`${P}.rep.run`))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!from.value || !to.value || from.value > to.value) { msg.fail(t(`${P}.err.audit.bad_period`)); to.focus(); return; }
    msg.clear();
    busy(form, async () => {
      try {
        const q = new URLSearchParams({ since: dayStart(from.value), until: nextDayStart(to.value) });
        if (city && city.value.trim()) q.set('city', city.value.trim());
        const report = await ctx.api('GET', `/api/v1/audit/staff-report?${q}`);
        out.replaceChildren(reportView(report));
        out.querySelector('h2').focus();
        announce(t(`${P}.rep.found`, { n: report.staff.length }));
      } catch (err) {
        out.replaceChildren();
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  return h('section', { class: 'au-screen', 'data-screen': 'audit-staff' },
    h('h1', {}, t(`${P}.title`)), nav('audit/staff'), form, out);
}

function reportView(report) {
  const flagCell = (r) => (r.flags.length
    ? h('ul', { class: 'au-flags' }, r.flags.map((f) => h('li', { 'data-flag': f.kind },
      h('strong', {}, label(`${P}.flag`, f.kind)), ` (${f.count}) `,
      ...f.examples.map((id, i) => [i ? ' ' : '', h('a', { href: `#/audit/entry?id=${encodeURIComponent(id)}` }, t(`${P}.rep.example`, { n: i + 1 }))]).flat())))
    : h('span', { class: 'badge status-ok' }, t(`${P}.rep.nothing`)));
  return h('section', { class: 'panel', id: 'au-rep' },
    h('h2', { id: 'au-rep-h', tabindex: '-1' }, t(`${P}.rep.title`)),
    h('p', { class: 'hint' }, t(`${P}.rep.thresholds`, { n: report.people_per_day })),
    table({
      id: 'au-rep-table',
      caption: t(`${P}.rep.caption`, { n: report.staff.length }),
      empty: t(`${P}.rep.empty`),
      rows: report.staff,
      rowKey: (r) => r.staff_id,
      columns: [
        { label: t(`${P}.rep.col.staff`), cell: (r) => h('a', { href: `#/audit?actor=${encodeURIComponent(r.staff_id)}` }, r.name || r.staff_id) },
        { label: t(`${P}.rep.col.office`), cell: (r) => r.office_name },
        { label: t(`${P}.rep.col.entries`), cell: (r) => String(r.entries) },
        { label: t(`${P}.rep.col.people`), cell: (r) => String(r.people) },
        { label: t(`${P}.rep.col.flags`), cell: flagCell },
      ],
    }));
}

export const section = {
  id: 'audit',
  titleKey: 'console.audit.title',
  // The access record across holders is the provincial operators' (audit.read, Art. 17).
  // Supervisors: what the staff of their own city did, the proofs of those entries and their city's report.
  roles: ['provincial_operator', 'supervisor'],
  dictionary: '/console/i18n/audit',
  screens: { '': searchScreen, chain: chainScreen, entry: entryScreen, staff: staffScreen },
};
