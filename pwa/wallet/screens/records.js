// The card's event history and "who accessed my data" (the verification record).

import { formatTime, has, t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { bilingual, fieldName, typeName } from './service-labels.js';

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

// "谁查看了我的信息" (issue 15): the whole access record, newest first. Venue scans come from
// /me/verifications (venue, scenario, offline, who showed the code, repeats by the same scanner);
// everything else (staff look-ups, agency queries, certificate issuance, audits) from
// /me/access-records, whose own verification entries are left out so no scan shows twice.
const PAGE = 20;
const SCAN_ACTIONS = /^verification(\.|$)/;

// A label from a family of keys (the record's actor kinds and actions), or the value itself.
function named(family, value) {
  const key = family + value;
  return has(key) ? t(key) : value;
}

function whatSeen(name) {
  // A named field first: only then `certificate.<type>.<field>`, which a dotted name could also match.
  if (has(`svc.what.${name}`)) return t(`svc.what.${name}`);
  const cert = /^certificate\.([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(name);
  if (cert) {
    const field = cert[2] === 'status' ? t('svc.cert.status') : fieldName(cert[2]);
    return t('svc.access.cert_field', { type: typeName(cert[1]), field });
  }
  return label('attr', name);
}

function seenLine(names) {
  return t('access.disclosed', {
    what: names && names.length ? names.map(whatSeen).join(t('common.list_sep')) : t('access.nothing'),
  });
}

// One stream of the record: a page at a time, with the cursor its API gives.
function stream(app, path, keep = () => true) {
  const s = { buf: [], cursor: null, done: false, error: null };
  s.fill = async () => {
    while (!s.buf.length && !s.done) {
      const page = await app.api('GET', `${path}?limit=${PAGE}${s.cursor != null ? `&before=${encodeURIComponent(s.cursor)}` : ''}`);
      s.buf.push(...(page.items || []).filter(keep));
      s.cursor = page.next_before ?? null;
      s.done = s.cursor == null;
    }
  };
  return s;
}

function scanItem(v) {
  const repeats = Number(v.repeats || 0);
  return h('li', { class: 'access-item', dataset: { kind: 'venue', result: v.result, offline: v.offline ? '1' : '0', repeats: String(repeats) } },
    h('div', { class: 'grow' },
      h('p', { class: 'access-kind' }, t('svc.access.kind.venue')),
      h('strong', { class: 'access-who' }, v.venue_name),
      h('div', { class: 'access-why' }, t('svc.access.why', { why: t('svc.access.scan_why', { scenario: label('scenario', v.scenario) }) })),
      h('div', { class: 'access-result' }, label('result', v.result)),
      h('div', { class: 'access-what' }, seenLine(v.disclosed)),
      h('div', { class: 'muted access-when' }, [formatTime(v.at), v.offline ? t('access.offline') : null].filter(Boolean).join(t('common.list_sep'))),
      repeats > 0 ? h('div', { class: 'access-repeats' }, t('svc.access.repeats', { n: repeats })) : null,
      v.presented_by ? h('div', { class: 'presented-by' }, t('access.presented_by', { name: v.presented_by.name })) : null,
      v.double_use ? h('div', { class: 'error' }, t('access.double_use')) : null));
}

function recordItem(r, consents) {
  const consent = r.basis_kind === 'consent' ? consents.get(r.basis_ref) : null;
  let why;
  if (consent) {
    why = t('svc.access.basis.consent_of', { purpose: consent.purpose, date: formatTime(consent.granted_at, { time: false }) });
  } else if (has(`svc.access.basis.${r.basis_kind}`)) {
    // The statute or regulation is worth reading; a code's or consent's internal id is not. A site
    // you signed in to names, beside your consent, the law that let it ask for your identity.
    const worded = !['consent', 'presented_code'].includes(r.basis_kind) || r.actor_kind === 'relying_party';
    const ref = r.basis_ref && worded ? t('svc.access.basis_ref', { ref: r.basis_ref }) : '';
    why = t(`svc.access.basis.${r.basis_kind}`) + ref;
  } else {
    why = r.basis_ref || r.basis_kind;
  }
  const refused = r.result && r.result !== 'ok';
  return h('li', { class: 'access-item', dataset: { kind: r.actor_kind, action: r.action, result: r.result, basis: r.basis_kind } },
    h('div', { class: 'grow' },
      h('p', { class: 'access-kind' }, named('svc.access.kind.', r.actor_kind)),
      h('strong', { class: 'access-who' }, r.actor_name ? bilingual(r.actor_name) : t('svc.access.kind.system')),
      h('div', { class: 'access-action' }, named('svc.access.action.', r.action)),
      // An agency states its own purpose; for our own actions the action says it in the reader's language.
      r.purpose && (r.actor_kind === 'agency' || !has(`svc.access.action.${r.action}`))
        ? h('div', { class: 'access-purpose' }, t('svc.access.purpose', { purpose: r.purpose })) : null,
      h('div', { class: 'access-why' }, t('svc.access.why', { why })),
      h('div', { class: 'access-what' }, seenLine(r.fields)),
      refused ? h('div', { class: 'error access-refused' }, t(`svc.access.result.${r.result}`)) : null,
      h('div', { class: 'muted access-when' }, formatTime(r.at))));
}

export async function accessScreen(app) {
  const root = h('section', { class: 'services', id: 'access' }, h('h1', {}, t('title.access')), back());
  const list = h('ul', { class: 'list access-list', id: 'verifications' }); // the id earlier tests name
  const error = h('p', { class: 'error', role: 'alert', id: 'access-error', hidden: true });
  const more = h('button', { type: 'button', class: 'btn secondary block', id: 'access-more', hidden: true }, t('svc.load_more'));
  const scans = stream(app, EP.verifications);
  const others = stream(app, EP.accessRecords, (r) => !SCAN_ACTIONS.test(r.action));
  const consents = new Map();
  try {
    for (const c of await app.api('GET', EP.consents)) consents.set(String(c.id), c);
  } catch { /* the consent's purpose is a nicety: the record still says "consent" */ }

  const at = (x) => Date.parse(x.at) || 0;
  async function loadMore() {
    more.disabled = true;
    error.hidden = true;
    const items = [];
    try {
      while (items.length < PAGE) {
        await Promise.all([scans.fill(), others.fill()]);
        const a = scans.buf[0];
        const b = others.buf[0];
        if (!a && !b) break;
        if (a && (!b || at(a) >= at(b))) items.push(scanItem(scans.buf.shift()));
        else items.push(recordItem(others.buf.shift(), consents));
      }
    } catch (err) {
      error.textContent = app.errorText(err);
      error.hidden = false;
    }
    list.append(...items);
    const first = !list.dataset.loaded;
    list.dataset.loaded = '1';
    if (first && !list.children.length && error.hidden) list.append(h('li', { id: 'access-empty' }, t('svc.access.empty')));
    more.hidden = !(scans.buf.length || others.buf.length || !scans.done || !others.done);
    more.disabled = false;
    if (!first && items.length) announce(t('svc.access.loaded', { n: items.length }));
  }
  more.addEventListener('click', loadMore);
  await loadMore();
  root.append(h('p', {}, t('svc.access.intro')), error, list, more);
  return root;
}
