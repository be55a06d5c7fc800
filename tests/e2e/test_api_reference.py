"""The API reference at /schema renders in Chromium with no internet: Swagger UI comes from
node_modules through /vendor/, and nothing is fetched from another host."""

from __future__ import annotations

import urllib.parse

import pytest

pytestmark = pytest.mark.browser


def test_the_api_reference_renders_offline(context, server, artifacts):
    page = context.new_page()
    elsewhere: list[str] = []
    own = urllib.parse.urlparse(server.base_url).netloc

    def only_here(route):
        if urllib.parse.urlparse(route.request.url).netloc == own:
            route.continue_()
        else:  # no internet: anything from another host fails, and is noted
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    # The first load builds the whole OpenAPI document: on a busy 2-core machine with three test
    # workers that has taken over 30 s (the axe test allows 90 s too).
    page.goto(server.base_url + "/schema/swagger", wait_until="domcontentloaded", timeout=90_000)
    page.wait_for_selector(".swagger-ui .opblock", timeout=90_000)
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Yikatong API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".swagger-ui .opblock").count() >= 1  # operations drawn from the schema
    page.screenshot(path=str(artifacts / "api-reference-offline.png"))
    assert elsewhere == [] and violations == []
