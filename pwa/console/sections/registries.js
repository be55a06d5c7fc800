// Console section: the province's registries (issue 15 §3): cooperating banks, certificate types,
// service points and staff accounts. Each screen is a keyboard-usable table and a form; changes
// that cut someone off (suspending or ending a bank, closing a type or a service point,
// deactivating a staff member) ask for confirmation first.

import { t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import {
  busy, checkGroup, checkbox, date, explain, field, input, label, list, local, messages, regionName, select, subnav, table,
} from './admin-kit.js';
import { employerScreens } from './registries-employers.js';

const P = 'console.registries';
const SERVICES = ['apply', 'report_loss', 'lift_loss', 'replace', 'cancel', 'change_bank', 'ecard', 'social_insurance',
  'medical_insurance', 'hr_records', 'certificates', 'consultation', 'complaints'];
const FACILITIES = ['wheelchair_access', 'accessible_toilet', 'accessible_parking', 'priority_window', 'hearing_loop',
  'sign_language', 'braille', 'large_print', 'voice_guidance', 'elderly_assistance'];
const LANGS = [['zh-Hans', 'lang.zh-Hans'], ['zh-Hant', 'lang.zh-Hant'], ['en', 'lang.en']];
const SUBS = ['banks', 'employers', 'certificate-types', 'service-points', 'staff'];
// Supervisors keep their city's service points and read their city's staff; the rest is provincial.
const SUPERVISOR_SUBS = ['service-points', 'staff'];

function subsOf(ctx) {
  return ctx.staff.role === 'provincial_operator' ? SUBS : SUPERVISOR_SUBS;
}

function screen(ctx, name, current) {
  return h('section', { class: 'adm-screen', 'data-screen': `registries-${name}` },
    h('h1', {}, t(`${P}.${name}.title`)),
    subnav(t(`${P}.nav`), subsOf(ctx).map((s) => ({ route: `registries/${s}`, label: t(`${P}.${s}.title`) })), current));
}

// A provincial registry opened by someone else: say so rather than offer what the API refuses.
function provincialOnly(ctx, name) {
  if (ctx.staff.role === 'provincial_operator') return null;
  const root = screen(ctx, name, `registries/${name}`);
  root.append(h('p', { class: 'notice', id: 'not-for-role' }, t(`${P}.not_for_role`)));
  return root;
}

async function cities(ctx) {
  return (await ctx.api('GET', '/api/v1/catalog/regions')).items.filter((r) => !r.province);
}

async function confirmed(titleKey, vars, bodyKey, confirmKey) {
  return confirmDialog({
    title: t(`${P}.${titleKey}`, vars),
    body: t(`${P}.${bodyKey}`, vars),
    confirm: t(`${P}.${confirmKey}`),
    cancel: t(`${P}.cancel`),
    danger: true,
  });
}

function statusBadge(kind, status) {
  const tone = { active: 'ok', suspended: 'warn', ended: 'bad', inactive: 'bad' }[status] || 'warn';
  return h('span', { class: `badge status-${tone}`, dataset: { status } }, label(`${P}.${kind}.status`, status));
}

// --- home ----------------------------------------------------------------------------------

async function home(ctx) {
  return h('section', { class: 'adm-screen', 'data-screen': 'registries' },
    h('h1', {}, t(`${P}.title`)),
    h('p', { class: 'hint' }, t(ctx.staff.role === 'provincial_operator' ? `${P}.intro` : `${P}.intro_city`)),
    h('ul', { class: 'tiles' }, subsOf(ctx).map((s) => h('li', {}, h('a', { class: 'tile', href: `#/registries/${s}` }, t(`${P}.${s}.title`))))));
}

// --- banks -----------------------------------------------------------------------------------

async function banksScreen(ctx, params) {
  const refused = provincialOnly(ctx, 'banks');
  if (refused) return refused;
  const banks = await ctx.api('GET', '/api/v1/banks');
  const root = screen(ctx, 'banks', 'registries/banks');
  const msg = messages();
  if (params.get('done')) msg.done(t(`${P}.banks.done.${params.get('done')}`, { code: params.get('code') || '' }));
  const reload = (done, code) => ctx.go(`registries/banks?done=${done}&code=${encodeURIComponent(code)}`);

  const setStatus = async (bank, status, successor) => {
    msg.clear();
    try {
      await ctx.api('POST', `/api/v1/banks/${encodeURIComponent(bank.code)}/status`,
        successor ? { status, successor_bank_code: successor } : { status });
      announce(t(`${P}.banks.done.${status}`, { code: bank.code }));
      reload(status, bank.code);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  };

  // Ending moves every holder to a successor: its own form, opened from the row.
  const endPanel = h('form', { class: 'panel', id: 'bank-end-form', hidden: true });
  const openEnd = (bank) => {
    const others = banks.filter((b) => b.code !== bank.code && b.status === 'active');
    const successor = select(others.map((b) => ({ value: b.code, label: `${b.name} (${b.code})` })), { id: 'bank-successor' });
    const heading = h('h2', { tabindex: '-1' }, t(`${P}.banks.end.title`, { name: bank.name }));
    endPanel.replaceChildren(heading,
      h('p', { class: 'notice', role: 'note' }, t(`${P}.banks.end.warning`)),
      others.length ? field(t(`${P}.banks.end.successor`), successor) : h('p', { class: 'error' }, t(`${P}.banks.end.no_successor`)),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'btn danger', disabled: !others.length }, t(`${P}.banks.end.submit`)),
        h('button', { type: 'button', class: 'btn secondary', onclick: () => { endPanel.hidden = true; } }, t(`${P}.cancel`))));
    endPanel.onsubmit = async (e) => {
      e.preventDefault();
      if (await confirmed('banks.end.confirm_title', { name: bank.name, successor: successor.value }, 'banks.end.confirm_body', 'banks.end.submit')) {
        await busy(endPanel, () => setStatus(bank, 'ended', successor.value));
      }
    };
    endPanel.hidden = false;
    heading.focus();
  };

  const actions = (bank) => {
    const buttons = [];
    if (bank.status === 'active') {
      buttons.push(h('button', { type: 'button', class: 'btn secondary', 'aria-label': t(`${P}.banks.suspend_label`, { name: bank.name }),
        onclick: async () => {
          if (await confirmed('banks.suspend_title', { name: bank.name }, 'banks.suspend_body', 'banks.suspend')) setStatus(bank, 'suspended');
        } }, t(`${P}.banks.suspend`)));
    }
    if (bank.status === 'suspended') {
      buttons.push(h('button', { type: 'button', class: 'btn secondary', 'aria-label': t(`${P}.banks.reactivate_label`, { name: bank.name }),
        onclick: () => setStatus(bank, 'active') }, t(`${P}.banks.reactivate`)));
    }
    if (bank.status !== 'ended') {
      buttons.push(h('button', { type: 'button', class: 'btn danger secondary', 'aria-label': t(`${P}.banks.end_label`, { name: bank.name }),
        onclick: () => openEnd(bank) }, t(`${P}.banks.end`)));
    }
    return h('div', { class: 'actions' }, buttons);
  };

  root.append(...msg.els, table({
    id: 'bank-table',
    caption: t(`${P}.banks.caption`, { n: banks.length }),
    empty: t(`${P}.banks.empty`),
    rows: banks,
    rowKey: (b) => b.code,
    columns: [
      { label: t(`${P}.banks.col.code`), cell: (b) => b.code },
      { label: t(`${P}.banks.col.name`), cell: (b) => b.name },
      { label: t(`${P}.col.status`), cell: (b) => statusBadge('banks', b.status) },
      { label: t(`${P}.banks.col.keeps`), cell: (b) => t(b.keeps_account_on_replacement ? `${P}.yes` : `${P}.no`) },
      { label: t(`${P}.col.actions`), cell: actions },
    ],
  }), endPanel);

  const addMsg = messages();
  const code = input({ id: 'bank-code', name: 'code', required: true, maxlength: 16, autocapitalize: 'characters' });
  const name = input({ id: 'bank-name', name: 'name', required: true, maxlength: 128 });
  const keeps = checkbox(t(`${P}.banks.form.keeps`), { id: 'bank-keeps', checked: true });
  const form = h('form', { class: 'panel', id: 'bank-form', novalidate: true },
    h('h2', {}, t(`${P}.banks.form.title`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.banks.form.code`), code, t(`${P}.banks.form.code_hint`)),
      field(t(`${P}.banks.form.name`), name)),
    keeps.el, ...addMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.banks.form.submit`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    addMsg.clear();
    const value = code.value.trim().toUpperCase();
    if (!/^[A-Z0-9]{2,16}$/.test(value)) { addMsg.fail(t(`${P}.banks.form.bad_code`)); code.focus(); return; }
    if (!name.value.trim()) { addMsg.fail(t(`${P}.need_name`)); name.focus(); return; }
    await busy(form, async () => {
      try {
        await ctx.api('POST', '/api/v1/banks', { code: value, name: name.value.trim(), keeps_account_on_replacement: keeps.box.checked });
        reload('created', value);
      } catch (err) {
        addMsg.fail(explain(ctx, err, P));
      }
    });
  });
  root.append(form);
  return root;
}

