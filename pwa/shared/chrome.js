// The top bar both apps share: app title, language choice and the elder-mode switch; and the
// service hotline as a tel: link wherever a screen mentions it.

import { LANGS, currentLang, has, setLang, t } from './i18n.js';
import { elderMode, setElderMode } from './prefs.js';
import { h } from './ui.js';

export function topBar(titleKey, ...extra) {
  const select = h('select', { id: 'lang-select', onchange: (e) => setLang(e.target.value) },
    LANGS.map((code) => h('option', { value: code, lang: code, selected: code === currentLang() }, t(`lang.${code}`))));
  const on = elderMode();
  // The switch says its state in words (not only aria-pressed or a colour): "长辈模式 开".
  const stateKey = on ? 'common.state_on' : 'common.state_off';
  const elder = h('button', {
    type: 'button', id: 'elder-toggle', class: 'btn ghost', 'aria-pressed': String(on), dataset: { state: on ? 'on' : 'off' },
    onclick: () => setElderMode(!elderMode()),
  }, h('span', {}, t('common.elder_mode')),
  has(stateKey) ? h('span', { class: 'toggle-state', id: 'elder-state', 'aria-hidden': 'true' }, t(stateKey)) : null);
  return h('header', { class: 'bar' },
    h('p', { class: 'title' }, t(titleKey)),
    h('label', { for: 'lang-select', class: 'visually-hidden' }, t('common.language')),
    select,
    elder,
    ...extra);
}

// The social security hotline; its number is the same in every language.
export const HOTLINE = '12333';
const HOTLINE_RE = new RegExp(`(?<![\\d-])${HOTLINE}(?!\\d)`);
const SKIP = new Set(['A', 'SCRIPT', 'STYLE', 'TEXTAREA', 'INPUT', 'SELECT', 'OPTION', 'TITLE']);

function linkText(node) {
  for (let el = node.parentElement; el; el = el.parentElement) {
    if (SKIP.has(el.tagName) || el.isContentEditable) return;
  }
  let text = node;
  let match = HOTLINE_RE.exec(text.data);
  while (match) {
    const rest = text.splitText(match.index);
    const after = rest.splitText(HOTLINE.length);
    rest.replaceWith(h('a', { href: `tel:${HOTLINE}`, class: 'tel' }, HOTLINE));
    text = after;
    match = HOTLINE_RE.exec(text.data);
  }
}

function linkAll(root) {
  if (root.nodeType === Node.TEXT_NODE) { if (root.data.includes(HOTLINE)) linkText(root); return; }
  if (root.nodeType !== Node.ELEMENT_NODE || SKIP.has(root.tagName)) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.data.includes(HOTLINE) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
  });
  const found = [];
  while (walker.nextNode()) found.push(walker.currentNode);
  found.forEach(linkText);
}

// Every "12333" that appears in `root`, now or later (screens draw from translations as plain
// text), becomes <a href="tel:12333">: one tap calls the hotline.
export function linkPhoneNumbers(root) {
  linkAll(root);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === 'characterData') linkAll(change.target);
      else change.addedNodes.forEach(linkAll);
    }
  }).observe(root, { childList: true, subtree: true, characterData: true });
}
