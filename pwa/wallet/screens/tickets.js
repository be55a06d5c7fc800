// Wallet screen: tickets (issue 15). Placeholder until the screen lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

export async function ticketsScreen() {
  return h('section', {}, h('h1', {}, t('title.tickets')), h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
}
