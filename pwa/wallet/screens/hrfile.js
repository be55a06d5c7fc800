// Wallet screen: 我的人社档案, the holder's electronic HR file (issue 17, docs/hrfile.md). Records
// grouped by kind (employment and unemployment, training and skills, titles and qualifications,
// labour contracts, contributions as a month × insurance table), each with who wrote it, on what
// legal basis and its date. The file is append-only: a correction is a new record, shown beside
// the one it corrects, both visible. Personal data: fetched on every visit, never cached.

import { OfflineError } from '/shared/api.js';
import { currentLang, formatTime, has, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { yuan } from './payments.js';
import { back, bilingual, dateOnly } from './service-labels.js';

const PAGE = 200; // the API's page; a whole working life fits in a few
const MAX_PAGES = 25;

// The screen's groups, in the order a person looks for them, and the kinds in each.
export const GROUPS = [
  ['employment', ['employment_start', 'employment_end', 'unemployment_registration', 'unemployment_benefit']],
  ['training', ['training', 'skill_evaluation']],
  ['titles', ['professional_title', 'qualification']],
  ['contracts', ['labour_contract', 'contract_termination']],
  ['contributions', ['contribution']],
];
export const INSURANCES = ['pension', 'medical', 'unemployment', 'work_injury', 'maternity'];
// The facts of each kind shown under its headline, in this order (the rest of data is not shown).
const FIELDS = {
  employment_start: ['employer_name', 'employer_uscc', 'position', 'start_on'],
  employment_end: ['employer_name', 'employer_uscc', 'end_on', 'reason'],
  unemployment_registration: ['registered_on', 'office', 'reason'],
  unemployment_benefit: ['month', 'amount_fen', 'paid_on'],
  training: ['course', 'provider', 'hours', 'completed_on', 'certificate_no'],
  skill_evaluation: ['occupation', 'level', 'evaluator', 'certificate_no', 'evaluated_on'],
  professional_title: ['title', 'series', 'level', 'granted_by', 'granted_on', 'certificate_no'],
  qualification: ['name', 'certificate_no', 'issuer', 'issued_on', 'valid_until'],
  labour_contract: ['employer_name', 'employer_uscc', 'position', 'term_kind', 'start_on', 'end_on'],
  contract_termination: ['employer_name', 'terminated_on', 'reason', 'by'],
  contribution: ['month', 'insurance', 'base_fen', 'person_fen', 'employer_fen', 'employer_name', 'status'],
};
const DATES = /(_on|_until)$/;

export function kindName(kind) {
  return has(`hr.kind.${kind}`) ? t(`hr.kind.${kind}`) : kind;
}

// One fact in words: money from fen, dates by the page's language, closed words translated.
export function factValue(kind, field, value) {
  if (value === null || value === undefined || value === '') return field === 'valid_until' || field === 'end_on' ? t('hr.value.none') : '';
  if (field.endsWith('_fen')) return yuan(value);
  if (DATES.test(field)) return dateOnly(value);
  if (field === 'hours') return t('hr.value.hours', { n: value });
  const key = `hr.value.${kind === 'skill_evaluation' && field === 'level' ? 'skill_level' : field}.${value}`;
  if (has(key)) return t(key);
  if (/name$|^employer_name$/.test(field)) return bilingual(value);
  return String(value);
}

// The headline of a record: what happened, in a few words.
export function headline(r) {
  const d = r.data || {};
  const what = {
    employment_start: d.employer_name && bilingual(d.employer_name),
    employment_end: d.employer_name && bilingual(d.employer_name),
    unemployment_registration: d.office,
    unemployment_benefit: d.amount_fen != null ? yuan(d.amount_fen) : null,
    training: d.course,
    skill_evaluation: d.occupation,
    professional_title: d.title,
    qualification: d.name,
    labour_contract: d.employer_name && bilingual(d.employer_name),
    contract_termination: d.employer_name && bilingual(d.employer_name),
    contribution: d.month,
  }[r.kind];
  return what ? `${kindName(r.kind)} · ${what}` : kindName(r.kind);
}

function sourceText(source) {
  if (!source) return '';
  const kind = has(`hr.source.${source.kind}`) ? t(`hr.source.${source.kind}`) : source.kind;
  return t('hr.source_of', { name: bilingual(source.name || ''), kind });
}

// One record as a card: headline, its facts, then source, basis and dates.
function recordCard(r, { heading = 'h3', role = null } = {}) {
  const fields = FIELDS[r.kind] || Object.keys(r.data || {});
  const facts = fields
    .filter((f) => r.data && f in r.data)
    .flatMap((f) => [h('dt', {}, t(`hr.field.${f}`)), h('dd', { dataset: { field: f } }, factValue(r.kind, f, r.data[f]))]);
  const corrected = r.status === 'corrected';
  return h('article', {
    class: `hr-record${corrected ? ' corrected' : ''}${r.corrects ? ' correction' : ''}`, id: `hr-${r.id}`,
    'aria-labelledby': `hr-title-${r.id}`, dataset: { id: r.id, kind: r.kind, status: r.status, corrects: r.corrects || '' },
  },
  role ? h('p', { class: `hr-role ${role}` }, t(`hr.role.${role}`)) : null,
  h(heading, { class: 'hr-title', id: `hr-title-${r.id}` }, headline(r), ' ',
    corrected ? h('span', { class: 'hr-badge corrected' }, t('hr.status.corrected')) : null),
  h('dl', { class: 'facts' },
    facts,
    h('dt', {}, t('hr.effective_on')), h('dd', { class: 'hr-date' }, dateOnly(r.effective_on)),
    h('dt', {}, t('hr.source')), h('dd', { class: 'hr-source' }, sourceText(r.source)),
    h('dt', {}, t('hr.legal_basis')), h('dd', { class: 'hr-basis' }, r.legal_basis || ''),
    r.corrects ? [h('dt', {}, t('hr.correction_reason')), h('dd', { class: 'hr-reason' }, r.correction_reason || '')] : null,
    h('dt', {}, t('hr.recorded_at')), h('dd', {}, formatTime(r.recorded_at))));
}

// A record with the corrections made to it, side by side (both stay visible: the file is append-only).
function chainOf(r, byCorrects) {
  const chain = [r];
  const seen = new Set([r.id]);
  let next = byCorrects.get(r.id);
  while (next && next.length && !seen.has(next[0].id)) {
    chain.push(...next);
    next.forEach((x) => seen.add(x.id));
    next = byCorrects.get(next[next.length - 1].id);
  }
  return chain;
}

function recordItem(r, byCorrects) {
  const chain = chainOf(r, byCorrects);
  if (chain.length === 1) return h('li', {}, recordCard(r));
  return h('li', {},
    h('div', { class: 'hr-pair', role: 'group', 'aria-label': t('hr.pair_label', { what: headline(r) }), dataset: { original: r.id } },
      chain.map((x, i) => recordCard(x, { role: i === 0 ? 'original' : 'correction' }))));
}

// Records whose original is in the file are drawn with it; the rest are drawn on their own.
function roots(records) {
  const ids = new Set(records.map((r) => r.id));
  return records.filter((r) => !r.corrects || !ids.has(r.corrects));
}

function correctionsMap(records) {
  const map = new Map();
  for (const r of records) {
    if (!r.corrects) continue;
    if (!map.has(r.corrects)) map.set(r.corrects, []);
    map.get(r.corrects).push(r);
  }
  return map;
}

// An amount in yuan without the currency sign (the table's caption says 元), for narrow cells.
function amount(fen) {
  return new Intl.NumberFormat(currentLang(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(fen) / 100);
}

// Contributions: months down, insurances across; each cell what the holder paid, or 欠缴.
function contributionTable(records) {
  const current = records.filter((r) => r.status !== 'corrected');
  const months = [...new Set(current.map((r) => r.data?.month).filter(Boolean))].sort().reverse();
  const cell = (month, insurance) => {
    const rows = current.filter((r) => r.data?.month === month && r.data?.insurance === insurance);
    if (!rows.length) return h('td', { class: 'hr-cell none', dataset: { month, insurance, status: 'none' } }, h('span', { 'aria-hidden': 'true' }, '–'), h('span', { class: 'visually-hidden' }, t('hr.contrib.none')));
    const arrears = rows.some((r) => r.data.status === 'arrears');
    const paid = rows.reduce((n, r) => n + Number(r.data.person_fen || 0), 0);
    return h('td', { class: `hr-cell ${arrears ? 'arrears' : 'paid'}`, dataset: { month, insurance, status: arrears ? 'arrears' : 'paid' } },
      h('span', { class: 'hr-mark' }, arrears ? t('hr.contrib.arrears') : '✓'),
      h('span', { class: 'hr-amount' }, amount(paid)));
  };
  const caption = h('caption', { id: 'hr-contrib-caption' }, t('hr.contrib.caption'));
  return h('div', { class: 'hr-table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'hr-contrib-caption' },
    h('table', { class: 'hr-contrib', id: 'hr-contrib' },
      caption,
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('hr.field.month')),
        INSURANCES.map((i) => h('th', { scope: 'col', dataset: { insurance: i } }, t(`hr.value.insurance.${i}`))))),
      h('tbody', {}, months.map((m) => h('tr', { dataset: { month: m } },
        h('th', { scope: 'row' }, m),
        INSURANCES.map((i) => cell(m, i)))))));
}

