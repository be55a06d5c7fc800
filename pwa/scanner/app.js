// Scanner app: sign in with a scanner credential, pick the scenario, scan, show the verdict;
// offline it verifies with the cached lists and queues results for upload.

import { ApiError, OfflineError, createApi } from '/shared/api.js';
import { topBar } from '/shared/chrome.js';
import { addDictionaries, formatTime, initI18n, t } from '/shared/i18n.js';
import { applyElder } from '/shared/prefs.js';
import { FLAGS, kindOf, PROFILES } from '/shared/qrformat.js';
import { announce, clear, confirmDialog, focusHeading, h } from '/shared/ui.js';
import { verifyOfflineCode } from '/shared/verify-offline-v2.js';
import { CameraScanner } from './camera.js';
import { regionLabel, syncFederation, trustFor } from './federation.js';
import { listAges, offlineMaterial, staleness, syncRevocations, syncTrust } from './lists.js';
import { alreadySeen, enqueue, pending, remember, uploadQueued } from './queue.js';
import { codeKey, keep, markUnanswered, recall, takeUnanswered } from './recent.js';
import { ageText, resultPanel, signal, toneOfVerdict } from './result.js';
import { kv } from './store.js';

const TOKEN = /^ykc_[A-Za-z0-9_-]{10,200}$/;
const SYNC_MS = 60_000;
const VERDICT_MS = 6000; // a verdict clears itself, ready for the next person (as the DCC verifier apps)
const SKEW = 5;
// Results the server or the offline check decided about the code itself: remembered, so the same
// code held up again is answered here. (Not "needs the network", "lists too old" or an error.)
const DECIDED = new Set([
  'valid', 'expired', 'not_yet_valid', 'replayed', 'bad_signature', 'unknown_key', 'card_suspended',
  'card_cancelled', 'device_revoked', 'scenario_not_allowed', 'malformed', 'assurance_too_low',
  'wrong_scenario', 'format_retired', 'region_not_trusted', 'region_not_accepted',
]);
// Results that say the code itself is not authentic or not readable: another region's "not
// accepted here" is only said of a code that is that region's own.
const INAUTHENTIC = new Set(['malformed', 'unknown_key', 'bad_signature']);

const state = {
  token: null,
  context: null,
  scenario: null,
  online: navigator.onLine,
  verdict: null,
  verdictMs: VERDICT_MS,
  clearTimer: null,
  inFlight: new Set(),
  provisioning: null, // the camera reading a provisioning code on the sign-in screen
  camera: null,
  syncing: null,
  screen: 'signin',
};

const api = createApi({ token: () => state.token, onUnauthorized: () => signOut(true) });
const main = () => document.getElementById('main');

// --- sign-in ----------------------------------------------------------------------------

