"""Repeat scans at the scanner (issue 15 §1): the same code shown again is not a fresh green
"有效". Its verdict says when it was checked and clears itself; the same code held up again
shows "already checked at ..." in blue, answered by the scanner itself (no request, no record);
after a reload the server's repeat looks the same; the holder's record shows ONE visit that was
checked again. A request whose answer was lost on the way is no repeat to the clerk: the retry
shows the normal valid verdict, "first checked at"."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import axe_violations

pytestmark = pytest.mark.browser

SCENARIO = "library_entry"
HOLDER = 12  # this module's citizen: library visits go on its record
RETRY_HOLDER = 13

REPEAT_WORDS = {"zh-Hans": "已核验过", "zh-Hant": "已核驗過", "en": "Already checked at"}
CHECKED_WORDS = {"zh-Hans": "核验时间", "zh-Hant": "核驗時間", "en": "Checked at"}


def _token(server, index: int) -> str:
    citizen = server.citizen(index)
    status, body = server.api(
        "POST",
        "/api/v1/auth/login",
        {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "password": citizen.password},
    )
    assert status == 200, body
    return body["token"]


def _online_code(server, token: str) -> str:
    status, code = server.api("POST", "/api/v1/me/codes/online", token=token)
    assert status == 200, code
    return code["code"]


def _library_visits(server, token: str) -> list[dict]:
    status, body = server.api("GET", "/api/v1/me/verifications?limit=100", token=token)
    assert status == 200, body
    return [i for i in body["items"] if i["scenario"] == SCENARIO and i["result"] == "valid"]


def _scanner(browser, server, *, lang: str, elder: bool):
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 420, "height": 900})
    ctx.add_init_script(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '{int(elder)}');")
    page = ctx.new_page()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and r.url.endswith("/api/v1/verify") else None)
    page.goto(f"{server.base_url}/scanner/#token={server.scanners[SCENARIO]}")
    page.wait_for_selector("#net-state[data-online='1']")
    return ctx, page, sent


def _scan(page, code: str) -> None:
    """What the camera (or a handheld scanner) does with a code it reads."""
    page.evaluate("(code) => window.ykScanner.handleText(code)", code)


def _background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.querySelector('#result')).backgroundColor")


def _suffix(lang: str, elder: bool) -> str:
    return f"{lang}{'-elder' if elder else ''}"


@pytest.mark.parametrize(("lang", "elder"), [("zh-Hans", False), ("zh-Hant", False), ("en", False), ("zh-Hans", True)])
def test_a_repeat_looks_different_and_is_one_visit(browser, server, artifacts, lang, elder):
    token = _token(server, HOLDER)
    before = len(_library_visits(server, token))
    code = _online_code(server, token)
    ctx, page, sent = _scanner(browser, server, lang=lang, elder=elder)
    try:
        # The first check: green, valid, with the time it was checked.
        _scan(page, code)
        page.wait_for_selector("#result[data-result=valid]")
        result = page.locator("#result")
        assert result.get_attribute("data-repeat") == "0" and result.get_attribute("data-tone") == "ok"
        assert page.locator("#checked-at").inner_text().startswith(CHECKED_WORDS[lang])
        assert page.locator("[data-attr=masked_name]").inner_text()
        green = _background(page)
        page.screenshot(path=str(artifacts / f"scanner-verdict-valid-{_suffix(lang, elder)}.png"), full_page=True)

        # The camera keeps reading the code while the verdict is up: nothing more happens.
        _scan(page, code)
        _scan(page, code)
        assert len(sent) == 1

        # The verdict clears itself, ready for the next person.
        page.wait_for_selector("#ready", timeout=12_000)
        assert page.locator("#result").count() == 0
        page.evaluate("() => { window.ykScanner.state.verdictMs = 60_000; }")  # time to look at the next one

        # Held up again: a repeat, in blue, in words, answered by the scanner itself.
        _scan(page, code)
        page.wait_for_selector("#result[data-repeat='1']")
        assert result.get_attribute("data-local") == "1" and result.get_attribute("data-tone") == "repeat"
        assert result.get_attribute("data-result") == "valid"
        assert page.locator("#result .verdict").inner_text().startswith(REPEAT_WORDS[lang])
        assert _background(page) != green
        assert page.locator("#result dl.facts").count() == 0  # no attributes: this is no new check
        assert len(sent) == 1  # no request: nothing new on any record
        assert axe_violations(page) == []
        page.screenshot(path=str(artifacts / f"scanner-verdict-repeat-{_suffix(lang, elder)}.png"), full_page=True)

        # Esc (or the "next" button, a tap, Enter) clears it at once.
        page.keyboard.press("Escape")
        page.wait_for_selector("#ready")

        # After a reload the scanner has forgotten; the server's answer is a repeat, and looks it.
        page.reload()
        page.wait_for_selector("#net-state[data-online='1']")
        _scan(page, code)
        page.wait_for_selector("#result[data-result]")
        assert result.get_attribute("data-repeat") == "1" and result.get_attribute("data-local") == "0"
        assert page.locator("#result .verdict").inner_text().startswith(REPEAT_WORDS[lang])
        assert len(sent) == 2
        page.locator("#verdict-next").click()
        page.wait_for_selector("#ready")
    finally:
        ctx.close()

    # The holder's record: ONE more library visit, which says it was checked again once.
    visits = _library_visits(server, token)
    assert len(visits) == before + 1
    assert visits[0]["repeats"] == 1 and visits[0]["retry"] is False


def test_a_retry_of_a_lost_answer_is_the_normal_verdict(browser, server, artifacts):
    """The request reached the server but its answer never came back: the clerk saw no verdict
    for the code, so the server's repeat is shown as the valid verdict, "first checked at"."""
    token = _token(server, RETRY_HOLDER)
    before = len(_library_visits(server, token))
    code = _online_code(server, token)
    ctx, page, sent = _scanner(browser, server, lang="zh-Hans", elder=False)
    try:

        def lose_the_answer(route):
            route.fetch()  # the server checks and records the code ...
            route.abort("failed")  # ... and the answer is lost on the way back

        page.route("**/api/v1/verify", lose_the_answer)
        _scan(page, code)
        page.wait_for_selector("#result[data-result=needs_network]")
        page.unroute("**/api/v1/verify")
        # The clerk tries again (typed, or the code read again after the message cleared).
        page.fill("#manual-code", code)
        page.press("#manual-code", "Enter")
        page.wait_for_selector("#result[data-result=valid]")
        result = page.locator("#result")
        assert result.get_attribute("data-repeat") == "0" and result.get_attribute("data-first") == "1"
        assert result.get_attribute("data-tone") == "ok"
        assert page.locator("#checked-at").inner_text().startswith("首次核验时间")
        assert page.locator("[data-attr=masked_name]").inner_text()
        page.screenshot(path=str(artifacts / "scanner-verdict-first-checked-zh-Hans.png"), full_page=True)
        assert len(sent) == 2
    finally:
        ctx.close()
    visits = _library_visits(server, token)
    assert len(visits) == before + 1 and visits[0]["repeats"] == 1
