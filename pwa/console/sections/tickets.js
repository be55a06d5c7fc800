// Console section: the complaints and consultation inbox (issue 15 §3, docs/tickets.md). The inbox
// (filters in the address, so a filtered list is a link and Back works), one ticket (its thread,
// reply, assignment, status; every change sends the version read: a colleague's change meanwhile
// gives a conflict and the ticket is read again), and recording a phone or counter request.

import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { busy, checkbox, date, explain, field, input, label, messages, regionName, select, table } from './admin-kit.js';

const P = 'console.tickets';
const PROVINCE = '440000';
const PAGE = 25;
const STATUSES = ['open', 'in_progress', 'answered', 'closed'];
const KINDS = ['consultation', 'complaint'];
const CHANNELS = ['phone', 'counter', 'terminal'];

let flash = null; // a message for the next drawing of a ticket (after a change re-reads it)

async function cities(ctx) {
  try {
    const answer = await ctx.api('GET', '/api/v1/catalog/regions');
    return answer.items;
  } catch {
    return []; // names are a nicety: codes still show
  }
}

function cityLabel(list, code) {
  if (code === PROVINCE) return t(`${P}.province`);
  return regionName(list.find((c) => c.code === code)) || code;
}

function statusBadge(status) {
  const tone = { open: 'status-warn', in_progress: 'status-info', answered: 'status-ok', closed: 'status-muted' }[status] || '';
  return h('span', { class: `badge tk-status ${tone}` }, label(`${P}.status`, status));
}

// A ticket is due at the end of its last day (midnight China time): show that day, "by the end of".
function dueCell(ticket) {
  if (!ticket.due_at) return t(`${P}.no_due`);
  const lastDay = new Date(Date.parse(ticket.due_at) - 1).toISOString();
  return h('span', { class: ticket.overdue ? 'tk-due tk-overdue' : 'tk-due' },
    h('time', { datetime: ticket.due_at }, t(`${P}.due_by`, { day: date(lastDay, false) })),
    ticket.overdue ? h('span', { class: 'badge status-bad tk-overdue-badge' }, t(`${P}.overdue`)) : null);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

// --- the inbox ----------------------------------------------------------------------------

async function inbox(ctx, params) {
  const provincial = ctx.staff.role === 'provincial_operator';
  const filters = {
    status: STATUSES.includes(params.get('status')) ? params.get('status') : '',
    kind: KINDS.includes(params.get('kind')) ? params.get('kind') : '',
    assignee: ['me', 'none'].includes(params.get('assignee')) ? params.get('assignee') : '',
    overdue: params.get('overdue') === 'true',
    sort: params.get('sort') === 'due' ? 'due' : 'created',
    city_code: provincial && /^[0-9]{6}$/.test(params.get('city_code') || '') ? params.get('city_code') : '',
  };
  const offset = Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0);
  const [page, places] = await Promise.all([
    ctx.api('GET', `/api/v1/staff/tickets${query({ ...filters, overdue: filters.overdue ? 'true' : '', limit: PAGE, offset })}`),
    cities(ctx),
  ]);

  const root = h('section', { class: 'tk-screen', 'data-screen': 'tickets' });
  root.append(
    h('h1', {}, t(`${P}.title`)),
    h('p', { class: 'hint' }, t(`${P}.intro`)),
    h('p', { class: 'actions' }, h('a', { class: 'btn secondary', href: '#/tickets/new', id: 'tk-new' }, t(`${P}.record`))),
  );
  root.append(filterForm(ctx, filters, places, provincial));

  const rows = page.items;
  const captionKey = filters.overdue ? `${P}.caption_overdue` : `${P}.caption`;
  root.append(table({
    id: 'tk-table',
    caption: t(captionKey, { n: rows.length, from: rows.length ? offset + 1 : 0, to: offset + rows.length }),
    empty: t(`${P}.empty`),
    rows,
    rowKey: (r) => r.reference,
    columns: [
      {
        label: t(`${P}.col.reference`),
        cell: (r) => h('a', { href: `#/tickets/ticket?id=${r.id}`, class: 'tk-open', 'aria-label': t(`${P}.open_ticket`, { ref: r.reference, subject: r.subject }) }, r.reference),
      },
      { label: t(`${P}.col.kind`), cell: (r) => label(`${P}.kind`, r.kind) },
      { label: t(`${P}.col.subject`), cell: (r) => r.subject },
      { label: t(`${P}.col.city`), cell: (r) => cityLabel(places, r.city_code) },
      { label: t(`${P}.col.status`), cell: (r) => statusBadge(r.status) },
      { label: t(`${P}.col.assignee`), cell: (r) => (r.assigned_to ? (r.assignee_name || t(`${P}.someone`)) : h('span', { class: 'empty' }, t(`${P}.unassigned`))) },
      { label: t(`${P}.col.due`), cell: (r) => dueCell(r) },
    ],
  }));
  // Rows past their due date stand out (colour and the word, not colour alone).
  root.querySelectorAll('#tk-table tbody tr').forEach((tr, i) => { if (rows[i].overdue) tr.classList.add('tk-row-overdue'); });

  const nav = h('nav', { class: 'actions tk-pages', 'aria-label': t(`${P}.pages`) });
  if (offset > 0) nav.append(h('a', { class: 'btn secondary', id: 'tk-prev', href: `#/tickets${query({ ...filters, offset: Math.max(0, offset - PAGE) })}` }, t(`${P}.prev`)));
  if (page.next_offset !== null && page.next_offset !== undefined) {
    nav.append(h('a', { class: 'btn secondary', id: 'tk-next', href: `#/tickets${query({ ...filters, offset: page.next_offset })}` }, t(`${P}.next`)));
  }
  if (nav.childElementCount) root.append(nav);
  return root;
}

