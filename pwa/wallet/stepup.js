// Step-up: some actions (lifting a loss report, revealing the card number, changing bank, adding a
// device or a relative, changing sign-in methods) need a fresh factor. When the server answers
// 403 auth.step_up_required, this dialog asks for a passkey, a code or the password, then the
// action is tried once more.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { EP } from './endpoints.js';

// @simplewebauthn/browser, served from node_modules through the /vendor allow-list (never a CDN);
// loaded only when a passkey is used, so the rest of the wallet works without it.
export function loadWebAuthn() {
  return import('/vendor/@simplewebauthn/browser@14.0.0/esm/index.js');
}

export function isStepUpError(err) {
  return err instanceof ApiError && err.code === 'auth.step_up_required';
}

// Why a passkey ceremony did not happen: the holder cancelled, or the browser cannot.
export function passkeyErrorText(app, err) {
  if (!(err instanceof ApiError)) console.warn('passkey ceremony failed:', err?.name, err?.message);
  if (err?.name === 'NotAllowedError' || err?.code === 'ERROR_CEREMONY_ABORTED') return t('passkeys.cancelled');
  if (err instanceof ApiError) return app.errorText(err);
  return t('passkeys.failed');
}

// Runs call(); on 403 auth.step_up_required asks for a fresh factor and runs it once more.
export async function withStepUp(app, call) {
  try {
    return await call();
  } catch (err) {
    if (!isStepUpError(err)) throw err;
    if (!(await stepUpDialog(app))) throw err;
    return call();
  }
}

// An api function whose calls step up when asked to (for code that takes an `api`, such as device.js).
export function stepUpApi(app) {
  return (...args) => withStepUp(app, () => app.api(...args));
}

// The dialog: resolves true once the session has a fresh factor, false when the holder cancels.
export async function stepUpDialog(app) {
  let state;
  try { state = await app.api('GET', EP.stepUp); } catch { return false; }
  const methods = new Set(state.methods || []);
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', role: 'alert', id: 'stepup-error', hidden: true });
    const fail = (message) => { error.textContent = message; error.hidden = false; };
    let done = false;
    const finish = (ok) => { done = ok; dialog.close(); };

    const send = async (body) => {
      try {
        await app.api('POST', EP.stepUp, body);
        finish(true);
      } catch (err) {
        fail(err instanceof ApiError && err.code === 'stepup.bad_factor' ? t('fresh.wrong') : app.errorText(err));
      }
    };

    const parts = [];
    if (methods.has('passkey')) {
      parts.push(h('button', {
        type: 'button', class: 'btn primary block', id: 'stepup-passkey',
        onclick: async () => {
          error.hidden = true;
          try {
            const [{ startAuthentication }, options] = await Promise.all([loadWebAuthn(), app.api('POST', EP.stepUpOptions)]);
            const passkey = await startAuthentication({ optionsJSON: options });
            await send({ passkey });
          } catch (err) {
            fail(passkeyErrorText(app, err));
          }
        },
      }, t('fresh.use_passkey')));
    }
    const codes = methods.has('totp') || methods.has('recovery_code');
    if (codes || methods.has('password')) {
      const password = !codes;
      const input = h('input', password
        ? { id: 'stepup-input', type: 'password', autocomplete: 'current-password', maxlength: 256 }
        : { id: 'stepup-input', inputmode: methods.has('totp') ? 'numeric' : 'text', autocomplete: 'one-time-code', maxlength: 24, spellcheck: 'false' });
      const hintKey = password ? 'fresh.password_hint' : (methods.has('totp') ? 'fresh.code_hint' : 'fresh.recovery_hint');
      parts.push(h('form', {
        id: 'stepup-form',
        onsubmit: async (e) => {
          e.preventDefault();
          error.hidden = true;
          const value = password ? input.value : input.value.replace(/\s+/g, '');
          if (!value) { fail(t('fresh.missing')); input.focus(); return; }
          if (password) await send({ password: value });
          else if (/^\d{6}$/.test(value) && methods.has('totp')) await send({ totp: value });
          else await send({ recovery_code: value });
        },
      },
      h('div', { class: 'field' },
        h('label', { for: 'stepup-input' }, t(password ? 'fresh.password' : (methods.has('totp') ? 'fresh.code' : 'fresh.recovery'))),
        input,
        h('p', { class: 'hint', id: 'stepup-input-hint' }, t(hintKey))),
      h('button', { type: 'submit', class: methods.has('passkey') ? 'btn secondary block' : 'btn primary block', id: 'stepup-submit' }, t('fresh.confirm'))));
      input.setAttribute('aria-describedby', 'stepup-input-hint');
    }

    const dialog = h('dialog', { class: 'dialog', id: 'stepup-dialog', 'aria-labelledby': 'stepup-title' },
      h('h2', { id: 'stepup-title' }, t('fresh.title')),
      h('p', {}, t('fresh.why')),
      ...parts,
      error,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn secondary', id: 'stepup-cancel', onclick: () => finish(false) }, t('common.cancel'))));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(done); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
