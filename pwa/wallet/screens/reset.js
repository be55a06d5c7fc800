// Password reset, only through proofing (issue 14; docs/proofing.md section 4): the holder
// names the document, proves who they are at a counter (a code the clerk scans or types) or
// through the cooperating bank, and only then sets a new password. Every session ends.

import { t } from '/shared/i18n.js';
import { announce, clear, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { challengePanel, codePanel, evidenceOf, poll, reasonText, statusLine } from './activate.js';
import { DOC_TYPES, field } from './signin.js';

const POLL_MS = 2000;
const MIN_PASSWORD = 10;

function say(el, text, kind = '') {
  el.textContent = text;
  el.dataset.kind = kind;
  announce(text);
}

export async function resetScreen(app) {
  const stage = h('div', { id: 'reset-stage' });
  const root = h('section', { class: 'proofing' },
    h('h1', {}, t('reset.title')),
    h('ol', { class: 'steps', id: 'reset-steps', 'aria-label': t('signup.steps') },
      h('li', { id: 'reset-step-1' }, t('reset.step_document')),
      h('li', { id: 'reset-step-2' }, t('reset.step_prove')),
      h('li', { id: 'reset-step-3' }, t('reset.step_password'))),
    stage,
    h('p', {}, h('a', { href: '#/signin', id: 'reset-to-signin' }, t('reset.back_signin'))));
  let stop = () => {};
  let reset = null; // {reset_id, reset_token, counter_code, expires_at}
  const call = (method, path, body) => app.api(method, path, body, { headers: { 'X-Reset-Token': reset.reset_token } });

  const step = (n) => {
    for (let i = 1; i <= 3; i++) {
      const li = root.querySelector(`#reset-step-${i}`);
      if (i === n) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    }
  };
  const focusTitle = () => { const h2 = stage.querySelector('h2'); if (h2) { h2.setAttribute('tabindex', '-1'); h2.focus(); } };
  const back = () => h('button', { type: 'button', class: 'btn secondary', id: 'reset-back', onclick: () => { stop(); chooseRoute(); } }, t('activate.other_way'));

  // Step 1: which document's account.
  function documentStep() {
    step(1);
    const docType = h('select', { id: 'rs-doc-type', name: 'doc_type' }, DOC_TYPES.map((d) => h('option', { value: d }, t(`doc.${d}`))));
    const number = h('input', { id: 'rs-id-number', name: 'id_number', autocomplete: 'username', required: true, maxlength: 32, spellcheck: 'false' });
    const error = h('p', { class: 'error', role: 'alert', id: 'reset-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'reset-start' }, t('reset.start'));
    const form = h('form', {
      id: 'reset-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const id = number.value.trim().toUpperCase();
        if (!id) { error.textContent = t('signup.missing_number'); error.hidden = false; number.focus(); return; }
        submit.disabled = true;
        try {
          reset = await app.api('POST', EP.resets, { doc_type: docType.value, id_number: id });
          chooseRoute();
        } catch (err) {
          error.textContent = app.errorText(err);
          error.hidden = false;
          number.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('rs-doc-type', 'signin.doc_type', docType),
    field('rs-id-number', 'signin.id_number', number),
    error,
    submit);
    clear(stage).append(h('p', {}, t('reset.intro')), form);
  }

  // Step 2: a proofing route.
  function chooseRoute() {
    stop = () => {};
    step(2);
    const item = (id, key, hintKey, onclick) => h('li', {},
      h('button', { type: 'button', class: 'btn block secondary route', id, onclick, 'aria-describedby': `${id}-hint` }, t(key)),
      h('p', { class: 'hint', id: `${id}-hint` }, t(hintKey)));
    clear(stage).append(
      h('h2', { id: 'reset-routes-title' }, t('reset.choose')),
      h('p', {}, t('reset.choose_intro')),
      h('ul', { class: 'nav-list routes', 'aria-labelledby': 'reset-routes-title' },
        item('reset-route-counter', 'reset.counter', 'reset.counter_hint', counter),
        item('reset-route-bank', 'reset.bank', 'reset.bank_hint', bank),
        reset.provider ? item('reset-route-provider', 'reset.provider', 'reset.provider_hint', provider) : null));
    focusTitle();
  }

  // Wait until the reset is proven (whichever route), then ask for the new password.
  function waitProven(wait) {
    return poll(async () => {
      const now = await call('GET', EP.reset(reset.reset_id));
      if (now.status === 'proven') { stop(); passwordStep(); return true; }
      if (now.status === 'expired') { say(wait, t('error.reset.expired'), 'expired'); return true; }
      return false;
    }, POLL_MS, (err) => say(wait, app.errorText(err), 'error'));
  }

  async function counter() {
    stop();
    const wait = statusLine('reset-wait');
    const panel = await codePanel(reset.counter_code, { introKey: 'reset.counter_intro', onExpired: () => { stop(); say(wait, t('proof.code_expired'), 'expired'); } });
    clear(stage).append(h('h2', {}, t('reset.counter')), panel.el, wait, back());
    say(wait, t('proof.waiting_clerk'), 'waiting');
    const stopPoll = waitProven(wait);
    stop = () => { stopPoll(); panel.stop(); };
    focusTitle();
  }

  async function bank() {
    stop();
    let challenge;
    try {
      challenge = await call('POST', EP.resetBankChallenge(reset.reset_id));
    } catch (err) {
      clear(stage).append(h('h2', {}, t('reset.bank')), h('p', { class: 'error', role: 'alert', id: 'reset-error' }, app.errorText(err)), back());
      focusTitle();
      return;
    }
    const wait = statusLine('bank-status');
    const again = h('button', { type: 'button', class: 'btn secondary', id: 'bank-new', onclick: () => bank() }, t('proof.new_challenge'));
    clear(stage).append(h('h2', {}, t('reset.bank')), challengePanel(challenge), wait, h('div', { class: 'row' }, again, back()));
    say(wait, t('proof.waiting_bank', { bank: challenge.bank_name }), 'waiting');
    stop = poll(async () => {
      const now = await call('GET', EP.resetBankChallengeStatus(reset.reset_id, challenge.challenge_id));
      if (now.status === 'proven') { passwordStep(); return true; }
      if (now.status === 'refused') { say(wait, `${t('proof.bank_refused')} ${now.reason ? reasonText(now.reason) : ''}`.trim(), 'refused'); return true; }
      if (now.status === 'expired') { say(wait, t('proof.bank_expired'), 'expired'); return true; }
      return false;
    }, POLL_MS, (err) => say(wait, app.errorText(err), 'error'));
    focusTitle();
  }

  // A remote identity provider, when one is enabled: a photo compared with the photo of record.
  async function provider() {
    stop();
    let session;
    try {
      session = await call('POST', EP.resetProviderSession(reset.reset_id));
    } catch (err) {
      clear(stage).append(h('h2', {}, t('reset.provider')), h('p', { class: 'error', role: 'alert', id: 'reset-error' }, app.errorText(err)), back());
      focusTitle();
      return;
    }
    const error = h('p', { class: 'error', role: 'alert', id: 'provider-error', hidden: true });
    const input = h('input', { type: 'file', id: 'provider-photo', accept: 'image/*', capture: 'user' });
    const form = h('form', {
      id: 'provider-form',
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const file = input.files?.[0];
        if (!file) { error.textContent = t('proof.provider_pick'); error.hidden = false; input.focus(); return; }
        try {
          const evidence = await evidenceOf(file);
          // A session answers once: after a refusal the next photo goes to a new one.
          if (!session) session = await call('POST', EP.resetProviderSession(reset.reset_id));
          const attempt = await call('POST', EP.resetProviderEvidence(reset.reset_id, session.session_id), { evidence });
          session = null;
          if (attempt.outcome === 'proven') passwordStep();
          else { error.textContent = reasonText(attempt.reason); error.hidden = false; }
        } catch (err) {
          session = null; // expired or used: the next try starts a new one
          error.textContent = app.errorText(err);
          error.hidden = false;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'provider-photo' }, t('proof.provider_photo')), input),
    error,
    h('button', { type: 'submit', class: 'btn primary block', id: 'provider-submit' }, t('proof.provider_submit')));
    clear(stage).append(h('h2', {}, t('reset.provider')), h('p', {}, t('proof.provider_intro')), form, back());
    focusTitle();
  }

  // Step 3: the new password, once proven.
  function passwordStep() {
    stop = () => {};
    step(3);
    const password = h('input', { id: 'rs-password', type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD });
    const again = h('input', { id: 'rs-password2', type: 'password', autocomplete: 'new-password', required: true });
    const error = h('p', { class: 'error', role: 'alert', id: 'reset-password-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'reset-save' }, t('reset.save'));
    const fail = (text, focus) => { error.textContent = text; error.hidden = false; focus.focus(); };
    const form = h('form', {
      id: 'reset-password-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        if (password.value.length < MIN_PASSWORD) return fail(t('error.password.too_short'), password);
        if (password.value !== again.value) return fail(t('signup.mismatch'), again);
        submit.disabled = true;
        try {
          const done = await call('POST', EP.resetPassword(reset.reset_id), { new_password: password.value });
          clear(stage).append(h('div', { class: 'proof-done', id: 'reset-done' },
            h('h2', {}, t('reset.done_title')),
            h('p', {}, t('reset.done_body', { n: done.revoked_sessions })),
            h('a', { class: 'btn primary block', href: '#/signin', id: 'reset-signin' }, t('reset.sign_in'))));
          announce(t('reset.done_title'));
          focusTitle();
        } catch (err) {
          fail(app.errorText(err), password);
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('rs-password', 'reset.new_password', password, 'signup.password_hint'),
    field('rs-password2', 'signup.password_again', again),
    error,
    submit);
    clear(stage).append(h('h2', {}, t('reset.proven_title')), h('p', { role: 'status' }, t('reset.proven_body')), form);
    announce(t('reset.proven_title'));
    focusTitle();
  }

  documentStep();
  return { el: root, cleanup: () => stop() };
}
