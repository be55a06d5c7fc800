// Wallet screen: my linked certificates (亮证, issue 15). Each certificate as a card face a clerk
// can read (type, holder, issuer, validity, status in words), a detail view, and "show with my
// code": a full-screen code that also presents this certificate where a scenario accepts it.
// #/certificates lists them; #/certificates?id=<id> shows one.

import { t } from '/shared/i18n.js';
import { qrSvg } from '/shared/qr-render.js';
import { announce, clear, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { back, dateOnly, errorBox, fieldName, fieldValue, hashParams, showError, typeName, bilingual } from './service-labels.js';

const LEAD_S = 5; // a fresh code appears this long before the shown one expires (as screens/code.js)
const BAD = new Set(['revoked', 'suspended']);

function statusBadge(status) {
  const tone = status === 'active' ? 'ok' : BAD.has(status) ? 'bad' : 'warn';
  return h('span', { class: `cert-status ${tone}`, dataset: { status } }, t(`svc.cert.status.${status}`));
}

// The face: what a clerk looks at when the holder turns the phone round.
function certFace(cert, app, { headingLevel = 'h2', link = false } = {}) {
  const name = typeName(cert.type, cert.type_name);
  const title = link
    ? h('a', { href: `#/certificates?id=${cert.id}`, class: 'cert-open', id: `open-${cert.id}` }, name)
    : name;
  return h('article', {
    class: `certface status-${cert.status}`,
    id: `cert-${cert.id}`,
    dataset: { type: cert.type, status: cert.status },
    'aria-labelledby': `cert-title-${cert.id}`,
  },
  h('p', { class: 'cert-issuer' }, t('svc.cert.issued_by', { issuer: bilingual(cert.issuer_name) })),
  h(headingLevel, { class: 'cert-kind', id: `cert-title-${cert.id}` }, title),
  h('p', { class: 'cert-holder' }, app.card?.holder_name || ''),
  h('dl', { class: 'facts' },
    h('dt', {}, t('svc.cert.status')),
    h('dd', {}, statusBadge(cert.status)),
    h('dt', {}, t('svc.cert.valid_from')),
    h('dd', { class: 'cert-from' }, dateOnly(cert.valid_from)),
    h('dt', {}, t('svc.cert.valid_until')),
    h('dd', { class: 'cert-until' }, cert.valid_until ? dateOnly(cert.valid_until) : t('svc.cert.no_end')),
    app.card?.number ? [h('dt', {}, t('svc.cert.card')), h('dd', { class: 'cert-card' }, app.card.number)] : null));
}

function attributesList(cert) {
  const names = Object.keys(cert.attributes || {});
  if (!names.length) return null;
  return h('dl', { class: 'facts cert-attrs', id: 'cert-attributes' },
    names.flatMap((n) => [h('dt', {}, fieldName(n)), h('dd', { dataset: { field: n } }, fieldValue(n, cert.attributes[n]))]));
}

// Where the certificate may be shown with the code, and what each place then sees.
function acceptedWhere(ctype) {
  const disclosure = ctype?.disclosure || {};
  const scenarios = Object.keys(disclosure);
  if (!scenarios.length) return { scenarios, el: h('p', { class: 'hint', id: 'cert-not-shown' }, t('svc.cert.not_accepted')) };
  return {
    scenarios,
    el: h('div', { id: 'cert-accepted' },
      h('h2', {}, t('svc.cert.accepted_title')),
      h('ul', { class: 'links' }, scenarios.map((s) => h('li', { dataset: { scenario: s } },
        h('strong', {}, t(`scenario.${s}`)), t('common.list_sep'),
        t('svc.cert.they_see', {
          what: [t('svc.cert.status'), ...disclosure[s].map(fieldName)].join(t('common.list_sep')),
        }))))),
  };
}

export async function certificatesScreen(app) {
  const id = hashParams().get('id');
  return id ? detail(app, id) : list(app);
}

async function list(app) {
  const root = h('section', { class: 'services', id: 'certificates' }, h('h1', {}, t('title.certificates')), back());
  let certs;
  try {
    certs = await app.api('GET', EP.myCertificates);
  } catch (err) {
    root.append(h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }
  root.append(h('p', { class: 'hint' }, t('svc.cert.intro')));
  if (!certs.length) {
    root.append(h('p', { id: 'certs-empty', class: 'notice' }, t('svc.cert.empty')));
    return root;
  }
  root.append(h('ul', { class: 'cert-list', id: 'cert-list' }, certs.map((c) => h('li', {},
    certFace(c, app, { link: true }),
    h('a', { class: 'btn secondary block', href: `#/certificates?id=${c.id}`, 'aria-describedby': `cert-title-${c.id}` }, t('svc.cert.details'))))));
  return root;
}

async function detail(app, id) {
  const root = h('section', { class: 'services', id: 'certificate' });
  let cert;
  let types = [];
  try {
    [cert, types] = await Promise.all([
      app.api('GET', EP.myCertificate(id)),
      app.api('GET', EP.certificateTypes).catch(() => []),
    ]);
  } catch (err) {
    root.append(h('h1', {}, t('title.certificates')), back('#/certificates', 'svc.cert.back'),
      h('p', { class: 'error', role: 'alert' }, app.errorText(err)));
    return root;
  }
  if (!app.card) await app.loadCard().catch(() => null);
  const ctype = types.find((x) => x.code === cert.type);
  const where = acceptedWhere(ctype);
  const error = errorBox('cert-error');
  const overlay = h('section', { id: 'cert-code', hidden: true, 'aria-labelledby': 'cert-code-title' });
  const showable = cert.status === 'active' && where.scenarios.length > 0;
  const code = showCode(app, cert, overlay, error);

  root.append(...[ // DOM append writes null out as text: leave the absent parts out
    h('h1', {}, typeName(cert.type, cert.type_name)),
    back('#/certificates', 'svc.cert.back'),
    certFace(cert, app, { headingLevel: 'h2' }),
    cert.reason && cert.status !== 'active' ? h('p', { class: 'notice', id: 'cert-reason' }, t('svc.cert.reason', { reason: cert.reason })) : null,
    h('h2', {}, t('svc.cert.contents')),
    attributesList(cert) || h('p', { class: 'hint' }, t('svc.cert.no_attributes')),
    where.el,
    showable
      ? h('button', { type: 'button', class: 'btn primary block', id: 'cert-show', onclick: code.open }, t('svc.cert.show'))
      : h('p', { class: 'hint', id: 'cert-cannot-show' }, t(cert.status === 'active' ? 'svc.cert.not_accepted' : 'svc.cert.not_usable')),
    error,
    h('details', { class: 'advanced cert-signature' },
      h('summary', {}, t('svc.cert.signature')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('svc.cert.version')), h('dd', {}, String(cert.version)),
        h('dt', {}, t('svc.cert.issued_at')), h('dd', {}, dateOnly(cert.issued_at)),
        h('dt', {}, t('svc.cert.key')), h('dd', { class: 'mono' }, cert.signature?.key_id || ''))),
    overlay].filter(Boolean));
  return { el: root, cleanup: code.close };
}

// The full-screen code that shows this certificate; renewed before it expires, Esc closes it.
function showCode(app, cert, overlay, error) {
  let refresh = null;
  let tick = null;
  let open = false;
  const bar = () => document.getElementById('bar');
  // Keyboard and reader focus stay in the code while it covers the screen.
  const beneath = (inert) => {
    if (bar()) bar().inert = inert;
    for (const el of overlay.parentElement?.children || []) if (el !== overlay) el.inert = inert;
  };

  const stop = () => { clearTimeout(refresh); clearInterval(tick); };
  const onKey = (e) => { if (e.key === 'Escape') close(); };

  function close() {
    if (!open) return;
    open = false;
    stop();
    overlay.hidden = true;
    overlay.className = '';
    clear(overlay);
    beneath(false);
    document.removeEventListener('keydown', onKey);
    document.getElementById('cert-show')?.focus();
  }

  async function next() {
    if (!open) return;
    stop();
    let answer;
    try {
      answer = await app.api('POST', EP.certificateCode(cert.id));
    } catch (err) {
      close();
      showError(error, app.errorText(err));
      return;
    }
    if (!open) return;
    const svg = await qrSvg(answer.code, t('svc.cert.qr_label', { type: typeName(cert.type, cert.type_name) }));
    const lifetime = (answer.expires_at - answer.issued_at) * 1000;
    const expires = Date.now() + lifetime;
    const count = h('p', { class: 'countdown', id: 'cert-countdown', role: 'timer', 'aria-live': 'off' });
    const progress = h('progress', { max: Math.round(lifetime / 1000), value: Math.round(lifetime / 1000), 'aria-label': t('code.time_left_label') });
    const update = () => {
      const left = Math.max(0, Math.ceil((expires - Date.now()) / 1000));
      count.textContent = t('code.expires_in', { s: left });
      progress.value = left;
    };
    const serial = Number(overlay.dataset.serial || 0) + 1;
    overlay.dataset.serial = String(serial);
    clear(overlay).append(
      h('h1', { id: 'cert-code-title' }, t('svc.cert.code_title')),
      h('p', { class: 'mode', id: 'cert-code-what' }, typeName(cert.type, cert.type_name), t('common.list_sep'), t(`svc.cert.status.${cert.status}`)),
      h('div', { class: 'qrbox', id: 'cert-qr' }, svg),
      count, progress,
      h('p', { class: 'hint' }, t('svc.cert.code_hint')),
      h('button', { type: 'button', class: 'btn secondary', id: 'cert-code-close', onclick: close }, t('code.close')));
    update();
    tick = setInterval(update, 1000);
    refresh = setTimeout(next, Math.max(1000, lifetime - LEAD_S * 1000));
    if (serial === 1) {
      const heading = overlay.querySelector('h1');
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    } else {
      announce(t('code.renewed'));
    }
  }

  return {
    open() {
      if (open) return;
      open = true;
      error.hidden = true;
      overlay.dataset.serial = '0';
      overlay.className = 'codeview';
      overlay.hidden = false;
      beneath(true);
      document.addEventListener('keydown', onKey);
      next();
    },
    close,
  };
}
