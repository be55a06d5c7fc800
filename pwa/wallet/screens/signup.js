// Sign up (an account, not yet an identity) and apply for a card (issue 14, section 6).
// #/signup: document, name and password make an account, then the wallet signs in and moves
// to #/apply, where a signed-in person without a card chooses the issuing city and, if they
// like, the bank. The e-card comes later, after proofing (#/activate).

import { currentLang, formatTime, t } from '/shared/i18n.js';
import { announce, clear, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { setToken } from '../store.js';
import { DOC_TYPES, field } from './signin.js';

const MIN_PASSWORD = 10; // the server's rule (accounts/passwords.py); it checks again
// Sign-up also takes a foreign passport (foreigners employed and insured in the province, with
// their work permit); a residence permit comes with the travel permit it prints.
const SIGNUP_DOC_TYPES = [...new Set([...DOC_TYPES, 'foreign_passport'])];
const LINKED_TYPES = ['hk_mo_travel_permit', 'tw_travel_permit'];

function showError(box, message, focus) {
  box.textContent = message;
  box.hidden = false;
  focus?.focus();
}

export async function signupScreen(app) {
  const number = h('input', { id: 'su-id-number', name: 'id_number', autocomplete: 'username', required: true, maxlength: 32, spellcheck: 'false' });
  const linkedType = h('select', { id: 'su-linked-type', name: 'linked_doc_type' }, LINKED_TYPES.map((d) => h('option', { value: d }, t(`doc.${d}`))));
  const linkedNumber = h('input', { id: 'su-linked-number', name: 'linked_id_number', maxlength: 32, spellcheck: 'false' });
  const workPermit = h('input', { id: 'su-work-permit', name: 'work_permit', maxlength: 32, spellcheck: 'false', inputmode: 'numeric' });
  const linkedBox = h('fieldset', { id: 'su-linked', hidden: true },
    h('legend', {}, t('signup.linked')),
    h('p', { class: 'hint' }, t('signup.linked_hint')),
    field('su-linked-type', 'signin.doc_type', linkedType),
    field('su-linked-number', 'signin.id_number', linkedNumber));
  const permitBox = h('div', { id: 'su-permit', hidden: true }, field('su-work-permit', 'signup.work_permit', workPermit, 'signup.work_permit_hint'));
  const passportHint = h('p', { class: 'hint', id: 'su-passport-hint', hidden: true }, t('signup.passport_hint'));
  // Only the companions the chosen document needs are shown (and sent).
  const companions = () => {
    linkedBox.hidden = docType.value !== 'hmt_residence_permit';
    permitBox.hidden = docType.value !== 'foreign_passport';
    passportHint.hidden = docType.value !== 'foreign_passport';
  };
  const docType = h('select', { id: 'su-doc-type', name: 'doc_type', onchange: companions },
    SIGNUP_DOC_TYPES.map((d) => h('option', { value: d }, t(`doc.${d}`))));
  const name = h('input', { id: 'su-name', name: 'name', autocomplete: 'name', required: true, maxlength: 128 });
  const password = h('input', { id: 'su-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD });
  const again = h('input', { id: 'su-password2', name: 'password2', type: 'password', autocomplete: 'new-password', required: true });
  const error = h('p', { id: 'signup-error', class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'signup-submit' }, t('signup.submit'));
  // When the person already has an account, the way on is signing in or resetting the password.
  const exists = h('p', { id: 'signup-exists', hidden: true },
    h('a', { href: '#/signin' }, t('signup.go_signin')), ' · ', h('a', { href: '#/reset' }, t('signup.go_reset')));

  const form = h('form', {
    id: 'signup-form',
    novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      exists.hidden = true;
      const id = number.value.trim().toUpperCase();
      if (!id) return showError(error, t('signup.missing_number'), number);
      if (!name.value.trim()) return showError(error, t('signup.missing_name'), name);
      if (password.value.length < MIN_PASSWORD) return showError(error, t('error.password.too_short'), password);
      if (password.value !== again.value) return showError(error, t('signup.mismatch'), again);
      const body = { doc_type: docType.value, id_number: id, name: name.value.trim(), password: password.value };
      if (!linkedBox.hidden) {
        if (!linkedNumber.value.trim()) return showError(error, t('error.document.linked_required'), linkedNumber);
        body.linked_document = { doc_type: linkedType.value, id_number: linkedNumber.value.trim().toUpperCase() };
      }
      if (!permitBox.hidden) {
        if (!workPermit.value.trim()) return showError(error, t('error.document.work_permit_required'), workPermit);
        body.work_permit = workPermit.value.trim();
      }
      submit.disabled = true;
      try {
        await app.api('POST', EP.accounts, body);
        const session = await app.api('POST', EP.login, {
          doc_type: docType.value, id_number: id, password: password.value, client_label: t('device.default_label'),
        });
        setToken(session.token);
        announce(t('signup.done'));
        app.go('apply');
      } catch (err) {
        if (err.code === 'account.exists') exists.hidden = false;
        const where = err.details?.field;
        const focus = where === 'linked_document' ? linkedNumber : where === 'work_permit' ? workPermit
          : err.code?.startsWith('password.') ? password : err.code?.startsWith('document.') ? number
            : err.code === 'person.name_mismatch' || err.code === 'account.bad_name' ? name : null;
        showError(error, app.errorText(err), focus);
      } finally {
        submit.disabled = false;
      }
    },
  },
  field('su-doc-type', 'signin.doc_type', docType),
  field('su-id-number', 'signin.id_number', number),
  passportHint,
  linkedBox,
  permitBox,
  field('su-name', 'signup.name', name, 'signup.name_hint'),
  field('su-password', 'signup.password', password, 'signup.password_hint'),
  field('su-password2', 'signup.password_again', again),
  error,
  exists,
  submit);

  return h('section', {},
    h('h1', {}, t('signup.title')),
    h('ol', { class: 'steps', 'aria-label': t('signup.steps') },
      h('li', { 'aria-current': 'step' }, t('signup.step_account')),
      h('li', {}, t('signup.step_apply')),
      h('li', {}, t('signup.step_prove'))),
    h('p', {}, t('signup.intro')),
    form,
    h('p', {}, t('signup.have_account'), ' ', h('a', { href: '#/signin', id: 'to-signin' }, t('signup.go_signin'))));
}

function regionName(region) {
  if (!region) return '';
  return currentLang() === 'en' ? region.name_en || region.name : region.name;
}

function applicationBox(application) {
  const status = application.status;
  const next = status === 'approved'
    ? h('a', { class: 'btn primary block', href: '#/activate', id: 'apply-to-activate' }, t('apply.next_activate'))
    : null;
  return h('section', { class: 'panel', id: 'application', 'aria-labelledby': 'application-title', dataset: { status } },
    h('h2', { id: 'application-title' }, t('apply.yours')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('apply.status')),
      h('dd', { id: 'application-status' }, t(`apply.status.${status}`)),
      h('dt', {}, t('apply.region')),
      h('dd', {}, application.region?.name || application.region?.code || ''),
      h('dt', {}, t('apply.submitted')),
      h('dd', {}, formatTime(application.created_at))),
    status === 'rejected' && application.reason ? h('p', { class: 'error' }, t('apply.rejected_reason', { reason: application.reason })) : null,
    h('p', {}, t(`apply.status.${status}.next`)),
    next);
}

// #/apply: apply for a card, or see where the application stands.
export async function applyScreen(app) {
  const root = h('section', {}, h('h1', {}, t('apply.title')), h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
  let card = null;
  let applications = [];
  let regions = [];
  let banks = [];
  try {
    card = await app.loadCard().catch(() => null);
    if (!card) {
      [applications, regions, banks] = await Promise.all([
        app.api('GET', EP.applications),
        app.api('GET', EP.regions).then((r) => r.items || r),
        app.api('GET', EP.banks).then((b) => (Array.isArray(b) ? b : b.items || []).filter((x) => !x.status || x.status === 'active')),
      ]);
    }
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }
  if (card) {
    root.append(h('p', { id: 'apply-has-card' }, t('apply.has_card')),
      h('a', { class: 'btn primary block', href: card.ecard?.usable ? '#/' : '#/activate' }, t(card.ecard?.usable ? 'apply.to_home' : 'apply.next_activate')));
    return root;
  }
  const open = applications.find((a) => a.status === 'pending');
  if (open) {
    root.append(applicationBox(open));
    return root;
  }
  const last = applications[0];
  if (last) root.append(applicationBox(last));

  const cities = regions.filter((r) => !r.province);
  const region = h('select', { id: 'apply-region', name: 'region' },
    h('option', { value: '' }, t('apply.region_default')),
    cities.map((r) => h('option', { value: r.code }, regionName(r))));
  const bankChoices = [
    h('div', { class: 'row' },
      h('input', { type: 'radio', name: 'bank', id: 'apply-bank-later', value: '', checked: true }),
      h('label', { for: 'apply-bank-later' }, t('apply.bank_later'))),
    ...banks.map((b, i) => h('div', { class: 'row' },
      h('input', { type: 'radio', name: 'bank', id: `apply-bank-${i}`, value: b.code }),
      h('label', { for: `apply-bank-${i}` }, b.name))),
  ];
  const error = h('p', { id: 'apply-error', class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'apply-submit' }, t('apply.submit'));
  const form = h('form', {
    id: 'apply-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      const body = { channel: 'mobile' };
      if (region.value) body.region = region.value;
      const bank = form.querySelector('input[name=bank]:checked')?.value;
      if (bank) body.bank_code = bank;
      submit.disabled = true;
      try {
        const application = await app.api('POST', EP.applications, body);
        clear(root).append(h('h1', {}, t('apply.title')), h('p', { role: 'status', id: 'apply-done' }, t('apply.done')), applicationBox(application),
          h('a', { class: 'btn secondary block', href: '#/' }, t('apply.to_home')));
        announce(t('apply.done'));
        root.querySelector('h1').setAttribute('tabindex', '-1');
        root.querySelector('h1').focus();
      } catch (err) {
        showError(error, app.errorText(err), region);
        if (err.code === 'card.already_active') {
          error.append(' ', h('a', { href: '#/activate', id: 'apply-to-activate' }, t('apply.already_have')));
        }
      } finally {
        submit.disabled = false;
      }
    },
  },
  field('apply-region', 'apply.region', region, 'apply.region_hint'),
  h('fieldset', {}, h('legend', {}, t('apply.bank')), bankChoices),
  error,
  submit);
  root.append(h('p', {}, t('apply.intro')), form);
  return root;
}
