"""How static files go over the wire (docs/static.md): gzip when the browser takes it, compressed
once per file version; ETag/Last-Modified and 304; a year's caching for versioned vendor files
and revalidation for everything else; API answers never compressed (BREACH)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from backend import pwa_static
from backend.app import create_app

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
NODE_MODULES = ROOT / "node_modules"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def client():
    with TestClient(Litestar(route_handlers=pwa_static.ROUTES)) as c:
        yield c


def _raw(client, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """The answer's bytes as sent (httpx would otherwise decode the gzip for us)."""
    with client.stream("GET", path, headers=headers) as res:
        return res.status_code, dict(res.headers), b"".join(res.iter_raw())


def _version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/wallet/", PWA / "wallet" / "index.html"),
        ("/wallet/app.js", PWA / "wallet" / "app.js"),
        ("/shared/base.css", PWA / "shared" / "base.css"),
        ("/shared/i18n/zh-Hans.json", PWA / "shared" / "i18n" / "zh-Hans.json"),
        ("/wallet/manifest.webmanifest", PWA / "wallet" / "manifest.webmanifest"),
        ("/catalog/", PWA / "catalog" / "index.html"),
        (pwa_static.vendor_url("swagger-ui-dist/swagger-ui.css"), NODE_MODULES / "swagger-ui-dist" / "swagger-ui.css"),
        (pwa_static.vendor_url("jsqr/dist/jsQR.js"), NODE_MODULES / "jsqr" / "dist" / "jsQR.js"),
    ],
)
def test_gzip_answer_decompresses_to_the_file(client, path, file):
    status, headers, raw = _raw(client, path, GZIP)
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(raw) < file.stat().st_size
    assert gzip.decompress(raw) == file.read_bytes()


def test_no_compression_without_accept_encoding(client):
    file = PWA / "wallet" / "app.js"
    for headers in (IDENTITY, {"Accept-Encoding": "gzip;q=0, br"}, {"Accept-Encoding": "br"}):
        status, sent, raw = _raw(client, "/wallet/app.js", headers)
        assert status == 200
        assert "content-encoding" not in sent, headers
        assert raw == file.read_bytes()
        assert sent["vary"] == "Accept-Encoding"  # a cache must still keep the two forms apart
    # `*` admits gzip.
    assert _raw(client, "/wallet/app.js", {"Accept-Encoding": "*"})[1]["content-encoding"] == "gzip"


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        (None, False),
        ("", False),
        ("identity", False),
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, *", False),  # named beats the wildcard
        ("*;q=0", False),
        ("br, *", True),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_rules(header, gzip_ok):
    assert pwa_static.accepts_gzip(header) is gzip_ok


@pytest.mark.anyio
async def test_small_or_dense_files_are_not_compressed(tmp_path):
    import os

    cache = pwa_static.AssetCache()
    dense = tmp_path / "photo.png"
    dense.write_bytes(os.urandom(20_000))  # as dense as a photo: gzip saves nothing
    small = tmp_path / "tiny.js"
    small.write_text("// tiny\n" + "x;" * 100)
    text = tmp_path / "big.js"
    text.write_text("// big\n" + "let a = 1;\n" * 100)
    for path, packed in ((dense, False), (small, False), (text, True)):
        asset = await cache.get(path)
        assert asset is not None and (asset.gzip is not None) is packed, path.name


def test_files_sent_as_they_are_have_no_vary(client, tmp_path, monkeypatch):
    dense = tmp_path / "shared" / "photo.png"
    dense.parent.mkdir()
    dense.write_bytes(__import__("os").urandom(20_000))
    monkeypatch.setattr(pwa_static, "PWA_DIR", tmp_path)
    with TestClient(Litestar(route_handlers=[pwa_static._shared_router()])) as c:
        status, headers, raw = _raw(c, "/shared/photo.png", GZIP)
    assert status == 200 and raw == dense.read_bytes()
    assert "content-encoding" not in headers and "vary" not in headers
    assert headers["content-type"] == "image/png"


