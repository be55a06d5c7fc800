// The console's sign-in (username, password, then the authenticator code or a recovery code) and
// the enrolment a staff member without a second factor must finish before anything else.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { qrSvg } from '/shared/qr-render.js';
import { announce, h } from '/shared/ui.js';

const SIX_DIGITS = /^[0-9]{6}$/;

function field(id, labelKey, props = {}, hintKey = null) {
  const hintId = hintKey ? `${id}-hint` : null;
  return h('div', { class: 'field' },
    h('label', { for: id }, t(labelKey)),
    hintKey ? h('p', { class: 'hint', id: hintId }, t(hintKey)) : null,
    h('input', { id, name: id, 'aria-describedby': hintId, ...props }));
}

// A second-factor entry: six digits are an authenticator code, anything else a recovery code.
function factorOf(value) {
  const code = value.replace(/\s+/g, '');
  if (SIX_DIGITS.test(code)) return { totp: code };
  const plain = code.replace(/-/g, '');
  if (plain.length === 16) return { recovery_code: code };
  return null;
}

// What was typed survives a redraw (language or elder mode switched between the two steps); it
// lives in memory only and is dropped once signed in.
let draft = null;

export function signinScreen(shell) {
  const message = shell.flash();
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert' });
  const codeStep = h('div', { id: 'code-step', hidden: true },
    h('p', { class: 'notice', id: 'code-notice' }, t('console.shell.code_needed')),
    field('code', 'console.shell.code', { autocomplete: 'one-time-code', inputmode: 'text', spellcheck: 'false', autocapitalize: 'off' }, 'console.shell.code_hint'));
  const submit = h('button', { type: 'submit', class: 'btn primary block' }, t('console.shell.sign_in'));
  let busy = false;

  async function onSubmit(event) {
    event.preventDefault();
    if (busy) return;
    error.textContent = '';
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    if (!username || !password) {
      error.textContent = t('console.shell.fill_both');
      return;
    }
    const body = { username, password, client_label: t('console.title').slice(0, 64) };
    if (!codeStep.hidden) {
      const factor = factorOf(form.elements.code.value);
      if (!factor) {
        error.textContent = t('console.shell.code_malformed');
        form.elements.code.focus();
        return;
      }
      Object.assign(body, factor);
    }
    busy = true;
    submit.disabled = true;
    try {
      const answer = await shell.api('POST', '/api/v1/auth/staff/login', body);
      draft = null;
      shell.signedIn(answer);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'auth.totp_required' || err.code === 'auth.second_factor_required')) {
        codeStep.hidden = false;
        draft = { username, password, code: true };
        submit.textContent = t('console.shell.confirm');
        announce(t('console.shell.code_needed'));
        form.elements.code.focus();
      } else if (err instanceof ApiError && ['auth.bad_totp', 'auth.bad_recovery_code'].includes(err.code)) {
        error.textContent = t('console.shell.code_wrong');
        form.elements.code.value = '';
        form.elements.code.focus();
      } else {
        error.textContent = shell.errorText(err);
        if (err instanceof ApiError && err.code === 'auth.bad_credentials') {
          draft = null;
          codeStep.hidden = true;
          form.elements.code.value = '';
          submit.textContent = t('console.shell.sign_in');
          form.elements.password.value = '';
          form.elements.password.focus();
        }
      }
    } finally {
      busy = false;
      submit.disabled = false;
    }
  }

  const form = h('form', { id: 'signin-form', class: 'signin', novalidate: true, onsubmit: onSubmit },
    field('username', 'console.shell.username', { autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false', required: true }),
    field('password', 'console.shell.password', { type: 'password', autocomplete: 'current-password', required: true }),
    codeStep,
    error,
    submit);
  if (draft) {
    form.elements.username.value = draft.username;
    form.elements.password.value = draft.password;
    codeStep.hidden = !draft.code;
    if (draft.code) submit.textContent = t('console.shell.confirm');
  }
  return h('section', { class: 'narrow' },
    h('h1', {}, t('console.shell.sign_in')),
    message ? h('p', { class: 'notice', id: 'signin-message', role: 'status' }, t(message)) : null,
    h('p', { class: 'hint' }, t('console.shell.sign_in_hint')),
    form);
}

// Enrolment: start (a fresh factor from the sign-in covers it for a few minutes, else the password
// again), scan the QR code or type the key, confirm with a code, keep the recovery codes.
export function enrolScreen(shell) {
  const body = h('div', { id: 'enrol-body' });
  const error = h('p', { id: 'enrol-error', class: 'error', role: 'alert' });

  function show(...nodes) {
    body.replaceChildren(...nodes);
    const focus = body.querySelector('h2, input');
    if (focus) {
      if (focus.tagName === 'H2') focus.setAttribute('tabindex', '-1');
      focus.focus();
    }
  }

  async function start() {
    error.textContent = '';
    try {
      const enrolment = await shell.api('POST', '/api/v1/me/totp');
      await showSecret(enrolment);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'auth.step_up_required') showStepUp();
      else if (err instanceof ApiError && err.code === 'totp.already_enabled') shell.enrolled();
      else error.textContent = shell.errorText(err);
    }
  }

  function showStepUp() {
    const form = h('form', { id: 'stepup-form', novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      const password = form.elements['stepup-password'].value;
      if (!password) { error.textContent = t('console.shell.fill_both'); return; }
      try {
        await shell.api('POST', '/api/v1/me/step-up', { password });
        await start();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.code === 'stepup.bad_factor' ? t('console.shell.password_wrong') : shell.errorText(err);
      }
    } },
    h('h2', {}, t('console.shell.stepup_title')),
    h('p', {}, t('console.shell.stepup_hint')),
    field('stepup-password', 'console.shell.password', { type: 'password', autocomplete: 'current-password' }),
    h('button', { type: 'submit', class: 'btn primary' }, t('console.shell.confirm')));
    show(form);
  }

  async function showSecret(enrolment) {
    const qr = await qrSvg(enrolment.provisioning_uri, t('console.shell.enrol_qr'));
    const form = h('form', { id: 'totp-confirm-form', novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      const code = form.elements['totp-code'].value.replace(/\s+/g, '');
      if (!SIX_DIGITS.test(code)) { error.textContent = t('console.shell.code_malformed'); return; }
      try {
        const answer = await shell.api('POST', '/api/v1/me/totp/confirm', { code });
        showRecovery(answer.recovery_codes);
      } catch (err) {
        error.textContent = err instanceof ApiError && err.code === 'totp.bad_code' ? t('console.shell.code_wrong') : shell.errorText(err);
        form.elements['totp-code'].value = '';
      }
    } },
    h('h2', {}, t('console.shell.enrol_scan')),
    h('div', { class: 'qr-box' }, qr),
    h('p', {}, t('console.shell.enrol_key')),
    h('p', {}, h('code', { id: 'totp-secret', class: 'secret' }, enrolment.secret.replace(/(.{4})/g, '$1 ').trim())),
    field('totp-code', 'console.shell.enrol_code', { autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: '6' }),
    h('button', { type: 'submit', class: 'btn primary' }, t('console.shell.confirm')));
    show(form);
  }

  function showRecovery(codes) {
    show(h('div', { id: 'recovery' },
      h('h2', {}, t('console.shell.recovery_title')),
      h('p', { class: 'notice' }, t('console.shell.recovery_hint')),
      h('ol', { id: 'recovery-codes', class: 'codes' }, codes.map((code) => h('li', {}, h('code', {}, code)))),
      h('button', { type: 'button', id: 'recovery-done', class: 'btn primary', onclick: () => shell.enrolled() }, t('console.shell.recovery_done'))));
  }

  body.append(
    h('p', {}, t('console.shell.enrol_why')),
    h('button', { type: 'button', id: 'totp-start', class: 'btn primary', onclick: start }, t('console.shell.enrol_start')));
  return h('section', { class: 'narrow' },
    h('h1', {}, t('console.shell.enrol')),
    error,
    body);
}
