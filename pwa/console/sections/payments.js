// Console section: money through the card for province staff (issue 16, docs/console.md "Payments"):
// payment runs and their progress, held orders with a retry, one order with its instructions and
// ledger, the daily reconciliation with the banks' reports, and an ended bank's migration report.

import { ApiError } from '/shared/api.js';
import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';
import { P, errorLine } from './payments-kit.js';
import { holdsScreen, orderScreen, runScreen, runsScreen } from './payments-runs.js';
import { bankScreen, banksScreen, reconciliationScreen } from './payments-reconciliation.js';

// A screen whose data the API refused shows the API's error code and words where the screen would
// be (other failures, such as being offline, go to the shell's own "could not load" screen).
function guarded(screen) {
  return async (ctx, params) => {
    try {
      return await screen(ctx, params);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401) throw err;
      return h('section', { class: 'adm-screen pay-screen', 'data-screen': 'payments-error' },
        h('h1', {}, t(`${P}.failed`)),
        errorLine(ctx, err, 'pay-error'),
        h('p', { class: 'actions' },
          h('button', { type: 'button', class: 'btn secondary', onclick: () => ctx.go(location.hash) }, t(`${P}.again`)),
          h('a', { class: 'btn secondary', href: '#/payments' }, t(`${P}.back`))));
    }
  };
}

export const section = {
  id: 'payments',
  titleKey: 'console.payments.title',
  // The staff payment routes are provincial only (backend.lib.auth.provincial_only): no one else sees the entry.
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/payments',
  screens: {
    '': guarded(runsScreen),
    run: guarded(runScreen),
    holds: guarded(holdsScreen),
    order: guarded(orderScreen),
    reconciliation: guarded(reconciliationScreen),
    banks: guarded(banksScreen),
    bank: guarded(bankScreen),
  },
};
