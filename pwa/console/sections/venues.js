// Console section: venues (issue 15). Placeholder until the section lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

async function home() {
  return h('section', {}, h('h1', {}, t('console.venues.title')));
}

export const section = {
  id: 'venues',
  titleKey: 'console.venues.title',
  roles: ['supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/venues',
  screens: { '': home },
};
