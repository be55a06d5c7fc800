"""Steps the sign-in browser tests share: register a relying party, the wallet's sign-in form, screens in every language."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Citizen, Server
from tests.e2e.helpers import axe_violations, redrawn

LANGS = ("zh-Hans", "zh-Hant", "en")
NARROW = {"width": 320, "height": 800}


def register(server: Server, body: dict, staff: str = "admin") -> dict:
    """A relying party registered through the API by a provincial operator."""
    status, client = server.api("POST", "/api/v1/oidc/clients", body, token=server.staff_token(staff))
    assert status == 201, client
    return client


def wallet_sign_in(page, citizen: Citizen) -> None:
    """The wallet's sign-in form, reached because a site's request needs a session first."""
    page.wait_for_selector("#signin-form")
    page.select_option("#doc-type", citizen.doc_type)
    page.fill("#id-number", citizen.id_number)
    page.fill("#password", citizen.password)
    page.click("#signin-form button[type=submit]")


def set_lang(page, lang: str) -> None:
    """Choose `lang` and wait for the screen drawn again in it (nothing to wait for when it is already the language)."""
    if page.evaluate("() => document.documentElement.lang") == lang:
        return
    redrawn(page, lambda: page.select_option("#lang-select", lang))
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)


def every_language(page, artifacts: Path, name: str, ready: str, width: int = 320) -> None:
    """A screenshot of the screen in each language, each axe-clean and no wider than the screen."""
    for lang in LANGS:
        set_lang(page, lang)
        page.wait_for_load_state("networkidle")  # the screen drawn again in this language
        page.wait_for_selector(ready)
        page.screenshot(path=str(artifacts / f"{name}-{lang}-{width}.png"), full_page=True)
        assert axe_violations(page) == [], (name, lang)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, lang)
    set_lang(page, "zh-Hans")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(ready)
