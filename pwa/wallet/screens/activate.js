// Activate the e-card by proving who you are (issue 14; the API is docs/proofing.md).
// An account is not an identity: the holder proves to be the card's person at a counter (the
// wallet shows a one-time code, or types the one the counter shows), through the cooperating
// bank (approve challenge number N in the bank's app), or with an identity provider when one
// is enabled. The pieces that show a code or a bank challenge are shared with #/reset.

import { OfflineError } from '/shared/api.js';
import { formatTime, t } from '/shared/i18n.js';
import { qrSvg } from '/shared/qr-render.js';
import { announce, clear, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';

const POLL_MS = 2000;

// Calls `step` every `ms` until it returns true or the returned stop() is called; a lost
// network keeps it trying, any other failure goes to `onError` and stops it.
export function poll(step, ms, onError) {
  let stopped = false;
  let timer = null;
  const run = async () => {
    if (stopped) return;
    try {
      if (await step()) { stopped = true; return; }
    } catch (err) {
      if (!(err instanceof OfflineError)) { stopped = true; onError?.(err); return; }
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  timer = setTimeout(run, ms);
  return () => { stopped = true; clearTimeout(timer); };
}

export function statusLine(id) {
  return h('p', { id, role: 'status', class: 'proof-status' });
}

function setStatus(el, text, kind = '') {
  el.textContent = text;
  el.dataset.kind = kind;
  announce(text);
}

// A one-time binding code as text and as a QR code, with its expiry; `onExpired` when it lapses.
export async function codePanel(code, { onExpired, introKey }) {
  const qr = await qrSvg(code.qr_text, t('proof.code_qr_label'));
  const expires = new Date(code.expires_at).getTime();
  const until = h('p', { id: 'bind-expires', class: 'hint' }, t('proof.code_valid_until', { time: formatTime(code.expires_at, { date: false }) }));
  const timer = setTimeout(() => {
    until.textContent = t('proof.code_expired');
    until.className = 'error';
    onExpired?.();
  }, Math.max(0, expires - Date.now()));
  const el = h('div', { class: 'proof-code', id: 'bind-panel' },
    h('p', {}, t(introKey)),
    h('p', { class: 'bindcode', id: 'bind-code', 'aria-label': t('proof.code_label_spelled', { code: code.code.split('').join(' ') }) }, code.code),
    h('div', { class: 'qrbox', id: 'bind-qr' }, qr),
    until);
  return { el, stop: () => clearTimeout(timer) };
}

// A bank challenge: the number to approve in the bank's app, and its status as polled.
export function challengePanel(challenge) {
  return h('div', { class: 'proof-bank', id: 'bank-panel', dataset: { challenge: challenge.challenge_id } },
    h('p', {}, t('proof.bank_intro', { bank: challenge.bank_name, card: challenge.card_number_masked })),
    h('p', { class: 'challenge', id: 'bank-number', 'aria-label': t('proof.bank_number_spelled', { number: challenge.number.split('').join(' ') }) }, challenge.number),
    h('p', { class: 'hint', id: 'bank-expires' }, t('proof.code_valid_until', { time: formatTime(challenge.expires_at, { date: false }) })));
}

// The text for a refusal code (an Attempt's or a challenge's reason), or a general one.
export function reasonText(reason) {
  const key = `error.${reason}`;
  const text = reason ? t(key) : key;
  return text === key ? t('proof.refused') : text;
}

export async function activateScreen(app) {
  const root = h('section', { class: 'proofing' }, h('h1', {}, t('activate.title')));
  let status;
  try {
    status = await app.api('GET', EP.proofing);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }
  const stage = h('div', { id: 'proof-stage' });
  let stop = () => {};
  const cleanup = () => stop();

  const back = () => h('button', { type: 'button', class: 'btn secondary', id: 'proof-back', onclick: () => { stop(); showRoutes(); } }, t('activate.other_way'));

  async function proven(attempt) {
    stop();
    const now = await app.api('GET', EP.proofing).catch(() => null);
    await app.loadCard().catch(() => null);
    const level = attempt?.level ?? now?.assurance ?? 0;
    const method = attempt?.method ?? now?.method ?? '';
    const active = attempt ? attempt.ecard_activated : Boolean(app.card?.ecard?.usable);
    clear(stage).append(h('div', { class: 'proof-done', id: 'proof-done', dataset: { level: String(level), method } },
      h('h2', { id: 'proof-done-title', tabindex: '-1' }, t('activate.done_title')),
      h('p', {}, t('activate.done_level', { method: t(`proof.method.${method}`), level: t(`proof.level.${level}`) })),
      h('p', { id: 'ecard-activated' }, t(active ? 'activate.ecard_on' : 'activate.ecard_later')),
      h('a', { class: 'btn primary block', href: '#/', id: 'proof-home' }, t('activate.to_home'))));
    announce(t('activate.done_title'));
    stage.querySelector('h2').focus();
  }

  // (a) The wallet shows a code; the clerk checks the document and scans or types it.
  async function counterShow() {
    stop();
    const wait = statusLine('bind-wait');
    const again = h('button', { type: 'button', class: 'btn secondary', id: 'bind-new', onclick: () => counterShow() }, t('proof.new_code'));
    let code;
    let known;
    try {
      code = await app.api('POST', EP.proofCounterCode, { device_label: t('device.default_label') });
      known = new Set((await app.api('GET', `${EP.proofAttempts}?limit=5`)).map((a) => a.id));
    } catch (err) {
      clear(stage).append(h('p', { class: 'error', role: 'alert', id: 'proof-error' }, app.errorText(err)), back());
      return;
    }
    const panel = await codePanel(code, { introKey: 'proof.counter_show_intro', onExpired: () => { stop(); setStatus(wait, t('proof.code_expired'), 'expired'); } });
    clear(stage).append(h('h2', { id: 'proof-route-title' }, t('activate.counter_show')), panel.el, wait, h('div', { class: 'row' }, again, back()));
    setStatus(wait, t('proof.waiting_clerk'), 'waiting');
    const stopPoll = poll(async () => {
      const attempts = await app.api('GET', `${EP.proofAttempts}?limit=5`);
      const fresh = attempts.filter((a) => !known.has(a.id) && a.method === 'counter');
      for (const a of fresh) known.add(a.id);
      const ok = fresh.find((a) => a.outcome === 'proven');
      if (ok) { await proven(ok); return true; }
      const bad = fresh.find((a) => a.outcome === 'refused');
      if (bad) setStatus(wait, `${t('proof.refused')} ${reasonText(bad.reason)}`, 'refused');
      return false;
    }, POLL_MS, (err) => setStatus(wait, app.errorText(err), 'error'));
    stop = () => { stopPoll(); panel.stop(); };
  }

  // (b) The counter shows a code; the holder types it here.
  function counterType() {
    stop();
    const input = h('input', {
      id: 'claim-code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
      maxlength: 16, required: true, 'aria-describedby': 'claim-code-hint',
    });
    const error = h('p', { class: 'error', role: 'alert', id: 'claim-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'claim-submit' }, t('proof.claim_submit'));
    const form = h('form', {
      id: 'claim-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const code = input.value.replace(/[\s-]+/g, '').toUpperCase();
        if (code.length !== 8) { error.textContent = t('proof.claim_format'); error.hidden = false; input.focus(); return; }
        submit.disabled = true;
        try {
          const attempt = await app.api('POST', EP.proofCounterClaim, { code, device_label: t('device.default_label') });
          if (attempt.outcome === 'proven') await proven(attempt);
          else { error.textContent = reasonText(attempt.reason); error.hidden = false; input.focus(); }
        } catch (err) {
          error.textContent = app.errorText(err);
          error.hidden = false;
          input.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('div', { class: 'field' },
      h('label', { for: 'claim-code' }, t('proof.claim_label')),
      input,
      h('p', { class: 'hint', id: 'claim-code-hint' }, t('proof.claim_hint'))),
    error,
    submit);
    clear(stage).append(h('h2', { id: 'proof-route-title' }, t('activate.counter_type')), h('p', {}, t('proof.counter_type_intro')), form, back());
    input.focus();
  }

  // Through the bank: the wallet shows challenge number N, the holder approves it in the bank's app.
  async function bank() {
    stop();
    let challenge;
    try {
      challenge = await app.api('POST', EP.proofBankChallenges);
    } catch (err) {
      clear(stage).append(h('p', { class: 'error', role: 'alert', id: 'proof-error' }, app.errorText(err)), back());
      return;
    }
    const wait = statusLine('bank-status');
    const again = h('button', { type: 'button', class: 'btn secondary', id: 'bank-new', onclick: () => bank() }, t('proof.new_challenge'));
    clear(stage).append(h('h2', { id: 'proof-route-title' }, t('activate.bank')), challengePanel(challenge), wait, h('div', { class: 'row' }, again, back()));
    setStatus(wait, t('proof.waiting_bank', { bank: challenge.bank_name }), 'waiting');
    stop = poll(async () => {
      const now = await app.api('GET', EP.proofBankChallenge(challenge.challenge_id));
      if (now.status === 'proven') { await proven(null); return true; }
      if (now.status === 'refused') { setStatus(wait, `${t('proof.bank_refused')} ${now.reason ? reasonText(now.reason) : ''}`.trim(), 'refused'); return true; }
      if (now.status === 'expired') { setStatus(wait, t('proof.bank_expired'), 'expired'); return true; }
      return false;
    }, POLL_MS, (err) => setStatus(wait, app.errorText(err), 'error'));
  }

  // A remote identity provider (only when the API says one is enabled for this person).
  async function provider() {
    stop();
    let session;
    try {
      session = await app.api('POST', EP.proofProviderSessions);
    } catch (err) {
      clear(stage).append(h('p', { class: 'error', role: 'alert', id: 'proof-error' }, app.errorText(err)), back());
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
          if (!session) session = await app.api('POST', EP.proofProviderSessions);
          const attempt = await app.api('POST', EP.proofProviderEvidence(session.session_id), { evidence });
          session = null;
          if (attempt.outcome === 'proven') await proven(attempt);
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
    clear(stage).append(h('h2', { id: 'proof-route-title' }, t('activate.provider')), h('p', {}, t('proof.provider_intro')), form, back());
  }

  function routeButton(id, key, hintKey, onclick, vars = {}) {
    return h('li', {},
      h('button', { type: 'button', class: 'btn block secondary route', id, onclick, 'aria-describedby': `${id}-hint` }, t(key)),
      h('p', { class: 'hint', id: `${id}-hint` }, t(hintKey, vars)));
  }

  function showRoutes() {
    stop = () => {};
    const routes = status.routes || {};
    clear(stage).append(
      h('h2', { id: 'routes-title' }, t('activate.choose')),
      h('ul', { class: 'nav-list routes', 'aria-labelledby': 'routes-title' },
        routes.counter !== false ? routeButton('route-counter-show', 'activate.counter_show', 'activate.counter_show_hint', counterShow) : null,
        routes.counter !== false ? routeButton('route-counter-type', 'activate.counter_type', 'activate.counter_type_hint', counterType) : null,
        routes.bank ? routeButton('route-bank', 'activate.bank', 'activate.bank_hint', bank, { bank: status.card?.bank_name || '' }) : null,
        routes.provider ? routeButton('route-provider', 'activate.provider', 'activate.provider_hint', provider) : null));
  }

  root.append(h('p', {}, t('activate.intro')));
  if (status.assurance > 0) {
    root.append(h('p', { class: 'notice', id: 'already-proven', dataset: { level: String(status.assurance) } },
      t('activate.already', { method: t(`proof.method.${status.method}`), level: t(`proof.level.${status.assurance}`), time: formatTime(status.proven_at) })));
  }
  if (!status.card?.active) {
    root.append(h('p', { class: 'notice', id: 'no-active-card' }, t('activate.no_card'), ' ', h('a', { href: '#/apply', id: 'activate-apply' }, t('home.apply'))));
  }
  showRoutes();
  root.append(stage, h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
  return { el: root, cleanup };
}

// The captured photo as base64url, scaled down so it stays within the API's 48 KiB.
export async function evidenceOf(file) {
  let blob = file;
  if (file.size > 45_000 && typeof createImageBitmap === 'function') {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 480 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.7));
  }
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
