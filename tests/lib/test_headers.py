"""Security headers on every answer, and Cache-Control: no-store on every answer that is not
explicitly public. One test walks every route of the built app; others check real answers."""

from __future__ import annotations

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.pwa_static import vendor_url
from tests.cards import helpers as h

pytestmark = pytest.mark.anyio

SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy", "permissions-policy")

# Every route whose answers may be stored by caches, and why. A route declares it with
# cache_control=CacheControlHeader(public=True, ...) or opt=cacheable(); adding one here is a review point.
PUBLIC = {
    "/api/v1/catalog": "the public application catalog",
    "/api/v1/catalog/history": "the catalog's public change history",
    "/api/v1/catalog/regions": "the list of regions",
    "/api/v1/catalog/items/{code:str}": "a published catalog item",
    "/api/v1/service-points": "the public directory of service points",
    "/.well-known/jwks.json": "the public trust list",
    "/.well-known/yikatong-trust-list": "this region's signed trust list for other regions (issue 19)",
    "/.well-known/openid-configuration": "the OpenID provider's discovery document (issue 19)",
    "/oauth/jwks": "the OpenID provider's ID token signing keys (issue 19)",
    "/wallet": "the wallet's static files",
    "/scanner": "the scanner's static files",
    "/catalog": "the catalog page's static files",
    "/console": "the staff console's static files (its answers from the API are no-store)",
    "/verify": "the statement verification page's static files (the statement itself comes from the API, no-store)",
    "/shared": "static modules the apps share",
    "/vendor": "allow-listed npm files",
}


STATIC = ("/wallet", "/scanner", "/catalog", "/console", "/verify", "/shared", "/vendor")


def _public_key(path: str) -> str:
    """Static routers serve /wallet, /wallet/ and /wallet/{file_path:path}: one entry for all."""
    return next((prefix for prefix in STATIC if path == prefix or path.startswith(prefix + "/")), path)


def _check_security(headers, *, camera: bool = False, tls: bool = False) -> None:
    for name in SECURITY:
        assert headers.get(name), f"missing {name}"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert ("camera=(self)" if camera else "camera=()") in headers["permissions-policy"]
    assert bool(headers.get("strict-transport-security")) is tls


@pytest.fixture
def app(sqlite_settings):
    return create_app(sqlite_settings)


def test_every_route_is_no_store_unless_declared_public_and_has_the_security_headers(app):
    from backend.lib.headers import route_policy

    seen: set[str] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            policy = route_policy(handler, docs_prefix="/schema")
            names = {name.decode().lower() for name, _ in policy.headers}
            assert set(SECURITY) <= names, (route.path, names)
            if policy.cacheable:
                key = _public_key(route.path)
                assert key in PUBLIC, f"{route.path} declares itself cacheable: add it to PUBLIC, with the reason"
                seen.add(key)
            # Every other route is answered with no-store by the headers hook, whatever it set.
            if route.path.startswith(("/scanner", "/wallet")):  # the wallet's 扫一扫 (issue 19)
                assert (
                    b"permissions-policy",
                    b"camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
                ) in policy.headers
            elif not route.path.startswith("/schema"):
                assert any(n == b"permissions-policy" and b"camera=()" in v for n, v in policy.headers), route.path
    assert seen == set(PUBLIC), set(PUBLIC) - seen


