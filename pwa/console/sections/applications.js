// Console section: card applications (issue 15 §3). A counter clerk takes an application for the
// person at the counter; supervisors (their city's) and provincial operators work the review queue:
// approve (the card is issued) or reject with a reason the applicant sees.

import { ApiError } from '/shared/api.js';
import { formatTime, has, t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';

const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence'];
const REVIEWERS = new Set(['supervisor', 'provincial_operator']);

function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return has(key) ? t(key) : String(value ?? '—');
}

function field(id, labelKey, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), control);
}

// A reason for a rejection: a modal with a labelled text box (Esc cancels).
function askReason() {
  return new Promise((resolve) => {
    const input = h('textarea', { id: 'reject-reason', name: 'reject-reason', maxlength: '500', required: true });
    const error = h('p', { class: 'error', role: 'alert' });
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'reject-title' },
      h('form', { method: 'dialog', novalidate: true, onsubmit: (event) => {
        event.preventDefault();
        if (input.value.trim().length < 2) { error.textContent = t('console.applications.reason_needed'); input.focus(); return; }
        dialog.close('ok');
      } },
      h('h2', { id: 'reject-title' }, t('console.applications.reject_title')),
      field('reject-reason', 'console.applications.reason', input),
      error,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn secondary', onclick: () => dialog.close('cancel') }, t('common.cancel')),
        h('button', { type: 'submit', class: 'btn danger', id: 'reject-confirm' }, t('console.applications.reject')))));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'ok' ? input.value.trim() : null); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function queueTable(ctx, rows, status) {
  if (!rows.length) return h('p', { class: 'empty', id: 'queue-empty' }, t('console.applications.queue_empty'));
  return h('div', { class: 'table-wrap' }, h('table', { id: 'queue' },
    h('caption', {}, t('console.applications.queue_caption')),
    h('thead', {}, h('tr', {}, ['applicant', 'document', 'region', 'office', 'channel', 'submitted', 'actions']
      .map((col) => h('th', { scope: 'col' }, t(`console.applications.col.${col}`))))),
    h('tbody', {}, rows.map((row) => h('tr', { dataset: { id: row.id } },
      h('td', {}, row.applicant.name),
      h('td', {}, `${label('doc', row.applicant.doc_type)} ${row.applicant.id_number}`),
      h('td', {}, row.region.name),
      h('td', {}, row.office?.name || '—'),
      h('td', {}, label('console.applications.channel', row.channel)),
      h('td', {}, formatTime(row.created_at)),
      h('td', {}, h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn primary', dataset: { approve: row.id }, 'aria-label': t('console.applications.approve_for', { name: row.applicant.name }), onclick: async () => {
          const ok = await confirmDialog({
            title: t('console.applications.approve_title'),
            body: t('console.applications.approve_body', { name: row.applicant.name }),
            confirm: t('console.applications.approve'),
          });
          if (!ok) return;
          try {
            const card = await ctx.api('POST', `/api/v1/staff/applications/${row.id}/approve`, {});
            status.textContent = t('console.applications.approved', { name: row.applicant.name, number: card.number });
            status.className = 'success';
            row.done = true;
            announce(status.textContent);
            ctx.go('applications?done=approved');
          } catch (err) {
            status.textContent = ctx.errorText(err);
            status.className = 'error';
          }
        } }, t('console.applications.approve')),
        h('button', { type: 'button', class: 'btn danger secondary', dataset: { reject: row.id }, 'aria-label': t('console.applications.reject_for', { name: row.applicant.name }), onclick: async () => {
          const reason = await askReason();
          if (!reason) return;
          try {
            await ctx.api('POST', `/api/v1/staff/applications/${row.id}/reject`, { reason });
            ctx.go('applications?done=rejected');
          } catch (err) {
            status.textContent = ctx.errorText(err);
            status.className = 'error';
          }
        } }, t('console.applications.reject')))))))));
}

