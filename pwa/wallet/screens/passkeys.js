// Passkeys and recovery codes: set up a passkey (this phone's fingerprint, face or screen lock),
// see and remove passkeys, and see or renew the recovery codes that stand in when the phone is lost.

import { formatTime, t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { loadWebAuthn, passkeyErrorText, withStepUp } from '../stepup.js';

function codesBox(codes) {
  return h('div', { class: 'notice', id: 'new-recovery-codes', role: 'status' },
    h('p', {}, h('strong', {}, t('recovery.shown_once'))),
    h('ul', { class: 'codes', id: 'recovery-codes' }, codes.map((c) => h('li', {}, c))),
    h('p', { class: 'hint' }, t('recovery.keep_safe')));
}

async function addPasskey(app, label) {
  const { startRegistration } = await loadWebAuthn();
  const options = await withStepUp(app, () => app.api('POST', EP.passkeyOptions));
  const credential = await startRegistration({ optionsJSON: options });
  return withStepUp(app, () => app.api('POST', EP.passkeys, { credential, label }));
}

function passkeyList(app, passkeys) {
  const list = h('ul', { class: 'list', id: 'passkey-list' });
  if (!passkeys.length) list.append(h('li', { id: 'no-passkeys' }, t('passkeys.none')));
  for (const [i, p] of passkeys.entries()) {
    list.append(h('li', { dataset: { id: p.id } },
      h('div', { class: 'grow', id: `passkey-${i}` },
        h('strong', {}, p.label || t('passkeys.unnamed')),
        h('div', { class: 'muted' }, t('passkeys.added_at', { time: formatTime(p.created_at) })),
        h('div', { class: 'muted' }, p.last_used_at ? t('passkeys.used_at', { time: formatTime(p.last_used_at) }) : t('passkeys.never_used'))),
      h('button', {
        type: 'button', class: 'btn secondary', 'aria-describedby': `passkey-${i}`, id: `remove-passkey-${i}`,
        onclick: async () => {
          const ok = await confirmDialog({ title: t('passkeys.remove_title'), body: t('passkeys.remove_body', { label: p.label }), confirm: t('passkeys.remove'), danger: true });
          if (!ok) return;
          try {
            await withStepUp(app, () => app.api('DELETE', EP.passkey(p.id)));
            announce(t('passkeys.removed'));
            app.render();
          } catch (err) { announce(app.errorText(err)); }
        },
      }, t('passkeys.remove'))));
  }
  return list;
}

function addForm(app) {
  const label = h('input', { id: 'passkey-label', maxlength: 64, value: t('device.default_label'), 'aria-describedby': 'passkey-label-hint' });
  const status = h('p', { id: 'passkey-status', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'passkey-add' }, t('passkeys.add'));
  const supported = typeof window.PublicKeyCredential === 'function';
  if (!supported) submit.disabled = true;
  return h('form', {
    id: 'passkey-form',
    onsubmit: async (e) => {
      e.preventDefault();
      status.hidden = true;
      status.className = '';
      submit.disabled = true;
      try {
        const added = await addPasskey(app, label.value.trim() || t('device.default_label'));
        await app.render();
        const screen = document.getElementById('passkeys-screen');
        const done = h('p', { role: 'status', id: 'passkey-added', class: 'notice' }, t('passkeys.added', { label: added.passkey.label }));
        screen?.querySelector('#passkeys-section')?.prepend(done);
        if (added.recovery_codes) screen?.querySelector('#recovery-section')?.append(codesBox(added.recovery_codes));
        announce(t('passkeys.added', { label: added.passkey.label }));
      } catch (err) {
        status.textContent = passkeyErrorText(app, err);
        status.className = 'error';
        status.hidden = false;
        submit.disabled = false;
      }
    },
  },
  h('div', { class: 'field' },
    h('label', { for: 'passkey-label' }, t('passkeys.label')),
    label,
    h('p', { class: 'hint', id: 'passkey-label-hint' }, t('passkeys.label_hint'))),
  supported ? null : h('p', { class: 'error', id: 'passkey-unsupported' }, t('passkeys.unsupported')),
  status,
  submit);
}

async function recoverySection(app) {
  const box = h('section', { id: 'recovery-section', 'aria-labelledby': 'recovery-title' }, h('h2', { id: 'recovery-title' }, t('recovery.title')));
  let state;
  try { state = await app.api('GET', EP.recoveryCodes); } catch (err) { box.append(h('p', { class: 'error' }, app.errorText(err))); return box; }
  if (!state.available) {
    box.append(h('p', { id: 'recovery-state' }, t('recovery.unavailable')));
    return box;
  }
  box.append(h('p', { id: 'recovery-state', dataset: { left: String(state.left) } }, t('recovery.left', { n: state.left, total: state.total })));
  if (state.left <= 3) box.append(h('p', { class: 'notice', id: 'recovery-low' }, t('recovery.running_low')));
  box.append(
    h('p', { class: 'hint' }, t('recovery.what')),
    h('button', {
      type: 'button', class: 'btn secondary block', id: 'recovery-renew',
      onclick: async () => {
        const ok = await confirmDialog({ title: t('recovery.renew_title'), body: t('recovery.renew_body'), confirm: t('recovery.renew'), danger: true });
        if (!ok) return;
        try {
          const answer = await withStepUp(app, () => app.api('POST', EP.recoveryCodes));
          await app.render();
          document.getElementById('recovery-section')?.append(codesBox(answer.recovery_codes));
          announce(t('recovery.renewed'));
        } catch (err) { announce(app.errorText(err)); }
      },
    }, t('recovery.renew')));
  return box;
}

export async function passkeysScreen(app) {
  const box = h('section', { id: 'passkeys-section', 'aria-labelledby': 'passkeys-title' },
    h('h2', { id: 'passkeys-title' }, t('passkeys.yours')));
  try {
    const passkeys = await app.api('GET', EP.passkeys);
    box.append(passkeyList(app, passkeys));
  } catch (err) {
    box.append(h('p', { class: 'error' }, app.errorText(err)));
  }
  const add = h('section', { id: 'passkey-add-section', 'aria-labelledby': 'passkey-add-title' },
    h('h2', { id: 'passkey-add-title' }, t('passkeys.add_title')),
    h('p', { class: 'hint' }, t('passkeys.add_intro')));
  add.append(addForm(app));
  const recovery = await recoverySection(app);
  return h('section', { id: 'passkeys-screen' },
    h('h1', {}, t('title.passkeys')),
    h('a', { class: 'btn secondary', href: '#/security' }, t('common.back')),
    h('p', { id: 'passkeys-intro' }, t('passkeys.intro')),
    box, add, recovery);
}
