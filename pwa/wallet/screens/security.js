// Security: two-step sign-in (TOTP enrolment by scanning its QR), sessions and devices.

import { formatTime, t } from '/shared/i18n.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { currentDevice, releaseDevice } from '../device.js';
import { EP } from '../endpoints.js';
import { signOut } from './home.js';
import { withStepUp } from '../stepup.js';

async function totpSection(app) {
  const box = h('section', { id: 'totp-section', 'aria-labelledby': 'totp-title' }, h('h2', { id: 'totp-title' }, t('totp.title')));
  let me = null;
  try { me = await app.api('GET', EP.me); } catch (err) { box.append(h('p', { class: 'error' }, app.errorText(err))); return box; }
  if (me.totp_enabled) {
    box.append(h('p', { id: 'totp-state' }, t('totp.on', { n: me.recovery_codes_left })));
    return box;
  }
  const start = h('button', {
    type: 'button', class: 'btn primary', id: 'totp-start',
    onclick: async () => {
      try {
        const enrol = await withStepUp(app, () => app.api('POST', EP.totpStart));
        clear(box).append(h('h2', { id: 'totp-title' }, t('totp.title')), enrolForm(app, enrol, box));
        box.querySelector('#totp-code')?.focus();
      } catch (err) {
        announce(app.errorText(err));
      }
    },
  }, t('totp.start'));
  box.append(h('p', {}, t('totp.off')), start);
  return box;
}

