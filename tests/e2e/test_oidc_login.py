"""Sign in with the card (issue 19) in Chromium: two relying parties written with oidc-client-ts (public
clients, PKCE S256) on two host names of another origin sign the same holder in through the wallet's consent
screen and get two different subjects; the ID token verifies with authlib against the provider's JWKS; deny
returns access_denied; the wallet lists both sites, revokes one (its access token stops working) and the
access record shows the sign-ins. Consent and sign-ins screens in three languages at 320 px, axe-clean."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import Server
from tests.e2e.rp.flows import NARROW, every_language, register, wallet_sign_in
from tests.e2e.rp.server import serve

pytestmark = pytest.mark.browser

HOLDER = 38  # conftest: issue 19's citizens
BASIS = "《中华人民共和国社会保险法》第七十二条（测试）"


@pytest.fixture(scope="module")
def rps(server):
    """Two sites on one test server: 127.0.0.1 asks for identity (with a legal basis; a confidential
    client, as identity needs, its secret in the test page), localhost for less (a public client)."""
    with serve() as rp:
        a = register(
            server,
            {
                "name": "测试政务网",
                "name_en": "Test Services",
                "redirect_uris": [rp.url("127.0.0.1", "/callback.html")],
                "scopes": ["openid", "card", "masked_name", "identity"],
                "legal_basis": BASIS,
                "token_endpoint_auth_method": "client_secret_post",
            },
        )
        b = register(
            server,
            {
                "name": "测试图书馆",
                "name_en": "Test Library",
                "redirect_uris": [rp.url("localhost", "/callback.html")],
                "scopes": ["openid", "card"],
                "token_endpoint_auth_method": "none",
            },
        )
        assert a["client_secret"] and b["client_secret"] is None  # b is a public client
        rp.configs["127.0.0.1"] = {
            "authority": server.base_url,
            "client_id": a["client_id"],
            "client_secret": a["client_secret"],
            "scope": "openid card masked_name identity",
            "name": "Test Services",  # reads /oauth/userinfo from the browser too (a CORS preflight: Bearer)
        }
        rp.configs["localhost"] = {
            "authority": server.base_url,
            "client_id": b["client_id"],
            "scope": "openid card",
            "name": "Test Library",
            "userinfo": False,  # the ID token's claims alone
        }
        yield rp, a, b


def _start(page, rp, host: str) -> None:
    page.goto(rp.url(host, "/"))
    page.wait_for_selector("#signin:not([disabled])")
    page.click("#signin")


def _back_at(page, callback: str) -> None:
    """Wait for the browser to be back at the site; else say what the wallet shows."""
    try:
        page.wait_for_url(lambda url: url.startswith(callback), timeout=20_000)
    except Exception as exc:
        errors = page.locator("#consent-error, #consent-gone, .error").all_inner_texts()
        raise AssertionError(f"not back at {callback}: at {page.url}, showing {errors}") from exc


def _signed_in_at_rp(page) -> dict:
    page.wait_for_selector("#user:not([hidden]), #error:not([hidden])", timeout=20_000)
    assert page.locator("#error").is_hidden(), page.locator("#error").inner_text()
    return {
        "sub": page.locator("#sub").inner_text(),
        "claims": json.loads(page.locator("#claims").inner_text()),
        "id_token": page.locator("#id-token").inner_text(),
        "access_token": page.locator("#access-token").inner_text(),
    }


def _verify_id_token(server: Server, id_token: str, client_id: str) -> dict:
    """authlib, not our code: the signature against /oauth/jwks, then iss and aud."""
    from authlib.jose import JsonWebKey, jwt

    with urllib.request.urlopen(server.base_url + "/.well-known/openid-configuration", timeout=10) as res:
        meta = json.loads(res.read())
    with urllib.request.urlopen(meta["jwks_uri"], timeout=10) as res:
        keys = JsonWebKey.import_key_set(json.loads(res.read()))
    claims = jwt.decode(
        id_token,
        keys,
        claims_options={"iss": {"essential": True, "value": meta["issuer"]}, "aud": {"essential": True, "value": client_id}},
    )
    claims.validate(leeway=120)
    assert meta["issuer"] == server.base_url
    assert "S256" in meta["code_challenge_methods_supported"] and "plain" not in meta["code_challenge_methods_supported"]
    return dict(claims)


def _userinfo(server: Server, access_token: str) -> tuple[int, dict]:
    req = urllib.request.Request(server.base_url + "/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, {}


def test_two_sites_sign_in_the_same_holder_with_different_subjects(browser, server, rps, artifacts):
    rp, a, b = rps
    holder = server.citizen(HOLDER)
    ctx = browser.new_context(locale="zh-CN", viewport=NARROW)
    try:
        page = ctx.new_page()
        # Site A: to our /oauth/authorize, to the wallet, which asks the holder to sign in first.
        _start(page, rp, "127.0.0.1")
        page.wait_for_url(f"{server.base_url}/wallet/**")
        wallet_sign_in(page, holder)
        page.wait_for_selector("#consent")  # back to the request after signing in
        assert "/oauth/authorize" not in page.url and "#/authorize/" in page.url
        # Exactly what the site gets, with the holder's values, and the legal basis for identity.
        names = page.eval_on_selector_all("#consent-claims dt", "els => els.map(e => e.dataset.claim)")
        assert set(names) == {
            "yk_card_valid",
            "yk_card_valid_until",
            "yk_masked_name",
            "name",
            "yk_document_type",
            "yk_document_number",
        }
        values = dict(
            zip(names, page.eval_on_selector_all("#consent-claims dd", "els => els.map(e => e.textContent)"), strict=True)
        )
        assert values["name"] == holder.name
        assert "*" in values["yk_masked_name"] and values["yk_masked_name"] != holder.name
        assert page.locator("#consent-basis").inner_text().count(BASIS) == 1
        assert (
            "Test Services" in page.locator("#consent-site").inner_text()
            or "测试政务网" in page.locator("#consent-site").inner_text()
        )
        every_language(page, artifacts, "wallet-consent", "#consent")
        page.click("#consent-approve")

        # Back at the site: oidc-client-ts has exchanged the code (with its PKCE verifier) and read userinfo.
        _back_at(page, rp.url("127.0.0.1", "/callback.html"))
        got_a = _signed_in_at_rp(page)
        assert got_a["claims"]["name"] == holder.name
        assert got_a["claims"]["yk_card_valid"] is True
        assert got_a["claims"]["yk_document_type"] == holder.doc_type
        token_a = _verify_id_token(server, got_a["id_token"], a["client_id"])
        assert token_a["sub"] == got_a["sub"]
        # identity came through userinfo only: never in the ID token, which passes through the browser
        assert not {"name", "yk_document_type", "yk_document_number"} & set(token_a)
        assert holder.id_number not in page.url  # never in a URL
        page.screenshot(path=str(artifacts / "rp-signed-in-127.png"), full_page=True)

        # Site B on another host name: the wallet already has a session; only consent is asked.
        _start(page, rp, "localhost")
        page.wait_for_selector("#consent")
        names_b = page.eval_on_selector_all("#consent-claims dt", "els => els.map(e => e.dataset.claim)")
        assert set(names_b) == {"yk_card_valid", "yk_card_valid_until"}  # card validity only: no name, no document
        assert page.locator("#consent-basis").count() == 0
        page.click("#consent-approve")
        _back_at(page, rp.url("localhost", "/callback.html"))
        got_b = _signed_in_at_rp(page)
        _verify_id_token(server, got_b["id_token"], b["client_id"])
        assert "name" not in got_b["claims"] and "yk_masked_name" not in got_b["claims"]
        # Pairwise subjects: the two sites cannot link the holder.
        assert got_a["sub"] and got_b["sub"] and got_a["sub"] != got_b["sub"]

        # The same site again gets the same subject.
        _start(page, rp, "localhost")
        page.wait_for_selector("#consent")
        page.click("#consent-approve")
        _back_at(page, rp.url("localhost", "/callback.html"))
        assert _signed_in_at_rp(page)["sub"] == got_b["sub"]

        # Deny: the site is told access_denied, by oidc-client-ts's own error.
        _start(page, rp, "localhost")
        page.wait_for_selector("#consent")
        page.click("#consent-deny")
        _back_at(page, rp.url("localhost", "/callback.html"))
        page.wait_for_selector("#error:not([hidden])")
        assert page.locator("#error").get_attribute("data-error") == "access_denied"

        # Sites I signed in to: both, with revoke; revoking B ends its access token.
        assert _userinfo(server, got_b["access_token"])[0] == 200
        page.goto(f"{server.base_url}/wallet/#/signins")
        page.wait_for_selector("#grants")
        listed = page.eval_on_selector_all("#grants li.grant", "els => els.map(e => e.dataset.client)")
        assert set(listed) >= {a["client_id"], b["client_id"]}
        every_language(page, artifacts, "wallet-signins", "#grants")
        page.click(f"#revoke-{b['client_id']}")
        page.click("dialog button[value=ok]")
        page.wait_for_selector("#signins-message")
        # Still listed, marked revoked, without a revoke button; the other site untouched.
        page.wait_for_selector(f"#grants li[data-client='{b['client_id']}'][data-active='0']")
        assert page.locator(f"#revoke-{b['client_id']}").count() == 0
        assert page.locator(f"#grants li[data-client='{a['client_id']}'][data-active='1']").count() == 1
        assert _userinfo(server, got_b["access_token"])[0] == 401
        assert _userinfo(server, got_a["access_token"])[0] == 200  # the other site keeps its sign-in

        # The access record shows each sign-in by the site's name.
        page.goto(f"{server.base_url}/wallet/#/access")
        page.wait_for_selector("#verifications[data-loaded]")
        logins = page.locator("#verifications li[data-kind=relying_party][data-action='oidc.login']")
        assert logins.count() >= 3, page.locator("#verifications").inner_text()
        text = page.locator("#verifications").inner_text()
        assert "测试政务网" in text and "测试图书馆" in text
        # The site that asked for identity names its legal basis beside the holder's consent.
        identity = page.locator("#verifications li[data-kind=relying_party][data-action='oidc.userinfo']")
        assert identity.count() >= 1 and BASIS in identity.first.inner_text(), page.locator("#verifications").inner_text()
        page.screenshot(path=str(artifacts / "wallet-access-signins.png"), full_page=True)

        # The inbox told the holder of each first sign-in to a new site, by the site's name.
        page.goto(f"{server.base_url}/wallet/#/inbox")
        first = page.locator("li[data-event='oidc.first_signin']")
        first.first.wait_for()
        assert first.count() == 2, page.locator("main").inner_text()
        assert "测试政务网" in page.locator("main").inner_text() and "测试图书馆" in page.locator("main").inner_text()
    finally:
        ctx.close()


def test_a_request_for_another_redirect_uri_never_reaches_the_wallet(browser, server, rps):
    """A forged redirect_uri gets an error page from the provider, not a redirect (nor a consent screen)."""
    rp, a, _ = rps
    ctx = browser.new_context(locale="zh-CN", viewport=NARROW)
    try:
        page = ctx.new_page()
        url = (
            f"{server.base_url}/oauth/authorize?response_type=code&client_id={a['client_id']}"
            f"&redirect_uri={rp.url('localhost', '/callback.html')}&scope=openid&state=s1&nonce=n1"
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        )
        response = page.goto(url)
        assert response.status == 400
        assert page.url.startswith(server.base_url + "/oauth/authorize")
        assert "/wallet/" not in page.url
    finally:
        ctx.close()


def test_a_site_asking_for_a_fresh_sign_in_gets_one_through_step_up(browser, server, rps, artifacts):
    """prompt=login: a wallet session older than the request must give a factor before approving;
    the consent screen's approve opens the step-up dialog, the password is given, the site gets its code."""
    rp, _, b = rps
    holder = server.citizen(HOLDER)
    ctx = browser.new_context(locale="zh-CN", viewport=NARROW)
    try:
        page = ctx.new_page()
        page.goto(f"{server.base_url}/wallet/")
        wallet_sign_in(page, holder)
        page.wait_for_selector("main[data-screen=home]")
        page.wait_for_timeout(1500)  # the request below comes after the session's last factor
        callback = rp.url("localhost", "/callback.html")
        page.goto(
            f"{server.base_url}/oauth/authorize?response_type=code&client_id={b['client_id']}"
            f"&redirect_uri={callback}&scope=openid&state=s-login&prompt=login"
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        )
        page.wait_for_selector("#consent")
        page.click("#consent-approve")
        page.wait_for_selector("#stepup-dialog[open] #stepup-input")
        page.screenshot(path=str(artifacts / "wallet-consent-step-up.png"), full_page=True)
        page.fill("#stepup-input", holder.password)
        page.click("#stepup-submit")
        _back_at(page, callback)
        assert "code=" in page.url and "state=s-login" in page.url
    finally:
        ctx.close()
