"""A relying party played by authlib's OAuth 2.0 client (never our code), and holders who sign in with the wallet API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.jose import JsonWebKey, jwt

from tests.venues.helpers import Holder, World

BASE = "http://testserver.local"  # the issuer: the request's own origin outside production


@dataclass
class Rp:
    client_id: str
    client_secret: str | None
    redirect_uri: str
    method: str
    raw: dict[str, Any]


@dataclass
class SignIn:
    """What the relying party got: its token answer, the verified ID token's claims, userinfo."""

    token: dict[str, Any]
    id_claims: dict[str, Any]
    userinfo: dict[str, Any]
    handle: str
    view: dict[str, Any]


class Oidc(World):
    """A venue World (holders with cards, a provincial operator) plus relying parties."""

    async def rp(
        self,
        host: str = "rp-a.example",
        *,
        scopes: list[str] | None = None,
        method: str = "client_secret_basic",
        legal_basis: str = "",
    ) -> Rp:
        redirect_uri = f"https://{host}/callback"
        body = {
            "name": f"Site {secrets.token_hex(3)}",
            "name_en": "A test site",
            "redirect_uris": [redirect_uri],
            "scopes": scopes or ["openid", "card", "masked_name"],
            "legal_basis": legal_basis,
            "token_endpoint_auth_method": method,
        }
        response = await self.client.post("/api/v1/oidc/clients", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        out = response.json()
        return Rp(out["client_id"], out["client_secret"], redirect_uri, method, out)

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.client.app, client=("198.51.100.20", 40000))

    def oauth(self, rp: Rp, scope: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=rp.client_id,
            client_secret=rp.client_secret,
            token_endpoint_auth_method=rp.method,
            scope=scope,
            redirect_uri=rp.redirect_uri,
            code_challenge_method="S256",
            transport=self.transport(),
        )

    async def authorize(
        self, rp_client: AsyncOAuth2Client, holder: Holder, *, approve: bool = True, **extra
    ) -> tuple[str, str, dict, str]:
        """(verifier, handle, consent view, redirect_to): the browser follows the authorization URL,
        the holder approves in the wallet (through the /me API). Runs on the app's loop."""
        verifier = generate_token(48)
        url, _state = rp_client.create_authorization_url(f"{BASE}/oauth/authorize", code_verifier=verifier, **extra)
        async with httpx.AsyncClient(transport=self.transport(), base_url=BASE) as browser:
            started = await browser.get(url)
            assert started.status_code == 303, started.text
            location = started.headers["location"]
            assert location.startswith("/wallet/#/authorize/"), location
            handle = location.rsplit("/", 1)[1]
            view = await browser.get(f"/api/v1/me/oidc/requests/{handle}", headers=holder.headers)
            assert view.status_code == 200, view.text
            decided = await browser.post(
                f"/api/v1/me/oidc/requests/{handle}/{'approve' if approve else 'deny'}", headers=holder.headers
            )
            assert decided.status_code == 200, decided.text
        return verifier, handle, view.json(), decided.json()["redirect_to"]

    async def sign_in(self, rp: Rp, holder: Holder, scope: str = "openid card masked_name") -> SignIn:
        async def flow() -> SignIn:
            async with self.oauth(rp, scope) as rp_client:
                nonce = generate_token(20)
                verifier, handle, view, redirect_to = await self.authorize(rp_client, holder, nonce=nonce)
                token = await rp_client.fetch_token(
                    f"{BASE}/oauth/token", authorization_response=redirect_to, code_verifier=verifier
                )
                claims = await self.verify_id_token(rp_client, token["id_token"], rp, nonce)
                info = await rp_client.get(f"{BASE}/oauth/userinfo")
                assert info.status_code == 200, info.text
                return SignIn(dict(token), claims, info.json(), handle, view)

        return await self.call(flow)

    async def client_call_get(self, path: str, holder: Holder) -> dict:
        """A wallet API read on the app's loop (inside a flow run by `call`)."""
        async with httpx.AsyncClient(transport=self.transport(), base_url=BASE) as wallet:
            answer = await wallet.get(path, headers=holder.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def client_call_post(self, path: str, holder: Holder) -> dict:
        async with httpx.AsyncClient(transport=self.transport(), base_url=BASE) as wallet:
            answer = await wallet.post(path, headers=holder.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    @staticmethod
    async def verify_id_token(http: httpx.AsyncClient, id_token: str, rp: Rp, nonce: str | None) -> dict:
        """Check the ID token as an outside relying party does: keys from discovery's jwks_uri."""
        discovery = (await http.get(f"{BASE}/.well-known/openid-configuration")).json()
        assert discovery["issuer"] == BASE
        keys = JsonWebKey.import_key_set((await http.get(discovery["jwks_uri"])).json())
        options = {"iss": {"essential": True, "value": BASE}, "aud": {"essential": True, "value": rp.client_id}}
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        claims = jwt.decode(id_token, keys, claims_options=options)
        claims.validate()
        return dict(claims)