function group(name, records) {
  const titleId = `hr-group-${name}-title`;
  const box = h('section', { class: 'hr-group', id: `hr-group-${name}`, 'aria-labelledby': titleId, dataset: { group: name, count: String(records.length) } },
    h('h2', { id: titleId }, t(`hr.group.${name}`), ' ', h('span', { class: 'hr-count' }, t('hr.count', { n: records.length }))));
  if (!records.length) {
    box.append(h('p', { class: 'hint hr-empty' }, t(`hr.empty.${name}`)));
    return box;
  }
  const byCorrects = correctionsMap(records);
  if (name === 'contributions') {
    box.append(h('p', { class: 'hint' }, t('hr.contrib.intro')), contributionTable(records));
    // Every line with its source, basis and date, and each correction beside what it corrects.
    box.append(h('details', { class: 'hr-lines', id: 'hr-contrib-lines' },
      h('summary', {}, t('hr.contrib.lines', { n: records.length })),
      h('ul', { class: 'hr-list' }, roots(records).map((r) => recordItem(r, byCorrects)))));
    const corrections = roots(records).filter((r) => byCorrects.has(r.id));
    if (corrections.length) {
      box.append(h('h3', { class: 'hr-sub' }, t('hr.contrib.corrections')),
        h('ul', { class: 'hr-list', id: 'hr-contrib-corrections' }, corrections.map((r) => recordItem(r, byCorrects))));
    }
    return box;
  }
  box.append(h('ul', { class: 'hr-list' }, roots(records).map((r) => recordItem(r, byCorrects))));
  return box;
}

