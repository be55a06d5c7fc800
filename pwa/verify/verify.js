// The public verification page of statements: the reference comes from the URL's fragment (never sent
// to any server by the browser), the verdict and what the statement states come from the API; anyone may
// also check a PDF file. Three languages; the statement itself is in Chinese, as issued.

import { LANGS, currentLang, formatTime, initI18n, setLang, t, useDictionary } from '/shared/i18n.js';
import { applyElder, elderMode, setElderMode } from '/shared/prefs.js';
import { announce, h } from '/shared/ui.js';

useDictionary('/verify/i18n');

const $ = (id) => document.getElementById(id);
const TOKEN = /^[A-Za-z0-9_-]{16,32}$/;
let shown = null; // { state, data } of the last lookup, redrawn on a language change
let checked = null;

function token() {
  const value = decodeURIComponent(location.hash.slice(1));
  return TOKEN.test(value) ? value : null;
}

function factsList(content) {
  const items = [
    [t('holder_name'), content.holder.name],
    [t('holder_id'), content.holder.id_number_masked],
    ...content.facts.map((f) => [f.label, f.value]),
  ];
  return h('dl', { class: 'facts' }, items.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function linesTable(content) {
  if (!content.columns.length) return null;
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('lines') },
    h('table', { class: 'lines' },
      h('caption', { class: 'visually-hidden' }, t('lines')),
      h('thead', {}, h('tr', {}, content.columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, content.rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell)))))));
}

function verdict(kind, heading, ...lines) {
  return h('div', { class: `verdict ${kind}`, id: 'verdict', dataset: { state: kind } },
    h('h2', {}, heading), ...lines.filter(Boolean).map((line) => h('p', {}, line)));
}

function draw() {
  const target = $('result');
  if (!shown) { target.replaceChildren(); return; }
  const { state, data } = shown;
  if (state === 'loading') { target.replaceChildren(h('p', { class: 'muted' }, t('loading'))); return; }
  if (state === 'none') { target.replaceChildren(h('p', {}, t('no_reference'))); return; }
  if (state === 'missing') { target.replaceChildren(verdict('unknown', t('not_found'), t('not_found_hint'))); return; }
  if (state === 'error') {
    target.replaceChildren(h('div', { class: 'notice', role: 'alert' }, t('error'), ' ',
      h('button', { type: 'button', class: 'btn secondary', onclick: lookup }, t('retry'))));
    return;
  }
  const valid = data.status === 'valid';
  target.replaceChildren(
    valid
      ? verdict('valid', t('genuine'), t('genuine_hint'))
      : verdict('withdrawn', t('withdrawn'), t('withdrawn_hint', { at: formatTime(data.withdrawn_at) })),
    h('h2', { id: 'statement-title', lang: 'zh-Hans' }, data.title),
    h('p', { class: 'muted' }, t('issued_at', { at: formatTime(data.issued_at) })),
    h('div', { lang: 'zh-Hans' }, factsList(data.content), linesTable(data.content)),
    h('p', { class: 'muted small' }, t('issuer'), ' ', h('span', { lang: 'zh-Hans' }, data.content.issuer)),
    h('p', { class: 'muted small' }, t('signer', { subject: data.signer.subject, serial: data.signer.serial })),
    h('p', { class: 'muted small' }, t('pdf_hash'), ' ', h('span', { class: 'hash' }, data.pdf_sha256)),
  );
}

async function lookup() {
  const ref = token();
  if (!ref) { shown = { state: 'none' }; draw(); return; }
  shown = { state: 'loading' };
  draw();
  try {
    const res = await fetch(`/api/v1/statements/${encodeURIComponent(ref)}`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (res.status === 404) shown = { state: 'missing' };
    else if (!res.ok) shown = { state: 'error' };
    else shown = { state: 'found', data: await res.json() };
  } catch {
    shown = { state: 'error' };
  }
  draw();
  if (shown.state === 'found') announce(shown.data.status === 'valid' ? t('genuine') : t('withdrawn'));
  document.body.dataset.ready = 'true';
}

function drawCheck() {
  const target = $('check-result');
  if (!checked) { target.replaceChildren(); return; }
  if (checked.error) { target.replaceChildren(h('div', { class: 'notice', role: 'alert' }, t(checked.error))); return; }
  const r = checked.result;
  const good = r.genuine && r.unaltered && r.status === 'valid';
  const heading = good ? t('check_good') : r.status === 'withdrawn' && r.genuine ? t('withdrawn') : t('check_bad');
  // replaceChildren would write a null as the text "null": only the parts there are.
  target.replaceChildren(...[
    verdict(good ? 'valid' : 'bad', heading, r.title ? h('span', { lang: 'zh-Hans' }, r.title) : null),
    r.reasons.length ? h('ul', { class: 'reasons', id: 'check-reasons' }, r.reasons.map((reason) => h('li', {}, t(`reason_${reason}`)))) : null,
    r.token && r.token !== token() ? h('p', {}, h('a', { href: `#${r.token}` }, t('open_statement'))) : null,
  ].filter(Boolean));
  target.querySelector('.verdict').id = 'check-verdict';
}

async function check(event) {
  event.preventDefault();
  const file = $('pdf').files[0];
  if (!file) return;
  if (file.size > 5 * 1024 * 1024) { checked = { error: 'check_too_large' }; drawCheck(); return; }
  checked = null;
  $('check-result').replaceChildren(h('p', { class: 'muted' }, t('checking')));
  try {
    const res = await fetch('/api/v1/statements/check', { method: 'POST', headers: { 'Content-Type': 'application/pdf', Accept: 'application/json' }, body: file });
    checked = res.ok ? { result: await res.json() } : { error: res.status === 429 ? 'check_busy' : 'check_failed' };
  } catch {
    checked = { error: 'check_failed' };
  }
  drawCheck();
  announce($('check-result').textContent);
}

function fillControls() {
  $('lang').replaceChildren(...LANGS.map((code) => h('option', { value: code, lang: code, selected: code === currentLang() }, t(`lang_${code}`))));
  $('elder').setAttribute('aria-pressed', String(elderMode()));
  document.title = t('title');
}

async function start() {
  applyElder();
  const asked = new URLSearchParams(location.search).get('lang');
  await (LANGS.includes(asked) ? setLang(asked) : initI18n());
  fillControls();
  $('lang').addEventListener('change', async (e) => { await setLang(e.target.value); fillControls(); draw(); drawCheck(); });
  $('elder').addEventListener('click', () => { setElderMode(!elderMode()); fillControls(); });
  $('check-form').addEventListener('submit', check);
  window.addEventListener('hashchange', lookup);
  await lookup();
}

start();
