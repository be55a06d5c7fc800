// The top bar both apps share: app title, language choice and the elder-mode switch.

import { LANGS, currentLang, setLang, t } from './i18n.js';
import { elderMode, setElderMode } from './prefs.js';
import { h } from './ui.js';

export function topBar(titleKey, ...extra) {
  const select = h('select', { id: 'lang-select', onchange: (e) => setLang(e.target.value) },
    LANGS.map((code) => h('option', { value: code, lang: code, selected: code === currentLang() }, t(`lang.${code}`))));
  const elder = h('button', {
    type: 'button', id: 'elder-toggle', class: 'btn ghost', 'aria-pressed': String(elderMode()),
    onclick: () => setElderMode(!elderMode()),
  }, t('common.elder_mode'));
  return h('header', { class: 'bar' },
    h('p', { class: 'title' }, t(titleKey)),
    h('label', { for: 'lang-select', class: 'visually-hidden' }, t('common.language')),
    select,
    elder,
    ...extra);
}
