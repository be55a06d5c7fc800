// The public catalog page: the catalog of the province or a city, searchable, its change history,
// and the service-point directory, in Simplified Chinese, Traditional Chinese and English.

import { linkPhoneNumbers } from '/shared/chrome.js';
import { LANGS, currentLang, initI18n, setLang, t, useDictionary } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { LoadError, getJson } from './api.js';
import { label } from './format.js';
import { haystack, historyView, itemView, pointView } from './views.js';

useDictionary('/catalog/i18n'); // the page's own strings, not the wallet's and scanner's

const DOMAINS = ['social_insurance', 'hr', 'medical', 'transport', 'culture_tourism_sports', 'finance', 'identity', 'campus_enterprise_community'];
const SERVICES = ['apply', 'report_loss', 'lift_loss', 'replace', 'cancel', 'change_bank', 'ecard', 'social_insurance',
  'medical_insurance', 'hr_records', 'certificates', 'consultation', 'complaints'];
const TABS = ['catalog', 'history', 'points'];
const PAGE = 50;

const params = new URLSearchParams(location.search);
const state = {
  region: /^[0-9]{6}$/.test(params.get('region') || '') ? params.get('region') : '440000',
  q: params.get('q') || '',
  domain: DOMAINS.includes(params.get('domain')) ? params.get('domain') : '',
  regions: [],
  items: [],
  history: [],
  historyNext: null,
  points: [],
};
const $ = (id) => document.getElementById(id);

function keepInUrl() {
  const query = new URLSearchParams();
  if (state.region !== '440000') query.set('region', state.region);
  if (state.q) query.set('q', state.q);
  if (state.domain) query.set('domain', state.domain);
  if (currentLang() !== 'zh-Hans') query.set('lang', currentLang());
  history.replaceState(null, '', `${location.pathname}${query.toString() ? `?${query}` : ''}${location.hash}`);
}

function failure(target, retry) {
  target.replaceChildren(h('div', { class: 'notice', role: 'alert' }, t('error'), ' ',
    h('button', { type: 'button', class: 'btn secondary', onclick: retry }, t('retry'))));
}

function regionName(region) {
  if (region.province) return t('province');
  return currentLang() === 'en' ? region.name_en || region.name : region.name;
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  select.value = value;
}

function fillControls() {
  fillSelect($('lang'), LANGS.map((code) => [code, t(`lang_${code}`)]), currentLang());
  fillSelect($('region'), state.regions.map((r) => [r.code, regionName(r)]), state.region);
  fillSelect($('domain'), [['', t('domain_all')], ...DOMAINS.map((d) => [d, label('dom', d)])], state.domain);
  const cities = state.regions.filter((r) => !r.province);
  fillSelect($('sp-city'), [['', t('city_all')], ...cities.map((r) => [r.code, regionName(r)])], $('sp-city').value || '');
  fillSelect($('sp-service'), [['', t('service_all')], ...SERVICES.map((s) => [s, label('svc', s)])], $('sp-service').value || '');
  document.title = t('title');
}

// --- the catalog ----------------------------------------------------------------------------

async function loadCatalog() {
  $('items').replaceChildren(h('p', { class: 'muted' }, t('loading')));
  try {
    state.items = (await getJson('/api/v1/catalog', { region: state.region })).items;
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    failure($('items'), loadCatalog);
    return;
  }
  drawCatalog();
}

function drawCatalog() {
  // Filtering here rather than in the API: every keystroke answers at once, in every language.
  const words = state.q.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const byCode = new Map(state.items.map((i) => [i.code, i]));
  const shown = state.items.filter((i) => (!state.domain || i.domain === state.domain) && words.every((w) => haystack(i).includes(w)));
  $('count').textContent = t('count', { n: shown.length });
  $('items').replaceChildren(...(shown.length ? shown.map((i) => itemView(i, { regions: state.regions, byCode })) : [h('p', {}, t('none'))]));
}

