// Sign-in: identity document + password, then the TOTP (or a recovery code) when asked for.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { loadWebAuthn, passkeyErrorText } from '../stepup.js';

export const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence', 'foreign_passport'];

export function field(id, labelKey, input, hintKey) {
  if (hintKey) input.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' },
    h('label', { for: id }, t(labelKey)),
    input,
    hintKey ? h('p', { class: 'hint', id: `${id}-hint` }, t(hintKey)) : null);
}

export async function signinScreen(app) {
  const docType = h('select', { id: 'doc-type', name: 'doc_type' }, DOC_TYPES.map((d) => h('option', { value: d }, t(`doc.${d}`))));
  const number = h('input', { id: 'id-number', name: 'id_number', autocomplete: 'username', required: true, maxlength: 32, spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const totp = h('input', { id: 'totp', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 24, spellcheck: 'false' });
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert', hidden: true });
  const totpStep = h('div', { id: 'totp-step', hidden: true },
    h('p', { class: 'notice' }, t('signin.totp_needed')),
    field('totp', 'signin.totp', totp, 'signin.totp_hint'));
  const submit = h('button', { type: 'submit', class: 'btn primary block' }, t('signin.submit'));
  // A passkey as the second step, with the options the server sent along with "second factor needed".
  let passkeyOptions = null;
  const passkeyStep = h('button', {
    type: 'button', class: 'btn primary block', id: 'signin-second-passkey', hidden: true,
    onclick: async () => {
      error.hidden = true;
      try {
        const { startAuthentication } = await loadWebAuthn();
        const passkey = await startAuthentication({ optionsJSON: passkeyOptions });
        const answer = await app.api('POST', EP.login, { ...credentials(), passkey });
        await app.signedIn(answer.token);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'auth.second_factor_required') passkeyOptions = err.details.passkey_options;
        fail(passkeyErrorText(app, err), passkeyStep);
      }
    },
  }, t('passkeys.signin_second'));
  totpStep.prepend(passkeyStep);
  const credentials = () => ({
    doc_type: docType.value,
    id_number: number.value.trim().toUpperCase(),
    password: password.value,
    client_label: t('device.default_label'),
  });
  // Signing in with a passkey alone: no document number, no password.
  const passkeyError = h('p', { id: 'passkey-signin-error', class: 'error', role: 'alert', hidden: true });
  const passkeySignin = h('button', {
    type: 'button', class: 'btn primary block', id: 'passkey-signin',
    onclick: async () => {
      passkeyError.hidden = true;
      passkeySignin.disabled = true;
      try {
        const [{ startAuthentication }, options] = await Promise.all([loadWebAuthn(), app.api('POST', EP.passkeyLoginOptions)]);
        const credential = await startAuthentication({ optionsJSON: options });
        const answer = await app.api('POST', EP.passkeyLogin, { credential, client_label: t('device.default_label') });
        await app.signedIn(answer.token);
      } catch (err) {
        passkeyError.textContent = passkeyErrorText(app, err);
        passkeyError.hidden = false;
      } finally {
        passkeySignin.disabled = false;
      }
    },
  }, t('passkeys.signin'));

  const fail = (message, focus) => {
    error.textContent = message;
    error.hidden = false;
    focus?.focus();
  };

  const form = h('form', {
    id: 'signin-form',
    novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!number.value.trim() || !password.value) return fail(t('signin.missing'), number.value.trim() ? password : number);
      const body = {
        doc_type: docType.value,
        id_number: number.value.trim().toUpperCase(),
        password: password.value,
        client_label: t('device.default_label'),
      };
      const second = totp.value.replace(/\s+/g, '');
      if (!totpStep.hidden && second) {
        if (/^\d{6}$/.test(second)) body.totp = second;
        else body.recovery_code = second;
      }
      submit.disabled = true;
      try {
        const answer = await app.api('POST', EP.login, body);
        await app.signedIn(answer.token);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'auth.second_factor_required') {
          passkeyOptions = err.details.passkey_options;
          passkeyStep.hidden = false;
          totpStep.hidden = false;
          error.hidden = true;
          passkeyStep.focus();
        } else if (err instanceof ApiError && err.code === 'auth.totp_required') {
          totpStep.hidden = false;
          error.hidden = true;
          totp.focus();
        } else {
          fail(app.errorText(err), totpStep.hidden ? password : totp);
        }
      } finally {
        submit.disabled = false;
      }
    },
  },
  field('doc-type', 'signin.doc_type', docType),
  field('id-number', 'signin.id_number', number),
  field('password', 'signin.password', password),
  totpStep,
  error,
  submit);

  return h('section', {},
    h('h1', {}, t('signin.title')),
    h('p', {}, t('signin.intro')),
    typeof window.PublicKeyCredential === 'function'
      ? h('div', { class: 'passkey-signin', id: 'passkey-signin-box' },
        passkeySignin, passkeyError, h('p', { class: 'hint' }, t('passkeys.signin_hint')), h('p', { class: 'or' }, t('passkeys.or')))
      : null,
    form,
    h('ul', { class: 'links', id: 'signin-links' },
      h('li', {}, h('a', { href: '#/signup', id: 'to-signup' }, t('signin.create_account'))),
      h('li', {}, h('a', { href: '#/reset', id: 'to-reset' }, t('signin.forgot_password')))),
    h('p', { class: 'hint' }, t('signin.help')));
}
