// Names the wallet's service screens (certificates, consents, tickets, access record) share:
// certificate types, fields and values, agencies and regions in the reader's language, and small
// pieces of layout. Registry names come as "中文 English"; our dictionaries name the known ones,
// and anything else is split at the first Latin word.

import { currentLang, formatTime, has, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

// "广东省民政厅老龄工作办公室 Office on Ageing, Civil Affairs" -> the part for this language.
export function bilingual(text) {
  const value = String(text || '');
  const m = value.match(/^(.*[\u3400-\u9fff\uf900-\ufaff）)][^A-Za-z]*?)\s+([A-Za-z].*)$/);
  if (!m) return value;
  return currentLang() === 'en' ? m[2].trim() : m[1].trim();
}

function named(key, fallback) {
  return has(key) ? t(key) : bilingual(fallback);
}

export const typeName = (code, apiName) => named(`svc.type.${code}`, apiName || code);
export const agencyName = (code, apiName) => named(`svc.agency.${code}`, apiName || code);

export function fieldName(field) {
  return has(`svc.field.${field}`) ? t(`svc.field.${field}`) : field;
}

export function fieldValue(field, value) {
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  const key = `svc.value.${field}.${value}`;
  return has(key) ? t(key) : String(value);
}

export function regionName(region) {
  if (!region) return '';
  return currentLang() === 'en' ? region.name_en || region.name : region.name;
}

export function localText(text) {
  if (!text) return '';
  if (typeof text === 'string') return text;
  return text[currentLang()] || text['zh-Hans'] || text.en || '';
}

export const dateOnly = (value) => formatTime(value, { time: false });

export function label(prefix, value) {
  return has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value;
}

export function back(href = '#/', key = 'common.back') {
  return h('a', { class: 'btn secondary', href }, t(key));
}

// The query of the hash (#/tickets?id=...), which the router ignores.
export function hashParams() {
  const query = location.hash.split('?')[1] || '';
  return new URLSearchParams(query);
}

export function errorBox(id) {
  return h('p', { id, class: 'error', role: 'alert', hidden: true });
}

export function showError(box, text) {
  box.textContent = text;
  box.hidden = false;
}
