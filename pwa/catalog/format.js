// How the catalog words its data in the chosen language: labels for codes, its three-language texts, lists, dates.

import { currentLang, has, t } from '/shared/i18n.js';

const TZ = 'Asia/Shanghai'; // dates of the catalog are Guangdong's

// A label for a code from a family (venue types, attributes...): new codes the catalog brings
// in later show readably until they are translated.
export function label(prefix, code) {
  const key = `${prefix}_${code}`;
  return has(key) ? t(key) : code.replace(/_/g, ' ');
}

// The catalog's own texts come in the three languages: {"zh-Hans", "zh-Hant", "en"}.
export function local(text) {
  if (!text) return '';
  return text[currentLang()] || text['zh-Hans'] || '';
}

// How lists are separated: the enumeration comma in Chinese, a comma and space in English.
export function sep() {
  return currentLang() === 'en' ? ', ' : '、';
}

export function formatDate(value) {
  if (!value) return '';
  return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'medium', timeZone: TZ }).format(new Date(value));
}

export function weekday(day) {
  // 2024-01-01 was a Monday: day 1..7 -> Monday..Sunday.
  return new Intl.DateTimeFormat(currentLang(), { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, day)));
}
