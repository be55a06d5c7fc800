// Activate the e-card through a proofing route (issue 14): placeholder until its screen lands.

import { h } from '/shared/ui.js';

export async function activateScreen() {
  return h('section', {}, h('h1', {}, 'activate'));
}
