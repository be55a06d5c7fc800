// Wallet screen: cases about my card (issue 20, Art. 19). The list; one case with what was decided,
// the evidence about this card in plain words, the history (staff named by office, never by name),
// a response form while the case is open and an appeal form until the deadline.
// #/cases lists them; #/cases?id=<id> is one case; #/cases?number=<YKC-...> (from a notice) finds it.

import { currentLang, formatTime, t } from '/shared/i18n.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { withStepUp } from '../stepup.js';
import { back, bilingual, dateOnly, errorBox, hashParams, label, showError } from './service-labels.js';

const PAGE = 50;
const NUMBER = /^YK[A-Z]-\d{4}-[0-9A-F]{8}$/;

// A notice about a case leads to it (by its printed number: the notice keeps nothing else).
export function caseLink(notice, title) {
  if (!notice.event?.startsWith('enforcement.')) return null;
  const number = notice.params?.case;
  const href = typeof number === 'string' && NUMBER.test(number) ? `#/cases?number=${encodeURIComponent(number)}` : '#/cases';
  return h('a', { class: 'btn secondary notice-open', href, 'aria-label': t('cases.open_of', { title }) }, t('cases.open'));
}

// The facts a case notice words (its number).
export function caseVars(p) {
  return { case: typeof p.case === 'string' ? p.case : '' };
}

// A word of one of the case's vocabularies (state, kind, decision, appeal, signal, step), or the value itself.
function word(family, value) {
  return label(`cases.${family}`, value);
}

function stateBadge(state) {
  return h('span', { class: `svc-badge ${state}`, dataset: { state } }, word('state', state));
}

function place(city) {
  if (!city) return '';
  return currentLang() === 'en' ? city.name_en || city.name : city.name;
}

function field(id, key, control, hintKey) {
  return h('div', { class: 'field' },
    h('label', { for: id }, t(key)),
    hintKey ? h('p', { class: 'hint', id: `${id}-hint` }, t(hintKey)) : null,
    control);
}

export async function casesScreen(app) {
  const params = hashParams();
  if (params.get('id')) return caseScreen(app, params.get('id'));
  return listScreen(app, params.get('number'));
}

async function listScreen(app, number) {
  const root = h('section', { class: 'services', id: 'cases' }, h('h1', {}, t('title.cases')), back());
  let page;
  try {
    page = await app.api('GET', `${EP.myCases}?limit=${PAGE}&offset=0`);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert', id: 'cases-error' }, app.errorText(err)));
    return root;
  }
  if (number) {
    // From a notice: straight to the case it names (a case of this holder's, or the list).
    const found = page.items.find((c) => c.number === number);
    if (found) return caseScreen(app, found.id);
  }
  root.append(h('p', { id: 'cases-intro' }, t('cases.intro')));
  const list = h('ul', { class: 'list svc-list', id: 'case-list', 'aria-label': t('cases.list') });
  if (!page.items.length) list.append(h('li', { id: 'cases-empty' }, t('cases.empty')));
  list.append(...page.items.map((c) => h('li', { id: `case-${c.id}`, dataset: { case: c.id, state: c.state, kind: c.kind } },
    h('div', { class: 'grow' },
      h('h2', { class: 'svc-item-title' },
        h('a', { href: `#/cases?id=${encodeURIComponent(c.id)}`, class: 'case-open' }, word('kind', c.kind)), ' ', stateBadge(c.state)),
      h('p', { class: 'muted' }, [
        t('cases.number_is', { number: c.number }),
        t('cases.opened_on', { date: dateOnly(c.opened_at) }),
        c.decision ? word('decision', c.decision) : null,
      ].filter(Boolean).join(t('common.list_sep')))))));
  root.append(list);
  return root;
}

