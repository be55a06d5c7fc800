// The card's event history and "who accessed my data" (the verification record).

import { formatTime, has, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { EP } from '../endpoints.js';

function back() {
  return h('a', { class: 'btn secondary', href: '#/' }, t('common.back'));
}

function label(prefix, value) {
  return has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value;
}

async function load(app, path) {
  try {
    return { data: await app.api('GET', path) };
  } catch (err) {
    return { error: app.errorText(err) };
  }
}

export async function historyScreen(app) {
  const { data, error } = await load(app, EP.events);
  const items = data ? (Array.isArray(data) ? data : data.items || []) : [];
  return h('section', {},
    h('h1', {}, t('title.history')),
    back(),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    data && !items.length ? h('p', {}, t('history.empty')) : null,
    h('ul', { class: 'list', id: 'events' }, items.map((e) => h('li', { dataset: { action: e.action } },
      h('div', { class: 'grow' },
        h('strong', {}, label('event', e.action)),
        h('div', { class: 'muted' }, [
          formatTime(e.at),
          e.channel ? label('channel', e.channel) : null,
          e.office?.name || null,
        ].filter(Boolean).join(t('common.list_sep'))),
        e.to_state && e.from_state !== e.to_state ? h('div', {}, t('history.state_change', { from: label('card.state', e.from_state || '-'), to: label('card.state', e.to_state) })) : null,
        e.reason ? h('div', {}, t('history.reason', { reason: e.reason })) : null)))));
}

export async function accessScreen(app) {
  const { data, error } = await load(app, EP.verifications);
  const items = data ? data.items || [] : [];
  return h('section', {},
    h('h1', {}, t('title.access')),
    back(),
    h('p', {}, t('access.intro')),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    data && !items.length ? h('p', {}, t('access.empty')) : null,
    h('ul', { class: 'list', id: 'verifications' }, items.map((v) => h('li', { dataset: { result: v.result, offline: v.offline ? '1' : '0' } },
      h('div', { class: 'grow' },
        h('strong', {}, v.venue_name),
        h('div', {}, `${label('scenario', v.scenario)}${t('common.list_sep')}${label('result', v.result)}`),
        h('div', { class: 'muted' }, [formatTime(v.at), v.offline ? t('access.offline') : null].filter(Boolean).join(t('common.list_sep'))),
        h('div', {}, t('access.disclosed', {
          what: v.disclosed && v.disclosed.length ? v.disclosed.map((a) => label('attr', a)).join(t('common.list_sep')) : t('access.nothing'),
        })),
        v.presented_by ? h('div', { class: 'presented-by' }, t('access.presented_by', { name: v.presented_by.name })) : null,
        v.double_use ? h('div', { class: 'error' }, t('access.double_use')) : null)))));
}
