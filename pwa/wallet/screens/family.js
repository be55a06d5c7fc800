// The family service (亲情服务, issue 14): the relatives I act for (add, show their code, end) and
// the people who act for me (agree, refuse, end). Adding a relative needs a fresh factor: the
// server answers 403 auth.step_up_required and the step-up dialog asks for one.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { qrSvg } from '/shared/qr-render.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { withStepUp } from '../stepup.js';

const KINDS = ['elder', 'child', 'spouse', 'other'];
const DOC_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_mo_travel_permit', 'tw_travel_permit', 'foreign_permanent_residence'];

export async function familyScreen(app) {
  let codeTimer = null;
  let closed = false;
  const status = h('p', { id: 'family-status', role: 'status', class: 'notice', hidden: true });
  const errorBox = h('p', { id: 'family-error', class: 'error', role: 'alert', hidden: true });
  const mine = h('section', { id: 'relatives', 'aria-labelledby': 'relatives-title' });
  const theirs = h('section', { id: 'proxies', 'aria-labelledby': 'proxies-title' });
  // Shown full-screen over the list (as the own code is), hidden and classless otherwise.
  const codePanel = h('section', { id: 'relative-code', hidden: true, 'aria-labelledby': 'relative-code-title' });
  const openPanel = () => { codePanel.className = 'codeview'; codePanel.hidden = false; };

  const say = (text) => { errorBox.hidden = true; status.textContent = text; status.hidden = false; announce(text); };
  // An answer may arrive after the screen was drawn anew (a language or elder-mode switch):
  // then the screen now shown is drawn again from the server, not this detached one.
  const redraw = async (draw) => { if (mine.isConnected) await draw(); else await app.render({ quiet: true }); };
  const fail = (err) => {
    status.hidden = true;
    errorBox.textContent = app.errorText(err);
    errorBox.hidden = false;
  };

  // --- the relatives I act for -----------------------------------------------------------

  async function drawRelatives() {
    let page;
    try {
      page = await app.api('GET', EP.family);
    } catch (err) {
      clear(mine).append(h('h2', { id: 'relatives-title' }, t('family.mine.title')));
      fail(err);
      return;
    }
    const total = page.limits.find((l) => l.relationship === 'total');
    const left = total.max - total.used;
    const limits = h('p', { id: 'family-limits', class: 'hint' },
      t('family.limits.left', { n: left }), ' ',
      page.limits.filter((l) => l.relationship !== 'total')
        .map((l) => t('family.limits.kind', { kind: t(`family.kind.${l.relationship}`), used: l.used, max: l.max })).join(t('family.limits.sep')));
    const list = h('ul', { class: 'family-list', id: 'relative-list' },
      page.items.length ? page.items.map(relativeItem) : h('li', { class: 'hint', id: 'no-relatives' }, t('family.mine.none')));
    clear(mine).append(h('h2', { id: 'relatives-title' }, t('family.mine.title')), limits, list,
      left > 0 ? addForm() : h('p', { class: 'notice', id: 'family-full' }, t('family.limits.full')));
  }

  function relativeItem(r) {
    const live = r.status === 'pending' || r.status === 'active';
    return h('li', { class: `family-item ${r.status}`, dataset: { relation: r.id, status: r.status } },
      h('p', { class: 'family-who' },
        h('strong', {}, r.name), ' · ', t(`family.kind.${r.relationship}`), ' · ',
        h('span', { class: `badge ${r.status}` }, t(`family.status.${r.status}`))),
      h('p', { class: 'hint' }, r.document),
      r.status === 'pending' ? h('p', { class: 'hint' }, t(r.minor ? 'family.pending.minor' : 'family.pending.adult')) : null,
      h('div', { class: 'row' },
        r.status === 'active' ? h('button', { type: 'button', class: 'btn primary', id: `show-${r.id}`, onclick: () => showCode(r) }, t('family.show_code')) : null,
        live ? h('button', { type: 'button', class: 'btn secondary', id: `end-${r.id}`, onclick: () => endRelative(r) }, t(r.status === 'pending' ? 'family.withdraw' : 'family.end')) : null));
  }

  function addForm() {
    const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
    const docType = h('select', { id: 'add-doc-type', name: 'doc_type' },
      DOC_TYPES.map((d) => h('option', { value: d }, t(`family.doc.${d}`))));
    const number = h('input', { id: 'add-id-number', name: 'id_number', required: true, autocomplete: 'off', maxlength: 32, inputmode: 'text', spellcheck: 'false' });
    const name = h('input', { id: 'add-name', name: 'name', required: true, maxlength: 128, autocomplete: 'off' });
    const kind = h('select', { id: 'add-relationship', name: 'relationship' },
      KINDS.map((k) => h('option', { value: k }, t(`family.kind.${k}`))));
    const form = h('form', { id: 'add-relative', class: 'card-form', novalidate: true },
      h('h3', {}, t('family.add.title')),
      h('p', { class: 'hint' }, t('family.add.hint')),
      field('add-doc-type', t('family.add.doc_type'), docType),
      field('add-id-number', t('family.add.id_number'), number),
      field('add-name', t('family.add.name'), name),
      field('add-relationship', t('family.add.relationship'), kind),
      h('button', { type: 'submit', class: 'btn primary block', id: 'add-submit' }, t('family.add.submit')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!number.value.trim() || !name.value.trim()) { fail(new ApiError(400, 'family.form_incomplete')); return; }
      const body = { doc_type: docType.value, id_number: number.value.trim(), name: name.value.trim(), relationship: kind.value };
      try {
        await withStepUp(app, () => app.api('POST', EP.family, body));
      } catch (err) {
        fail(err);
        return;
      }
      number.value = '';
      await redraw(drawRelatives);
      say(t('family.add.done'));
    });
    return h('details', { id: 'add-details', class: 'family-add' }, h('summary', { class: 'btn secondary', id: 'add-open' }, t('family.add.open')), form);
  }

  async function endRelative(r) {
    const ok = await confirmDialog({ title: t('family.end_confirm.title', { name: r.name }), body: t('family.end_confirm.body'), confirm: t('family.end'), danger: true });
    if (!ok) return;
    try {
      await app.api('DELETE', EP.familyRelation(r.id));
    } catch (err) { fail(err); return; }
    closeCode();
    await redraw(drawRelatives);
    say(t('family.ended'));
  }

  // --- a relative's code ------------------------------------------------------------------

  function closeCode() {
    clearInterval(codeTimer);
    codePanel.hidden = true;
    codePanel.className = '';
    clear(codePanel);
  }

  async function showCode(r) {
    closeCode();
    errorBox.hidden = true;
    let answer;
    try {
      answer = await app.api('POST', EP.familyCode(r.id));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'family.relative_card_not_usable' && err.details.ecard_level === 0 && err.details.state === 'active') {
        offerActivation(r);
        return;
      }
      fail(err);
      return;
    }
    if (closed) return;
    const svg = await qrSvg(answer.code, t('family.code.qr_label', { name: answer.relative_name }));
    const count = h('p', { class: 'countdown', id: 'relative-countdown', role: 'timer', 'aria-live': 'off' });
    const expires = Date.now() + (answer.expires_at - answer.issued_at) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.ceil((expires - Date.now()) / 1000));
      count.textContent = left ? t('family.code.expires_in', { s: left }) : t('family.code.expired');
      if (!left) clearInterval(codeTimer);
    };
    tick();
    codeTimer = setInterval(tick, 1000);
    clear(codePanel).append(
      h('h2', { id: 'relative-code-title' }, t('family.code.title', { name: answer.relative_name })),
      h('p', { class: 'mode' }, t('family.code.mode')),
      h('div', { class: 'qrbox', id: 'relative-qr', dataset: { relation: r.id } }, svg),
      count,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn primary', id: 'relative-code-again', onclick: () => showCode(r) }, t('family.code.again')),
        h('button', { type: 'button', class: 'btn secondary', id: 'relative-code-close', onclick: closeCode }, t('code.close'))));
    openPanel();
    announce(t('family.code.title', { name: answer.relative_name }));
  }

  function offerActivation(r) {
    clear(codePanel).append(
      h('h2', { id: 'relative-code-title' }, t('family.activate.title', { name: r.name })),
      h('p', {}, t('family.activate.body')),
      h('div', { class: 'row' },
        h('button', {
          type: 'button', class: 'btn primary', id: 'relative-activate',
          onclick: async () => {
            try {
              await app.api('POST', EP.familyEcard(r.id));
            } catch (err) { fail(err); return; }
            say(t('family.activate.done'));
            await showCode(r);
          },
        }, t('family.activate.submit')),
        h('button', { type: 'button', class: 'btn secondary', onclick: closeCode }, t('common.cancel'))));
    openPanel();
  }

  // --- who acts for me --------------------------------------------------------------------

  async function drawProxies() {
    let page;
    try {
      page = await app.api('GET', EP.proxies);
    } catch (err) {
      clear(theirs).append(h('h2', { id: 'proxies-title' }, t('family.theirs.title')));
      fail(err);
      return;
    }
    clear(theirs).append(h('h2', { id: 'proxies-title' }, t('family.theirs.title')),
      h('p', { class: 'hint' }, t('family.theirs.hint')),
      h('ul', { class: 'family-list', id: 'proxy-list' },
        page.items.length ? page.items.map(proxyItem) : h('li', { class: 'hint', id: 'no-proxies' }, t('family.theirs.none'))));
  }

  function proxyItem(p) {
    const act = (path, method, done) => async () => {
      if (method === 'DELETE') {
        const ok = await confirmDialog({ title: t('family.end_confirm.title', { name: p.name }), body: t('family.theirs.end_body'), confirm: t('family.end'), danger: true });
        if (!ok) return;
      }
      try {
        await app.api(method, path);
      } catch (err) { fail(err); return; }
      await redraw(drawProxies);
      say(t(done));
    };
    const since = p.since ? t('family.since', { date: new Date(p.since).toLocaleDateString() }) : null;
    return h('li', { class: `family-item ${p.status}`, dataset: { relation: p.id, status: p.status } },
      h('p', { class: 'family-who' },
        h('strong', {}, p.name), ' · ', t(`family.theirs.kind.${p.relationship}`), ' · ',
        h('span', { class: `badge ${p.status}` }, t(`family.status.${p.status}`))),
      since ? h('p', { class: 'hint' }, since) : null,
      p.status === 'pending' && !p.can_accept ? h('p', { class: 'hint' }, t('family.theirs.at_counter')) : null,
      h('div', { class: 'row' },
        p.can_accept ? h('button', { type: 'button', class: 'btn primary', id: `accept-${p.id}`, onclick: act(EP.proxyAccept(p.id), 'POST', 'family.theirs.accepted') }, t('family.theirs.accept')) : null,
        p.status === 'pending' ? h('button', { type: 'button', class: 'btn secondary', id: `refuse-${p.id}`, onclick: act(EP.proxyRefuse(p.id), 'POST', 'family.theirs.refused') }, t('family.theirs.refuse')) : null,
        p.status === 'active' ? h('button', { type: 'button', class: 'btn danger', id: `stop-${p.id}`, onclick: act(EP.proxy(p.id), 'DELETE', 'family.ended') }, t('family.end')) : null));
  }

  await Promise.all([drawRelatives(), drawProxies()]);
  const root = h('section', { class: 'family', 'aria-labelledby': 'family-title' },
    h('h1', { id: 'family-title' }, t('title.family')),
    h('a', { class: 'btn secondary', href: '#/more', id: 'family-back' }, t('common.back')),
    h('p', { class: 'hint' }, t('family.intro')),
    status, errorBox, codePanel, mine, theirs);
  return { el: root, cleanup() { closed = true; clearInterval(codeTimer); } };
}
