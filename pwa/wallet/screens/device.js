// Scan to sign in (RFC 8628 device flow, docs/oidc.md): #/device?user_code=ABCD-EFGH from a terminal's QR code
// (read by 扫一扫) or a code typed here; the holder sees what the terminal's site gets and approves or denies.

import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { field } from './signin.js';
import { hashParams } from './service-labels.js';
import { clientName, consentView, gone } from './authorize.js';

// "wdjb mjht", "WDJBMJHT" and "WDJB-MJHT" are one code; anything else is not a user code. The letters
// are the server's (backend/oidc/device.py ALPHABET: no vowels, no digits), so a mistyped code is
// caught here in words instead of coming back from the server as a malformed request.
export function normalUserCode(text) {
  const raw = String(text || '').toUpperCase().replace(/[^A-Z0-9]/g, '');
  return /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4)}` : null;
}

// How long ago the terminal started the request, by the server's clock (the phone's may be wrong).
function ageText(seconds) {
  return seconds < 120 ? t('oidc.device.age_seconds', { n: seconds }) : t('oidc.device.age_minutes', { n: Math.floor(seconds / 60) });
}

// The form for a code read off a terminal's screen (the QR code's fallback).
export function userCodeForm(app, { id = 'user-code' } = {}) {
  const input = h('input', {
    id, name: 'user_code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 12,
    inputmode: 'text', placeholder: 'WDJB-MJHT',
  });
  const error = h('p', { class: 'error', role: 'alert', id: `${id}-error`, hidden: true });
  return h('form', {
    id: `${id}-form`, novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      const code = normalUserCode(input.value);
      if (!code) {
        error.textContent = t('oidc.device.bad_code');
        error.hidden = false;
        input.focus();
        return;
      }
      app.go(`device?user_code=${encodeURIComponent(code)}`);
    },
  }, field(id, 'oidc.device.code_label', input, 'oidc.device.code_hint'), error,
  h('button', { type: 'submit', class: 'btn primary block', id: `${id}-submit` }, t('oidc.device.continue')));
}

export async function deviceScreen(app) {
  const root = h('section', { class: 'services', id: 'device-signin' }, h('h1', {}, t('title.device')));
  const back = () => h('a', { class: 'btn secondary', href: '#/' }, t('common.back'));
  const code = normalUserCode(hashParams().get('user_code'));
  if (!code) {
    root.append(h('p', {}, t('oidc.device.intro')), userCodeForm(app),
      h('p', {}, h('a', { href: '#/scan', id: 'device-to-scan' }, t('oidc.device.scan_instead'))), back());
    return root;
  }
  let request;
  try {
    request = await app.api('GET', EP.oidcDevice(code));
  } catch (err) {
    root.append(h('p', { class: 'mono', id: 'device-code' }, code), gone(app, err), userCodeForm(app), back());
    return root;
  }
  request.id = request.id || request.request_id;
  request.kind = 'device';
  if (request.status && request.status !== 'pending') {
    root.append(h('p', { class: 'notice', id: 'consent-gone', dataset: { status: request.status } }, t(`oidc.status.${request.status}`)), back());
    return root;
  }
  // RFC 8628 5.4: a sign-in QR code can be photographed and sent to someone else, who would sign the
  // sender in. So the screen says plainly whose site this is, how old the request is, and when not to approve.
  const age = Math.max(0, Number(request.age_seconds) || 0);
  root.append(
    h('section', { class: 'notice device-warning', id: 'device-warning', 'aria-labelledby': 'device-site' },
      h('p', {}, t('oidc.device.site_is')),
      h('h2', { class: 'consent-site', id: 'device-site' }, clientName(request.client)),
      h('p', { id: 'device-age', dataset: { seconds: String(age) } }, ageText(age)),
      h('p', { id: 'device-only-if' }, h('strong', {}, t('oidc.device.only_if'))),
      h('p', {}, t('oidc.device.check_code'), ' ', h('strong', { class: 'mono', id: 'device-code' }, code))),
    consentView(app, request, {
      onDone: async (_answer, approved) => {
        const text = t(approved ? 'oidc.device.done' : 'oidc.device.denied');
        root.replaceChildren(h('h1', {}, t('title.device')),
          h('p', { class: 'success', role: 'status', id: 'device-done', dataset: { approved: approved ? '1' : '0' } }, text),
          h('a', { class: 'btn secondary', href: '#/signins' }, t('nav.signins')), back());
        announce(text);
      },
    }));
  return root;
}
