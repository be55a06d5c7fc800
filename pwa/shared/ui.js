// DOM helpers: build elements, announce to screen readers, confirm with a modal <dialog>.

import { t } from './i18n.js';

// h('button', {class: 'x', onclick: f, 'aria-label': '...'}, 'text', child)
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Polite announcements through one live region, so screen readers hear status changes.
export function announce(message) {
  const region = document.getElementById('live');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 30);
}

// A modal confirmation that returns true/false; the native dialog traps focus and Esc cancels.
export function confirmDialog({ title, body, confirm, cancel = t('common.cancel'), danger = false }) {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId, text: title }),
      body ? h('p', { text: body }) : null,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn secondary', value: 'cancel', onclick: () => dialog.close('cancel') }, cancel),
        h('button', { type: 'button', class: danger ? 'btn danger' : 'btn primary', value: 'ok', onclick: () => dialog.close('ok') }, confirm)));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'ok'); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Moves focus to the new screen's heading so keyboard and reader users know the page changed.
export function focusHeading(root) {
  const heading = root.querySelector('h1, h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}
