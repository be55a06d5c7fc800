"""GET /api/v1/me/codes/{code_id}/use: the wallet learns that the code on its screen was used
(issue 15), from the database's record of the use, whatever the shared store forgot."""

from __future__ import annotations

import pytest

from backend.codes import format as fmt
from backend.lib.store import MemoryStore
from tests.servers import forget_keys
from tests.venues.helpers import World, now

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(client) -> World:
    return World(client)


async def _use(world: World, code_id: str, headers: dict[str, str]):
    return await world.client.get(f"/api/v1/me/codes/{code_id}/use", headers=headers)


async def test_a_minted_code_says_its_id_and_is_unused_until_a_venue_accepts_it(world):
    holder = await world.holder()
    scanner = await world.scanner(await world.venue("library", ["library_entry"]))
    minted = (await world.client.post("/api/v1/me/codes/online", headers=holder.headers)).json()
    code_id = minted["code_id"]
    assert code_id == fmt.verify_online(minted["code"], masters=world.keyring.online, now=now()).code_id

    before = await _use(world, code_id, holder.headers)
    assert before.status_code == 200, before.text
    assert before.json()["used"] is False
    assert "no-store" in before.headers["cache-control"]

    # A refused scan (a scenario the venue does not serve) is not a use.
    assert (await world.verify(scanner, minted["code"], "hotel_checkin")).json()["result"] != "valid"
    assert (await _use(world, code_id, holder.headers)).json()["used"] is False

    assert (await world.verify(scanner, minted["code"], "library_entry")).json()["result"] == "valid"
    after = (await _use(world, code_id, holder.headers)).json()
    assert after["used"] is True
    assert after["venue_name"].startswith("Venue ")
    assert after["scenario"] == "library_entry"
    assert after["offline"] is False
    assert abs(after["at"] - now()) < 120


async def test_the_answer_comes_from_the_database_when_the_store_forgets(world):
    holder = await world.holder()
    scanner = await world.scanner(await world.venue("library", ["library_entry"]))
    minted = (await world.client.post("/api/v1/me/codes/online", headers=holder.headers)).json()
    assert (await world.verify(scanner, minted["code"], "library_entry")).json()["result"] == "valid"
    store = world.store
    if isinstance(store, MemoryStore):
        store._data.clear()
    else:
        await forget_keys(world.client.app.state.settings.redis_url, store.prefix)
    assert (await _use(world, minted["code_id"], holder.headers)).json()["used"] is True


async def test_an_offline_code_is_known_by_the_hash_of_its_body(world):
    holder = await world.holder()
    scanner = await world.scanner(await world.venue("library", ["library_entry"]))
    device = await world.device(holder)
    code = world.offline_code(device)
    code_id = fmt.code_id_of(code)
    assert (await _use(world, code_id, holder.headers)).json()["used"] is False
    assert (await world.verify(scanner, code, "library_entry")).json()["result"] == "valid"
    assert (await _use(world, code_id, holder.headers)).json()["used"] is True


async def test_someone_elses_used_code_is_not_found(world):
    holder, other = await world.holder(), await world.holder(name="李四")
    scanner = await world.scanner(await world.venue("library", ["library_entry"]))
    minted = (await world.client.post("/api/v1/me/codes/online", headers=holder.headers)).json()
    assert (await world.verify(scanner, minted["code"], "library_entry")).json()["result"] == "valid"
    answer = await _use(world, minted["code_id"], other.headers)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "code.not_found"
    # Staff and scanners have no codes.
    assert (await _use(world, minted["code_id"], scanner)).status_code == 403
    assert (await world.client.get(f"/api/v1/me/codes/{minted['code_id']}/use")).status_code == 401


@pytest.mark.parametrize("bad", ["XYZ", "0" * 31, "0" * 33, "A" * 32, "g" * 32])
async def test_a_malformed_id_is_a_400(world, bad):
    holder = await world.holder()
    answer = await _use(world, bad, holder.headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"].startswith("request.")


def test_code_id_of_matches_what_the_verifiers_claim():
    assert fmt.code_id_of("YKO1:nonsense") is None
    assert fmt.code_id_of("") is None
