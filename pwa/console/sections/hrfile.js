// Console section: the HR file (人社档案, issue 17, docs/hrfile.md). A clerk finds the person by a
// document (the persons look-up: the document goes in the body, the look-up is on the access record),
// reads their records by kind with source, legal basis and time (the staff read is on the holder's
// access record too), adds a record for their office (kind-specific fields), and corrects one: a
// correction is a new record pointing at the old one, which stays and shows beside it. Who the person
// is stays in this module's memory, never in the address.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, field, input, messages, select } from './admin-kit.js';
import {
  KINDS, KIND_ORDER, P, STAFF_KINDS, chains, dataControls, effectiveOn, errorText, kindName, readData, recordCard,
} from './hrfile-kit.js';

const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence'];

// The person at the counter: { person (PersonOut), records (the last read), docType }.
let visit = null;
let flash = null;

function takeFlash() {
  const message = flash;
  flash = null;
  return message ? h('p', { class: 'success', role: 'status', id: 'hr-flash' }, message) : null;
}

function frame(titleKey, vars = {}) {
  return h('section', { class: 'adm-screen hr-screen' }, h('h1', {}, t(`${P}.${titleKey}`, vars)));
}

function backToLookup(ctx) {
  ctx.go('hrfile');
  return frame('title');
}

function asList(answer) {
  if (Array.isArray(answer)) return answer;
  return answer.items || answer.records || [];
}

// --- find the person ----------------------------------------------------------------------------

async function homeScreen(ctx) {
  const root = frame('title');
  const msg = messages();
  msg.error.id = 'hr-lookup-error';
  const doc = select(DOC_TYPES.map((code) => ({ value: code, label: t(`doc.${code}`), selected: code === (visit?.docType || 'resident_id') })),
    { id: 'hr-lookup-doc', name: 'doc_type' });
  const number = input({ id: 'hr-lookup-number', name: 'id_number', spellcheck: 'false', maxlength: 32 });
  const form = h('form', { id: 'hr-lookup-form', class: 'panel', novalidate: true },
    h('h2', {}, t(`${P}.lookup.title`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.lookup.doc_type`), doc),
      field(t(`${P}.lookup.id_number`), number, t(`${P}.lookup.recorded`))),
    ...msg.els,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.lookup.submit`))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    msg.clear();
    const idNumber = number.value.trim();
    if (!idNumber) { msg.fail(t(`${P}.lookup.number_needed`)); number.focus(); return; }
    await busy(form, async () => {
      try {
        const person = await ctx.api('POST', '/api/v1/staff/persons/lookup', { doc_type: doc.value, id_number: idNumber });
        visit = { person, records: [], docType: doc.value };
        number.value = '';
        ctx.go('hrfile/person');
      } catch (err) {
        msg.fail(err instanceof ApiError && err.code === 'person.not_found' ? t(`${P}.lookup.not_found`) : errorText(ctx, err));
        number.focus();
      }
    });
  });
  root.append(h('p', { class: 'hint' }, t(`${P}.intro`)), form);
  if (visit) {
    root.append(h('p', {}, h('a', { class: 'btn secondary', href: '#/hrfile/person', id: 'hr-back-person' },
      t(`${P}.lookup.back_to`, { name: visit.person.name }))));
  }
  return root;
}

// --- the person's records ------------------------------------------------------------------------

function mayCorrect(ctx, record) {
  if (record.status !== 'current' || !STAFF_KINDS.includes(record.kind)) return false;
  // A supervisor corrects any source; a clerk only what their office wrote (the API decides anyway).
  return ctx.staff.role === 'supervisor' || (record.source.kind === 'staff' && record.source.id === ctx.staff.office_id);
}

function correctButton(ctx, record) {
  if (!mayCorrect(ctx, record)) return null;
  return h('div', { class: 'actions' }, h('a', {
    class: 'btn secondary hr-correct', href: `#/hrfile/correct?id=${encodeURIComponent(record.id)}`,
    'aria-label': `${t(`${P}.correct`)} ${kindName(record.kind)} ${record.effective_on}`,
  }, t(`${P}.correct`)));
}