// --- the change history ---------------------------------------------------------------------

async function loadHistory(more = false) {
  const offset = more ? state.historyNext : 0;
  if (!more) $('history').replaceChildren(h('li', { class: 'muted' }, t('loading')));
  try {
    const page = await getJson('/api/v1/catalog/history', { region: state.region, limit: PAGE, offset });
    state.history = more ? [...state.history, ...page.items] : page.items;
    state.historyNext = page.next_offset;
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    failure($('history'), () => loadHistory(more));
    return;
  }
  drawHistory();
}

function drawHistory() {
  const list = state.history.length ? state.history.map(historyView) : [h('li', {}, t('no_history'))];
  $('history').replaceChildren(...list);
  $('history-more').hidden = state.historyNext === null;
}

// --- the service points ---------------------------------------------------------------------

async function loadPoints() {
  $('points').replaceChildren(h('p', { class: 'muted' }, t('loading')));
  try {
    const query = { city_code: $('sp-city').value, service: $('sp-service').value, q: $('sp-q').value.trim(), limit: 100 };
    state.points = (await getJson('/api/v1/service-points', query)).items;
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    failure($('points'), loadPoints);
    return;
  }
  drawPoints();
}

function drawPoints() {
  $('points-count').textContent = t('points_count', { n: state.points.length });
  $('points').replaceChildren(...(state.points.length ? state.points.map(pointView) : [h('p', {}, t('no_points'))]));
}

// --- sections, language, wiring -------------------------------------------------------------

function showTab() {
  const tab = TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'catalog';
  for (const name of TABS) {
    $(`panel-${name}`).hidden = name !== tab;
    const link = $(`tab-${name}`);
    if (name === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (tab === 'history' && !state.history.length) loadHistory();
  if (tab === 'points' && !state.points.length) loadPoints();
}

async function changeLang(code) {
  await setLang(code);
  fillControls();
  drawCatalog();
  if (state.history.length) drawHistory();
  if (state.points.length) drawPoints();
  keepInUrl();
  announce(t('title'));
}

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

async function start() {
  // A link may name the language (?lang=en): it is then remembered like a choice made here;
  // otherwise the one chosen in any of the apps, else Simplified Chinese.
  const asked = params.get('lang');
  await (LANGS.includes(asked) ? setLang(asked) : initI18n());
  linkPhoneNumbers(document.body); // the 12333 hotline is a tel: link (issue 15)
  $('q').value = state.q;
  try {
    state.regions = (await getJson('/api/v1/catalog/regions')).items;
  } catch {
    state.regions = [{ code: '440000', name: '广东省', name_en: 'Guangdong', province: true }];
  }
  if (!state.regions.some((r) => r.code === state.region)) state.region = '440000';
  fillControls();
  $('lang').addEventListener('change', (e) => changeLang(e.target.value));
  $('region').addEventListener('change', (e) => {
    state.region = e.target.value;
    state.history = [];
    keepInUrl();
    loadCatalog();
    if (location.hash === '#history') loadHistory();
  });
  $('domain').addEventListener('change', (e) => { state.domain = e.target.value; keepInUrl(); drawCatalog(); announce($('count').textContent); });
  const search = debounce(() => { keepInUrl(); drawCatalog(); announce($('count').textContent); }, 150);
  $('q').addEventListener('input', (e) => { state.q = e.target.value.trim(); search(); });
  $('search-form').addEventListener('submit', (e) => e.preventDefault());
  $('history-more').addEventListener('click', () => loadHistory(true));
  $('points-form').addEventListener('submit', (e) => { e.preventDefault(); loadPoints(); });
  $('sp-city').addEventListener('change', loadPoints);
  $('sp-service').addEventListener('change', loadPoints);
  window.addEventListener('hashchange', showTab);
  showTab();
  await loadCatalog();
  document.body.dataset.ready = 'true'; // for the browser tests: first draw done
}

start();
