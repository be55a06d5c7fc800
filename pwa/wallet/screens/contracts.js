// Wallet screen: my labour contracts (issue 17, docs/contracts.md). #/contracts lists them;
// #/contracts?id=<id> shows one: its employer and terms, the text both parties sign and its hash,
// who signed when. The holder signs (or declines, or later terminates) with this phone's own
// device key: WebCrypto Ed25519 over the signing input the server gives, the key never leaving
// the phone. "Verify" asks the server to check both signatures against the stored text.

import { ApiError, OfflineError } from '/shared/api.js';
import { fromBase64, toBase64url } from '/shared/bytes.js';
import { formatTime, has, t } from '/shared/i18n.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { ensureDevice } from '../device.js';
import { EP } from '../endpoints.js';
import { stepUpApi } from '../stepup.js';
import { yuan } from './payments.js';
import { back, bilingual, dateOnly, errorBox, hashParams, showError } from './service-labels.js';

const TONE = { awaiting_employee: 'pending', signed: 'ok', terminated: 'off', declined: 'off', withdrawn: 'off', drafted: 'pending' };
const TERMS = ['position', 'workplace', 'term_kind', 'start_on', 'end_on', 'probation_months', 'wage_fen_per_month', 'working_hours', 'other'];

function words(family, value) {
  const key = `hr.contract.${family}.${value}`;
  return value != null && has(key) ? t(key) : (value ?? '');
}

function termValue(field, value) {
  if (value === null || value === undefined || value === '') return field === 'end_on' ? t('hr.value.none') : '–';
  if (field === 'wage_fen_per_month') return yuan(value);
  if (field.endsWith('_on')) return dateOnly(value);
  if (field === 'probation_months') return t('hr.contract.months', { n: value });
  if (field === 'term_kind' || field === 'working_hours') return words(field, value);
  return String(value);
}

function badge(c) {
  return h('span', { class: `pay-status ${TONE[c.status] || 'off'}`, dataset: { status: c.status } }, words('status', c.status));
}

// What the signatures sign, as bytes: the UTF-8 text the server gives (base64 if it ever sends bytes).
function inputBytes(signingInput) {
  const text = String(signingInput || '');
  if (text.startsWith('yikatong/')) return new TextEncoder().encode(text);
  return fromBase64(text);
}

// This phone's device key signs `signingInput`; the key stays in the browser (non-extractable).
async function deviceSign(app, signingInput) {
  const device = await ensureDevice(stepUpApi(app)); // registering a new phone may need a fresh factor
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, device.privateKey, inputBytes(signingInput)));
  return { device_key_id: device.keyId, signature: toBase64url(sig) };
}

// A modal form (fields given as [id, label key, element]); resolves to the values or null when cancelled.
export function formDialog({ id, title, body, fields, confirm, danger = false }) {
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', role: 'alert', id: `${id}-error`, hidden: true });
    const form = h('form', { method: 'dialog', id: `${id}-form`, novalidate: true },
      body ? h('p', {}, body) : null,
      fields.map(([fid, key, el]) => h('div', { class: 'field' }, h('label', { for: fid }, t(key)), el)),
      error,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn secondary', id: `${id}-cancel`, onclick: () => dialog.close('cancel') }, t('common.cancel')),
        h('button', { type: 'submit', class: danger ? 'btn danger' : 'btn primary', id: `${id}-ok` }, confirm)));
    const dialog = h('dialog', { class: 'dialog', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), form);
    let values = null;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const missing = fields.find(([, , el]) => el.required && !String(el.value).trim());
      if (missing) { showError(error, t('hr.form.missing')); missing[2].focus(); return; }
      values = Object.fromEntries(fields.map(([fid, , el]) => [fid, String(el.value).trim()]));
      dialog.close('ok');
    });
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'ok' ? values : null); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// The facts of a contract notice in words, for screens/inbox.js (the employer's name, the position, a date).
export function contractVars(p) {
  return {
    employer: bilingual(p.employer ?? ''),
    position: p.position ?? '',
    date: p.terminated_on ? dateOnly(p.terminated_on) : '',
  };
}

