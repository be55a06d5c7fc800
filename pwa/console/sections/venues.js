// Console section: venues and their scanners (issue 15 §3). Provincial operators register venues
// (type, city, the catalog's scenarios for that type), add scanners and provision each by showing
// a QR code its scanner app reads (the provisioning link with the token in its fragment: the token
// is shown once, never typed), and revoke scanners. A venue's coordinates (WGS-84 degrees, both or
// neither; issue 20) are given on registration and set or cleared on its screen
// (PUT /api/v1/venues/{id}/coordinates): the misuse signals measure distances with them (docs/misuse.md).

import { t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { qrSvg } from '/shared/qr-render.js';
import {
  busy, checkGroup, date, explain, field, input, label, list, local, messages, regionName, select, table, uid,
} from './admin-kit.js';

const P = 'console.venues';
const PROVINCE = '440000';

async function regions(ctx) {
  const answer = await ctx.api('GET', '/api/v1/catalog/regions');
  return answer.items.filter((r) => !r.province);
}

// The scenarios in effect for a city (provincial items plus the city's own), with their venue types.
async function scenariosOf(ctx, city) {
  const catalog = await ctx.api('GET', `/api/v1/catalog?region=${encodeURIComponent(city || PROVINCE)}`);
  const scenarios = [];
  for (const item of catalog.items) for (const s of item.scenarios) scenarios.push(s);
  return { scenarios, venueTypes: catalog.venue_types };
}

// Scenario titles of the catalogs of these cities (scenario names are unique across the catalog).
async function scenarioTitles(ctx, cityCodes) {
  const titles = new Map();
  const catalogs = await Promise.all([...new Set(cityCodes)].map((c) => scenariosOf(ctx, c).catch(() => ({ scenarios: [] }))));
  for (const catalog of catalogs) for (const s of catalog.scenarios) titles.set(s.name, local(s.title));
  return (name) => titles.get(name) || name;
}

async function allVenues(ctx) {
  const venues = [];
  let offset = 0;
  for (let page = 0; page < 20; page++) {
    const answer = await ctx.api('GET', `/api/v1/venues?limit=100&offset=${offset}`);
    venues.push(...answer.items);
    if (answer.next_offset === null || answer.next_offset === undefined) break;
    offset = answer.next_offset;
  }
  return venues;
}

// Two number inputs for a venue's coordinates under one legend and hint. read() answers
// { latitude, longitude } (null for an empty input) or { bad: input } for a number the browser could
// not read or one out of range (the API would answer 400 request.invalid). One without the other is
// sent as is: the API's 422 venue.bad_coordinates is the rule, shown in the form (explain()).
function coordinateFields(prefix, venue, hintKey = `${P}.coords.hint`) {
  const hintId = uid('coords-hint');
  const number = (name, bound, value) => input({
    type: 'number', step: 'any', min: String(-bound), max: String(bound), inputmode: 'decimal', name,
    id: `${prefix}-${name}`, value: value === null || value === undefined ? '' : String(value), 'aria-describedby': hintId,
  });
  const latitude = number('latitude', 90, venue?.latitude);
  const longitude = number('longitude', 180, venue?.longitude);
  const el = h('fieldset', { id: `${prefix}-coordinates` },
    h('legend', {}, t(`${P}.coords.legend`)),
    h('p', { class: 'hint', id: hintId }, t(hintKey)),
    field(t(`${P}.coords.latitude`), latitude),
    field(t(`${P}.coords.longitude`), longitude));
  const one = (control, bound) => {
    if (control.validity.badInput) return { bad: true };
    const text = control.value.trim();
    if (!text) return { value: null };
    const value = Number(text);
    return Number.isFinite(value) && Math.abs(value) <= bound ? { value } : { bad: true };
  };
  const read = () => {
    const lat = one(latitude, 90);
    if (lat.bad) return { bad: latitude };
    const lon = one(longitude, 180);
    if (lon.bad) return { bad: longitude };
    return { latitude: lat.value, longitude: lon.value };
  };
  return { el, latitude, longitude, read };
}

const placed = (venue) => venue.latitude !== null && venue.latitude !== undefined
  && venue.longitude !== null && venue.longitude !== undefined;

function whereText(venue) {
  return placed(venue)
    ? t(`${P}.coords.value`, { latitude: venue.latitude, longitude: venue.longitude })
    : t(`${P}.coords.not_set`);
}

// --- the list and the registration form ---------------------------------------------------

async function home(ctx) {
  const [venues, cities] = await Promise.all([allVenues(ctx), regions(ctx)]);
  const cityName = (code) => regionName(cities.find((c) => c.code === code)) || code;
  const title = await scenarioTitles(ctx, venues.map((v) => v.city_code));
  const root = h('section', { class: 'adm-screen', 'data-screen': 'venues' });
  root.append(h('h1', {}, t(`${P}.title`)), h('p', { class: 'hint' }, t(`${P}.intro`)));

  root.append(table({
    id: 'venue-table',
    caption: t(`${P}.list.caption`, { n: venues.length }),
    empty: t(`${P}.list.empty`),
    rows: venues,
    rowKey: (v) => v.id,
    columns: [
      { label: t(`${P}.col.name`), cell: (v) => v.name },
      { label: t(`${P}.col.type`), cell: (v) => label(`${P}.vt`, v.venue_type) },
      { label: t(`${P}.col.city`), cell: (v) => cityName(v.city_code) },
      { label: t(`${P}.col.scenarios`), cell: (v) => list(v.scenarios.map(title)) },
      { label: t(`${P}.col.status`), cell: (v) => t(v.active ? `${P}.active` : `${P}.inactive`) },
      {
        label: t(`${P}.col.actions`),
        cell: (v) => h('a', { class: 'btn secondary', href: `#/venues/venue?id=${v.id}`,
          'aria-label': t(`${P}.open_scanners_of`, { name: v.name }) }, t(`${P}.open_scanners`)),
      },
    ],
  }));

  root.append(await registerForm(ctx, cities));
  return root;
}

async function registerForm(ctx, cities) {
  const msg = messages();
  const name = input({ name: 'name', required: true, maxlength: 128 });
  const city = select(cities.map((c) => ({ value: c.code, label: `${regionName(c)} (${c.code})` })), { name: 'city', id: 'venue-city' });
  const type = select([], { name: 'venue_type', id: 'venue-type' });
  const scenarioBox = h('div', { id: 'venue-scenarios' });
  const coords = coordinateFields('venue');
  let group = null;
  let catalog = { scenarios: [], venueTypes: [] };

  const drawScenarios = () => {
    const fitting = catalog.scenarios.filter((s) => s.venue_types.includes(type.value));
    group = checkGroup(t(`${P}.form.scenarios`), 'scenario',
      fitting.map((s) => ({ value: s.name, label: `${local(s.title)} (${s.name})` })), fitting.length === 1 ? [fitting[0].name] : []);
    scenarioBox.replaceChildren(fitting.length ? group.el : h('p', { class: 'notice' }, t(`${P}.form.no_scenarios`)));
  };
  const loadCity = async () => {
    try {
      catalog = await scenariosOf(ctx, city.value);
    } catch (err) {
      msg.fail(explain(ctx, err, P));
      return;
    }
    const previous = type.value;
    type.replaceChildren(...catalog.venueTypes.map((vt) => h('option', { value: vt, selected: vt === previous || undefined },
      label(`${P}.vt`, vt))));
    drawScenarios();
  };
  city.addEventListener('change', loadCity);
  type.addEventListener('change', drawScenarios);
  await loadCity();

  const form = h('form', { class: 'panel', id: 'venue-form', novalidate: true },
    h('h2', {}, t(`${P}.form.title`)),
    field(t(`${P}.form.name`), name),
    field(t(`${P}.form.city`), city),
    field(t(`${P}.form.type`), type),
    scenarioBox,
    coords.el,
    ...msg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.form.submit`))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    msg.clear();
    const scenarios = group ? group.values() : [];
    if (!name.value.trim()) { msg.fail(t(`${P}.form.need_name`)); name.focus(); return; }
    if (!scenarios.length) { msg.fail(t(`${P}.form.need_scenario`)); return; }
    const where = coords.read();
    if (where.bad) { msg.fail(t(`${P}.coords.out_of_range`)); where.bad.focus(); return; }
    const body = { name: name.value.trim(), venue_type: type.value, city_code: city.value, scenarios };
    // Only what was typed: both empty registers the venue unplaced.
    if (where.latitude !== null) body.latitude = where.latitude;
    if (where.longitude !== null) body.longitude = where.longitude;
    await busy(form, async () => {
      try {
        const venue = await ctx.api('POST', '/api/v1/venues', body);
        announce(t(`${P}.form.done`, { name: venue.name }));
        ctx.go(`venues/venue?id=${venue.id}&new=1`);
      } catch (err) {
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  return form;
}

// --- one venue: its scanners, provisioning and revocation -------------------------------------

async function venueScreen(ctx, params) {
  const id = params.get('id') || '';
  const [venues, cities] = await Promise.all([allVenues(ctx), regions(ctx)]);
  const venue = venues.find((v) => v.id === id);
  const root = h('section', { class: 'adm-screen', 'data-screen': 'venue' });
  const back = h('p', {}, h('a', { href: '#/venues' }, t(`${P}.back`)));
  if (!venue) {
    root.append(h('h1', {}, t(`${P}.venue.missing`)), back);
    return root;
  }
  const title = await scenarioTitles(ctx, [venue.city_code]);
  root.append(back, h('h1', {}, t(`${P}.venue.title`, { name: venue.name })));
  const whereDd = h('dd', { id: 'venue-where', dataset: { placed: placed(venue) ? '1' : '0' } }, whereText(venue));
  root.append(h('dl', { class: 'facts' },
    h('dt', {}, t(`${P}.col.type`)), h('dd', {}, label(`${P}.vt`, venue.venue_type)),
    h('dt', {}, t(`${P}.col.city`)), h('dd', {}, regionName(cities.find((c) => c.code === venue.city_code)) || venue.city_code),
    h('dt', {}, t(`${P}.col.scenarios`)), h('dd', {}, list(venue.scenarios.map((n) => `${title(n)} (${n})`))),
    h('dt', {}, t(`${P}.coords.where`)), whereDd));
  if (params.get('new')) root.append(h('p', { class: 'success', role: 'status' }, t(`${P}.form.done`, { name: venue.name })));

  const provision = h('div', { id: 'provision', class: 'panel', hidden: true });
  const listBox = h('div', { id: 'scanner-list' });
  const listMsg = messages();

  const hideProvision = () => {
    provision.replaceChildren();
    provision.hidden = true;
  };

  const drawList = async () => {
    let scanners;
    try {
      scanners = (await ctx.api('GET', `/api/v1/venues/${venue.id}/scanners`)).items;
    } catch (err) {
      listMsg.fail(explain(ctx, err, P));
      return;
    }
    listBox.replaceChildren(table({
      id: 'scanner-table',
      caption: t(`${P}.scanners.caption`, { name: venue.name }),
      empty: t(`${P}.scanners.empty`),
      rows: scanners,
      rowKey: (s) => s.id,
      columns: [
        { label: t(`${P}.scanners.col.name`), cell: (s) => s.name },
        { label: t(`${P}.scanners.col.status`), cell: (s) => h('span', { class: `badge status-${s.status === 'active' ? 'ok' : 'bad'}`, dataset: { status: s.status } }, label(`${P}.status`, s.status)) },
        { label: t(`${P}.scanners.col.created`), cell: (s) => date(s.created_at) },
        { label: t(`${P}.scanners.col.last_used`), cell: (s) => (s.last_used_at ? date(s.last_used_at) : t(`${P}.scanners.never`)) },
        {
          label: t(`${P}.col.actions`),
          cell: (s) => (s.status === 'active'
            ? h('button', { type: 'button', class: 'btn danger', dataset: { revoke: s.id },
              'aria-label': t(`${P}.revoke.label`, { name: s.name }), onclick: () => revoke(s) }, t(`${P}.revoke.button`))
            : ''),
        },
      ],
    }));
  };

  const revoke = async (scanner) => {
    const ok = await confirmDialog({
      title: t(`${P}.revoke.confirm_title`, { name: scanner.name }),
      body: t(`${P}.revoke.confirm_body`),
      confirm: t(`${P}.revoke.confirm`),
      cancel: t(`${P}.cancel`),
      danger: true,
    });
    if (!ok) return;
    listMsg.clear();
    try {
      // The scanner's id is its machine client's id; client.manage is the venue operators' right too.
      await ctx.api('POST', `/api/v1/clients/${scanner.id}/revoke`);
      listMsg.done(t(`${P}.revoke.done`, { name: scanner.name }));
      announce(t(`${P}.revoke.done`, { name: scanner.name }));
    } catch (err) {
      listMsg.fail(explain(ctx, err, P));
    }
    await drawList();
  };

  const showProvision = async (created) => {
    const link = `${location.origin}/scanner/#token=${created.token}`;
    const svg = await qrSvg(link, t(`${P}.provision.qr_label`, { name: created.name }));
    const heading = h('h2', { id: 'provision-title', tabindex: '-1' }, t(`${P}.provision.title`, { name: created.name }));
    provision.replaceChildren(
      heading,
      h('p', { class: 'notice adm-once', role: 'note' }, t(`${P}.provision.once`)),
      h('ol', { class: 'adm-steps' },
        h('li', {}, t(`${P}.provision.step1`)),
        h('li', {}, t(`${P}.provision.step2`)),
        h('li', {}, t(`${P}.provision.step3`))),
      h('div', { class: 'qr-box', id: 'provision-qr' }, svg),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn primary', id: 'provision-done', onclick: () => {
        hideProvision();
        announce(t(`${P}.provision.hidden`));
        addName.focus();
      } }, t(`${P}.provision.done`))));
    provision.hidden = false;
    heading.focus();
  };

  const addMsg = messages();
  const addName = input({ name: 'scanner-name', required: true, maxlength: 128, id: 'scanner-name' });
  const addForm = h('form', { class: 'panel', id: 'scanner-form', novalidate: true },
    h('h2', {}, t(`${P}.scanners.add_title`)),
    field(t(`${P}.scanners.add_name`), addName, t(`${P}.scanners.add_hint`)),
    ...addMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.scanners.add_submit`))));
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    addMsg.clear();
    if (!addName.value.trim()) { addMsg.fail(t(`${P}.scanners.need_name`)); addName.focus(); return; }
    await busy(addForm, async () => {
      try {
        const created = await ctx.api('POST', `/api/v1/venues/${venue.id}/scanners`, { name: addName.value.trim() });
        addName.value = '';
        await drawList();
        await showProvision(created);
      } catch (err) {
        addMsg.fail(explain(ctx, err, P));
      }
    });
  });

  // Where the venue is: set, change or (both empty) forget its coordinates.
  const placeMsg = messages();
  const place = coordinateFields('place', venue, `${P}.coords.hint_edit`);
  const placeForm = h('form', { class: 'panel', id: 'coordinates-form', novalidate: true },
    h('h2', {}, t(`${P}.coords.title`)),
    place.el,
    ...placeMsg.els,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.coords.save`))));
  placeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    placeMsg.clear();
    const where = place.read();
    if (where.bad) { placeMsg.fail(t(`${P}.coords.out_of_range`)); where.bad.focus(); return; }
    await busy(placeForm, async () => {
      try {
        const saved = await ctx.api('PUT', `/api/v1/venues/${venue.id}/coordinates`, where);
        whereDd.textContent = whereText(saved);
        whereDd.dataset.placed = placed(saved) ? '1' : '0';
        placeMsg.done(t(placed(saved) ? `${P}.coords.saved` : `${P}.coords.cleared`, { name: venue.name }));
      } catch (err) {
        placeMsg.fail(explain(ctx, err, P));
      }
    });
  });

  root.append(h('h2', {}, t(`${P}.scanners.title`)), ...listMsg.els, listBox, provision, addForm, placeForm);
  await drawList();
  // Leaving the screen (or the page going to the background) never leaves a token on display.
  const onHide = () => { if (document.visibilityState === 'hidden') hideProvision(); };
  document.addEventListener('visibilitychange', onHide);
  return {
    el: root,
    cleanup: () => {
      hideProvision();
      document.removeEventListener('visibilitychange', onHide);
    },
  };
}

export const section = {
  id: 'venues',
  titleKey: 'console.venues.title',
  // The venue routes answer provincial operators only (venue.manage, client.manage).
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/venues',
  screens: { '': home, venue: venueScreen },
};
