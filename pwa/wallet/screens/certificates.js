// Wallet screen: certificates (issue 15). Placeholder until the screen lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

export async function certificatesScreen() {
  return h('section', {}, h('h1', {}, t('title.certificates')), h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
}
