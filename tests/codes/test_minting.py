"""POST /api/v1/me/codes/online and its SVG/PNG forms: real citizens, real cards, real decoding."""

from __future__ import annotations

import io
import re
import secrets
import time
import uuid
import xml.etree.ElementTree as ET

import msgspec
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from backend.codes import format as fmt
from backend.codes.minting import MINT_PER_MINUTE, qr_version
from tests.codes.helpers import CITY, card_action, ensure_city, in_app, make_citizen, online_masters

pytestmark = pytest.mark.anyio

SVG_NS = "{http://www.w3.org/2000/svg}"

URL = "/api/v1/me/codes/online"
# --- JSON ---------------------------------------------------------------------------------


async def test_mint_online_code(client):
    citizen = await make_citizen(client)
    before = int(time.time())
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"code", "code_id", "kind", "issued_at", "expires_at", "qr_version"}
    assert body["kind"] == "online"
    assert before <= body["issued_at"] <= int(time.time())
    assert body["expires_at"] == body["issued_at"] + fmt.CODE_LIFETIME
    code = body["code"]
    assert fmt.kind_of(code) == "online" and len(code) <= fmt.ONLINE_MAX_CHARS
    assert body["qr_version"] == qr_version(code) == 3

    check = fmt.verify_online(code, masters=online_masters(client), now=body["issued_at"] + 30)
    assert check.result is fmt.Result.VALID
    assert check.card_ref == citizen.card_ref and check.iat == body["issued_at"]
    assert check.code_id == body["code_id"]  # the id a venue claims: the wallet asks about it (issue 15)
    assert fmt.verify_online(code, masters=online_masters(client), now=body["expires_at"] + 10).result is fmt.Result.EXPIRED


async def test_codes_carry_no_personal_data_and_never_repeat(client):
    citizen = await make_citizen(client)
    codes = []
    for _ in range(3):
        response = await client.post(URL, headers=citizen.headers)
        codes.append(response.json()["code"])
        text = response.text
        for secret in (
            citizen.name,
            citizen.id_number,
            citizen.card["card_number"],
            citizen.card["card_ref"],
            citizen.card["account"],
        ):
            assert secret not in text
    # Every code differs throughout: an observer cannot link two codes to one card.
    assert len(set(codes)) == 3
    bodies = [c[len(fmt.ONLINE_PREFIX) :] for c in codes]
    assert all(a[:12] != b[:12] for i, a in enumerate(bodies) for b in bodies[i + 1 :])


