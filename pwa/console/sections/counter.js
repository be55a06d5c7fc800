// Console section: the counter (issue 15 §3). A clerk finds the holder by document (the look-up is
// written to the holder's access record, and the screen says so), sees the card, its e-card and
// history, takes each lifecycle action behind a confirmation (channel "counter", the clerk's office
// recorded by the API), and prints a receipt of the visit. The document number never goes in the
// URL: the visit lives in this module's memory and ends with the tab.

import { ApiError } from '/shared/api.js';
import { formatTime, has, t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';

const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence'];
// Staff actions in the order a clerk meets them; the API's `allowed_actions` decides which show.
const ACTIONS = ['report_temp_loss', 'report_loss', 'lift_loss', 'request_replacement', 'lock', 'unlock', 'cancel'];
const DESTRUCTIVE = new Set(['report_temp_loss', 'report_loss', 'request_replacement', 'lock', 'cancel']);
const LIVE = new Set(['active', 'temp_lost', 'lost', 'locked', 'replacing']);

// The visit: who is at the counter and what was done for them (for the receipt).
let visit = null;

// A label from a family of keys, or the raw value when the API sends one we do not know yet.
function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return has(key) ? t(key) : String(value ?? '—');
}

function stateBadge(state) {
  const tone = state === 'active' ? 'status-ok' : (LIVE.has(state) ? 'status-warn' : 'status-bad');
  return h('span', { class: `badge ${tone}`, dataset: { state } }, t(`card.state.${state}`));
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

function docSelect(id, value) {
  return h('select', { id, name: id }, DOC_TYPES.map((code) => h('option', { value: code, selected: code === value }, t(`doc.${code}`))));
}

async function lookUp(ctx, docType, idNumber) {
  const found = await ctx.api('POST', '/api/v1/staff/cards/lookup', { doc_type: docType, id_number: idNumber });
  visit = { doc_type: docType, found, done: [], started: new Date().toISOString() };
  return found;
}

// --- find the holder ---------------------------------------------------------------------------

async function homeScreen(ctx) {
  const error = h('p', { id: 'lookup-error', class: 'error', role: 'alert' });
  const notFound = h('div', { id: 'lookup-missing', hidden: true },
    h('p', {}, t('console.counter.not_found')),
    h('p', {}, h('a', { class: 'btn secondary', href: '#/applications/new' }, t('console.counter.take_application'))));
  const form = h('form', { id: 'lookup-form', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    notFound.hidden = true;
    const idNumber = form.elements['lookup-number'].value.trim();
    if (!idNumber) {
      error.textContent = t('console.counter.number_needed');
      form.elements['lookup-number'].focus();
      return;
    }
    try {
      await lookUp(ctx, form.elements['lookup-doc'].value, idNumber);
      ctx.go('counter/person');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'person.not_found') notFound.hidden = false;
      else error.textContent = ctx.errorText(err);
    }
  } },
  h('div', { class: 'form-grid' },
    h('div', { class: 'field' }, h('label', { for: 'lookup-doc' }, t('console.counter.doc_type')), docSelect('lookup-doc', visit?.doc_type || 'resident_id')),
    h('div', { class: 'field' }, h('label', { for: 'lookup-number' }, t('console.counter.id_number')),
      h('input', { id: 'lookup-number', name: 'lookup-number', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'lookup-recorded' }))),
  h('p', { class: 'notice info', id: 'lookup-recorded' }, t('console.counter.recorded')),
  error,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('console.counter.look_up'))));
  return h('section', {},
    h('h1', {}, t('console.counter.title')),
    h('p', { class: 'hint' }, t('console.counter.intro')),
    form,
    notFound);
}

// --- the holder, their card, e-card and history --------------------------------------------------

function currentCard(found) {
  return found.cards.find((card) => LIVE.has(card.state)) || found.cards[0] || null;
}

function cardPanel(card) {
  return h('section', { class: 'panel', 'aria-labelledby': 'card-heading', id: 'card-panel', dataset: { cardId: card.id } },
    h('h2', { id: 'card-heading' }, t('console.counter.card')),
    facts([
      [t('console.counter.card_number'), h('span', { id: 'card-number' }, card.number)],
      [t('console.counter.state'), stateBadge(card.state)],
      card.lapse_at ? [t('console.counter.lapse_at'), formatTime(card.lapse_at)] : null,
      [t('console.counter.region'), card.region.name],
      [t('console.counter.bank'), `${card.bank.name} ${card.account}`],
      [t('console.counter.issued_at'), formatTime(card.issued_at, { time: false })],
    ]));
}