function filterForm(ctx, filters, places, provincial) {
  const opts = (values, prefix, current, allKey) => [
    { value: '', label: t(allKey), selected: current === '' },
    ...values.map((v) => ({ value: v, label: label(prefix, v), selected: current === v })),
  ];
  const status = select(opts(STATUSES, `${P}.status`, filters.status, `${P}.all_statuses`), { id: 'tk-f-status', name: 'status' });
  const kind = select(opts(KINDS, `${P}.kind`, filters.kind, `${P}.all_kinds`), { id: 'tk-f-kind', name: 'kind' });
  const assignee = select([
    { value: '', label: t(`${P}.anyone`), selected: filters.assignee === '' },
    { value: 'me', label: t(`${P}.mine`), selected: filters.assignee === 'me' },
    { value: 'none', label: t(`${P}.unassigned`), selected: filters.assignee === 'none' },
  ], { id: 'tk-f-assignee', name: 'assignee' });
  const sort = select([
    { value: 'created', label: t(`${P}.sort_created`), selected: filters.sort === 'created' },
    { value: 'due', label: t(`${P}.sort_due`), selected: filters.sort === 'due' },
  ], { id: 'tk-f-sort', name: 'sort' });
  const overdue = checkbox(t(`${P}.only_overdue`), { id: 'tk-f-overdue', name: 'overdue', checked: filters.overdue });
  let city = null;
  if (provincial) {
    city = select([
      { value: '', label: t(`${P}.all_cities`), selected: filters.city_code === '' },
      { value: PROVINCE, label: t(`${P}.province`), selected: filters.city_code === PROVINCE },
      ...places.filter((c) => !c.province && c.code !== PROVINCE).map((c) => ({ value: c.code, label: regionName(c), selected: filters.city_code === c.code })),
    ], { id: 'tk-f-city', name: 'city_code' });
  }
  const form = h('form', { class: 'panel tk-filters', id: 'tk-filters', role: 'search', 'aria-label': t(`${P}.filters`) },
    h('h2', {}, t(`${P}.filters`)),
    h('div', { class: 'form-grid' },
      field(t(`${P}.f.assignee`), assignee),
      field(t(`${P}.f.status`), status),
      field(t(`${P}.f.kind`), kind),
      city ? field(t(`${P}.f.city`), city) : null,
      field(t(`${P}.f.sort`), sort),
      h('div', { class: 'field tk-check' }, overdue.el)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', id: 'tk-apply' }, t(`${P}.apply`)),
      h('a', { class: 'btn secondary', href: '#/tickets' }, t(`${P}.reset`))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(`tickets${query({
      assignee: assignee.value, status: status.value, kind: kind.value, city_code: city ? city.value : '',
      sort: sort.value === 'created' ? '' : sort.value, overdue: overdue.box.checked ? 'true' : '',
    })}`);
  });
  return form;
}

