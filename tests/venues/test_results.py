"""Every verification result through the API, clock skew, and codes across a key rotation."""

import secrets

import pytest

from backend.codes import format as fmt
from tests.venues.helpers import now

pytestmark = pytest.mark.anyio


async def _result(world, scanner, code, scenario="counter_service"):
    response = await world.verify(scanner, code, scenario)
    assert response.status_code == 200, response.text
    body = response.json()
    if body["result"] != "valid":
        assert body["attributes"] == {} and body["concessions"] == []
    return body["result"]


@pytest.fixture
async def counter(world):
    return await world.scanner_for("service_counter", ["counter_service"])


async def test_code_from_the_wallet_endpoint_is_valid_once(world, counter):
    holder = await world.holder()
    code = await world.minted_code(holder)
    assert await _result(world, counter, code) == "valid"
    other = await world.scanner_for("office", ["counter_service"])
    assert await _result(world, other, code) == "replayed"


async def test_expired_and_not_yet_valid(world, counter):
    holder = await world.holder()
    assert await _result(world, counter, world.online_code(holder, now() - 300)) == "expired"
    assert await _result(world, counter, world.online_code(holder, now() + 300)) == "not_yet_valid"


async def test_clock_skew_within_tolerance_passes_beyond_is_refused(world, counter):
    holder = await world.holder()
    skew = fmt.DEFAULT_SKEW
    t = now()
    # The phone's clock runs ahead (or behind) of the server by less than the tolerance...
    assert await _result(world, counter, world.online_code(holder, t + skew - 2)) == "valid"
    assert await _result(world, counter, world.online_code(holder, t - fmt.CODE_LIFETIME - skew + 3)) == "valid"
    # ...and by clearly more.
    assert await _result(world, counter, world.online_code(holder, t + skew + 20)) == "not_yet_valid"
    assert await _result(world, counter, world.online_code(holder, t - fmt.CODE_LIFETIME - skew - 20)) == "expired"


async def test_tampered_code_is_bad_signature(world, counter):
    holder = await world.holder()
    code = world.online_code(holder)
    body = fmt.base45.decode(code[5:])
    tampered = "YKO1:" + fmt.base45.encode(body[:-1] + bytes([body[-1] ^ 1]))
    assert await _result(world, counter, tampered) == "bad_signature"
    device = await world.device(holder)
    offline = world.offline_code(device)
    raw = bytearray(fmt.base45.decode(offline[5:]))
    raw[-1] ^= 1
    assert await _result(world, counter, "YKD1:" + fmt.base45.encode(bytes(raw))) == "bad_signature"


async def test_unknown_key(world, counter):
    holder = await world.holder()
    stranger_kid = next(k for k in range(1, 256) if k not in world.keyring.online)
    code = fmt.mint_online(bytes.fromhex(holder.card_ref), kid=stranger_kid, master=secrets.token_bytes(32), now=now())
    assert await _result(world, counter, code) == "unknown_key"
    # An offline credential signed by an issuer key nobody published.
    seed, _public = fmt.ed25519.generate()
    device_seed, device_pub = fmt.ed25519.generate()
    credential = fmt.make_credential(
        issuer_kid=b"\xde\xad\xbe\xef",
        issuer_seed=seed,
        card_ref=bytes.fromhex(holder.card_ref),
        region=440100,
        nbf=now() - 10,
        exp=now() + 3600,
        flags=0,
        device_pub=device_pub,
    )
    assert await _result(world, counter, fmt.make_offline_code(credential, device_seed, now())) == "unknown_key"


async def test_card_suspended_after_temporary_loss_and_back_after_lifting(world, counter):
    holder = await world.holder()
    device = await world.device(holder)
    await world.card_action(holder, "report-temp-loss")
    assert await _result(world, counter, world.online_code(holder)) == "card_suspended"
    assert await _result(world, counter, world.offline_code(device)) == "card_suspended"
    await world.card_action(holder, "lift-loss")
    assert await _result(world, counter, world.online_code(holder)) == "valid"


async def test_card_cancelled(world, counter):
    holder = await world.holder()
    code = world.online_code(holder)
    await world.card_action(holder, "cancel")
    assert await _result(world, counter, code) == "card_cancelled"


async def test_offline_code_valid_online_then_device_revoked_after_unbinding(world, counter):
    holder = await world.holder()
    device = await world.device(holder)
    code = world.offline_code(device)
    response = await world.verify(counter, code, "counter_service")
    assert response.json()["result"] == "valid" and response.json()["code_kind"] == "offline"
    assert response.json()["attributes"]["name"] == holder.name
    await world.unbind(holder, device)
    assert await _result(world, counter, world.offline_code(device)) == "device_revoked"


async def test_codes_cross_a_key_rotation(world, counter):
    holder = await world.holder()
    device = await world.device(holder)
    keystore = world.client.app.state.keystore
    old_online = world.keyring.online_kid
    before_online, before_offline = world.online_code(holder), world.offline_code(device)
    kept_back = world.online_code(holder)
    keystore.rotate()
    assert world.keyring.online_kid != old_online
    # Minted under the previous online secret and the retired issuer key: still accepted.
    assert await _result(world, counter, before_online) == "valid"
    assert await _result(world, counter, before_offline) == "valid"
    assert await _result(world, counter, world.online_code(holder)) == "valid"
    # Two more rotations within the minute keep the old online secret: its live codes still pass.
    keystore.rotate()
    keystore.rotate()
    assert old_online in world.keyring.online
    assert await _result(world, counter, world.online_code(holder)) == "valid"
    assert await _result(world, counter, kept_back) == "valid"
