"""GET /.well-known/jwks.json: the public trust list, its caching headers and rotation."""

from __future__ import annotations

import base64
from pathlib import Path

import msgspec
import pytest

from backend.codes import format as fmt
from backend.lib import ed25519

pytestmark = pytest.mark.anyio

URL = "/.well-known/jwks.json"


async def test_jwks_lists_the_signing_key_publicly(client):
    response = await client.get(URL)  # no Authorization header: public
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    doc = response.json()
    keyring = client.app.state.keystore.load()
    active = keyring.active_signing()
    by_kid = {k["kid"]: k for k in doc["keys"]}
    assert active.kid in by_kid
    jwk = by_kid[active.kid]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["use"] == "sig" and jwk["alg"] == "EdDSA"
    assert base64.urlsafe_b64decode(jwk["x"] + "=") == ed25519.public_from_seed(active.seed)
    # Only public members: no "d", and nothing else that could hold a secret.
    for key in doc["keys"]:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg", "nbf", "exp", "yk_publish_until"}
    # What verifiers build from it recognises the key.
    assert fmt.trust_from_jwks(doc)[active.kid] == active.public
    # Scanners learn from it when YKD1 codes stop verifying (settings.offline_v1_retire_at).
    assert doc["yk_retired_formats"] == {"YKD1": client.app.state.settings.offline_v1_retire_at}


async def test_etag_and_304(client):
    first = await client.get(URL)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10
    again = await client.get(URL)
    assert again.headers["etag"] == etag  # stable while nothing changes
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = await client.get(URL, headers={"If-None-Match": header})
        assert cached.status_code == 304, header
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == "public, max-age=300"
    stale = await client.get(URL, headers={"If-None-Match": '"not-the-tag"'})
    assert stale.status_code == 200 and stale.json() == first.json()


async def test_rotation_changes_the_set_and_keeps_the_old_key(settings, tmp_path: Path):
    """On an app with its own keyring: after a rotation both keys are listed, under a new ETag."""
    from litestar.testing import AsyncTestClient

    from backend.app import create_app

    own = msgspec.structs.replace(settings, key_dir=str(tmp_path / "keys"))
    async with AsyncTestClient(app=create_app(own)) as client:
        before = await client.get(URL)
        old_kid = [k["kid"] for k in before.json()["keys"]]
        assert len(old_kid) == 1
        new_kid, _ = client.app.state.keystore.rotate(max_credential_seconds=3600)
        after = await client.get(URL, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200  # the old tag no longer matches
        assert after.headers["etag"] != before.headers["etag"]
        keys = after.json()["keys"]
        assert [k["kid"] for k in keys] == [old_kid[0], new_kid]  # oldest first
        retired = keys[0]
        assert retired["exp"] <= keys[1]["nbf"] and retired["yk_publish_until"] == retired["exp"] + 3600


async def test_bad_token_is_refused_even_here(client):
    response = await client.get(URL, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.invalid_token"
