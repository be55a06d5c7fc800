// Console section: tickets (issue 15). Placeholder until the section lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

async function home() {
  return h('section', {}, h('h1', {}, t('console.tickets.title')));
}

export const section = {
  id: 'tickets',
  titleKey: 'console.tickets.title',
  roles: ['counter_operator', 'supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/tickets',
  screens: { '': home },
};
