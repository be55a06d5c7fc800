// Wallet screen: statements from my HR file (issue 17, docs/documents.md): a contributions
// statement (参保缴费证明), my employment history, one qualification or one labour contract as a
// signed PDF with a QR code anyone can check. The holder chooses the kind and its options, sees
// exactly what it will state, agrees, and the statement is issued; then downloads the PDF, opens
// its verification page, or withdraws it. Personal data: fetched on every visit, never cached.

import { ApiError, OfflineError } from '/shared/api.js';
import { formatTime, has, t } from '/shared/i18n.js';
import { announce, clear, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { formDialog } from './contracts.js';
import { INSURANCES, allRecords, headline } from './hrfile.js';
import { back, bilingual, errorBox, showError } from './service-labels.js';

const KINDS = ['contributions', 'employment', 'qualification', 'contract'];
const QUALIFYING = ['qualification', 'professional_title', 'skill_evaluation'];

function month(offset = 0) {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

function kindWord(kind) {
  return has(`hr.stmt.kind.${kind}`) ? t(`hr.stmt.kind.${kind}`) : kind;
}

// A file name a person recognises in their downloads folder.
function pdfName(s) {
  const day = String(s.created_at || '').slice(0, 10) || 'statement';
  return `statement-${s.kind}-${day}-${String(s.id).slice(0, 8)}.pdf`;
}

// What a statement states, exactly as the PDF prints it (Chinese, built by the server): title,
// holder with the masked identity number, facts, a table of rows, and who issues it.
export function contentView(content, id = 'statement-content') {
  const c = content || {};
  const holder = c.holder || {};
  const columns = Array.isArray(c.columns) ? c.columns : [];
  const rows = Array.isArray(c.rows) ? c.rows : [];
  const facts = [];
  if (holder.name) facts.push(h('dt', {}, t('hr.stmt.holder')), h('dd', { class: 'stmt-holder' }, holder.name));
  if (holder.id_number_masked) facts.push(h('dt', {}, t('hr.stmt.id_number')), h('dd', { class: 'mono stmt-id' }, holder.id_number_masked));
  for (const f of c.facts || []) facts.push(h('dt', {}, f.label), h('dd', {}, f.value));
  if (c.issuer) facts.push(h('dt', {}, t('hr.stmt.issuer')), h('dd', { class: 'stmt-issuer' }, c.issuer));
  return h('div', { class: 'stmt-content', id, lang: 'zh-Hans' }, // the statement itself is in Chinese
    c.title ? h('p', { class: 'hr-content-title' }, c.title) : null,
    facts.length ? h('dl', { class: 'facts' }, facts) : null,
    rows.length
      ? h('div', { class: 'hr-table-wrap', role: 'region', tabindex: '0', 'aria-label': t('hr.stmt.lines') },
        h('table', { class: 'hr-contrib stmt-lines' },
          columns.length ? h('thead', {}, h('tr', {}, columns.map((col) => h('th', { scope: 'col' }, col)))) : null,
          h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell)))))))
      : h('p', { class: 'hint stmt-no-rows' }, t('hr.stmt.no_rows')));
}

