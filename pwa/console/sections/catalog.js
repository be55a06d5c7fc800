// Console section: catalog (issue 15). Placeholder until the section lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

async function home() {
  return h('section', {}, h('h1', {}, t('console.catalog.title')));
}

export const section = {
  id: 'catalog',
  titleKey: 'console.catalog.title',
  roles: ['supervisor', 'provincial_operator'],
  dictionary: '/console/i18n/catalog',
  screens: { '': home },
};