function ecardPanel(card) {
  const ecard = card.ecard;
  return h('section', { class: 'panel', 'aria-labelledby': 'ecard-heading', id: 'ecard-panel' },
    h('h2', { id: 'ecard-heading' }, t('console.counter.ecard')),
    facts([
      [t('console.counter.ecard_level'), label('console.counter.ecard_level', ecard.level)],
      [t('console.counter.ecard_usable'), ecard.usable ? t('common.yes') : t('common.no')],
      [t('console.counter.ecard_transport'), ecard.transport_enabled ? t('common.yes') : t('common.no')],
      [t('console.counter.ecard_proofing'), ecard.proofing ? label('console.counter.proofing', ecard.proofing) : t('common.unknown')],
      ecard.issued_at ? [t('console.counter.issued_at'), formatTime(ecard.issued_at, { time: false })] : null,
    ]));
}

function historyTable(events) {
  if (!events.length) return h('p', { class: 'empty' }, t('console.counter.no_history'));
  return h('div', { class: 'table-wrap' }, h('table', { id: 'history' },
    h('caption', {}, t('console.counter.history')),
    h('thead', {}, h('tr', {}, ['when', 'card_number', 'what', 'state', 'who', 'office'].map((col) => h('th', { scope: 'col' }, t(`console.counter.col.${col}`))))),
    h('tbody', {}, events.map((event) => h('tr', {},
      h('td', {}, formatTime(event.at)),
      h('td', {}, event.card_number),
      h('td', {}, label('console.counter.event', event.action)),
      h('td', {}, event.to_state ? t(`card.state.${event.to_state}`) : ''),
      h('td', {}, `${label('console.counter.actor', event.actor.kind)} · ${label('console.counter.channel', event.channel)}`),
      h('td', {}, event.office?.name || '—'))))));
}

function cardsTable(cards) {
  return h('div', { class: 'table-wrap' }, h('table', { id: 'cards' },
    h('caption', {}, t('console.counter.cards')),
    h('thead', {}, h('tr', {}, ['card_number', 'state', 'region', 'issued_at'].map((col) => h('th', { scope: 'col' }, t(`console.counter.col.${col}`))))),
    h('tbody', {}, cards.map((card) => h('tr', {},
      h('td', {}, card.number), h('td', {}, stateBadge(card.state)), h('td', {}, card.region.name),
      h('td', {}, formatTime(card.issued_at, { time: false })))))));
}

function actionsPanel(ctx, card, rerender) {
  const allowed = ACTIONS.filter((action) => card.allowed_actions.includes(action));
  const status = h('p', { id: 'action-status', role: 'status' });
  const reason = h('input', { id: 'action-reason', name: 'action-reason', maxlength: '500', autocomplete: 'off' });
  async function take(action) {
    const ok = await confirmDialog({
      title: t(`console.counter.confirm.${action}.title`),
      body: t(`console.counter.confirm.${action}.body`, { number: card.number }),
      confirm: t(`console.counter.action.${action}`),
      danger: DESTRUCTIVE.has(action),
    });
    if (!ok) return;
    document.getElementById('action-done')?.remove(); // the last action's message is not this one's
    try {
      const out = await ctx.api('POST', `/api/v1/staff/cards/${card.id}/actions/${action.replace(/_/g, '-')}`, {
        channel: 'counter', reason: reason.value.trim(),
      });
      const cards = visit.found.cards.map((c) => (c.id === out.card.id ? out.card : c));
      if (out.new_card) cards.unshift(out.new_card);
      visit.found = { ...visit.found, cards };
      visit.done.push({ action, at: new Date().toISOString(), card: out.card.number, new_card: out.new_card?.number || null, state: out.card.state });
      visit.message = t(`console.counter.done.${action}`);
      rerender();
    } catch (err) {
      status.textContent = ctx.errorText(err);
      status.className = 'error';
    }
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'actions-heading', id: 'actions-panel' },
    h('h2', { id: 'actions-heading' }, t('console.counter.actions')),
    allowed.length
      ? [
        h('div', { class: 'field' }, h('label', { for: 'action-reason' }, t('console.counter.reason')), reason),
        h('div', { class: 'actions' }, allowed.map((action) => h('button', {
          type: 'button', class: DESTRUCTIVE.has(action) ? 'btn danger secondary' : 'btn secondary',
          dataset: { action }, onclick: () => take(action),
        }, t(`console.counter.action.${action}`)))),
      ]
      : h('p', { class: 'empty' }, t('console.counter.no_actions')),
    status);
}