def test_versioned_vendor_files_are_immutable_and_app_files_are_not(client):
    versioned = pwa_static.vendor_url("jsqr/dist/jsQR.js")
    assert versioned == f"/vendor/jsqr@{_version('jsqr')}/dist/jsQR.js"
    res = client.get(versioned)
    assert res.status_code == 200
    assert res.headers["cache-control"] == "public, max-age=31536000, immutable"
    scoped = pwa_static.vendor_url("@simplewebauthn/browser/esm/index.js")
    assert scoped == f"/vendor/@simplewebauthn/browser@{_version('@simplewebauthn/browser')}/esm/index.js"
    assert client.get(scoped).headers["cache-control"] == "public, max-age=31536000, immutable"
    # Its relative imports resolve under the same versioned folder.
    helper = scoped.replace("esm/index.js", "esm/helpers/webAuthnError.js")
    assert client.get(helper).headers["cache-control"] == "public, max-age=31536000, immutable"
    # The old unversioned names still work, but must be revalidated: they name no version.
    old = client.get("/vendor/jsqr/dist/jsQR.js")
    assert old.status_code == 200 and old.content == res.content
    assert old.headers["cache-control"] == "no-cache, public"
    for path in ("/wallet/", "/wallet/app.js", "/wallet/sw.js", "/shared/vendor.js", "/scanner/", "/catalog/app.js"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-cache, public", path
        assert "immutable" not in answer.headers["cache-control"]


def test_a_version_other_than_the_installed_one_is_not_found(client):
    assert client.get("/vendor/jsqr@0.0.1/dist/jsQR.js").status_code == 404
    assert client.get("/vendor/@simplewebauthn/browser@1.0.0/esm/index.js").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/jsqr@{jsqr}/package.json",
        "/vendor/jsqr@{jsqr}/../package.json",
        "/vendor/jsqr@{jsqr}/../../package-lock.json",
        "/vendor/axe-core@{axe}/axe.js",
        "/vendor/qrcode-generator@{qrcode}/dist/qrcode.js",  # only under its public name
        "/vendor/jsqr@/dist/jsQR.js",
        "/vendor/@{jsqr}/dist/jsQR.js",
        "/vendor/no-such-package@1.0.0/index.js",
        "/vendor/@simplewebauthn@14.0.0/browser/esm/index.js",
        "/vendor/jsqr/package.json",
        "/vendor/../package.json",
        "/vendor/%2e%2e/package-lock.json",
        "/vendor/.installed",
        "/vendor/",
        "/shared/",
        "/shared/../../pyproject.toml",
        "/wallet/../../pyproject.toml",
        "/wallet/" + "a" * 300,
        "/wallet/no-such-file.js",
    ],
)
def test_unknown_paths_are_not_found(client, path):
    path = path.format(jsqr=_version("jsqr"), axe=_version("axe-core"), qrcode=_version("qrcode-generator"))
    assert client.get(path, headers=GZIP).status_code == 404


def test_not_modified_on_if_none_match_and_if_modified_since(client):
    for path in ("/wallet/app.js", "/wallet/", pwa_static.vendor_url("axe-core/axe.min.js")):
        first = client.get(path, headers=GZIP)
        plain = client.get(path, headers=IDENTITY)
        etag, last_modified = first.headers["etag"], first.headers["last-modified"]
        assert etag != plain.headers["etag"]  # each encoding has its own strong tag
        for tag in (etag, plain.headers["etag"], f"W/{etag}", f'"other", {etag}', "*"):
            again = client.get(path, headers={**GZIP, "If-None-Match": tag})
            assert again.status_code == 304, (path, tag)
            assert again.content == b""
            assert again.headers["etag"] == etag and again.headers["cache-control"] == first.headers["cache-control"]
        assert client.get(path, headers={**GZIP, "If-None-Match": '"other"'}).status_code == 200
        assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
        assert client.get(path, headers={"If-Modified-Since": "Thu, 01 Jan 1998 00:00:00 GMT"}).status_code == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
        assert client.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": last_modified}).status_code == 200
        assert client.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_head_has_the_headers_and_no_body(client):
    res = client.head("/wallet/app.js", headers=GZIP)
    assert res.status_code == 200 and res.content == b""
    got = client.get("/wallet/app.js", headers=GZIP)
    for name in ("content-encoding", "etag", "cache-control", "vary", "content-length", "content-type"):
        assert res.headers[name] == got.headers[name], name