function enrolForm(app, enrol, box) {
  // The server's SVG is shown as an image (never inserted as markup): scan it with the app.
  const qr = h('img', { class: 'totp-qr', id: 'totp-qr', alt: t('totp.qr_alt'), src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrol.qr_svg)}` });
  const code = h('input', { id: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, pattern: '[0-9]{6}', 'aria-describedby': 'totp-code-hint' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  return h('form', {
    id: 'totp-form',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const answer = await withStepUp(app, () => app.api('POST', EP.totpConfirm, { code: code.value.trim() }));
        clear(box).append(
          h('h2', { id: 'totp-title' }, t('totp.title')),
          h('p', { role: 'status' }, t('totp.enabled')),
          h('p', {}, t('totp.recovery_intro')),
          h('ul', { class: 'codes', id: 'recovery-codes' }, answer.recovery_codes.map((c) => h('li', {}, c))));
      } catch (err) {
        error.textContent = app.errorText(err);
        error.hidden = false;
      }
    },
  },
  h('p', {}, t('totp.scan')),
  qr,
  h('p', { class: 'hint' }, t('totp.manual'), ' ', h('code', { id: 'totp-secret' }, enrol.secret)),
  h('div', { class: 'field' }, h('label', { for: 'totp-code' }, t('totp.code')), code, h('p', { class: 'hint', id: 'totp-code-hint' }, t('totp.code_hint'))),
  error,
  h('button', { type: 'submit', class: 'btn primary' }, t('totp.confirm')));
}

async function sessionsSection(app) {
  const list = h('ul', { class: 'list', id: 'sessions' });
  const box = h('section', { 'aria-labelledby': 'sessions-title' }, h('h2', { id: 'sessions-title' }, t('sessions.title')), list);
  let sessions = [];
  try { sessions = await app.api('GET', EP.sessions); } catch (err) { box.append(h('p', { class: 'error' }, app.errorText(err))); return box; }
  sessions = Array.isArray(sessions) ? sessions : sessions.items || [];
  for (const [i, s] of sessions.entries()) {
    // The button's visible text is its name; the row text describes which session it ends.
    list.append(h('li', { dataset: { current: s.current ? '1' : '0' } },
      h('div', { class: 'grow', id: `session-${i}` },
        h('strong', {}, s.client_label || t('sessions.unnamed')), s.current ? ` (${t('sessions.this_one')})` : '',
        h('div', { class: 'muted' }, t('sessions.last_seen', { time: formatTime(s.last_seen) }))),
      h('button', {
        type: 'button', class: 'btn secondary', 'aria-describedby': `session-${i}`,
        onclick: async () => {
          const ok = await confirmDialog({ title: t('sessions.revoke_title'), body: s.current ? t('sessions.revoke_current') : null, confirm: t('sessions.revoke'), danger: true });
          if (!ok) return;
          if (s.current) return signOut(app); // ending this session is signing out here
          try {
            await app.api('DELETE', EP.session(s.id));
            announce(t('sessions.revoked'));
            app.render();
          } catch (err) { announce(app.errorText(err)); }
        },
      }, t('sessions.revoke'))));
  }
  return box;
}

async function devicesSection(app) {
  const list = h('ul', { class: 'list', id: 'devices' });
  const box = h('section', { 'aria-labelledby': 'devices-title' }, h('h2', { id: 'devices-title' }, t('devices.title')), h('p', { class: 'hint' }, t('devices.intro')), list);
  let devices = [];
  try { devices = await app.api('GET', EP.devices); } catch (err) { box.append(h('p', { class: 'error' }, app.errorText(err))); return box; }
  devices = Array.isArray(devices) ? devices : devices.items || [];
  const mine = await currentDevice();
  if (!devices.length) list.append(h('li', {}, t('devices.none')));
  for (const [i, d] of devices.entries()) {
    const here = mine && mine.id === d.id;
    list.append(h('li', { dataset: { here: here ? '1' : '0' } },
      h('div', { class: 'grow', id: `device-${i}` },
        h('strong', {}, d.label || t('devices.unnamed')), here ? ` (${t('devices.this_one')})` : '',
        h('div', { class: 'muted' }, t('devices.bound_at', { time: formatTime(d.bound_at) }))),
      h('button', {
        type: 'button', class: 'btn secondary', 'aria-describedby': `device-${i}`,
        onclick: async () => {
          const ok = await confirmDialog({ title: t('devices.unbind_title'), body: t('devices.unbind_body'), confirm: t('devices.unbind'), danger: true });
          if (!ok) return;
          try {
            if (here) await releaseDevice(app.api);
            else await app.api('DELETE', EP.device(d.id));
            announce(t('devices.unbound'));
            app.render();
          } catch (err) { announce(app.errorText(err)); }
        },
      }, t('devices.unbind'))));
  }
  return box;
}

// The e-card on or off: off stops codes and unbinds every phone; on again needs a proven account.
async function ecardSection(app) {
  const box = h('section', { id: 'ecard-section', 'aria-labelledby': 'ecard-title' }, h('h2', { id: 'ecard-title' }, t('ecard.title')));
  const card = await app.loadCard().catch(() => null);
  if (!card || card.state !== 'active' || app.stale) return null;
  const on = Boolean(card.ecard?.usable);
  box.append(h('p', { id: 'ecard-state' }, t(on ? 'ecard.on' : 'ecard.off')));
  box.append(h('button', {
    type: 'button', class: `btn block ${on ? 'danger' : 'primary'}`, id: on ? 'ecard-off' : 'ecard-on',
    onclick: async () => {
      if (on) {
        const ok = await confirmDialog({ title: t('ecard.off_title'), body: t('ecard.off_body'), confirm: t('ecard.off_confirm'), danger: true });
        if (!ok) return;
      }
      try {
        const answer = await app.api('POST', on ? EP.ecardOff : EP.ecard, {});
        await app.setCard(answer);
        if (on) await releaseDevice(app.api).catch(() => null); // this phone's offline credential is revoked now
        else app.syncDevice(true);
        await app.render();
        announce(t(on ? 'ecard.off_done' : 'ecard.on_done'));
      } catch (err) {
        if (err?.code === 'ecard.not_proven' || err?.code === 'identity.not_proven') { app.go('activate'); return; }
        announce(app.errorText(err));
      }
    },
  }, t(on ? 'ecard.switch_off' : 'ecard.switch_on')));
  return box;
}

export async function securityScreen(app) {
  const [totp, sessions, devices, ecard] = await Promise.all([totpSection(app), sessionsSection(app), devicesSection(app), ecardSection(app)]);
  return h('section', {},
    h('h1', {}, t('title.security')),
    h('a', { class: 'btn secondary', href: '#/' }, t('common.back')),
    h('section', { id: 'passkeys-link', 'aria-labelledby': 'passkeys-link-title' },
      h('h2', { id: 'passkeys-link-title' }, t('title.passkeys')),
      h('p', {}, t('passkeys.teaser')),
      h('a', { class: 'btn primary block', href: '#/passkeys', id: 'nav-passkeys' }, t('passkeys.manage'))),
    totp, sessions, devices, ecard);
}
