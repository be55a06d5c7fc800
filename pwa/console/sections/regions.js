// Console section: trust federation (issue 19). Provincial operators see the regions this service
// trusts (how fresh each one's signed trust list is), import another region by its root
// fingerprint and trust-list URL, choose what its cards may be used for and show here, suspend,
// resume and refresh it; and read this region's own fingerprint and trust-list URL to give others.

import { currentLang, has, t } from '/shared/i18n.js';
import { ApiError } from '/shared/api.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { busy, checkGroup, date, explain, field, input, label, list, local, messages, table } from './admin-kit.js';

const P = 'console.regions';
const PROVINCE = '440000';
const BASE = '/api/v1/federation/regions';
const DISCLOSE = ['valid_until', 'concessions', 'transport', 'masked_name'];

// The server's reasons, in our words first and then its own message (which names what is wrong).
function why(ctx, err) {
  const text = explain(ctx, err, P);
  return err instanceof ApiError && err.message && !text.includes(err.message) ? `${text} ${err.message}` : text;
}

// A refresh's `last_error` is "federation.<reason>: <the server's English message>": the reason in
// the operator's language (the import form's words), the server's own text on hover.
function lastError(text) {
  if (!text) return t(`${P}.no_error`);
  const code = /^(federation\.[a-z_]+):/.exec(text)?.[1];
  const key = code ? `${P}.err.${code}` : '';
  return h('span', { dataset: { error: code || '1' }, title: text }, key && has(key) ? t(key) : text);
}

// Times may come as ISO text or unix seconds.
function when(value) {
  if (value === null || value === undefined || value === '') return '';
  return date(typeof value === 'number' ? value * 1000 : value);
}

const regionText = (r) => `${currentLang() === 'en' ? r.name_en : r.name} (${r.code})`;

// This region as others import it (GET /api/v1/federation/self): the server computes the root
// key's RFC 7638 fingerprint and the trust list's public URL.
async function ownRegion(ctx) {
  const own = await ctx.api('GET', '/api/v1/federation/self');
  return { code: own.code, name: own.name, name_en: own.name_en, fingerprint: own.fingerprint, url: own.trust_list_url };
}

async function catalogScenarios(ctx) {
  const catalog = await ctx.api('GET', `/api/v1/catalog?region=${PROVINCE}`);
  const seen = new Map();
  for (const item of catalog.items) for (const s of item.scenarios) seen.set(s.name, local(s.title));
  return [...seen].map(([name, title]) => ({ value: name, label: `${title} (${name})` }));
}

function freshness(r) {
  if (r.status === 'suspended') return h('span', { class: 'badge status-muted', dataset: { fresh: 'suspended' } }, t(`${P}.status.suspended`));
  return r.fresh
    ? h('span', { class: 'badge status-ok', dataset: { fresh: '1' } }, t(`${P}.fresh`))
    : h('span', { class: 'badge status-bad', dataset: { fresh: '0' } }, t(`${P}.stale`));
}

// --- the list, this region, and the import form ---------------------------------------------

async function home(ctx) {
  const root = h('section', { class: 'adm-screen', 'data-screen': 'regions' });
  root.append(h('h1', {}, t(`${P}.title`)), h('p', { class: 'hint' }, t(`${P}.intro`)));
  const listMsg = messages();
  let regions = [];
  try {
    regions = (await ctx.api('GET', BASE)).items;
  } catch (err) {
    listMsg.fail(why(ctx, err));
  }
  root.append(...listMsg.els, table({
    id: 'region-table',
    caption: t(`${P}.list.caption`, { n: regions.length }),
    empty: t(`${P}.list.empty`),
    rows: regions,
    rowKey: (r) => r.code,
    columns: [
      { label: t(`${P}.col.region`), cell: (r) => regionText(r) },
      { label: t(`${P}.col.state`), cell: (r) => freshness(r) },
      { label: t(`${P}.col.seq`), cell: (r) => (r.list_seq ?? '—').toString() },
      { label: t(`${P}.col.fetched`), cell: (r) => when(r.list_fetched_at) || t(`${P}.never`) },
      { label: t(`${P}.col.next`), cell: (r) => when(r.list_next_update) },
      { label: t(`${P}.col.revocations`), cell: (r) => (r.revocations_version ?? '—').toString() },
      { label: t(`${P}.col.error`), cell: (r) => lastError(r.last_error) },
      {
        label: t(`${P}.col.actions`),
        cell: (r) => h('a', { class: 'btn secondary', href: `#/regions/region?code=${encodeURIComponent(r.code)}`,
          'aria-label': t(`${P}.open_of`, { name: regionText(r) }) }, t(`${P}.open`)),
      },
    ],
  }));
  root.append(await ownPanel(ctx), await addForm(ctx));
  return root;
}