// Every record of the holder (newest first), page after page.
export async function allRecords(app, kind = null) {
  const items = [];
  let before = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (kind) query.set('kind', kind);
    if (before) query.set('before', before);
    const page = await app.api('GET', `${EP.myHrfile}?${query}`);
    items.push(...(page.items || []));
    before = page.next ?? null;
    if (!before) break;
  }
  return items;
}

export async function hrfileScreen(app) {
  const root = h('section', { class: 'services hrfile', id: 'hrfile' }, h('h1', {}, t('title.hrfile')), back('#/more'));
  let records;
  try {
    records = await allRecords(app);
  } catch (err) {
    root.append(err instanceof OfflineError
      ? h('p', { class: 'notice offline', id: 'hrfile-offline', role: 'status' }, t('hr.offline'))
      : h('p', { class: 'error', role: 'alert', id: 'hrfile-error' }, app.errorText(err)));
    return root;
  }
  root.append(h('p', { class: 'hint' }, t('hr.intro')),
    h('nav', { class: 'row hr-links', 'aria-label': t('hr.links') },
      h('a', { class: 'btn secondary', href: '#/statements', id: 'hr-to-statements' }, t('nav.statements')),
      h('a', { class: 'btn secondary', href: '#/contracts', id: 'hr-to-contracts' }, t('nav.contracts'))));
  if (!records.length) root.append(h('p', { class: 'notice', id: 'hrfile-empty' }, t('hr.empty')));
  const toc = h('ul', { class: 'hr-toc' });
  const groups = GROUPS.map(([name, kinds]) => {
    const mine = records.filter((r) => kinds.includes(r.kind));
    toc.append(h('li', {}, h('a', { href: `#/hrfile`, dataset: { target: `hr-group-${name}` }, onclick: (e) => {
      e.preventDefault(); // the hash is the router's: scroll instead
      const target = document.getElementById(`hr-group-${name}`);
      target?.scrollIntoView();
      target?.querySelector('h2')?.setAttribute('tabindex', '-1');
      target?.querySelector('h2')?.focus({ preventScroll: true });
    } }, t(`hr.group.${name}`), ` (${mine.length})`)));
    return group(name, mine);
  });
  root.append(h('nav', { 'aria-label': t('hr.toc') }, toc), ...groups);
  return root;
}
