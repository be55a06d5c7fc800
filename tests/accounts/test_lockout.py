"""Brute-force defence: lockout per account and per address, doubling backoff, reset on success."""

from __future__ import annotations

import pytest

from backend.accounts import throttle
from backend.identity import services as identity
from tests.accounts.helpers import PASSWORD, concurrently, in_app, keyring, login, new_id_number, register

pytestmark = pytest.mark.anyio


def _account_key(client, id_number: str) -> str:
    doc = identity.check_document("resident_id", id_number)
    return throttle.account_key("citizen", identity.blind(keyring(client), doc))


def test_backoff_doubles_and_is_capped():
    assert [throttle.lock_seconds(n, 5) for n in range(3, 12)] == [0, 0, 30, 60, 120, 240, 480, 900, 900]
    assert throttle.lock_seconds(10_000, 5) == 900


async def test_account_locks_before_the_password_is_checked(strict_client):
    client = strict_client
    id_number, _ = await register(client)
    for _ in range(3):
        response = await login(client, id_number, "wrong password!")
        assert response.json()["error"]["code"] == "auth.bad_credentials"
    locked = await login(client, id_number)  # the right password: still refused while locked
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "auth.locked"
    assert 25 <= error["details"]["retry_after"] <= 30
    assert int(locked.headers["retry-after"]) == error["details"]["retry_after"]

    # When the lock lapses, one more failure locks again for twice as long.
    store = client.app.state.store
    key = _account_key(client, id_number)
    await in_app(client, store.delete, f"login:lock:{key}")
    assert (await login(client, id_number, "wrong again!!")).status_code == 401
    again = await login(client, id_number)
    assert again.status_code == 429
    assert 55 <= again.json()["error"]["details"]["retry_after"] <= 60


async def test_success_resets_the_account_counter(strict_client):
    client = strict_client
    id_number, _ = await register(client)
    for _ in range(2):
        assert (await login(client, id_number, "wrong password!")).status_code == 401
    assert (await login(client, id_number)).status_code == 200
    for _ in range(2):
        assert (await login(client, id_number, "wrong password!")).status_code == 401
    assert (await login(client, id_number)).status_code == 200


async def test_unknown_people_lock_the_same_way(strict_client):
    client = strict_client
    id_number = new_id_number()
    codes = [(await login(client, id_number)).json()["error"]["code"] for _ in range(4)]
    assert codes == ["auth.bad_credentials"] * 3 + ["auth.locked"]


async def test_address_locks_across_accounts(strict_client):
    client = strict_client
    victim, _ = await register(client)
    # 12 failures (3 x ADDRESS_FACTOR) spread over many accounts, none of them locked by itself.
    for _ in range(3 * throttle.ADDRESS_FACTOR):
        assert (await login(client, new_id_number())).status_code == 401
    response = await login(client, victim)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "auth.locked"
    # Another address is not affected.
    other = await concurrently(
        client,
        (
            "POST",
            "/api/v1/auth/login",
            {"json": {"doc_type": "resident_id", "id_number": victim, "password": PASSWORD}},
        ),
    )
    assert other[0].status_code == 200, other[0].text


async def test_parallel_guesses_cannot_outrun_the_counter(strict_client):
    client = strict_client
    id_number, _ = await register(client)
    body = {"doc_type": "resident_id", "id_number": id_number, "password": "wrong password!"}
    responses = await concurrently(client, *[("POST", "/api/v1/auth/login", {"json": body})] * 12)
    statuses = [r.status_code for r in responses]
    # Attempts on one account run one at a time, so at most 3 passwords were ever checked.
    assert 1 <= statuses.count(401) <= 3
    assert all(s in (401, 429) for s in statuses)
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 429} <= {"auth.locked", "auth.busy"}
