// Elder mode: larger text and buttons and fewer things per screen; remembered per device.

const KEY = 'yk.elder';

export function elderMode() {
  try { return localStorage.getItem(KEY) === '1'; } catch { return false; }
}

export function setElderMode(on) {
  try { localStorage.setItem(KEY, on ? '1' : '0'); } catch { /* lasts this visit */ }
  applyElder();
  document.dispatchEvent(new CustomEvent('yk:elder', { detail: on }));
}

export function applyElder() {
  document.documentElement.classList.toggle('elder', elderMode());
}
