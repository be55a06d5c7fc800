// Console section: applications (issue 15). Placeholder until the section lands.

import { t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

async function home() {
  return h('section', {}, h('h1', {}, t('console.applications.title')));
}

export const section = {
  id: 'applications',
  titleKey: 'console.applications.title',
  roles: ['counter_operator', 'supervisor'],
  dictionary: '/console/i18n/applications',
  screens: { '': home },
};
