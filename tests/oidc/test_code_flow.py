"""A relying party (authlib's client) signs a holder in with the code flow and PKCE; ID token checked against our JWKS."""

import pytest

pytestmark = pytest.mark.anyio


async def test_a_relying_party_signs_a_holder_in(world):
    holder = await world.holder(name="王小明")
    rp = await world.rp()
    done = await world.sign_in(rp, holder)
    assert done.token["token_type"] == "Bearer"
    claims = done.id_claims
    assert claims["yk_card_valid"] is True
    assert claims["yk_masked_name"] == "王**"
    assert "name" not in claims and "yk_document_number" not in claims
    assert done.userinfo["sub"] == claims["sub"]
    assert done.userinfo["yk_masked_name"] == "王**"
    assert [c["name"] for c in done.view["claims"]] == ["yk_card_valid", "yk_card_valid_until", "yk_masked_name"]
    assert done.view["client"]["id"] == rp.client_id
