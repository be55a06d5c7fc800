// The family service (issue 14): placeholder until its screen lands.

import { h } from '/shared/ui.js';

export async function familyScreen() {
  return h('section', {}, h('h1', {}, 'family'));
}