function kindGroup(ctx, kind, records) {
  const headingId = `hr-kind-${kind}`;
  const ordered = chains(records).sort((a, b) => String(b[0].effective_on).localeCompare(String(a[0].effective_on)));
  return h('section', { class: 'hr-kind', 'aria-labelledby': headingId, dataset: { kind } },
    h('h2', { id: headingId }, t(`${P}.group`, { kind: kindName(kind), n: records.length })),
    ordered.map((chain) => h('div', {
      class: `hr-chain${chain.length > 1 ? ' hr-chain-corrected' : ''}`, role: 'group',
      'aria-label': chain.length > 1 ? t(`${P}.chain_label`, { kind: kindName(kind), n: chain.length - 1 }) : kindName(kind),
    }, chain.map((record, i) => recordCard(record, { correction: i > 0, actions: correctButton(ctx, record) })))));
}

async function personScreen(ctx, params) {
  if (!visit) return backToLookup(ctx);
  const kind = KINDS[params.get('kind')] ? params.get('kind') : '';
  const { person } = visit;
  const root = frame('person_title', { name: person.name });
  const primary = person.documents.find((d) => d.primary) || person.documents[0];
  root.append(
    takeFlash(),
    h('dl', { class: 'facts', id: 'hr-person' },
      h('dt', {}, t(`${P}.name`)), h('dd', {}, person.name),
      primary ? [h('dt', {}, t(`doc.${primary.doc_type}`)), h('dd', { id: 'hr-masked-id' }, primary.id_number_masked)] : null),
    h('p', { class: 'notice info', id: 'hr-read-recorded' }, t(`${P}.read_recorded`)));

  let records;
  try {
    records = asList(await ctx.api('GET', `/api/v1/staff/hrfile/persons/${person.id}/records${kind ? `?kind=${kind}` : ''}`));
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert', id: 'hr-error' }, errorText(ctx, err)));
    return root;
  }
  visit.records = records;

  const filter = select([{ value: '', label: t(`${P}.all_kinds`) }, ...KIND_ORDER.map((k) => ({ value: k, label: kindName(k), selected: k === kind }))],
    { id: 'hr-kind', name: 'kind' });
  const filterForm = h('form', { class: 'hr-filter', id: 'hr-filter', novalidate: true },
    h('div', { class: 'form-grid' }, field(t(`${P}.kind_filter`), filter)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn secondary', id: 'hr-filter-apply' }, t(`${P}.show`)),
      h('a', { class: 'btn primary', href: '#/hrfile/add', id: 'hr-add' }, t(`${P}.add`)),
      h('a', { class: 'btn secondary', href: '#/hrfile', id: 'hr-next', onclick: () => { visit = null; } }, t(`${P}.next`))));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(filter.value ? `hrfile/person?kind=${filter.value}` : 'hrfile/person');
  });
  root.append(filterForm);

  const byKind = new Map();
  for (const record of records) {
    if (!byKind.has(record.kind)) byKind.set(record.kind, []);
    byKind.get(record.kind).push(record);
  }
  const kinds = [...KIND_ORDER.filter((k) => byKind.has(k)), ...[...byKind.keys()].filter((k) => !KINDS[k])];
  root.append(h('div', { id: 'hr-records' },
    kinds.length
      ? kinds.map((k) => kindGroup(ctx, k, byKind.get(k)))
      : h('p', { class: 'empty', id: 'hr-empty' }, t(kind ? `${P}.empty_kind` : `${P}.empty`))));
  const flashed = root.querySelector('#hr-flash');
  if (flashed) announce(flashed.textContent);
  return root;
}

// --- add or correct a record ---------------------------------------------------------------------