// --- certificate types --------------------------------------------------------------------------

function fieldRow(onRemove) {
  const name = input({ name: 'attr-name', maxlength: 32, pattern: '[a-z][a-z0-9_]*', 'aria-label': t(`${P}.types.form.field_name`) });
  const type = select(['string', 'integer', 'boolean', 'date'].map((v) => ({ value: v, label: t(`${P}.types.kind.${v}`) })),
    { name: 'attr-type', 'aria-label': t(`${P}.types.form.field_type`) });
  const required = checkbox(t(`${P}.types.form.field_required`), { name: 'attr-required' });
  const row = {
    el: h('div', { class: 'form-grid adm-field-row' },
      field(t(`${P}.types.form.field_name`), name),
      field(t(`${P}.types.form.field_type`), type),
      required.el,
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn secondary', onclick: () => onRemove(row) }, t(`${P}.types.form.remove_field`)))),
    name, type, required,
  };
  return row;
}

async function typesScreen(ctx, params) {
  const refused = provincialOnly(ctx, 'certificate-types');
  if (refused) return refused;
  const [types, agencies] = await Promise.all([
    ctx.api('GET', '/api/v1/certificate-types?include_inactive=true'),
    ctx.api('GET', '/api/v1/agencies'),
  ]);
  const root = screen(ctx, 'certificate-types', 'registries/certificate-types');
  const msg = messages();
  if (params.get('done')) msg.done(t(`${P}.types.done.${params.get('done')}`, { code: params.get('code') || '' }));
  const reload = (done, code) => ctx.go(`registries/certificate-types?done=${done}&code=${encodeURIComponent(code)}`);

  const setActive = async (type, active) => {
    if (!active && !(await confirmed('types.close_title', { name: type.name }, 'types.close_body', 'types.close'))) return;
    msg.clear();
    try {
      await ctx.api('PATCH', `/api/v1/certificate-types/${encodeURIComponent(type.code)}`, { active });
      reload(active ? 'opened' : 'closed', type.code);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  };

  root.append(...msg.els, table({
    id: 'type-table',
    caption: t(`${P}.types.caption`, { n: types.length }),
    empty: t(`${P}.types.empty`),
    rows: types,
    rowKey: (x) => x.code,
    columns: [
      { label: t(`${P}.types.col.code`), cell: (x) => h('code', {}, x.code) },
      { label: t(`${P}.types.col.name`), cell: (x) => x.name },
      { label: t(`${P}.types.col.issuer`), cell: (x) => x.issuer.name },
      { label: t(`${P}.types.col.fields`), cell: (x) => list(Object.keys(x.attribute_schema)) },
      { label: t(`${P}.col.status`), cell: (x) => statusBadge('types', x.active ? 'active' : 'inactive') },
      {
        label: t(`${P}.col.actions`),
        cell: (x) => (x.active
          ? h('button', { type: 'button', class: 'btn danger secondary', 'aria-label': t(`${P}.types.close_label`, { name: x.name }),
            onclick: () => setActive(x, false) }, t(`${P}.types.close`))
          : h('button', { type: 'button', class: 'btn secondary', 'aria-label': t(`${P}.types.open_label`, { name: x.name }),
            onclick: () => setActive(x, true) }, t(`${P}.types.open`))),
      },
    ],
  }));

  const addMsg = messages();
  const code = input({ id: 'type-code', name: 'code', required: true, maxlength: 32 });
  const name = input({ id: 'type-name', name: 'name', required: true, maxlength: 128 });
  const issuer = select(agencies.map((a) => ({ value: a.id, label: `${a.name} (${a.code})` })), { id: 'type-issuer' });
  const rows = [];
  const rowBox = h('div', { id: 'type-fields' });
  const removeRow = (row) => { rows.splice(rows.indexOf(row), 1); row.el.remove(); addField.focus(); };
  const pushRow = () => { const row = fieldRow(removeRow); rows.push(row); rowBox.append(row.el); return row; };
  pushRow();
  const addField = h('button', { type: 'button', class: 'btn secondary', id: 'type-add-field',
    onclick: () => pushRow().name.focus() }, t(`${P}.types.form.add_field`));
  const form = h('form', { class: 'panel', id: 'type-form', novalidate: true },
    h('h2', {}, t(`${P}.types.form.title`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.types.form.code`), code, t(`${P}.types.form.code_hint`)),
      field(t(`${P}.types.form.name`), name),
      field(t(`${P}.types.form.issuer`), issuer)),
    h('fieldset', {}, h('legend', {}, t(`${P}.types.form.fields`)), rowBox, h('div', { class: 'row' }, addField)),
    h('p', { class: 'hint' }, t(`${P}.types.form.later`)),
    ...addMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.types.form.submit`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    addMsg.clear();
    const schema = {};
    for (const row of rows) {
      const key = row.name.value.trim();
      if (!key) continue;
      schema[key] = { type: row.type.value, ...(row.required.box.checked ? { required: true } : {}) };
    }
    if (!/^[a-z][a-z0-9_]{1,31}$/.test(code.value.trim())) { addMsg.fail(t(`${P}.types.form.bad_code`)); code.focus(); return; }
    if (!name.value.trim()) { addMsg.fail(t(`${P}.need_name`)); name.focus(); return; }
    if (!Object.keys(schema).length) { addMsg.fail(t(`${P}.types.form.need_field`)); return; }
    await busy(form, async () => {
      try {
        await ctx.api('POST', '/api/v1/certificate-types',
          { code: code.value.trim(), name: name.value.trim(), issuer_agency_id: issuer.value, attribute_schema: schema });
        reload('created', code.value.trim());
      } catch (err) {
        addMsg.fail(explain(ctx, err, P));
      }
    });
  });
  root.append(form);
  return root;
}

// --- service points ------------------------------------------------------------------------------

function langGroup(legend, name) {
  const controls = LANGS.map(([lang, key]) => ({ lang, control: input({ name: `${name}-${lang}`, maxlength: 200, lang }), key }));
  return {
    el: h('fieldset', {}, h('legend', {}, legend),
      h('div', { class: 'form-grid' }, controls.map((c) => field(t(`${P}.${c.key}`), c.control)))),
    value: () => Object.fromEntries(controls.map((c) => [c.lang, c.control.value.trim()])),
  };
}

async function pointsScreen(ctx, params) {
  const all = await cities(ctx);
  const supervisor = ctx.staff.role === 'supervisor';
  const city = params.get('city') || (supervisor ? ctx.staff.city : '');
  const q = new URLSearchParams({ limit: '100' });
  if (city) q.set('city_code', city);
  const answer = await ctx.api('GET', `/api/v1/service-points?${q}`);
  const cityName = (code) => regionName(all.find((c) => c.code === code)) || code;
  const root = screen(ctx, 'service-points', 'registries/service-points');
  const msg = messages();
  if (params.get('done')) msg.done(t(`${P}.points.done.${params.get('done')}`));

  const pick = select([{ value: '', label: t(`${P}.points.all_cities`) }, ...all.map((c) => ({ value: c.code, label: cityName(c.code), selected: c.code === city }))],
    { id: 'points-city' });
  const filter = h('form', { class: 'form-grid' }, field(t(`${P}.points.city`), pick),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn secondary' }, t(`${P}.show`))));
  filter.addEventListener('submit', (e) => { e.preventDefault(); ctx.go(`registries/service-points?city=${pick.value}`); });

  const deactivate = async (point) => {
    if (!(await confirmed('points.close_title', { name: local(point.name) }, 'points.close_body', 'points.close'))) return;
    msg.clear();
    try {
      await ctx.api('PATCH', `/api/v1/service-points/${point.id}`, { active: false, version: point.version });
      ctx.go(`registries/service-points?city=${city}&done=closed`);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  };

  root.append(filter, ...msg.els, table({
    id: 'point-table',
    caption: t(`${P}.points.caption`, { n: answer.items.length }),
    empty: t(`${P}.points.empty`),
    rows: answer.items,
    rowKey: (p) => p.id,
    columns: [
      { label: t(`${P}.points.col.name`), cell: (p) => local(p.name) },
      { label: t(`${P}.points.col.kind`), cell: (p) => label(`${P}.points.kind`, p.kind) },
      { label: t(`${P}.points.city`), cell: (p) => `${cityName(p.city_code)}${p.district ? ` ${p.district}` : ''}` },
      { label: t(`${P}.points.col.address`), cell: (p) => local(p.address) },
      { label: t(`${P}.points.col.services`), cell: (p) => list(p.services.map((s) => label(`${P}.svc`, s))) },
      { label: t(`${P}.points.col.updated`), cell: (p) => date(p.updated_at) },
      {
        label: t(`${P}.col.actions`),
        cell: (p) => (!supervisor || p.city_code === ctx.staff.city
          ? h('button', { type: 'button', class: 'btn danger secondary', 'aria-label': t(`${P}.points.close_label`, { name: local(p.name) }),
            onclick: () => deactivate(p) }, t(`${P}.points.close`))
          : ''),
      },
    ],
  }));

  const addMsg = messages();
  const kind = select(['service_point', 'terminal'].map((k) => ({ value: k, label: label(`${P}.points.kind`, k) })), { id: 'point-kind' });
  const pointCity = select(all.filter((c) => !supervisor || c.code === ctx.staff.city).map((c) => ({ value: c.code, label: cityName(c.code), selected: c.code === city })),
    { id: 'point-city' });
  const district = input({ id: 'point-district', maxlength: 64 });
  const phone = input({ id: 'point-phone', type: 'tel', maxlength: 32 });
  const name = langGroup(t(`${P}.points.form.name`), 'point-name');
  const address = langGroup(t(`${P}.points.form.address`), 'point-address');
  const services = checkGroup(t(`${P}.points.form.services`), 'point-svc', SERVICES.map((s) => ({ value: s, label: label(`${P}.svc`, s) })));
  const facilities = checkGroup(t(`${P}.points.form.facilities`), 'point-fac', FACILITIES.map((s) => ({ value: s, label: label(`${P}.fac`, s) })));
  const form = h('form', { class: 'panel', id: 'point-form', novalidate: true },
    h('h2', {}, t(`${P}.points.form.title`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.points.col.kind`), kind), field(t(`${P}.points.city`), pointCity),
      field(t(`${P}.points.form.district`), district), field(t(`${P}.points.form.phone`), phone)),
    name.el, address.el, services.el, facilities.el, ...addMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.points.form.submit`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    addMsg.clear();
    const body = {
      kind: kind.value, city_code: pointCity.value, district: district.value.trim(), phone: phone.value.trim(),
      name: name.value(), address: address.value(), services: services.values(), facilities: facilities.values(),
    };
    if ([...Object.values(body.name), ...Object.values(body.address)].some((v) => !v)) { addMsg.fail(t(`${P}.points.form.need_text`)); return; }
    if (!body.services.length) { addMsg.fail(t(`${P}.points.form.need_service`)); return; }
    await busy(form, async () => {
      try {
        await ctx.api('POST', '/api/v1/service-points', body);
        ctx.go(`registries/service-points?city=${body.city_code}&done=created`);
      } catch (err) {
        addMsg.fail(explain(ctx, err, P));
      }
    });
  });
  root.append(form);
  return root;
}

// --- staff accounts -----------------------------------------------------------------------------

async function staffScreen(ctx, params) {
  const [members, all] = await Promise.all([ctx.api('GET', '/api/v1/staff?limit=500'), cities(ctx)]);
  const cityName = (code) => (code === '440000' ? t(`${P}.staff.province`) : regionName(all.find((c) => c.code === code)) || code);
  const root = screen(ctx, 'staff', 'registries/staff');
  const msg = messages();
  if (params.get('done')) msg.done(t(`${P}.staff.done.${params.get('done')}`, { username: params.get('username') || '' }));
  const manage = ctx.staff.role === 'provincial_operator';

  const deactivate = async (member) => {
    if (!(await confirmed('staff.close_title', { name: member.name, username: member.username }, 'staff.close_body', 'staff.close'))) return;
    msg.clear();
    try {
      await ctx.api('POST', `/api/v1/staff/${member.id}/deactivate`);
      ctx.go(`registries/staff?done=closed&username=${encodeURIComponent(member.username)}`);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
    }
  };

  root.append(...msg.els, table({
    id: 'staff-table',
    caption: t(`${P}.staff.caption`, { n: members.length }),
    empty: t(`${P}.staff.empty`),
    rows: members,
    rowKey: (m) => m.username,
    columns: [
      { label: t(`${P}.staff.col.username`), cell: (m) => m.username },
      { label: t(`${P}.staff.col.name`), cell: (m) => m.name },
      { label: t(`${P}.staff.col.role`), cell: (m) => label(`${P}.role`, m.role) },
      { label: t(`${P}.staff.col.city`), cell: (m) => cityName(m.city) },
      { label: t(`${P}.staff.col.totp`), cell: (m) => t(m.totp_enabled ? `${P}.yes` : `${P}.no`) },
      { label: t(`${P}.col.status`), cell: (m) => statusBadge('staff', m.active ? 'active' : 'inactive') },
      {
        label: t(`${P}.col.actions`),
        cell: (m) => h('div', { class: 'actions' },
          // What this staff member did, in the audit section (its strings; provincial operators only).
          // The accessible name starts with the visible words (axe label-content-name-mismatch).
          manage ? h('a', { class: 'btn secondary', href: `#/audit?actor=${m.id}`,
            'aria-label': `${t('console.audit.what_they_did')} ${m.username}` }, t('console.audit.what_they_did')) : null,
          manage && m.active && m.id !== ctx.staff.id
            ? h('button', { type: 'button', class: 'btn danger secondary', 'aria-label': t(`${P}.staff.close_label`, { username: m.username }),
              onclick: () => deactivate(m) }, t(`${P}.staff.close`))
            : null),
      },
    ],
  }));
  if (!manage) return root;

  // Offices as the staff list knows them: each named by its city and who works there.
  const offices = new Map();
  for (const m of members) {
    const office = offices.get(m.office_id) || { id: m.office_id, city: m.city, people: [] };
    office.people.push(m.username);
    offices.set(m.office_id, office);
  }
  const addMsg = messages();
  const username = input({ id: 'staff-username', name: 'username', required: true, maxlength: 32, autocapitalize: 'none' });
  const name = input({ id: 'staff-name', name: 'name', required: true, maxlength: 128 });
  const role = select(['counter_operator', 'supervisor', 'provincial_operator'].map((r) => ({ value: r, label: label(`${P}.role`, r) })), { id: 'staff-role' });
  const office = select([...offices.values()].map((o) => ({ value: o.id,
    label: t(`${P}.staff.office_label`, { city: cityName(o.city), people: list(o.people.slice(0, 3)) }) })), { id: 'staff-office' });
  const password = input({ id: 'staff-password', name: 'password', type: 'password', required: true, minlength: 10, maxlength: 256, autocomplete: 'new-password' });
  const form = h('form', { class: 'panel', id: 'staff-form', novalidate: true },
    h('h2', {}, t(`${P}.staff.form.title`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.staff.col.username`), username, t(`${P}.staff.form.username_hint`)),
      field(t(`${P}.staff.col.name`), name),
      field(t(`${P}.staff.col.role`), role),
      field(t(`${P}.staff.form.office`), office),
      field(t(`${P}.staff.form.password`), password, t(`${P}.staff.form.password_hint`))),
    ...addMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.staff.form.submit`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    addMsg.clear();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/.test(username.value.trim())) { addMsg.fail(t(`${P}.staff.form.bad_username`)); username.focus(); return; }
    if (!name.value.trim()) { addMsg.fail(t(`${P}.need_name`)); name.focus(); return; }
    if (password.value.length < 10) { addMsg.fail(t(`${P}.staff.form.short_password`)); password.focus(); return; }
    await busy(form, async () => {
      try {
        await ctx.api('POST', '/api/v1/staff', {
          username: username.value.trim(), name: name.value.trim(), role: role.value, office_id: office.value, password: password.value,
        });
        password.value = '';
        ctx.go(`registries/staff?done=created&username=${encodeURIComponent(username.value.trim())}`);
      } catch (err) {
        addMsg.fail(explain(ctx, err, P));
      }
    });
  });
  root.append(form);
  return root;
}

// Employers (issue 17): their own module, drawn in this section's frame.
const employers = employerScreens({ screen, provincialOnly, confirmed, statusBadge, cities });

export const section = {
  id: 'registries',
  titleKey: 'console.registries.title',
  // Supervisors: their city's service points and staff list (the API decides every call).
  roles: ['supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/registries',
  screens: {
    '': home,
    banks: banksScreen,
    employers: employers.employers,
    employer: employers.employer,
    'certificate-types': typesScreen,
    'service-points': pointsScreen,
    staff: staffScreen,
  },
};
