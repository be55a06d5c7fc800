// Building blocks of the console's administration sections (venues, catalog, registries):
// keyboard-usable tables, labelled form fields, check-box groups and error messages.
// Every visible string comes from the caller (translation keys); nothing here is literal text.

import { currentLang, has, t } from '/shared/i18n.js';
import { ApiError } from '/shared/api.js';
import { h } from '/shared/ui.js';

let seq = 0;
export const uid = (prefix) => `${prefix}-${++seq}`;

// A <table> with a caption and column headers inside a focusable scroll region (wide tables on a
// phone scroll sideways by keyboard too). columns: [{ label, cell(row) -> Node|string, key? }].
export function table({ caption, columns, rows, empty, id, rowKey }) {
  const captionId = uid('cap');
  if (!rows.length) {
    return h('div', { id }, h('p', { class: 'empty', id: captionId, 'data-empty': '1' }, empty || ''));
  }
  const el = h('table', {},
    h('caption', { id: captionId }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', rowKey ? { dataset: { key: rowKey(row) } } : {},
      columns.map((c, i) => {
        const value = c.cell(row);
        return i === 0 ? h('th', { scope: 'row' }, value ?? '') : h('td', {}, value ?? '');
      })))));
  return h('div', { class: 'table-wrap', id, role: 'region', tabindex: '0', 'aria-labelledby': captionId }, el);
}

// A labelled control: <div class="field"><label for=..>..</label>control<p hint></div>.
export function field(label, control, hint) {
  const id = control.id || uid('f');
  control.id = id;
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function input(props = {}) {
  return h('input', { type: 'text', autocomplete: 'off', ...props });
}

export function select(options, props = {}) {
  // options: [{ value, label }]
  return h('select', props, options.map((o) => h('option', { value: o.value, selected: o.selected || undefined }, o.label)));
}

// A group of check boxes with a legend; returns { el, values() }.
export function checkGroup(legend, name, options, checked = []) {
  const boxes = options.map((o) => {
    const id = uid(name);
    const box = h('input', { type: 'checkbox', id, name, value: o.value, checked: checked.includes(o.value) });
    return { box, el: h('label', { class: 'adm-check', for: id }, box, h('span', {}, o.label)) };
  });
  const el = h('fieldset', { class: 'adm-group' }, h('legend', {}, legend), boxes.map((b) => b.el));
  return { el, values: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value) };
}

export function checkbox(label, props = {}) {
  const id = props.id || uid('cb');
  const box = h('input', { type: 'checkbox', ...props, id });
  return { box, el: h('label', { class: 'adm-check', for: id }, box, h('span', {}, label)) };
}

// A place for a form's error (read out at once) and for its success message.
export function messages() {
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const ok = h('p', { class: 'success', role: 'status', hidden: true });
  return {
    error,
    ok,
    els: [error, ok],
    fail(text) { ok.hidden = true; error.textContent = text; error.hidden = false; },
    done(text) { error.hidden = true; ok.textContent = text; ok.hidden = false; },
    clear() { error.hidden = true; ok.hidden = true; },
  };
}

// The words for an API error: the section's own (`<prefix>.err.<code>`) first, then the shell's.
export function explain(ctx, err, prefix) {
  if (err instanceof ApiError) {
    const key = `${prefix}.err.${err.code}`;
    if (has(key)) return t(key, err.details || {});
    if (err.status === 422 && has(`${prefix}.err.invalid`)) return t(`${prefix}.err.invalid`);
  }
  return ctx.errorText ? ctx.errorText(err) : t(`${prefix}.err.generic`);
}

// A label for a code of a family (venue types, attributes...) that new codes show readably.
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : String(code).replace(/_/g, ' ');
}

// The catalog's and the directory's three-language texts ({"zh-Hans", "zh-Hant", "en"}).
export function local(text) {
  if (!text) return '';
  return text[currentLang()] || text['zh-Hans'] || '';
}

export function list(values) {
  return values.join(currentLang() === 'en' ? ', ' : '、');
}

export function date(value, withTime = true) {
  if (!value) return '';
  const opts = withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(currentLang(), { ...opts, timeZone: 'Asia/Shanghai' }).format(new Date(value));
}

// The city names of /api/v1/catalog/regions in the reader's language.
export function regionName(region) {
  if (!region) return '';
  return currentLang() === 'en' ? region.name_en : region.name;
}

// Disable a form's buttons while a call runs, so a double press sends once.
export async function busy(form, fn) {
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    return await fn();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// A section's sub-navigation: links to its screens, the current one marked.
export function subnav(labelText, links, current) {
  return h('nav', { class: 'adm-subnav', 'aria-label': labelText },
    h('ul', {}, links.map((l) => h('li', {},
      h('a', { href: `#/${l.route}`, class: 'btn secondary', 'aria-current': l.route === current ? 'page' : undefined }, l.label)))));
}
