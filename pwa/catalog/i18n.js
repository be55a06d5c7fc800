// Translations of the catalog page (./i18n/<lang>.json); the language choice is shared with the other apps.

export const LANGS = ['zh-Hans', 'zh-Hant', 'en'];
const KEY = 'yk.lang'; // the wallet and scanner remember the language under the same key
const TZ = 'Asia/Shanghai'; // dates of the catalog are Guangdong's

let lang = 'zh-Hans';
let strings = {};

export function currentLang() {
  return lang;
}

// The language from ?lang=, else the remembered one, else Simplified Chinese.
export function initialLang() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(asked)) return asked;
  try {
    const saved = localStorage.getItem(KEY);
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage blocked: use the default */ }
  return 'zh-Hans';
}

export async function setLang(code) {
  if (!LANGS.includes(code)) code = 'zh-Hans';
  const res = await fetch(`/catalog/i18n/${code}.json`);
  if (!res.ok) throw new Error(`missing translation ${code}`);
  strings = await res.json();
  lang = code;
  document.documentElement.lang = code;
  try { localStorage.setItem(KEY, code); } catch { /* private mode: lasts this visit */ }
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-placeholder]')) el.placeholder = t(el.dataset.tPlaceholder);
}

// An unknown key shows itself, so a missing translation is visible rather than blank.
export function t(key, vars = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// A label for a code from a family (venue types, attributes...): new codes the catalog brings
// in later show readably until they are translated.
export function label(prefix, code) {
  const key = `${prefix}_${code}`;
  return key in strings ? strings[key] : code.replace(/_/g, ' ');
}

// The catalog's own texts come in the three languages: {"zh-Hans", "zh-Hant", "en"}.
export function local(text) {
  if (!text) return '';
  return text[lang] || text['zh-Hans'] || '';
}

// How lists are separated: the enumeration comma in Chinese, a comma and space in English.
export function sep() {
  return lang === 'en' ? ', ' : '、';
}

export function formatDate(value) {
  if (!value) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: TZ }).format(new Date(value));
}

export function weekday(day) {
  // 2024-01-01 was a Monday: day 1..7 -> Monday..Sunday.
  return new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, day)));
}