async function queueScreen(ctx, params) {
  const status = h('p', { id: 'queue-status', role: 'status' });
  const done = params.get('done');
  if (done === 'approved' || done === 'rejected') {
    status.textContent = t(`console.applications.done_${done}`);
    status.className = 'success';
  }
  const root = h('section', {},
    h('h1', {}, t('console.applications.title')),
    h('div', { class: 'actions' }, h('a', { class: 'btn secondary', href: '#/applications/new', id: 'new-application' }, t('console.applications.new'))),
    status);
  if (!REVIEWERS.has(ctx.staff.role)) {
    root.append(h('p', { class: 'notice info' }, t('console.applications.reviewers_only')));
    return root;
  }
  const rows = await ctx.api('GET', '/api/v1/staff/applications?status=pending&limit=100');
  root.append(h('p', { class: 'hint' }, t('console.applications.queue_hint')), queueTable(ctx, rows, status));
  return root;
}

async function newScreen(ctx) {
  const error = h('p', { id: 'apply-error', class: 'error', role: 'alert' });
  const result = h('div', { id: 'apply-result' });
  const banks = await ctx.api('GET', '/api/v1/banks').catch(() => []);
  const active = (Array.isArray(banks) ? banks : banks.items || []).filter((bank) => bank.status === 'active');
  const form = h('form', { id: 'apply-form', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    const body = {
      doc_type: form.elements['apply-doc'].value,
      id_number: form.elements['apply-number'].value.trim(),
      name: form.elements['apply-name'].value.trim(),
      channel: 'counter',
    };
    if (form.elements['apply-bank'].value) body.bank_code = form.elements['apply-bank'].value;
    if (!body.id_number || !body.name) { error.textContent = t('console.applications.fill_all'); return; }
    try {
      const application = await ctx.api('POST', '/api/v1/staff/applications', body);
      form.reset();
      result.replaceChildren(h('div', { class: 'panel', role: 'status' },
        h('h2', { tabindex: '-1' }, t('console.applications.taken')),
        h('dl', { class: 'facts' },
          h('dt', {}, t('console.applications.col.applicant')), h('dd', {}, application.applicant.name),
          h('dt', {}, t('console.applications.col.document')), h('dd', { id: 'taken-document' }, application.applicant.id_number),
          h('dt', {}, t('console.applications.col.region')), h('dd', {}, application.region.name),
          h('dt', {}, t('console.applications.col.status')), h('dd', { id: 'taken-status' }, label('console.applications.status', application.status)))));
      result.querySelector('h2').focus();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.code === 'card.already_active' ? t('console.applications.already') : ctx.errorText(err);
    }
  } },
  h('div', { class: 'form-grid' },
    field('apply-doc', 'console.applications.doc_type', h('select', { id: 'apply-doc', name: 'apply-doc' }, DOC_TYPES.map((code) => h('option', { value: code }, t(`doc.${code}`))))),
    field('apply-number', 'console.applications.id_number', h('input', { id: 'apply-number', name: 'apply-number', autocomplete: 'off', spellcheck: 'false' })),
    field('apply-name', 'console.applications.name', h('input', { id: 'apply-name', name: 'apply-name', autocomplete: 'off' })),
    field('apply-bank', 'console.applications.bank', h('select', { id: 'apply-bank', name: 'apply-bank' },
      h('option', { value: '' }, t('console.applications.bank_default')),
      active.map((bank) => h('option', { value: bank.code }, bank.name))))),
  h('p', { class: 'hint' }, t('console.applications.documents_checked')),
  error,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('console.applications.submit'))));
  return h('section', {},
    h('h1', {}, t('console.applications.new')),
    form,
    result,
    h('p', {}, h('a', { href: '#/applications' }, t('console.applications.back'))));
}

export const section = {
  id: 'applications',
  titleKey: 'console.applications.title',
  roles: ['counter_operator', 'supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/applications',
  screens: { '': queueScreen, new: newScreen },
};