async function ownPanel(ctx) {
  const panel = h('section', { class: 'panel', id: 'own-region', 'aria-labelledby': 'own-title' },
    h('h2', { id: 'own-title' }, t(`${P}.own.title`)), h('p', { class: 'hint' }, t(`${P}.own.intro`)));
  try {
    const own = await ownRegion(ctx);
    panel.append(h('dl', { class: 'rg-facts' },
      h('dt', {}, t(`${P}.col.region`)), h('dd', {}, regionText(own)),
      h('dt', {}, t(`${P}.form.fingerprint`)), h('dd', {}, h('code', { class: 'au-hash', id: 'own-fingerprint' }, own.fingerprint)),
      h('dt', {}, t(`${P}.form.url`)), h('dd', {}, h('code', { class: 'au-hash', id: 'own-url' }, own.url))));
  } catch {
    panel.append(h('p', { class: 'error', id: 'own-missing' }, t(`${P}.own.missing`)));
  }
  return panel;
}

function pickers(scenarioOptions, scenarios = [], disclose = ['valid_until']) {
  const sc = checkGroup(t(`${P}.form.scenarios`), 'scenario', scenarioOptions, scenarios);
  const di = checkGroup(t(`${P}.form.disclose`), 'disclose', DISCLOSE.map((d) => ({ value: d, label: label(`${P}.attr`, d) })), disclose);
  sc.el.id = 'region-scenarios';
  di.el.id = 'region-disclose';
  return { sc, di };
}

