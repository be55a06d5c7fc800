// Sites I signed in to with the card (issue 19): what each may read, first and last sign-in, and revoking one.

import { formatTime, has, t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { clientName } from './authorize.js';

const scopeName = (s) => (has(`oidc.scope.${s}`) ? t(`oidc.scope.${s}`) : s);

function grantItem(app, g, refresh) {
  const client = { id: g.client_id, name: g.name, name_en: g.name_en };
  const name = clientName(client);
  const revoke = h('button', {
    type: 'button', class: 'btn danger', id: `revoke-${g.client_id}`,
    'aria-label': t('oidc.signins.revoke_of', { site: name }),
    onclick: async () => {
      const ok = await confirmDialog({
        title: t('oidc.signins.revoke_title', { site: name }),
        body: t('oidc.signins.revoke_body'),
        confirm: t('oidc.signins.revoke'),
        danger: true,
      });
      if (!ok) return;
      try {
        await app.api('POST', EP.oidcGrantRevoke(g.client_id)); // no body: the route takes none
        announce(t('oidc.signins.revoked', { site: name }));
        await refresh(t('oidc.signins.revoked', { site: name }));
      } catch (err) {
        await refresh(app.errorText(err), true);
      }
    },
  }, t('oidc.signins.revoke'));
  const scopes = (g.scopes || []).filter((s) => s !== 'openid');
  const active = g.active !== false; // a revoked site stays listed, marked, until it signs the holder in again
  return h('li', { class: 'grant', dataset: { client: g.client_id, active: active ? '1' : '0' } },
    h('div', { class: 'grow' },
      h('strong', { class: 'grant-name' }, name),
      h('div', { class: 'grant-scopes' }, t('oidc.signins.shares', {
        what: scopes.length ? scopes.map(scopeName).join(t('common.list_sep')) : t('oidc.scope.openid'),
      })),
      h('div', { class: 'muted grant-when' }, t('oidc.signins.when', {
        first: formatTime(g.first_at),
        last: formatTime(g.last_at),
        n: g.count,
      })),
      active ? null : h('div', { class: 'grant-revoked' }, t('oidc.signins.is_revoked'))),
    active ? revoke : null);
}

export async function signinsScreen(app) {
  const root = h('section', { class: 'services', id: 'signins' });
  const draw = async (message, isError = false) => {
    let grants = null;
    let error = null;
    try {
      const answer = await app.api('GET', EP.oidcGrants);
      grants = Array.isArray(answer) ? answer : answer.items || [];
    } catch (err) {
      error = app.errorText(err);
    }
    root.replaceChildren(...[
      h('h1', {}, t('title.signins')),
      h('a', { class: 'btn secondary', href: '#/' }, t('common.back')),
      h('p', {}, t('oidc.signins.intro')),
      message ? h('p', { class: isError ? 'error' : 'success', role: isError ? 'alert' : 'status', id: 'signins-message' }, message) : null,
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      grants && !grants.length ? h('p', { id: 'signins-empty' }, t('oidc.signins.empty')) : null,
      grants && grants.length
        ? h('ul', { class: 'list', id: 'grants', 'aria-label': t('title.signins') }, grants.map((g) => grantItem(app, g, draw)))
        : null,
      h('p', {}, h('a', { href: '#/access', id: 'signins-to-access' }, t('oidc.signins.see_record'))),
      h('a', { class: 'btn block secondary', href: '#/scan', id: 'signins-to-scan' }, t('nav.scan')),
    ].filter(Boolean));
    if (message) root.querySelector('h1')?.focus?.();
  };
  await draw();
  return root;
}
