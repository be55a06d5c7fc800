// Console section: the application catalog (issue 15 §3). Operators draft items and versions,
// submit them for review; another operator publishes (four eyes: the server refuses whoever
// submitted, 403 catalog.same_reviewer) from now or from a later date, sends back with a reason,
// or withdraws an item. Usage reports and the history of publications round it off.

import { currentLang, t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import {
  busy, checkGroup, checkbox, date, explain, field, input, label, list, local, messages, regionName, select, subnav, table, uid,
} from './admin-kit.js';

const P = 'console.catalog';
const PROVINCE = '440000';
const DOMAINS = ['social_insurance', 'hr', 'medical', 'transport', 'culture_tourism_sports', 'finance', 'identity',
  'campus_enterprise_community'];
const ATTRIBUTES = ['name', 'doc_type', 'identity_number', 'masked_name', 'masked_identity_number', 'card_valid',
  'valid_until', 'concession', 'concessions', 'certificate'];
const VENUE_TYPES = ['metro', 'bus', 'ferry', 'library', 'museum', 'scenic_spot', 'sports_ground', 'hotel', 'hospital',
  'service_counter', 'office'];
const STATUS_TONE = { draft: 'warn', review: 'warn', published: 'ok', withdrawn: 'bad' };
const LANG_FIELDS = [['zh-Hans', 'lang.zh-Hans'], ['zh-Hant', 'lang.zh-Hant'], ['en', 'lang.en']];

function nav(current) {
  return subnav(t(`${P}.nav`), [
    { route: 'catalog', label: t(`${P}.nav.queue`) },
    { route: 'catalog/items', label: t(`${P}.nav.items`) },
    { route: 'catalog/new', label: t(`${P}.nav.new`) },
    { route: 'catalog/usage', label: t(`${P}.nav.usage`) },
    { route: 'catalog/history', label: t(`${P}.nav.history`) },
  ], current);
}

// Who is who: staff ids in the versions, shown as names (the listing answers supervisors and
// provincial operators; anyone else sees short ids).
async function staffNames(ctx) {
  const names = new Map();
  try {
    for (const s of await ctx.api('GET', '/api/v1/staff?limit=500')) names.set(s.id, `${s.name} (${s.username})`);
  } catch { /* not allowed to list: ids stay */ }
  return (id) => {
    if (!id) return '';
    if (id === ctx.staff.id) return t(`${P}.you`, { name: ctx.staff.name || ctx.staff.username });
    return names.get(id) || String(id).slice(0, 8);
  };
}

async function regions(ctx) {
  const all = (await ctx.api('GET', '/api/v1/catalog/regions')).items;
  // Supervisors change their own city's catalog only (catalog/access.py).
  return ctx.staff.role === 'supervisor' ? all.filter((r) => r.code === ctx.staff.city) : all;
}

function regionLabel(r) {
  return r.province ? t(`${P}.province`) : `${regionName(r)} (${r.code})`;
}

function statusBadge(status) {
  return h('span', { class: `badge status-${STATUS_TONE[status] || 'warn'}`, dataset: { status } }, label(`${P}.status`, status));
}

// --- the review queue ----------------------------------------------------------------------------

async function queueScreen(ctx) {
  const [queue, who] = await Promise.all([ctx.api('GET', '/api/v1/catalog/queue'), staffNames(ctx)]);
  const root = h('section', { class: 'adm-screen', 'data-screen': 'catalog-queue' },
    h('h1', {}, t(`${P}.title`)), nav('catalog'), h('p', { class: 'hint' }, t(`${P}.queue.intro`)));
  root.append(table({
    id: 'queue-table',
    caption: t(`${P}.queue.caption`, { n: queue.items.length }),
    empty: t(`${P}.queue.empty`),
    rows: queue.items,
    rowKey: (q) => `${q.code}:${q.number}`,
    columns: [
      { label: t(`${P}.col.item`), cell: (q) => h('span', {}, local(q.name), h('br'), h('code', {}, q.code)) },
      { label: t(`${P}.col.version`), cell: (q) => String(q.number) },
      { label: t(`${P}.col.status`), cell: (q) => statusBadge(q.status) },
      { label: t(`${P}.col.drafted_by`), cell: (q) => who(q.created_by) },
      { label: t(`${P}.col.submitted_by`), cell: (q) => who(q.submitted_by) },
      { label: t(`${P}.col.updated`), cell: (q) => date(q.updated_at) },
      {
        label: t(`${P}.col.actions`),
        cell: (q) => h('a', { class: 'btn secondary', href: `#/catalog/item?code=${encodeURIComponent(q.code)}`,
          'aria-label': t(`${P}.open_item`, { name: local(q.name) }) }, t(`${P}.open`)),
      },
    ],
  }));
  return root;
}

// --- the items in effect ----------------------------------------------------------------------------

async function itemsScreen(ctx, params) {
  const choices = await regions(ctx);
  const region = params.get('region') || (ctx.staff.role === 'supervisor' ? ctx.staff.city : PROVINCE);
  const catalog = await ctx.api('GET', `/api/v1/catalog?region=${encodeURIComponent(region)}`);
  const root = h('section', { class: 'adm-screen', 'data-screen': 'catalog-items' },
    h('h1', {}, t(`${P}.items.title`)), nav('catalog/items'));
  const pick = select(choices.map((r) => ({ value: r.code, label: regionLabel(r), selected: r.code === region })), { id: 'items-region' });
  const form = h('form', { class: 'form-grid' }, field(t(`${P}.items.region`), pick),
    h('button', { type: 'submit', class: 'btn secondary' }, t(`${P}.items.show`)));
  form.addEventListener('submit', (e) => { e.preventDefault(); ctx.go(`catalog/items?region=${pick.value}`); });
  root.append(form, table({
    id: 'items-table',
    caption: t(`${P}.items.caption`, { n: catalog.items.length }),
    empty: t(`${P}.items.empty`),
    rows: catalog.items,
    rowKey: (i) => i.code,
    columns: [
      { label: t(`${P}.col.item`), cell: (i) => h('span', {}, local(i.name), h('br'), h('code', {}, i.code)) },
      { label: t(`${P}.col.domain`), cell: (i) => label(`${P}.domain`, i.domain) },
      { label: t(`${P}.col.version`), cell: (i) => String(i.version) },
      { label: t(`${P}.col.scenarios`), cell: (i) => list(i.scenarios.map((s) => local(s.title))) },
      { label: t(`${P}.col.effective`), cell: (i) => date(i.effective_from) },
      {
        label: t(`${P}.col.actions`),
        cell: (i) => h('a', { class: 'btn secondary', href: `#/catalog/item?code=${encodeURIComponent(i.code)}`,
          'aria-label': t(`${P}.open_item`, { name: local(i.name) }) }, t(`${P}.open`)),
      },
    ],
  }));
  return root;
}

// --- one item: its versions and what may be done with them ---------------------------------------

function toIso(localValue) {
  if (!localValue) return null;
  const d = new Date(localValue);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

async function itemScreen(ctx, params) {
  const code = params.get('code') || '';
  const [item, who] = await Promise.all([
    ctx.api('GET', `/api/v1/catalog/items/${encodeURIComponent(code)}/versions`), staffNames(ctx)]);
  const latest = item.versions[0];
  const root = h('section', { class: 'adm-screen', 'data-screen': 'catalog-item' },
    h('p', {}, h('a', { href: '#/catalog' }, t(`${P}.back`))),
    h('h1', {}, t(`${P}.item.title`, { name: local(latest.name), code: item.code })), nav(''));
  root.append(h('dl', { class: 'facts' },
    h('dt', {}, t(`${P}.col.code`)), h('dd', {}, h('code', {}, item.code)),
    h('dt', {}, t(`${P}.col.scope`)), h('dd', {}, item.scope === PROVINCE ? t(`${P}.province`) : item.scope),
    h('dt', {}, t(`${P}.col.created_by`)), h('dd', {}, who(item.created_by))));

  const msg = messages();
  msg.error.id = 'catalog-error';
  msg.ok.id = 'catalog-ok';
  if (params.get('done')) msg.done(t(`${P}.done.${params.get('done')}`));
  root.append(...msg.els);

  const reload = (done) => ctx.go(`catalog/item?code=${encodeURIComponent(code)}&done=${done}`);
  const act = async (form, path, body, done) => busy(form, async () => {
    try {
      await ctx.api('POST', path, body);
      announce(t(`${P}.done.${done}`));
      reload(done);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  });
  const base = `/api/v1/catalog/items/${encodeURIComponent(code)}`;
  const open = item.versions.find((v) => v.status === 'draft' || v.status === 'review');

  if (open && open.status === 'draft') {
    const form = h('form', { class: 'panel', id: 'draft-actions' },
      h('h2', {}, t(`${P}.draft.title`, { n: open.number })),
      open.returned_note ? h('p', { class: 'notice', role: 'note' }, t(`${P}.draft.returned`, { note: open.returned_note })) : null,
      h('p', { class: 'hint' }, t(`${P}.draft.hint`)),
      h('div', { class: 'row' },
        h('a', { class: 'btn secondary', href: `#/catalog/edit?code=${encodeURIComponent(code)}&number=${open.number}` }, t(`${P}.draft.edit`)),
        h('button', { type: 'submit', class: 'btn primary', id: 'submit-review' }, t(`${P}.draft.submit`))));
    form.addEventListener('submit', (e) => { e.preventDefault(); act(form, `${base}/versions/${open.number}/submit`, undefined, 'submitted'); });
    root.append(form);
  } else if (open && open.status === 'review') {
    const mine = open.submitted_by === ctx.staff.id;
    const when = input({ type: 'datetime-local', id: 'effective-from', name: 'effective_from' });
    const publish = h('form', { class: 'panel', id: 'publish-form' },
      h('h2', {}, t(`${P}.review.title`, { n: open.number })),
      h('p', {}, t(`${P}.review.submitted`, { who: who(open.submitted_by), when: date(open.submitted_at) })),
      mine ? h('p', { class: 'notice', role: 'note', id: 'four-eyes-note' }, t(`${P}.review.mine`)) : null,
      field(t(`${P}.review.effective`), when, t(`${P}.review.effective_hint`)),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'publish' }, t(`${P}.review.publish`))));
    publish.addEventListener('submit', (e) => {
      e.preventDefault();
      msg.clear();
      const iso = toIso(when.value);
      if (iso === undefined) { msg.fail(t(`${P}.err.bad_date`)); return; }
      act(publish, `${base}/versions/${open.number}/publish`, iso ? { effective_from: iso } : {}, iso ? 'scheduled' : 'published');
    });
    const note = h('textarea', { id: 'return-note', name: 'note', maxlength: 500, rows: 3 });
    const back = h('form', { class: 'panel', id: 'return-form' },
      h('h2', {}, t(`${P}.return.title`)),
      field(t(`${P}.return.note`), note),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn secondary', id: 'send-back' }, t(`${P}.return.submit`))));
    back.addEventListener('submit', (e) => {
      e.preventDefault();
      msg.clear();
      if (!note.value.trim()) { msg.fail(t(`${P}.return.need_note`)); note.focus(); return; }
      act(back, `${base}/versions/${open.number}/return`, { note: note.value.trim() }, 'returned');
    });
    root.append(publish, back);
  } else {
    root.append(h('p', {}, h('a', { class: 'btn secondary', id: 'new-version', href: `#/catalog/edit?code=${encodeURIComponent(code)}` },
      t(`${P}.item.new_version`))));
  }

  const publicVersions = item.versions.filter((v) => v.status === 'published');
  if (publicVersions.length) {
    const end = input({ type: 'datetime-local', id: 'withdraw-end', name: 'end' });
    const reason = h('textarea', { id: 'withdraw-reason', name: 'reason', maxlength: 500, rows: 3 });
    const form = h('form', { class: 'panel', id: 'withdraw-form' },
      h('h2', {}, t(`${P}.withdraw.title`)),
      h('p', { class: 'hint' }, t(`${P}.withdraw.hint`)),
      field(t(`${P}.withdraw.end`), end, t(`${P}.withdraw.end_hint`)),
      field(t(`${P}.withdraw.reason`), reason),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn danger', id: 'withdraw' }, t(`${P}.withdraw.submit`))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      msg.clear();
      const iso = toIso(end.value);
      if (iso === undefined) { msg.fail(t(`${P}.err.bad_date`)); return; }
      if (!reason.value.trim()) { msg.fail(t(`${P}.withdraw.need_reason`)); reason.focus(); return; }
      const ok = await confirmDialog({
        title: t(`${P}.withdraw.confirm_title`, { name: local(latest.name) }),
        body: t(`${P}.withdraw.confirm_body`),
        confirm: t(`${P}.withdraw.submit`),
        cancel: t(`${P}.cancel`),
        danger: true,
      });
      if (ok) act(form, `${base}/withdraw`, iso ? { end: iso, reason: reason.value.trim() } : { reason: reason.value.trim() }, 'withdrawn');
    });
    root.append(form);
  }

  root.append(table({
    id: 'versions-table',
    caption: t(`${P}.versions.caption`),
    rows: item.versions,
    rowKey: (v) => String(v.number),
    columns: [
      { label: t(`${P}.col.version`), cell: (v) => String(v.number) },
      { label: t(`${P}.col.status`), cell: (v) => statusBadge(v.status) },
      { label: t(`${P}.col.name`), cell: (v) => local(v.name) },
      { label: t(`${P}.col.scenarios`), cell: (v) => list(v.scenarios.map((s) => s.name)) },
      { label: t(`${P}.col.effective`), cell: (v) => (v.effective_from ? `${date(v.effective_from)}${v.effective_to ? ` – ${date(v.effective_to)}` : ''}` : '') },
      { label: t(`${P}.col.drafted_by`), cell: (v) => who(v.created_by) },
      { label: t(`${P}.col.submitted_by`), cell: (v) => who(v.submitted_by) },
      { label: t(`${P}.col.published_by`), cell: (v) => who(v.published_by) },
    ],
  }));
  return root;
}

