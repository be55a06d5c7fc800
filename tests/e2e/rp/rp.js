// Test relying party (issue 19): oidc-client-ts as a public client with PKCE S256, nothing of ours.
/* global oidc */

async function manager() {
  const config = await (await fetch('/config.json')).json();
  document.getElementById('site-name').textContent = config.name;
  return new oidc.UserManager({
    authority: config.authority,
    client_id: config.client_id,
    // A confidential client's secret (client_secret_post, oidc-client-ts's default method): only
    // because identity needs one; a real site keeps it on its server.
    ...(config.client_secret ? { client_secret: config.client_secret } : {}),
    redirect_uri: `${location.origin}/callback.html`,
    response_type: 'code',
    scope: config.scope,
    loadUserInfo: config.userinfo !== false, // the claims from /oauth/userinfo too (Bearer, CORS)
  });
}

function fail(err) {
  const box = document.getElementById('error');
  box.textContent = `${err.error || err.name || 'error'}: ${err.error_description || err.message || ''}`;
  box.dataset.error = err.error || err.name || 'error';
  box.hidden = false;
}

async function start() {
  if (!document.getElementById('site-name')) document.querySelector('h1').id = 'site-name';
  const mgr = await manager();
  if (location.pathname === '/callback.html') {
    try {
      const user = await mgr.signinRedirectCallback();
      document.getElementById('sub').textContent = user.profile.sub;
      document.getElementById('claims').textContent = JSON.stringify(user.profile);
      document.getElementById('id-token').textContent = user.id_token;
      document.getElementById('access-token').textContent = user.access_token;
      document.getElementById('user').hidden = false;
    } catch (err) {
      fail(err);
    }
    return;
  }
  const button = document.getElementById('signin');
  button.addEventListener('click', () => mgr.signinRedirect().catch(fail));
  button.disabled = false;
}

start().catch(fail);
