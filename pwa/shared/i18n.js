// Translations: every visible string comes from /shared/i18n/<lang>.json (or a page's own folder); the choice is remembered.

export const LANGS = ['zh-Hans', 'zh-Hant', 'en'];
export const DEFAULT_LANG = 'zh-Hans'; // the regulation's public is mainland Guangdong first
const KEY = 'yk.lang';

let lang = DEFAULT_LANG;
let strings = {};
const fallback = {};
// The wallet and scanner share /shared/i18n/; a page with a dictionary of its own (the public
// catalog, which needs none of the apps' strings) names its folder before the first setLang.
let folder = '/shared/i18n';
// Screens added by one feature keep their strings in a folder of their own (for example
// /wallet/i18n/family/<lang>.json), merged over the main dictionary, so features never edit
// one shared file at the same time.
const extras = [];

export function useDictionary(path) {
  folder = path;
}

export function addDictionaries(...paths) {
  for (const path of paths) if (!extras.includes(path)) extras.push(path);
}

export function currentLang() {
  return lang;
}

function stored() {
  try {
    const value = localStorage.getItem(KEY);
    return LANGS.includes(value) ? value : null;
  } catch {
    return null;
  }
}

async function fetchStrings(code) {
  const res = await fetch(`${folder}/${code}.json`);
  if (!res.ok) throw new Error(`missing translation ${code}`);
  const merged = await res.json();
  const parts = await Promise.all(
    extras.map((path) => fetch(`${path}/${code}.json`).then((r) => (r.ok ? r.json() : {})).catch(() => ({}))),
  );
  for (const part of parts) Object.assign(merged, part);
  return merged;
}

// The browser's own preference when the holder has not chosen: Hong Kong, Macao and Taiwan
// (zh-HK, zh-MO, zh-TW, zh-Hant) read traditional characters, other Chinese simplified, and
// any other language English.
export function browserLang(languages = navigator.languages?.length ? navigator.languages : [navigator.language]) {
  for (const raw of languages) {
    const tag = String(raw || '').toLowerCase();
    if (!tag) continue;
    if (/^zh-(hk|mo|tw|hant)/.test(tag)) return 'zh-Hant';
    if (tag.startsWith('zh')) return 'zh-Hans';
    if (tag.startsWith('en')) return 'en';
  }
  return DEFAULT_LANG;
}

// Loads the remembered language (or the browser's) before the first screen is drawn.
export async function initI18n() {
  await setLang(stored() || browserLang(), { remember: false });
}

export async function setLang(code, { remember = true } = {}) {
  if (!LANGS.includes(code)) code = DEFAULT_LANG;
  strings = await fetchStrings(code);
  if (!Object.keys(fallback).length && code !== DEFAULT_LANG) {
    Object.assign(fallback, await fetchStrings(DEFAULT_LANG).catch(() => ({})));
  }
  lang = code;
  // A Hong Kong or Macao reader gets zh-HK on the page (fonts, screen readers), not zh-TW.
  const hongKong = code === 'zh-Hant' && /^zh-(hk|mo)/i.test(navigator.language || '');
  document.documentElement.lang = hongKong ? 'zh-HK' : code;
  if (remember) {
    try { localStorage.setItem(KEY, code); } catch { /* private mode: the choice lasts this visit */ }
  }
  applyStatic(document);
  document.dispatchEvent(new CustomEvent('yk:lang', { detail: code }));
}

// t('card.status', {n: 3}) -> the string with {n} replaced; an unknown key shows itself so a
// missing translation is visible in review screenshots rather than silently blank.
export function t(key, vars = {}) {
  const text = strings[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function has(key) {
  return key in strings;
}

// <x data-i18n="key"> gets its text; data-i18n-attr="aria-label:key;title:key2" its attributes.
export function applyStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

export function formatTime(value, { date = true, time = true } = {}) {
  if (value === null || value === undefined || value === '') return t('common.unknown');
  const d = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const opts = {};
  if (date) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' });
  if (time) Object.assign(opts, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return new Intl.DateTimeFormat(lang, opts).format(d);
}

// "3 minutes ago" in the chosen language (the lists' age on the scanner).
export function formatAge(seconds) {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return rtf.format(-s, 'second');
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), 'hour');
  return rtf.format(-Math.floor(s / 86400), 'day');
}