function recordForm(ctx, { kind, record }) {
  const correcting = Boolean(record);
  const msg = messages();
  msg.error.id = 'hr-form-error';
  const kindSelect = correcting ? null : select(STAFF_KINDS.map((k) => ({ value: k, label: kindName(k), selected: k === kind })),
    { id: 'hr-form-kind', name: 'kind' });
  const dataBox = h('fieldset', { id: 'hr-form-data' });
  let controls = [];
  const drawData = (k, data) => {
    controls = dataControls(k, data);
    dataBox.replaceChildren(h('legend', {}, t(`${P}.form.data`, { kind: kindName(k) })),
      h('div', { class: 'form-grid' }, controls.map((c) => c.el)));
  };
  drawData(kind, record?.data || {});
  if (kindSelect) {
    kindSelect.addEventListener('change', () => {
      drawData(kindSelect.value, {});
      // The kind goes into the address without a redraw (arrow keys change a select), so a language
      // switch or a reload draws the same form.
      history.replaceState(history.state, '', `#/hrfile/add?kind=${kindSelect.value}`);
    });
  }

  const basis = input({ id: 'hr-form-basis', name: 'legal_basis', maxlength: 200, value: record?.legal_basis || '', 'aria-required': 'true' });
  const reason = correcting
    ? h('textarea', { id: 'hr-form-reason', name: 'correction_reason', maxlength: 200, rows: 3, 'aria-required': 'true' })
    : null;
  const form = h('form', { class: 'panel', id: 'hr-form', novalidate: true },
    kindSelect ? h('div', { class: 'form-grid' }, field(t(`${P}.form.kind`), kindSelect)) : null,
    dataBox,
    field(t(`${P}.legal_basis`), basis, t(`${P}.form.basis_hint`)),
    reason ? field(t(`${P}.correction_reason`), reason, t(`${P}.form.reason_hint`)) : null,
    h('p', { class: 'hint' }, t(`${P}.form.source`, { office: ctx.staff.office_name || ctx.staff.city_name || '' })),
    ...msg.els,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', id: 'hr-form-submit' }, t(correcting ? `${P}.form.submit_correction` : `${P}.form.submit`)),
      h('a', { class: 'btn secondary', href: '#/hrfile/person', id: 'hr-form-cancel' }, t(`${P}.form.cancel`))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    msg.clear();
    const k = correcting ? record.kind : kindSelect.value;
    const read = readData(controls);
    if (read.error) { msg.fail(read.error); read.control.focus(); return; }
    if (!basis.value.trim()) { msg.fail(t(`${P}.bad.basis`)); basis.focus(); return; }
    if (reason && !reason.value.trim()) { msg.fail(t(`${P}.bad.reason`)); reason.focus(); return; }
    const body = {
      person_id: visit.person.id, kind: k, data: read.data, effective_on: effectiveOn(k, read.data), legal_basis: basis.value.trim(),
      ...(correcting ? { corrects: record.id, correction_reason: reason.value.trim() } : {}),
    };
    await busy(form, async () => {
      try {
        await ctx.api('POST', '/api/v1/staff/hrfile/records', body);
        flash = t(correcting ? `${P}.done.corrected` : `${P}.done.added`, { kind: kindName(k) });
        ctx.go('hrfile/person');
      } catch (err) {
        msg.fail(errorText(ctx, err));
      }
    });
  });
  return form;
}

async function addScreen(ctx, params) {
  if (!visit) return backToLookup(ctx);
  const kind = STAFF_KINDS.includes(params.get('kind')) ? params.get('kind') : STAFF_KINDS[0];
  const root = frame('add_title', { name: visit.person.name });
  root.append(h('p', { class: 'hint' }, t(`${P}.add_hint`)), recordForm(ctx, { kind }));
  return root;
}

async function correctScreen(ctx, params) {
  if (!visit) return backToLookup(ctx);
  const record = visit.records.find((r) => r.id === params.get('id'));
  if (!record) {
    ctx.go('hrfile/person');
    return frame('title');
  }
  const root = frame('correct_title', { kind: kindName(record.kind) });
  root.append(
    h('p', { class: 'hint' }, t(`${P}.correct_hint`)),
    h('div', { class: 'hr-chain' }, recordCard(record)),
    recordForm(ctx, { kind: record.kind, record }));
  return root;
}

export const section = {
  id: 'hrfile',
  titleKey: 'console.hrfile.title',
  // Staff who write HR records for their office (the API decides every call).
  roles: ['counter_operator', 'supervisor'],
  dictionary: '/console/i18n/hrfile',
  screens: { '': homeScreen, person: personScreen, add: addScreen, correct: correctScreen },
};
