"""Pairwise subjects, PKCE, one-time codes (also in parallel), exact redirect URIs, scopes, revocation, the holder's record."""

import asyncio
import urllib.parse

import httpx
import pytest
from authlib.common.security import generate_token

from tests.oidc.helpers import BASE

pytestmark = pytest.mark.anyio


def _code(redirect_to: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(redirect_to).query)["code"][0]


async def test_subjects_are_pairwise(world):
    holder = await world.holder()
    a = await world.rp("rp-a.example")
    b = await world.rp("rp-b.example")
    first = await world.sign_in(a, holder)
    again = await world.sign_in(a, holder)
    other = await world.sign_in(b, holder)
    assert first.id_claims["sub"] == again.id_claims["sub"]
    assert first.id_claims["sub"] != other.id_claims["sub"]
    someone = await world.sign_in(a, await world.holder())
    assert someone.id_claims["sub"] != first.id_claims["sub"]


async def _token(http: httpx.AsyncClient, rp, code: str, verifier: str, redirect_uri: str | None = None) -> httpx.Response:
    return await http.post(
        f"{BASE}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri or rp.redirect_uri,
        },
        auth=(rp.client_id, rp.client_secret),
    )


async def test_pkce_wrong_verifier_and_code_reuse(world):
    holder = await world.holder()
    rp = await world.rp()

    async def flow():
        async with world.oauth(rp, "openid card") as rp_client:
            verifier, _, _, redirect_to = await world.authorize(rp_client, holder)
            wrong = await _token(rp_client, rp, _code(redirect_to), generate_token(48))
            assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant", wrong.text
            assert wrong.headers["cache-control"] == "no-store"
            # a code tried with a wrong verifier is spent: the right one no longer helps
            late = await _token(rp_client, rp, _code(redirect_to), verifier)
            assert late.json()["error"] == "invalid_grant"

            verifier, _, _, redirect_to = await world.authorize(rp_client, holder)
            first = await _token(rp_client, rp, _code(redirect_to), verifier)
            assert first.status_code == 200, first.text
            access = first.json()["access_token"]
            bearer = {"Authorization": f"Bearer {access}"}
            assert (
                await rp_client.request("GET", f"{BASE}/oauth/userinfo", headers=bearer, withhold_token=True)
            ).status_code == 200
            second = await _token(rp_client, rp, _code(redirect_to), verifier)
            assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
            refused = await rp_client.request("GET", f"{BASE}/oauth/userinfo", headers=bearer, withhold_token=True)
            assert refused.status_code == 401 and refused.json()["error"] == "invalid_token"
            assert refused.headers["www-authenticate"].startswith("Bearer")

    await world.call(flow)


async def test_a_code_used_twice_in_parallel_gives_one_token(world):
    holder = await world.holder()
    rp = await world.rp()

    async def flow():
        async with world.oauth(rp, "openid") as rp_client:
            verifier, _, _, redirect_to = await world.authorize(rp_client, holder)
            code = _code(redirect_to)
            answers = await asyncio.gather(*(_token(rp_client, rp, code, verifier) for _ in range(4)))
            ok = [a for a in answers if a.status_code == 200]
            assert len(ok) == 1, [a.text for a in answers]
            assert all(a.json()["error"] == "invalid_grant" for a in answers if a.status_code != 200)
            # the later uses revoked what the first gave (RFC 6749 4.1.2)
            bearer = {"Authorization": f"Bearer {ok[0].json()['access_token']}"}
            assert (
                await rp_client.request("GET", f"{BASE}/oauth/userinfo", headers=bearer, withhold_token=True)
            ).status_code == 401

    await world.call(flow)


async def test_a_wrong_redirect_uri_is_never_redirected_to(world):
    rp = await world.rp()
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": "https://evil.example/callback",
        "scope": "openid",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    answer = await world.client.get("/oauth/authorize", params=params, headers={"Accept": "text/html"})
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "redirect_uri" in answer.text and answer.headers["content-type"].startswith("text/html")
    unknown = await world.client.get("/oauth/authorize", params={**params, "client_id": "rp_0000000000000000"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    # with the registered URI, errors go back to it: plain PKCE is refused
    plain = await world.client.get(
        "/oauth/authorize",
        params={**params, "redirect_uri": rp.redirect_uri, "code_challenge_method": "plain", "state": "s1"},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(plain.headers["location"]).query)
    assert plain.headers["location"].startswith(rp.redirect_uri)
    assert back["error"] == ["invalid_request"] and back["state"] == ["s1"]


async def test_scopes_need_what_the_party_was_registered_for(world):
    operator = await world.operator()
    body = {"name": "Tax office", "redirect_uris": ["https://tax.example/cb"], "scopes": ["openid", "identity"]}
    refused = await world.client.post("/api/v1/oidc/clients", json=body, headers=operator)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "oidc.legal_basis_required"
    rp = await world.rp()  # openid card masked_name
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": "openid identity",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    asked = await world.client.get("/oauth/authorize", params=params, follow_redirects=False)
    assert asked.status_code == 303
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(asked.headers["location"]).query)["error"] == ["invalid_scope"]


async def test_identity_with_a_legal_basis(world):
    holder = await world.holder(name="李四")
    basis = "《中华人民共和国社会保险法》第七十二条"
    rp = await world.rp("gov.example", scopes=["openid", "identity"], legal_basis=basis, method="client_secret_post")
    done = await world.sign_in(rp, holder, scope="openid identity")
    assert done.view["client"]["legal_basis"] == basis
    # the identity claims come only through userinfo (a back-channel call), never in the ID token
    assert not {"name", "yk_document_type", "yk_document_number"} & set(done.id_claims)
    assert done.userinfo["name"] == "李四" and done.userinfo["yk_document_number"] == holder.id_number
    shown = {c["name"]: c["value"] for c in done.view["claims"]}
    assert shown["yk_document_number"] != holder.id_number  # masked on the phone
    assert done.userinfo["yk_document_type"] == "resident_id"
    records = (await world.client.get("/api/v1/me/access-records?limit=20", headers=holder.headers)).json()["items"]
    login = next(r for r in records if r["action"] == "oidc.login")
    assert login["basis_ref"] == basis and "yk_document_number" in login["fields"]


async def test_the_holder_sees_and_revokes_the_sign_in(world):
    holder = await world.holder()
    rp = await world.rp()
    done = await world.sign_in(rp, holder)
    await world.sign_in(rp, holder)
    records = (await world.client.get("/api/v1/me/access-records?limit=20", headers=holder.headers)).json()["items"]
    mine = [r for r in records if r["actor_kind"] == "relying_party"]
    assert {r["action"] for r in mine} == {"oidc.login", "oidc.userinfo"}
    assert all(r["actor_name"] == rp.raw["name"] for r in mine)
    notices = (await world.client.get("/api/v1/me/inbox?limit=50", headers=holder.headers)).json()["items"]
    assert [n["event"] for n in notices].count("oidc.first_signin") == 1  # first sign-in only
    grants = (await world.client.get("/api/v1/me/oidc/grants", headers=holder.headers)).json()
    assert [(g["client_id"], g["count"], g["active"]) for g in grants] == [(rp.client_id, 2, True)]

    bearer = {"Authorization": f"Bearer {done.token['access_token']}"}
    assert (await world.client.get("/oauth/userinfo", headers=bearer)).status_code == 200
    revoked = await world.client.post(f"/api/v1/me/oidc/grants/{rp.client_id}/revoke", headers=holder.headers)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    after = await world.client.get("/oauth/userinfo", headers=bearer)
    assert after.status_code == 401 and after.json()["error"] == "invalid_token"
