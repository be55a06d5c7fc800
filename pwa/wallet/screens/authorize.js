// A site asks to sign the holder in (issue 19, docs/oidc.md): who asks, exactly what it gets, why, approve or deny.
// #/authorize/<request id> comes from /oauth/authorize; the device screen (#/device) shows the same view.

import { currentLang, formatTime, has, t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { withStepUp } from '../stepup.js';

// The site's name in the reader's language (its registration has both).
export function clientName(client) {
  if (!client) return '';
  return (currentLang() === 'en' ? client.name_en : client.name) || client.name || client.name_en || client.id || '';
}

// A claim's value as the holder reads it: yes/no, a date, a document type in words; others as sent.
function claimValue(claim) {
  const v = claim.value;
  if (typeof v === 'boolean') return t(v ? 'oidc.value.yes' : 'oidc.value.no');
  if (v === null || v === undefined || v === '') return t('oidc.value.none');
  if (claim.name === 'yk_card_valid_until') return formatTime(v); // the statement's end (the token's exp), not the card's
  if (claim.name === 'yk_document_type' && has(`doc.${v}`)) return t(`doc.${v}`);
  return String(v);
}

function claimLabel(claim) {
  return has(`oidc.claim.${claim.name}`) ? t(`oidc.claim.${claim.name}`) : claim.label || claim.name;
}

// The consent view of one request. `onDone(answer, approved)` runs after approve or deny.
export function consentView(app, request, { onDone }) {
  const name = clientName(request.client);
  const claims = request.claims || [];
  const identity = (request.scopes || []).includes('identity');
  const error = h('p', { class: 'error', role: 'alert', id: 'consent-error', hidden: true });
  const act = async (approve) => {
    error.hidden = true;
    for (const b of buttons) b.disabled = true;
    try {
      // No body: these routes take none. A site that asked for a recent sign-in (max_age, prompt=login)
      // gets 403 auth.step_up_required: the step-up dialog asks for a fresh factor, then approves again.
      const post = () => app.api('POST', (approve ? EP.oidcApprove : EP.oidcDeny)(request.id));
      const answer = await withStepUp(app, post);
      await onDone(answer || {}, approve);
    } catch (err) {
      error.textContent = app.errorText(err);
      error.hidden = false;
      for (const b of buttons) b.disabled = false;
    }
  };
  const approve = h('button', { type: 'button', class: 'btn primary block', id: 'consent-approve', onclick: () => act(true) },
    t('oidc.approve'));
  const deny = h('button', { type: 'button', class: 'btn secondary block', id: 'consent-deny', onclick: () => act(false) },
    t('oidc.deny'));
  const buttons = [approve, deny];
  return h('div', { class: 'consent', id: 'consent', dataset: { kind: request.kind || 'code', client: request.client?.id || '' } },
    h('p', { class: 'consent-who' }, t(request.kind === 'device' ? 'oidc.asks_device' : 'oidc.asks', { site: name })),
    h('p', { class: 'consent-site', id: 'consent-site' }, h('strong', {}, name)),
    h('h2', { id: 'consent-what-title' }, t('oidc.what_title')),
    claims.length
      ? h('dl', { class: 'facts consent-claims', id: 'consent-claims', 'aria-labelledby': 'consent-what-title' },
        claims.flatMap((c) => [
          h('dt', { dataset: { claim: c.name } }, claimLabel(c)),
          h('dd', { dataset: { claim: c.name } }, claimValue(c)),
        ]))
      : null,
    h('p', { class: 'hint', id: 'consent-sub' }, t('oidc.sub_note', { site: name })),
    identity && request.client?.legal_basis
      ? h('section', { class: 'panel consent-basis', id: 'consent-basis', 'aria-labelledby': 'consent-basis-title' },
        h('h2', { id: 'consent-basis-title' }, t('oidc.basis_title')),
        h('p', {}, request.client.legal_basis))
      : null,
    request.expires_at ? h('p', { class: 'muted' }, t('oidc.expires', { time: formatTime(request.expires_at) })) : null,
    h('p', { class: 'hint' }, t('oidc.recorded')),
    error,
    h('div', { class: 'consent-actions' }, approve, deny));
}

// The request id of #/authorize/<id>.
function requestId() {
  return decodeURIComponent(location.hash.replace(/^#\/?/, '').split('?')[0].split('/')[1] || '');
}

export function gone(app, err) {
  const missing = err?.status === 404 || err?.status === 410;
  const known = err?.code && has(`error.${err.code}`);
  return h('p', { class: 'error', role: 'alert', id: 'consent-gone' }, missing && !known ? t('oidc.gone') : app.errorText(err));
}

export async function authorizeScreen(app) {
  const root = h('section', { class: 'services', id: 'authorize' }, h('h1', {}, t('title.authorize')));
  const id = requestId();
  if (!id) {
    root.append(h('p', { id: 'consent-gone' }, t('oidc.no_request')), h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
    return root;
  }
  let request;
  try {
    request = await app.api('GET', EP.oidcRequest(id));
  } catch (err) {
    root.append(gone(app, err), h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
    return root;
  }
  request.id = request.id || id;
  if (request.status && request.status !== 'pending') {
    root.append(h('p', { class: 'notice', id: 'consent-gone', dataset: { status: request.status } }, t(`oidc.status.${request.status}`)),
      h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
    return root;
  }
  root.append(consentView(app, request, {
    onDone: async (answer, approved) => {
      // Back to the site with its code (or access_denied); a site without a redirect (device) stays here.
      if (answer.redirect_to) {
        announce(t(approved ? 'oidc.returning' : 'oidc.denied_returning'));
        location.assign(answer.redirect_to);
        return;
      }
      root.replaceChildren(h('h1', {}, t('title.authorize')),
        h('p', { class: 'success', role: 'status', id: 'consent-done', dataset: { approved: approved ? '1' : '0' } },
          t(approved ? 'oidc.done' : 'oidc.denied')),
        h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
    },
  }));
  return root;
}
