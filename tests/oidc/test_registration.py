"""Registering relying parties: malformed redirect URIs are 422, `identity` only for confidential clients."""

import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("uri", ["https://[zz]/a", "https://[::1/a", "https://rp.example:99999/cb"])
async def test_a_malformed_redirect_uri_is_422(world, uri):
    operator = await world.operator()
    body = {"name": "Odd site", "redirect_uris": [uri], "scopes": ["openid"]}
    made = await world.client.post("/api/v1/oidc/clients", json=body, headers=operator)
    assert made.status_code == 422, made.text
    assert made.json()["error"]["code"] == "oidc.bad_redirect_uri"
    rp = await world.rp("fine.example")
    patched = await world.client.patch(f"/api/v1/oidc/clients/{rp.client_id}", json={"redirect_uris": [uri]}, headers=operator)
    assert patched.status_code == 422, patched.text
    assert patched.json()["error"]["code"] == "oidc.bad_redirect_uri"


async def test_identity_is_only_for_confidential_clients(world):
    operator = await world.operator()
    basis = "《中华人民共和国社会保险法》第七十二条"
    body = {
        "name": "Browser app",
        "redirect_uris": ["https://spa.example/cb"],
        "scopes": ["openid", "identity"],
        "legal_basis": basis,
        "token_endpoint_auth_method": "none",
    }
    made = await world.client.post("/api/v1/oidc/clients", json=body, headers=operator)
    assert made.status_code == 422, made.text
    assert made.json()["error"]["code"] == "oidc.identity_needs_secret"
    public = await world.rp("spa.example", method="none", scopes=["openid", "card"])
    patched = await world.client.patch(
        f"/api/v1/oidc/clients/{public.client_id}",
        json={"scopes": ["openid", "identity"], "legal_basis": basis},
        headers=operator,
    )
    assert patched.status_code == 422 and patched.json()["error"]["code"] == "oidc.identity_needs_secret"
