"""Two adds at once never pass a limit, and the same relative is never added twice."""

from __future__ import annotations

import pytest

from tests.cards.helpers import concurrently
from tests.family.helpers import ELDER, add, member

pytestmark = pytest.mark.anyio


def _post(holder, relative, relationship: str) -> tuple[str, str, dict]:
    return ("POST", "/api/v1/me/family", {"json": relative.body(relationship), "headers": holder.headers})


async def test_concurrent_adds_stop_at_the_kinds_limit(world):
    holder = await member(world)
    elders = [await member(world, birth=ELDER, account=False, card=False) for _ in range(7)]
    answers = await concurrently(world.client, *(_post(holder, e, "elder") for e in elders))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 4 + [409] * 3, [r.text for r in answers]
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"family.limit_reached"}
    listing = (await world.client.get("/api/v1/me/family", headers=holder.headers)).json()
    assert len(listing["items"]) == 4


async def test_concurrent_adds_stop_at_the_total(world):
    holder = await member(world)
    for kind in ["elder"] * 4 + ["child"] * 3 + ["spouse"] + ["other"]:  # 9 of 10
        response = await add(world, holder, await member(world, account=False, card=False), kind)
        assert response.status_code == 201, response.text
    others = [await member(world, account=False, card=False) for _ in range(3)]
    answers = await concurrently(world.client, *(_post(holder, o, "other") for o in others))
    assert sorted(r.status_code for r in answers) == [201, 409, 409], [r.text for r in answers]
    listing = (await world.client.get("/api/v1/me/family", headers=holder.headers)).json()
    assert next(limit for limit in listing["limits"] if limit["relationship"] == "total")["used"] == 10


async def test_the_same_relative_added_twice_at_once_is_added_once(world):
    holder = await member(world)
    relative = await member(world, birth=ELDER, account=False, card=False)
    answers = await concurrently(world.client, _post(holder, relative, "elder"), _post(holder, relative, "other"))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    refused = next(r for r in answers if r.status_code == 409)
    assert refused.json()["error"]["code"] in ("family.duplicate", "family.limit_reached")
    assert len((await world.client.get("/api/v1/me/family", headers=holder.headers)).json()["items"]) == 1