// A contract notice leads to its contract.
export function contractLink(notice, title) {
  const id = notice.params?.contract_id;
  if (!notice.event?.startsWith('contract.') || !id) return null;
  return h('a', { class: 'btn secondary notice-open', href: `#/contracts?id=${encodeURIComponent(id)}`, 'aria-label': t('hr.contract.open_of', { title }) },
    t('hr.contract.open'));
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function offlineBox() {
  return h('p', { class: 'notice offline', id: 'contracts-offline', role: 'status' }, t('hr.contract.offline'));
}

// A contract's terms, from the full contract (terms) or a line of the list (flat).
function termOf(c, field) {
  return c.terms ? c.terms[field] : c[field];
}

// What an event's signed text states (its reason), read from the canonical JSON.
function eventReason(e) {
  try {
    return JSON.parse(e.document)?.reason || '';
  } catch {
    return '';
  }
}

function contractTitle(c) {
  const employer = bilingual(c.employer?.name || '');
  const position = termOf(c, 'position');
  return position ? t('hr.contract.title_of', { employer, position }) : employer;
}

export async function contractsScreen(app) {
  const id = hashParams().get('id');
  return id ? detail(app, id) : list(app);
}

async function list(app) {
  const root = h('section', { class: 'services contracts', id: 'contracts' }, h('h1', {}, t('title.contracts')), back('#/more'));
  let items;
  try {
    const answer = await app.api('GET', EP.myContracts);
    items = Array.isArray(answer) ? answer : answer.items || [];
  } catch (err) {
    root.append(err instanceof OfflineError ? offlineBox() : h('p', { class: 'error', role: 'alert', id: 'contracts-error' }, app.errorText(err)));
    return root;
  }
  root.append(h('p', { class: 'hint' }, t('hr.contract.intro')));
  if (!items.length) {
    root.append(h('p', { class: 'notice', id: 'contracts-empty' }, t('hr.contract.empty')));
    return root;
  }
  root.append(h('ul', { class: 'pay-list', id: 'contract-list', 'aria-label': t('hr.contract.list') }, items.map((c) => h('li', {},
    h('article', { class: `payface contract status-${c.status}`, id: `contract-${c.id}`, 'aria-labelledby': `contract-title-${c.id}`, dataset: { id: c.id, status: c.status } },
      h('h2', { class: 'pay-kind', id: `contract-title-${c.id}` },
        h('a', { href: `#/contracts?id=${encodeURIComponent(c.id)}`, class: 'pay-open', id: `open-contract-${c.id}` }, contractTitle(c))),
      h('p', {}, badge(c)),
      h('dl', { class: 'facts' },
        h('dt', {}, t('hr.contract.employer')), h('dd', {}, bilingual(c.employer?.name || '')),
        h('dt', {}, t('hr.contract.term.start_on')), h('dd', {}, termValue('start_on', termOf(c, 'start_on'))),
        h('dt', {}, t('hr.contract.term.term_kind')), h('dd', {}, termValue('term_kind', termOf(c, 'term_kind')))),
      c.status === 'awaiting_employee' ? h('p', { class: 'hr-todo' }, t('hr.contract.awaits_you')) : null)))));
  return root;
}

function verificationBox(v) {
  const sig = (party) => {
    const state = v[`${party}_signature`] || 'missing';
    return [h('dt', {}, t(`hr.contract.sig.${party}`)),
      h('dd', { class: `hr-check ${state}`, dataset: { party, state } }, state === 'valid' ? '✓ ' : '✗ ', words('check', state))];
  };
  return h('section', {
    class: `hr-verdict ${v.valid ? 'ok' : 'bad'}`, id: 'contract-verdict', 'aria-labelledby': 'contract-verdict-title',
    dataset: { valid: v.valid ? '1' : '0' }, role: 'status',
  },
  h('h2', { id: 'contract-verdict-title' }, v.valid ? t('hr.contract.verdict_ok') : t('hr.contract.verdict_bad')),
  h('dl', { class: 'facts' },
    h('dt', {}, t('hr.contract.doc_hash_check')),
    h('dd', { class: `hr-check ${v.doc_hash_matches ? 'valid' : 'invalid'}`, dataset: { state: v.doc_hash_matches ? 'valid' : 'invalid' } },
      v.doc_hash_matches ? `✓ ${t('hr.contract.hash_matches')}` : `✗ ${t('hr.contract.hash_differs')}`),
    sig('employer'), sig('employee'),
    (v.events || []).flatMap((e) => [h('dt', {}, words('event', e.kind)),
      h('dd', { class: `hr-check ${e.valid ? 'valid' : 'invalid'}` }, e.valid ? `✓ ${words('check', 'valid')}` : `✗ ${words('check', 'invalid')}`)]),
    h('dt', {}, t('hr.contract.checked_at')), h('dd', {}, formatTime(v.checked_at))));
}

async function detail(app, id) {
  const root = h('section', { class: 'services contracts', id: 'contract' });
  let c;
  try {
    c = await app.api('GET', EP.myContract(id));
  } catch (err) {
    root.append(h('h1', {}, t('title.contracts')), back('#/contracts', 'hr.contract.back'),
      err instanceof OfflineError ? offlineBox() : h('p', { class: 'error', role: 'alert', id: 'contracts-error' }, app.errorText(err)));
    return root;
  }
  const status = h('p', { id: 'contract-status', class: 'notice', role: 'status', hidden: true });
  const error = errorBox('contract-error');
  const verdict = h('div', { id: 'contract-verdict-box' });
  const say = (text) => { error.hidden = true; status.textContent = text; status.hidden = false; announce(text); };
  const fail = (err) => { status.hidden = true; showError(error, signError(app, err)); };
  const redraw = async (message) => {
    await app.render({ quiet: true });
    const box = document.getElementById('contract-status');
    if (box && message) { box.textContent = message; box.hidden = false; announce(message); }
  };

  const terms = c.terms || {};
  const sigs = c.signatures || {};
  const sigLine = (party) => {
    const s = sigs[party];
    return [h('dt', {}, t(`hr.contract.sig.${party}`)),
      h('dd', { class: 'contract-sig', dataset: { party, signed: s ? '1' : '0' } },
        s ? t('hr.contract.signed_at', { time: formatTime(s.signed_at), key: s.key_id }) : t('hr.contract.not_signed'))];
  };
  const documentText = typeof c.document === 'string' ? c.document : JSON.stringify(c.document, null, 1);

  async function sign() {
    const ok = await confirmDialog({
      title: t('hr.contract.sign_title'),
      body: t('hr.contract.sign_body', { employer: bilingual(c.employer?.name || ''), hash: String(c.doc_hash).slice(0, 16) }),
      confirm: t('hr.contract.sign_confirm'),
    });
    if (!ok) return;
    try {
      await app.api('POST', EP.contractSign(c.id), await deviceSign(app, c.signing_input));
      await redraw(t('hr.contract.signed_done'));
    } catch (err) {
      fail(err);
    }
  }

  async function decline() {
    const reason = h('textarea', { id: 'decline-reason', required: true, maxlength: 128, rows: 3 });
    const values = await formDialog({
      id: 'decline-dialog', title: t('hr.contract.decline_title'), body: t('hr.contract.decline_body'),
      fields: [['decline-reason', 'hr.contract.reason', reason]], confirm: t('hr.contract.decline_confirm'), danger: true,
    });
    if (!values) return;
    try {
      await app.api('POST', EP.contractDecline(c.id), { reason: values['decline-reason'] });
      await redraw(t('hr.contract.declined_done'));
    } catch (err) {
      fail(err);
    }
  }

  async function terminate() {
    const on = h('input', { id: 'terminate-on', type: 'date', required: true, value: today() });
    const reason = h('textarea', { id: 'terminate-reason', required: true, maxlength: 128, rows: 3 });
    const values = await formDialog({
      id: 'terminate-dialog', title: t('hr.contract.terminate_title'), body: t('hr.contract.terminate_body'),
      fields: [['terminate-on', 'hr.contract.terminated_on', on], ['terminate-reason', 'hr.contract.reason', reason]],
      confirm: t('hr.contract.terminate_next'),
    });
    if (!values) return;
    const body = { terminated_on: values['terminate-on'], reason: values['terminate-reason'] };
    try {
      const preview = await app.api('POST', EP.contractTerminationPreview(c.id), body);
      const ok = await confirmDialog({
        title: t('hr.contract.terminate_sign_title'),
        body: t('hr.contract.terminate_sign_body', { date: dateOnly(body.terminated_on), reason: body.reason, hash: String(preview.doc_hash).slice(0, 16) }),
        confirm: t('hr.contract.sign_confirm'),
        danger: true,
      });
      if (!ok) return;
      await app.api('POST', EP.contractTermination(c.id), { ...body, ...(await deviceSign(app, preview.signing_input)) });
      await redraw(t('hr.contract.terminated_done'));
    } catch (err) {
      fail(err);
    }
  }

  async function verify() {
    try {
      const v = await app.api('GET', EP.contractVerification(c.id));
      clear(verdict).append(verificationBox(v));
      announce(v.valid ? t('hr.contract.verdict_ok') : t('hr.contract.verdict_bad'));
    } catch (err) {
      fail(err);
    }
  }

  async function evidence() {
    try {
      const bundle = await app.api('GET', EP.contractEvidence(c.id));
      const name = `labour-contract-${String(c.id).slice(0, 8)}-evidence.json`;
      const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }));
      const link = h('a', { href: url, download: name, class: 'visually-hidden' }, name);
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(t('hr.contract.evidence_saved', { name }));
    } catch (err) {
      fail(err);
    }
  }

  const actions = [];
  if (c.status === 'awaiting_employee') {
    actions.push(h('button', { type: 'button', class: 'btn primary', id: 'contract-sign', onclick: sign }, t('hr.contract.sign')),
      h('button', { type: 'button', class: 'btn danger', id: 'contract-decline', onclick: decline }, t('hr.contract.decline')));
  }
  if (['awaiting_employee', 'signed', 'terminated'].includes(c.status)) {
    actions.push(h('button', { type: 'button', class: 'btn secondary', id: 'contract-verify', onclick: verify }, t('hr.contract.verify')),
      h('button', { type: 'button', class: 'btn secondary', id: 'contract-evidence', onclick: evidence }, t('hr.contract.evidence')));
  }
  if (c.status === 'signed') {
    actions.push(h('button', { type: 'button', class: 'btn danger', id: 'contract-terminate', onclick: terminate }, t('hr.contract.terminate')));
  }

  root.append(
    h('h1', {}, contractTitle(c)),
    back('#/contracts', 'hr.contract.back'),
    h('article', { class: `payface contract status-${c.status}`, id: `contract-${c.id}`, 'aria-labelledby': 'contract-terms-title', dataset: { id: c.id, status: c.status } },
      h('p', {}, badge(c)),
      c.status === 'awaiting_employee' ? h('p', { class: 'hr-todo' }, t('hr.contract.awaits_you')) : null,
      h('h2', { id: 'contract-terms-title', class: 'pay-kind' }, t('hr.contract.terms')),
      h('dl', { class: 'facts', id: 'contract-terms' },
        h('dt', {}, t('hr.contract.employer')), h('dd', { id: 'contract-employer' }, bilingual(c.employer?.name || '')),
        h('dt', {}, t('hr.contract.uscc')), h('dd', { class: 'mono' }, c.employer?.uscc || ''),
        TERMS.filter((f) => f in terms).flatMap((f) => [h('dt', {}, t(`hr.contract.term.${f}`)), h('dd', { dataset: { term: f } }, termValue(f, terms[f]))])),
      h('h2', { class: 'pay-kind' }, t('hr.contract.signatures')),
      h('dl', { class: 'facts', id: 'contract-signatures' },
        sigLine('employer'), sigLine('employee'),
        h('dt', {}, t('hr.contract.doc_hash')), h('dd', { class: 'mono', id: 'contract-hash' }, c.doc_hash || '')),
      (c.events || []).length
        ? [h('h2', { class: 'pay-kind' }, t('hr.contract.events')),
          h('ul', { class: 'list', id: 'contract-events' }, c.events.map((e) => h('li', { dataset: { kind: e.kind } },
            h('div', { class: 'grow' }, h('strong', {}, words('event', e.kind)), ' ', words('by', e.by), ' · ', formatTime(e.at),
              eventReason(e) ? h('div', {}, eventReason(e)) : null))))]
        : null,
      h('details', { class: 'hr-doc' },
        h('summary', {}, t('hr.contract.document')),
        h('p', { class: 'hint' }, t('hr.contract.document_hint')),
        h('pre', { class: 'mono hr-doc-text', id: 'contract-document', tabindex: '0' }, documentText))),
    status, error,
    actions.length ? h('div', { class: 'row', id: 'contract-actions' }, actions) : null,
    verdict);
  return root;
}

// Why signing did not happen, in words: the browser without Ed25519, or the server's answer.
function signError(app, err) {
  if (err instanceof ApiError || err instanceof OfflineError) return app.errorText(err);
  if (err?.name === 'NotSupportedError') return t('hr.contract.no_ed25519');
  console.warn('contract signing failed', err);
  return t('error.generic');
}
