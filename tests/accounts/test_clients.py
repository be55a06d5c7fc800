"""Machine clients: create, rotate and revoke (effective at once), principal shape, rate limit."""

from __future__ import annotations

import asyncio
import time
import uuid

import anyio
import pytest

from backend.accounts import clients, services
from backend.lib.auth import PROVINCIAL, SCANNER, SUPERVISOR
from backend.org.tables import Bank
from tests.accounts.helpers import bearer, in_app, staff

pytestmark = pytest.mark.anyio


async def _bank(client) -> str:
    async def make() -> str:
        from backend.accounts.sessions import utc

        bank = Bank(code=uuid.uuid4().hex[:12], name="Test Bank", updated_at=utc(int(time.time())))
        await bank.save().run()
        return str(bank.id)

    return await in_app(client, make)


async def _works(client, token: str) -> int:
    # Any route checks a presented token; /health needs no role, so 200 means "accepted".
    return (await client.get("/health", headers=bearer(token))).status_code


async def test_create_list_rotate_revoke_over_http(client):
    admin = await staff(client, PROVINCIAL)
    headers = bearer(admin["token"])
    bank_id = await _bank(client)
    created = await client.post(
        "/api/v1/clients", json={"kind": "bank", "org_id": bank_id, "name": "ICBC gateway"}, headers=headers
    )
    assert created.status_code == 201, created.text
    token, row = created.json()["token"], created.json()["client"]
    assert token.startswith(f"ykc_{uuid.UUID(row['id']).hex}_")
    assert row["created_by"] == admin["id"] and row["status"] == "active"
    assert await _works(client, token) == 200

    listed = await client.get("/api/v1/clients", params={"kind": "bank", "limit": 500}, headers=headers)
    assert row["id"] in {r["id"] for r in listed.json()}
    # One organisation's clients only (the console's employer page asks so).
    other = await client.post(
        "/api/v1/clients", json={"kind": "bank", "org_id": await _bank(client), "name": "x"}, headers=headers
    )
    assert other.status_code == 201, other.text
    mine = await client.get("/api/v1/clients", params={"org_id": bank_id}, headers=headers)
    assert [r["id"] for r in mine.json()] == [row["id"]]
    # The first request of the minute noted when the client was last used.
    assert next(r for r in listed.json() if r["id"] == row["id"])["last_used_at"] is not None
    # The secret is everything after the id (it may itself contain "_").
    assert "secret" not in listed.text and token[len(f"ykc_{uuid.UUID(row['id']).hex}_") :] not in listed.text

    rotated = await client.post(f"/api/v1/clients/{row['id']}/rotate", headers=headers)
    assert rotated.status_code == 200
    new_token = rotated.json()["token"]
    assert await _works(client, token) == 401  # the cache was warm: still refused at once
    assert await _works(client, new_token) == 200

    revoked = await client.post(f"/api/v1/clients/{row['id']}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert await _works(client, new_token) == 401
    again = await client.post(f"/api/v1/clients/{row['id']}/rotate", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "client.revoked"
    missing = await client.post(f"/api/v1/clients/{uuid.uuid4()}/revoke", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "client.not_found"


async def test_client_input_and_guards(client):
    admin = await staff(client, PROVINCIAL)
    headers = bearer(admin["token"])
    unknown_bank = await client.post(
        "/api/v1/clients", json={"kind": "bank", "org_id": str(uuid.uuid4()), "name": "x"}, headers=headers
    )
    assert unknown_bank.status_code == 422 and unknown_bank.json()["error"]["code"] == "client.unknown_org"
    for body in (
        {"kind": "printer", "org_id": str(uuid.uuid4()), "name": "x"},
        {"kind": "bank", "org_id": "not-a-uuid", "name": "x"},
        {"kind": "bank", "org_id": str(uuid.uuid4()), "name": "x", "rate_per_minute": 0},
        {"kind": "bank", "org_id": str(uuid.uuid4()), "name": "", "secret": "mine"},
    ):
        response = await client.post("/api/v1/clients", json=body, headers=headers)
        assert response.status_code == 400, body
    supervisor = await staff(client, SUPERVISOR)
    refused = await client.get("/api/v1/clients", headers=bearer(supervisor["token"]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.not_permitted"


async def test_scanner_principal_and_rate_limit(client):
    venue_id = uuid.uuid4()
    row, token = await in_app(
        client,
        services.create_client,
        kind=SCANNER,
        org_id=venue_id,
        name="Gate 3",
        created_by="test",
        rate_per_minute=3,
    )
    state = client.app.state
    if time.time() % 60 > 55:
        await anyio.sleep(61 - time.time() % 60)  # keep the burst inside one minute window
    principal = await in_app(client, clients.resolve, state.store, state.settings, token, int(time.time()))
    assert (principal.kind, principal.role) == ("client", SCANNER)
    assert principal.id == principal.scanner_id == str(row.id) and principal.org_id == str(venue_id)
    assert [await _works(client, token) for _ in range(2)] == [200, 200]
    limited = await client.get("/health", headers=bearer(token))
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate.limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # Someone without the secret cannot spend the client's allowance or learn about it.
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert await _works(client, forged) == 401


async def test_wrong_secrets_do_not_spend_the_allowance(client):
    _, token = await in_app(
        client, services.create_client, kind=SCANNER, org_id=uuid.uuid4(), name="Gate 4", created_by="test", rate_per_minute=3
    )
    if time.time() % 60 > 55:
        await anyio.sleep(61 - time.time() % 60)  # keep the burst inside one minute window
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert [await _works(client, forged) for _ in range(5)] == [401] * 5
    assert [await _works(client, token) for _ in range(4)] == [200, 200, 200, 429]


async def test_revocation_reaches_every_worker(client, settings):
    from backend.lib.store import RedisStore

    row, token = await in_app(client, services.create_client, kind="agency", org_id=uuid.uuid4(), name="Police", created_by="t")
    store = client.app.state.store

    async def scenario() -> list[bool]:
        # Another worker: its own Redis connection, same shared cache (embedded: one process).
        other = RedisStore(settings.redis_url, settings.redis_prefix) if settings.redis_url else store
        try:
            seen = [await clients.resolve(other, settings, token, int(time.time())) is not None]  # warms the cache
            new_token = await services.rotate_client_secret(row.id, store=store)
            seen.append(await clients.resolve(other, settings, token, int(time.time())) is not None)
            seen.append(await clients.resolve(other, settings, new_token, int(time.time())) is not None)
            await services.revoke_client(row.id, store=store)
            seen.append(await clients.resolve(other, settings, new_token, int(time.time())) is not None)
            return seen
        finally:
            if other is not store:
                await other.close()

    assert await in_app(client, scenario) == [True, False, True, False]


async def test_stale_reader_cannot_refill_the_cache(client):
    """A worker that read the row just before a rotation must not put the old secret back."""
    row, token = await in_app(client, services.create_client, kind="bank", org_id=uuid.uuid4(), name="B", created_by="t")
    store, settings = client.app.state.store, client.app.state.settings

    async def scenario() -> bool:
        await services.rotate_client_secret(row.id, store=store)
        # What a slow reader holding the pre-rotation row would try: set-if-absent.
        await store.claim(f"client:{uuid.UUID(str(row.id)).hex}", '{"stale": true}', 60)
        return await clients.resolve(store, settings, token, int(time.time())) is not None

    assert await in_app(client, scenario) is False


async def test_cold_cache_is_filled_by_one_read(client, monkeypatch):
    """Concurrent requests of a client whose cached state expired share one database read."""
    row, token = await in_app(client, services.create_client, kind=SCANNER, org_id=uuid.uuid4(), name="Gate 5", created_by="t")
    store, settings = client.app.state.store, client.app.state.settings
    reads: list[list] = []
    loader = clients._states_by_id
    real_fetch = loader._fetch_many

    async def counted(ids):
        reads.append(list(ids))
        return await real_fetch(ids)

    monkeypatch.setattr(loader, "_fetch_many", counted)

    async def burst() -> list[bool]:
        now = int(time.time())
        found = await asyncio.gather(*(clients.resolve(store, settings, token, now) for _ in range(20)))
        return [p is not None for p in found]

    assert await in_app(client, burst) == [True] * 20
    assert reads == [[uuid.UUID(str(row.id))]]  # one read of one row
    assert await in_app(client, burst) == [True] * 20
    assert len(reads) == 1  # then every request found the cache
    # After a rotation the old secret fails at once, the new one works, and the reads of
    # requests that saw the stale marker do not put anything back in the cache.
    new_token = await in_app(client, services.rotate_client_secret, row.id, store=store)
    assert await in_app(client, clients.resolve, store, settings, token, int(time.time())) is None
    assert await in_app(client, clients.resolve, store, settings, new_token, int(time.time())) is not None
    assert len(reads) == 3
    assert await in_app(client, store.get, f"client:{uuid.UUID(str(row.id)).hex}") == clients._STALE
