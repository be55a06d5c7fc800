// Draws a verdict large and clear (green, red, blue for a repeat, amber when the offline lists
// are getting old, in words, with the allowed attributes and the time of the check) and gives a
// sound and a vibration so staff need not read the screen at a busy gate.

import { currentLang, formatTime, t } from '/shared/i18n.js';
import { h } from '/shared/ui.js';

const ICON = {
  ok: 'M4 12l5 5L20 6',
  bad: 'M5 5l14 14M19 5L5 19',
  warn: 'M12 4v10M12 18v2',
  stale: 'M4 12l5 5L20 6',
  // Two arrows chasing each other: "seen before".
  repeat: 'M4 10a8 8 0 0 1 14-4l2 2M20 4v4h-4M20 14a8 8 0 0 1-14 4l-2-2M4 20v-4h4',
};

function icon(kind) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICON[kind] || ICON.warn);
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '3');
  path.setAttribute('fill', 'none');
  svg.append(path);
  return svg;
}

export function toneOf(result) {
  if (result === 'valid') return 'ok';
  if (['needs_network', 'no_lists', 'online_only', 'lists_too_old'].includes(result)) return 'warn';
  return 'bad';
}

// The look of a whole verdict: a repeat is never green; a valid offline check on old lists is amber.
export function toneOfVerdict(verdict) {
  if (verdict.repeat) return 'repeat';
  if (verdict.result === 'valid' && verdict.lists?.level === 'warn') return 'stale';
  return toneOf(verdict.result);
}

function attrValue(name, value) {
  if (name === 'valid_until') return formatTime(value);
  if (name === 'card_valid' || name === 'transport') return value ? t('common.yes') : t('common.no');
  if (name === 'doc_type') return t(`doc.${value}`);
  if (name === 'concession') return t(`concession.${value}`);
  if (name === 'concessions') return value.length ? value.map((c) => t(`concession.${c}`)).join(t('common.list_sep')) : t('concession.none');
  return String(value);
}

const clock = (value) => formatTime(value, { date: false });

// How old the offline lists are, exactly enough for a clerk: "30 hours ago", "12 days ago" (never
// "yesterday": hours up to three days, the default limit).
export function ageText(seconds) {
  const rtf = new Intl.RelativeTimeFormat(currentLang(), { numeric: 'always' });
  const s = Math.max(0, Math.round(seconds || 0));
  if (s < 60) return rtf.format(-s, 'second');
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute');
  if (s < 72 * 3600) return rtf.format(-Math.floor(s / 3600), 'hour');
  return rtf.format(-Math.floor(s / 86400), 'day');
}

// The issuing region of another region's card, in the reader's language ("香港" / "Hong Kong");
// a region we hold no names for (not imported) by its code.
function regionText(region) {
  const name = currentLang() === 'en' ? region.name_en : region.name;
  return name || region.code;
}

function verdictWord(verdict) {
  if (verdict.repeat) return t('scanner.verdict.repeat', { time: clock(verdict.checkedAt) });
  return t(`result.${verdict.result}`);
}

function hint(verdict) {
  if (verdict.repeat) return t('scanner.verdict.repeat_hint');
  if (verdict.result === 'lists_too_old') return t('result.lists_too_old.hint', { age: ageText(verdict.lists?.ageS ?? 0) });
  const params = verdict.hintParams || {};
  // Format 1's retirement date comes from the trust list; without it the hint names no date.
  if (verdict.result === 'format_retired' && !params.date) return t('result.format_retired.hint_undated');
  return t(`result.${verdict.result}.hint`, params);
}

// verdict = {result, attributes, offline, checkedAt, repeat, local, firstCheck, lists: {level, ageS},
//   hintParams (words of the hint: the scenario of wrong_scenario, the date of format_retired), profile (YKD2),
//   region ({code, name, name_en} of another region's card; null for ours)}
// `onDismiss`: the panel and its "next" button clear it at once.
export function resultPanel(verdict, { onDismiss } = {}) {
  const tone = toneOfVerdict(verdict);
  const attrs = verdict.repeat ? [] : Object.entries(verdict.attributes || {}).filter(([, v]) => v !== null && v !== undefined);
  const stale = verdict.lists?.level === 'warn' && verdict.offline;
  const panel = h('section', {
    class: `result ${tone}`, id: 'result', role: 'status', 'aria-live': 'assertive',
    dataset: {
      result: verdict.result,
      tone,
      offline: verdict.offline ? '1' : '0',
      repeat: verdict.repeat ? '1' : '0',
      local: verdict.local ? '1' : '0',
      first: verdict.firstCheck ? '1' : '0',
      stale: stale ? 'warn' : verdict.result === 'lists_too_old' ? 'limit' : '',
      profile: verdict.profile || '', // the YKD2 credential's profile: what the facts below may show
    },
    onclick: (e) => { if (onDismiss && !e.target.closest('button')) onDismiss(); },
  },
  h('p', { class: 'verdict' }, icon(tone), verdictWord(verdict)),
  verdict.region?.code
    ? h('p', { class: 'region', id: 'result-region', dataset: { region: verdict.region.code } },
      t('scanner.verdict.region', { region: regionText(verdict.region) }))
    : null,
  h('p', {}, hint(verdict)),
  verdict.checkedAt && !verdict.repeat
    ? h('p', { class: 'checked-at', id: 'checked-at' },
      t(verdict.firstCheck ? 'scanner.verdict.first_checked_at' : 'scanner.verdict.checked_at', { time: clock(verdict.checkedAt) }))
    : null,
  stale ? h('p', { class: 'stale-note', id: 'stale-note' }, t('scanner.verdict.lists_old', { age: ageText(verdict.lists.ageS) })) : null,
  verdict.offline && verdict.result !== 'lists_too_old' ? h('p', {}, t('scan.checked_offline')) : null,
  attrs.length ? h('dl', { class: 'facts' }, attrs.flatMap(([name, value]) => [h('dt', {}, t(`attr.${name}`)), h('dd', { dataset: { attr: name } }, attrValue(name, value))])) : null,
  onDismiss ? h('div', { class: 'verdict-foot' },
    h('span', { class: 'drain', 'aria-hidden': 'true' }),
    h('button', { type: 'button', class: 'btn next', id: 'verdict-next', onclick: () => onDismiss() }, t('scanner.verdict.next'))) : null);
  return panel;
}

let audio = null;

const SOUNDS = {
  ok: [[880, 0.15]],
  stale: [[660, 0.15]],
  repeat: [[520, 0.1], [520, 0.1]], // two short mid beeps: "seen before", neither yes nor no
  warn: [[330, 0.3]],
  bad: [[220, 0.45]],
};

export function signal(tone) {
  const ok = tone === 'ok' || tone === 'stale';
  try {
    if (navigator.vibrate) navigator.vibrate(ok ? 80 : tone === 'repeat' ? [60, 60, 60] : [120, 80, 120]);
  } catch { /* not every device vibrates */ }
  try {
    audio = audio || new AudioContext();
    let at = audio.currentTime;
    for (const [freq, length] of SOUNDS[tone] || SOUNDS.bad) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + length);
      at += length + 0.08;
    }
  } catch { /* sound is a courtesy, not a requirement */ }
}