// What the evidence says, in plain words: the pattern, the measure, the uses of this card.
function evidenceBox(evidence) {
  const list = h('ul', { class: 'list', id: 'case-evidence' });
  if (!evidence.length) list.append(h('li', { id: 'case-evidence-none' }, t('cases.evidence.none')));
  evidence.forEach((ev, i) => {
    const facts = [];
    if (ev.distance_km != null) facts.push(t('cases.evidence.distance', { km: Math.round(ev.distance_km) }));
    if (ev.speed_kmh != null) facts.push(t('cases.evidence.speed', { kmh: Math.round(ev.speed_kmh) }));
    const uses = h('ol', { class: 'case-uses', 'aria-label': t('cases.evidence.uses') },
      ev.uses.map((u) => h('li', { class: 'case-use', dataset: { result: u.result, scenario: u.scenario } },
        h('strong', {}, formatTime(u.at)), t('common.list_sep'),
        [bilingual(u.venue), place(u.city), label('scenario', u.scenario), label('result', u.result), u.offline ? t('cases.evidence.offline') : null]
          .filter(Boolean).join(t('common.list_sep')))));
    list.append(h('li', { class: 'case-signal', dataset: { kind: ev.kind }, id: `case-signal-${i}` },
      h('div', { class: 'grow' },
        h('h3', {}, word('signal', ev.kind)),
        h('p', {}, word('signal_why', ev.kind)),
        h('p', { class: 'muted' }, t('cases.evidence.window', { from: formatTime(ev.window_start), to: formatTime(ev.window_end) })),
        facts.length ? h('p', { class: 'case-measure' }, facts.join(t('common.list_sep'))) : null,
        ev.uses.length ? uses
          : ev.venues.length ? h('p', {}, t('cases.evidence.venues', { venues: ev.venues.map(bilingual).join(t('common.list_sep')) })) : null)));
  });
  return list;
}

function who(step) {
  if (step.by === 'you') return t('cases.by.you');
  if (step.by === 'system') return t('cases.by.system');
  const office = bilingual(step.office);
  const city = place(step.city);
  if (office && city) return t('cases.by.staff_of', { office, city });
  if (office || city) return t('cases.by.staff_of_one', { office: office || city });
  return t('cases.by.staff');
}

function historyBox(steps) {
  return h('ol', { class: 'thread', id: 'case-history', 'aria-label': t('cases.history') },
    steps.map((s) => h('li', { class: `msg ${s.by === 'you' ? 'submitter' : 'staff'}`, dataset: { action: s.action, by: s.by } },
      h('p', { class: 'msg-who' }, who(s), t('common.list_sep'), formatTime(s.at)),
      h('p', {}, h('strong', {}, word('step', s.action)),
        s.to_state !== s.from_state && s.from_state ? ` (${word('state', s.to_state)})` : ''),
      s.note ? h('p', { class: 'msg-body' }, s.note) : null)));
}

function decisionFacts(c) {
  const rows = [
    ['cases.number', h('span', { id: 'case-number' }, c.number)],
    ['cases.state_label', stateBadge(c.state)],
    ['cases.opened', formatTime(c.opened_at)],
    c.city ? ['cases.city', place(c.city)] : null,
    c.decision ? ['cases.decision_label', h('span', { id: 'case-decision' }, word('decision', c.decision))] : null,
    c.fine_yuan != null ? ['cases.fine', h('span', { id: 'case-fine' }, t('cases.fine_amount', { amount: c.fine_yuan.toLocaleString(currentLang()) }))] : null,
    c.correction_deadline ? ['cases.deadline', dateOnly(c.correction_deadline)] : null,
    c.decided_at ? ['cases.decided', formatTime(c.decided_at)] : null,
    c.decision_reason ? ['cases.reason', c.decision_reason] : null,
    c.appeal ? ['cases.appeal_label', h('span', { id: 'case-appeal-state' }, word('appeal', c.appeal))] : null,
  ].filter(Boolean);
  return h('dl', { class: 'facts', id: 'case-facts' }, rows.flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value)]));
}

