"""TOTP: enrolment with provisioning URI and QR, codes accepted once only, recovery codes single-use."""

from __future__ import annotations

import asyncio
import io
import time
import urllib.parse

import pyotp
import pytest

from backend.accounts import factors, totp
from backend.accounts.tables import Account
from tests.accounts.helpers import bearer, citizen, in_app, keyring, login

pytestmark = pytest.mark.anyio


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def enrol(client, token: str) -> tuple[str, list[str]]:
    """Start and confirm enrolment; returns (secret, recovery codes)."""
    started = await client.post("/api/v1/me/totp", headers=bearer(token))
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    confirmed = await client.post("/api/v1/me/totp/confirm", json={"code": code_at(secret)}, headers=bearer(token))
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def test_enrolment_gives_uri_svg_and_png(client):
    import zxingcpp
    from PIL import Image

    id_number, token = await citizen(client)
    response = await client.post("/api/v1/me/totp", headers=bearer(token))
    assert response.status_code == 201
    body = response.json()
    uri = urllib.parse.urlparse(body["provisioning_uri"])
    query = urllib.parse.parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert query["secret"] == [body["secret"]] and query["issuer"] == ["Yikatong"]
    assert id_number not in body["provisioning_uri"]  # the label is the masked number
    assert body["qr_svg"].startswith("<svg") and body["qr_svg"].rstrip().endswith("</svg>")

    png = await client.get("/api/v1/me/totp/qr.png", headers=bearer(token))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [d.text for d in decoded] == [body["provisioning_uri"]]

    # Not on yet: sign-in still needs only the password, and the pending secret is sealed.
    assert (await login(client, id_number)).status_code == 200
    row = await in_app(
        client,
        Account.select().where(Account.id == (await client.get("/api/v1/me", headers=bearer(token))).json()["id"]).first().run,
    )
    assert row["totp_enabled"] is False and row["totp_cipher"] is None
    assert body["secret"].encode() not in bytes(row["totp_pending_cipher"])


async def test_confirm_refuses_a_wrong_code_and_needs_a_start(client):
    _, token = await citizen(client)
    early = await client.post("/api/v1/me/totp/confirm", json={"code": "123456"}, headers=bearer(token))
    assert early.status_code == 409 and early.json()["error"]["code"] == "totp.not_started"
    assert (await client.get("/api/v1/me/totp/qr.png", headers=bearer(token))).status_code == 404
    secret = (await client.post("/api/v1/me/totp", headers=bearer(token))).json()["secret"]
    wrong = code_at(secret, 5)
    response = await client.post("/api/v1/me/totp/confirm", json={"code": wrong}, headers=bearer(token))
    assert response.status_code == 422 and response.json()["error"]["code"] == "totp.bad_code"
    bad = await client.post("/api/v1/me/totp/confirm", json={"code": "12345"}, headers=bearer(token))
    assert bad.status_code == 400


async def test_codes_are_accepted_once_whatever_the_window(client):
    id_number, token = await citizen(client)
    secret, codes = await enrol(client, token)
    assert len(codes) == 10 and len(set(codes)) == 10

    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert me["totp_enabled"] is True and me["recovery_codes_left"] == 10
    row = await in_app(client, Account.select().where(Account.id == me["id"]).first().run)
    assert secret.encode() not in bytes(row["totp_cipher"])
    assert totp.unseal(row["totp_cipher"], keyring(client).pii, purpose=totp.ACTIVE, owner_id=me["id"]) == secret

    need = await login(client, id_number)
    assert need.status_code == 401 and need.json()["error"]["code"] == "auth.totp_required"
    # The code used to confirm enrolment is spent already.
    reused = await login(client, id_number, totp=code_at(secret))
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "auth.bad_totp"
    # The next step's code is inside the window: accepted once, then never again.
    future = code_at(secret, 1)
    assert (await login(client, id_number, totp=future)).status_code == 200
    assert (await login(client, id_number, totp=future)).json()["error"]["code"] == "auth.bad_totp"
    # An older step's code is refused even though it is still inside the window.
    assert (await login(client, id_number, totp=code_at(secret, 0))).status_code == 401


async def test_recovery_codes_are_single_use(client):
    id_number, token = await citizen(client)
    _, codes = await enrol(client, token)
    assert (await login(client, id_number, recovery_code=codes[0])).status_code == 200
    again = await login(client, id_number, recovery_code=codes[0])
    assert again.status_code == 401 and again.json()["error"]["code"] == "auth.bad_recovery_code"
    # Case and separators do not matter.
    assert (await login(client, id_number, recovery_code=codes[1].upper().replace("-", ""))).status_code == 200
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert me["recovery_codes_left"] == 8


