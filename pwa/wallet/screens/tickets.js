// Wallet screen: consultation and complaints (咨询投诉, issue 15). Ask or complain (kind,
// subject, message, city, optionally the service point it is about), see my tickets with their
// status, open one to read the answers, write again or close it.
// #/tickets lists them with the form; #/tickets?id=<id> is one conversation.

import { formatTime, t } from '/shared/i18n.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { back, errorBox, hashParams, label, localText, regionName, showError } from './service-labels.js';

const KINDS = ['consultation', 'complaint'];
const PAGE = 20;

function statusBadge(status) {
  return h('span', { class: `svc-badge ${status}`, dataset: { status } }, t(`svc.ticket.status.${status}`));
}

function field(id, key, control, hint) {
  return h('div', { class: 'field' },
    h('label', { for: id }, t(key)),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, t(hint)) : null,
    control);
}

export async function ticketsScreen(app) {
  const id = hashParams().get('id');
  return id ? conversation(app, id) : overview(app);
}

async function overview(app) {
  const root = h('section', { class: 'services', id: 'tickets' }, h('h1', {}, t('title.tickets')), back());
  const listBox = h('section', { id: 'ticket-list-box', 'aria-labelledby': 'ticket-list-title' });
  let regions = [];
  try {
    regions = await app.api('GET', EP.regions).then((r) => r.items || r);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }
  root.append(h('p', { class: 'hint' }, t('svc.ticket.intro'), ' ', h('a', { href: 'tel:12333', id: 'ticket-phone' }, t('svc.ticket.phone'))));

  let offset = 0;
  const list = h('ul', { class: 'list svc-list', id: 'ticket-list' });
  const more = h('button', { type: 'button', class: 'btn secondary block', id: 'ticket-more', hidden: true, onclick: () => load() }, t('svc.load_more'));
  const listError = errorBox('ticket-list-error');
  clear(listBox).append(h('h2', { id: 'ticket-list-title' }, t('svc.ticket.list_title')), list, more, listError);

  async function load() {
    let page;
    try {
      page = await app.api('GET', `${EP.myTickets}?limit=${PAGE}&offset=${offset}`);
    } catch (err) {
      showError(listError, app.errorText(err));
      return;
    }
    if (!offset && !page.items.length) list.append(h('li', { class: 'hint', id: 'ticket-empty' }, t('svc.ticket.empty')));
    list.append(...page.items.map((x) => h('li', { id: `ticket-${x.id}`, dataset: { ticket: x.id, status: x.status, kind: x.kind } },
      h('div', { class: 'grow' },
        h('h3', { class: 'svc-item-title' },
          h('a', { href: `#/tickets?id=${x.id}`, class: 'ticket-open' }, x.subject), ' ', statusBadge(x.status)),
        h('p', { class: 'muted' }, [t(`svc.ticket.kind.${x.kind}`), x.reference, formatTime(x.updated_at)].join(t('common.list_sep')))))));
    offset = page.next_offset ?? offset;
    more.hidden = page.next_offset == null;
  }

  root.append(newForm(app, regions), listBox);
  await load();
  return root;
}

