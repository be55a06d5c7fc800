// Wallet screen: consents I gave agencies (issue 15). Grant one (agency, purpose, what it may
// read, for how long), see them all with their status now, download the signed receipt as a
// file, and revoke one after a confirmation.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { GROUPS, kindName } from './hrfile.js';
import { agencyName, back, dateOnly, errorBox, fieldName, showError, typeName } from './service-labels.js';

const DAYS = [7, 30, 90, 180, 365]; // the API allows at most 366 days
const USCC = /^[0-9A-HJ-NPQRTUWXY]{18}$/; // 统一社会信用代码 (the server checks its check character)
const LIVE = new Set(['active', 'pending']);

function scopeText(scope, types) {
  const parts = [];
  if (scope.card_status) parts.push(t('svc.consent.card_status'));
  if (scope.account_changes) parts.push(t('svc.consent.account_changes'));
  for (const [code, fields] of Object.entries(scope.certificates || {})) {
    const ctype = types.find((x) => x.code === code);
    const what = [t('svc.cert.status'), ...fields.map(fieldName)].join(t('common.list_sep'));
    parts.push(t('svc.consent.cert_scope', { type: typeName(code, ctype?.name), what }));
  }
  // issue 17: records of the HR file, by kind
  if (scope.hr_records?.length) parts.push(t('hr.consent.scope', { what: scope.hr_records.map(kindName).join(t('common.list_sep')) }));
  return parts.join(t('svc.consent.scope_sep'));
}

// A file name a person recognises in their downloads folder.
function receiptName(consent) {
  const day = String(consent.granted_at || '').slice(0, 10) || 'receipt';
  const agency = String(consent.agency_code || 'agency').replace(/[^A-Za-z0-9-]+/g, '-');
  return `consent-receipt-${agency}-${day}-${String(consent.id).slice(0, 8)}.json`;
}