function tokenFromLink() {
  // Provisioning links carry the token in the fragment (#token=ykc_...), which browsers never
  // send to a server, so it cannot end up in access logs.
  const params = new URLSearchParams(location.hash.replace(/^#\/?/, ''));
  const token = params.get('token');
  if (token) history.replaceState(null, '', location.pathname);
  return token && TOKEN.test(token) ? token : null;
}

async function signIn(token) {
  state.token = token;
  const context = await api('GET', '/api/v1/verify/context');
  state.context = context;
  await kv.set('token', token);
  await kv.set('context', context);
  const saved = await kv.get('scenario');
  state.scenario = context.scenarios.some((s) => s.name === saved) ? saved : (context.scenarios[0] || {}).name || null;
  await sync();
}

async function signOut(expired = false) {
  state.camera?.stop();
  state.token = null;
  state.context = null;
  await kv.delete('token');
  await kv.delete('context');
  state.screen = 'signin';
  render();
  if (expired) showSigninError(t('scanner.signin.expired'));
}

function showSigninError(message) {
  const el = document.getElementById('signin-error');
  if (el) { el.textContent = message; el.hidden = false; }
}

function signinScreen() {
  const input = h('textarea', { id: 'token', name: 'token', rows: 3, autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-hint' });
  const form = h('form', {
    novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!TOKEN.test(token)) { showSigninError(t('scanner.signin.bad_token')); input.focus(); return; }
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        await signIn(token);
        state.screen = 'scan';
        render();
      } catch (err) {
        state.token = null;
        showSigninError(err instanceof OfflineError ? t('scanner.signin.offline') : t('scanner.signin.refused'));
      } finally {
        button.disabled = false;
      }
    },
  },
  h('div', { class: 'field' },
    h('label', { for: 'token' }, t('scanner.signin.token')),
    input,
    h('p', { id: 'token-hint', class: 'hint' }, t('scanner.signin.token_hint'))),
  h('p', { id: 'signin-error', class: 'error', role: 'alert', hidden: true }),
  h('button', { type: 'submit', class: 'btn primary block' }, t('scanner.signin.submit')));
  return h('section', {}, h('h1', {}, t('scanner.signin.title')), h('p', {}, t('scanner.signin.intro')), provisionBox(), form);
}

// --- sign-in by the provisioning QR code the console shows ------------------------------------

function provisionBox() {
  return h('div', { class: 'provision' },
    h('button', { type: 'button', id: 'scan-provisioning', class: 'btn primary block', onclick: () => startProvisioning() },
      t('scanner.provision.scan')),
    h('p', { class: 'hint', id: 'provision-hint' }, t('scanner.provision.hint')),
    h('div', { class: 'camera', id: 'provision-box', hidden: true },
      h('video', { id: 'provision-camera', muted: true, playsinline: true, 'aria-label': t('scanner.provision.camera') }),
      h('div', { class: 'aim', 'aria-hidden': 'true' })),
    h('p', { id: 'provision-msg', class: 'hint', role: 'status' }),
    h('button', { type: 'button', id: 'provision-cancel', class: 'btn secondary block', hidden: true, onclick: () => stopProvisioning() },
      t('scanner.provision.cancel')));
}

// The token of a provisioning link of THIS service (<origin>/scanner/#token=ykc_...), or why not.
// A link of another origin is refused: its credential would send this terminal's scans elsewhere.
function provisioningToken(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return { error: t('scanner.provision.not_link') };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: t('scanner.provision.not_link') };
  if (url.origin !== location.origin) return { error: t('scanner.provision.other_origin', { origin: url.origin }) };
  const token = new URLSearchParams(url.hash.replace(/^#\/?/, '')).get('token');
  if (!/^\/scanner\/?$/.test(url.pathname) || !token || !TOKEN.test(token)) return { error: t('scanner.provision.not_link') };
  return { token };
}

async function startProvisioning() {
  stopProvisioning();
  const msg = document.getElementById('provision-msg');
  document.getElementById('provision-box').hidden = false;
  document.getElementById('provision-cancel').hidden = false;
  document.getElementById('scan-provisioning').hidden = true;
  msg.classList.remove('error');
  msg.textContent = t('scanner.provision.looking');
  let busy = false;
  let refused = null;
  const camera = new CameraScanner(document.getElementById('provision-camera'), async (text) => {
    if (busy || state.provisioning !== camera) return;
    const found = provisioningToken(text);
    if (found.error) {
      if (refused !== text) { refused = text; msg.classList.add('error'); msg.textContent = found.error; }
      return; // keep looking: the right code may come next
    }
    busy = true;
    stopProvisioning();
    msg.classList.remove('error');
    msg.textContent = t('scanner.provision.signing_in');
    try {
      await signIn(found.token);
      state.screen = 'scan';
      render();
    } catch (err) {
      state.token = null;
      msg.textContent = '';
      showSigninError(err instanceof OfflineError ? t('scanner.signin.offline') : t('scanner.signin.refused'));
    }
  });
  state.provisioning = camera;
  try {
    await camera.start();
  } catch {
    stopProvisioning();
    msg.classList.add('error');
    msg.textContent = t('scan.no_camera');
  }
}

function stopProvisioning() {
  state.provisioning?.stop();
  state.provisioning = null;
  const box = document.getElementById('provision-box');
  if (!box) return;
  box.hidden = true;
  document.getElementById('provision-cancel').hidden = true;
  document.getElementById('scan-provisioning').hidden = false;
}

// --- lists and queue ----------------------------------------------------------------------

function setOnline(value) {
  if (state.online !== value) {
    state.online = value;
    announce(value ? t('status.online') : t('status.offline'));
  }
  refreshStatus();
}

// Refresh trust and revocation lists and upload queued results; offline is not an error.
async function sync() {
  if (!state.token) return;
  if (state.syncing) return state.syncing;
  state.syncing = (async () => {
    try {
      await syncTrust(api);
      await syncRevocations(api);
      // Other regions' trust on the same cadence; its failure keeps the last good copy and must
      // not hold back the upload of queued results.
      await syncFederation(api).catch((err) => { if (err instanceof OfflineError) throw err; console.warn('federation trust not updated', err); });
      await uploadQueued(api);
      setOnline(true);
    } catch (err) {
      if (err instanceof OfflineError) setOnline(false);
      else console.warn('sync failed', err);
    } finally {
      state.syncing = null;
      refreshStatus();
    }
  })();
  return state.syncing;
}

async function refreshStatus() {
  const box = document.getElementById('status');
  if (!box) return;
  const ages = await listAges();
  const queued = await pending();
  const now = Date.now();
  const age = (ms) => (ms ? ageText((now - ms) / 1000) : t('status.never'));
  // The lists' age counts from when the server issued them; past the warning age it says so.
  const lists = staleness(ages, now);
  box.dataset.lists = lists.level;
  const listsNote = lists.level === 'warn' || lists.level === 'limit'
    ? h('span', { class: `lists-note ${lists.level}`, id: 'lists-note', dataset: { level: lists.level } },
      t(`scanner.lists.${lists.level}_note`, { age: ageText(lists.ageS) }))
    : null;
  // Element.append writes null as the text "null": leave absent parts out.
  clear(box).append(...[
    h('span', { class: state.online ? 'online' : 'offline', id: 'net-state', dataset: { online: state.online ? '1' : '0' } },
      state.online ? t('status.online') : t('status.offline')),
    state.online ? null : h('span', { class: 'offline-note', id: 'offline-note' }, t('status.offline_note')),
    h('span', { id: 'trust-age' }, t('status.trust_age', { age: age(ages.trust) })),
    h('span', { id: 'revocation-age' }, t('status.revocation_age', { age: age(ages.revocation) })),
    h('span', { id: 'queued', dataset: { count: String(queued) } }, t('status.queued', { n: queued })),
    listsNote,
  ].filter(Boolean));
}

// --- verification ---------------------------------------------------------------------------

function currentScenario() {
  return (state.context?.scenarios || []).find((s) => s.name === state.scenario) || null;
}

function offlineAttributes(scenario, check) {
  const concessions = Object.keys(FLAGS).filter((name) => name !== 'transport' && check.flags & FLAGS[name]);
  const out = {};
  for (const name of scenario.offline_attributes || []) {
    if (name === 'card_valid') out.card_valid = true;
    if (name === 'valid_until') out.valid_until = (check.t + 60) * 1000;
    if (name === 'concessions') out.concessions = concessions;
    if (name === 'concession') out.concession = ['disability', 'veteran', 'elderly'].find((c) => concessions.includes(c)) || 'none';
  }
  return out;
}

// Public transport needs the card's transport function (Art. 7); offline the flag says so.
function needsTransport(scenario) {
  return scenario.needs_transport ?? scenario.name === 'transit_ride';
}

// The credential profile a YKD2 code for this scenario must carry: as the venue's listing says,
// else by the catalog's rule (transit for transport, concession where concessions are shown).
function offlineProfile(scenario) {
  if (['validity', 'concession', 'transit'].includes(scenario.offline_profile)) return scenario.offline_profile;
  if (needsTransport(scenario)) return 'transit';
  const shown = scenario.offline_attributes || [];
  return shown.includes('concession') || shown.includes('concessions') ? 'concession' : 'validity';
}

// What a valid YKD2 code shows: only what its profile discloses. Validity: valid, and until when
// (the credential's end); concession: also the concessions; transit: also the transport function.
function profileAttributes(check) {
  const out = { valid_until: check.exp * 1000 };
  if (check.profile >= 2) out.concessions = Object.keys(FLAGS).filter((name) => name !== 'transport' && check.attrs & FLAGS[name]);
  if (check.profile === 3) out.transport = Boolean(check.attrs & FLAGS.transport);
  return out;
}

// The words a verdict's hint needs: the scenario to choose in the wallet, the date a format retired.
async function hintParams(result) {
  if (result === 'wrong_scenario' || result === 'region_not_accepted') {
    return { scenario: scenarioTitle(currentScenario() || { name: state.scenario, title: state.scenario }) };
  }
  if (result === 'format_retired') {
    const at = (await offlineMaterial().catch(() => null))?.retired?.YKD1;
    return Number.isInteger(at) ? { date: formatTime(at * 1000) } : {};
  }
  return {};
}

async function verifyLocally(text, scenario) {
  try {
    return await decideLocally(text, scenario);
  } catch (err) {
    console.warn('offline check failed', err); // e.g. the SM2 library could not load
    return { result: 'error', offline: true };
  }
}

async function decideLocally(text, scenario) {
  if (kindOf(text) === 'online') return { result: 'needs_network', offline: true };
  // A scenario asking more identity proofing than an offline credential shows (hotel check-in)
  // is online only: nothing is decided or queued offline.
  if (scenario.offline === false) return { result: 'online_only', offline: true };
  const material = await offlineMaterial();
  if (!material) return { result: 'no_lists', offline: true };
  const nowMs = Date.now();
  // Lists past their limit decide nothing (a card lost since may pass): sync first. Nothing queued.
  const lists = staleness(await listAges(), nowMs);
  if (lists.level === 'limit') return { result: 'lists_too_old', offline: true, lists };
  // Whose code: ours (our lists), an imported region's (its keys and revocations) or an unknown one.
  const source = await trustFor(text, Math.floor(nowMs / 1000));
  if (source.kind === 'untrusted') {
    return { result: 'region_not_trusted', offline: true, checkedAt: nowMs, lists, attributes: {}, region: { code: source.code } };
  }
  const foreign = source.kind === 'region' ? source.region : null;
  const check = await verifyOfflineCode(text, {
    ...material,
    ...(foreign ? { trust: source.trust, revocations: source.revocations } : {}),
    scenario: scenario.name,
    scenarioTag: scenario.scenario_tag || null, // absent from an older server: computed
    profile: offlineProfile(scenario),
    now: Math.floor(nowMs / 1000),
    skew: SKEW,
  });
  const v2 = check.format === 2;
  let result = check.result;
  const flags = v2 ? check.attrs : check.flags;
  if (foreign && !foreign.scenarios.includes(scenario.name) && !INAUTHENTIC.has(result)) result = 'region_not_accepted';
  if (result === 'valid' && needsTransport(scenario) && !(flags & FLAGS.transport)) result = 'scenario_not_allowed';
  if (result === 'valid') {
    const seenBefore = await alreadySeen(check.code_id, nowMs);
    // This scanner accepted the code for this scenario before: its own repeat, not a new use.
    if (seenBefore && seenBefore.scenario === scenario.name && seenBefore.at) {
      return { result: 'valid', repeat: true, offline: true, checkedAt: seenBefore.at, lists, attributes: {}, region: foreign && regionLabel(foreign) };
    }
    if (seenBefore) result = 'replayed';
  }
  if (result === 'valid') await remember(check.code_id, (check.t + 60 + SKEW) * 1000, { at: nowMs, scenario: scenario.name });
  await enqueue({
    code_id: check.code_id ?? null,
    code_kind: kindOf(text),
    // A YKD2 code names its credential, never the card (the server maps cred_ref to the card).
    ...(v2 ? { cred_ref: check.cred_ref ?? null } : { card_ref: check.card_ref ?? null, device_key_id: check.device_key_id ?? null }),
    scenario: scenario.name,
    result,
    verified_at: new Date(nowMs).toISOString(),
    // Another region's credential: the server looks its cred_ref up among that region's.
    ...(foreign ? { region: foreign.code } : {}),
  });
  let attributes = result !== 'valid' ? {} : v2 ? profileAttributes(check) : offlineAttributes(scenario, check);
  // Another region's card shows here only what our import of that region lets it disclose.
  if (foreign) attributes = Object.fromEntries(Object.entries(attributes).filter(([name]) => foreign.disclose.includes(name)));
  return {
    result, offline: true, checkedAt: nowMs, lists, attributes,
    ...(v2 ? { profile: PROFILES[check.profile] } : {}),
    ...(foreign ? { region: regionLabel(foreign) } : {}),
  };
}

async function verifyOnline(text, scenario, key) {
  let answer;
  try {
    answer = await api('POST', '/api/v1/verify', { code: text, scenario: scenario.name });
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      return { result: 'malformed', offline: false, checkedAt: err.details?.checked_at || Date.now() };
    }
    // Sent, but no answer came back: the server may have recorded it (docs/verification.md).
    if (!(err instanceof ApiError) || err.status >= 500) markUnanswered(key);
    throw err;
  }
  setOnline(true);
  const verdict = {
    result: answer.result,
    attributes: answer.result === 'valid' ? answer.attributes : {},
    offline: false,
    checkedAt: answer.checked_at,
    region: answer.region || null, // another region's card, checked with its issuer by our server
  };
  if (answer.result === 'valid' && answer.repeat) {
    // The server answers the same scanner's earlier use. If this scanner never got that first
    // answer (its request was lost on the way back), this IS the first verdict the clerk sees:
    // the normal one, saying when it was first checked. Otherwise it is a repeat, never green.
    if (takeUnanswered(key)) verdict.firstCheck = true;
    else Object.assign(verdict, { repeat: true, attributes: {} });
  }
  return verdict;
}

// A code this scanner decided a moment ago, shown again without asking anyone (no record).
function fromMemory(known) {
  const base = { local: true, offline: known.offline, checkedAt: known.checkedAt, attributes: {}, region: known.region || null };
  if (known.result === 'valid') return { ...base, result: 'valid', repeat: true };
  return { ...base, result: known.result };
}

// `manual`: typed or pasted by the clerk (asked on purpose, even while its verdict is up).
async function handleText(raw, { manual = false } = {}) {
  const text = raw.replace(/[\r\n]+$/, ''); // keyboard-wedge scanners end with a newline
  const scenario = currentScenario();
  if (!text || !scenario) return;
  const key = await codeKey(text);
  // The camera sees one code many times a second: one request at a time, and nothing more while
  // its verdict is on screen.
  if (state.inFlight.has(key)) return;
  if (!manual && state.verdict?.key === key) return;
  const known = recall(key, scenario.name);
  if (known) {
    showVerdict({ ...fromMemory(known), key, hintParams: await hintParams(known.result) });
    return;
  }
  state.inFlight.add(key);
  let verdict;
  try {
    verdict = state.online || navigator.onLine ? await verifyOnline(text, scenario, key) : await verifyLocally(text, scenario);
  } catch (err) {
    if (err instanceof OfflineError) {
      setOnline(false);
      verdict = await verifyLocally(text, scenario);
    } else {
      verdict = { result: 'error', offline: false };
    }
  } finally {
    state.inFlight.delete(key);
  }
  verdict.key = key;
  verdict.checkedAt = verdict.checkedAt || Date.now(); // every verdict says when it was given
  verdict.hintParams = await hintParams(verdict.result);
  if (DECIDED.has(verdict.result)) {
    keep(key, { scenario: scenario.name, result: verdict.result, checkedAt: verdict.checkedAt || Date.now(), offline: verdict.offline, region: verdict.region || null });
  }
  showVerdict(verdict);
  refreshStatus();
}

function showVerdict(verdict) {
  state.verdict = verdict;
  clearTimeout(state.clearTimer);
  state.clearTimer = setTimeout(clearVerdict, state.verdictMs);
  const slot = document.getElementById('result-slot');
  if (!slot) return;
  clear(slot).append(verdictPanel(verdict));
  signal(toneOfVerdict(verdict));
  announce(slot.querySelector('.verdict').textContent);
}

function verdictPanel(verdict) {
  return resultPanel(verdict, { onDismiss: clearVerdict });
}

// The verdict goes away (after a few seconds, or a tap, Enter or Esc): ready for the next person.
function clearVerdict() {
  clearTimeout(state.clearTimer);
  state.clearTimer = null;
  if (!state.verdict) return;
  state.verdict = null;
  const slot = document.getElementById('result-slot');
  if (slot) clear(slot).append(readyBox());
}

function readyBox() {
  return h('p', { class: 'ready', id: 'ready' }, t('scanner.verdict.ready'));
}

function onKey(e) {
  if (!state.verdict || state.screen !== 'scan') return;
  if (e.key === 'Escape' || (e.key === 'Enter' && !e.target.closest?.('input, textarea, select, button, a'))) {
    if (document.querySelector('dialog[open]')) return; // a dialog's own keys
    e.preventDefault();
    clearVerdict();
  }
}

// --- scan screen ----------------------------------------------------------------------------

function scanScreen() {
  const ctx = state.context;
  const select = h('select', {
    id: 'scenario',
    onchange: async (e) => { state.scenario = e.target.value; await kv.set('scenario', state.scenario); },
  }, ctx.scenarios.map((s) => h('option', { value: s.name, selected: s.name === state.scenario }, scenarioTitle(s))));
  const video = h('video', { id: 'camera', muted: true, playsinline: true, 'aria-label': t('scan.camera_view') });
  const camButton = h('button', { type: 'button', id: 'camera-toggle', class: 'btn primary block', onclick: () => toggleCamera(camButton) },
    state.camera?.running ? t('scan.stop_camera') : t('scan.start_camera'));
  const manual = h('input', { id: 'manual-code', name: 'code', autocomplete: 'off', spellcheck: 'false' });
  return h('section', {},
    h('h1', {}, ctx.venue_name),
    h('div', { class: 'status', id: 'status', role: 'status' }),
    h('div', { class: 'field' }, h('label', { for: 'scenario' }, t('scan.scenario')), select),
    // The verdict sits above the camera so staff see it without scrolling.
    h('div', { id: 'result-slot' }, state.verdict ? verdictPanel(state.verdict) : readyBox()),
    h('div', { class: 'camera' }, video,
      h('div', { class: 'aim', 'aria-hidden': 'true' }),
      h('p', { id: 'camera-aim', class: 'aim-text' }, t('scan.aim'))),
    h('p', { id: 'camera-msg', class: 'hint', role: 'status' }),
    camButton,
    h('form', {
      class: 'advanced',
      onsubmit: (e) => { e.preventDefault(); handleText(manual.value, { manual: true }); manual.value = ''; },
    },
    h('div', { class: 'field' }, h('label', { for: 'manual-code' }, t('scan.manual')), manual),
    h('button', { type: 'submit', class: 'btn secondary' }, t('scan.verify'))),
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'sync-now', class: 'btn secondary', onclick: () => sync() }, t('scan.sync_now')),
      h('button', { type: 'button', id: 'sign-out', class: 'btn secondary', onclick: () => confirmSignOut() }, t('scanner.sign_out'))));
}

