"""Without a browser: how the PWAs are served (MIME types, cache headers, the vendor allow-list),
that the service workers precache every shell file, and that every string is translated."""

from __future__ import annotations

import json
import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from backend import pwa_static
from tests.e2e.conftest import ROOT

PWA = ROOT / "pwa"
LANGS = ["zh-Hans", "zh-Hant", "en"]


@pytest.fixture(scope="module")
def client():
    with TestClient(Litestar(route_handlers=pwa_static.ROUTES)) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/wallet/", "text/html"),
        ("/wallet/app.js", "text/javascript"),
        ("/wallet/sw.js", "text/javascript"),
        ("/wallet/manifest.webmanifest", "application/manifest+json"),
        ("/wallet/icons/maskable-512.png", "image/png"),
        ("/shared/i18n/zh-Hans.json", "application/json"),
        ("/shared/base.css", "text/css"),
        ("/scanner/", "text/html"),
        ("/vendor/jsqr/dist/jsQR.js", "text/javascript"),
        ("/vendor/qrcode-generator/qrcode.js", "text/javascript"),
        ("/vendor/axe-core/axe.min.js", "text/javascript"),
    ],
)
def test_files_are_served_with_their_mime_type(client, path, mime):
    res = client.get(path)
    assert res.status_code == 200, path
    assert res.headers["content-type"].split(";")[0] == mime


def test_service_workers_are_never_cached_by_http(client):
    for app in ("wallet", "scanner"):
        res = client.get(f"/{app}/sw.js")
        assert res.status_code == 200
        assert "no-cache" in res.headers["cache-control"]


def test_redirects(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/wallet/"
    for app in ("wallet", "scanner"):
        res = client.get(f"/{app}", follow_redirects=False)
        assert res.status_code == 301 and res.headers["location"] == f"/{app}/"


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/jsqr/package.json",
        "/vendor/axe-core/axe.js",
        "/vendor/qrcode-generator/dist/qrcode.js",  # only under its public name
        "/vendor/../package.json",
        "/vendor/%2e%2e/package-lock.json",
        "/vendor/.installed",
        "/wallet/../../pyproject.toml",
        "/shared/../tools/make_icons.py",
    ],
)
def test_nothing_outside_the_allow_list_is_served(client, path):
    assert client.get(path).status_code == 404


