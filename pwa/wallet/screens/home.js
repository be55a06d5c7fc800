// Home: the card face, why a code cannot be shown (if so), and the card's actions.

import { formatTime, t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { dropCredential, releaseDevice } from '../device.js';
import { EP } from '../endpoints.js';
import { dropPush, inboxLink } from './inbox.js';
import { withStepUp } from '../stepup.js';

// Which lifecycle action the wallet offers, and how it asks before acting.
const ACTIONS = {
  report_temp_loss: { danger: true },
  lift_loss: { danger: false },
  request_replacement: { danger: true },
};

export function offlineBanner(app) {
  if (!app.stale) return null;
  return h('p', { class: 'notice offline', role: 'status', id: 'offline-banner' },
    t('common.offline_data', { time: formatTime(app.cardAt) }));
}

// What is wrong with the card and what the holder can do, or null when a code can be shown.
export function unusableReason(card) {
  if (!card) return { state: 'none' };
  if (card.ecard?.usable) return null;
  const state = card.state === 'active' ? 'ecard_off' : card.state;
  return { state, lapseAt: card.lapse_at };
}

export function reasonBox(reason) {
  return h('section', { class: 'reason', id: 'no-code', role: 'region', 'aria-labelledby': 'no-code-title', dataset: { state: reason.state } },
    h('h2', { id: 'no-code-title' }, t(`reason.${reason.state}.title`)),
    h('p', {}, t(`reason.${reason.state}.why`)),
    h('p', {}, h('strong', {}, t('reason.what_to_do')), ' ', t(`reason.${reason.state}.todo`)),
    reason.lapseAt ? h('p', {}, t('reason.lapses_at', { time: formatTime(reason.lapseAt) })) : null,
    h('p', { class: 'hint' }, t('reason.help_line')));
}

function cardFace(app) {
  const card = app.card;
  const number = h('span', { id: 'card-number', 'aria-live': 'polite' }, card.number);
  let shown = false;
  let timer = null;
  const hide = () => {
    shown = false;
    number.textContent = card.number;
    reveal.textContent = t('card.reveal');
    reveal.setAttribute('aria-pressed', 'false');
  };
  const reveal = h('button', {
    type: 'button', class: 'btn', id: 'reveal', 'aria-pressed': 'false', 'aria-controls': 'card-number',
    onclick: async () => {
      if (shown) { hide(); return; }
      try {
        const answer = await withStepUp(app, () => app.api('POST', EP.reveal));
        number.textContent = answer.card_number;
        shown = true;
        reveal.textContent = t('card.hide');
        reveal.setAttribute('aria-pressed', 'true');
        clearTimeout(timer);
        timer = setTimeout(hide, 30_000); // the full number should not stay on screen
      } catch (err) {
        announce(app.errorText(err));
      }
    },
  }, t('card.reveal'));
  const bad = card.state !== 'active';
  return h('section', { class: 'cardface', 'aria-labelledby': 'card-kind' },
    h('p', { class: 'region', id: 'card-region' }, t('card.issued_by', { region: card.region?.name || card.region?.code || '' })),
    h('h2', { class: 'kind', id: 'card-kind' }, t('card.kind')),
    h('p', { class: 'holder', id: 'card-holder' }, card.holder_name),
    h('p', { class: 'number' }, h('span', { class: 'visually-hidden' }, t('card.number')), number, app.stale ? null : reveal),
    h('dl', { class: 'facts' },
      h('dt', {}, t('card.status')),
      h('dd', {}, h('span', { class: bad ? 'badge bad' : 'badge', id: 'card-state', dataset: { state: card.state } }, t(`card.state.${card.state}`))),
      h('dt', {}, t('card.level')),
      h('dd', { id: 'card-level' }, t(`card.level.${card.ecard?.level ?? 0}`)),
      h('dt', { class: 'advanced' }, t('card.bank')),
      h('dd', { class: 'advanced', id: 'card-bank' }, card.bank?.name || '')));
}

async function act(app, action) {
  const ok = await confirmDialog({
    title: t(`action.${action}.confirm_title`),
    body: t(`action.${action}.confirm_body`),
    confirm: t(`action.${action}.confirm`),
    danger: ACTIONS[action].danger,
  });
  if (!ok) return;
  try {
    const answer = await withStepUp(app, () => app.api('POST', EP.action(action), {})); // lifting needs a fresh factor
    // After a replacement the new card (new number) is the one to show.
    const card = answer && (answer.new_card || answer.card);
    if (card && card.state) await app.setCard(card);
    else await app.loadCard();
    if (!app.card?.ecard?.usable) await dropCredential(); // the old credential is revoked now
    app.syncDevice(true);
    await app.render();
    announce(t(`action.${action}.done`));
    const done = document.getElementById('action-done');
    if (done) { done.textContent = t(`action.${action}.done`); done.hidden = false; }
  } catch (err) {
    await app.loadCard().catch(() => null);
    await app.render();
    const done = document.getElementById('action-done');
    if (done) { done.textContent = app.errorText(err); done.hidden = false; done.className = 'error'; }
  }
}

export async function signOut(app) {
  await dropPush(app); // this browser's notifications must not reach whoever signs in next
  await releaseDevice(app.api);
  try { await app.api('POST', EP.logout); } catch { /* the session ends locally anyway */ }
  await app.signedOut();
}

function actionItems(app, { all, unproven = false }) {
  const card = app.card;
  const allowed = new Set(card && !app.stale ? card.allowed_actions || [] : []);
  const items = [];
  // Lifting a loss report is safe and wanted at once; the destructive actions sit in their own
  // section lower on the screen (lossSection), away from the code button.
  if (allowed.has('lift_loss')) {
    items.push(h('li', {},
      h('button', { type: 'button', class: 'btn block secondary', id: 'do-lift_loss', onclick: () => act(app, 'lift_loss') }, t('action.lift_loss'))));
  }
  const link = (route, key, advanced = !all) => h('li', { class: advanced ? 'advanced' : null },
    h('a', { class: 'btn block secondary', href: `#/${route}`, id: `nav-${route}` }, t(key)));
  if (!app.stale && card && card.state === 'active') items.push(link('bank', 'nav.bank'));
  // Until its holder is proven an account sees no card record (issue 14): only its security.
  if (!unproven) {
    items.push(link('certificates', 'nav.certificates', false), link('history', 'nav.history'), link('access', 'nav.access'));
    items.push(link('payments', 'nav.payments', false)); // pensions and benefits: on the elder home screen too
    items.push(link('consents', 'nav.consents'), link('tickets', 'nav.tickets'));
    // issue 17: the HR file, statements from it, labour contracts (on the elder "more" screen)
    items.push(link('hrfile', 'nav.hrfile'), link('statements', 'nav.statements'), link('contracts', 'nav.contracts'));
    items.push(link('signins', 'nav.signins')); // issue 19: sites I signed in to with the card
    items.push(link('cases', 'nav.cases')); // issue 20: cases about my card (respond, appeal); a notice links there too
  }
  items.push(link('security', 'nav.security'));
  // The inbox is the person's: an account not yet proven to be them does not read it.
  if (!unproven) items.push(inboxLink(app, { id: all ? 'more-inbox' : 'nav-inbox' })); // with the unread count
  if (!all) items.push(h('li', { class: 'elder-only' }, h('a', { class: 'btn block secondary', href: '#/more', id: 'nav-more' }, t('nav.more'))));
  items.push(h('li', { class: all ? null : 'advanced' }, h('button', { type: 'button', class: 'btn block secondary', id: 'sign-out', onclick: () => signOut(app) }, t('nav.sign_out'))));
  return h('ul', { class: 'nav-list', 'aria-label': t('nav.actions') }, items);
}

// "Card lost or stolen?": the destructive actions, at the bottom of the screen where a shaky
// hand reaching for the code does not hit them, each behind a confirmation saying what happens.
function lossSection(app, { all }) {
  const card = app.card;
  const allowed = new Set(card && !app.stale ? card.allowed_actions || [] : []);
  const actions = Object.keys(ACTIONS).filter((a) => ACTIONS[a].danger && allowed.has(a));
  if (!actions.length) return null;
  return h('section', { class: 'loss', id: 'loss-section', 'aria-labelledby': 'loss-title' },
    h('h2', { id: 'loss-title' }, t('home.loss.title')),
    h('p', {}, t('home.loss.why')),
    actions.map((action) => h('button', {
      type: 'button', class: `btn block danger${action === 'request_replacement' && !all ? ' advanced' : ''}`,
      id: `do-${action}`, onclick: () => act(app, action),
    }, t(`action.${action}`))));
}

// No card: apply for one, or see the application under review (issue 14).
async function applyLink(app, { secondary = false } = {}) {
  const applications = await app.api('GET', EP.applications).catch(() => []);
  if (applications.some((a) => a.status === 'pending')) {
    return h('p', { class: 'notice', id: 'application-pending' }, t('home.application_pending'), ' ',
      h('a', { href: '#/apply', id: 'to-apply' }, t('home.see_application')));
  }
  if (secondary && applications.some((a) => a.status === 'approved')) return null; // the card is made: prove, above
  return h('a', { class: `btn ${secondary ? 'secondary' : 'primary'} block`, href: '#/apply', id: 'to-apply' }, t(secondary ? 'home.no_card_apply' : 'home.apply'));
}

export async function homeScreen(app) {
  // Fresh from the server each time; offline this falls back to the saved copy, flagged stale.
  let unproven = false;
  await app.loadCard().catch((err) => { unproven = err?.code === 'identity.not_proven'; });
  if (unproven) {
    // An account is not an identity: until its holder is proven, no card is shown (issue 14).
    return h('section', {}, h('h1', {}, t('title.home')),
      h('section', { class: 'reason', id: 'not-proven', 'aria-labelledby': 'not-proven-title' },
        h('h2', { id: 'not-proven-title' }, t('home.not_proven.title')),
        h('p', {}, t('home.not_proven.why')),
        h('a', { class: 'btn primary block', href: '#/activate', id: 'to-activate' }, t('apply.next_activate'))),
      await applyLink(app, { secondary: true }), actionItems(app, { all: false, unproven: true }));
  }
  if (!app.card) {
    return h('section', {}, h('h1', {}, t('title.home')), offlineBanner(app), reasonBox({ state: 'none' }),
      app.stale ? null : await applyLink(app), actionItems(app, { all: false }));
  }
  const reason = unusableReason(app.card);
  return h('section', {},
    h('h1', { class: 'visually-hidden' }, t('title.home')),
    offlineBanner(app),
    cardFace(app),
    h('p', { id: 'action-done', role: 'status', class: 'notice', hidden: true }),
    reason ? reasonBox(reason) : h('a', { class: 'btn primary block', href: '#/code', id: 'show-code' }, t('code.show')),
    // 扫一扫 (issue 19): a terminal's or a site's sign-in QR code
    app.stale ? null : h('a', { class: 'btn secondary block', href: '#/scan', id: 'nav-scan' }, t('nav.scan')),
    // An active card whose e-card is not issued: the holder proves who they are (issue 14).
    reason?.state === 'ecard_off' && !app.stale ? h('a', { class: 'btn primary block', href: '#/activate', id: 'to-activate' }, t('apply.next_activate')) : null,
    actionItems(app, { all: false }),
    lossSection(app, { all: false }));
}

// Elder mode keeps the home screen short; everything else is one tap away here.
export async function moreScreen(app) {
  await app.loadCard().catch(() => null); // fresh, or the saved copy flagged stale when offline
  return h('section', {},
    h('h1', {}, t('title.more')),
    h('a', { class: 'btn secondary', href: '#/' }, t('common.back')),
    offlineBanner(app),
    h('p', { id: 'action-done', role: 'status', class: 'notice', hidden: true }),
    h('a', { class: 'btn block secondary', href: '#/family', id: 'nav-family' }, t('nav.family')),
    actionItems(app, { all: true }),
    lossSection(app, { all: true }));
}