// --- the content form: a new item, a new version or an edited draft -------------------------------

function langInputs(legend, name, value, { required = true, multiline = false } = {}) {
  const controls = LANG_FIELDS.map(([lang, key]) => {
    const control = multiline
      ? h('textarea', { name: `${name}-${lang}`, maxlength: 2000, rows: 2, lang })
      : input({ name: `${name}-${lang}`, maxlength: 200, required, lang });
    control.value = (value && value[lang]) || '';
    return { lang, control, el: field(t(`${P}.${key}`), control) };
  });
  return {
    el: h('fieldset', { class: 'adm-group adm-langs' }, h('legend', {}, legend), controls.map((c) => c.el)),
    value: () => Object.fromEntries(controls.map((c) => [c.lang, c.control.value.trim()])),
  };
}

function scenarioEditor(s, onRemove) {
  const name = input({ name: 'scenario-name', required: true, maxlength: 64, pattern: '[a-z][a-z0-9_]*', value: s?.name || '' });
  const title = langInputs(t(`${P}.scenario.title_field`), 'scenario-title', s?.title);
  const types = input({ name: 'scenario-types', value: (s?.venue_types || []).join(', ') });
  const attrs = checkGroup(t(`${P}.scenario.attributes`), uid('attr'),
    ATTRIBUTES.map((a) => ({ value: a, label: label(`${P}.attr`, a) })), s?.attributes || []);
  const basis = input({ name: 'scenario-basis', required: true, maxlength: 200, value: s?.legal_basis || '' });
  const level = select([0, 1, 2, 3].map((n) => ({ value: String(n), label: t(`${P}.level.${n}`), selected: n === (s?.min_assurance ?? 1) })),
    { name: 'scenario-level' });
  const transport = checkbox(t(`${P}.scenario.needs_transport`), { name: 'scenario-transport', checked: Boolean(s?.needs_transport) });
  const offline = checkbox(t(`${P}.scenario.offline`), { name: 'scenario-offline', checked: s ? Boolean(s.offline) : true });
  const el = h('fieldset', { class: 'adm-group adm-scenario' },
    h('legend', {}, t(`${P}.scenario.legend`)),
    field(t(`${P}.scenario.name`), name, t(`${P}.scenario.name_hint`)),
    title.el,
    field(t(`${P}.scenario.venue_types`), types, t(`${P}.scenario.venue_types_hint`)),
    attrs.el,
    field(t(`${P}.scenario.legal_basis`), basis),
    field(t(`${P}.scenario.level`), level),
    transport.el, offline.el,
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn secondary', onclick: () => onRemove(editor) },
      t(`${P}.scenario.remove`))));
  const editor = {
    el,
    value: () => {
      const minAssurance = Number(level.value);
      return {
        name: name.value.trim(),
        title: title.value(),
        venue_types: types.value.split(/[,，、\s]+/).filter(Boolean),
        attributes: attrs.values(),
        legal_basis: basis.value.trim(),
        min_assurance: minAssurance,
        needs_transport: transport.box.checked,
        // An offline credential does not carry the proofing level: above 1 a scenario is online only.
        offline: minAssurance <= 1 ? offline.box.checked : false,
      };
    },
  };
  return editor;
}