// --- one ticket ---------------------------------------------------------------------------

async function ticketScreen(ctx, params) {
  const id = params.get('id') || '';
  if (!/^[0-9a-f-]{36}$/.test(id)) return notFound();
  const [ticket, places] = await Promise.all([ctx.api('GET', `/api/v1/staff/tickets/${id}`), cities(ctx)]);
  const reload = (message) => { flash = message; ctx.go(`tickets/ticket?id=${id}`); };
  const fail = (msg, err) => {
    if (err && err.status === 409 && err.code === 'ticket.conflict') {
      reload({ error: t(`${P}.err.ticket.conflict`) });
      return;
    }
    msg.fail(explain(ctx, err, P));
  };

  const root = h('section', { class: 'tk-screen tk-ticket', 'data-screen': 'ticket', dataset: { version: String(ticket.version) } });
  root.append(
    h('p', { class: 'no-print' }, h('a', { href: '#/tickets', class: 'btn ghost tk-back' }, t(`${P}.back`))),
    h('h1', {}, t(`${P}.ticket_title`, { ref: ticket.reference })),
  );
  const notice = flash;
  flash = null;
  if (notice) {
    root.append(notice.error
      ? h('p', { class: 'error', role: 'alert', id: 'tk-flash' }, notice.error)
      : h('p', { class: 'success', role: 'status', id: 'tk-flash' }, notice.ok));
  }

  root.append(facts(ticket, places));
  root.append(thread(ticket));
  if (ticket.status !== 'closed') {
    root.append(h('div', { class: 'split' },
      replyPanel(ctx, ticket, reload, fail),
      h('div', {}, await assignPanel(ctx, ticket, reload, fail), statusPanel(ctx, ticket, reload, fail))));
  } else {
    root.append(h('p', { class: 'notice info', id: 'tk-closed' }, t(`${P}.closed_note`)));
  }
  return root;
}

function notFound() {
  return h('section', {}, h('h1', {}, t(`${P}.not_found`)), h('p', {}, h('a', { class: 'btn secondary', href: '#/tickets' }, t(`${P}.back`))));
}

function facts(ticket, places) {
  const row = (key, value, id) => [h('dt', {}, t(`${P}.fact.${key}`)), h('dd', id ? { id } : {}, value)];
  return h('dl', { class: 'facts tk-facts', id: 'tk-facts' },
    row('subject', ticket.subject),
    row('kind', label(`${P}.kind`, ticket.kind)),
    row('status', statusBadge(ticket.status), 'tk-status'),
    row('channel', label(`${P}.channel`, ticket.channel)),
    row('city', cityLabel(places, ticket.city_code)),
    row('from', t(ticket.from_holder ? `${P}.from_holder` : `${P}.from_public`)),
    row('contact', ticket.contact || t(`${P}.no_contact`)),
    row('created', date(ticket.created_at)),
    row('due', dueCell(ticket), 'tk-due'),
    row('assignee', ticket.assigned_to ? (ticket.assignee_name || t(`${P}.someone`)) : t(`${P}.unassigned`), 'tk-assignee'),
    ticket.answered_at ? row('answered', date(ticket.answered_at)) : null,
    ticket.closed_at ? row('closed', date(ticket.closed_at)) : null);
}

function thread(ticket) {
  return h('section', { class: 'panel tk-thread', 'aria-labelledby': 'tk-thread-h' },
    h('h2', { id: 'tk-thread-h' }, t(`${P}.thread`, { n: ticket.messages.length })),
    h('ol', { class: 'tk-messages', id: 'tk-messages' }, ticket.messages.map((m) => h('li', { class: `tk-msg tk-msg-${m.author}` },
      h('p', { class: 'tk-msg-head' },
        h('strong', {}, t(`${P}.author.${m.author}`)), ' ',
        h('time', { datetime: m.at }, date(m.at))),
      h('p', { class: 'tk-msg-body' }, m.body)))));
}