@pytest.mark.anyio
async def test_a_changed_file_is_read_and_compressed_again(tmp_path):
    cache = pwa_static.AssetCache()
    file = tmp_path / "app.js"
    file.write_text("// one\n" + "let a = 1;\n" * 200)
    first = await cache.get(file)
    assert first is not None and first.gzip is not None
    assert await cache.get(file) is first  # compressed once, not per request
    file.write_text("// two\n" + "let b = 2;\n" * 300)
    second = await cache.get(file)
    assert second is not None and second.etag != first.etag
    assert second.gzip is not None and gzip.decompress(second.gzip) == file.read_bytes()
    file.unlink()
    assert await cache.get(file) is None
    assert await cache.get(tmp_path) is None  # a folder is not a file


def _vendor_references() -> set[str]:
    found = set()
    for path in [*PWA.rglob("*.js"), *PWA.rglob("*.html")]:
        found |= set(re.findall(r"'(/vendor/[^']+)'", path.read_text()))
    return found


# References that still use an unversioned name (served, but revalidated on every load). Adding
# one here is a review point: a versioned URL (pwa_static.vendor_url) is cached for a year.
UNVERSIONED_OK: set[str] = set()


def test_every_vendor_reference_in_the_apps_is_served_under_its_current_version(client):
    references = _vendor_references()
    assert pwa_static.vendor_url("jsqr/dist/jsQR.js") in references  # the scan finds them at all
    for url in sorted(references):
        res = client.get(url)
        assert res.status_code == 200, url
        if url not in UNVERSIONED_OK:
            assert res.headers["cache-control"] == "public, max-age=31536000, immutable", (
                f"{url}: use the versioned URL {pwa_static.vendor_url(pwa_static.vendor_public_name(url)[0])}"
            )


@pytest.mark.anyio
async def test_api_answers_are_never_compressed_and_static_files_keep_their_cache_control(sqlite_settings):
    """BREACH: a compressed answer that holds a secret next to text the attacker chose leaks the
    secret through its length. API answers are therefore never compressed, whatever they hold."""
    async with AsyncTestClient(app=create_app(sqlite_settings)) as api:
        for path in ("/api/v1/catalog", "/schema/openapi.json", "/api/v1/me", "/health"):
            res = await api.get(path, headers=GZIP)
            assert res.status_code in (200, 401), path
            assert "content-encoding" not in res.headers, path
        # The security hook keeps the static files' own Cache-Control (it replaces others with no-store).
        vendor = await api.get(pwa_static.vendor_url("axe-core/axe.min.js"), headers=GZIP)
        assert vendor.status_code == 200 and vendor.headers["content-encoding"] == "gzip"
        assert vendor.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "script-src 'self'" in vendor.headers["content-security-policy"]
        app_file = await api.get("/wallet/app.js", headers=GZIP)
        assert app_file.headers["cache-control"] == "no-cache, public"
        missing = await api.get("/vendor/jsqr@0.0.1/dist/jsQR.js")
        assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
        # /schema's Swagger UI comes from the versioned vendor URLs.
        page = await api.get("/schema/swagger")
        for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
            assert pwa_static.vendor_url(f"swagger-ui-dist/{asset}") in page.text