async function caseScreen(app, id) {
  const root = h('section', { class: 'services', id: 'case' });
  let kase;
  try {
    kase = await app.api('GET', EP.myCase(id));
  } catch (err) {
    root.append(h('h1', {}, t('title.cases')), back('#/cases', 'cases.back'), h('p', { class: 'error', role: 'alert', id: 'case-error' }, app.errorText(err)));
    return root;
  }
  const status = h('p', { id: 'case-status', class: 'notice', role: 'status', hidden: true });
  const body = h('div', { id: 'case-body' });
  const say = (text) => { status.textContent = text; status.hidden = false; announce(text); };

  function draw(c) {
    kase = c;
    root.dataset.state = c.state;
    root.dataset.appeal = c.appeal;
    clear(body).append(
      decisionFacts(c),
      h('section', { 'aria-labelledby': 'case-evidence-title' },
        h('h2', { id: 'case-evidence-title' }, t('cases.evidence.title')),
        h('p', { class: 'hint' }, t('cases.evidence.intro')),
        evidenceBox(c.evidence)),
      h('section', { 'aria-labelledby': 'case-history-title' },
        h('h2', { id: 'case-history-title' }, t('cases.history')),
        historyBox(c.steps)),
      c.can_respond ? respondForm() : h('p', { class: 'hint', id: 'case-closed' }, t('cases.closed_note')),
      ...[appealBox(c)].filter(Boolean)); // append() would write a null out as text
  }

  function respondForm() {
    const text = h('textarea', { id: 'case-response', name: 'text', maxlength: 2000, rows: 4, 'aria-describedby': 'case-response-hint' });
    const error = errorBox('case-response-error');
    const send = h('button', { type: 'submit', class: 'btn primary', id: 'case-response-send' }, t('cases.respond.send'));
    const form = h('form', { id: 'case-response-form', novalidate: true, 'aria-labelledby': 'case-response-title' },
      h('h2', { id: 'case-response-title' }, t('cases.respond.title')),
      field('case-response', 'cases.respond.label', text, 'cases.respond.hint'),
      error, send);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!text.value.trim()) { showError(error, t('cases.respond.need_text')); text.focus(); return; }
      send.disabled = true;
      try {
        draw(await app.api('POST', EP.myCaseResponses(kase.id), { text: text.value.trim() }));
        say(t('cases.respond.sent'));
      } catch (err) {
        showError(error, app.errorText(err));
        send.disabled = false;
      }
    });
    return form;
  }

  function appealBox(c) {
    const box = h('section', { id: 'case-appeal', 'aria-labelledby': 'case-appeal-title' }, h('h2', { id: 'case-appeal-title' }, t('cases.appeal.title')));
    if (c.appeal) {
      // lodged, upheld or overturned: one appeal per decision
      box.append(h('p', { id: `case-appeal-${c.appeal}` }, t(`cases.appeal.${c.appeal}_note`)));
      return box;
    }
    if (!c.can_appeal) {
      if (!c.appeal_until) return null; // nothing decided that could be appealed
      box.append(h('p', { id: 'case-appeal-ended' }, t('cases.appeal.ended', { date: dateOnly(c.appeal_until) })));
      return box;
    }
    const grounds = h('textarea', { id: 'case-grounds', name: 'grounds', maxlength: 2000, minlength: 10, rows: 5, 'aria-describedby': 'case-grounds-hint' });
    const error = errorBox('case-appeal-error');
    const send = h('button', { type: 'submit', class: 'btn primary', id: 'case-appeal-send' }, t('cases.appeal.send'));
    const form = h('form', { id: 'case-appeal-form', novalidate: true },
      h('p', { id: 'case-appeal-until' }, t('cases.appeal.until', { date: formatTime(c.appeal_until) })),
      field('case-grounds', 'cases.appeal.label', grounds, 'cases.appeal.hint'),
      error, send);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (grounds.value.trim().length < 10) { showError(error, t('cases.appeal.need_grounds')); grounds.focus(); return; }
      const ok = await confirmDialog({ title: t('cases.appeal.confirm_title'), body: t('cases.appeal.confirm_body'), confirm: t('cases.appeal.send') });
      if (!ok) return;
      send.disabled = true;
      try {
        // An appeal is a formal act: the server may ask for a fresh factor first.
        draw(await withStepUp(app, () => app.api('POST', EP.myCaseAppeal(kase.id), { grounds: grounds.value.trim() })));
        say(t('cases.appeal.sent'));
      } catch (err) {
        showError(error, app.errorText(err));
        send.disabled = false;
      }
    });
    box.append(form);
    return box;
  }

  root.append(h('h1', {}, word('kind', kase.kind)), back('#/cases', 'cases.back'), status, body);
  draw(kase);
  return root;
}
