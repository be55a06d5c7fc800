// Console section: relying parties of "sign in with the card" (issue 19, docs/oidc.md). Provincial operators
// register a site or terminal (names, exact redirect URIs, the scopes it may ask for, the legal basis that
// lets it read identity, how it authenticates), see its secret once, edit it, and disable or enable it.

import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, checkGroup, date, explain, field, input, list, messages, select, table } from './admin-kit.js';

const P = 'console.rps';
const SCOPES = ['openid', 'card', 'masked_name', 'identity'];
const METHODS = ['client_secret_basic', 'client_secret_post', 'none'];
const API = '/api/v1/oidc/clients';

const siteName = (c) => (document.documentElement.lang === 'en' && c.name_en ? c.name_en : c.name);
const scopeLabel = (s) => t(`${P}.scope.${s}`);
const lines = (text) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

// The form's fields, filled from a client when editing; values() gives the API's body.
function clientFields(client, { creating }) {
  const name = input({ name: 'name', required: true, maxlength: 100, value: client?.name || '' });
  const nameEn = input({ name: 'name_en', maxlength: 100, value: client?.name_en || '', lang: 'en' });
  const uris = h('textarea', { name: 'redirect_uris', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  uris.value = (client?.redirect_uris || []).join('\n');
  const basis = h('textarea', { name: 'legal_basis', rows: 2, maxlength: 300 });
  basis.value = client?.legal_basis || '';
  const scopes = checkGroup(t(`${P}.form.scopes`), 'scope',
    SCOPES.map((s) => ({ value: s, label: `${scopeLabel(s)} (${s})` })), client?.scopes || ['openid']);
  const method = select(METHODS.map((m) => ({ value: m, label: t(`${P}.method.${m}`) })), { name: 'token_endpoint_auth_method' });
  const sector = input({ name: 'sector_identifier', maxlength: 255, spellcheck: 'false' });
  const els = [
    field(t(`${P}.form.name`), name),
    field(t(`${P}.form.name_en`), nameEn),
    field(t(`${P}.form.redirect_uris`), uris, t(`${P}.form.redirect_hint`)),
    scopes.el,
    field(t(`${P}.form.legal_basis`), basis, t(`${P}.form.basis_hint`)),
  ];
  if (creating) {
    els.push(field(t(`${P}.form.method`), method, t(`${P}.form.method_hint`)),
      field(t(`${P}.form.sector`), sector, t(`${P}.form.sector_hint`)));
  }
  return {
    els,
    first: name,
    check() {
      if (!name.value.trim()) return [t(`${P}.form.need_name`), name];
      if (!lines(uris.value).length) return [t(`${P}.form.need_uri`), uris];
      if (scopes.values().includes('identity') && !basis.value.trim()) return [t(`${P}.form.need_basis`), basis];
      return null;
    },
    values() {
      const body = {
        name: name.value.trim(), name_en: nameEn.value.trim(), redirect_uris: lines(uris.value),
        scopes: scopes.values(), legal_basis: basis.value.trim(),
      };
      if (creating) {
        body.token_endpoint_auth_method = method.value;
        if (sector.value.trim()) body.sector_identifier = sector.value.trim();
      }
      return body;
    },
  };
}

// The registration answer: the secret, shown this once.
function secretPanel(created) {
  return h('section', { class: 'panel', id: 'rp-secret', 'aria-labelledby': 'rp-secret-title' },
    h('h2', { id: 'rp-secret-title' }, t(`${P}.secret.title`, { name: siteName(created) })),
    h('dl', {},
      h('dt', {}, t(`${P}.col.client_id`)), h('dd', { class: 'rp-mono', id: 'rp-new-client-id' }, created.client_id),
      created.client_secret
        ? [h('dt', {}, t(`${P}.secret.label`)), h('dd', { class: 'rp-mono', id: 'rp-new-secret' }, created.client_secret)]
        : [h('dt', {}, t(`${P}.secret.label`)), h('dd', { id: 'rp-new-secret-none' }, t(`${P}.secret.public`))]),
    h('p', { class: 'notice' }, t(`${P}.secret.once`)));
}

async function home(ctx) {
  const clients = await ctx.api('GET', API);
  const root = h('section', { class: 'adm-screen', 'data-screen': 'relying-parties' });
  root.append(h('h1', {}, t(P)), h('p', { class: 'hint' }, t(`${P}.intro`)));
  const shown = h('div', { id: 'rp-secret-box' });
  root.append(shown, table({
    id: 'rp-table',
    caption: t(`${P}.list.caption`, { n: clients.length }),
    empty: t(`${P}.list.empty`),
    rows: clients,
    rowKey: (c) => c.client_id,
    columns: [
      { label: t(`${P}.col.name`), cell: (c) => siteName(c) },
      { label: t(`${P}.col.client_id`), cell: (c) => h('span', { class: 'rp-mono' }, c.client_id) },
      { label: t(`${P}.col.scopes`), cell: (c) => list(c.scopes.map(scopeLabel)) },
      { label: t(`${P}.col.redirects`), cell: (c) => list(c.redirect_uris) },
      { label: t(`${P}.col.status`), cell: (c) => h('span', { dataset: { active: c.active ? '1' : '0' } }, t(c.active ? `${P}.active` : `${P}.inactive`)) },
      {
        label: t(`${P}.col.actions`),
        cell: (c) => h('a', { class: 'btn secondary', href: `#/relying-parties/edit?id=${encodeURIComponent(c.client_id)}`,
          'aria-label': t(`${P}.edit_of`, { name: siteName(c) }) }, t(`${P}.edit`)),
      },
    ],
  }));

  const msg = messages();
  const fields = clientFields(null, { creating: true });
  const form = h('form', { class: 'panel', id: 'rp-form', novalidate: true },
    h('h2', {}, t(`${P}.form.title`)), ...fields.els, ...msg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.form.submit`))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    msg.clear();
    const problem = fields.check();
    if (problem) { msg.fail(problem[0]); problem[1].focus(); return; }
    await busy(form, async () => {
      try {
        const created = await ctx.api('POST', API, fields.values());
        const again = await home(ctx); // the list with the new one, and its secret above it
        const el = again.el || again;
        el.querySelector('#rp-secret-box').replaceChildren(secretPanel(created));
        root.replaceWith(el);
        el.querySelector('#rp-secret-title').setAttribute('tabindex', '-1');
        el.querySelector('#rp-secret-title').focus();
        announce(t(`${P}.form.done`, { name: siteName(created) }));
      } catch (err) {
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  root.append(form);
  return root;
}

async function editScreen(ctx, params) {
  const id = params.get('id') || '';
  const root = h('section', { class: 'adm-screen', 'data-screen': 'relying-party' });
  const back = h('p', {}, h('a', { href: '#/relying-parties' }, t(`${P}.back`)));
  let client;
  try {
    client = await ctx.api('GET', `${API}/${encodeURIComponent(id)}`);
  } catch (err) {
    root.append(h('h1', {}, t(`${P}.missing`)), h('p', { class: 'error', role: 'alert' }, explain(ctx, err, P)), back);
    return root;
  }
  const msg = messages();
  const fields = clientFields(client, { creating: false });
  const state = h('p', { id: 'rp-state', dataset: { active: client.active ? '1' : '0' } },
    t(`${P}.state`, { state: t(client.active ? `${P}.active` : `${P}.inactive`) }));
  const save = h('button', { type: 'submit', class: 'btn primary', id: 'rp-save' }, t(`${P}.save`));
  const toggle = h('button', { type: 'button', class: client.active ? 'btn danger' : 'btn secondary', id: 'rp-toggle' },
    t(client.active ? `${P}.disable` : `${P}.enable`));
  const form = h('form', { class: 'panel', id: 'rp-edit-form', novalidate: true },
    h('h2', {}, t(`${P}.edit_title`)), ...fields.els, ...msg.els, h('div', { class: 'row' }, save));
  const redraw = async (text) => {
    const again = await editScreen(ctx, params);
    root.replaceWith(again);
    again.querySelector('h1').setAttribute('tabindex', '-1');
    again.querySelector('h1').focus();
    const done = again.querySelector('#rp-done');
    done.textContent = text;
    done.hidden = false;
    announce(text);
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    msg.clear();
    const problem = fields.check();
    if (problem) { msg.fail(problem[0]); problem[1].focus(); return; }
    await busy(form, async () => {
      try {
        await ctx.api('PATCH', `${API}/${encodeURIComponent(id)}`, fields.values());
        await redraw(t(`${P}.saved`));
      } catch (err) {
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      await ctx.api('PATCH', `${API}/${encodeURIComponent(id)}`, { active: !client.active });
      await redraw(t(client.active ? `${P}.disabled` : `${P}.enabled`));
    } catch (err) {
      msg.fail(explain(ctx, err, P));
      toggle.disabled = false;
    }
  });
  root.append(h('h1', {}, siteName(client)), back,
    h('p', { class: 'success', role: 'status', id: 'rp-done', hidden: true }),
    h('dl', { class: 'panel' },
      h('dt', {}, t(`${P}.col.client_id`)), h('dd', { class: 'rp-mono', id: 'rp-client-id' }, client.client_id),
      h('dt', {}, t(`${P}.form.method`)), h('dd', {}, t(`${P}.method.${client.token_endpoint_auth_method}`)),
      h('dt', {}, t(`${P}.sector`)), h('dd', { class: 'rp-mono' }, client.sector_identifier),
      h('dt', {}, t(`${P}.created`)), h('dd', {}, date(client.created_at))),
    state, h('p', { class: 'hint' }, t(`${P}.disable_hint`)), h('div', { class: 'row' }, toggle), form);
  return root;
}

export const section = {
  id: 'relying-parties',
  titleKey: P,
  // The client routes answer provincial operators only.
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/relying-parties',
  screens: { '': home, edit: editScreen },
};