function replyPanel(ctx, ticket, reload, fail) {
  const msg = messages();
  const body = h('textarea', { id: 'tk-reply-body', name: 'body', rows: 6, maxlength: 4000, required: true });
  const close = checkbox(t(`${P}.reply_close`), { id: 'tk-reply-close', name: 'close' });
  const form = h('form', { class: 'panel', id: 'tk-reply' },
    h('h2', {}, t(`${P}.reply_title`)),
    field(t(`${P}.reply_body`), body, t(`${P}.reply_hint`)),
    close.el,
    ...msg.els,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.send`))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!body.value.trim()) { msg.fail(t(`${P}.err.ticket.empty`)); body.focus(); return; }
    busy(form, async () => {
      try {
        await ctx.api('POST', `/api/v1/staff/tickets/${ticket.id}/reply`, { body: body.value, close: close.box.checked, version: ticket.version });
        announce(t(`${P}.sent`));
        reload({ ok: t(close.box.checked ? `${P}.sent_closed` : `${P}.sent`) });
      } catch (err) {
        fail(msg, err);
      }
    });
  });
  return form;
}

async function assignPanel(ctx, ticket, reload, fail) {
  const msg = messages();
  let people = [];
  try {
    people = (await ctx.api('GET', `/api/v1/staff/tickets/${ticket.id}/assignees`)).items;
  } catch (err) {
    msg.fail(explain(ctx, err, P));
  }
  const assign = async (form, staffId, done) => busy(form, async () => {
    try {
      await ctx.api('POST', `/api/v1/staff/tickets/${ticket.id}/assignment`, { staff_id: staffId, version: ticket.version });
      reload({ ok: done });
    } catch (err) {
      fail(msg, err);
    }
  });
  const mineAlready = ticket.assigned_to === ctx.staff.id;
  const who = select([
    { value: '', label: t(`${P}.choose_colleague`) },
    ...people.map((p) => ({ value: p.id, label: `${p.name} (${p.username}, ${t(`console.role.${p.role}`)})`, selected: p.id === ticket.assigned_to })),
  ], { id: 'tk-assign-to', name: 'staff_id' });
  const form = h('form', { class: 'panel', id: 'tk-assign' },
    h('h2', {}, t(`${P}.assign_title`)),
    h('div', { class: 'actions' },
      mineAlready ? null : h('button', { type: 'button', class: 'btn primary', id: 'tk-take',
        onclick: () => assign(form, ctx.staff.id, t(`${P}.taken`)) }, t(`${P}.take`))),
    field(t(`${P}.assign_to`), who),
    ...msg.els,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn secondary', id: 'tk-assign-submit' }, t(`${P}.assign`)),
      ticket.assigned_to ? h('button', { type: 'button', class: 'btn secondary', id: 'tk-unassign',
        onclick: () => assign(form, null, t(`${P}.unassigned_done`)) }, t(`${P}.unassign`)) : null));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!who.value) { msg.fail(t(`${P}.choose_first`)); who.focus(); return; }
    const person = people.find((p) => p.id === who.value);
    assign(form, who.value, t(`${P}.assigned_to`, { name: person ? person.name : '' }));
  });
  return form;
}

function statusPanel(ctx, ticket, reload, fail) {
  const msg = messages();
  const change = (form, status, done) => busy(form, async () => {
    try {
      await ctx.api('POST', `/api/v1/staff/tickets/${ticket.id}/status`, { status, version: ticket.version });
      reload({ ok: done });
    } catch (err) {
      fail(msg, err);
    }
  });
  const form = h('div', { class: 'panel', id: 'tk-status-panel' });
  form.append(
    h('h2', {}, t(`${P}.status_title`)),
    h('div', { class: 'actions' },
      ticket.status === 'open' ? h('button', { type: 'button', class: 'btn secondary', id: 'tk-start',
        onclick: () => change(form, 'in_progress', t(`${P}.started`)) }, t(`${P}.start`)) : null,
      h('button', { type: 'button', class: 'btn danger secondary', id: 'tk-close',
        onclick: () => change(form, 'closed', t(`${P}.closed_done`)) }, t(`${P}.close`))),
    ...msg.els);
  return form;
}

// --- recording a phone or counter request --------------------------------------------------

async function newScreen(ctx) {
  const places = await cities(ctx);
  const provincial = ctx.staff.role === 'provincial_operator';
  const msg = messages();
  const channel = select(CHANNELS.map((c) => ({ value: c, label: label(`${P}.channel`, c) })), { id: 'tk-n-channel', name: 'channel' });
  const kind = select(KINDS.map((k) => ({ value: k, label: label(`${P}.kind`, k) })), { id: 'tk-n-kind', name: 'kind' });
  const subject = input({ id: 'tk-n-subject', name: 'subject', required: true, maxlength: 120 });
  const body = h('textarea', { id: 'tk-n-body', name: 'body', rows: 6, required: true, maxlength: 4000 });
  const contact = input({ id: 'tk-n-contact', name: 'contact', maxlength: 128, autocomplete: 'off' });
  const city = provincial
    ? select([
      { value: PROVINCE, label: t(`${P}.province`) },
      ...places.filter((c) => !c.province && c.code !== PROVINCE).map((c) => ({ value: c.code, label: regionName(c) })),
    ], { id: 'tk-n-city', name: 'city_code' })
    : null;
  const result = h('div', { id: 'tk-n-result' });
  const form = h('form', { class: 'panel', id: 'tk-new-form' },
    h('div', { class: 'form-grid' },
      field(t(`${P}.n.channel`), channel),
      field(t(`${P}.n.kind`), kind),
      city ? field(t(`${P}.n.city`), city) : null),
    field(t(`${P}.n.subject`), subject),
    field(t(`${P}.n.body`), body),
    field(t(`${P}.n.contact`), contact, t(`${P}.n.contact_hint`)),
    ...msg.els,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, t(`${P}.n.submit`))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!subject.value.trim() || !body.value.trim()) { msg.fail(t(`${P}.err.ticket.empty`)); return; }
    busy(form, async () => {
      try {
        const answer = await ctx.api('POST', '/api/v1/staff/tickets', {
          channel: channel.value, kind: kind.value, subject: subject.value.trim(), body: body.value.trim(),
          contact: contact.value.trim(), city_code: city ? city.value : (ctx.staff.city || PROVINCE),
        });
        form.reset();
        msg.clear();
        result.replaceChildren(h('div', { class: 'panel tk-created', role: 'status' },
          h('h2', { tabindex: '-1', id: 'tk-created-h' }, t(`${P}.n.done`)),
          h('p', {}, t(`${P}.n.tell`)),
          h('dl', { class: 'facts' },
            h('dt', {}, t(`${P}.fact.reference`)), h('dd', { id: 'tk-n-ref' }, h('code', {}, answer.ticket.reference)),
            answer.access_key ? [h('dt', {}, t(`${P}.n.key`)), h('dd', { id: 'tk-n-key' }, h('code', { class: 'secret' }, answer.access_key))] : null),
          h('p', {}, h('a', { class: 'btn secondary', href: `#/tickets/ticket?id=${answer.ticket.id}` }, t(`${P}.n.open`)))));
        result.querySelector('h2').focus();
      } catch (err) {
        msg.fail(explain(ctx, err, P));
      }
    });
  });
  return h('section', { class: 'tk-screen', 'data-screen': 'ticket-new' },
    h('p', {}, h('a', { href: '#/tickets', class: 'btn ghost tk-back' }, t(`${P}.back`))),
    h('h1', {}, t(`${P}.n.title`)),
    h('p', { class: 'hint' }, t(`${P}.n.intro`)),
    form, result);
}

export const section = {
  id: 'tickets',
  titleKey: 'console.tickets.title',
  roles: ['counter_operator', 'supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/tickets',
  screens: { '': inbox, ticket: ticketScreen, new: newScreen },
};