def test_manifest_is_installable():
    manifest = json.loads((PWA / "wallet" / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone" and manifest["name"] and manifest["start_url"] == "/wallet/"
    icons = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= icons
    from PIL import Image

    for icon in manifest["icons"]:
        path = PWA / icon["src"].lstrip("/")
        with Image.open(path) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]


def _shell(app: str) -> list[str]:
    text = (PWA / app / "sw.js").read_text()
    return re.findall(r"'(/[^']*)'", text.split("shell:", 1)[1])


@pytest.mark.parametrize("app", ["wallet", "scanner"])
def test_service_worker_precaches_every_module_it_loads(app):
    shell = set(_shell(app))
    for path in shell:
        if path.startswith("/vendor/"):
            assert pwa_static.vendor_public_name(path)[0] in pwa_static.VENDOR_FILES  # /vendor/<pkg>@<version>/...
        elif not path.endswith("/"):
            assert (PWA / path.lstrip("/")).is_file(), path
    # Every file of the app (except the worker itself) and every shared module it imports.
    needed = {
        f"/{app}/{p.relative_to(PWA / app).as_posix()}" for p in (PWA / app).rglob("*") if p.is_file() and p.name != "sw.js"
    }
    needed.discard(f"/{app}/index.html")  # served as /{app}/
    pending = [PWA / p.lstrip("/") for p in needed if p.endswith(".js")]
    seen = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        for imp in re.findall(r"from '(/shared/[^']+)'|import\('(/shared/[^']+)'\)", module.read_text()):
            target = next(x for x in imp if x)
            needed.add(target)
            pending.append(PWA / target.lstrip("/"))
    needed |= {f"/shared/i18n/{lang}.json" for lang in LANGS}
    missing = sorted(needed - shell)
    assert not missing, f"{app}/sw.js does not precache {missing}"


def _strings() -> dict[str, dict[str, str]]:
    return {lang: json.loads((PWA / "shared" / "i18n" / f"{lang}.json").read_text()) for lang in LANGS}


def test_every_language_has_the_same_keys_and_no_empty_string():
    strings = _strings()
    keys = set(strings["zh-Hans"])
    for lang, table in strings.items():
        assert set(table) == keys, f"{lang}: {sorted(set(table) ^ keys)}"
        assert all(isinstance(v, str) and v.strip() for v in table.values()), lang
        # Placeholders must survive translation.
        for key, text in table.items():
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", strings["zh-Hans"][key])), (lang, key)


# Dotted literals in the code that are not translation keys: API error codes and a key prefix.
NOT_KEYS = {
    "card.state",
    "console.hrfile",  # the HR file section's key prefix (hrfile-kit.js P), not a key
    "card.already_active",
    "device.bad_public_key",
    "device.no_public_key",
    "device.not_found",
    "device.unbound",
    "family.form_incomplete",  # shown as error.family.form_incomplete
    "family.relative_card_not_usable",
    "ecard.not_proven",  # an API error code the security screen reacts to
    "totp.already_enabled",  # API error codes the console's sign-in reacts to
    "totp.bad_code",
    "card.lookup",  # access-record actions the console's audit search offers (labelled by prefix + action)
    "card.report_loss",
    "card.lift_loss",
    "card.lock",
    "card.unlock",
    "card.request_replacement",
    "card.cancel",
    "card.issue",
    "family.counter_lookup",
    # Prefixes the console's sections build keys from (`${prefix}.${value}`), checked by their families
    "console.audit",
    "console.catalog",
    "console.payments",
    "console.registries",
    "console.tickets",
    "console.venues",
    "console.regions",
    "console.subscriptions",  # the Subscriptions section's key prefix, not a key
    "console.cases",
    "console.orders",
    "console.applications.channel",
    "console.applications.status",
    "console.counter.actor",
    "console.counter.channel",
    "console.counter.event",
    "console.counter.proofing",
}


def test_every_key_the_code_uses_is_translated():
    keys = set(_strings()["zh-Hans"])
    # Screen groups keep their own dictionaries, merged over the shared one (shared/i18n.js).
    for extra in PWA.glob("*/i18n/*/zh-Hans.json"):  # the wallet's, scanner's and console's groups
        keys |= set(json.loads(extra.read_text()))
    namespaces = {k.split(".")[0] for k in keys}
    used = set()
    for js in PWA.rglob("*.js"):
        for literal in re.findall(r"'([a-z_]+(?:\.[A-Za-z0-9_-]+)+)'", js.read_text()):
            if literal.split(".")[0] in namespaces:
                used.add(literal)
    for html in PWA.rglob("*.html"):
        if html.parent.name in ("catalog", "verify"):
            continue  # pages with their own dictionary: test_catalog_page.py, and the verification page below
        used |= set(re.findall(r'data-i18n="([^"]+)"', html.read_text()))
    missing = sorted(used - keys - NOT_KEYS)
    assert not missing, missing
    # Families of keys the code builds from data.
    families = {
        "card.state": ["active", "temp_lost", "lost", "locked", "replacing", "replaced", "cancelled"],
        "result": [
            "valid",
            "expired",
            "not_yet_valid",
            "replayed",
            "bad_signature",
            "unknown_key",
            "card_suspended",
            "card_cancelled",
            "device_revoked",
            "scenario_not_allowed",
            "malformed",
            "assurance_too_low",
            "needs_network",
            "online_only",
            "no_lists",
            "error",
        ],
        "doc": ["resident_id", "hmt_residence_permit", "hk_mo_travel_permit", "tw_travel_permit", "foreign_permanent_residence"],
        "reason": ["none", "ecard_off", "temp_lost", "lost", "locked", "replacing", "replaced", "cancelled"],
        "action": ["report_temp_loss", "lift_loss", "request_replacement"],
        "lang": LANGS,
        "title": ["home", "more", "code", "history", "access", "security", "bank", "signin"],
    }
    from backend.catalog import scenarios
    from backend.catalog.scenarios import ATTRIBUTES

    families["scenario"] = [s.name for s in scenarios.all_scenarios()]
    families["attr"] = list(ATTRIBUTES)
    reasons = families.pop("reason")
    absent = [f"{prefix}.{name}" for prefix, names in families.items() for name in names if f"{prefix}.{name}" not in keys]
    absent += [f"result.{r}.hint" for r in families["result"] if f"result.{r}.hint" not in keys]
    absent += [f"reason.{r}.{part}" for r in reasons for part in ("title", "why", "todo") if f"reason.{r}.{part}" not in keys]
    assert not absent, absent


def test_no_third_party_code_is_committed():
    for path in PWA.rglob("*.js"):
        text = path.read_text()
        assert text.lstrip().startswith("//"), f"{path} needs its one-line header comment"
        assert "Kazuhiko Arase" not in text and "webpackBootstrap" not in text and "axe-core" not in text.split("\n", 1)[0]


def test_every_script_parses():
    """A syntax error in one module blanks a whole app; node catches it without a browser."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (it comes with npm, which `make setup` needs)")
    for path in sorted(PWA.rglob("*.js")):
        classic = path.name in ("sw.js", "sw-core.js")  # service workers are classic scripts
        args = [node, "--check", str(path)] if classic else [node, "--experimental-default-type=module", "--check", str(path)]
        done = subprocess.run(args, capture_output=True, text=True)
        assert done.returncode == 0, f"{path.relative_to(ROOT)}: {done.stderr}"


def test_the_verification_page_has_every_key_it_uses_in_every_language():
    """The public statement verification page (pwa/verify) keeps its own dictionary, one file per language."""
    page = PWA / "verify"
    used = set(re.findall(r'data-i18n="([^"]+)"', (page / "index.html").read_text()))
    used |= set(re.findall(r"\bt\('([a-z_][a-z0-9_.]*)'", (page / "verify.js").read_text()))
    assert len(used) > 10  # the page's words were found at all
    for lang in ("zh-Hans", "zh-Hant", "en"):
        words = json.loads((page / "i18n" / f"{lang}.json").read_text())
        missing = sorted(used - set(words))
        assert not missing, (lang, missing)
