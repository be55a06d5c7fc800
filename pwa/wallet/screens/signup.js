// Sign up and apply for a card (issue 14, wallet helper): placeholder until its screen lands.

import { h } from '/shared/ui.js';

export async function signupScreen() {
  return h('section', {}, h('h1', {}, 'signup'));
}
