// The inbox of notices (issue 14): placeholder until its screen lands.

import { h } from '/shared/ui.js';

export async function inboxScreen() {
  return h('section', {}, h('h1', {}, 'inbox'));
}
