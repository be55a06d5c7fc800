// Test terminal (issue 19): RFC 8628 device authorization in plain JS. It shows verification_uri_complete as a QR
// code, polls the token endpoint at the interval it was given (slower on slow_down), and trusts nothing but the
// token response; the ID token's payload is only decoded to show who signed in.
/* global qrcode */

const state = (name, text) => {
  const el = document.getElementById('state');
  el.dataset.state = name;
  el.textContent = text;
};

async function form(url, fields) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: await res.json() };
}

function payload(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

async function start() {
  const config = await (await fetch('/config.json')).json();
  document.getElementById('site-name').textContent = config.name;
  const meta = await (await fetch(`${config.authority}/.well-known/openid-configuration`)).json();
  const asked = await form(meta.device_authorization_endpoint, { client_id: config.client_id, scope: config.scope });
  if (asked.status !== 200) throw Object.assign(new Error('device authorization refused'), asked.body);
  const d = asked.body;
  const qr = qrcode(0, 'M');
  qr.addData(d.verification_uri_complete);
  qr.make();
  document.getElementById('qr').innerHTML = qr.createImgTag(6, 24);
  document.getElementById('qr').dataset.uri = d.verification_uri_complete;
  document.getElementById('user-code').textContent = d.user_code;
  state('waiting', 'Scan the code with the wallet');
  let interval = d.interval || 5;
  const until = Date.now() + d.expires_in * 1000;
  while (Date.now() < until) {
    await sleep(interval);
    const polled = await form(meta.token_endpoint, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: d.device_code, client_id: config.client_id,
    });
    if (polled.status === 200) {
      const claims = payload(polled.body.id_token);
      document.getElementById('sub').textContent = claims.sub;
      document.getElementById('claims').textContent = JSON.stringify(claims);
      state('signed_in', 'signed in');
      return;
    }
    const error = polled.body.error;
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') { interval += 5; document.body.dataset.slowDown = '1'; continue; }
    throw Object.assign(new Error(error), polled.body);
  }
  throw Object.assign(new Error('expired'), { error: 'expired_token' });
}

start().catch((err) => {
  state('failed', 'not signed in');
  const box = document.getElementById('error');
  box.textContent = `${err.error || err.message}`;
  box.dataset.error = err.error || 'error';
  box.hidden = false;
});
