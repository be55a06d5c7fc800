// Console section: agencies' subscriptions (issue 19). Provincial operators see every agency's
// subscriptions with their state (a failing one holds its later deliveries behind a dead letter),
// open one to read its dead letters with the receiver's error, and replay from the first dead one.

import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, date, explain, label, messages, table } from './admin-kit.js';

const P = 'console.subscriptions';
const BASE = '/api/v1/subscriptions';

function stateBadge(state) {
  const tone = { active: 'status-ok', paused: 'status-muted', failing: 'status-bad' }[state] || 'status-muted';
  return h('span', { class: `badge ${tone}`, dataset: { state } }, label(`${P}.state`, state));
}

const types = (s) => s.event_types.map((e) => label(`${P}.type`, e)).join(' · ');

async function home(ctx) {
  const root = h('section', { class: 'adm-screen', 'data-screen': 'subscriptions' });
  root.append(h('h1', {}, t(`${P}.title`)), h('p', { class: 'hint' }, t(`${P}.intro`)));
  const msg = messages();
  let subs = [];
  try {
    subs = await ctx.api('GET', `${BASE}?limit=200`);
  } catch (err) {
    msg.fail(explain(ctx, err, P));
  }
  root.append(...msg.els, table({
    id: 'subscription-table',
    caption: t(`${P}.list.caption`, { n: subs.length }),
    empty: t(`${P}.list.empty`),
    rows: subs,
    rowKey: (s) => s.id,
    columns: [
      { label: t(`${P}.col.agency`), cell: (s) => `${s.agency_name} (${s.agency_code})` },
      { label: t(`${P}.col.description`), cell: (s) => s.description },
      { label: t(`${P}.col.types`), cell: types },
      { label: t(`${P}.col.delivery`), cell: (s) => (s.url ? h('code', { class: 'au-hash' }, s.url) : t(`${P}.pull_only`)) },
      { label: t(`${P}.col.state`), cell: (s) => stateBadge(s.state) },
      { label: t(`${P}.col.pending`), cell: (s) => String(s.pending) },
      { label: t(`${P}.col.dead`), cell: (s) => h('span', { dataset: { dead: String(s.dead) } }, String(s.dead)) },
      { label: t(`${P}.col.error`), cell: (s) => s.last_error || t(`${P}.no_error`) },
      {
        label: t(`${P}.col.actions`),
        cell: (s) => h('a', { class: 'btn secondary', href: `#/subscriptions/subscription?id=${encodeURIComponent(s.id)}`,
          'aria-label': t(`${P}.open_of`, { name: `${s.agency_name}: ${s.description}` }) }, t(`${P}.open`)),
      },
    ],
  }));
  return root;
}

async function subscriptionScreen(ctx, params) {
  const id = params.get ? params.get('id') : params.id;
  const root = h('section', { class: 'adm-screen', 'data-screen': 'subscription' });
  root.append(h('p', {}, h('a', { href: '#/subscriptions' }, t(`${P}.back`))));
  const msg = messages();
  let sub = null;
  let dead = [];
  try {
    sub = (await ctx.api('GET', `${BASE}?limit=200`)).find((s) => s.id === id) || null;
    dead = (await ctx.api('GET', `${BASE}/${encodeURIComponent(id)}/deliveries?state=dead&limit=200`)).items;
  } catch (err) {
    msg.fail(explain(ctx, err, P));
  }
  if (!sub) {
    root.append(h('h1', {}, t(`${P}.title`)), ...msg.els, h('p', { class: 'error', role: 'alert' }, t(`${P}.not_found`)));
    return root;
  }
  root.append(h('h1', {}, `${sub.agency_name}: ${sub.description}`),
    h('dl', { class: 'facts' },
      h('dt', {}, t(`${P}.col.state`)), h('dd', { id: 'subscription-state' }, stateBadge(sub.state)),
      h('dt', {}, t(`${P}.col.types`)), h('dd', {}, types(sub)),
      h('dt', {}, t(`${P}.col.delivery`)), h('dd', {}, sub.url ? h('code', { class: 'au-hash' }, sub.url) : t(`${P}.pull_only`)),
      h('dt', {}, t(`${P}.col.pending`)), h('dd', { id: 'subscription-pending' }, String(sub.pending)),
      h('dt', {}, t(`${P}.last_seq`)), h('dd', {}, String(sub.last_seq))));
  root.append(h('h2', {}, t(`${P}.dead.title`)), h('p', { class: 'hint' }, t(`${P}.dead.intro`)), table({
    id: 'dead-table',
    caption: t(`${P}.dead.caption`, { n: dead.length }),
    empty: t(`${P}.dead.empty`),
    rows: dead,
    rowKey: (d) => d.id,
    columns: [
      { label: t(`${P}.col.seq`), cell: (d) => String(d.seq) },
      { label: t(`${P}.col.type`), cell: (d) => label(`${P}.type`, d.type) },
      { label: t(`${P}.col.event_at`), cell: (d) => date(d.event_at) },
      { label: t(`${P}.col.attempts`), cell: (d) => String(d.attempts) },
      { label: t(`${P}.col.status`), cell: (d) => (d.last_status ? String(d.last_status) : '—') },
      { label: t(`${P}.col.error`), cell: (d) => h('span', { dataset: { error: '1' } }, d.last_error || '—') },
    ],
  }));
  const actions = h('div', { class: 'row actions' });
  if (dead.length && sub.url) {
    actions.append(h('button', { type: 'button', class: 'btn primary', id: 'replay', onclick: async () => {
      msg.clear();
      await busy(actions, async () => {
        try {
          const out = await ctx.api('POST', `${BASE}/${encodeURIComponent(id)}/replay`, {});
          msg.done(t(`${P}.replayed`, { n: out.requeued, seq: out.from_seq }));
          announce(t(`${P}.replayed`, { n: out.requeued, seq: out.from_seq }));
        } catch (err) { msg.fail(explain(ctx, err, P)); }
      });
    } }, t(`${P}.replay`)));
  }
  root.append(...msg.els, actions);
  return root;
}

export const section = {
  id: 'subscriptions',
  titleKey: 'console.subscriptions.title',
  // The operators' subscription routes answer provincial operators only.
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/subscriptions',
  screens: { '': home, subscription: subscriptionScreen },
};
