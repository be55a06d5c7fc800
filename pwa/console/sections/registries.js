// Console section: registries (issue 15). Placeholder until the section lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

async function home() {
  return h('section', {}, h('h1', {}, t('console.registries.title')));
}

export const section = {
  id: 'registries',
  titleKey: 'console.registries.title',
  roles: ['provincial_operator'],
  dictionary: '/console/i18n/registries',
  screens: { '': home },
};
