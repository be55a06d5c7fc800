// Console section: counter (issue 15). Placeholder until the section lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

async function home() {
  return h('section', {}, h('h1', {}, t('console.counter.title')));
}

export const section = {
  id: 'counter',
  titleKey: 'console.counter.title',
  roles: ['counter_operator', 'supervisor'],
  dictionary: '/console/i18n/counter',
  screens: { '': home },
};
