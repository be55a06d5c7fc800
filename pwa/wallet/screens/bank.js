// Changing the cooperating bank: pick another active bank, confirm, and the card moves there.

import { t } from '/shared/i18n.js';
import { announce, confirmDialog, h } from '/shared/ui.js';
import { EP } from '../endpoints.js';
import { withStepUp } from '../stepup.js';

export async function bankScreen(app) {
  if (!app.card) await app.loadCard().catch(() => null);
  const status = h('p', { id: 'bank-status', role: 'status', hidden: true });
  let banks = [];
  let error = null;
  try {
    const answer = await app.api('GET', EP.banks);
    banks = (Array.isArray(answer) ? answer : answer.items || []).filter((b) => !b.status || b.status === 'active');
  } catch (err) {
    error = app.errorText(err);
  }
  const current = app.card?.bank?.code;
  const choices = banks.map((b, i) => h('div', { class: 'row' },
    h('input', { type: 'radio', name: 'bank', id: `bank-${i}`, value: b.code, checked: b.code === current }),
    h('label', { for: `bank-${i}` }, b.name, b.code === current ? ` (${t('bank.current')})` : '')));
  const form = h('form', {
    id: 'bank-form',
    onsubmit: async (e) => {
      e.preventDefault();
      const picked = form.querySelector('input[name=bank]:checked')?.value;
      if (!picked || picked === current) { status.textContent = t('bank.pick_other'); status.hidden = false; return; }
      const bank = banks.find((b) => b.code === picked);
      const ok = await confirmDialog({ title: t('bank.confirm_title'), body: t('bank.confirm_body', { bank: bank.name }), confirm: t('bank.confirm') });
      if (!ok) return;
      try {
        const answer = await withStepUp(app, () => app.api('POST', EP.bank, { bank_code: picked }));
        if (answer?.state) await app.setCard(answer); else await app.loadCard();
        status.textContent = t('bank.done', { bank: bank.name });
        announce(status.textContent);
      } catch (err) {
        status.textContent = app.errorText(err);
      }
      status.hidden = false;
    },
  },
  h('fieldset', {}, h('legend', {}, t('bank.choose')), choices),
  h('button', { type: 'submit', class: 'btn primary block' }, t('bank.submit')));
  return h('section', {},
    h('h1', {}, t('title.bank')),
    h('a', { class: 'btn secondary', href: '#/' }, t('common.back')),
    h('p', {}, t('bank.intro')),
    error ? h('p', { class: 'error', role: 'alert' }, error) : form,
    status);
}