async function personScreen(ctx) {
  if (!visit) {
    ctx.go('counter');
    return h('section', {}, h('h1', {}, t('console.counter.title')));
  }
  const { found } = visit;
  const card = currentCard(found);
  const events = card ? await ctx.api('GET', `/api/v1/staff/cards/${card.id}/events?limit=50`) : [];
  const root = h('section', { id: 'person' });
  const rerender = () => ctx.go('counter/person');
  root.append(
    h('h1', {}, t('console.counter.person_title', { name: found.applicant.name })),
    visit.message ? h('p', { class: 'success', id: 'action-done', role: 'status' }, visit.message) : null,
    facts([
      [t('console.counter.name'), found.applicant.name],
      [t('console.counter.doc_type'), t(`doc.${found.applicant.doc_type}`)],
      [t('console.counter.id_number'), h('span', { id: 'masked-id' }, found.applicant.id_number)],
    ]),
    h('p', { class: 'notice info' }, t('console.counter.recorded_done')),
    visit.done.length ? h('div', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/counter/receipt', id: 'to-receipt' }, t('console.counter.receipt'))) : null,
    found.open_application ? h('p', { class: 'notice', id: 'open-application' }, t('console.counter.open_application', { status: t(`console.counter.application.${found.open_application.status}`) })) : null,
    card
      ? h('div', { class: 'split' }, cardPanel(card), ecardPanel(card))
      : h('p', {}, t('console.counter.no_card'), ' ', h('a', { href: '#/applications/new' }, t('console.counter.take_application'))),
    card ? actionsPanel(ctx, card, rerender) : null,
    historyTable(events),
    found.cards.length > 1 ? cardsTable(found.cards) : null,
    h('div', { class: 'actions' },
      h('a', { class: 'btn secondary', href: '#/counter', id: 'next-holder', onclick: () => { visit = null; } }, t('console.counter.next'))));
  visit.message = null;
  if (root.querySelector('#action-done')) announce(root.querySelector('#action-done').textContent);
  return root;
}

// --- the receipt ----------------------------------------------------------------------------------

function receiptScreen(ctx) {
  if (!visit || !visit.done.length) {
    ctx.go('counter');
    return h('section', {}, h('h1', {}, t('console.counter.title')));
  }
  const staff = ctx.staff;
  const office = staff.office_name || staff.city_name || staff.city;
  return h('section', { class: 'print-area' },
    h('article', { class: 'receipt panel', id: 'receipt' },
      h('h1', {}, t('console.counter.receipt_title')),
      facts([
        [t('console.counter.name'), visit.found.applicant.name],
        [t('console.counter.id_number'), visit.found.applicant.id_number],
        [t('console.counter.office'), h('span', { id: 'receipt-office' }, office)],
        [t('console.counter.clerk'), h('span', { id: 'receipt-clerk' }, `${staff.name} (${staff.username})`)],
        [t('console.counter.printed_at'), formatTime(new Date().toISOString())],
      ]),
      h('div', { class: 'table-wrap' }, h('table', { id: 'receipt-items' },
        h('caption', {}, t('console.counter.receipt_done')),
        h('thead', {}, h('tr', {}, ['when', 'what', 'card_number', 'state', 'new_card'].map((col) => h('th', { scope: 'col' }, t(`console.counter.col.${col}`))))),
        h('tbody', {}, visit.done.map((item) => h('tr', {},
          h('td', {}, formatTime(item.at)),
          h('td', {}, t(`console.counter.action.${item.action}`)),
          h('td', {}, item.card),
          h('td', {}, t(`card.state.${item.state}`)),
          h('td', {}, item.new_card || '—')))))),
      h('p', { class: 'hint' }, t('console.counter.receipt_note'))),
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'btn primary', id: 'print', onclick: () => window.print() }, t('console.counter.print')),
      h('a', { class: 'btn secondary', href: '#/counter/person' }, t('console.counter.back_to_person'))));
}

export const section = {
  id: 'counter',
  titleKey: 'console.counter.title',
  roles: ['counter_operator', 'supervisor'],
  dictionary: '/console/i18n/counter',
  screens: { '': homeScreen, person: personScreen, receipt: receiptScreen },
};