function newForm(app, regions) {
  const cities = regions.filter((r) => !r.province);
  const kinds = h('fieldset', { id: 'ticket-kind' },
    h('legend', {}, t('svc.ticket.kind')),
    KINDS.map((k, i) => h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'kind', id: `ticket-kind-${k}`, value: k, checked: i === 0 }),
      h('label', { for: `ticket-kind-${k}` }, t(`svc.ticket.kind.${k}`)))));
  const subject = h('input', { id: 'ticket-subject', name: 'subject', required: true, maxlength: 120, autocomplete: 'off' });
  const body = h('textarea', { id: 'ticket-body', name: 'body', required: true, maxlength: 4000, rows: 5 });
  const city = h('select', { id: 'ticket-city', name: 'city' },
    h('option', { value: '' }, t('svc.ticket.city_any')),
    cities.map((r) => h('option', { value: r.code }, regionName(r))));
  const point = h('select', { id: 'ticket-point', name: 'service_point', disabled: true, 'aria-describedby': 'ticket-point-hint' },
    h('option', { value: '' }, t('svc.ticket.point_none')));
  city.addEventListener('change', async () => {
    clear(point).append(h('option', { value: '' }, t('svc.ticket.point_none')));
    point.disabled = !city.value;
    if (!city.value) return;
    try {
      const page = await app.api('GET', `${EP.servicePoints}?city_code=${encodeURIComponent(city.value)}&limit=100`);
      point.append(...page.items.map((p) => h('option', { value: p.id }, localText(p.name))));
    } catch { /* the point is optional: the ticket still goes to the city */ }
  });
  const error = errorBox('ticket-form-error');
  const done = h('p', { id: 'ticket-done', class: 'notice', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary block', id: 'ticket-submit' }, t('svc.ticket.submit'));
  const form = h('form', { id: 'ticket-form', novalidate: true, 'aria-labelledby': 'ticket-form-title' },
    h('h2', { id: 'ticket-form-title' }, t('svc.ticket.new_title')),
    kinds,
    field('ticket-subject', 'svc.ticket.subject', subject),
    field('ticket-body', 'svc.ticket.body', body),
    field('ticket-city', 'svc.ticket.city', city),
    field('ticket-point', 'svc.ticket.point', point, 'svc.ticket.point_hint'),
    error, done, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!subject.value.trim()) { showError(error, t('svc.ticket.need_subject')); subject.focus(); return; }
    if (!body.value.trim()) { showError(error, t('svc.ticket.need_body')); body.focus(); return; }
    const data = {
      kind: form.querySelector('input[name=kind]:checked').value,
      subject: subject.value.trim(),
      body: body.value.trim(),
    };
    if (city.value) data.city_code = city.value;
    if (point.value) data.service_point_id = point.value;
    submit.disabled = true;
    try {
      const answer = await app.api('POST', EP.tickets, data);
      announce(t('svc.ticket.sent', { ref: answer.ticket.reference }));
      app.go(`tickets?id=${answer.ticket.id}`);
    } catch (err) {
      showError(error, app.errorText(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function conversation(app, id) {
  const root = h('section', { class: 'services', id: 'ticket' });
  let ticket;
  try {
    ticket = await app.api('GET', EP.myTicket(id));
  } catch (err) {
    root.append(h('h1', {}, t('title.tickets')), back('#/tickets', 'svc.ticket.back'), h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }
  const status = h('p', { id: 'ticket-status', class: 'notice', role: 'status', hidden: true });
  const thread = h('ol', { class: 'thread', id: 'ticket-thread', 'aria-label': t('svc.ticket.thread') });
  const head = h('div', { id: 'ticket-head' });
  const error = errorBox('ticket-error');
  const formBox = h('div', { id: 'ticket-reply-box' });

  function draw(tk) {
    ticket = tk;
    root.dataset.status = tk.status;
    clear(head).append(
      h('dl', { class: 'facts' },
        h('dt', {}, t('svc.ticket.reference')), h('dd', { id: 'ticket-ref' }, tk.reference),
        h('dt', {}, t('svc.ticket.kind')), h('dd', {}, t(`svc.ticket.kind.${tk.kind}`)),
        h('dt', {}, t('svc.ticket.state')), h('dd', {}, statusBadge(tk.status)),
        h('dt', {}, t('svc.ticket.channel')), h('dd', {}, label('svc.ticket.channel', tk.channel)),
        h('dt', {}, t('svc.ticket.created')), h('dd', {}, formatTime(tk.created_at))));
    clear(thread).append(...tk.messages.map((m, i) => h('li', { class: `msg ${m.author}`, dataset: { author: m.author, index: String(i) } },
      h('p', { class: 'msg-who' }, t(`svc.ticket.author.${m.author}`), t('common.list_sep'), formatTime(m.at)),
      h('p', { class: 'msg-body' }, m.body))));
    clear(formBox).append(tk.status === 'closed' ? h('p', { class: 'hint', id: 'ticket-closed' }, t('svc.ticket.closed_note')) : replyForm());
  }

  function replyForm() {
    const text = h('textarea', { id: 'ticket-reply', name: 'body', maxlength: 4000, rows: 4 });
    const send = h('button', { type: 'submit', class: 'btn primary', id: 'ticket-send' }, t('svc.ticket.send'));
    const close = h('button', { type: 'button', class: 'btn secondary', id: 'ticket-close', onclick: closeTicket }, t('svc.ticket.close'));
    const form = h('form', { id: 'ticket-reply-form', novalidate: true },
      field('ticket-reply', 'svc.ticket.follow_up', text, ticket.status === 'answered' ? 'svc.ticket.reopens' : null),
      h('div', { class: 'row' }, send, close));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!text.value.trim()) { showError(error, t('svc.ticket.need_body')); text.focus(); return; }
      send.disabled = true;
      try {
        draw(await app.api('POST', EP.myTicketMessages(ticket.id), { body: text.value.trim() }));
        say(t('svc.ticket.follow_up_sent'));
      } catch (err) {
        showError(error, app.errorText(err));
      } finally {
        send.disabled = false;
      }
    });
    return form;
  }

  async function closeTicket() {
    const ok = await confirmDialog({ title: t('svc.ticket.close_title'), body: t('svc.ticket.close_body'), confirm: t('svc.ticket.close') });
    if (!ok) return;
    try {
      draw(await app.api('POST', EP.myTicketMessages(ticket.id), { close: true }));
      say(t('svc.ticket.closed'));
    } catch (err) {
      showError(error, app.errorText(err));
    }
  }

  function say(text) {
    status.textContent = text;
    status.hidden = false;
    announce(text);
  }

  root.append(h('h1', {}, ticket.subject), back('#/tickets', 'svc.ticket.back'), head, status,
    h('h2', {}, t('svc.ticket.thread')), thread, error, formBox);
  draw(ticket);
  return root;
}
