"""Draft -> review -> published -> withdrawn, every published version kept, and only those public."""

import datetime as dt

import pytest

from tests.catalog.helpers import content, scenario, uid, utcnow

pytestmark = pytest.mark.anyio


async def _public_item(catalog, code):
    return await catalog.client.get(f"/api/v1/catalog/items/{code}")


async def test_the_public_sees_only_published_versions(catalog):
    code, name = f"t.{uid()}", f"t_{uid()}"
    response = await catalog.create(code, content([scenario(name, ["library"])]))
    assert response.status_code == 201, response.text
    assert response.json()["versions"][0]["status"] == "draft"
    history = (await catalog.client.get("/api/v1/catalog/history", params={"limit": 200})).json()["items"]

    # A draft and a version in review are invisible: no item, not in the catalog, not in the history.
    for step in ("draft", "review"):
        if step == "review":
            assert (await catalog.submit(code, 1)).json()["versions"][0]["status"] == "review"
        assert (await _public_item(catalog, code)).status_code == 404
        assert code not in await catalog.codes()
        assert code not in str((await catalog.client.get("/api/v1/catalog/history", params={"limit": 200})).json())

    assert (await catalog.publish(code, 1)).status_code == 200
    item = (await _public_item(catalog, code)).json()
    assert item["in_effect"] == 1 and [v["number"] for v in item["versions"]] == [1]
    assert "created_by" not in str(item) and "published_by" not in str(item)
    assert code in await catalog.codes()
    newer = (await catalog.client.get("/api/v1/catalog/history", params={"limit": 200})).json()["items"]
    assert newer[0]["item_code"] == code and newer[0]["event"] == "published" and len(newer) == len(history) + 1

    # A new draft does not change what the public sees.
    body = content([scenario(name, ["library"], ["masked_name", "card_valid"])])
    assert (
        await catalog.client.post(f"/api/v1/catalog/items/{code}/versions", json=body, headers=await catalog.author())
    ).status_code == 201
    item = (await _public_item(catalog, code)).json()
    assert [v["number"] for v in item["versions"]] == [1]
    current = next(i for i in (await catalog.public())["items"] if i["code"] == code)
    assert current["version"] == 1 and current["scenarios"][0]["attributes"] == ["masked_name"]


async def test_every_published_version_is_kept_and_dates_decide(catalog):
    code, name = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(code, content([scenario(name, ["library"])]))
    start = utcnow() + dt.timedelta(days=10)
    await catalog.next_version(code, content([scenario(name, ["library"], ["card_valid"])]), effective_from=start)

    item = (await _public_item(catalog, code)).json()
    v2, v1 = item["versions"]
    assert (v1["number"], v2["number"]) == (1, 2) and item["in_effect"] == 1
    assert v1["effective_to"] == v2["effective_from"]  # v1 ends where v2 starts
    by_time = lambda body: next(i for i in body["items"] if i["code"] == code)["version"]  # noqa: E731
    assert by_time(await catalog.public()) == 1
    assert by_time(await catalog.public(at=start - dt.timedelta(seconds=1))) == 1
    assert by_time(await catalog.public(at=start)) == 2
    assert by_time(await catalog.public(at=start + dt.timedelta(days=400))) == 2

    # Withdrawal with an end date: in effect until then, gone from then on; history has both.
    end = start + dt.timedelta(days=30)
    response = await catalog.withdraw(code, end)
    assert response.status_code == 200, response.text
    assert by_time(await catalog.public(at=end - dt.timedelta(seconds=1))) == 2
    assert code not in await catalog.codes(at=end)
    item = (await _public_item(catalog, code)).json()
    # v1 had ended (superseded) before the end date, so only v2 is marked withdrawn.
    assert [v["status"] for v in item["versions"]] == ["withdrawn", "published"]
    assert item["versions"][0]["effective_to"].startswith(end.strftime("%Y-%m-%dT%H:%M"))
    history = (await catalog.client.get("/api/v1/catalog/history", params={"limit": 200})).json()["items"]
    events = [(e["event"], e["version"]) for e in history if e["item_code"] == code]
    assert ("withdrawn", 2) in events and ("published", 1) in events and ("published", 2) in events
    assert (await catalog.withdraw(code)).json()["error"]["code"] == "catalog.not_published"


async def test_withdrawal_before_a_scheduled_version_means_it_never_starts(catalog):
    code, name = f"t.{uid()}", f"t_{uid()}"
    await catalog.published(code, content([scenario(name, ["library"])]))
    later = utcnow() + dt.timedelta(days=5)
    await catalog.next_version(code, content([scenario(name, ["library"], ["card_valid"])]), effective_from=later)
    assert (await catalog.withdraw(code)).status_code == 200
    for moment in (None, later, later + dt.timedelta(days=1)):
        assert code not in await catalog.codes(at=moment)


async def test_workflow_rules(catalog):
    code, name = f"t.{uid()}", f"t_{uid()}"
    body = content([scenario(name, ["library"])])
    assert (await catalog.create(code, body)).status_code == 201
    versions = f"/api/v1/catalog/items/{code}/versions"
    author = await catalog.author()

    # Only drafts can be edited; an item has one open version at a time.
    assert (
        await catalog.client.put(f"{versions}/1", json=content([scenario(name, ["library"], ["card_valid"])]), headers=author)
    ).status_code == 200
    assert (await catalog.client.post(versions, json=body, headers=author)).json()["error"]["code"] == "catalog.version_open"
    assert (await catalog.publish(code, 1)).json()["error"]["code"] == "catalog.illegal_transition"
    assert (await catalog.submit(code, 1)).status_code == 200
    assert (await catalog.client.put(f"{versions}/1", json=body, headers=author)).json()["error"][
        "code"
    ] == "catalog.illegal_transition"

    # Four eyes: who submitted cannot publish; the reviewer can send it back with a reason.
    response = await catalog.publish(code, 1, headers=author)
    assert response.status_code == 403 and response.json()["error"]["code"] == "catalog.same_reviewer"
    response = await catalog.client.post(
        f"{versions}/1/return", json={"note": "too much disclosed"}, headers=await catalog.reviewer()
    )
    assert response.status_code == 200
    assert (
        response.json()["versions"][0]["status"] == "draft"
        and response.json()["versions"][0]["returned_note"] == "too much disclosed"
    )
    assert (await catalog.submit(code, 1)).status_code == 200

    # No back-dating: neither an effective date nor an end date in the past.
    past = utcnow() - dt.timedelta(days=1)
    assert (await catalog.publish(code, 1, past)).json()["error"]["code"] == "catalog.effective_in_past"
    assert (await catalog.publish(code, 1)).status_code == 200
    assert (await catalog.withdraw(code, past)).json()["error"]["code"] == "catalog.end_in_past"

    # A later version must start after the one before; unknown versions and items are 404.
    response = await catalog.client.post(versions, json=body, headers=author)
    assert response.status_code == 201 and response.json()["versions"][0]["number"] == 2
    assert (await catalog.submit(code, 9)).status_code == 404
    assert (await catalog.submit(f"t.{uid()}", 1)).json()["error"]["code"] == "catalog.item_not_found"

    queue = (await catalog.client.get("/api/v1/catalog/queue", headers=author)).json()["items"]
    assert any(q["code"] == code and q["number"] == 2 and q["status"] == "draft" for q in queue)
    managed = (await catalog.client.get(versions, headers=author)).json()
    assert [v["status"] for v in managed["versions"]] == ["draft", "published"]
    assert managed["versions"][1]["published_by"] != managed["versions"][1]["submitted_by"]
