// Registries: employers (用人单位, issue 17, docs/employers.md). Provincial operators register an
// employing unit by its unified social credit code (the API verifies the check character), search
// the registry, register the Ed25519 public keys it signs labour contracts with and retire them,
// suspend and reinstate it, and issue its HR system a client credential (kind "employer") whose token
// is shown once, never stored by the console. The registries section (registries.js) hands in its
// frame, confirmation and badges.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, date, explain, field, input, messages, regionName, select, table } from './admin-kit.js';

const P = 'console.registries';
const E = `${P}.employers`;
const PAGE = 50;
const USCC_SHAPE = /^[0-9A-Za-z]{18}$/;

// Base64url of 32 bytes (43 characters, an optional '=' pad): what the API takes as a public key.
function keyBytes(text) {
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(text)) return null;
  try {
    const raw = atob(text.replace(/=$/, '').replace(/-/g, '+').replace(/_/g, '/') + '=');
    return raw.length === 32 ? raw : null;
  } catch {
    return null;
  }
}

function errorLine(ctx, err) {
  const words = explain(ctx, err, P);
  return err instanceof ApiError ? `${words} (${err.code})` : words;
}

export function employerScreens({ screen, provincialOnly, confirmed, statusBadge, cities }) {
  const cityNamer = (all) => (code) => (code === '440000' ? t(`${E}.province`) : regionName(all.find((c) => c.code === code)) || code);

  // --- the registry: search, the list, a new employer ---------------------------------------------

  async function listScreen(ctx, params) {
    const refused = provincialOnly(ctx, 'employers');
    if (refused) return refused;
    const q = (params.get('q') || '').trim().slice(0, 64);
    const offset = Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0);
    const [page, all] = await Promise.all([
      ctx.api('GET', `/api/v1/employers?limit=${PAGE}&offset=${offset}${q ? `&q=${encodeURIComponent(q)}` : ''}`),
      cities(ctx),
    ]);
    const cityName = cityNamer(all);
    const root = screen(ctx, 'employers', 'registries/employers');
    const msg = messages();
    msg.ok.id = 'emp-done';
    if (params.get('done')) msg.done(t(`${E}.done.${params.get('done')}`, { name: params.get('name') || '' }));

    const search = input({ id: 'emp-q', name: 'q', type: 'search', maxlength: 64, value: q });
    const searchForm = h('form', { id: 'emp-search', role: 'search', novalidate: true },
      h('div', { class: 'form-grid' }, field(t(`${E}.search`), search, t(`${E}.search_hint`)),
        h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn secondary', id: 'emp-search-go' }, t(`${P}.show`)))));
    searchForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = search.value.trim();
      ctx.go(value ? `registries/employers?q=${encodeURIComponent(value)}` : 'registries/employers');
    });

    const pager = [];
    const base = `#/registries/employers?${q ? `q=${encodeURIComponent(q)}&` : ''}offset=`;
    if (offset > 0) pager.push(h('a', { class: 'btn secondary', href: `${base}${Math.max(0, offset - PAGE)}`, id: 'emp-prev' }, t(`${E}.prev`)));
    if (offset + page.items.length < page.total) pager.push(h('a', { class: 'btn secondary', href: `${base}${offset + PAGE}`, id: 'emp-next' }, t(`${E}.next`)));

    root.append(...msg.els, searchForm, table({
      id: 'emp-table',
      caption: t(q ? `${E}.caption_q` : `${E}.caption`, { n: page.total, q }),
      empty: t(q ? `${E}.empty_q` : `${E}.empty`, { q }),
      rows: page.items,
      rowKey: (x) => x.uscc,
      columns: [
        { label: t(`${E}.col.name`), cell: (x) => h('a', { href: `#/registries/employer?id=${x.id}` }, x.name) },
        { label: t(`${E}.col.uscc`), cell: (x) => h('code', {}, x.uscc) },
        { label: t(`${E}.col.city`), cell: (x) => cityName(x.city) },
        { label: t(`${P}.col.status`), cell: (x) => statusBadge('employers', x.status) },
        { label: t(`${E}.col.keys`), cell: (x) => String(x.keys.filter((k) => k.status === 'active').length) },
        { label: t(`${E}.col.created`), cell: (x) => date(x.created_at, false) },
      ],
    }), pager.length ? h('div', { class: 'actions' }, pager) : null);

    const addMsg = messages();
    addMsg.error.id = 'emp-form-error';
    const uscc = input({ id: 'emp-uscc', name: 'uscc', maxlength: 18, autocapitalize: 'characters', spellcheck: 'false', 'aria-required': 'true' });
    const name = input({ id: 'emp-name', name: 'name', maxlength: 128, 'aria-required': 'true' });
    const city = select([{ value: '440000', label: t(`${E}.province`) }, ...all.map((c) => ({ value: c.code, label: regionName(c) }))],
      { id: 'emp-city', name: 'city' });
    const form = h('form', { class: 'panel', id: 'emp-form', novalidate: true },
      h('h2', {}, t(`${E}.form.title`)),
      h('div', { class: 'form-grid' },
        field(t(`${E}.col.uscc`), uscc, t(`${E}.form.uscc_hint`)),
        field(t(`${E}.col.name`), name),
        field(t(`${E}.col.city`), city)),
      ...addMsg.els,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'emp-submit' }, t(`${E}.form.submit`))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      addMsg.clear();
      uscc.removeAttribute('aria-invalid');
      const code = uscc.value.trim().toUpperCase();
      if (!USCC_SHAPE.test(code)) {
        addMsg.fail(t(`${E}.form.bad_uscc_shape`));
        uscc.setAttribute('aria-invalid', 'true');
        uscc.focus();
        return;
      }
      if (!name.value.trim()) { addMsg.fail(t(`${P}.need_name`)); name.focus(); return; }
      await busy(form, async () => {
        try {
          const made = await ctx.api('POST', '/api/v1/employers', { uscc: code, name: name.value.trim(), city: city.value });
          ctx.go(`registries/employer?id=${made.id}&done=created`);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'employer.bad_uscc') { uscc.setAttribute('aria-invalid', 'true'); uscc.focus(); }
          addMsg.fail(errorLine(ctx, err));
        }
      });
    });
    root.append(form);
    return root;
  }

  // --- one employer: status, keys, credentials ---------------------------------------------------

  async function oneScreen(ctx, params) {
    const refused = provincialOnly(ctx, 'employers');
    if (refused) return refused;
    const id = params.get('id') || '';
    const root = screen(ctx, 'employers', 'registries/employers');
    let employer;
    let all;
    try {
      [employer, all] = await Promise.all([ctx.api('GET', `/api/v1/employers/${encodeURIComponent(id)}`), cities(ctx)]);
    } catch (err) {
      root.append(h('p', { class: 'error', role: 'alert', id: 'emp-error' }, errorLine(ctx, err)),
        h('p', {}, h('a', { href: '#/registries/employers' }, t(`${E}.back`))));
      return root;
    }
    const cityName = cityNamer(all);
    const msg = messages();
    msg.ok.id = 'emp-done';
    msg.error.id = 'emp-error';
    if (params.get('done')) msg.done(t(`${E}.done.${params.get('done')}`, { name: employer.name }));
    const reload = (done) => ctx.go(`registries/employer?id=${employer.id}&done=${done}`);

    const setStatus = async (action) => {
      if (action === 'suspend'
        && !(await confirmed('employers.suspend_title', { name: employer.name }, 'employers.suspend_body', 'employers.suspend'))) return;
      msg.clear();
      try {
        await ctx.api('POST', `/api/v1/employers/${employer.id}/${action}`);
        announce(t(`${E}.done.${action}`, { name: employer.name }));
        reload(action);
      } catch (err) {
        msg.fail(errorLine(ctx, err));
      }
    };

    const heading = h('h2', { id: 'emp-title' }, employer.name);
    root.append(h('p', {}, h('a', { href: '#/registries/employers', id: 'emp-back' }, t(`${E}.back`))),
      ...msg.els,
      h('section', { class: 'panel', 'aria-labelledby': 'emp-title', id: 'emp-facts' },
        heading,
        h('dl', { class: 'facts' },
          h('dt', {}, t(`${E}.col.uscc`)), h('dd', {}, h('code', { id: 'emp-uscc-value' }, employer.uscc)),
          h('dt', {}, t(`${E}.col.city`)), h('dd', {}, cityName(employer.city)),
          h('dt', {}, t(`${P}.col.status`)), h('dd', { id: 'emp-status' }, statusBadge('employers', employer.status)),
          h('dt', {}, t(`${E}.col.created`)), h('dd', {}, date(employer.created_at))),
        h('p', { class: 'hint' }, t(employer.status === 'active' ? `${E}.active_hint` : `${E}.suspended_hint`)),
        h('div', { class: 'actions' }, employer.status === 'active'
          ? h('button', { type: 'button', class: 'btn danger secondary', id: 'emp-suspend', onclick: () => setStatus('suspend') }, t(`${E}.suspend`))
          : h('button', { type: 'button', class: 'btn secondary', id: 'emp-reinstate', onclick: () => setStatus('reinstate') }, t(`${E}.reinstate`)))));

    // Keys: what the employer signs labour contracts with.
    const retire = async (key) => {
      if (!(await confirmed('employers.keys.retire_title', { key: key.key_id }, 'employers.keys.retire_body', 'employers.keys.retire'))) return;
      msg.clear();
      try {
        await ctx.api('POST', `/api/v1/employers/${employer.id}/keys/${key.key_id}/retire`);
        reload('retired');
      } catch (err) {
        msg.fail(errorLine(ctx, err));
      }
    };
    const keyMsg = messages();
    keyMsg.error.id = 'emp-key-error';
    const publicKey = input({ id: 'emp-key', name: 'public_key', maxlength: 44, spellcheck: 'false', 'aria-required': 'true' });
    const keyForm = h('form', { class: 'panel', id: 'emp-key-form', novalidate: true },
      h('h3', {}, t(`${E}.keys.form_title`)),
      field(t(`${E}.keys.public_key`), publicKey, t(`${E}.keys.public_key_hint`)),
      ...keyMsg.els,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'emp-key-submit' }, t(`${E}.keys.submit`))));
    keyForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      keyMsg.clear();
      const value = publicKey.value.trim();
      if (!keyBytes(value)) { keyMsg.fail(t(`${E}.keys.bad_key`)); publicKey.focus(); return; }
      await busy(keyForm, async () => {
        try {
          await ctx.api('POST', `/api/v1/employers/${employer.id}/keys`, { public_key: value });
          reload('key_added');
        } catch (err) {
          keyMsg.fail(errorLine(ctx, err));
        }
      });
    });
    root.append(h('section', { 'aria-labelledby': 'emp-keys-title', id: 'emp-keys' },
      h('h2', { id: 'emp-keys-title' }, t(`${E}.keys.title`)),
      h('p', { class: 'hint' }, t(`${E}.keys.intro`)),
      table({
        id: 'emp-key-table',
        caption: t(`${E}.keys.caption`, { n: employer.keys.length }),
        empty: t(`${E}.keys.empty`),
        rows: employer.keys,
        rowKey: (k) => k.key_id,
        columns: [
          { label: t(`${E}.keys.col.key_id`), cell: (k) => h('code', {}, k.key_id) },
          { label: t(`${P}.col.status`), cell: (k) => statusBadge('employers.keys', k.status) },
          { label: t(`${E}.keys.col.registered`), cell: (k) => date(k.registered_at) },
          { label: t(`${E}.keys.col.retired`), cell: (k) => (k.retired_at ? date(k.retired_at) : '—') },
          {
            label: t(`${P}.col.actions`),
            cell: (k) => (k.status === 'active'
              ? h('button', { type: 'button', class: 'btn danger secondary emp-retire', dataset: { key: k.key_id },
                'aria-label': t(`${E}.keys.retire_label`, { key: k.key_id }), onclick: () => retire(k) }, t(`${E}.keys.retire`))
              : ''),
          },
        ],
      }),
      keyForm));

    // Credentials of its HR system: machine clients of kind "employer" for this employer.
    const credBox = h('div', { id: 'emp-creds' });
    const credMsg = messages();
    credMsg.error.id = 'emp-cred-error';
    credMsg.ok.id = 'emp-cred-done';
    const tokenPanel = h('div', { class: 'panel', id: 'emp-token', hidden: true });
    const hideToken = () => { tokenPanel.replaceChildren(); tokenPanel.hidden = true; };

    const revoke = async (client) => {
      if (!(await confirmed('employers.creds.revoke_title', { name: client.name }, 'employers.creds.revoke_body', 'employers.creds.revoke'))) return;
      credMsg.clear();
      try {
        await ctx.api('POST', `/api/v1/clients/${client.id}/revoke`);
        credMsg.done(t(`${E}.creds.revoked`, { name: client.name }));
        announce(t(`${E}.creds.revoked`, { name: client.name }));
      } catch (err) {
        credMsg.fail(errorLine(ctx, err));
      }
      await drawCreds();
    };

    async function drawCreds() {
      let clients;
      try {
        clients = await ctx.api('GET', `/api/v1/clients?kind=employer&org_id=${encodeURIComponent(employer.id)}&limit=100`);
      } catch (err) {
        credMsg.fail(errorLine(ctx, err));
        return;
      }
      credBox.replaceChildren(table({
        id: 'emp-cred-table',
        caption: t(`${E}.creds.caption`, { n: clients.length }),
        empty: t(`${E}.creds.empty`),
        rows: clients,
        rowKey: (c) => c.id,
        columns: [
          { label: t(`${E}.creds.col.name`), cell: (c) => c.name },
          { label: t(`${P}.col.status`), cell: (c) => statusBadge('employers.creds', c.status) },
          { label: t(`${E}.creds.col.created`), cell: (c) => date(c.created_at) },
          { label: t(`${E}.creds.col.last_used`), cell: (c) => (c.last_used_at ? date(c.last_used_at) : t(`${E}.creds.never`)) },
          {
            label: t(`${P}.col.actions`),
            cell: (c) => (c.status === 'active'
              ? h('button', { type: 'button', class: 'btn danger secondary emp-revoke', dataset: { client: c.id },
                'aria-label': t(`${E}.creds.revoke_label`, { name: c.name }), onclick: () => revoke(c) }, t(`${E}.creds.revoke`))
              : ''),
          },
        ],
      }));
    }

    const showToken = (made) => {
      const tokenHeading = h('h3', { id: 'emp-token-title', tabindex: '-1' }, t(`${E}.creds.token_title`, { name: made.client.name }));
      const field_ = input({ id: 'emp-token-value', readonly: true, value: made.token, spellcheck: 'false' });
      const copied = h('p', { role: 'status', id: 'emp-token-copied' });
      tokenPanel.replaceChildren(tokenHeading,
        h('p', { class: 'notice', role: 'note' }, t(`${E}.creds.once`)),
        field(t(`${E}.creds.token`), field_),
        copied,
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn secondary', id: 'emp-token-copy', onclick: async () => {
            field_.select();
            try {
              await navigator.clipboard.writeText(made.token);
              copied.textContent = t(`${E}.creds.copied`);
            } catch {
              copied.textContent = t(`${E}.creds.copy_by_hand`);
            }
          } }, t(`${E}.creds.copy`)),
          h('button', { type: 'button', class: 'btn primary', id: 'emp-token-done', onclick: () => {
            hideToken();
            announce(t(`${E}.creds.hidden`));
            credName.focus();
          } }, t(`${E}.creds.done`))));
      tokenPanel.hidden = false;
      tokenHeading.focus();
    };

    const credName = input({ id: 'emp-cred-name', name: 'name', maxlength: 128, 'aria-required': 'true' });
    const credForm = h('form', { class: 'panel', id: 'emp-cred-form', novalidate: true },
      h('h3', {}, t(`${E}.creds.form_title`)),
      field(t(`${E}.creds.col.name`), credName, t(`${E}.creds.name_hint`)),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary', id: 'emp-cred-submit' }, t(`${E}.creds.submit`))));
    credForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      credMsg.clear();
      hideToken();
      if (!credName.value.trim()) { credMsg.fail(t(`${P}.need_name`)); credName.focus(); return; }
      await busy(credForm, async () => {
        try {
          const made = await ctx.api('POST', '/api/v1/clients', { kind: 'employer', org_id: employer.id, name: credName.value.trim() });
          credName.value = '';
          await drawCreds();
          showToken(made);
        } catch (err) {
          credMsg.fail(errorLine(ctx, err));
        }
      });
    });
    root.append(h('section', { 'aria-labelledby': 'emp-creds-title', id: 'emp-cred-section' },
      h('h2', { id: 'emp-creds-title' }, t(`${E}.creds.title`)),
      h('p', { class: 'hint' }, t(`${E}.creds.intro`)),
      ...credMsg.els, credBox, tokenPanel, credForm));
    await drawCreds();
    // Leaving the screen (or the page going to the background) never leaves a token on display.
    const onHide = () => { if (document.visibilityState === 'hidden') hideToken(); };
    document.addEventListener('visibilitychange', onHide);
    return {
      el: root,
      cleanup: () => {
        hideToken();
        document.removeEventListener('visibilitychange', onHide);
      },
    };
  }

  return { employers: listScreen, employer: oneScreen };
}
