// Drawing the catalog's items, its change history and the service-point directory.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { formatDate, label, local, sep, weekday } from './format.js';

// Everything a visitor might type to find an item, in every language and in the current one.
export function haystack(item) {
  const parts = [item.code, label('dom', item.domain), ...Object.values(item.name), ...Object.values(item.description)];
  for (const vt of item.venue_types) parts.push(vt, label('vt', vt));
  for (const s of item.scenarios) {
    parts.push(s.name, ...Object.values(s.title), ...s.attributes.map((a) => label('attr', a)));
  }
  return parts.join(' ').toLocaleLowerCase();
}

function scopeBadge(item, regions) {
  if (item.scope === '440000') return h('span', { class: 'badge province' }, t('scope_province'));
  const region = regions.find((r) => r.code === item.scope);
  const city = region ? (document.documentElement.lang === 'en' ? region.name_en : region.name) : item.scope;
  return h('span', { class: 'badge city' }, t('scope_city', { city }));
}

function scenarioView(s) {
  const seen = s.offline_attributes.length ? s.offline_attributes.map((a) => label('attr', a)).join(sep()) : t('nothing_personal');
  const offline = s.offline === false ? t('online_only') : seen; // online only: it asks more proofing than offline shows
  return h('li', { class: 'scenario', 'data-scenario': s.name },
    h('h4', {}, local(s.title)),
    h('dl', { class: 'facts' },
      h('dt', {}, t('discloses')), h('dd', {}, s.attributes.map((a) => label('attr', a)).join(sep())),
      h('dt', {}, t('offline')), h('dd', {}, offline),
      h('dt', {}, t('assurance')), h('dd', { 'data-assurance': String(s.min_assurance ?? 1) }, label('assurance', String(s.min_assurance ?? 1))),
      h('dt', {}, t('venues')), h('dd', {}, s.venue_types.map((vt) => label('vt', vt)).join(sep())),
      h('dt', {}, t('legal_basis')), h('dd', {}, s.legal_basis)),
    s.needs_transport ? h('p', { class: 'note' }, t('needs_transport')) : null);
}

export function itemView(item, { regions, byCode }) {
  const base = item.extends ? byCode.get(item.extends) : null;
  const titleId = `item-${item.code.replace(/[^a-z0-9]/g, '-')}`;
  return h('article', { class: item.extends ? 'item extension' : 'item', 'aria-labelledby': titleId, 'data-code': item.code },
    h('h3', { id: titleId }, local(item.name)),
    h('p', { class: 'badges' },
      h('span', { class: 'badge domain' }, label('dom', item.domain)),
      scopeBadge(item, regions),
      base ? h('span', { class: 'badge' }, t('extends', { name: local(base.name) })) : null,
      h('span', { class: 'badge muted' }, t('version', { n: item.version }))),
    local(item.description) ? h('p', {}, local(item.description)) : null,
    h('p', { class: 'muted' },
      t('effective_from', { date: formatDate(item.effective_from) }),
      item.effective_to ? ` · ${t('effective_to', { date: formatDate(item.effective_to) })}` : ''),
    h('p', {}, h('strong', {}, t('venues')), ' ', item.venue_types.map((vt) => label('vt', vt)).join(sep())),
    item.scenarios.length ? h('section', { 'aria-label': t('scenarios') }, h('ul', { class: 'scenarios' }, item.scenarios.map(scenarioView))) : null);
}

export function historyView(event) {
  const what = event.event === 'published' ? t('ev_published', { n: event.version }) : t('ev_withdrawn', { n: event.version });
  const when = event.event === 'published' ? t('takes_effect', { date: formatDate(event.effective) }) : t('ends', { date: formatDate(event.effective) });
  return h('li', { class: `event ${event.event}`, 'data-code': event.item_code },
    h('p', {}, h('strong', {}, local(event.name)), ` — ${what}`),
    h('p', { class: 'muted' }, `${when} · ${t('decided', { date: formatDate(event.at) })}`),
    event.note ? h('p', {}, event.note) : null);
}

function hoursText(hours) {
  return hours.map((x) => `${x.days.map(weekday).join(' ')} ${x.opens}–${x.closes}`).join(sep() === ', ' ? '; ' : '；');
}

export function pointView(p) {
  const titleId = `sp-${p.id}`;
  return h('article', { class: 'point', 'aria-labelledby': titleId, 'data-id': p.id },
    h('h3', { id: titleId }, local(p.name)),
    h('p', { class: 'badges' }, h('span', { class: 'badge' }, t(`kind_${p.kind}`))),
    h('p', {}, local(p.address)), // the address names the district in each language
    h('dl', { class: 'facts' },
      h('dt', {}, t('hours')), h('dd', {}, hoursText(p.opening_hours), local(p.hours_note) ? ` (${local(p.hours_note)})` : ''),
      p.phone ? [h('dt', {}, t('phone')), h('dd', {}, h('a', { href: `tel:${p.phone.replace(/[^0-9+]/g, '')}` }, p.phone))] : null,
      h('dt', {}, t('services_offered')), h('dd', {}, p.services.map((s) => label('svc', s)).join(sep())),
      p.facilities.length ? [h('dt', {}, t('facilities')), h('dd', {}, p.facilities.map((f) => label('fac', f)).join(sep()))] : null));
}