export async function consentsScreen(app) {
  const root = h('section', { class: 'services', id: 'consents' }, h('h1', {}, t('title.consents')), back());
  const status = h('p', { id: 'consent-status', class: 'notice', role: 'status', hidden: true });
  const error = errorBox('consent-error');
  const listBox = h('section', { id: 'consent-list-box', 'aria-labelledby': 'consent-list-title' });
  let agencies = [];
  let types = [];
  try {
    [agencies, types] = await Promise.all([app.api('GET', EP.agencies), app.api('GET', EP.certificateTypes)]);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }

  const say = (text) => { error.hidden = true; status.textContent = text; status.hidden = false; announce(text); };
  const fail = (err) => { status.hidden = true; showError(error, app.errorText(err)); };

  async function drawList() {
    let consents;
    try {
      consents = await app.api('GET', EP.consents);
    } catch (err) {
      clear(listBox).append(h('h2', { id: 'consent-list-title' }, t('svc.consent.list_title')));
      fail(err);
      return;
    }
    clear(listBox).append(
      h('h2', { id: 'consent-list-title' }, t('svc.consent.list_title')),
      consents.length
        ? h('ul', { class: 'list svc-list', id: 'consent-list' }, consents.map(item))
        : h('p', { class: 'hint', id: 'consent-empty' }, t('svc.consent.empty')));
  }

  function item(c) {
    const name = agencyName(c.agency_code, c.agency_name);
    return h('li', { id: `consent-${c.id}`, dataset: { consent: c.id, status: c.status } },
      h('div', { class: 'grow' },
        h('h3', { class: 'svc-item-title' }, name, ' ',
          h('span', { class: `svc-badge ${c.status}` }, t(`svc.consent.status.${c.status}`))),
        h('dl', { class: 'facts' },
          h('dt', {}, t('svc.consent.purpose')), h('dd', { class: 'consent-purpose' }, c.purpose),
          h('dt', {}, t('svc.consent.scope')), h('dd', { class: 'consent-scope' }, scopeText(c.scope, types)),
          h('dt', {}, t('svc.consent.period')),
          h('dd', {}, t('svc.consent.period_value', { from: dateOnly(c.valid_from), until: dateOnly(c.valid_until) })),
          c.revoked_at ? [h('dt', {}, t('svc.consent.revoked_at')), h('dd', {}, dateOnly(c.revoked_at))] : null),
        h('div', { class: 'row' },
          h('button', {
            type: 'button', class: 'btn secondary', id: `receipt-${c.id}`, 'aria-describedby': `consent-${c.id}-who`,
            onclick: () => download(c),
          }, t('svc.consent.receipt')),
          LIVE.has(c.status)
            ? h('button', { type: 'button', class: 'btn danger', id: `revoke-${c.id}`, onclick: () => revoke(c) }, t('svc.consent.revoke'))
            : null),
        h('span', { id: `consent-${c.id}-who`, class: 'visually-hidden' }, name)));
  }

  async function download(c) {
    try {
      const res = await app.api('GET', EP.consentReceipt(c.id), undefined, { raw: true });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        throw new ApiError(res.status, body.error?.code || `http.${res.status}`, body.error?.message);
      }
      const blob = new Blob([await res.arrayBuffer()], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: receiptName(c), class: 'visually-hidden' }, t('svc.consent.receipt'));
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(t('svc.consent.receipt_saved', { name: receiptName(c) }));
    } catch (err) {
      fail(err);
    }
  }

  async function revoke(c) {
    const ok = await confirmDialog({
      title: t('svc.consent.revoke_title'),
      body: t('svc.consent.revoke_body', { agency: agencyName(c.agency_code, c.agency_name) }),
      confirm: t('svc.consent.revoke_confirm'),
      danger: true,
    });
    if (!ok) return;
    try {
      await app.api('POST', EP.consentRevoke(c.id));
      await drawList();
      say(t('svc.consent.revoked'));
    } catch (err) {
      fail(err);
    }
  }

  root.append(h('p', { class: 'hint' }, t('svc.consent.intro')), status, error, listBox, grantForm());
  await drawList();
  return root;

  function grantForm() {
    const field = (id, key, control, hint) => h('div', { class: 'field' },
      h('label', { for: id }, t(key)), hint ? h('p', { class: 'hint', id: `${id}-hint` }, t(hint)) : null, control);
    // issue 17: the grantee is an agency, or an employer named by its unified social credit code (HR records only).
    const grantee = h('fieldset', { id: 'consent-grantee' }, h('legend', {}, t('hr.consent.grantee')),
      ['agency', 'employer'].map((k) => h('div', { class: 'check' },
        h('input', { type: 'radio', name: 'grantee', id: `grantee-${k}`, value: k, checked: k === 'agency' }),
        h('label', { for: `grantee-${k}` }, t(`hr.consent.grantee.${k}`)))));
    const uscc = h('input', {
      id: 'consent-uscc', name: 'employer_uscc', maxlength: 18, autocomplete: 'off', spellcheck: 'false',
      autocapitalize: 'characters', 'aria-describedby': 'consent-uscc-hint',
    });
    const hrBoxes = GROUPS.flatMap(([, kinds]) => kinds).map((k) => h('div', { class: 'check' },
      h('input', { type: 'checkbox', id: `scope-hr-${k}`, name: 'hr_record', value: k }),
      h('label', { for: `scope-hr-${k}` }, kindName(k))));
    const agency = h('select', { id: 'consent-agency', name: 'agency', required: true },
      h('option', { value: '' }, t('svc.consent.agency_choose')),
      agencies.map((a) => h('option', { value: a.id }, agencyName(a.code, a.name))));
    const purpose = h('input', {
      id: 'consent-purpose', name: 'purpose', required: true, minlength: 2, maxlength: 200, autocomplete: 'off',
      'aria-describedby': 'consent-purpose-hint',
    });
    const days = h('select', { id: 'consent-days', name: 'days' },
      DAYS.map((d) => h('option', { value: String(d), selected: d === 30 }, t('svc.consent.days', { n: d }))));
    const cardStatus = h('input', { type: 'checkbox', id: 'scope-card', name: 'card_status' });
    // Bank account changes of the card (which bank, opened), pushed to the agency's subscriptions (docs/webhooks.md)
    const accountChanges = h('input', { type: 'checkbox', id: 'scope-account', name: 'account_changes' });
    const typeBoxes = types.filter((x) => x.active !== false).map((x) => {
      const box = h('input', { type: 'checkbox', id: `scope-${x.code}`, name: 'type', value: x.code });
      const fields = Object.keys(x.attribute_schema || {}).map((f) => {
        const fbox = h('input', { type: 'checkbox', id: `scope-${x.code}-${f}`, name: `field-${x.code}`, value: f });
        fbox.addEventListener('change', () => { if (fbox.checked) box.checked = true; });
        return h('div', { class: 'check' }, fbox, h('label', { for: fbox.id }, fieldName(f)));
      });
      return h('fieldset', { class: 'scope-type' },
        h('legend', {}, typeName(x.code, x.name)),
        h('div', { class: 'check' }, box, h('label', { for: box.id }, t('svc.consent.type_status'))),
        h('div', { class: 'scope-fields' }, fields));
    });
    const formError = errorBox('consent-form-error');
    const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'consent-submit' }, t('svc.consent.grant'));
    const form = h('form', { id: 'consent-form', novalidate: true, 'aria-labelledby': 'consent-form-title' },
      h('h2', { id: 'consent-form-title' }, t('svc.consent.grant_title')),
      h('p', { class: 'hint' }, t('svc.consent.grant_hint')),
      grantee,
      h('div', { id: 'consent-agency-box' }, field('consent-agency', 'svc.consent.agency', agency)),
      h('div', { id: 'consent-uscc-box', hidden: true }, field('consent-uscc', 'hr.consent.uscc', uscc, 'hr.consent.uscc_hint')),
      field('consent-purpose', 'svc.consent.purpose', purpose, 'svc.consent.purpose_hint'),
      h('fieldset', { id: 'consent-scope' },
        h('legend', {}, t('svc.consent.scope')),
        h('div', { id: 'consent-agency-scope' },
          h('div', { class: 'check' }, cardStatus, h('label', { for: 'scope-card' }, t('svc.consent.card_status'))),
          h('div', { class: 'check' }, accountChanges, h('label', { for: 'scope-account' }, t('svc.consent.account_changes'))),
          typeBoxes),
        h('fieldset', { id: 'consent-hr-scope' }, h('legend', {}, t('hr.consent.records')), hrBoxes)),
      field('consent-days', 'svc.consent.duration', days),
      formError,
      submit);
    const toEmployer = () => form.querySelector('#grantee-employer').checked;
    grantee.addEventListener('change', () => {
      form.querySelector('#consent-agency-box').hidden = toEmployer();
      form.querySelector('#consent-uscc-box').hidden = !toEmployer();
      form.querySelector('#consent-agency-scope').hidden = toEmployer(); // an employer may read HR records only
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError.hidden = true;
      const hrRecords = [...form.querySelectorAll('input[name="hr_record"]:checked')].map((b) => b.value);
      if (toEmployer()) {
        const code = uscc.value.trim().toUpperCase();
        if (!USCC.test(code)) { showError(formError, t('hr.consent.need_uscc')); uscc.focus(); return; }
        if (purpose.value.trim().length < 2) { showError(formError, t('svc.consent.need_purpose')); purpose.focus(); return; }
        if (!hrRecords.length) { showError(formError, t('hr.consent.need_records')); form.querySelector('input[name="hr_record"]').focus(); return; }
        submit.disabled = true;
        try {
          await app.api('POST', EP.consents, {
            employer_uscc: code,
            purpose: purpose.value.trim().replace(/\s+/g, ' '),
            hr_records: hrRecords,
            valid_until: new Date(Date.now() + Number(days.value) * 86_400_000).toISOString(),
          });
          form.reset();
          grantee.dispatchEvent(new Event('change'));
          await drawList();
          say(t('svc.consent.granted'));
        } catch (err) {
          showError(formError, app.errorText(err));
        } finally {
          submit.disabled = false;
        }
        return;
      }
      const certificates = types
        .filter((x) => form.querySelector(`#scope-${x.code}`)?.checked)
        .map((x) => ({ type: x.code, fields: [...form.querySelectorAll(`input[name="field-${x.code}"]:checked`)].map((b) => b.value) }));
      if (!agency.value) { showError(formError, t('svc.consent.need_agency')); agency.focus(); return; }
      if (purpose.value.trim().length < 2) { showError(formError, t('svc.consent.need_purpose')); purpose.focus(); return; }
      if (!cardStatus.checked && !accountChanges.checked && !certificates.length && !hrRecords.length) { showError(formError, t('svc.consent.need_scope')); cardStatus.focus(); return; }
      const until = new Date(Date.now() + Number(days.value) * 86_400_000);
      submit.disabled = true;
      try {
        await app.api('POST', EP.consents, {
          agency_id: agency.value,
          purpose: purpose.value.trim().replace(/\s+/g, ' '),
          card_status: cardStatus.checked,
          account_changes: accountChanges.checked,
          certificates,
          hr_records: hrRecords,
          valid_until: until.toISOString(),
        });
        form.reset();
        await drawList();
        say(t('svc.consent.granted'));
      } catch (err) {
        showError(formError, app.errorText(err));
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }
}
