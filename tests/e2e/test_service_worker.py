"""Service workers: the shell loads offline after the first visit, API answers are never cached,
and a new worker version replaces the old cache."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import wait_until

CACHES = "async () => (await caches.keys()).sort()"
CACHED_URLS = """async () => {
    const urls = [];
    for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
}"""

pytestmark = pytest.mark.browser


def _controlled(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000)


@pytest.mark.parametrize("app", ["wallet", "scanner"])
def test_shell_loads_offline_and_a_new_version_replaces_the_cache(context, server, app):
    page = context.new_page()
    page.goto(f"{server.base_url}/{app}/")
    page.wait_for_selector("main#main h1")
    _controlled(page)
    sw = server.pwa_dir / app / "sw.js"
    original = sw.read_text()
    version = re.search(rf"const CACHE = '({app}-v\d+)'", original).group(1)
    assert page.evaluate(CACHES) == [version]
    cached = page.evaluate(CACHED_URLS)
    assert f"/{app}/" in cached and "/shared/i18n/en.json" in cached
    assert not [u for u in cached if u.startswith("/api/")]

    # Offline, the shell and its translations come from the cache.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("main#main h1")
    assert "." not in page.locator("main#main h1").inner_text()  # a real string, not a missing key
    context.set_offline(False)

    # Publish a new version: the new worker precaches under its name and drops the old cache.
    new_version = f"{app}-v{int(version.rsplit('v', 1)[1]) + 100}"
    sw.write_text(original.replace(f"'{version}'", f"'{new_version}'"))
    try:
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        wait_until(page, f"async () => JSON.stringify((await caches.keys()).sort()) === JSON.stringify(['{new_version}'])")
        page.reload()
        page.wait_for_selector("main#main h1")
        assert page.evaluate(CACHES) == [new_version]
    finally:
        sw.write_text(original)


def test_api_answers_are_never_served_from_the_cache(context, server):
    page = context.new_page()
    page.goto(f"{server.base_url}/wallet/")
    _controlled(page)
    status = page.evaluate("fetch('/health').then(r => r.status)")
    assert status == 200
    context.set_offline(True)
    # Network-only for the API: offline, a request fails instead of answering from a cache.
    failed = page.evaluate("fetch('/api/v1/me/card', {cache: 'no-store'}).then(() => false, () => true)")
    assert failed
    context.set_offline(False)
