// Passkeys and recovery codes (issue 14): placeholder until its screen lands.

import { h } from '/shared/ui.js';

export async function passkeysScreen() {
  return h('section', {}, h('h1', {}, 'passkeys'));
}
