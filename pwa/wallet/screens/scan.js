// 扫一扫: the wallet's own scanner (issue 19). It reads a terminal's sign-in QR code with the scanner's
// decoder (pwa/shared/camera.js) and opens this wallet's approval screen; a code can be typed instead.

import { t } from '/shared/i18n.js';
import { announce, h } from '/shared/ui.js';
import { CameraScanner } from '/shared/camera.js';
import { normalUserCode, userCodeForm } from './device.js';

// The wallet route a scanned text stands for, or null. Only this service's own sign-in links are
// followed: a code naming another site never opens it, so a forged poster cannot send the holder
// to a look-alike page from the wallet.
export function routeOf(text) {
  const value = String(text || '').trim();
  const bare = normalUserCode(value);
  if (bare && value.length <= 12) return `device?user_code=${encodeURIComponent(bare)}`;
  let url;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.origin !== location.origin || url.pathname !== '/wallet/') return null;
  const route = url.hash.replace(/^#\/?/, '');
  const [path, query = ''] = route.split('?');
  if (path === 'device') {
    const code = normalUserCode(new URLSearchParams(query).get('user_code'));
    return code ? `device?user_code=${encodeURIComponent(code)}` : 'device';
  }
  if (/^authorize\/[A-Za-z0-9_-]{8,64}$/.test(path)) return path;
  return null;
}

async function cameraAllowed() {
  try {
    return (await navigator.permissions.query({ name: 'camera' })).state === 'granted';
  } catch {
    return false;
  }
}

export async function scanScreen(app) {
  const video = h('video', { id: 'scan-video', muted: true, playsinline: true, 'aria-label': t('oidc.scan.camera') });
  const box = h('div', { class: 'camera', id: 'scan-box', hidden: true }, video,
    h('div', { class: 'aim', 'aria-hidden': 'true' }));
  const status = h('p', { id: 'scan-status', role: 'status', class: 'notice', hidden: true });
  const toggle = h('button', { type: 'button', class: 'btn primary block', id: 'scan-toggle', 'aria-controls': 'scan-box' },
    t('oidc.scan.start'));
  let last = null;
  let left = false;
  const scanner = new CameraScanner(video, (text) => {
    if (left || text === last) return;
    last = text;
    const route = routeOf(text);
    if (route) {
      left = true;
      scanner.stop();
      announce(t('oidc.scan.found'));
      app.go(route);
      return;
    }
    say(t('oidc.scan.not_ours'), 'refused');
  });
  const say = (text, kind) => {
    status.textContent = text;
    status.dataset.kind = kind;
    status.hidden = false;
  };
  const start = async () => {
    toggle.disabled = true;
    try {
      box.hidden = false;
      await scanner.start();
      toggle.textContent = t('oidc.scan.stop');
      say(t('oidc.scan.aim'), 'scanning');
    } catch {
      scanner.stop();
      box.hidden = true;
      say(t('oidc.scan.no_camera'), 'error');
    } finally {
      toggle.disabled = false;
    }
  };
  toggle.addEventListener('click', () => {
    if (scanner.running) {
      scanner.stop();
      box.hidden = true;
      toggle.textContent = t('oidc.scan.start');
      status.hidden = true;
    } else {
      last = null;
      start();
    }
  });
  const root = h('section', { class: 'services scan', id: 'scan' },
    h('h1', {}, t('title.scan')),
    h('p', {}, t('oidc.scan.intro')),
    toggle, box, status,
    h('h2', {}, t('oidc.scan.type_title')),
    userCodeForm(app, { id: 'scan-code' }),
    h('a', { class: 'btn secondary', href: '#/' }, t('common.back')));
  // Asked before: the camera starts at once; otherwise the holder starts it (the browser asks then).
  if (await cameraAllowed()) start();
  return { el: root, cleanup: () => { left = true; scanner.stop(); } };
}
