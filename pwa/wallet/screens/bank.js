// The card's bank: which bank holds the card's account and whether it is open yet, a change of bank
// waiting for the new bank to open the account, the bank's suspension or end (with a prompt to
// choose another), and choosing another active bank (confirmed, with a fresh factor).

import { formatTime, t } from '/shared/i18n.js';
import { announce, clear, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { withStepUp } from '../stepup.js';
import { bilingual } from './service-labels.js';

// Where the card's account stands: its bank and account, what is pending, what the bank's status means.
function standing(card, registry) {
  if (!card?.bank) return null;
  const bank = bilingual(card.bank.name);
  const status = registry.find((b) => b.code === card.bank.code)?.status || 'active';
  const accountStatus = card.account_status === 'pending' || (!card.account && card.account_status !== 'open') ? 'pending' : 'open';
  const change = card.bank_change;
  return h('section', { id: 'bank-now', 'aria-labelledby': 'bank-now-title', dataset: { bank: card.bank.code, account: accountStatus, bankStatus: status, change: change?.bank_code || '' } },
    h('h2', { id: 'bank-now-title' }, t('bank.now_title')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('bank.name')), h('dd', { id: 'bank-current' }, bank),
      h('dt', {}, t('bank.account')),
      h('dd', { id: 'bank-account' }, accountStatus === 'open' && card.account ? `${card.account} ` : '',
        h('span', { class: `pay-status ${accountStatus === 'open' ? 'ok' : 'pending'}` }, t(`bank.account_status.${accountStatus}`)))),
    accountStatus === 'pending' ? h('p', { class: 'notice', id: 'bank-account-pending' }, t('bank.account_pending', { bank })) : null,
    status === 'suspended' ? h('p', { class: 'notice', id: 'bank-suspended' }, t('bank.suspended', { bank })) : null,
    status === 'ended' ? h('p', { class: 'notice', id: 'bank-ended' }, t('bank.ended', { bank })) : null,
    change ? h('p', { class: 'notice', id: 'bank-change', dataset: { bank: change.bank_code } },
      t('bank.change_pending', { bank: bilingual(change.bank_name), time: formatTime(change.requested_at) })) : null);
}

export async function bankScreen(app) {
  await app.loadCard().catch(() => null); // fresh: the account may have opened since the card was last read
  const status = h('p', { id: 'bank-status', role: 'status', hidden: true });
  let registry = [];
  let error = null;
  try {
    const answer = await app.api('GET', EP.banks);
    registry = Array.isArray(answer) ? answer : answer.items || [];
  } catch (err) {
    error = app.errorText(err);
  }
  const banks = registry.filter((b) => !b.status || b.status === 'active'); // only active banks take new cards
  const now = h('div', { id: 'bank-standing' }, standing(app.card, registry));
  const current = app.card?.bank?.code;
  const asked = app.card?.bank_change?.bank_code;
  const choices = banks.map((b, i) => h('div', { class: 'row' },
    h('input', { type: 'radio', name: 'bank', id: `bank-${i}`, value: b.code, checked: b.code === current }),
    h('label', { for: `bank-${i}` }, bilingual(b.name),
      b.code === current ? ` (${t('bank.current')})` : '', b.code === asked ? ` (${t('bank.requested_label')})` : '')));
  const form = h('form', {
    id: 'bank-form',
    onsubmit: async (e) => {
      e.preventDefault();
      const picked = form.querySelector('input[name=bank]:checked')?.value;
      if (!picked || picked === current) { status.textContent = t('bank.pick_other'); status.hidden = false; return; }
      const bank = banks.find((b) => b.code === picked);
      const ok = await confirmDialog({ title: t('bank.confirm_title'), body: t('bank.confirm_body', { bank: bilingual(bank.name) }), confirm: t('bank.confirm') });
      if (!ok) return;
      try {
        const answer = await withStepUp(app, () => app.api('POST', EP.bank, { bank_code: picked }));
        if (answer?.state) await app.setCard(answer); else await app.loadCard();
        // The new bank opens the account first; until it answers the card stays where it is.
        const waiting = app.card?.bank_change?.bank_code === picked;
        status.textContent = t(waiting ? 'bank.requested' : 'bank.done', { bank: bilingual(bank.name) });
        clear(now).append(standing(app.card, registry) || '');
        announce(status.textContent);
      } catch (err) {
        status.textContent = app.errorText(err);
      }
      status.hidden = false;
    },
  },
  h('fieldset', {}, h('legend', {}, t('bank.choose')), choices),
  h('button', { type: 'submit', class: 'btn primary block' }, t('bank.submit')));
  return h('section', { class: 'bank-screen' },
    h('h1', {}, t('title.bank')),
    h('a', { class: 'btn secondary', href: '#/' }, t('common.back')),
    now,
    h('p', {}, t('bank.intro')),
    error ? h('p', { class: 'error', role: 'alert' }, error) : form,
    status);
}