async def test_sign_in_required(client):
    response = await client.post(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"
    response = await client.post(URL, headers={"Authorization": "Bearer yks_forged"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "auth.invalid_token"


async def _staff_token() -> str:
    from backend.accounts import sessions
    from backend.accounts.services import create_staff
    from backend.accounts.tables import StaffMember
    from backend.org.tables import City, Office

    await ensure_city(CITY)
    city = await City.select(City.id).where(City.code == CITY).first().run()
    office = Office(city=city["id"], name="测试办事处 " + secrets.token_hex(3))
    await office.save().run()
    staff = await create_staff(
        username="t" + secrets.token_hex(5),
        name="Test Staff",
        role="counter_operator",
        office_id=office.id,
        password="Test-password-2026",
    )
    await (
        StaffMember.update({StaffMember.totp_enabled: True}).where(StaffMember.id == staff.id).run()
    )  # staff have a second factor
    token, _ = await sessions.create(
        kind="staff", owner_id=staff.id, now=int(time.time()), user_agent="pytest", client_label="test"
    )
    return token


async def test_staff_have_no_codes(client):
    token = await in_app(client, _staff_token)
    headers = {"Authorization": f"Bearer {token}"}
    for method, path in (("POST", URL), ("GET", URL + ".png"), ("POST", "/api/v1/me/credentials")):
        response = await client.request(
            method, path, headers=headers, json={"device_id": str(uuid.uuid4())} if "credentials" in path else None
        )
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "auth.wrong_role"


async def test_no_card_is_404(client):
    citizen = await make_citizen(client, card=False)
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "card.not_found"


async def test_ecard_not_issued_is_409(client):
    citizen = await make_citizen(client, ecard_level=0)
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "card.not_usable"
    assert error["details"] == {"state": "active", "result": None, "ecard_level": 0}
    assert "not been issued" in error["message"]


async def test_card_state_decides_and_wallet_learns_why(client):
    citizen = await make_citizen(client)
    assert (await client.post(URL, headers=citizen.headers)).status_code == 200

    await card_action(client, citizen, "report_temp_loss")
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "card.not_usable"
    assert error["details"]["state"] == "temp_lost" and error["details"]["result"] == "card_suspended"

    await card_action(client, citizen, "lift_loss")
    assert (await client.post(URL, headers=citizen.headers)).status_code == 200

    await card_action(client, citizen, "cancel")
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 409
    assert response.json()["error"]["details"]["result"] == "card_cancelled"


async def test_replacement_card_gets_the_codes(client):
    citizen = await make_citizen(client)
    old_ref = citizen.card_ref
    outcome = await card_action(client, citizen, "request_replacement")
    new_ref = bytes.fromhex(outcome.new_card.ref)
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 200
    check = fmt.verify_online(response.json()["code"], masters=online_masters(client), now=int(time.time()))
    assert check.card_ref == new_ref != old_ref


async def test_minting_is_rate_limited_per_account(client):
    citizen = await make_citizen(client)
    other = await make_citizen(client)
    for _ in range(MINT_PER_MINUTE - 1):
        assert (await client.post(URL, headers=citizen.headers)).status_code == 200
    # Images count against the same limit: they mint too.
    assert (await client.get(URL + ".png", headers=citizen.headers)).status_code == 200
    response = await client.post(URL, headers=citizen.headers)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "codes.rate_limited"
    assert 1 <= error["details"]["retry_after"] <= 60
    assert response.headers["retry-after"] == str(error["details"]["retry_after"])
    assert (await client.get(URL + ".svg", headers=citizen.headers)).status_code == 429
    # Someone else is not affected.
    assert (await client.post(URL, headers=other.headers)).status_code == 200


async def test_codes_minted_before_a_rotation_still_verify(settings, tmp_path):
    from litestar.testing import AsyncTestClient

    from backend.app import create_app

    own = msgspec.structs.replace(settings, key_dir=str(tmp_path / "keys"))
    async with AsyncTestClient(app=create_app(own)) as client:
        citizen = await make_citizen(client)
        before = (await client.post(URL, headers=citizen.headers)).json()
        old_kid = client.app.state.keystore.load().online_kid
        client.app.state.keystore.rotate()
        after = (await client.post(URL, headers=citizen.headers)).json()
        masters = online_masters(client)
        assert client.app.state.keystore.load().online_kid != old_kid
        assert fmt.base45.decode(after["code"][5:])[0] != fmt.base45.decode(before["code"][5:])[0]
        for minted in (before, after):
            check = fmt.verify_online(minted["code"], masters=masters, now=minted["issued_at"])
            assert check.result is fmt.Result.VALID and check.card_ref == citizen.card_ref


# --- images -------------------------------------------------------------------------------


def decode(image: Image.Image) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "exactly one QR code"
    return found[0]


async def test_png_decodes_to_a_code_that_verifies(client):
    citizen = await make_citizen(client)
    response = await client.get(URL + ".png", headers=citizen.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    expires = int(response.headers["x-code-expires-at"])
    issued = int(response.headers["x-code-issued-at"])
    assert expires == issued + fmt.CODE_LIFETIME
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    barcode = decode(image.convert("L"))
    assert barcode.ec_level == "M"
    version = int(barcode.extra["Version"])
    assert version <= 3 and str(version) == response.headers["x-qr-version"]
    # 8 px per module, 4 modules of quiet zone each side.
    assert image.size == ((4 * version + 17 + 8) * 8,) * 2
    check = fmt.verify_online(barcode.text, masters=online_masters(client), now=issued)
    assert check.result is fmt.Result.VALID and check.card_ref == citizen.card_ref
    # The code itself is in the image only, never in a header.
    assert all(barcode.text not in value for value in response.headers.values())


async def test_svg_is_a_scannable_accessible_document(client):
    citizen = await make_citizen(client)
    response = await client.get(URL + ".svg", params={"scale": 10}, headers=citizen.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "no-store"
    root = ET.fromstring(response.content)
    assert root.tag == SVG_NS + "svg"
    assert root.get("role") == "img" and root.get("aria-label")
    # A white background, so a dark page never shows through the light modules.
    assert any(r.get("fill") == "white" for r in root.iter(SVG_NS + "rect"))
    (path,) = list(root.iter(SVG_NS + "path"))
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", path.get("d", ""))
    size = float(root.get("viewBox").split()[2])  # scale 10: one module is one unit
    scale = 6
    image = Image.new("L", (round(size * scale),) * 2, 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2 in squares:
        draw.rectangle([float(x) * scale, float(y) * scale, float(x2) * scale - 1, float(y2) * scale - 1], fill=0)
    barcode = decode(image)
    assert int(barcode.extra["Version"]) <= 3
    check = fmt.verify_online(barcode.text, masters=online_masters(client), now=int(response.headers["x-code-issued-at"]))
    assert check.result is fmt.Result.VALID and check.card_ref == citizen.card_ref


async def test_bad_scale_is_400(client):
    citizen = await make_citizen(client)
    for scale in ("1", "33", "big", "-4", ""):
        response = await client.get(URL + ".png", params={"scale": scale}, headers=citizen.headers)
        assert response.status_code == 400, scale
        assert response.json()["error"]["code"].startswith("request."), scale


async def test_images_refuse_unusable_cards_as_json(client):
    citizen = await make_citizen(client)
    await card_action(client, citizen, "report_loss")
    for suffix in (".png", ".svg"):
        response = await client.get(URL + suffix, headers=citizen.headers)
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"]["details"]["state"] == "lost"
    assert (await client.get(URL + ".png")).status_code == 401


def test_operations_are_documented(sqlite_settings):
    from backend.app import create_app

    schema = create_app(sqlite_settings).openapi_schema.to_schema()
    for path, method in [
        (URL, "post"),
        (URL + ".svg", "get"),
        (URL + ".png", "get"),
        ("/api/v1/me/credentials", "post"),
        ("/.well-known/jwks.json", "get"),
    ]:
        operation = schema["paths"][path][method]
        assert operation["summary"] and operation["description"] and operation["tags"], path
    request = schema["components"]["schemas"]["CredentialRequest"]
    assert request["required"] == ["device_id"] and request["properties"]["device_id"]["format"] == "uuid"


def test_fast_png_has_the_same_pixels_as_qrcode_draws():
    from qrcode.image.pil import PilImage

    from backend.codes.images import _qr, render_png

    code = fmt.mint_online(bytes(8), kid=1, master=bytes(32), now=1_767_258_000)
    ours = Image.open(io.BytesIO(render_png(code, 4))).convert("L")
    theirs = _qr(code, 4, PilImage).make_image().get_image().convert("L")
    assert ours.size == theirs.size and ours.tobytes() == theirs.tobytes()