async function editScreen(ctx, params) {
  const code = params.get('code');
  const number = Number(params.get('number') || 0);
  const creating = !code;
  let item = null;
  let content = null;
  if (!creating) {
    item = await ctx.api('GET', `/api/v1/catalog/items/${encodeURIComponent(code)}/versions`);
    content = number ? item.versions.find((v) => v.number === number) : item.versions[0];
  }
  const heading = creating ? t(`${P}.edit.title_new`)
    : number ? t(`${P}.edit.title_draft`, { n: number, code }) : t(`${P}.edit.title_version`, { code });
  const root = h('section', { class: 'adm-screen', 'data-screen': 'catalog-edit' },
    h('p', {}, h('a', { href: creating ? '#/catalog' : `#/catalog/item?code=${encodeURIComponent(code)}` }, t(`${P}.back`))),
    h('h1', {}, heading), creating ? nav('catalog/new') : null, h('p', { class: 'hint' }, t(`${P}.edit.hint`)));

  const msg = messages();
  msg.error.id = 'catalog-error';
  const codeIn = creating ? input({ id: 'item-code', name: 'code', required: true, maxlength: 64 }) : null;
  const scope = creating ? select((await regions(ctx)).map((r) => ({ value: r.code, label: regionLabel(r) })), { id: 'item-scope' }) : null;
  const domain = select(DOMAINS.map((d) => ({ value: d, label: label(`${P}.domain`, d), selected: content?.domain === d })), { id: 'item-domain' });
  const name = langInputs(t(`${P}.edit.name`), 'item-name', content?.name);
  const description = langInputs(t(`${P}.edit.description`), 'item-description', content?.description, { required: false, multiline: true });
  const known = [...new Set([...VENUE_TYPES, ...(content?.venue_types || [])])];
  const types = checkGroup(t(`${P}.edit.venue_types`), 'item-vt', known.map((v) => ({ value: v, label: label(`${P}.vt`, v) })),
    content?.venue_types || []);
  const note = h('textarea', { id: 'item-note', name: 'note', maxlength: 500, rows: 2 });
  note.value = content?.note || '';
  const scenarioBox = h('div', { class: 'adm-scenarios' });
  const editors = [];
  const remove = (editor) => {
    editors.splice(editors.indexOf(editor), 1);
    editor.el.remove();
    addButton.focus();
  };
  const add = (s) => {
    const editor = scenarioEditor(s, remove);
    editors.push(editor);
    scenarioBox.append(editor.el);
    return editor;
  };
  for (const s of content?.scenarios || []) add(s);
  const addButton = h('button', { type: 'button', class: 'btn secondary', id: 'add-scenario', onclick: () => {
    const editor = add(null);
    editor.el.querySelector('input').focus();
  } }, t(`${P}.scenario.add`));

  const form = h('form', { class: 'panel', id: 'item-form', novalidate: true },
    codeIn ? field(t(`${P}.edit.code`), codeIn, t(`${P}.edit.code_hint`)) : null,
    scope ? field(t(`${P}.edit.scope`), scope) : null,
    field(t(`${P}.edit.domain`), domain),
    name.el, description.el, types.el,
    h('h2', {}, t(`${P}.scenario.heading`)), h('p', { class: 'hint' }, t(`${P}.scenario.hint`)),
    scenarioBox, h('div', { class: 'row' }, addButton),
    field(t(`${P}.edit.note`), note, t(`${P}.edit.note_hint`)),
    ...msg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'save-draft' }, t(`${P}.edit.save`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    const body = {
      domain: domain.value,
      name: name.value(),
      description: description.value(),
      venue_types: types.values(),
      scenarios: editors.map((ed) => ed.value()),
      note: note.value.trim(),
    };
    if (Object.values(body.name).some((v) => !v)) { msg.fail(t(`${P}.err.catalog.name_required`)); return; }
    if (!body.venue_types.length) { msg.fail(t(`${P}.edit.need_venue_type`)); return; }
    await busy(form, async () => {
      try {
        let target = code;
        if (creating) {
          target = codeIn.value.trim();
          await ctx.api('POST', '/api/v1/catalog/items', { ...body, code: target, scope: scope.value });
        } else if (number) {
          await ctx.api('PUT', `/api/v1/catalog/items/${encodeURIComponent(code)}/versions/${number}`, body);
        } else {
          await ctx.api('POST', `/api/v1/catalog/items/${encodeURIComponent(code)}/versions`, body);
        }
        announce(t(`${P}.done.saved`));
        ctx.go(`catalog/item?code=${encodeURIComponent(target)}&done=saved`);
      } catch (err) {
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  root.append(form);
  return root;
}

// --- usage and history ----------------------------------------------------------------------------

async function usageScreen(ctx, params) {
  const cities = (await ctx.api('GET', '/api/v1/catalog/regions')).items.filter((r) => !r.province);
  const q = new URLSearchParams();
  for (const key of ['from', 'to', 'bucket', 'city_code']) if (params.get(key)) q.set(key, params.get(key));
  const root = h('section', { class: 'adm-screen', 'data-screen': 'catalog-usage' },
    h('h1', {}, t(`${P}.usage.title`)), nav('catalog/usage'), h('p', { class: 'hint' }, t(`${P}.usage.intro`)));
  const msg = messages();
  const from = input({ type: 'date', id: 'usage-from', value: params.get('from') || '' });
  const to = input({ type: 'date', id: 'usage-to', value: params.get('to') || '' });
  const bucket = select(['day', 'week', 'month'].map((b) => ({ value: b, label: t(`${P}.usage.bucket.${b}`), selected: params.get('bucket') === b })),
    { id: 'usage-bucket' });
  const supervisor = ctx.staff.role === 'supervisor';
  const city = select([
    ...(supervisor ? [] : [{ value: '', label: t(`${P}.usage.all_cities`) }]),
    ...cities.filter((c) => !supervisor || c.code === ctx.staff.city)
      .map((c) => ({ value: c.code, label: regionLabel(c), selected: params.get('city_code') === c.code })),
  ], { id: 'usage-city' });
  const form = h('form', { class: 'panel form-grid', id: 'usage-form' },
    field(t(`${P}.usage.from`), from), field(t(`${P}.usage.to`), to), field(t(`${P}.usage.bucket`), bucket),
    field(t(`${P}.usage.city`), city),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.usage.show`))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (from.value) next.set('from', from.value);
    if (to.value) next.set('to', to.value);
    next.set('bucket', bucket.value);
    if (city.value) next.set('city_code', city.value);
    ctx.go(`catalog/usage?${next}`);
  });
  root.append(form, ...msg.els);
  try {
    const report = await ctx.api('GET', `/api/v1/catalog/reports/usage?${q}`);
    const cityName = (code) => regionName(cities.find((c) => c.code === code)) || code;
    root.append(
      h('p', { id: 'usage-totals' }, t(`${P}.usage.totals`, {
        from: report.from_date, to: report.to_date, uses: report.total_uses, refused: report.total_refused })),
      table({
        id: 'usage-table',
        caption: t(`${P}.usage.caption`, { from: report.from_date, to: report.to_date }),
        empty: t(`${P}.usage.empty`),
        rows: report.rows,
        columns: [
          { label: t(`${P}.usage.col.period`), cell: (r) => r.period },
          { label: t(`${P}.col.item`), cell: (r) => r.item_code || t(`${P}.usage.no_item`) },
          { label: t(`${P}.usage.city`), cell: (r) => cityName(r.city_code) },
          { label: t(`${P}.usage.col.venue_type`), cell: (r) => label(`${P}.vt`, r.venue_type) },
          { label: t(`${P}.usage.col.uses`), cell: (r) => r.uses.toLocaleString(currentLang()) },
          { label: t(`${P}.usage.col.refused`), cell: (r) => r.refused.toLocaleString(currentLang()) },
        ],
      }));
  } catch (err) {
    msg.fail(explain(ctx, err, P));
  }
  return root;
}

async function historyScreen(ctx, params) {
  const choices = (await ctx.api('GET', '/api/v1/catalog/regions')).items;
  const region = params.get('region') || (ctx.staff.role === 'supervisor' ? ctx.staff.city : PROVINCE);
  const history = await ctx.api('GET', `/api/v1/catalog/history?region=${encodeURIComponent(region)}&limit=100`);
  const root = h('section', { class: 'adm-screen', 'data-screen': 'catalog-history' },
    h('h1', {}, t(`${P}.history.title`)), nav('catalog/history'));
  const pick = select(choices.map((r) => ({ value: r.code, label: regionLabel(r), selected: r.code === region })), { id: 'history-region' });
  const form = h('form', { class: 'form-grid' }, field(t(`${P}.items.region`), pick),
    h('button', { type: 'submit', class: 'btn secondary' }, t(`${P}.items.show`)));
  form.addEventListener('submit', (e) => { e.preventDefault(); ctx.go(`catalog/history?region=${pick.value}`); });
  root.append(form, table({
    id: 'history-table',
    caption: t(`${P}.history.caption`),
    empty: t(`${P}.history.empty`),
    rows: history.items,
    columns: [
      { label: t(`${P}.history.col.decided`), cell: (e) => date(e.at) },
      { label: t(`${P}.history.col.event`), cell: (e) => label(`${P}.event`, e.event) },
      { label: t(`${P}.col.item`), cell: (e) => h('a', { href: `#/catalog/item?code=${encodeURIComponent(e.item_code)}` }, local(e.name)) },
      { label: t(`${P}.col.version`), cell: (e) => String(e.version) },
      { label: t(`${P}.col.effective`), cell: (e) => date(e.effective) },
      { label: t(`${P}.history.col.note`), cell: (e) => e.note },
    ],
  }));
  return root;
}

export const section = {
  id: 'catalog',
  titleKey: 'console.catalog.title',
  roles: ['supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/catalog',
  screens: {
    '': queueScreen,
    items: itemsScreen,
    item: itemScreen,
    new: editScreen,
    edit: editScreen,
    usage: usageScreen,
    history: historyScreen,
  },
};