async def test_personal_answers_are_no_store_with_security_headers(client):
    holder = await h.citizen(client)
    office_id, code = await h.in_app(client, h.office)
    bank = await h.in_app(client, h.bank)
    from backend.cards import services

    await h.in_app(
        client,
        services.issue_card_directly,
        h.app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=bank,
        ecard_level=1,
    )
    staff = await h.staff(client, "counter_operator", city_code=code)
    answers = [
        await client.get("/api/v1/me", headers=holder["headers"]),
        await client.get("/api/v1/me/card", headers=holder["headers"]),
        await client.post("/api/v1/me/card/reveal", headers=holder["headers"]),
        await client.get("/api/v1/me/access-records", headers=holder["headers"]),
        await client.get("/api/v1/me/card/events", headers=holder["headers"]),
        await client.get("/api/v1/me/sessions", headers=holder["headers"]),
        await client.post(
            "/api/v1/staff/cards/lookup",
            headers=staff["headers"],
            json={"doc_type": "resident_id", "id_number": holder["id_number"]},
        ),
        await client.get("/api/v1/staff/applications", headers=staff["headers"]),
        await client.get("/api/v1/agency/consents", headers=holder["headers"]),  # refused: still no-store
        await client.get("/api/v1/revocations", headers=holder["headers"]),
    ]
    for response in answers:
        assert response.status_code < 500, response.text
        assert response.headers.get("cache-control") == "no-store", (response.request.url, response.headers)
        _check_security(response.headers)
    assert [r.status_code for r in answers[:4]] == [200, 200, 200, 200]
    assert answers[6].status_code == 200, answers[6].text


@pytest.mark.parametrize(
    "path, status, camera",
    [
        ("/health", 200, False),
        ("/metrics", 200, False),
        ("/no/such/thing", 404, False),
        ("/api/v1/me", 401, False),
        ("/schema/openapi.json", 200, False),
        ("/", 302, False),
        ("/wallet/", 200, True),  # 扫一扫 (issue 19)
        ("/wallet/app.js", 200, True),
        ("/wallet/no-such-file.js", 404, True),
        ("/scanner/", 200, True),
        ("/scanner/camera.js", 200, True),
        ("/catalog/", 200, False),
        ("/shared/base.css", 200, False),
        ("/vendor/jsqr/dist/jsQR.js", 200, False),
    ],
)
async def test_every_kind_of_answer_has_the_security_headers(client, path, status, camera):
    response = await client.get(path, follow_redirects=False)
    assert response.status_code == status, response.text[:200]
    _check_security(response.headers, camera=camera)
    if path.startswith(("/wallet/", "/scanner/", "/catalog/", "/shared/", "/vendor/")) and status == 200:
        assert response.headers["cache-control"] == "no-cache, public"
        assert "script-src 'self'" in response.headers["content-security-policy"]
    else:
        assert response.headers["cache-control"] == "no-store"
        if not path.startswith(("/wallet/", "/scanner/", "/catalog/")):
            assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_public_answers_keep_their_cache_control(client):
    catalog = await client.get("/api/v1/catalog")
    assert catalog.status_code == 200
    assert catalog.headers["cache-control"] == "max-age=30, public"
    _check_security(catalog.headers)
    jwks = await client.get("/.well-known/jwks.json")
    assert jwks.headers["cache-control"] == "public, max-age=300"
    _check_security(jwks.headers)
    missing = await client.get("/api/v1/catalog/items/NO-SUCH-ITEM")
    assert missing.status_code in (400, 404)
    assert missing.headers["cache-control"] == "no-store"  # an error is never cached
    _check_security(missing.headers)


async def test_docs_page_works_with_its_own_policy(client):
    page = await client.get("/schema/swagger")
    assert page.status_code == 200
    for name in SECURITY:
        assert page.headers.get(name)
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    # Swagger UI comes from node_modules through /vendor/, never a CDN: /schema works offline.
    assert "cdn" not in page.text and "http" not in page.headers["content-security-policy"]
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert vendor_url(f"swagger-ui-dist/{asset}") in page.text  # versioned (docs/static.md)
        served = await client.get(vendor_url(f"swagger-ui-dist/{asset}"))
        assert served.status_code == 200 and len(served.content) > 10_000, asset


async def test_hsts_only_behind_tls(sqlite_settings):
    async with AsyncTestClient(app=create_app(msgspec.structs.replace(sqlite_settings, behind_tls=True))) as client:
        for path in ("/health", "/no/such/thing", "/wallet/"):
            response = await client.get(path)
            _check_security(response.headers, camera=path == "/wallet/", tls=True)
            assert response.headers["strict-transport-security"] == "max-age=31536000"
