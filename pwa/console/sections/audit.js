// Console section: audit (issue 15 §3, docs/access-record.md). Search the access record (one holder's
// by identity document, what one staff member did, by action, result, actor kind and period), page
// through it newest first, and check the hash chain. The identity document goes in a POST body only,
// never into the address; a staff member's id may (#/audit?actor=<id>, linked from the staff list).

import { has, t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, date, explain, field, input, label, list, messages, select, subnav, table } from './admin-kit.js';

const P = 'console.audit';
const PAGE = 25;
const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence', 'foreign_passport'];
const ACTIONS = [
  'person.lookup', 'person.read', 'person.documents', 'card.lookup', 'ticket.read', 'family.counter_lookup',
  'proofing.photo_of_record', 'application.review_queue', 'agency.query', 'verification', 'certificate.issue', 'audit.read',
];
const ACTOR_KINDS = ['staff', 'agency', 'venue', 'bank', 'system'];
const RESULTS = ['ok', 'refused', 'not_found'];

function nav(current) {
  return subnav(t(`${P}.nav`), [
    { route: 'audit', label: t(`${P}.nav_search`) },
    { route: 'audit/chain', label: t(`${P}.nav_chain`) },
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
  const fields = { actor, docType, idNumber, action, actorKind, result, from, to };

  const body = () => {
    const b = { limit: PAGE };
    if (actor.value) b.actor_id = actor.value;
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
          { label: t(`${P}.col.seq`), cell: (r) => String(r.seq) },
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

export const section = {
  id: 'audit',
  titleKey: 'console.audit.title',
  // The access record across holders is the provincial operators' (audit.read, Art. 17): the API allows no one else.
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/audit',
  screens: { '': searchScreen, chain: chainScreen },
};