// Signing the terminal out stops the gate until someone has the credential again: ask first.
async function confirmSignOut() {
  const ok = await confirmDialog({
    title: t('scanner.sign_out.confirm_title'),
    body: t('scanner.sign_out.confirm_body'),
    confirm: t('scanner.sign_out.confirm'),
    danger: true,
  });
  if (ok) await signOut();
}

function scenarioTitle(s) {
  const key = `scenario.${s.name}`;
  const text = t(key);
  return text === key ? s.title : text; // catalog scenarios newer than this app keep the server's title
}

async function toggleCamera(button) {
  const msg = document.getElementById('camera-msg');
  if (state.camera?.running) {
    state.camera.stop();
    button.textContent = t('scan.start_camera');
    msg.textContent = '';
    return;
  }
  state.camera = new CameraScanner(document.getElementById('camera'), (text) => handleText(text));
  try {
    const engine = await state.camera.start();
    button.textContent = t('scan.stop_camera');
    msg.textContent = t(engine === 'native' ? 'scan.engine_native' : 'scan.engine_js');
    msg.dataset.engine = engine;
  } catch {
    msg.textContent = t('scan.no_camera');
  }
}

// --- shell ----------------------------------------------------------------------------------

function render() {
  document.title = t('scanner.title');
  if (state.provisioning) { state.provisioning.stop(); state.provisioning = null; } // its video goes
  const bar = document.getElementById('bar');
  clear(bar).append(topBar('scanner.title'));
  const root = clear(main());
  if (state.screen === 'scan' && state.context) {
    root.append(scanScreen());
    refreshStatus();
    // The camera element was replaced: restart on the new one if it was running.
    if (state.camera?.running) {
      state.camera.stop();
      toggleCamera(document.getElementById('camera-toggle'));
    }
  } else {
    root.append(signinScreen());
  }
  focusHeading(root);
}

async function start() {
  applyElder();
  addDictionaries('/scanner/i18n/verdict');
  await initI18n();
  document.addEventListener('keydown', onKey);
  document.addEventListener('yk:lang', render);
  document.addEventListener('yk:elder', render);
  window.addEventListener('online', () => { state.online = true; sync(); });
  window.addEventListener('offline', () => setOnline(false));
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/scanner/sw.js', { scope: '/scanner/' }).catch(() => {});

  const linked = tokenFromLink();
  const saved = await kv.get('token');
  state.context = await kv.get('context');
  state.scenario = await kv.get('scenario');
  if (linked && linked !== saved) {
    try { await signIn(linked); state.screen = 'scan'; } catch { state.token = null; }
  } else if (saved) {
    state.token = saved;
    state.screen = state.context ? 'scan' : 'signin';
    if (!state.scenario && state.context) state.scenario = (state.context.scenarios[0] || {}).name;
    sync();
  }
  render();
  setInterval(sync, SYNC_MS);
  setInterval(refreshStatus, 15_000);
  window.ykScanner = { state, sync, handleText, clearVerdict, refreshStatus }; // lets tests and support staff inspect the state
}

start();
