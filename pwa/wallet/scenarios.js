// The catalog's scenarios as the offline code screen offers them: each offline scenario with the
// disclosure profile its scanner uses (docs/qr-format.md, format 2), kept on the phone for use
// without network; and the holder's last choice.

import { OfflineError } from '/shared/api.js';
import { currentLang } from '/shared/i18n.js';
import { EP } from './endpoints.js';
import { kv } from './store.js';

// The same rule as the server's catalog: transport first, then concessions, else validity only.
export function profileOf(scenario) {
  if (scenario.needs_transport) return 'transit';
  const attrs = scenario.attributes || [];
  if (attrs.includes('concession') || attrs.includes('concessions')) return 'concession';
  return 'validity';
}

function entryOf(s) {
  return { name: s.name, title: s.title || {}, profile: profileOf(s), offline: s.offline !== false };
}

// The catalog in effect for the card's city (or the province): {offline: [...], onlineOnly: [...]},
// from the server when it answers, else the copy kept the last time; null when there is none.
export async function loadScenarios(api, region = '440000') {
  let entries = null;
  try {
    const catalog = await api('GET', `${EP.catalog}?region=${encodeURIComponent(region)}`);
    const seen = new Map();
    for (const item of catalog.items || []) for (const s of item.scenarios || []) if (!seen.has(s.name)) seen.set(s.name, entryOf(s));
    entries = [...seen.values()];
    await kv.set('scenarios', { region, entries, at: Date.now() });
  } catch (err) {
    if (!(err instanceof OfflineError)) console.warn('catalog unavailable', err);
    const held = await kv.get('scenarios');
    entries = held ? held.entries : null;
  }
  if (!entries) return null;
  return { offline: entries.filter((e) => e.offline), onlineOnly: entries.filter((e) => !e.offline) };
}

// A scenario's title in the reader's language (the catalog's texts come in all three).
export function titleOf(entry) {
  return entry.title[currentLang()] || entry.title['zh-Hans'] || entry.name;
}

export async function lastScenario() {
  return (await kv.get('scenarioChoice')) || null;
}

export async function rememberScenario(name) {
  await kv.set('scenarioChoice', name);
}
