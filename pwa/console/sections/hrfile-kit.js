// The HR file's words and forms for the console (issue 17, docs/hrfile.md): each record kind's fields
// (how they are shown and entered), a record drawn as a card with its source, legal basis and time,
// and the kind-specific form staff fill to add or correct a record. Strings: i18n/hrfile/.

import { ApiError } from '/shared/api.js';
import { formatTime, has, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { field, input, select } from './admin-kit.js';

export const P = 'console.hrfile';

// A field: [name, type, options]. Types: text, uscc, date, month (YYYY-MM), fen (entered in yuan,
// sent in fen), int, choice (a closed vocabulary: `values`, words under `${P}.<group>.<value>`).
// `optional` fields may stay empty (sent as null); `max` bounds text length and integers.
const T = (name, max = 128, more = {}) => ({ name, type: 'text', max, ...more });
const D = (name, more = {}) => ({ name, type: 'date', ...more });
const USCC = (name) => ({ name, type: 'uscc' });
const FEN = (name) => ({ name, type: 'fen' });
const CHOICE = (name, group, values, more = {}) => ({ name, type: 'choice', group, values, ...more });

export const KINDS = {
  employment_start: { date: 'start_on', fields: [USCC('employer_uscc'), T('employer_name'), T('position'), D('start_on')] },
  employment_end: { date: 'end_on', fields: [USCC('employer_uscc'), T('employer_name'), D('end_on'), T('reason')] },
  unemployment_registration: { date: 'registered_on', fields: [D('registered_on'), T('office'), T('reason')] },
  unemployment_benefit: { date: 'month', fields: [{ name: 'month', type: 'month' }, FEN('amount_fen'), D('paid_on')] },
  training: {
    date: 'completed_on',
    fields: [T('course'), T('provider'), { name: 'hours', type: 'int', min: 1, max: 10000 }, D('completed_on'), T('certificate_no', 64, { optional: true })],
  },
  skill_evaluation: {
    date: 'evaluated_on',
    fields: [T('occupation'), CHOICE('level', 'skill_level', [1, 2, 3, 4, 5], { int: true }), T('evaluator'), T('certificate_no', 64), D('evaluated_on')],
  },
  professional_title: {
    date: 'granted_on',
    fields: [T('title'), T('series'), CHOICE('level', 'title_level', ['junior', 'intermediate', 'deputy_senior', 'senior']), T('granted_by'),
      D('granted_on'), T('certificate_no', 64)],
  },
  qualification: { date: 'issued_on', fields: [T('name'), T('certificate_no', 64), T('issuer'), D('issued_on'), D('valid_until', { optional: true })] },
  labour_contract: {
    date: 'start_on',
    fields: [T('contract_id', 36), USCC('employer_uscc'), T('employer_name'), T('position'), D('start_on'), D('end_on', { optional: true }),
      CHOICE('term_kind', 'term_kind', ['fixed', 'open_ended', 'task']), T('doc_hash', 64)],
  },
  contract_termination: {
    date: 'terminated_on',
    fields: [T('contract_id', 36), USCC('employer_uscc'), T('employer_name'), D('terminated_on'), T('reason'), CHOICE('by', 'by', ['employer', 'employee'])],
  },
  contribution: {
    date: 'month',
    fields: [{ name: 'month', type: 'month' }, CHOICE('insurance', 'insurance', ['pension', 'medical', 'unemployment', 'work_injury', 'maternity']),
      FEN('base_fen'), FEN('employer_fen'), FEN('person_fen'), USCC('employer_uscc'), T('employer_name'), CHOICE('status', 'contribution_status', ['paid', 'arrears'])],
  },
};
export const KIND_ORDER = Object.keys(KINDS);
// Labour contracts and their termination are written only by the contracts feature (both parties sign).
export const STAFF_KINDS = KIND_ORDER.filter((kind) => kind !== 'labour_contract' && kind !== 'contract_termination');

export function kindName(kind) {
  const key = `${P}.kind.${kind}`;
  return has(key) ? t(key) : kind;
}

function fieldName(name) {
  const key = `${P}.field.${name}`;
  return has(key) ? t(key) : name.replace(/_/g, ' ');
}

// ¥1,234.56 from 123456 fen, in integers.
export function money(fen) {
  const n = Number(fen);
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  return `${n < 0 ? '-' : ''}¥${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

// Yuan typed by a clerk ("1234.5") to fen, exactly; null when it is not an amount.
export function toFen(text) {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(String(text).trim().replace(/,/g, ''));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

function fenToYuan(fen) {
  const n = Number(fen);
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
}

function valueText(spec, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (spec?.type === 'fen') return money(value);
  if (spec?.type === 'choice') {
    const key = `${P}.${spec.group}.${value}`;
    return has(key) ? t(key) : String(value);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function sourceText(source) {
  const key = `${P}.source.${source.kind}`;
  return `${has(key) ? t(key) : source.kind} · ${source.name}`;
}

// --- a record as a card ------------------------------------------------------------------------

export function recordCard(record, { actions = null, correction = false } = {}) {
  const spec = KINDS[record.kind] || { fields: [] };
  const known = new Set(spec.fields.map((f) => f.name));
  const data = record.data || {};
  const rows = [
    ...spec.fields.filter((f) => f.name in data).map((f) => [fieldName(f.name), valueText(f, data[f.name])]),
    // A field this screen does not know yet still shows (a newer API).
    ...Object.keys(data).filter((k) => !known.has(k)).map((k) => [fieldName(k), valueText(null, data[k])]),
  ];
  const corrected = record.status === 'corrected';
  const headingId = `hr-rec-${record.id}`;
  return h('article', {
    class: `hr-record${corrected ? ' hr-corrected' : ''}${correction ? ' hr-correction' : ''}`,
    'aria-labelledby': headingId, dataset: { id: record.id, kind: record.kind, status: record.status },
  },
  h('h3', { id: headingId },
    correction ? t(`${P}.correction_of`, { kind: kindName(record.kind) }) : kindName(record.kind),
    ' ',
    h('span', { class: `badge ${corrected ? 'status-warn' : 'status-ok'}` }, t(`${P}.status.${corrected ? 'corrected' : 'current'}`))),
  h('dl', { class: 'facts' }, [
    [t(`${P}.effective_on`), record.effective_on],
    ...rows,
    [t(`${P}.source_label`), h('span', { class: 'hr-source' }, sourceText(record.source))],
    [t(`${P}.legal_basis`), record.legal_basis || '—'],
    [t(`${P}.recorded_at`), formatTime(record.recorded_at)],
    record.corrects ? [t(`${P}.correction_reason`), h('span', { class: 'hr-reason' }, record.correction_reason || '—')] : null,
  ].filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  actions);
}

// Records of one kind as chains: a record, then what corrected it beside it (then what corrected that).
export function chains(records) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const fixes = new Map();
  for (const r of records) {
    if (r.corrects && byId.has(r.corrects)) {
      if (!fixes.has(r.corrects)) fixes.set(r.corrects, []);
      fixes.get(r.corrects).push(r);
    }
  }
  const roots = records.filter((r) => !r.corrects || !byId.has(r.corrects));
  return roots.map((root) => {
    const chain = [root];
    let last = root;
    const seen = new Set([root.id]);
    while (fixes.has(last.id)) {
      const next = fixes.get(last.id).find((r) => !seen.has(r.id));
      if (!next) break;
      chain.push(next);
      seen.add(next.id);
      last = next;
    }
    return chain;
  });
}

// --- the form of a kind --------------------------------------------------------------------------

// The controls of a kind's data, prefilled from `data` (a correction starts from the record).
export function dataControls(kind, data = {}) {
  const spec = KINDS[kind];
  return spec.fields.map((f) => {
    const id = `hr-f-${f.name}`;
    const value = data[f.name];
    let control;
    if (f.type === 'choice') {
      control = select([
        ...(f.optional ? [{ value: '', label: t(`${P}.none`) }] : []),
        ...f.values.map((v) => ({ value: String(v), label: valueText(f, v), selected: String(value) === String(v) })),
      ], { id, name: f.name });
    } else if (f.type === 'date' || f.type === 'month') {
      control = input({ id, name: f.name, type: f.type, value: value || '' });
    } else if (f.type === 'fen') {
      control = input({ id, name: f.name, inputmode: 'decimal', value: value === undefined || value === null ? '' : fenToYuan(value) });
    } else if (f.type === 'int') {
      control = input({ id, name: f.name, inputmode: 'numeric', value: value ?? '' });
    } else {
      control = input({ id, name: f.name, maxlength: f.type === 'uscc' ? 18 : f.max, value: value ?? '',
        ...(f.type === 'uscc' ? { autocapitalize: 'characters', spellcheck: 'false' } : {}) });
    }
    if (!f.optional) control.setAttribute('aria-required', 'true');
    const hintKey = `${P}.hint.${f.type}`;
    const label = f.optional ? t(`${P}.optional`, { field: fieldName(f.name) }) : fieldName(f.name);
    return { spec: f, control, el: field(label, control, has(hintKey) ? t(hintKey) : undefined) };
  });
}

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

// The data of the controls, or { error, control } naming the first field that is wrong.
export function readData(controls) {
  const data = {};
  for (const { spec: f, control } of controls) {
    control.removeAttribute('aria-invalid');
    const raw = control.value.trim();
    const name = fieldName(f.name);
    const wrong = (key) => {
      control.setAttribute('aria-invalid', 'true');
      return { error: t(`${P}.bad.${key}`, { field: name }), control };
    };
    if (!raw) {
      if (f.optional) { data[f.name] = null; continue; }
      return wrong('empty');
    }
    if (f.type === 'fen') {
      const fen = toFen(raw);
      if (fen === null) return wrong('money');
      data[f.name] = fen;
    } else if (f.type === 'int' || (f.type === 'choice' && f.int)) {
      const n = Number(raw);
      if (!/^\d{1,6}$/.test(raw) || (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return wrong('number');
      data[f.name] = n;
    } else if (f.type === 'uscc') {
      const value = raw.toUpperCase();
      if (!USCC_SHAPE.test(value)) return wrong('uscc');
      data[f.name] = value;
    } else if (f.type === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) return wrong('date');
      data[f.name] = raw;
    } else if (f.type === 'month') {
      if (!/^\d{4}-\d{2}$/.test(raw)) return wrong('month');
      data[f.name] = raw;
    } else {
      data[f.name] = raw;
    }
  }
  return { data };
}

// The day a record takes effect: the kind's own date (a month's first day).
export function effectiveOn(kind, data) {
  const value = data[KINDS[kind].date];
  return /^\d{4}-\d{2}$/.test(value || '') ? `${value}-01` : value;
}

// An API error: the section's words for its code (or the shell's), and the code itself.
export function errorText(ctx, err) {
  if (err instanceof ApiError) {
    const key = `${P}.err.${err.code}`;
    const words = has(key) ? t(key, err.details || {}) : ctx.errorText(err);
    const extra = !has(key) && err.status === 422 && err.message && err.message !== err.code ? ` — ${err.message}` : '';
    return `${words}${extra} (${err.code})`;
  }
  return ctx.errorText(err);
}