export async function statementsScreen(app) {
  const root = h('section', { class: 'services statements', id: 'statements' }, h('h1', {}, t('title.statements')), back('#/more'));
  const status = h('p', { id: 'stmt-status', class: 'notice', role: 'status', hidden: true });
  const error = errorBox('stmt-error');
  const listBox = h('section', { id: 'stmt-list-box', 'aria-labelledby': 'stmt-list-title' });
  const say = (text) => { error.hidden = true; status.textContent = text; status.hidden = false; announce(text); };
  const fail = (err) => { status.hidden = true; showError(error, app.errorText(err)); };

  let statements;
  let records;
  let contracts;
  try {
    [statements, records, contracts] = await Promise.all([
      app.api('GET', EP.statements),
      allRecords(app),
      app.api('GET', EP.myContracts).catch(() => []),
    ]);
  } catch (err) {
    root.append(err instanceof OfflineError
      ? h('p', { class: 'notice offline', id: 'statements-offline', role: 'status' }, t('hr.stmt.offline'))
      : h('p', { class: 'error', role: 'alert', id: 'stmt-error' }, app.errorText(err)));
    return root;
  }
  statements = Array.isArray(statements) ? statements : statements.items || [];
  contracts = (Array.isArray(contracts) ? contracts : contracts.items || []).filter((c) => ['signed', 'terminated'].includes(c.status));
  const qualifying = records.filter((r) => QUALIFYING.includes(r.kind) && r.status !== 'corrected');

  async function drawList() {
    clear(listBox).append(h('h2', { id: 'stmt-list-title' }, t('hr.stmt.list_title')),
      statements.length
        ? h('ul', { class: 'list svc-list', id: 'stmt-list' }, statements.map(item))
        : h('p', { class: 'hint', id: 'stmt-empty' }, t('hr.stmt.empty')));
  }

  async function reload() {
    const answer = await app.api('GET', EP.statements);
    statements = Array.isArray(answer) ? answer : answer.items || [];
    drawList();
  }

  function item(s) {
    const title = s.title || kindWord(s.kind);
    return h('li', { id: `stmt-${s.id}`, dataset: { id: s.id, status: s.status, kind: s.kind } },
      h('div', { class: 'grow' },
        h('h3', { class: 'svc-item-title', id: `stmt-title-${s.id}` }, title, ' ',
          h('span', { class: `svc-badge ${s.status === 'valid' ? 'active' : 'revoked'}` }, t(`hr.stmt.status.${s.status}`))),
        h('dl', { class: 'facts' },
          h('dt', {}, t('hr.stmt.kind')), h('dd', {}, kindWord(s.kind)),
          h('dt', {}, t('hr.stmt.issued_at')), h('dd', {}, formatTime(s.created_at)),
          s.withdrawn_at ? [h('dt', {}, t('hr.stmt.withdrawn_at')), h('dd', {}, formatTime(s.withdrawn_at))] : null),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn primary', id: `stmt-pdf-${s.id}`, 'aria-describedby': `stmt-title-${s.id}`, onclick: () => download(s) },
            t('hr.stmt.download')),
          s.verify_url
            ? h('a', { class: 'btn secondary', id: `stmt-verify-${s.id}`, href: s.verify_url, target: '_blank', rel: 'noopener', 'aria-describedby': `stmt-title-${s.id}` },
              t('hr.stmt.verify_page'))
            : null,
          s.status === 'valid'
            ? h('button', { type: 'button', class: 'btn danger', id: `stmt-withdraw-${s.id}`, 'aria-describedby': `stmt-title-${s.id}`, onclick: () => withdraw(s) },
              t('hr.stmt.withdraw'))
            : null)));
  }

  async function download(s) {
    try {
      const res = await app.api('GET', s.pdf_url || EP.statementPdf(s.id), undefined, { raw: true, headers: { Accept: 'application/pdf' } });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        throw new ApiError(res.status, body.error?.code || `http.${res.status}`, body.error?.message);
      }
      const url = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'application/pdf' }));
      const link = h('a', { href: url, download: pdfName(s), class: 'visually-hidden' }, pdfName(s));
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(t('hr.stmt.saved', { name: pdfName(s) }));
    } catch (err) {
      fail(err);
    }
  }

  async function withdraw(s) {
    const reason = h('input', { id: 'withdraw-reason', required: true, maxlength: 200, autocomplete: 'off', value: t('hr.stmt.withdraw_default') });
    const values = await formDialog({
      id: 'withdraw-dialog', title: t('hr.stmt.withdraw_title'), body: t('hr.stmt.withdraw_body', { title: s.title || kindWord(s.kind) }),
      fields: [['withdraw-reason', 'hr.stmt.withdraw_reason', reason]], confirm: t('hr.stmt.withdraw_confirm'), danger: true,
    });
    if (!values) return;
    try {
      await app.api('POST', EP.statementWithdraw(s.id), { reason: values['withdraw-reason'] });
      await reload();
      say(t('hr.stmt.withdrawn'));
    } catch (err) {
      fail(err);
    }
  }

  root.append(h('p', { class: 'hint' }, t('hr.stmt.intro')), status, error, newForm(), listBox);
  await drawList();
  return root;

  // Choose a kind and its options, preview, agree, issue.
  function newForm() {
    const field = (id, key, control) => h('div', { class: 'field' }, h('label', { for: id }, t(key)), control);
    const kinds = h('fieldset', { id: 'stmt-kinds' }, h('legend', {}, t('hr.stmt.choose_kind')),
      KINDS.map((k) => h('div', { class: 'check' },
        h('input', { type: 'radio', name: 'stmt-kind', id: `stmt-kind-${k}`, value: k, checked: k === 'contributions' }),
        h('label', { for: `stmt-kind-${k}` }, kindWord(k)))));
    const from = h('input', { type: 'month', id: 'stmt-from', value: month(-11), required: true });
    const to = h('input', { type: 'month', id: 'stmt-to', value: month(0), required: true });
    const insurances = h('fieldset', { id: 'stmt-insurances' }, h('legend', {}, t('hr.stmt.insurances')),
      INSURANCES.map((i) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `stmt-ins-${i}`, name: 'insurance', value: i, checked: true }),
        h('label', { for: `stmt-ins-${i}` }, t(`hr.value.insurance.${i}`)))));
    const record = h('select', { id: 'stmt-record' },
      qualifying.length ? qualifying.map((r) => h('option', { value: r.id }, headline(r))) : h('option', { value: '' }, t('hr.stmt.no_qualification')));
    const contract = h('select', { id: 'stmt-contract' },
      contracts.length
        ? contracts.map((c) => h('option', { value: c.id }, [bilingual(c.employer?.name || ''), c.terms?.position ?? c.position].filter(Boolean).join(' · ')))
        : h('option', { value: '' }, t('hr.stmt.no_contract')));
    const showWage = h('input', { type: 'checkbox', id: 'stmt-show-wage', name: 'show_wage' });
    const options = {
      contributions: h('div', { class: 'stmt-options', id: 'stmt-opt-contributions' },
        h('div', { class: 'row' }, field('stmt-from', 'hr.stmt.from_month', from), field('stmt-to', 'hr.stmt.to_month', to)), insurances),
      employment: h('div', { class: 'stmt-options', id: 'stmt-opt-employment' }, h('p', { class: 'hint' }, t('hr.stmt.employment_hint'))),
      qualification: h('div', { class: 'stmt-options', id: 'stmt-opt-qualification' }, field('stmt-record', 'hr.stmt.which_qualification', record)),
      contract: h('div', { class: 'stmt-options', id: 'stmt-opt-contract' }, field('stmt-contract', 'hr.stmt.which_contract', contract),
        h('div', { class: 'check' }, showWage, h('label', { for: 'stmt-show-wage' }, t('hr.stmt.show_wage')))),
    };
    const formError = errorBox('stmt-form-error');
    const preview = h('section', { id: 'stmt-preview', class: 'panel', 'aria-labelledby': 'stmt-preview-title', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'stmt-preview-btn' }, t('hr.stmt.preview'));
    const form = h('form', { id: 'stmt-form', novalidate: true, 'aria-labelledby': 'stmt-form-title' },
      h('h2', { id: 'stmt-form-title' }, t('hr.stmt.new_title')),
      kinds, Object.values(options), formError, submit);
    const chosen = () => form.querySelector('input[name="stmt-kind"]:checked')?.value || 'contributions';
    const show = () => {
      for (const [k, el] of Object.entries(options)) el.hidden = k !== chosen();
      preview.hidden = true; // a changed choice needs a new preview
    };
    form.addEventListener('change', (e) => {
      if (e.target.name === 'stmt-kind') show();
      else preview.hidden = true;
    });
    show();

    function request() {
      const kind = chosen();
      if (kind === 'contributions') {
        const picked = INSURANCES.filter((i) => form.querySelector(`#stmt-ins-${i}`).checked);
        if (!/^\d{4}-\d{2}$/.test(from.value) || !/^\d{4}-\d{2}$/.test(to.value) || from.value > to.value) return { problem: 'hr.stmt.need_months', focus: from };
        if (!picked.length) return { problem: 'hr.stmt.need_insurance', focus: form.querySelector('#stmt-ins-pension') };
        return { kind, options: { from_month: from.value, to_month: to.value, insurances: picked } };
      }
      if (kind === 'qualification') return record.value ? { kind, options: { record_id: record.value } } : { problem: 'hr.stmt.no_qualification', focus: record };
      if (kind === 'contract') return contract.value ? { kind, options: { contract_id: contract.value, show_wage: showWage.checked } } : { problem: 'hr.stmt.no_contract', focus: contract };
      return { kind, options: {} };
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError.hidden = true;
      const asked = request();
      if (asked.problem) { showError(formError, t(asked.problem)); asked.focus?.focus(); return; }
      submit.disabled = true;
      try {
        const answer = await app.api('POST', EP.statementPreview, asked);
        drawPreview(asked, answer);
      } catch (err) {
        showError(formError, app.errorText(err));
      } finally {
        submit.disabled = false;
      }
    });

    function drawPreview(asked, answer) {
      const agree = h('input', { type: 'checkbox', id: 'stmt-agree', name: 'agree' });
      const issue = h('button', { type: 'button', class: 'btn primary block', id: 'stmt-issue' }, t('hr.stmt.issue'));
      const issueError = errorBox('stmt-issue-error');
      issue.addEventListener('click', async () => {
        issueError.hidden = true;
        if (!agree.checked) { showError(issueError, t('hr.stmt.need_agree')); agree.focus(); return; }
        issue.disabled = true;
        try {
          const made = await app.api('POST', EP.statements, { ...asked, agreed_content_hash: answer.content_hash });
          preview.hidden = true;
          await reload();
          say(t('hr.stmt.issued', { title: made.title || kindWord(made.kind) }));
          document.getElementById(`stmt-pdf-${made.id}`)?.focus();
        } catch (err) {
          // The file changed since the preview: show the new content and ask again.
          if (err instanceof ApiError && err.code === 'statement.content_changed') showError(issueError, t('hr.stmt.changed'));
          else showError(issueError, app.errorText(err));
          issue.disabled = false;
        }
      });
      clear(preview).append(
        h('h2', { id: 'stmt-preview-title', tabindex: '-1' }, t('hr.stmt.preview_title')),
        h('p', { class: 'hint' }, t('hr.stmt.preview_hint')),
        contentView(answer.content, 'stmt-preview-content'),
        h('div', { class: 'check' }, agree, h('label', { for: 'stmt-agree' }, t('hr.stmt.agree'))),
        issueError, issue);
      preview.hidden = false;
      preview.querySelector('h2').focus();
    }

    return h('div', {}, form, preview);
  }
}
