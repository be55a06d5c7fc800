"""Console section "sign-in sites" in Chromium (issue 19): a provincial operator registers a relying party
(its secret shown once, and working at the token endpoint under HTTP Basic), edits it, and disables it (then
/oauth/authorize refuses the client with an error page, never a redirect); the secret is nowhere after the
first screen. Screenshots in three languages and elder mode, at 1280 and 320 px; axe on each screen."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, wait_screen, watch_policy

pytestmark = pytest.mark.browser


def _token_endpoint(server, client_id: str, secret: str) -> tuple[int, dict]:
    """A token request with a code nobody issued: the client's credentials are judged first."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": "nothing-issued",
            "redirect_uri": "https://rp.example.cn/cb",
            "code_verifier": "v" * 43,
        }
    ).encode()
    basic = base64.b64encode(f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}".encode()).decode()
    req = urllib.request.Request(
        server.base_url + "/oauth/token",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_register_edit_and_disable_a_relying_party(browser, server, artifacts):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "admin", hash_="#/relying-parties")
        wait_screen(page, "relying-parties")
        shots(page, artifacts, "relying-parties")

        # Identity without a legal basis is refused before anything is sent.
        name = f"测试社保查询 {uuid.uuid4().hex[:6]}"
        page.fill("#rp-form input[name=name]", name)
        page.fill("#rp-form input[name=name_en]", "Test Lookup")
        page.fill("#rp-form textarea[name=redirect_uris]", "https://rp.example.cn/cb")
        for scope in ("card", "masked_name", "identity"):
            page.check(f"#rp-form input[name=scope][value={scope}]")
        page.click("#rp-form button[type=submit]")
        assert "法律依据" in page.locator("#rp-form .error").inner_text()
        page.fill("#rp-form textarea[name=legal_basis]", "《社会保险法》第七十二条")
        page.select_option("#rp-form select[name=token_endpoint_auth_method]", "client_secret_basic")
        page.click("#rp-form button[type=submit]")

        # The secret, shown once, works; a wrong one does not.
        page.wait_for_selector("#rp-secret")
        client_id = page.locator("#rp-new-client-id").inner_text()
        secret = page.locator("#rp-new-secret").inner_text()
        assert client_id.startswith("rp_") and len(secret) >= 32
        page.screenshot(path=str(artifacts / "console-relying-parties-secret-once.png"), full_page=True)
        status, answer = _token_endpoint(server, client_id, secret)
        assert (status, answer.get("error")) == (400, "invalid_grant"), (status, answer)
        status, answer = _token_endpoint(server, client_id, secret[:-2] + "xx")
        assert (status, answer.get("error")) == (401, "invalid_client"), (status, answer)
        assert page.locator(f"#rp-table tr[data-key='{client_id}']").count() == 1

        # Opened again, the site shows no secret anywhere.
        page.click(f"#rp-table tr[data-key='{client_id}'] a")
        wait_screen(page, "relying-parties/edit")
        assert secret not in page.content()
        shots(page, artifacts, "relying-parties-edit")

        # Edit: the English name and a second redirect URI on the same host.
        page.fill("#rp-edit-form input[name=name_en]", "Test Lookup Service")
        page.fill("#rp-edit-form textarea[name=redirect_uris]", "https://rp.example.cn/cb\nhttps://rp.example.cn/cb2")
        page.click("#rp-save")
        page.wait_for_selector("#rp-done:not([hidden])")
        status, client = server.api("GET", f"/api/v1/oidc/clients/{client_id}", token=server.staff_token("admin2"))
        assert status == 200, client
        assert client["name_en"] == "Test Lookup Service"
        assert client["redirect_uris"] == ["https://rp.example.cn/cb", "https://rp.example.cn/cb2"]
        assert client["active"] is True

        # Disable: the API says so and the provider refuses the client at /oauth/authorize.
        page.click("#rp-toggle")
        page.wait_for_selector("#rp-state[data-active='0']")
        status, client = server.api("GET", f"/api/v1/oidc/clients/{client_id}", token=server.staff_token("admin2"))
        assert client["active"] is False
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": "https://rp.example.cn/cb",
                "scope": "openid",
                "state": "s",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256",
            }
        )
        refused = page.request.get(f"{server.base_url}/oauth/authorize?{query}", max_redirects=0)
        assert refused.status == 400 and "location" not in refused.headers
        # Enabled again.
        page.click("#rp-toggle")
        page.wait_for_selector("#rp-state[data-active='1']")

        # A phone: the list and the edit screen at 320 px, nothing wider than the screen.
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{server.base_url}/console/#/relying-parties")
        wait_screen(page, "relying-parties")
        page.screenshot(path=str(artifacts / "console-relying-parties-320.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert policy_violations(page, complaints) == []
    finally:
        ctx.close()