async function addForm(ctx) {
  const msg = messages();
  const code = input({ name: 'code', required: true, maxlength: 6, inputmode: 'numeric', pattern: '[0-9]{6}', id: 'region-code' });
  const name = input({ name: 'name', required: true, maxlength: 64, id: 'region-name' });
  const nameEn = input({ name: 'name_en', required: true, maxlength: 64, id: 'region-name-en' });
  const fingerprint = input({ name: 'root_fingerprint', required: true, maxlength: 64, spellcheck: 'false', id: 'region-fingerprint' });
  const url = input({ type: 'url', name: 'trust_list_url', required: true, maxlength: 512, spellcheck: 'false', id: 'region-url' });
  let options = [];
  try { options = await catalogScenarios(ctx); } catch (err) { msg.fail(why(ctx, err)); }
  const { sc, di } = pickers(options);
  const form = h('form', { class: 'panel', id: 'region-form', novalidate: true },
    h('h2', {}, t(`${P}.form.title`)),
    h('p', { class: 'hint' }, t(`${P}.form.intro`)),
    field(t(`${P}.form.code`), code, t(`${P}.form.code_hint`)),
    field(t(`${P}.form.name`), name),
    field(t(`${P}.form.name_en`), nameEn),
    field(t(`${P}.form.fingerprint`), fingerprint, t(`${P}.form.fingerprint_hint`)),
    field(t(`${P}.form.url`), url),
    sc.el, di.el,
    ...msg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.form.submit`))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    msg.clear();
    const need = [[code, /^[0-9]{6}$/.test(code.value.trim()), 'need_code'], [name, name.value.trim(), 'need_name'],
      [nameEn, nameEn.value.trim(), 'need_name'], [fingerprint, fingerprint.value.trim(), 'need_fingerprint'], [url, url.value.trim(), 'need_url']];
    const missing = need.find(([, ok]) => !ok);
    if (missing) { msg.fail(t(`${P}.form.${missing[2]}`)); missing[0].focus(); return; }
    if (!sc.values().length) { msg.fail(t(`${P}.form.need_scenario`)); return; }
    await busy(form, async () => {
      try {
        const region = await ctx.api('POST', BASE, {
          code: code.value.trim(), name: name.value.trim(), name_en: nameEn.value.trim(),
          root_fingerprint: fingerprint.value.trim(), trust_list_url: url.value.trim(),
          scenarios: sc.values(), disclose: di.values(),
        });
        announce(t(`${P}.form.done`, { name: regionText(region) }));
        ctx.go(`regions/region?code=${encodeURIComponent(region.code)}&new=1`);
      } catch (err) {
        msg.fail(why(ctx, err));
      }
    });
  });
  return form;
}

// --- one region: its list's state, what it may do here, suspend/resume, refresh -----------------

async function regionScreen(ctx, params) {
  const code = params.get('code') || '';
  const root = h('section', { class: 'adm-screen', 'data-screen': 'region' });
  const back = h('p', {}, h('a', { href: '#/regions' }, t(`${P}.back`)));
  let region;
  try {
    region = await ctx.api('GET', `${BASE}/${encodeURIComponent(code)}`);
  } catch (err) {
    root.append(back, h('h1', {}, t(`${P}.region.missing`)), h('p', { class: 'error', role: 'alert' }, why(ctx, err)));
    return root;
  }
  const options = await catalogScenarios(ctx).catch(() => region.scenarios.map((s) => ({ value: s, label: s })));
  const msg = messages();
  const reload = (note) => ctx.go(`regions/region?code=${encodeURIComponent(code)}${note ? `&done=${note}` : ''}`);
  root.append(back, h('h1', {}, t(`${P}.region.title`, { name: regionText(region) })));
  if (params.get('new')) root.append(h('p', { class: 'success', role: 'status' }, t(`${P}.form.done`, { name: regionText(region) })));
  const done = params.get('done');
  if (done) {
    const refused = done === 'refresh_refused';
    root.append(h('p', { class: refused ? 'error' : 'success', role: refused ? 'alert' : 'status', id: 'region-done' }, t(`${P}.done.${done}`)));
  }
  root.append(h('dl', { class: 'rg-facts', id: 'region-facts' },
    h('dt', {}, t(`${P}.col.state`)), h('dd', { id: 'region-state' }, freshness(region)),
    h('dt', {}, t(`${P}.form.fingerprint`)), h('dd', {}, h('code', { class: 'au-hash' }, region.root_fingerprint)),
    h('dt', {}, t(`${P}.form.url`)), h('dd', {}, h('code', { class: 'au-hash' }, region.trust_list_url)),
    h('dt', {}, t(`${P}.col.seq`)), h('dd', { id: 'region-seq' }, (region.list_seq ?? '—').toString()),
    h('dt', {}, t(`${P}.col.fetched`)), h('dd', {}, when(region.list_fetched_at) || t(`${P}.never`)),
    h('dt', {}, t(`${P}.col.next`)), h('dd', {}, when(region.list_next_update)),
    h('dt', {}, t(`${P}.col.revocations`)), h('dd', { id: 'region-revocations' }, (region.revocations_version ?? '—').toString()),
    h('dt', {}, t(`${P}.col.error`)), h('dd', { id: 'region-error' }, lastError(region.last_error))));

  const suspended = region.status === 'suspended';
  const actions = h('div', { class: 'row actions' },
    h('button', { type: 'button', class: 'btn secondary', id: 'region-refresh', onclick: async (e) => {
      msg.clear();
      await busy(e.target.closest('div'), async () => {
        try {
          // 200 either way: a refused list keeps the old one and says why in last_error.
          const out = await ctx.api('POST', `${BASE}/${encodeURIComponent(code)}/refresh`);
          reload(out && out.last_error ? 'refresh_refused' : 'refreshed');
        } catch (err) { msg.fail(why(ctx, err)); }
      });
    } }, t(`${P}.refresh`)),
    h('button', { type: 'button', class: suspended ? 'btn primary' : 'btn danger', id: 'region-toggle', onclick: async () => {
      if (!suspended) {
        const ok = await confirmDialog({ title: t(`${P}.suspend.confirm_title`, { name: regionText(region) }),
          body: t(`${P}.suspend.confirm_body`), confirm: t(`${P}.suspend.button`), cancel: t(`${P}.cancel`), danger: true });
        if (!ok) return;
      }
      msg.clear();
      try {
        await ctx.api('PATCH', `${BASE}/${encodeURIComponent(code)}`, { status: suspended ? 'active' : 'suspended' });
        reload(suspended ? 'resumed' : 'suspended');
      } catch (err) { msg.fail(why(ctx, err)); }
    } }, t(suspended ? `${P}.resume` : `${P}.suspend.button`)));
  root.append(...msg.els, actions);

  const editMsg = messages();
  const { sc, di } = pickers(options, region.scenarios, region.disclose);
  const edit = h('form', { class: 'panel', id: 'region-edit', novalidate: true },
    h('h2', {}, t(`${P}.edit.title`)), sc.el, di.el, ...editMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.edit.submit`))));
  edit.addEventListener('submit', async (event) => {
    event.preventDefault();
    editMsg.clear();
    if (!sc.values().length) { editMsg.fail(t(`${P}.form.need_scenario`)); return; }
    await busy(edit, async () => {
      try {
        const saved = await ctx.api('PATCH', `${BASE}/${encodeURIComponent(code)}`, { scenarios: sc.values(), disclose: di.values() });
        editMsg.done(t(`${P}.edit.done`, { scenarios: list(saved.scenarios), n: saved.disclose.length }));
        announce(t(`${P}.edit.saved`));
      } catch (err) { editMsg.fail(why(ctx, err)); }
    });
  });
  root.append(edit);
  return root;
}

export const section = {
  id: 'regions',
  titleKey: 'console.regions.title',
  // The federation routes answer provincial operators only.
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/regions',
  screens: { '': home, region: regionScreen },
};