async def test_disable_with_code_then_password_alone_works(client):
    id_number, token = await citizen(client)
    secret, codes = await enrol(client, token)
    again = await client.post("/api/v1/me/totp", headers=bearer(token))
    assert again.status_code == 409 and again.json()["error"]["code"] == "totp.already_enabled"
    wrong = await client.post("/api/v1/me/totp/disable", json={"code": "000000"}, headers=bearer(token))
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "totp.bad_code"
    ok = await client.post("/api/v1/me/totp/disable", json={"code": codes[3]}, headers=bearer(token))
    assert ok.status_code == 204, ok.text
    assert (await login(client, id_number)).status_code == 200
    off = await client.post("/api/v1/me/totp/disable", json={"code": code_at(secret)}, headers=bearer(token))
    assert off.status_code == 409 and off.json()["error"]["code"] == "totp.not_enabled"


async def test_disable_guesses_lock(client):
    _, token = await citizen(client)
    await enrol(client, token)
    limit = client.app.state.settings.login_max_failures
    codes = []
    for _ in range(limit + 1):
        response = await client.post("/api/v1/me/totp/disable", json={"code": "000000"}, headers=bearer(token))
        codes.append(response.json()["error"]["code"])
    assert codes == ["totp.bad_code"] * limit + ["auth.locked"]


async def test_two_workers_cannot_both_accept_one_code(client):
    _, token = await citizen(client)
    secret, _ = await enrol(client, token)
    account_id = (await client.get("/api/v1/me", headers=bearer(token))).json()["id"]
    code, now = code_at(secret, 1), int(time.time())

    async def race() -> list[bool]:
        return await asyncio.gather(*[factors.consume_totp("citizen", account_id, secret, code, now, 0) for _ in range(5)])

    assert sorted(await in_app(client, race)) == [False, False, False, False, True]


async def test_parallel_logins_with_one_code_make_one_session(client):
    from tests.accounts.helpers import PASSWORD, concurrently

    id_number, token = await citizen(client)
    secret, _ = await enrol(client, token)
    body = {"doc_type": "resident_id", "id_number": id_number, "password": PASSWORD, "totp": code_at(secret, 1)}
    responses = await concurrently(client, *[("POST", "/api/v1/auth/login", {"json": body})] * 4)
    assert [r.status_code for r in responses].count(200) == 1


def test_step_matching_unit():
    secret = pyotp.random_base32()
    now = 1_800_000_000
    step = now // 30
    code = pyotp.TOTP(secret).at(now)
    assert totp.matching_step(secret, code, now, after_step=0) == step
    assert totp.matching_step(secret, code, now, after_step=step) is None
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now - 30), now, after_step=0) == step - 1
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now - 60), now, after_step=0) is None
    assert totp.matching_step(secret, "12345", now, after_step=0) is None
    assert totp.matching_step(secret, "١٢٣٤٥٦", now, after_step=0) is None  # non-ASCII digits


def test_sealed_secret_is_bound_to_purpose_and_owner():
    key = bytes(range(32))
    blob = totp.seal("JBSWY3DPEHPK3PXP", key, purpose=totp.ACTIVE, owner_id="a")
    assert totp.unseal(blob, key, purpose=totp.ACTIVE, owner_id="a") == "JBSWY3DPEHPK3PXP"
    for purpose, owner in ((totp.PENDING, "a"), (totp.ACTIVE, "b")):
        with pytest.raises(ValueError):
            totp.unseal(blob, key, purpose=purpose, owner_id=owner)


async def test_seeded_account_with_a_known_secret(client):
    from backend.accounts import services
    from backend.lib.errors import ApiError
    from tests.accounts.helpers import PASSWORD, new_id_number

    secret, id_number = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", new_id_number()
    account = await in_app(
        client,
        services.create_citizen_account,
        keyring(client),
        doc_type="resident_id",
        id_number=id_number,
        name="演示 用户",
        password=PASSWORD,
        totp_secret=secret,
    )
    assert account["totp_enabled"] is True and account["person_id"]
    assert (await login(client, id_number)).json()["error"]["code"] == "auth.totp_required"
    assert (await login(client, id_number, totp=code_at(secret))).status_code == 200
    with pytest.raises(ApiError) as bad:
        await in_app(
            client,
            services.create_citizen_account,
            keyring(client),
            doc_type="resident_id",
            id_number=new_id_number(),
            name="x",
            password=PASSWORD,
            totp_secret="not base32!",
        )
    assert bad.value.code == "totp.bad_secret"
