// Draws a verdict large and clear (green or red, in words, with the allowed attributes) and
// gives a sound and a vibration so staff need not read the screen at a busy gate.

import { formatTime, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

const ICON = {
  ok: 'M4 12l5 5L20 6',
  bad: 'M5 5l14 14M19 5L5 19',
  warn: 'M12 4v10M12 18v2',
};

function icon(kind) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICON[kind]);
  path.setAttribute('stroke', '#fff');
  path.setAttribute('stroke-width', '3');
  path.setAttribute('fill', 'none');
  svg.append(path);
  return svg;
}

export function toneOf(result) {
  if (result === 'valid') return 'ok';
  if (result === 'needs_network' || result === 'no_lists' || result === 'online_only') return 'warn';
  return 'bad';
}

function attrValue(name, value) {
  if (name === 'valid_until') return formatTime(value);
  if (name === 'card_valid') return value ? t('common.yes') : t('common.no');
  if (name === 'doc_type') return t(`doc.${value}`);
  if (name === 'concession') return t(`concession.${value}`);
  if (name === 'concessions') return value.length ? value.map((c) => t(`concession.${c}`)).join(t('common.list_sep')) : t('concession.none');
  return String(value);
}

// verdict = {result, attributes, offline, kind}
export function resultPanel(verdict) {
  const tone = toneOf(verdict.result);
  const attrs = Object.entries(verdict.attributes || {}).filter(([, v]) => v !== null && v !== undefined);
  return h('section', {
    class: `result ${tone}`, id: 'result', role: 'status', 'aria-live': 'assertive',
    dataset: { result: verdict.result, offline: verdict.offline ? '1' : '0' },
  },
  h('p', { class: 'verdict' }, icon(tone), t(`result.${verdict.result}`)),
  h('p', {}, t(`result.${verdict.result}.hint`)),
  verdict.offline ? h('p', {}, t('scan.checked_offline')) : null,
  attrs.length ? h('dl', { class: 'facts' }, attrs.flatMap(([name, value]) => [h('dt', {}, t(`attr.${name}`)), h('dd', { dataset: { attr: name } }, attrValue(name, value))])) : null);
}

let audio = null;

export function signal(result) {
  const ok = result === 'valid';
  try {
    if (navigator.vibrate) navigator.vibrate(ok ? 80 : [120, 80, 120]);
  } catch { /* not every device vibrates */ }
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = ok ? 880 : 220;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (ok ? 0.15 : 0.45));
  } catch { /* sound is a courtesy, not a requirement */ }
}
